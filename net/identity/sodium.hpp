// libsodium initialisation for every net/ module that uses it (Ed25519, X25519,
// ChaCha20-Poly1305, SHA-256, randomness).
#pragma once

#include "core/result.hpp"

namespace ff::net {

// Initialises libsodium once per process; later calls are one atomic load. Safe to call
// from any thread. libsodium must be initialised before its randomness or any primitive is
// used, so every entry point in net/identity and net/noise calls this first and the
// runtime and tests may call it too. kIo if libsodium cannot initialise (in practice: no
// usable entropy source), which nothing in this process can recover from.
Status ensure_sodium();

}  // namespace ff::net
