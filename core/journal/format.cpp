#include "core/journal/format.hpp"

#include <cassert>
#include <cstring>
#include <string>

#include "core/hash/crc32c.hpp"

namespace ff::journal {
namespace {

void store_u16(std::uint8_t* out, std::uint16_t value) {
  out[0] = static_cast<std::uint8_t>(value);
  out[1] = static_cast<std::uint8_t>(value >> 8);
}

void store_u32(std::uint8_t* out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

std::uint16_t load_u16(const std::uint8_t* in) {
  return static_cast<std::uint16_t>(in[0] | (static_cast<std::uint16_t>(in[1]) << 8));
}

std::uint32_t load_u32(const std::uint8_t* in) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= static_cast<std::uint32_t>(in[i]) << (8 * i);
  return value;
}

// Offsets inside the file header.
constexpr std::size_t kVersionOffset = 8;
constexpr std::size_t kBlockShiftOffset = 10;
constexpr std::size_t kFlagsOffset = 11;
constexpr std::size_t kFileCrcOffset = 12;

Status check_magic(ByteView bytes) {
  const std::size_t checked = bytes.size() < kFileMagic.size() ? bytes.size() : kFileMagic.size();
  if (std::memcmp(bytes.data(), kFileMagic.data(), checked) != 0) {
    return make_error(Errc::kInvalidInput, "journal: not a journal file (magic is not FFJOURNL)");
  }
  return {};
}

Status check_version(std::uint16_t version) {
  if (version != kFormatVersion) {
    return make_error(Errc::kUnsupported, "journal: format version " + std::to_string(version) +
                                              " is not supported by this build (it reads version " +
                                              std::to_string(kFormatVersion) + ")");
  }
  return {};
}

}  // namespace

std::array<std::uint8_t, kFileHeaderBytes> encode_file_header(std::uint8_t block_shift) {
  assert(block_shift >= kMinBlockShift && block_shift <= kMaxBlockShift);
  std::array<std::uint8_t, kFileHeaderBytes> out{};
  std::memcpy(out.data(), kFileMagic.data(), kFileMagic.size());
  store_u16(out.data() + kVersionOffset, kFormatVersion);
  out[kBlockShiftOffset] = block_shift;
  out[kFlagsOffset] = 0;
  const std::uint32_t crc = hash::crc32c(ByteView(out.data(), kFileCrcOffset));
  store_u32(out.data() + kFileCrcOffset, hash::mask_crc(crc));
  return out;
}

Result<FileHeader> decode_file_header(ByteView bytes) {
  if (bytes.size() < kFileHeaderBytes) {
    return make_error(Errc::kTruncated,
                      "journal: file header needs 16 bytes, have " + std::to_string(bytes.size()));
  }
  FF_TRY(check_magic(bytes));
  FileHeader header;
  header.version = load_u16(bytes.data() + kVersionOffset);
  FF_TRY(check_version(header.version));
  const std::uint32_t expected = hash::mask_crc(hash::crc32c(bytes.first(kFileCrcOffset)));
  if (load_u32(bytes.data() + kFileCrcOffset) != expected) {
    return make_error(Errc::kCorruption, "journal: file header checksum mismatch");
  }
  if (bytes[kFlagsOffset] != 0) {
    return make_error(Errc::kCorruption, "journal: file header has reserved flags set");
  }
  header.block_shift = bytes[kBlockShiftOffset];
  if (header.block_shift < kMinBlockShift || header.block_shift > kMaxBlockShift) {
    return make_error(Errc::kCorruption,
                      "journal: block shift " + std::to_string(header.block_shift) + " is out of range");
  }
  return header;
}

Status check_torn_file_header(ByteView bytes) {
  assert(bytes.size() < kFileHeaderBytes);
  FF_TRY(check_magic(bytes));
  if (bytes.size() >= kVersionOffset + 2) FF_TRY(check_version(load_u16(bytes.data() + kVersionOffset)));
  return {};
}

void encode_fragment_header(FragmentType type, ByteView payload, std::uint8_t* out) {
  assert(payload.size() <= kMaxBlockBytes - kRecordHeaderBytes);
  store_u32(out + 4, hash::mask_crc(hash::crc32c(payload)));
  store_u16(out + 8, static_cast<std::uint16_t>(payload.size()));
  out[10] = static_cast<std::uint8_t>(type);
  store_u32(out, hash::mask_crc(hash::crc32c(ByteView(out + 4, kRecordHeaderBytes - 4))));
}

std::optional<FragmentHeader> decode_fragment_header(ByteView header_bytes) {
  assert(header_bytes.size() >= kRecordHeaderBytes);
  const std::uint8_t* in = header_bytes.data();
  const std::uint32_t expected = hash::mask_crc(hash::crc32c(ByteView(in + 4, kRecordHeaderBytes - 4)));
  if (load_u32(in) != expected) return std::nullopt;
  FragmentHeader header;
  header.payload_crc_masked = load_u32(in + 4);
  header.length = load_u16(in + 8);
  header.type = in[10];
  return header;
}

bool fragment_payload_matches(const FragmentHeader& header, ByteView payload) {
  return hash::mask_crc(hash::crc32c(payload)) == header.payload_crc_masked;
}

}  // namespace ff::journal
