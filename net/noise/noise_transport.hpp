// The encrypted channel after a noise-libp2p handshake: each direction is a Noise
// CipherState, messages are framed as in noise_frame.hpp. IO-free: the caller moves bytes
// between this object and the connection.
//
//   Result<Bytes> wire = transport.encrypt(data);              // send *wire
//   Result<std::size_t> used = transport.feed(received);       // keep received[*used..]
//   Bytes data = transport.take_plaintext();                   // hand to the muxer
//
// or, without the reassembly and plaintext buffers, straight in the runtime's read buffer:
//
//   while (auto frame = transport.open_frame_in_place(unread))  // (checking errors)
//     hand frame->plaintext to the muxer; drop frame->frame_bytes from unread;
//   keep the incomplete rest of `unread` and read more after it.
//
// Any error is final: the transport stays failed (every later call returns the same
// error) and the connection must be closed, because a Noise channel cannot skip or
// repeat a message.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "net/noise/cipher_state.hpp"
#include "net/noise/noise_frame.hpp"

namespace ff::net {

// feed() stops consuming ciphertext once this much decrypted data waits in
// take_plaintext(), so a fast sender cannot grow our memory: the runtime stops reading
// the socket until the muxer has taken the plaintext. One more frame than this (at most
// kMaxNoiseTransportPlaintextBytes) may be buffered.
inline constexpr std::size_t kMaxBufferedPlaintextBytes = 256 * 1024;

// One transport frame decrypted in place by NoiseTransport::open_frame_in_place().
struct NoiseOpenedFrame {
  std::size_t frame_bytes = 0;  // length prefix, ciphertext and tag
  ByteView plaintext;
};

class NoiseTransport {
 public:
  // `send` encrypts our messages, `receive` decrypts the peer's (the initiator sends with
  // the first CipherState of Split(), the responder with the second).
  NoiseTransport(CipherState send, CipherState receive)
      : send_(std::move(send)), receive_(std::move(receive)) {}

  // Encrypts `plaintext` into frames, appended to `out`: one frame per
  // kMaxNoiseTransportPlaintextBytes of plaintext, and one (carrying only a tag) for empty
  // plaintext. kLimitExceeded when the send nonce is exhausted.
  Status encrypt_into(ByteView plaintext, Bytes& out);
  Result<Bytes> encrypt(ByteView plaintext);

  // The size of the frames encrypt_into() appends for `plaintext_bytes` of plaintext.
  static std::size_t encrypted_bytes(std::size_t plaintext_bytes);

  // encrypt_into() for a caller-managed buffer: writes exactly
  // encrypted_bytes(plaintext.size()) bytes to the start of `out` (which must be that
  // large, and must not overlap `plaintext`) and returns that count. Same frames, same
  // errors; on an error the content of `out` is unspecified.
  Result<std::size_t> encrypt_to(ByteView plaintext, std::span<std::uint8_t> out);

  // If `input` starts with a complete frame, decrypts its message in place and returns the
  // frame's size on the wire and its plaintext, a view into `input` (valid while `input`
  // is). nullopt while the frame is incomplete: keep the bytes and call again with more;
  // a buffer of kMaxNoiseFrameBytes always has room for one frame. Errors as for feed(),
  // and kInvalidInput if feed() holds part of a frame (the two input paths do not mix).
  Result<std::optional<NoiseOpenedFrame>> open_frame_in_place(std::span<std::uint8_t> input);

  // Consumes ciphertext bytes (any chunking) and decrypts every complete frame into the
  // plaintext buffer. Returns how many bytes of `ciphertext` were consumed: fewer than
  // all only when the plaintext buffer has reached kMaxBufferedPlaintextBytes; feed the
  // rest again after take_plaintext(). kInvalidInput if a frame fails authentication
  // (tampered, replayed, reordered or truncated message); kLimitExceeded when the receive
  // nonce is exhausted.
  Result<std::size_t> feed(ByteView ciphertext);

  // The plaintext decrypted so far, in order; leaves the buffer empty.
  Bytes take_plaintext();
  std::size_t buffered_plaintext_bytes() const { return plaintext_.size(); }

  bool has_failed() const { return failure_.has_value(); }
  // True if bytes of an incomplete frame are buffered (at a clean end of stream there are
  // none; otherwise the peer closed mid-message).
  bool has_partial_frame() const { return !reader_.empty(); }

 private:
  Status decrypt_frame(ByteView message);
  Error fail(Error error);

  CipherState send_;
  CipherState receive_;
  NoiseFrameReader reader_;
  Bytes plaintext_;
  std::optional<Error> failure_;
};

}  // namespace ff::net
