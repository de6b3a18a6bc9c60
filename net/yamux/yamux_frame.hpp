// The Yamux frame header (hashicorp/yamux spec.md, mirrored in libp2p/specs
// yamux/README.md): 12 bytes, big-endian, followed by `length` payload bytes for Data
// frames only. See docs/wire/yamux.md.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::net {

inline constexpr std::size_t kYamuxHeaderBytes = 12;
inline constexpr std::uint8_t kYamuxVersion = 0;

enum class YamuxType : std::uint8_t {
  kData = 0,          // length = payload bytes that follow
  kWindowUpdate = 1,  // length = receive window increment for the stream
  kPing = 2,          // length = opaque value, echoed back; stream id 0
  kGoAway = 3,        // length = YamuxGoAwayCode; stream id 0
};

// Flag bits. Bits outside these four are ignored on receive (js-libp2p and go-yamux do the
// same) and never sent.
inline constexpr std::uint16_t kYamuxFlagSyn = 0x1;  // opens a stream; a ping request
inline constexpr std::uint16_t kYamuxFlagAck = 0x2;  // accepts a stream; a ping response
inline constexpr std::uint16_t kYamuxFlagFin = 0x4;  // half-close: the sender sends no more data
inline constexpr std::uint16_t kYamuxFlagRst = 0x8;  // resets the stream

enum class YamuxGoAwayCode : std::uint32_t {
  kNormal = 0,
  kProtocolError = 1,
  kInternalError = 2,
};

struct YamuxHeader {
  YamuxType type = YamuxType::kData;
  std::uint16_t flags = 0;
  std::uint32_t stream_id = 0;
  std::uint32_t length = 0;

  bool has(std::uint16_t flag) const { return (flags & flag) != 0; }
  bool operator==(const YamuxHeader& other) const {
    return type == other.type && flags == other.flags && stream_id == other.stream_id &&
           length == other.length;
  }
};

// Appends the 12 header bytes (version 0) to `out`.
void append_yamux_header(Bytes& out, const YamuxHeader& header);

// Decodes the header at the start of `input`. kTruncated if fewer than 12 bytes,
// kUnsupported for a version other than 0, kInvalidInput for an unknown frame type.
Result<YamuxHeader> decode_yamux_header(ByteView input);

}  // namespace ff::net
