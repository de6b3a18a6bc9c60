#include "net/noise/key_source.hpp"

#include <sodium.h>

#include <cstdlib>

#include "net/identity/sodium.hpp"

namespace ff::net {

X25519Secret SodiumKeySource::new_x25519_secret() {
  // Without an initialised CSPRNG there is no safe secret to return, and carrying on
  // with a predictable one would be worse than stopping.
  if (!ensure_sodium().ok()) std::abort();
  X25519Secret secret{};
  randombytes_buf(secret.data(), secret.size());
  return secret;
}

}  // namespace ff::net
