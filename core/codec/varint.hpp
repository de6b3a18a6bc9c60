// Unsigned LEB128 varints as used by protobuf, multiformats and libp2p framing.
// Decoding is bounds-checked and strict: at most kMaxVarintBytes bytes, no value above
// 2^64-1, and (as the multiformats unsigned-varint spec requires) no redundant trailing
// zero groups, so every value has exactly one encoding.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::codec {

inline constexpr std::size_t kMaxVarintBytes = 10;

struct VarintDecoded {
  std::uint64_t value;
  std::size_t length;  // bytes consumed
};

// Appends the encoding of `value` to `out`.
void put_varint(Bytes& out, std::uint64_t value);

// Number of bytes put_varint would write.
std::size_t varint_size(std::uint64_t value);

// Decodes one varint from the start of `input`. kTruncated if input ends inside it,
// kInvalidInput if it overflows 64 bits or is not minimally encoded.
Result<VarintDecoded> get_varint(ByteView input);

// Like get_varint but accepts redundant encodings (trailing zero groups, up to
// kMaxVarintBytes bytes in all), as protobuf parsers must: the protobuf wire format, unlike
// the multiformats unsigned-varint, does not require minimal varints. Still rejects values
// above 2^64-1 and encodings longer than kMaxVarintBytes.
Result<VarintDecoded> get_varint_allow_redundant(ByteView input);

// ZigZag maps signed to unsigned so small magnitudes stay short (protobuf sint64).
inline std::uint64_t zigzag_encode(std::int64_t value) {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}
inline std::int64_t zigzag_decode(std::uint64_t value) {
  return static_cast<std::int64_t>(value >> 1) ^ -static_cast<std::int64_t>(value & 1);
}

}  // namespace ff::codec
