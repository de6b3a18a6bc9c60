#include "core/codec/varint.hpp"

namespace ff::codec {
namespace {

Result<VarintDecoded> decode(ByteView input, bool require_minimal) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
    if (i >= input.size()) return make_error(Errc::kTruncated, "varint: input ends inside a varint");
    const std::uint8_t byte = input[i];
    const std::uint64_t group = byte & 0x7f;
    // The tenth byte may only contribute the single remaining bit of a 64-bit value.
    if (i == kMaxVarintBytes - 1 && group > 1) {
      return make_error(Errc::kInvalidInput, "varint: value exceeds 64 bits");
    }
    value |= group << (7 * i);
    if ((byte & 0x80) == 0) {
      if (require_minimal && i > 0 && group == 0) {
        return make_error(Errc::kInvalidInput, "varint: not minimally encoded");
      }
      return VarintDecoded{value, i + 1};
    }
  }
  return make_error(Errc::kInvalidInput, "varint: longer than 10 bytes");
}

}  // namespace

void put_varint(Bytes& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(value));
}

std::size_t varint_size(std::uint64_t value) {
  std::size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

Result<VarintDecoded> get_varint(ByteView input) { return decode(input, /*require_minimal=*/true); }

Result<VarintDecoded> get_varint_allow_redundant(ByteView input) {
  return decode(input, /*require_minimal=*/false);
}

}  // namespace ff::codec
