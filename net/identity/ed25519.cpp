#include "net/identity/ed25519.hpp"

#include <sodium.h>

#include <cstdlib>

#include "net/identity/sodium.hpp"

namespace ff::net {

static_assert(crypto_sign_ed25519_SEEDBYTES == kEd25519SeedBytes);
static_assert(crypto_sign_ed25519_PUBLICKEYBYTES == kEd25519PublicKeyBytes);
static_assert(crypto_sign_ed25519_SECRETKEYBYTES == kEd25519SecretKeyBytes);
static_assert(crypto_sign_ed25519_BYTES == kEd25519SignatureBytes);

Result<Ed25519KeyPair> Ed25519KeyPair::generate() {
  FF_TRY(ensure_sodium());
  std::array<std::uint8_t, kEd25519SeedBytes> seed;
  randombytes_buf(seed.data(), seed.size());
  Result<Ed25519KeyPair> pair = from_seed(ByteView(seed.data(), seed.size()));
  sodium_memzero(seed.data(), seed.size());
  return pair;
}

Result<Ed25519KeyPair> Ed25519KeyPair::from_seed(ByteView seed) {
  if (seed.size() != kEd25519SeedBytes) {
    return make_error(Errc::kInvalidInput,
                      "Ed25519 seed must be 32 bytes, got " + std::to_string(seed.size()));
  }
  FF_TRY(ensure_sodium());
  Ed25519KeyPair pair;
  if (crypto_sign_ed25519_seed_keypair(pair.public_key_.data(), pair.secret_key_.data(), seed.data()) != 0) {
    return make_error(Errc::kInvalidInput, "libsodium rejected the Ed25519 seed");
  }
  return pair;
}

Result<Ed25519KeyPair> Ed25519KeyPair::from_secret_key(ByteView seed_and_public_key) {
  if (seed_and_public_key.size() != kEd25519SecretKeyBytes) {
    return make_error(Errc::kInvalidInput, "Ed25519 secret key must be 64 bytes (seed || public key), got " +
                                               std::to_string(seed_and_public_key.size()));
  }
  FF_TRY_ASSIGN(Ed25519KeyPair pair, from_seed(seed_and_public_key.first(kEd25519SeedBytes)));
  ByteView stated_public = seed_and_public_key.subspan(kEd25519SeedBytes);
  if (sodium_memcmp(stated_public.data(), pair.public_key_.data(), kEd25519PublicKeyBytes) != 0) {
    return make_error(Errc::kInvalidInput, "Ed25519 secret key: the public half does not belong to the seed");
  }
  return pair;
}

Ed25519KeyPair::~Ed25519KeyPair() { sodium_memzero(secret_key_.data(), secret_key_.size()); }

Ed25519Signature Ed25519KeyPair::sign(ByteView message) const {
  Ed25519Signature signature{};
  // Cannot fail for a key built by our factories (they already initialised libsodium); a
  // failure would mean memory corruption, so it is checked in release builds too.
  if (crypto_sign_ed25519_detached(signature.data(), nullptr, message.data(), message.size(),
                                   secret_key_.data()) != 0) {
    std::abort();
  }
  return signature;
}

bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature) {
  if (public_key.size() != kEd25519PublicKeyBytes || signature.size() != kEd25519SignatureBytes) return false;
  if (!ensure_sodium().ok()) return false;
  return crypto_sign_ed25519_verify_detached(signature.data(), message.data(), message.size(),
                                             public_key.data()) == 0;
}

}  // namespace ff::net
