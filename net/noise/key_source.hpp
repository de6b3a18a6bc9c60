// Where Noise key pairs come from. The handshake state machines never reach for global
// randomness (ARCHITECTURE.md "The one rule"): the runtime passes a SodiumKeySource, tests
// pass a deterministic source so every handshake byte is reproducible.
#pragma once

#include "net/noise/x25519.hpp"

namespace ff::net {

class KeySource {
 public:
  virtual ~KeySource() = default;
  // A new secret for an X25519 key pair. Every call must return a fresh, independent,
  // uniformly random value outside tests: reusing an ephemeral secret breaks Noise's
  // forward secrecy and its handshake authentication.
  virtual X25519Secret new_x25519_secret() = 0;
};

// Secrets from libsodium's CSPRNG (randombytes_buf): the source for real connections.
class SodiumKeySource final : public KeySource {
 public:
  X25519Secret new_x25519_secret() override;
};

}  // namespace ff::net
