// HMAC-SHA256 (RFC 2104 with SHA-256, as specified by FIPS 198-1 and tested by RFC 4231).
// The key may be any length: keys longer than the 64-byte block are hashed first, as HMAC
// requires.
#pragma once

#include <array>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/hash/sha256.hpp"

namespace ff::hash {

inline constexpr std::size_t kHmacSha256Bytes = kSha256DigestBytes;

using HmacSha256Tag = Sha256Digest;

// Incremental MAC over a message given in pieces. finish() returns the tag and restarts
// the MAC with the same key, ready for the next message.
class HmacSha256 {
 public:
  explicit HmacSha256(ByteView key);
  ~HmacSha256();

  HmacSha256(const HmacSha256&) = default;
  HmacSha256& operator=(const HmacSha256&) = default;

  void update(ByteView data) { inner_.update(data); }
  HmacSha256Tag finish();

 private:
  void start_inner();

  // The key XORed with the inner and outer pads (ipad 0x36, opad 0x5c), kept so the MAC
  // can restart; wiped on destruction.
  std::array<std::uint8_t, kSha256BlockBytes> inner_key_pad_{};
  std::array<std::uint8_t, kSha256BlockBytes> outer_key_pad_{};
  Sha256 inner_;
};

// One-shot HMAC-SHA256 of `message` under `key`.
HmacSha256Tag hmac_sha256(ByteView key, ByteView message);

// Compares two tags in time independent of where they differ, so a verifier does not leak
// how many leading bytes of a forged tag were right.
bool tags_equal(const HmacSha256Tag& a, const HmacSha256Tag& b);

}  // namespace ff::hash
