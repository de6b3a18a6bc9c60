#include "net/identity/ed25519.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/codec/hex.hpp"
#include "net/identity/sodium.hpp"

namespace ff::net {
namespace {

Bytes hex(std::string_view text) { return codec::hex_decode(text).value(); }
std::string hex(ByteView bytes) { return codec::hex_encode(bytes); }

// RFC 8032 section 7.1, tests 1 and 2 (Ed25519, pure).
struct Rfc8032Vector {
  const char* secret;
  const char* public_key;
  const char* message;
  const char* signature;
};
constexpr Rfc8032Vector kRfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f"
     "0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2ea"
     "eb4302aeeb00d291612bb0c00"},
};

TEST(Ed25519, EnsureSodiumSucceedsAndIsIdempotent) {
  ASSERT_TRUE(ensure_sodium().ok());
  ASSERT_TRUE(ensure_sodium().ok());
}

TEST(Ed25519, Rfc8032VectorsSignAndVerify) {
  for (const auto& vector : kRfc8032) {
    auto pair = Ed25519KeyPair::from_seed(hex(vector.secret));
    ASSERT_TRUE(pair.ok()) << pair.error().message;
    EXPECT_EQ(hex(pair->public_key()), vector.public_key);
    EXPECT_EQ(hex(pair->seed()), vector.secret);
    const Bytes message = hex(vector.message);
    const Ed25519Signature signature = pair->sign(message);
    EXPECT_EQ(hex(signature), vector.signature);
    EXPECT_TRUE(ed25519_verify(hex(vector.public_key), message, signature));
  }
}

TEST(Ed25519, VerifyRejectsAnyFlippedSignatureOrMessageBit) {
  auto pair = Ed25519KeyPair::from_seed(hex(kRfc8032[1].secret)).value();
  const Bytes message = to_bytes("libp2p");
  Ed25519Signature signature = pair.sign(message);
  for (std::size_t bit = 0; bit < signature.size() * 8; ++bit) {
    Ed25519Signature bad = signature;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(ed25519_verify(pair.public_key(), message, bad)) << "bit " << bit;
  }
  Bytes other = message;
  other[0] ^= 1;
  EXPECT_FALSE(ed25519_verify(pair.public_key(), other, signature));
  auto another = Ed25519KeyPair::from_seed(hex(kRfc8032[0].secret)).value();
  EXPECT_FALSE(ed25519_verify(another.public_key(), message, signature));
}

TEST(Ed25519, VerifyRejectsWrongLengths) {
  auto pair = Ed25519KeyPair::from_seed(hex(kRfc8032[0].secret)).value();
  const Ed25519Signature signature = pair.sign({});
  EXPECT_FALSE(ed25519_verify(ByteView(pair.public_key()).first(31), {}, signature));
  EXPECT_FALSE(ed25519_verify(pair.public_key(), {}, ByteView(signature).first(63)));
  EXPECT_TRUE(ed25519_verify(pair.public_key(), {}, signature));
}

TEST(Ed25519, FromSeedRejectsWrongLength) {
  EXPECT_EQ(Ed25519KeyPair::from_seed(Bytes(31)).error().code, Errc::kInvalidInput);
  EXPECT_EQ(Ed25519KeyPair::from_seed(Bytes(33)).error().code, Errc::kInvalidInput);
  EXPECT_TRUE(Ed25519KeyPair::from_seed(Bytes(32)).ok());
}

TEST(Ed25519, FromSecretKeyChecksThePublicHalf) {
  auto pair = Ed25519KeyPair::from_seed(hex(kRfc8032[0].secret)).value();
  Bytes secret(pair.secret_key().begin(), pair.secret_key().end());
  auto round_trip = Ed25519KeyPair::from_secret_key(secret);
  ASSERT_TRUE(round_trip.ok());
  EXPECT_EQ(round_trip->public_key(), pair.public_key());
  secret[40] ^= 0x01;
  EXPECT_EQ(Ed25519KeyPair::from_secret_key(secret).error().code, Errc::kInvalidInput);
  EXPECT_EQ(Ed25519KeyPair::from_secret_key(Bytes(63)).error().code, Errc::kInvalidInput);
}

TEST(Ed25519, GenerateGivesDistinctWorkingKeys) {
  auto first = Ed25519KeyPair::generate();
  auto second = Ed25519KeyPair::generate();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->public_key(), second->public_key());
  const Bytes message = to_bytes("hello");
  EXPECT_TRUE(ed25519_verify(first->public_key(), message, first->sign(message)));
  EXPECT_FALSE(ed25519_verify(second->public_key(), message, first->sign(message)));
}

}  // namespace
}  // namespace ff::net
