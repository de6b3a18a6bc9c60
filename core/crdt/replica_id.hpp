// ReplicaId: who made a change. A node derives its replica id from its PeerId (a hash of
// it), so ids are stable across restarts; 64 bits make accidental collisions negligible
// for meshes of any realistic size. Ties between concurrent writes break on replica id.
#pragma once

#include <cstdint>

namespace ff::crdt {

using ReplicaId = std::uint64_t;

// Encodings start with a format version byte and a type tag byte, so a stored or sent
// state can be rejected with a clear error rather than misread (see docs/crdt-encoding.md).
inline constexpr std::uint8_t kEncodingVersion = 1;

enum class TypeTag : std::uint8_t {
  kVClock = 1,
  kDotContext = 2,
  kGCounter = 3,
  kPNCounter = 4,
  kLwwRegister = 5,
  kMvRegister = 6,
  kOrSet = 7,
  kOrMap = 8,
  kRga = 9,
  kYata = 10,
  kYataDelta = 11,
  kRgaDelta = 12,
};

}  // namespace ff::crdt
