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

Error no_key_in_place() {
  return make_error(Errc::kInvalidInput, "Noise: in-place encryption needs a keyed CipherState");
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

Status CipherState::encrypt_to(ByteView ad, ByteView plaintext, std::span<std::uint8_t> message) {
  if (!has_key_) return no_key_in_place();
  if (nonce_ == kNoiseMaxNonce) return nonce_exhausted();
  if (message.size() != plaintext.size() + kNoiseTagBytes) {
    return make_error(Errc::kInvalidInput,
                      "Noise: the message buffer must be the plaintext plus the 16-byte tag");
  }
  const auto nonce = chachapoly_nonce(nonce_);
  // libsodium allows the message and the ciphertext to be the same buffer: the stream
  // cipher XORs in place, and the tag is computed over the ciphertext afterwards.
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(message.data(), message.data() + plaintext.size(),
                                                     nullptr, plaintext.data(), plaintext.size(), ad.data(),
                                                     ad.size(), nullptr, nonce.data(), key_.data());
  ++nonce_;
  return {};
}

Status CipherState::encrypt_in_place(ByteView ad, std::span<std::uint8_t> message) {
  if (message.size() < kNoiseTagBytes) {
    return make_error(Errc::kInvalidInput, "Noise: no room for the 16-byte tag in the message to encrypt");
  }
  return encrypt_to(ad, message.first(message.size() - kNoiseTagBytes), message);
}

Result<ByteView> CipherState::decrypt_in_place(ByteView ad, std::span<std::uint8_t> message) {
  if (!has_key_) return no_key_in_place();
  if (nonce_ == kNoiseMaxNonce) return nonce_exhausted();
  if (message.size() < kNoiseTagBytes) {
    return make_error(Errc::kInvalidInput, "Noise: ciphertext shorter than its 16-byte tag");
  }
  const std::size_t plaintext_bytes = message.size() - kNoiseTagBytes;
  const auto nonce = chachapoly_nonce(nonce_);
  // The detached form verifies the tag over the ciphertext before it decrypts anything,
  // so a forged message never yields plaintext.
  if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(
          message.data(), nullptr, message.data(), plaintext_bytes, message.data() + plaintext_bytes,
          ad.data(), ad.size(), nonce.data(), key_.data()) != 0) {
    return make_error(Errc::kInvalidInput,
                      "Noise: decryption failed (bad tag: tampered, replayed or reordered message)");
  }
  ++nonce_;
  return ByteView(message.first(plaintext_bytes));
}

}  // namespace ff::net
