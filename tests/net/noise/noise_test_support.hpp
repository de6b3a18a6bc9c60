// Helpers shared by the Noise tests: hex, deterministic key sources and identities.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/codec/hex.hpp"
#include "core/rng.hpp"
#include "net/identity/keys.hpp"
#include "net/noise/key_source.hpp"

namespace ff::net::testing_support {

inline Bytes hex(std::string_view text) { return codec::hex_decode(text).value(); }
inline std::string hex(ByteView bytes) { return codec::hex_encode(bytes); }

inline X25519Secret secret_from_hex(std::string_view text) {
  const Bytes bytes = hex(text);
  X25519Secret secret{};
  std::copy(bytes.begin(), bytes.end(), secret.begin());
  return secret;
}

// Secrets from a seeded Rng: reproducible handshakes whose keys still differ per seed.
class RngKeySource final : public KeySource {
 public:
  explicit RngKeySource(std::uint64_t seed) : rng_(seed) {}
  X25519Secret new_x25519_secret() override {
    X25519Secret secret{};
    for (auto& byte : secret) byte = static_cast<std::uint8_t>(rng_.next());
    return secret;
  }

 private:
  Rng rng_;
};

// An Ed25519 identity derived from one seed byte.
inline PrivateKey test_identity(std::uint8_t seed_byte) {
  return PrivateKey(Ed25519KeyPair::from_seed(Bytes(32, seed_byte)).value());
}

}  // namespace ff::net::testing_support
