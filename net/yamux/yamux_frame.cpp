#include "net/yamux/yamux_frame.hpp"

#include <string>

namespace ff::net {
namespace {

void put_u16_be(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

void put_u32_be(Bytes& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(value >> shift));
}

std::uint32_t get_u32_be(ByteView bytes) {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) |
         std::uint32_t{bytes[3]};
}

}  // namespace

void append_yamux_header(Bytes& out, const YamuxHeader& header) {
  out.push_back(kYamuxVersion);
  out.push_back(static_cast<std::uint8_t>(header.type));
  put_u16_be(out, header.flags);
  put_u32_be(out, header.stream_id);
  put_u32_be(out, header.length);
}

Result<YamuxHeader> decode_yamux_header(ByteView input) {
  if (input.size() < kYamuxHeaderBytes) {
    return make_error(Errc::kTruncated,
                      "yamux: frame header needs 12 bytes, have " + std::to_string(input.size()));
  }
  if (input[0] != kYamuxVersion) {
    return make_error(Errc::kUnsupported, "yamux: unsupported frame version " + std::to_string(input[0]));
  }
  if (input[1] > static_cast<std::uint8_t>(YamuxType::kGoAway)) {
    return make_error(Errc::kInvalidInput, "yamux: unknown frame type " + std::to_string(input[1]));
  }
  YamuxHeader header;
  header.type = static_cast<YamuxType>(input[1]);
  header.flags = static_cast<std::uint16_t>((input[2] << 8) | input[3]);
  header.stream_id = get_u32_be(input.subspan(4, 4));
  header.length = get_u32_be(input.subspan(8, 4));
  return header;
}

}  // namespace ff::net
