#include "net/identity/sodium.hpp"

#include <sodium.h>

namespace ff::net {

Status ensure_sodium() {
  // A function-local static is initialised exactly once even under concurrent first calls
  // (C++11 "magic statics"); sodium_init() is itself idempotent, this only saves the call.
  static const bool initialised = sodium_init() >= 0;
  if (!initialised) return make_error(Errc::kIo, "libsodium failed to initialise (no entropy source?)");
  return {};
}

}  // namespace ff::net
