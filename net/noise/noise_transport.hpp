// The encrypted channel after a noise-libp2p handshake: each direction is a Noise
// CipherState, messages are framed as in noise_frame.hpp. IO-free: the caller moves bytes
// between this object and the connection.
//
//   Result<Bytes> wire = transport.encrypt(data);              // send *wire
//   Result<std::size_t> used = transport.feed(received);       // keep received[*used..]
//   Bytes data = transport.take_plaintext();                   // hand to the muxer
//
// Any error is final: the transport stays failed (every later call returns the same
// error) and the connection must be closed, because a Noise channel cannot skip or
// repeat a message.
#pragma once

#include <cstddef>
#include <optional>

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
