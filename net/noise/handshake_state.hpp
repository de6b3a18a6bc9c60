// The Noise HandshakeState (Noise rev 34 section 5.3) for the XX pattern with 25519,
// ChaChaPoly and SHA-256, without framing or libp2p semantics (those are NoiseHandshake's):
//
//   XX:
//     -> e
//     <- e, ee, s, es
//     -> s, se
//
// The caller supplies both key pairs up front: XX uses exactly one ephemeral key per side,
// so the state machine itself never needs randomness (and test vectors can fix the keys).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "net/noise/cipher_state.hpp"
#include "net/noise/symmetric_state.hpp"
#include "net/noise/x25519.hpp"

namespace ff::net {

inline constexpr std::string_view kNoiseXxProtocolName = "Noise_XX_25519_ChaChaPoly_SHA256";
// Noise rev 34 section 3: every Noise message is at most 65535 bytes.
inline constexpr std::size_t kMaxNoiseMessageBytes = 65535;

enum class NoiseRole { kInitiator, kResponder };

class HandshakeState {
 public:
  // Initialize(): protocol name, then MixHash(prologue). XX has no pre-message keys.
  HandshakeState(NoiseRole role, ByteView prologue, const X25519KeyPair& static_keypair,
                 const X25519KeyPair& ephemeral_keypair);

  // WriteMessage(payload): appends the next handshake message to `out`. kInvalidInput if it
  // is not this side's turn, the handshake is complete or it has failed; kLimitExceeded if
  // the message would exceed kMaxNoiseMessageBytes. A failed write fails the handshake.
  Status write_message(ByteView payload, Bytes& out);

  // ReadMessage(message): processes the peer's next handshake message and appends its
  // payload to `payload_out`. kInvalidInput if it is not the peer's turn, the message is
  // too short for its tokens, a key has small order, or decryption fails. Any error fails
  // the handshake for good: Noise has no way to resume after a bad message.
  Status read_message(ByteView message, Bytes& payload_out);

  NoiseRole role() const { return role_; }
  // True when the next message is ours to write.
  bool is_my_turn() const;
  // True after the last of the three messages was written or read.
  bool is_complete() const { return next_message_ == kMessageCount; }
  bool has_failed() const { return failed_; }

  // Split() into (initiator-to-responder, responder-to-initiator) CipherStates. Only
  // meaningful once is_complete(); the caller decides which one sends.
  std::pair<CipherState, CipherState> split() const { return symmetric_.split(); }

  // h, which both sides share after the handshake (channel binding).
  const Sha256Digest& handshake_hash() const { return symmetric_.handshake_hash(); }
  const X25519PublicKey& local_static_public_key() const { return static_.public_key(); }
  // The peer's static key, known after message 2 (initiator) or 3 (responder).
  const std::optional<X25519PublicKey>& remote_static_public_key() const { return remote_static_; }

 private:
  enum class Token : std::uint8_t { kE, kS, kEe, kEs, kSe, kSs };
  static constexpr std::size_t kMessageCount = 3;

  static std::span<const Token> pattern(std::size_t message);
  Status write_tokens(ByteView payload, Bytes& out);
  Status mix_dh(const X25519KeyPair& local, const std::optional<X25519PublicKey>& remote);
  Status mix_dh_token(Token token);
  Error fail(Error error);

  NoiseRole role_;
  SymmetricState symmetric_;
  X25519KeyPair static_;
  X25519KeyPair ephemeral_;
  std::optional<X25519PublicKey> remote_static_;
  std::optional<X25519PublicKey> remote_ephemeral_;
  std::size_t next_message_ = 0;
  bool failed_ = false;
};

}  // namespace ff::net
