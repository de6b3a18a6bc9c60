// The Noise CipherState (Noise rev 34 section 5.1) for the ChaChaPoly cipher functions
// (section 12.3): ChaCha20-Poly1305 IETF with a 96-bit nonce of 32 zero bits followed by
// the 64-bit little-endian counter n.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

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

  // EncryptWithAd into a caller's buffer: `message` receives the ciphertext and the tag, so
  // it must be exactly plaintext.size() + kNoiseTagBytes bytes. The plaintext may be the
  // first bytes of `message` itself (in place) but must not overlap it otherwise. Lets the
  // runtime encrypt straight into its outgoing buffer, with no copy and no zero-fill.
  // Transport messages only: kInvalidInput without a key (no tag to make room for) or for
  // a wrongly sized `message`; kLimitExceeded once the nonce is exhausted.
  Status encrypt_to(ByteView ad, ByteView plaintext, std::span<std::uint8_t> message);
  // encrypt_to() in place: `message` holds the plaintext in all but its last
  // kNoiseTagBytes bytes, which receive the tag.
  Status encrypt_in_place(ByteView ad, std::span<std::uint8_t> message);

  // DecryptWithAd in place: `message` holds ciphertext and tag; on success its first
  // message.size() - kNoiseTagBytes bytes are the plaintext (returned as a view). The tag
  // is checked before anything is decrypted: on kInvalidInput the nonce is unchanged and
  // `message` holds no plaintext (libsodium clears it; the channel is dead anyway).
  // kInvalidInput also without a key or for a message shorter than the tag.
  // kLimitExceeded once the nonce is exhausted.
  Result<ByteView> decrypt_in_place(ByteView ad, std::span<std::uint8_t> message);

 private:
  NoiseKey key_{};
  bool has_key_ = false;
  std::uint64_t nonce_ = 0;
};

}  // namespace ff::net
