// X25519 (RFC 7748) key pairs and Diffie-Hellman, the "25519" DH functions of the Noise
// Protocol Framework (rev 34, section 12.1), over libsodium.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::net {

inline constexpr std::size_t kX25519KeyBytes = 32;  // Noise DHLEN

using X25519Secret = std::array<std::uint8_t, kX25519KeyBytes>;
using X25519PublicKey = std::array<std::uint8_t, kX25519KeyBytes>;

// A private X25519 key and its public key. The secret is wiped on destruction.
class X25519KeyPair {
 public:
  // The key pair of a 32-byte secret (any 32 bytes: X25519 clamps them, RFC 7748 5).
  // kIo only if libsodium cannot initialise.
  static Result<X25519KeyPair> from_secret(const X25519Secret& secret);

  X25519KeyPair(const X25519KeyPair& other) = default;
  X25519KeyPair& operator=(const X25519KeyPair& other) = default;
  ~X25519KeyPair();

  const X25519Secret& secret() const { return secret_; }
  const X25519PublicKey& public_key() const { return public_key_; }

  // Noise DH(key_pair, public_key): the 32-byte shared secret. kInvalidInput if the remote
  // key is of small order (the result would be all zeros): Noise rev 34 section 12.1 lets
  // an implementation reject such keys, and a peer that sends one is either broken or
  // trying to force a known shared secret.
  Result<std::array<std::uint8_t, kX25519KeyBytes>> dh(const X25519PublicKey& remote) const;

 private:
  X25519KeyPair() = default;

  X25519Secret secret_{};
  X25519PublicKey public_key_{};
};

}  // namespace ff::net
