// Ed25519 (RFC 8032) key pairs and signatures over libsodium: the identity key type every
// libp2p implementation must support (libp2p specs peer-ids/peer-ids.md "Ed25519").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::net {

inline constexpr std::size_t kEd25519SeedBytes = 32;
inline constexpr std::size_t kEd25519PublicKeyBytes = 32;
// libsodium's and libp2p's private key form: seed || public key.
inline constexpr std::size_t kEd25519SecretKeyBytes = 64;
inline constexpr std::size_t kEd25519SignatureBytes = 64;

using Ed25519PublicKey = std::array<std::uint8_t, kEd25519PublicKeyBytes>;
using Ed25519Signature = std::array<std::uint8_t, kEd25519SignatureBytes>;

// A private Ed25519 key with its public key. Copyable (a node may hand its identity to
// several components); the secret bytes are wiped when an instance is destroyed.
class Ed25519KeyPair {
 public:
  // A fresh key from libsodium's CSPRNG. This is the runtime's source of identity keys;
  // tests use from_seed() so they stay deterministic. kIo if libsodium cannot initialise.
  static Result<Ed25519KeyPair> generate();

  // The key whose RFC 8032 32-byte private seed is `seed`. kInvalidInput unless the seed is
  // exactly kEd25519SeedBytes long.
  static Result<Ed25519KeyPair> from_seed(ByteView seed);

  // The 64-byte seed || public key form (libsodium's secret key, libp2p's PrivateKey
  // Data). The public half is recomputed from the seed and must match: kInvalidInput
  // otherwise, so a corrupted key file never yields a key that signs for another identity.
  static Result<Ed25519KeyPair> from_secret_key(ByteView seed_and_public_key);

  Ed25519KeyPair(const Ed25519KeyPair& other) = default;
  Ed25519KeyPair& operator=(const Ed25519KeyPair& other) = default;
  ~Ed25519KeyPair();

  const Ed25519PublicKey& public_key() const { return public_key_; }
  // The 32-byte seed (private key) and the 64-byte seed || public form.
  ByteView seed() const { return ByteView(secret_key_.data(), kEd25519SeedBytes); }
  ByteView secret_key() const { return ByteView(secret_key_.data(), secret_key_.size()); }

  // A deterministic RFC 8032 signature of `message`.
  Ed25519Signature sign(ByteView message) const;

 private:
  Ed25519KeyPair() = default;

  std::array<std::uint8_t, kEd25519SecretKeyBytes> secret_key_{};
  Ed25519PublicKey public_key_{};
};

// True iff `signature` is a valid Ed25519 signature of `message` by `public_key`. Wrong
// lengths, non-canonical encodings and small-order keys are all simply "not valid"
// (libsodium's strict verification); a failed libsodium initialisation also yields false.
bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature);

}  // namespace ff::net
