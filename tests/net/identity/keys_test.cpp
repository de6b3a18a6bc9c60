#include "net/identity/keys.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/codec/hex.hpp"

namespace ff::net {
namespace {

Bytes hex(std::string_view text) { return codec::hex_decode(text).value(); }
std::string hex(ByteView bytes) { return codec::hex_encode(bytes); }

// Test vectors of the libp2p specs, peer-ids/peer-ids.md "Test vectors".
constexpr const char* kSpecEd25519Private =
    "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47bf3d3"
    "b34b871c3c"
    "acf6010f0e42d474fce27e";
constexpr const char* kSpecEd25519Public =
    "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
constexpr const char* kSpecSecp256k1Public =
    "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99";
constexpr const char* kSpecSecp256k1Private =
    "0802122053DADF1D5A164D6B4ACDB15E24AA4C5B1D3461BDBD42ABEDB0A4404D56CED8FB";
constexpr const char* kSpecEcdsaPublic =
    "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab44abf3161f"
    "162a4bc901d8"
    "e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62";

TEST(PublicKey, SpecEd25519VectorDecodesAndReencodes) {
  auto key = PublicKey::decode(hex(kSpecEd25519Public));
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->type(), KeyType::kEd25519);
  EXPECT_EQ(hex(key->data()), "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e");
  EXPECT_EQ(hex(key->encode()), kSpecEd25519Public);
}

TEST(PrivateKey, SpecEd25519VectorProducesTheSpecPublicKey) {
  auto key = PrivateKey::decode(hex(kSpecEd25519Private));
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->type(), KeyType::kEd25519);
  EXPECT_EQ(hex(key->public_key().encode()), kSpecEd25519Public);
  // The key file round trip is byte-exact.
  EXPECT_EQ(hex(key->encode()), kSpecEd25519Private);
}

TEST(PrivateKey, SignatureVerifiesWithItsPublicKeyOnly) {
  auto key = PrivateKey::decode(hex(kSpecEd25519Private)).value();
  const Bytes message = to_bytes("noise-libp2p-static-key:0123456789abcdef0123456789abcdef");
  const Bytes signature = key.sign(message);
  ASSERT_EQ(signature.size(), 64u);
  EXPECT_TRUE(key.public_key().verify(message, signature));
  Bytes tampered = message;
  tampered.back() ^= 0x80;
  EXPECT_FALSE(key.public_key().verify(tampered, signature));
  auto other = PrivateKey(Ed25519KeyPair::from_seed(Bytes(32, 7)).value());
  EXPECT_FALSE(other.public_key().verify(message, signature));
}

TEST(PrivateKey, LegacyNinetySixByteFormIsAcceptedWhenBothPublicCopiesMatch) {
  Bytes legacy_data =
      hex("7e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47bf3d3b3"
          "4b871c3cacf6010f0e42d474fce27e"
          "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e");
  auto key = PrivateKey::decode(encode_key_message(KeyType::kEd25519, legacy_data));
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(hex(key->public_key().encode()), kSpecEd25519Public);
  // Re-encoded in the preferred 64-byte form.
  EXPECT_EQ(hex(key->encode()), kSpecEd25519Private);

  legacy_data.back() ^= 0x01;
  auto mismatched = PrivateKey::decode(encode_key_message(KeyType::kEd25519, legacy_data));
  ASSERT_FALSE(mismatched.ok());
  EXPECT_EQ(mismatched.error().code, Errc::kInvalidInput);
}

TEST(PrivateKey, PublicHalfNotDerivedFromTheSeedIsRejected) {
  Bytes encoded = hex(kSpecEd25519Private);
  encoded.back() ^= 0x01;
  EXPECT_EQ(PrivateKey::decode(encoded).error().code, Errc::kInvalidInput);
}

