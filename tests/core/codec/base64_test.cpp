#include "core/codec/base64.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::codec {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;

constexpr auto kStd = Base64Alphabet::kStandard;
constexpr auto kUrl = Base64Alphabet::kUrl;
constexpr auto kPad = Base64Padding::kPadded;
constexpr auto kNoPad = Base64Padding::kUnpadded;

struct Vector {
  const char* plain;
  const char* padded;
};

// RFC 4648 section 10.
constexpr Vector kRfcVectors[] = {{"", ""},
                                  {"f", "Zg=="},
                                  {"fo", "Zm8="},
                                  {"foo", "Zm9v"},
                                  {"foob", "Zm9vYg=="},
                                  {"fooba", "Zm9vYmE="},
                                  {"foobar", "Zm9vYmFy"}};

std::string strip_padding(std::string text) {
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

TEST(Base64, Rfc4648VectorsPadded) {
  for (const Vector& v : kRfcVectors) {
    EXPECT_EQ(base64_encode(as_bytes(v.plain), kStd, kPad), v.padded);
    auto decoded = base64_decode(v.padded, kStd, kPad);
    ASSERT_TRUE(decoded.ok()) << v.padded;
    EXPECT_EQ(*decoded, to_bytes(v.plain));
  }
}

TEST(Base64, Rfc4648VectorsUnpadded) {
  for (const Vector& v : kRfcVectors) {
    const std::string unpadded = strip_padding(v.padded);
    EXPECT_EQ(base64_encode(as_bytes(v.plain), kStd, kNoPad), unpadded);
    auto decoded = base64_decode(unpadded, kStd, kNoPad);
    ASSERT_TRUE(decoded.ok()) << unpadded;
    EXPECT_EQ(*decoded, to_bytes(v.plain));
  }
}

TEST(Base64, UrlAlphabetUsesDashAndUnderscore) {
  const Bytes data{0xfb, 0xff, 0xbf};
  EXPECT_EQ(base64_encode(data, kStd, kPad), "+/+/");
  EXPECT_EQ(base64_encode(data, kUrl, kPad), "-_-_");
  EXPECT_EQ(*base64_decode("-_-_", kUrl, kPad), data);
  EXPECT_FALSE(base64_decode("-_-_", kStd, kPad).ok());
  EXPECT_FALSE(base64_decode("+/+/", kUrl, kPad).ok());
}

TEST(Base64, InvalidCharactersAreRejected) {
  for (const char* bad : {"Zm9\n", "Zm 9", "Zm9*", "Zm9\x80", "====", "Z===", "Zm=v"}) {
    auto decoded = base64_decode(bad, kStd, kPad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code, Errc::kInvalidInput) << bad;
  }
}

TEST(Base64, BadPaddingIsRejected) {
  EXPECT_FALSE(base64_decode("Zg", kStd, kPad).ok());        // padding missing
  EXPECT_FALSE(base64_decode("Zg=", kStd, kPad).ok());       // too little padding
  EXPECT_FALSE(base64_decode("Zg===", kStd, kPad).ok());     // too much
  EXPECT_FALSE(base64_decode("Zm8==", kStd, kPad).ok());     // length not a multiple of 4
  EXPECT_FALSE(base64_decode("Zg==Zg==", kStd, kPad).ok());  // padding in the middle
  EXPECT_FALSE(base64_decode("Zg==", kStd, kNoPad).ok());    // any '=' when unpadded
  EXPECT_FALSE(base64_decode("Zm8=", kStd, kNoPad).ok());
}

TEST(Base64, LoneTrailingCharacterIsRejected) {
  EXPECT_FALSE(base64_decode("Z", kStd, kNoPad).ok());
  EXPECT_FALSE(base64_decode("Zm9vZ", kStd, kNoPad).ok());
}

TEST(Base64, NonZeroTrailingBitsAreRejected) {
  // "Zg" holds 'f' in 8 of 12 bits; "Zh" sets one of the 4 unused bits.
  EXPECT_FALSE(base64_decode("Zh==", kStd, kPad).ok());
  EXPECT_FALSE(base64_decode("Zh", kStd, kNoPad).ok());
  // "Zm8" holds "fo" in 16 of 18 bits; "Zm9" sets one of the 2 unused bits.
  EXPECT_FALSE(base64_decode("Zm9=", kStd, kPad).ok());
  EXPECT_FALSE(base64_decode("Zm9", kStd, kNoPad).ok());
}

TEST(Base64, RandomBytesRoundTripInEveryVariant) {
  for (std::uint64_t seed : property_seeds(20)) {
    Rng rng(seed);
    for (int i = 0; i < 100; ++i) {
      Bytes data(rng.below(70));
      for (auto& byte : data) byte = static_cast<std::uint8_t>(rng.next());
      for (auto alphabet : {kStd, kUrl}) {
        for (auto padding : {kPad, kNoPad}) {
          const std::string text = base64_encode(data, alphabet, padding);
          if (padding == kPad) {
            ASSERT_EQ(text.size() % 4, 0u) << seed_note(seed);
          }
          auto decoded = base64_decode(text, alphabet, padding);
          ASSERT_TRUE(decoded.ok()) << text << " " << seed_note(seed);
          ASSERT_EQ(*decoded, data) << seed_note(seed);
        }
      }
    }
  }
}

}  // namespace
}  // namespace ff::codec
