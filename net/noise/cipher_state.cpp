#include "net/noise/cipher_state.hpp"

#include <sodium.h>

namespace ff::net {
namespace {

static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == kNoiseKeyBytes);
static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == kNoiseTagBytes);
static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12);

// Noise rev 34 section 12.3: 32 bits of zeros, then the counter little-endian.
std::array<std::uint8_t, 12> chachapoly_nonce(std::uint64_t counter) {
  std::array<std::uint8_t, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(counter >> (8 * i));
  return nonce;
}

Error nonce_exhausted() {
  return make_error(Errc::kLimitExceeded,
                    "Noise: the cipher nonce is exhausted (2^64-1 messages); close the connection");
}

}  // namespace

CipherState::~CipherState() { sodium_memzero(key_.data(), key_.size()); }

Status CipherState::encrypt_with_ad(ByteView ad, ByteView plaintext, Bytes& out) {
  if (!has_key_) {
    out.insert(out.end(), plaintext.begin(), plaintext.end());
    return {};
  }
  if (nonce_ == kNoiseMaxNonce) return nonce_exhausted();
  const std::size_t start = out.size();
  out.resize(start + plaintext.size() + kNoiseTagBytes);
  const auto nonce = chachapoly_nonce(nonce_);
  unsigned long long written = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data() + start, &written, plaintext.data(), plaintext.size(),
                                            ad.data(), ad.size(), nullptr, nonce.data(), key_.data());
  ++nonce_;
  return {};
}

Status CipherState::decrypt_with_ad(ByteView ad, ByteView ciphertext, Bytes& out) {
  if (!has_key_) {
    out.insert(out.end(), ciphertext.begin(), ciphertext.end());
    return {};
  }
  if (nonce_ == kNoiseMaxNonce) return nonce_exhausted();
  if (ciphertext.size() < kNoiseTagBytes) {
    return make_error(Errc::kInvalidInput, "Noise: ciphertext shorter than its 16-byte tag");
  }
  const std::size_t start = out.size();
  out.resize(start + ciphertext.size() - kNoiseTagBytes);
  const auto nonce = chachapoly_nonce(nonce_);
  unsigned long long written = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data() + start, &written, nullptr, ciphertext.data(),
                                                ciphertext.size(), ad.data(), ad.size(), nonce.data(),
                                                key_.data()) != 0) {
    out.resize(start);
    return make_error(Errc::kInvalidInput,
                      "Noise: decryption failed (bad tag: tampered, replayed or reordered message)");
  }
  ++nonce_;
  return {};
}

}  // namespace ff::net