TEST(PrivateKey, GeneratedKeyRoundTripsThroughTheKeyFileForm) {
  auto key = PrivateKey::generate_ed25519();
  ASSERT_TRUE(key.ok());
  const Bytes file = key->encode();
  ASSERT_EQ(file.size(), 68u);
  EXPECT_EQ(hex(ByteView(file).first(4)), "08011240");
  auto loaded = PrivateKey::decode(file);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->public_key(), key->public_key());
  EXPECT_EQ(loaded->encode(), file);
}

TEST(PublicKey, OtherSpecKeyTypesAreUnsupportedNotInvalid) {
  auto secp = PublicKey::decode(hex(kSpecSecp256k1Public));
  ASSERT_FALSE(secp.ok());
  EXPECT_EQ(secp.error().code, Errc::kUnsupported);
  auto ecdsa = PublicKey::decode(hex(kSpecEcdsaPublic));
  ASSERT_FALSE(ecdsa.ok());
  EXPECT_EQ(ecdsa.error().code, Errc::kUnsupported);
  auto secp_private = PrivateKey::decode(hex(kSpecSecp256k1Private));
  ASSERT_FALSE(secp_private.ok());
  EXPECT_EQ(secp_private.error().code, Errc::kUnsupported);
  // ... but they parse as key messages, so their peer IDs can still be computed.
  auto message = parse_key_message(hex(kSpecEcdsaPublic), "PublicKey");
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->type, KeyType::kEcdsa);
  EXPECT_EQ(message->data.size(), 91u);
}

TEST(PublicKey, MalformedEncodingsAreRejected) {
  struct Case {
    const char* name;
    const char* hex;
    Errc code;
  };
  const Case cases[] = {
      {"empty", "", Errc::kInvalidInput},
      {"type only", "0801", Errc::kInvalidInput},
      {"data only",
       "1220"
       "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e",
       Errc::kInvalidInput},
      {"fields reversed",
       "1220"
       "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"
       "0801",
       Errc::kInvalidInput},
      {"type repeated",
       "08010801"
       "1220"
       "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e",
       Errc::kInvalidInput},
      {"extra field",
       "08011220"
       "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"
       "1800",
       Errc::kInvalidInput},
      {"non-minimal type varint",
       "088100"
       "1220"
       "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e",
       Errc::kInvalidInput},
      {"non-minimal length varint",
       "0801"
       "12a000"
       "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e",
       Errc::kInvalidInput},
      {"unknown key type",
       "0804"
       "1220"
       "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e",
       Errc::kInvalidInput},
      {"data with wrong wire type",
       "0801"
       "1520"
       "00000000",
       Errc::kInvalidInput},
      {"short Ed25519 key",
       "0801121f"
       "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce2",
       Errc::kInvalidInput},
      {"truncated data",
       "08011220"
       "1ed1e8",
       Errc::kTruncated},
  };
  for (const Case& c : cases) {
    auto key = PublicKey::decode(hex(c.hex));
    ASSERT_FALSE(key.ok()) << c.name;
    EXPECT_EQ(key.error().code, c.code) << c.name << ": " << key.error().message;
  }
}

TEST(KeyMessage, DataAboveTheBoundIsRejected) {
  const Bytes large(kMaxKeyDataBytes + 1, 0xab);
  auto message = parse_key_message(encode_key_message(KeyType::kRsa, large), "PublicKey");
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.error().code, Errc::kInvalidInput);
  EXPECT_TRUE(parse_key_message(encode_key_message(KeyType::kRsa, Bytes(kMaxKeyDataBytes, 0xab)), "x").ok());
}

TEST(KeyType, NamesAreTheSpecNames) {
  EXPECT_STREQ(key_type_name(KeyType::kRsa), "RSA");
  EXPECT_STREQ(key_type_name(KeyType::kEd25519), "Ed25519");
  EXPECT_STREQ(key_type_name(KeyType::kSecp256k1), "Secp256k1");
  EXPECT_STREQ(key_type_name(KeyType::kEcdsa), "ECDSA");
}

}  // namespace
}  // namespace ff::net
