// The libp2p Noise handshake payload (libp2p specs noise/README.md "The libp2p Handshake
// Payload"; schema docs/wire/noise_payload.proto), carried encrypted in XX messages 2 and 3:
//
//   message NoiseExtensions {
//     repeated bytes webtransport_certhashes = 1;
//     repeated string stream_muxers = 2;
//   }
//   message NoiseHandshakePayload {
//     optional bytes identity_key = 1;            // a libp2p PublicKey protobuf
//     optional bytes identity_sig = 2;            // sign("noise-libp2p-static-key:" || static key)
//     optional NoiseExtensions extensions = 4;
//   }
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::net {

// What the identity key signs: this prefix, then the sender's X25519 static public key.
inline constexpr std::string_view kNoiseStaticKeySignaturePrefix = "noise-libp2p-static-key:";

// Bounds on remote lists: real peers send one or two entries each. A muxer name is a
// multistream protocol ID, which multistream-select caps at 1024 bytes.
inline constexpr std::size_t kMaxNoiseExtensionEntries = 32;
inline constexpr std::size_t kMaxStreamMuxerNameBytes = 1024;

struct NoiseExtensions {
  std::vector<Bytes> webtransport_certhashes;
  std::vector<std::string> stream_muxers;
};

struct NoiseHandshakePayload {
  Bytes identity_key;
  Bytes identity_sig;
  std::optional<NoiseExtensions> extensions;

  // Fields in number order; the extensions message is written whenever present, even
  // empty (js-libp2p always sends one).
  Bytes encode() const;

  // Decodes with protobuf rules: unknown fields are skipped, a repeated singular field
  // keeps its last value, repeated extensions messages merge. Missing fields decode as
  // empty (the caller checks what it requires). kInvalidInput for malformed protobuf
  // (including a field cut short: the payload is always a whole message) or the wrong wire
  // type, kLimitExceeded beyond kMaxNoiseExtensionEntries or kMaxStreamMuxerNameBytes.
  static Result<NoiseHandshakePayload> decode(ByteView encoded);

 private:
  static Result<NoiseHandshakePayload> decode_fields(ByteView encoded);
};

}  // namespace ff::net
