#include "net/noise/noise_handshake.hpp"

#include <sodium.h>

#include <algorithm>

#include "net/identity/sodium.hpp"

namespace ff::net {
namespace {

// The bytes the identity key signs: the fixed prefix, then the X25519 static key.
Bytes static_key_signature_message(const X25519PublicKey& static_key) {
  const ByteView prefix = as_bytes(kNoiseStaticKeySignaturePrefix);
  Bytes message(prefix.size() + static_key.size());
  std::copy(prefix.begin(), prefix.end(), message.begin());
  std::copy(static_key.begin(), static_key.end(),
            message.begin() + static_cast<std::ptrdiff_t>(prefix.size()));
  return message;
}

Result<X25519KeyPair> draw_key_pair(KeySource& keys) {
  X25519Secret secret = keys.new_x25519_secret();
  Result<X25519KeyPair> pair = X25519KeyPair::from_secret(secret);
  sodium_memzero(secret.data(), secret.size());
  return pair;
}

}  // namespace

Result<std::optional<std::string>> negotiate_stream_muxer(const std::vector<std::string>& initiator_muxers,
                                                          const std::vector<std::string>& responder_muxers) {
  if (initiator_muxers.empty() || responder_muxers.empty()) return std::optional<std::string>();
  for (const std::string& muxer : initiator_muxers) {
    if (std::find(responder_muxers.begin(), responder_muxers.end(), muxer) != responder_muxers.end()) {
      return std::optional<std::string>(muxer);
    }
  }
  return make_error(Errc::kInvalidInput, "Noise: the peers share no stream muxer (initiator offers " +
                                             initiator_muxers.front() + ", responder " +
                                             responder_muxers.front() + ")");
}

NoiseHandshake::NoiseHandshake(NoiseHandshakeConfig config, HandshakeState handshake, Bytes local_payload)
    : config_(std::move(config)),
      handshake_(std::move(handshake)),
      local_payload_(std::move(local_payload)) {}

Result<NoiseHandshake> NoiseHandshake::create(NoiseRole role, NoiseHandshakeConfig config, KeySource& keys) {
  FF_TRY(ensure_sodium());
  // noise-libp2p allows a fresh static key per session (spec "Static Key
  // Authentication"); one signature per connection is cheap and keeps no key around.
  FF_TRY_ASSIGN(X25519KeyPair static_keys, draw_key_pair(keys));
  FF_TRY_ASSIGN(X25519KeyPair ephemeral_keys, draw_key_pair(keys));

  NoiseHandshakePayload payload;
  payload.identity_key = config.identity.public_key().encode();
  payload.identity_sig = config.identity.sign(static_key_signature_message(static_keys.public_key()));
  payload.extensions.emplace();
  payload.extensions->stream_muxers = config.stream_muxers;

  Bytes local_payload = payload.encode();
  // Our payload rides in message 2 (e, s, payload: 96 bytes of overhead) or message 3
  // (less); refuse a configuration that cannot fit now rather than mid-handshake.
  if (local_payload.size() + 2 * kX25519KeyBytes + 2 * kNoiseTagBytes > kMaxNoiseMessageBytes) {
    return make_error(Errc::kLimitExceeded, "Noise: the handshake payload (" +
                                                std::to_string(local_payload.size()) +
                                                " bytes) is too large for one message");
  }

  HandshakeState state(role, config.prologue, static_keys, ephemeral_keys);
  NoiseHandshake handshake(std::move(config), std::move(state), std::move(local_payload));
  if (role == NoiseRole::kInitiator) {
    // Message 1 carries only the ephemeral key: a payload there would be unencrypted, and
    // the spec forbids extensions in it.
    FF_TRY(handshake.write_message({}));
  }
  return handshake;
}

Error NoiseHandshake::fail(Error error) {
  state_ = State::kFailed;
  failure_ = error;
  return error;
}

Status NoiseHandshake::write_message(ByteView payload) {
  Bytes message;
  FF_TRY(handshake_.write_message(payload, message));
  append_noise_frame_header(output_, message.size());
  output_.insert(output_.end(), message.begin(), message.end());
  return {};
}

Status NoiseHandshake::verify_remote(ByteView payload_bytes) {
  FF_TRY_ASSIGN(NoiseHandshakePayload payload, NoiseHandshakePayload::decode(payload_bytes));
  if (payload.identity_key.empty()) {
    return make_error(Errc::kInvalidInput, "Noise: the peer's handshake payload has no identity key");
  }
  Result<PublicKey> decoded_key = PublicKey::decode(payload.identity_key);
  if (!decoded_key.ok()) {
    const Errc code =
        decoded_key.error().code == Errc::kTruncated ? Errc::kInvalidInput : decoded_key.error().code;
    return make_error(code, "Noise: the peer's identity key: " + decoded_key.error().message);
  }
  PublicKey key = std::move(decoded_key).value();
  // The XX pattern has delivered the peer's static key by the message carrying its payload.
  const X25519PublicKey& remote_static = *handshake_.remote_static_public_key();
  if (!key.verify(static_key_signature_message(remote_static), payload.identity_sig)) {
    return make_error(Errc::kInvalidInput,
                      "Noise: the peer's identity signature over its static key is invalid");
  }
  PeerId peer = PeerId::from_public_key(key);
  if (config_.expected_remote_peer && peer != *config_.expected_remote_peer) {
    return make_error(Errc::kInvalidInput, "Noise: expected peer " +
                                               config_.expected_remote_peer->to_base58() +
                                               " but the remote is " + peer.to_base58());
  }
  NoiseExtensions extensions = payload.extensions ? std::move(*payload.extensions) : NoiseExtensions{};
  const bool initiator = handshake_.role() == NoiseRole::kInitiator;
  FF_TRY_ASSIGN(stream_muxer_, initiator
                                   ? negotiate_stream_muxer(config_.stream_muxers, extensions.stream_muxers)
                                   : negotiate_stream_muxer(extensions.stream_muxers, config_.stream_muxers));
  remote_peer_id_ = std::move(peer);
  remote_public_key_ = std::move(key);
  remote_extensions_ = std::move(extensions);
  return {};
}

Status NoiseHandshake::on_message(ByteView message) {
  Bytes payload;
  FF_TRY(handshake_.read_message(message, payload));
  if (handshake_.role() == NoiseRole::kResponder && handshake_.is_my_turn()) {
    // Message 1: its (unencrypted, unauthenticated) payload is ignored, as the spec says
    // the initiator sends nothing there. Answer with message 2.
    return write_message(local_payload_);
  }
  // Message 2 (initiator) or 3 (responder) carries the peer's identity.
  FF_TRY(verify_remote(payload));
  if (handshake_.role() == NoiseRole::kInitiator) FF_TRY(write_message(local_payload_));
  if (!handshake_.is_complete()) std::abort();  // XX has exactly three messages

  auto [initiator_to_responder, responder_to_initiator] = handshake_.split();
  const bool initiator = handshake_.role() == NoiseRole::kInitiator;
  result_.emplace(NoiseHandshakeResult{
      std::move(*remote_peer_id_), std::move(*remote_public_key_), std::move(stream_muxer_),
      std::move(remote_extensions_), handshake_.handshake_hash(),
      initiator ? NoiseTransport(initiator_to_responder, responder_to_initiator)
                : NoiseTransport(responder_to_initiator, initiator_to_responder)});
  state_ = State::kDone;
  return {};
}

Result<std::size_t> NoiseHandshake::feed(ByteView input) {
  if (state_ == State::kFailed) return *failure_;
  std::size_t consumed = 0;
  while (state_ == State::kInProgress && consumed < input.size()) {
    consumed += reader_.feed(input.subspan(consumed));
    if (!reader_.has_frame()) break;
    const Status status = on_message(reader_.frame());
    reader_.pop();
    if (!status.ok()) return fail(status.error());
  }
  return consumed;
}

Bytes NoiseHandshake::take_output() {
  Bytes out = std::move(output_);
  output_.clear();
  return out;
}

std::optional<NoiseHandshakeResult> NoiseHandshake::take_result() {
  std::optional<NoiseHandshakeResult> result = std::move(result_);
  result_.reset();
  return result;
}

}  // namespace ff::net
