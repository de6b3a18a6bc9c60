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

TEST(CipherState, InPlaceEncryptionMatchesTheCopyingFormAndRoundTrips) {
  CipherState copying(test_key(7)), in_place(test_key(7)), receiver(test_key(7));
  for (const char* text : {"", "x", "in place, please"}) {
    Bytes expected;
    ASSERT_TRUE(copying.encrypt_with_ad(as_bytes("ad"), as_bytes(text), expected).ok());
    Bytes message = to_bytes(text);
    message.resize(message.size() + kNoiseTagBytes, 0xee);  // tag room, any content
    ASSERT_TRUE(in_place.encrypt_in_place(as_bytes("ad"), message).ok());
    EXPECT_EQ(message, expected) << text;
    auto plaintext = receiver.decrypt_in_place(as_bytes("ad"), message);
    ASSERT_TRUE(plaintext.ok()) << text;
    EXPECT_EQ(Bytes(plaintext->begin(), plaintext->end()), to_bytes(text));
    // The plaintext is a view of the message's first bytes.
    EXPECT_EQ(plaintext->data(), message.data());
  }
  EXPECT_EQ(in_place.nonce(), 3u);
  EXPECT_EQ(receiver.nonce(), 3u);
}

TEST(CipherState, FailedInPlaceDecryptionRevealsNothingAndKeepsTheNonce) {
  CipherState sender(test_key(8)), receiver(test_key(8));
  Bytes ciphertext;
  ASSERT_TRUE(sender.encrypt_with_ad({}, as_bytes("untouched"), ciphertext).ok());
  for (std::size_t i = 0; i < ciphertext.size(); ++i) {
    Bytes bad = ciphertext;
    bad[i] ^= 0x80;
    auto result = receiver.decrypt_in_place({}, bad);
    ASSERT_FALSE(result.ok()) << "byte " << i;
    EXPECT_EQ(result.error().code, Errc::kInvalidInput);
    // Unauthenticated plaintext never appears in the buffer (libsodium clears it).
    const Bytes head(bad.begin(), bad.begin() + 9);
    EXPECT_NE(head, to_bytes("untouched")) << "byte " << i;
    EXPECT_EQ(receiver.nonce(), 0u);
  }
  Bytes short_message(kNoiseTagBytes - 1);
  EXPECT_FALSE(receiver.decrypt_in_place({}, short_message).ok());
  auto good = receiver.decrypt_in_place({}, ciphertext);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(Bytes(good->begin(), good->end()), to_bytes("untouched"));
}

TEST(CipherState, InPlaceFormsNeedAKeyRoomForTheTagAndANonce) {
  CipherState keyless;
  Bytes message(kNoiseTagBytes + 4);
  EXPECT_EQ(keyless.encrypt_in_place({}, message).error().code, Errc::kInvalidInput);
  EXPECT_EQ(keyless.decrypt_in_place({}, message).error().code, Errc::kInvalidInput);
  CipherState keyed(test_key(9));
  Bytes too_short(kNoiseTagBytes - 1);
  EXPECT_EQ(keyed.encrypt_in_place({}, too_short).error().code, Errc::kInvalidInput);
  EXPECT_EQ(keyed.nonce(), 0u);
  keyed.set_nonce(kNoiseMaxNonce);
  EXPECT_EQ(keyed.encrypt_in_place({}, message).error().code, Errc::kLimitExceeded);
  EXPECT_EQ(keyed.decrypt_in_place({}, message).error().code, Errc::kLimitExceeded);
}

TEST(CipherState, EncryptToWritesCiphertextAndTagIntoAnExactBuffer) {
  CipherState copying(test_key(10)), direct(test_key(10));
  Bytes expected;
  ASSERT_TRUE(copying.encrypt_with_ad({}, as_bytes("direct"), expected).ok());
  Bytes message(6 + kNoiseTagBytes, 0x55);
  ASSERT_TRUE(direct.encrypt_to({}, as_bytes("direct"), message).ok());
  EXPECT_EQ(message, expected);
  // A buffer of any other size is refused without using a nonce.
  for (std::size_t size : {std::size_t{6}, 6 + kNoiseTagBytes - 1, 6 + kNoiseTagBytes + 1}) {
    Bytes wrong(size);
    auto status = direct.encrypt_to({}, as_bytes("direct"), wrong);
    ASSERT_FALSE(status.ok()) << size;
    EXPECT_EQ(status.error().code, Errc::kInvalidInput);
  }
  EXPECT_EQ(direct.nonce(), 1u);
}

}  // namespace
}  // namespace ff::net
