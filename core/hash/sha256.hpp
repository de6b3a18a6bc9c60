// SHA-256 (FIPS 180-4), our own portable implementation: the core runs in WebAssembly,
// where libsodium is not available, and needs the same digests on both sides (journal
// snapshots, MST node ids, multihashes). Not constant-time with respect to the message
// length, which is public wherever we hash.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"

namespace ff::hash {

inline constexpr std::size_t kSha256DigestBytes = 32;
inline constexpr std::size_t kSha256BlockBytes = 64;

using Sha256Digest = std::array<std::uint8_t, kSha256DigestBytes>;

// Incremental hashing: any split of the message into update() calls gives the digest of
// the whole. finish() returns the digest and resets the object to the empty message, so
// one Sha256 can hash many messages in turn. Messages are limited to 2^61-1 bytes (the
// bit length must fit in 64 bits), far above anything we hash.
class Sha256 {
 public:
  Sha256() { reset(); }

  void update(ByteView data);
  Sha256Digest finish();
  void reset();

 private:
  void compress(const std::uint8_t* block);

  std::array<std::uint32_t, 8> state_{};
  std::array<std::uint8_t, kSha256BlockBytes> buffer_{};
  std::size_t buffered_bytes_ = 0;
  std::uint64_t total_bytes_ = 0;
};

// One-shot digest of `data`.
Sha256Digest sha256(ByteView data);

}  // namespace ff::hash
