// The Noise SymmetricState (Noise rev 34 section 5.2) for SHA-256 and ChaChaPoly: the
// chaining key ck, the handshake hash h and the CipherState keyed by MixKey().
#pragma once

#include <string_view>
#include <utility>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "net/noise/cipher_state.hpp"
#include "net/noise/hkdf.hpp"

namespace ff::net {

class SymmetricState {
 public:
  // InitializeSymmetric(protocol_name).
  explicit SymmetricState(std::string_view protocol_name);

  SymmetricState(const SymmetricState& other) = default;
  SymmetricState& operator=(const SymmetricState& other) = default;
  ~SymmetricState();

  // MixKey(input_key_material).
  void mix_key(ByteView input_key_material);
  // MixHash(data).
  void mix_hash(ByteView data);
  // EncryptAndHash(plaintext), appended to `out`. Errors as CipherState::encrypt_with_ad.
  Status encrypt_and_hash(ByteView plaintext, Bytes& out);
  // DecryptAndHash(ciphertext), appended to `out`. Errors as CipherState::decrypt_with_ad;
  // on an error neither h nor `out` changes.
  Status decrypt_and_hash(ByteView ciphertext, Bytes& out);
  // Split(): the CipherStates for initiator-to-responder and responder-to-initiator
  // traffic, in that order.
  std::pair<CipherState, CipherState> split() const;

  bool has_key() const { return cipher_.has_key(); }
  // GetHandshakeHash(): h, for channel binding once the handshake is done.
  const Sha256Digest& handshake_hash() const { return h_; }
  const Sha256Digest& chaining_key() const { return ck_; }

 private:
  Sha256Digest ck_{};
  Sha256Digest h_{};
  CipherState cipher_;
};

}  // namespace ff::net
