#include "core/codec/base58.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/codec/hex.hpp"
#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::codec {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;

struct Vector {
  const char* hex;
  const char* encoded;
};

// Bitcoin Core's base58_encode_decode.json and the multiformats base58btc examples.
constexpr Vector kVectors[] = {
    {"", ""},
    {"00", "1"},
    {"61", "2g"},
    {"626262", "a3gV"},
    {"636363", "aPEr"},
    {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
    {"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
    {"516b6fcd0f", "ABnLTmg"},
    {"bf4f89001e670274dd", "3SEo3LWLoPntC"},
    {"572e4794", "3EFU7m"},
    {"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
    {"10c8511e", "Rt5zm"},
    {"00000000000000000000", "1111111111"},
    {"0000287fb4cd", "11233QC4"},
    {"000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5",
     "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"},
};

TEST(Base58, KnownVectorsEncodeAndDecode) {
  for (const Vector& v : kVectors) {
    const Bytes data = *hex_decode(v.hex);
    EXPECT_EQ(base58_encode(data), v.encoded) << v.hex;
    auto decoded = base58_decode(v.encoded);
    ASSERT_TRUE(decoded.ok()) << v.encoded;
    EXPECT_EQ(hex_encode(*decoded), v.hex);
  }
}

TEST(Base58, TextVectors) {
  EXPECT_EQ(base58_encode(as_bytes("Hello World!")), "2NEpo7TZRRrLZSi2U");
  EXPECT_EQ(base58_encode(as_bytes("The quick brown fox jumps over the lazy dog.")),
            "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z");
  EXPECT_EQ(*base58_decode("2NEpo7TZRRrLZSi2U"), to_bytes("Hello World!"));
}

TEST(Base58, Ed25519PeerIdFromTheLibp2pSpecKey) {
  // identity multihash (0x00, length 0x24) of the spec's Ed25519 PublicKey protobuf.
  const Bytes multihash =
      *hex_decode("0024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e");
  EXPECT_EQ(base58_encode(multihash), "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq");
}

TEST(Base58, LeadingZerosMapToLeadingOnes) {
  for (std::size_t zeros = 0; zeros < 5; ++zeros) {
    Bytes data(zeros, 0);
    data.push_back(0x39);  // 57: the last digit 'z'
    EXPECT_EQ(base58_encode(data), std::string(zeros, '1') + "z");
    EXPECT_EQ(*base58_decode(std::string(zeros, '1') + "z"), data);
  }
}

TEST(Base58, CharactersOutsideTheAlphabetAreRejected) {
  for (const char* bad : {"0", "O", "I", "l", "2g ", "+", "2g\n", "\xff"}) {
    auto decoded = base58_decode(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code, Errc::kInvalidInput) << bad;
  }
}

TEST(Base58, DecodeLengthIsBounded) {
  const std::string at_limit(kMaxBase58DecodeChars, 'z');
  auto largest = base58_decode(at_limit);
  ASSERT_TRUE(largest.ok()) << largest.error().message;
  EXPECT_EQ(base58_encode(*largest), at_limit);
  auto over = base58_decode(at_limit + "z");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::kLimitExceeded);
}

TEST(Base58, RandomBytesRoundTrip) {
  for (std::uint64_t seed : property_seeds(20)) {
    Rng rng(seed);
    for (int i = 0; i < 100; ++i) {
      Bytes data(rng.below(80));
      for (auto& byte : data) byte = rng.chance(1, 4) ? 0 : static_cast<std::uint8_t>(rng.next());
      const std::string text = base58_encode(data);
      auto decoded = base58_decode(text);
      ASSERT_TRUE(decoded.ok()) << text << " " << seed_note(seed);
      ASSERT_EQ(*decoded, data) << seed_note(seed);
    }
  }
}

}  // namespace
}  // namespace ff::codec
