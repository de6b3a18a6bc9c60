#include "net/noise/cipher_state.hpp"

#include <gtest/gtest.h>

#include "tests/net/noise/noise_test_support.hpp"

namespace ff::net {
namespace {

NoiseKey test_key(std::uint8_t fill) {
  NoiseKey key;
  key.fill(fill);
  return key;
}

TEST(CipherState, WithoutKeyEncryptionIsTheIdentity) {
  CipherState cipher;
  EXPECT_FALSE(cipher.has_key());
  Bytes out;
  ASSERT_TRUE(cipher.encrypt_with_ad(as_bytes("ad"), as_bytes("plain"), out).ok());
  EXPECT_EQ(out, to_bytes("plain"));
  EXPECT_EQ(cipher.nonce(), 0u);
}

TEST(CipherState, RoundTripAddsATagAndAdvancesTheNonce) {
  CipherState sender(test_key(1)), receiver(test_key(1));
  for (std::uint64_t i = 0; i < 3; ++i) {
    Bytes ciphertext, plaintext;
    ASSERT_TRUE(sender.encrypt_with_ad(as_bytes("ad"), as_bytes("hello"), ciphertext).ok());
    EXPECT_EQ(ciphertext.size(), 5 + kNoiseTagBytes);
    ASSERT_TRUE(receiver.decrypt_with_ad(as_bytes("ad"), ciphertext, plaintext).ok());
    EXPECT_EQ(plaintext, to_bytes("hello"));
    EXPECT_EQ(sender.nonce(), i + 1);
    EXPECT_EQ(receiver.nonce(), i + 1);
  }
}

TEST(CipherState, TheNonceIsPartOfTheEncryption) {
  CipherState first(test_key(1)), second(test_key(1));
  second.set_nonce(1);
  Bytes a, b;
  ASSERT_TRUE(first.encrypt_with_ad({}, as_bytes("same"), a).ok());
  ASSERT_TRUE(second.encrypt_with_ad({}, as_bytes("same"), b).ok());
  EXPECT_NE(a, b);
}

TEST(CipherState, FailedDecryptionChangesNeitherOutputNorNonce) {
  CipherState sender(test_key(1)), receiver(test_key(1));
  Bytes ciphertext;
  ASSERT_TRUE(sender.encrypt_with_ad(as_bytes("ad"), as_bytes("hello"), ciphertext).ok());
  for (std::size_t i = 0; i < ciphertext.size(); ++i) {
    Bytes bad = ciphertext;
    bad[i] ^= 0x01;
    Bytes out = to_bytes("keep");
    auto status = receiver.decrypt_with_ad(as_bytes("ad"), bad, out);
    ASSERT_FALSE(status.ok()) << "byte " << i;
    EXPECT_EQ(status.error().code, Errc::kInvalidInput);
    EXPECT_EQ(out, to_bytes("keep"));
    EXPECT_EQ(receiver.nonce(), 0u);
  }
  Bytes out;
  EXPECT_FALSE(receiver.decrypt_with_ad(as_bytes("other ad"), ciphertext, out).ok());
  EXPECT_FALSE(receiver.decrypt_with_ad(as_bytes("ad"), ByteView(ciphertext).first(15), out).ok());
  // The untouched message still decrypts: nothing above consumed a nonce.
  ASSERT_TRUE(receiver.decrypt_with_ad(as_bytes("ad"), ciphertext, out).ok());
  EXPECT_EQ(out, to_bytes("hello"));
}

TEST(CipherState, TheLastNonceIsReservedAndExhaustionIsAnError) {
  CipherState sender(test_key(2)), receiver(test_key(2));
  sender.set_nonce(kNoiseMaxNonce - 1);
  receiver.set_nonce(kNoiseMaxNonce - 1);
  Bytes ciphertext, plaintext;
  ASSERT_TRUE(sender.encrypt_with_ad({}, as_bytes("last"), ciphertext).ok());
  ASSERT_TRUE(receiver.decrypt_with_ad({}, ciphertext, plaintext).ok());
  Bytes more;
  auto status = sender.encrypt_with_ad({}, as_bytes("one too many"), more);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kLimitExceeded);
  EXPECT_TRUE(more.empty());
  auto receive_status = receiver.decrypt_with_ad({}, ciphertext, plaintext);
  ASSERT_FALSE(receive_status.ok());
  EXPECT_EQ(receive_status.error().code, Errc::kLimitExceeded);
}

}  // namespace
}  // namespace ff::net
