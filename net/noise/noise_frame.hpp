// noise-libp2p framing (libp2p specs noise/README.md "Wire Format"): every handshake and
// transport message travels as
//
//   noise_message_len (2 bytes, big-endian) || noise_message (0..65535 bytes)
//
// See docs/wire/noise.md.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "net/noise/cipher_state.hpp"
#include "net/noise/handshake_state.hpp"

namespace ff::net {

inline constexpr std::size_t kNoiseFrameHeaderBytes = 2;
inline constexpr std::size_t kMaxNoiseFrameBytes = kNoiseFrameHeaderBytes + kMaxNoiseMessageBytes;
// The most plaintext one transport message carries: 65535 minus the 16-byte tag.
inline constexpr std::size_t kMaxNoiseTransportPlaintextBytes = kMaxNoiseMessageBytes - kNoiseTagBytes;

// Appends the 2-byte length prefix for a message of `message_bytes` (<= 65535; larger is a
// programming error and aborts).
void append_noise_frame_header(Bytes& out, std::size_t message_bytes);

// Reassembles frames from chunks of any size. It buffers at most one frame: feed() stops
// consuming at the end of a frame until pop() discards it, so the caller sees exactly
// where a frame ends (and what belongs to the next layer).
class NoiseFrameReader {
 public:
  // Consumes bytes of `input` towards the current frame and returns how many; stops at the
  // end of the frame. Consumes nothing while a complete frame is waiting for pop().
  std::size_t feed(ByteView input);

  bool has_frame() const;
  // The current frame's noise_message (without the length prefix). Only if has_frame().
  ByteView frame() const;
  void pop();
  // True if nothing is buffered, not even part of a length prefix.
  bool empty() const { return buffer_.empty(); }

 private:
  std::size_t needed_bytes() const;

  Bytes buffer_;  // length prefix and message, at most kMaxNoiseFrameBytes
};

}  // namespace ff::net
