// SHA-256, HMAC-SHA256 (RFC 2104) and HKDF (RFC 5869) over libsodium: the hash functions
// of Noise_XX_25519_ChaChaPoly_SHA256 (Noise rev 34 sections 4.3 and 12.4).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::net {

inline constexpr std::size_t kSha256Bytes = 32;  // Noise HASHLEN
using Sha256Digest = std::array<std::uint8_t, kSha256Bytes>;

// RFC 5869 bounds the output at 255 hash lengths.
inline constexpr std::size_t kMaxHkdfSha256Bytes = 255 * kSha256Bytes;

Sha256Digest sha256(ByteView data);

// HMAC-SHA256 with a key of any length.
Sha256Digest hmac_sha256(ByteView key, ByteView message);

// RFC 5869 HKDF-Extract then HKDF-Expand with SHA-256. An empty salt means HashLen zero
// bytes, as the RFC says. kInvalidInput if length exceeds kMaxHkdfSha256Bytes.
Result<Bytes> hkdf_sha256(ByteView salt, ByteView input_key_material, ByteView info, std::size_t length);

// Noise's HKDF(chaining_key, input_key_material, num_outputs) (rev 34 section 4.3): the
// first two or three 32-byte outputs of RFC 5869 HKDF with salt = chaining_key and empty
// info. `num_outputs` must be 2 or 3 (a programming error otherwise: it aborts); with 2
// the third output is left zero.
std::array<Sha256Digest, 3> noise_hkdf(const Sha256Digest& chaining_key, ByteView input_key_material,
                                       int num_outputs);

}  // namespace ff::net
