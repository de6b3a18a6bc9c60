#include "net/noise/symmetric_state.hpp"

#include <sodium.h>

#include <algorithm>

namespace ff::net {
namespace {

ByteView view(const Sha256Digest& digest) { return ByteView(digest.data(), digest.size()); }

NoiseKey key_of(const Sha256Digest& digest) {
  // HASHLEN is 32, as is the cipher key, so Noise's "truncate to 32 bytes" is the identity.
  NoiseKey key{};
  std::copy(digest.begin(), digest.end(), key.begin());
  return key;
}

}  // namespace

SymmetricState::SymmetricState(std::string_view protocol_name) {
  // A name of at most HASHLEN bytes is zero-padded into h; a longer one is hashed.
  // "Noise_XX_25519_ChaChaPoly_SHA256" is exactly 32 bytes, so it is copied verbatim.
  if (protocol_name.size() <= h_.size()) {
    std::copy(protocol_name.begin(), protocol_name.end(), h_.begin());
  } else {
    h_ = sha256(as_bytes(protocol_name));
  }
  ck_ = h_;
}

SymmetricState::~SymmetricState() { sodium_memzero(ck_.data(), ck_.size()); }

void SymmetricState::mix_key(ByteView input_key_material) {
  std::array<Sha256Digest, 3> outputs = noise_hkdf(ck_, input_key_material, 2);
  ck_ = outputs[0];
  cipher_ = CipherState(key_of(outputs[1]));
  sodium_memzero(outputs.data(), sizeof outputs);
}

void SymmetricState::mix_hash(ByteView data) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, h_.data(), h_.size());
  crypto_hash_sha256_update(&state, data.data(), data.size());
  crypto_hash_sha256_final(&state, h_.data());
}

Status SymmetricState::encrypt_and_hash(ByteView plaintext, Bytes& out) {
  const std::size_t start = out.size();
  FF_TRY(cipher_.encrypt_with_ad(view(h_), plaintext, out));
  mix_hash(ByteView(out.data() + start, out.size() - start));
  return {};
}

Status SymmetricState::decrypt_and_hash(ByteView ciphertext, Bytes& out) {
  FF_TRY(cipher_.decrypt_with_ad(view(h_), ciphertext, out));
  mix_hash(ciphertext);
  return {};
}

std::pair<CipherState, CipherState> SymmetricState::split() const {
  std::array<Sha256Digest, 3> outputs = noise_hkdf(ck_, {}, 2);
  std::pair<CipherState, CipherState> pair{CipherState(key_of(outputs[0])), CipherState(key_of(outputs[1]))};
  sodium_memzero(outputs.data(), sizeof outputs);
  return pair;
}

}  // namespace ff::net
