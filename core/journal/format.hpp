// The journal's byte layout: file header, blocks and fragment headers. See
// docs/journal-format.md, sections 2 and 3, for the grammar, the worked example and the
// recovery rules these constants and codecs implement.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::journal {

// File header: magic[8] version:u16 block_shift:u8 flags:u8 header_crc:u32.
inline constexpr std::size_t kFileHeaderBytes = 16;
inline constexpr std::array<std::uint8_t, 8> kFileMagic = {'F', 'F', 'J', 'O', 'U', 'R', 'N', 'L'};
inline constexpr std::uint16_t kFormatVersion = 1;

// Blocks: 1 << block_shift bytes, block_shift in [kMinBlockShift, kMaxBlockShift]. The upper
// bound keeps a fragment's payload length within the u16 length field.
inline constexpr std::uint8_t kMinBlockShift = 8;
inline constexpr std::uint8_t kMaxBlockShift = 16;
inline constexpr std::uint8_t kDefaultBlockShift = 15;
inline constexpr std::uint32_t kMinBlockBytes = std::uint32_t{1} << kMinBlockShift;
inline constexpr std::uint32_t kMaxBlockBytes = std::uint32_t{1} << kMaxBlockShift;
inline constexpr std::uint32_t kDefaultBlockBytes = std::uint32_t{1} << kDefaultBlockShift;

// Fragment header: header_crc:u32 payload_crc:u32 length:u16 type:u8.
inline constexpr std::size_t kRecordHeaderBytes = 11;

// The largest logical record the format allows (a reader may be configured lower).
inline constexpr std::size_t kMaxRecordBytes = std::size_t{64} << 20;

enum class FragmentType : std::uint8_t {
  kFull = 1,
  kFirst = 2,
  kMiddle = 3,
  kLast = 4,
};

struct FileHeader {
  std::uint16_t version = kFormatVersion;
  std::uint8_t block_shift = kDefaultBlockShift;

  std::uint32_t block_bytes() const { return std::uint32_t{1} << block_shift; }
};

// Encodes a version-1 file header for `block_shift`, which must be in range.
std::array<std::uint8_t, kFileHeaderBytes> encode_file_header(std::uint8_t block_shift);

// Decodes a complete 16-byte file header. Errors: kInvalidInput when the magic differs
// (not a journal), kUnsupported when the version is not kFormatVersion (checked before the
// checksum, so a future layout is named as such), kCorruption when the checksum fails, a
// reserved flag is set or the block shift is out of range.
Result<FileHeader> decode_file_header(ByteView bytes);

// Classifies a file shorter than kFileHeaderBytes (a crash while the header was written):
// ok when its bytes are a prefix of a version-1 header as far as they can be checked
// without the checksum, kInvalidInput/kUnsupported as decode_file_header otherwise.
Status check_torn_file_header(ByteView bytes);

struct FragmentHeader {
  std::uint32_t payload_crc_masked = 0;
  std::uint16_t length = 0;
  std::uint8_t type = 0;  // raw: may be an invalid FragmentType, the reader decides
};

// Writes the 11-byte header for `payload` with `type` into `out`.
void encode_fragment_header(FragmentType type, ByteView payload, std::uint8_t* out);

// Parses the first kRecordHeaderBytes of `header_bytes` (which must hold that many);
// nullopt when header_crc does not match, i.e. the header is corrupt.
std::optional<FragmentHeader> decode_fragment_header(ByteView header_bytes);

// Whether `payload` matches the masked CRC stored in its header.
bool fragment_payload_matches(const FragmentHeader& header, ByteView payload);

}  // namespace ff::journal
