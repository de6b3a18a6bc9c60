// Fuzzes the noise-libp2p handshake and transport with arbitrary peer bytes: never crash,
// never consume more than was offered, never accept forged messages, and stay failed once
// failed. The first input byte picks the target and chunking:
//   0: a fresh responder fed the rest whole          (message 1 as a remote initiator sends it)
//   1: a fresh responder fed 1..16-byte chunks       (sizes taken from the input itself)
//   2: a responder fed an honest message 1, then the rest (message 3 from a forger)
//   3: an initiator fed the rest in chunks           (message 2 from a forger)
//   4: a transport fed the rest in chunks
//   5: the handshake payload protobuf decoder
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "net/noise/noise_handshake.hpp"
#include "net/noise/noise_payload.hpp"
#include "net/noise/noise_transport.hpp"

namespace {

using ff::ByteView;
using ff::net::NoiseHandshake;

void check(bool condition) {
  if (!condition) std::abort();
}

// Deterministic key source: fuzzing must be reproducible.
class CountingKeySource final : public ff::net::KeySource {
 public:
  ff::net::X25519Secret new_x25519_secret() override {
    ff::net::X25519Secret secret{};
    secret.fill(++counter_);
    return secret;
  }

 private:
  std::uint8_t counter_ = 0;
};

const ff::net::PrivateKey& identity() {
  static const ff::net::PrivateKey key(ff::net::Ed25519KeyPair::from_seed(ff::Bytes(32, 0x42)).value());
  return key;
}

NoiseHandshake make(ff::net::NoiseRole role) {
  CountingKeySource keys;
  auto handshake = NoiseHandshake::create(role, ff::net::NoiseHandshakeConfig(identity()), keys);
  check(handshake.ok());
  return std::move(handshake).value();
}

// Feeds `input` whole (chunk_sizes empty) or in chunks whose sizes cycle through
// 1 + chunk_sizes[i] % 16. Stops at an error or when the handshake stops consuming.
void feed(NoiseHandshake& handshake, ByteView input, ByteView chunk_sizes) {
  std::size_t offset = 0, round = 0;
  while (offset < input.size()) {
    std::size_t size = input.size() - offset;
    if (!chunk_sizes.empty())
      size = std::min<std::size_t>(size, 1 + chunk_sizes[round++ % chunk_sizes.size()] % 16);
    auto consumed = handshake.feed(input.subspan(offset, size));
    if (!consumed.ok()) {
      check(handshake.state() == NoiseHandshake::State::kFailed);
      check(!handshake.feed(input.subspan(offset)).ok());  // failure is sticky
      check(!handshake.take_result().has_value());
      return;
    }
    check(*consumed <= size);
    offset += *consumed;
    if (*consumed < size) {
      // Only a finished handshake leaves bytes unconsumed.
      check(handshake.state() != NoiseHandshake::State::kInProgress);
      return;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0] % 6;
  ByteView input(data + 1, size - 1);
  // For chunked modes the first up-to-8 bytes give the chunk sizes.
  const std::size_t sizes_length = std::min<std::size_t>(8, input.size());
  ByteView chunk_sizes = input.first(sizes_length);
  ByteView chunked_rest = input.subspan(sizes_length);

  switch (mode) {
    case 0:
    case 1: {
      NoiseHandshake responder = make(ff::net::NoiseRole::kResponder);
      feed(responder, mode == 0 ? input : chunked_rest, mode == 0 ? ByteView() : chunk_sizes);
      // Random bytes can at most look like message 1; they never authenticate a peer.
      check(responder.state() != NoiseHandshake::State::kDone);
      break;
    }
    case 2: {
      NoiseHandshake initiator = make(ff::net::NoiseRole::kInitiator);
      NoiseHandshake responder = make(ff::net::NoiseRole::kResponder);
      const ff::Bytes message1 = initiator.take_output();
      check(responder.feed(message1).ok());
      check(!responder.take_output().empty());  // message 2
      feed(responder, chunked_rest, chunk_sizes);
      check(responder.state() != NoiseHandshake::State::kDone);
      break;
    }
    case 3: {
      NoiseHandshake initiator = make(ff::net::NoiseRole::kInitiator);
      (void)initiator.take_output();
      feed(initiator, chunked_rest, chunk_sizes);
      check(initiator.state() != NoiseHandshake::State::kDone);
      break;
    }
    case 4: {
      ff::net::NoiseKey key{};
      key.fill(7);
      ff::net::NoiseTransport transport{ff::net::CipherState(key), ff::net::CipherState(key)};
      std::size_t offset = 0, round = 0;
      while (offset < chunked_rest.size()) {
        const std::size_t piece =
            std::min<std::size_t>(chunked_rest.size() - offset, 1 + chunk_sizes[round++ % sizes_length] % 16);
        auto consumed = transport.feed(chunked_rest.subspan(offset, piece));
        if (!consumed.ok()) {
          check(transport.has_failed());
          break;
        }
        check(*consumed <= piece);
        offset += *consumed;
        check(transport.buffered_plaintext_bytes() <
              ff::net::kMaxBufferedPlaintextBytes + ff::net::kMaxNoiseTransportPlaintextBytes);
        (void)transport.take_plaintext();
      }
      break;
    }
    case 5: {
      auto payload = ff::net::NoiseHandshakePayload::decode(input);
      if (payload.ok()) {
        // What we decoded re-encodes to something that decodes to the same values.
        auto again = ff::net::NoiseHandshakePayload::decode(payload->encode());
        check(again.ok());
        check(again->identity_key == payload->identity_key);
        check(again->identity_sig == payload->identity_sig);
        check(again->extensions.has_value() == payload->extensions.has_value());
        if (payload->extensions) {
          check(again->extensions->stream_muxers == payload->extensions->stream_muxers);
          check(again->extensions->webtransport_certhashes == payload->extensions->webtransport_certhashes);
        }
      }
      break;
    }
  }
  return 0;
}
