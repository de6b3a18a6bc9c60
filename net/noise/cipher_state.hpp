// The Noise CipherState (Noise rev 34 section 5.1) for the ChaChaPoly cipher functions
// (section 12.3): ChaCha20-Poly1305 IETF with a 96-bit nonce of 32 zero bits followed by
// the 64-bit little-endian counter n.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::net {

inline constexpr std::size_t kNoiseKeyBytes = 32;
inline constexpr std::size_t kNoiseTagBytes = 16;
// Noise reserves nonce 2^64-1 (for rekey): a CipherState whose counter reaches it refuses
// to encrypt or decrypt (section 5.1), and the connection must close.
inline constexpr std::uint64_t kNoiseMaxNonce = std::numeric_limits<std::uint64_t>::max();

using NoiseKey = std::array<std::uint8_t, kNoiseKeyBytes>;

class CipherState {
 public:
  // InitializeKey(empty): no key, so encryption is the identity function.
  CipherState() = default;
  // InitializeKey(key), nonce 0.
  explicit CipherState(const NoiseKey& key) : key_(key), has_key_(true) {}

  CipherState(const CipherState& other) = default;
  CipherState& operator=(const CipherState& other) = default;
  ~CipherState();

  bool has_key() const { return has_key_; }
  std::uint64_t nonce() const { return nonce_; }
  // SetNonce(): for tests and for transports that carry explicit nonces.
  void set_nonce(std::uint64_t nonce) { nonce_ = nonce; }

  // EncryptWithAd(ad, plaintext), appended to `out` (the ciphertext plus a 16-byte tag;
  // the plaintext itself if there is no key). kLimitExceeded once the nonce is exhausted.
  // `plaintext` must not overlap `out`.
  Status encrypt_with_ad(ByteView ad, ByteView plaintext, Bytes& out);

  // DecryptWithAd(ad, ciphertext), appended to `out`. kInvalidInput if authentication
  // fails (a tampered, replayed or reordered message), and then neither `out` nor the
  // nonce changes; kLimitExceeded once the nonce is exhausted.
  Status decrypt_with_ad(ByteView ad, ByteView ciphertext, Bytes& out);

 private:
  NoiseKey key_{};
  bool has_key_ = false;
  std::uint64_t nonce_ = 0;
};

}  // namespace ff::net
