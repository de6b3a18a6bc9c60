// The noise-libp2p handshake (libp2p specs noise/README.md): Noise XX with a libp2p
// identity proof in messages 2 and 3, 2-byte framing, and stream-muxer early negotiation
// (connections/inlined-muxer-negotiation.md). IO-free: bytes in, bytes out.
//
//   FF_TRY_ASSIGN(auto handshake, NoiseHandshake::create(NoiseRole::kInitiator, config, keys));
//   send(handshake.take_output());                       // the initiator's message 1
//   on bytes: FF_TRY_ASSIGN(std::size_t used, handshake.feed(bytes));
//             send(handshake.take_output());
//             if (handshake.state() == NoiseHandshake::State::kDone) {
//               auto result = *handshake.take_result();  // peer ID, muxer, transport
//               result.transport.feed(bytes.subspan(used)) ...
//             }
//
// The runtime bounds the handshake's duration (js-libp2p allows 10 s); this object has no
// clock.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "net/identity/keys.hpp"
#include "net/identity/peer_id.hpp"
#include "net/noise/handshake_state.hpp"
#include "net/noise/key_source.hpp"
#include "net/noise/noise_frame.hpp"
#include "net/noise/noise_payload.hpp"
#include "net/noise/noise_transport.hpp"

namespace ff::net {

inline constexpr std::string_view kNoiseProtocolId = "/noise";
inline constexpr std::string_view kYamuxProtocolId = "/yamux/1.0.0";

struct NoiseHandshakeConfig {
  explicit NoiseHandshakeConfig(PrivateKey identity_key) : identity(std::move(identity_key)) {}

  // Our libp2p identity; it signs the Noise static key.
  PrivateKey identity;
  // Muxers we offer in early negotiation, most preferred first. Empty: we offer none and
  // the muxer is negotiated afterwards with multistream-select (as js-libp2p does on
  // WebRTC-Direct).
  std::vector<std::string> stream_muxers{std::string(kYamuxProtocolId)};
  // The peer we mean to reach (a dialled /p2p/<id> address): any other peer fails the
  // handshake. Usually set by the initiator only.
  std::optional<PeerId> expected_remote_peer;
  // Noise prologue: empty on TCP and WebSocket; WebRTC-Direct sets it.
  Bytes prologue;
};

// Early muxer negotiation (connections/inlined-muxer-negotiation.md): the first muxer of
// the initiator's list that the responder also lists. No muxer (std::nullopt, negotiate
// with multistream-select later) if either list is empty; kInvalidInput if both are
// non-empty and share nothing, which the spec says fails the handshake.
Result<std::optional<std::string>> negotiate_stream_muxer(const std::vector<std::string>& initiator_muxers,
                                                          const std::vector<std::string>& responder_muxers);

// What a completed handshake established.
struct NoiseHandshakeResult {
  PeerId remote_peer_id;
  PublicKey remote_public_key;
  // The early-negotiated muxer, or nullopt to negotiate one with multistream-select.
  std::optional<std::string> stream_muxer;
  // The peer's extensions, released only now that its signature is verified.
  NoiseExtensions remote_extensions;
  // The Noise handshake hash h (channel binding).
  Sha256Digest handshake_hash;
  NoiseTransport transport;
};

class NoiseHandshake {
 public:
  enum class State { kInProgress, kDone, kFailed };

  // Draws the Noise static and ephemeral keys from `keys` (only here: the object keeps no
  // reference) and signs the static key with the identity. The initiator's first message
  // is queued for take_output() at once. kLimitExceeded if the configured muxer names make
  // a handshake message exceed 65535 bytes; kIo if libsodium cannot initialise.
  static Result<NoiseHandshake> create(NoiseRole role, NoiseHandshakeConfig config, KeySource& keys);

  // Consumes handshake bytes in chunks of any size, answering with our next message as
  // soon as the peer's is complete. Returns how many bytes were consumed: once the
  // handshake is done it consumes nothing more, and the unconsumed bytes belong to the
  // transport. An error fails the handshake for good (the same error is returned again);
  // the connection must be closed. Errors: kInvalidInput for a malformed or
  // unauthenticated message, a payload without identity key or with a bad signature, a
  // peer other than expected_remote_peer, or no common stream muxer; kUnsupported for a
  // remote identity key type this build cannot verify.
  Result<std::size_t> feed(ByteView input);

  // The framed handshake bytes to send, in order; leaves the output empty.
  Bytes take_output();

  State state() const { return state_; }
  NoiseRole role() const { return handshake_.role(); }
  // Why the handshake failed. Only if state() == kFailed.
  const Error& error() const { return *failure_; }

  // The result, once, when state() == kDone; std::nullopt otherwise or when already taken.
  std::optional<NoiseHandshakeResult> take_result();

 private:
  NoiseHandshake(NoiseHandshakeConfig config, HandshakeState handshake, Bytes local_payload);

  Status on_message(ByteView message);
  Status write_message(ByteView payload);
  Status verify_remote(ByteView payload_bytes);
  Error fail(Error error);

  NoiseHandshakeConfig config_;
  HandshakeState handshake_;
  Bytes local_payload_;  // our encoded NoiseHandshakePayload, sent in message 2 or 3
  NoiseFrameReader reader_;
  Bytes output_;
  State state_ = State::kInProgress;
  std::optional<Error> failure_;
  // Filled by verify_remote() once the peer's payload checks out.
  std::optional<PeerId> remote_peer_id_;
  std::optional<PublicKey> remote_public_key_;
  NoiseExtensions remote_extensions_;
  std::optional<std::string> stream_muxer_;
  std::optional<NoiseHandshakeResult> result_;
};

}  // namespace ff::net
