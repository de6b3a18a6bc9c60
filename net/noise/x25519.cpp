#include "net/noise/x25519.hpp"

#include <sodium.h>

#include "net/identity/sodium.hpp"

namespace ff::net {

static_assert(crypto_scalarmult_curve25519_BYTES == kX25519KeyBytes);
static_assert(crypto_scalarmult_curve25519_SCALARBYTES == kX25519KeyBytes);

Result<X25519KeyPair> X25519KeyPair::from_secret(const X25519Secret& secret) {
  FF_TRY(ensure_sodium());
  X25519KeyPair pair;
  pair.secret_ = secret;
  // Fails only for a secret that clamps to zero, which clamping makes impossible.
  if (crypto_scalarmult_curve25519_base(pair.public_key_.data(), pair.secret_.data()) != 0) {
    return make_error(Errc::kInvalidInput, "X25519: cannot derive a public key from this secret");
  }
  return pair;
}

X25519KeyPair::~X25519KeyPair() { sodium_memzero(secret_.data(), secret_.size()); }

Result<std::array<std::uint8_t, kX25519KeyBytes>> X25519KeyPair::dh(const X25519PublicKey& remote) const {
  std::array<std::uint8_t, kX25519KeyBytes> shared{};
  // libsodium returns -1 exactly when the result is the all-zero value (a small-order
  // remote point).
  if (crypto_scalarmult_curve25519(shared.data(), secret_.data(), remote.data()) != 0) {
    return make_error(Errc::kInvalidInput, "X25519: the remote public key has small order");
  }
  return shared;
}

}  // namespace ff::net
