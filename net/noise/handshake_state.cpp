#include "net/noise/handshake_state.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace ff::net {
namespace {

ByteView view(const X25519PublicKey& key) { return ByteView(key.data(), key.size()); }

}  // namespace

HandshakeState::HandshakeState(NoiseRole role, ByteView prologue, const X25519KeyPair& static_keypair,
                               const X25519KeyPair& ephemeral_keypair)
    : role_(role), symmetric_(kNoiseXxProtocolName), static_(static_keypair), ephemeral_(ephemeral_keypair) {
  symmetric_.mix_hash(prologue);
}

bool HandshakeState::is_my_turn() const {
  if (failed_ || is_complete()) return false;
  // Messages alternate, starting with the initiator.
  const bool initiator_writes = next_message_ % 2 == 0;
  return initiator_writes == (role_ == NoiseRole::kInitiator);
}

Error HandshakeState::fail(Error error) {
  failed_ = true;
  return error;
}

Status HandshakeState::mix_dh(const X25519KeyPair& local, const std::optional<X25519PublicKey>& remote) {
  // The XX token order guarantees the remote key was read before any DH that uses it.
  if (!remote) std::abort();
  FF_TRY_ASSIGN(auto shared, local.dh(*remote));
  symmetric_.mix_key(ByteView(shared.data(), shared.size()));
  sodium_memzero(shared.data(), shared.size());
  return {};
}

Status HandshakeState::mix_dh_token(Token token) {
  const bool initiator = role_ == NoiseRole::kInitiator;
  switch (token) {
    case Token::kEe: return mix_dh(ephemeral_, remote_ephemeral_);
    // "es" is DH(initiator's e, responder's s); "se" the mirror image.
    case Token::kEs:
      return initiator ? mix_dh(ephemeral_, remote_static_) : mix_dh(static_, remote_ephemeral_);
    case Token::kSe:
      return initiator ? mix_dh(static_, remote_ephemeral_) : mix_dh(ephemeral_, remote_static_);
    case Token::kSs: return mix_dh(static_, remote_static_);
    case Token::kE:
    case Token::kS: break;
  }
  std::abort();
}

std::span<const HandshakeState::Token> HandshakeState::pattern(std::size_t message) {
  // The XX message patterns (Noise rev 34 section 7.5).
  static constexpr Token kMessage1[] = {Token::kE};
  static constexpr Token kMessage2[] = {Token::kE, Token::kEe, Token::kS, Token::kEs};
  static constexpr Token kMessage3[] = {Token::kS, Token::kSe};
  switch (message) {
    case 0: return kMessage1;
    case 1: return kMessage2;
    case 2: return kMessage3;
  }
  std::abort();
}

Status HandshakeState::write_message(ByteView payload, Bytes& out) {
  if (!is_my_turn())
    return make_error(Errc::kInvalidInput, "Noise: not our turn to write a handshake message");
  const std::size_t start = out.size();
  Status status = write_tokens(payload, out);
  if (status.ok() && out.size() - start > kMaxNoiseMessageBytes) {
    status =
        make_error(Errc::kLimitExceeded, "Noise: handshake message of " + std::to_string(out.size() - start) +
                                             " bytes exceeds 65535");
  }
  if (!status.ok()) {
    out.resize(start);  // never leave half a message behind
    return fail(status.error());
  }
  ++next_message_;
  return {};
}

Status HandshakeState::write_tokens(ByteView payload, Bytes& out) {
  for (const Token token : pattern(next_message_)) {
    if (token == Token::kE) {
      out.insert(out.end(), ephemeral_.public_key().begin(), ephemeral_.public_key().end());
      symmetric_.mix_hash(view(ephemeral_.public_key()));
    } else if (token == Token::kS) {
      FF_TRY(symmetric_.encrypt_and_hash(view(static_.public_key()), out));
    } else {
      FF_TRY(mix_dh_token(token));
    }
  }
  return symmetric_.encrypt_and_hash(payload, out);
}

Status HandshakeState::read_message(ByteView message, Bytes& payload_out) {
  if (failed_ || is_complete() || is_my_turn()) {
    return fail(make_error(Errc::kInvalidInput, "Noise: unexpected handshake message"));
  }
  if (message.size() > kMaxNoiseMessageBytes) {
    return fail(make_error(Errc::kLimitExceeded, "Noise: handshake message exceeds 65535 bytes"));
  }
  ByteView rest = message;
  for (const Token token : pattern(next_message_)) {
    if (token == Token::kE || token == Token::kS) {
      // A static key is encrypted (with a tag) once a key is mixed in; an ephemeral never.
      const std::size_t length =
          kX25519KeyBytes + (token == Token::kS && symmetric_.has_key() ? kNoiseTagBytes : 0);
      if (rest.size() < length) {
        return fail(make_error(Errc::kInvalidInput,
                               "Noise: handshake message " + std::to_string(next_message_ + 1) +
                                   " is too short (" + std::to_string(message.size()) + " bytes)"));
      }
      ByteView field = rest.first(length);
      rest = rest.subspan(length);
      X25519PublicKey key{};
      if (token == Token::kE) {
        std::copy(field.begin(), field.end(), key.begin());
        symmetric_.mix_hash(field);
        remote_ephemeral_ = key;
      } else {
        Bytes plain;
        if (auto status = symmetric_.decrypt_and_hash(field, plain); !status.ok())
          return fail(status.error());
        std::copy(plain.begin(), plain.end(), key.begin());
        remote_static_ = key;
      }
    } else if (auto status = mix_dh_token(token); !status.ok()) {
      return fail(status.error());
    }
  }
  if (auto status = symmetric_.decrypt_and_hash(rest, payload_out); !status.ok()) return fail(status.error());
  ++next_message_;
  return {};
}

}  // namespace ff::net
