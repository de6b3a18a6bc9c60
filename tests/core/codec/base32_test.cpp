#include "core/codec/base32.hpp"

#include <gtest/gtest.h>

#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::codec {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;

struct Vector {
  const char* plain;
  const char* encoded;
};

// RFC 4648 section 10, BASE32, lower-cased with the padding removed (multibase 'b').
constexpr Vector kRfcVectors[] = {{"", ""},
                                  {"f", "my"},
                                  {"fo", "mzxq"},
                                  {"foo", "mzxw6"},
                                  {"foob", "mzxw6yq"},
                                  {"fooba", "mzxw6ytb"},
                                  {"foobar", "mzxw6ytboi"}};

TEST(Base32, Rfc4648VectorsLowerCaseUnpadded) {
  for (const Vector& v : kRfcVectors) {
    EXPECT_EQ(base32_encode(as_bytes(v.plain)), v.encoded);
    auto decoded = base32_decode(v.encoded);
    ASSERT_TRUE(decoded.ok()) << v.encoded;
    EXPECT_EQ(*decoded, to_bytes(v.plain));
  }
}

TEST(Base32, UpperCaseVariant) {
  EXPECT_EQ(base32_encode(as_bytes("foobar"), LetterCase::kUpper), "MZXW6YTBOI");
  EXPECT_EQ(*base32_decode("MZXW6YTBOI", LetterCase::kUpper), to_bytes("foobar"));
  EXPECT_FALSE(base32_decode("MZXW6YTBOI", LetterCase::kLower).ok());
  EXPECT_FALSE(base32_decode("mzxw6ytboi", LetterCase::kUpper).ok());
}

TEST(Base32, PaddingAndForeignCharactersAreRejected) {
  for (const char* bad : {"my======", "my=", "m1", "m8", "m0", "my ", "MY"}) {
    auto decoded = base32_decode(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code, Errc::kInvalidInput) << bad;
  }
}

TEST(Base32, ImpossibleLengthsAreRejected) {
  // 1, 3 and 6 characters (mod 8) cannot end on a byte boundary.
  EXPECT_FALSE(base32_decode("m").ok());
  EXPECT_FALSE(base32_decode("mzx").ok());
  EXPECT_FALSE(base32_decode("mzxw6y").ok());
  EXPECT_FALSE(base32_decode("mzxw6ytbm").ok());
}

TEST(Base32, NonZeroTrailingBitsAreRejected) {
  // "my" = 'f' plus 2 unused zero bits; "mz" sets one of them.
  EXPECT_FALSE(base32_decode("mz").ok());
  EXPECT_FALSE(base32_decode("mzxr").ok());     // 4 unused bits
  EXPECT_FALSE(base32_decode("mzxw7").ok());    // 1 unused bit
  EXPECT_FALSE(base32_decode("mzxw6yr").ok());  // 3 unused bits
}

TEST(Base32, RandomBytesRoundTrip) {
  for (std::uint64_t seed : property_seeds(20)) {
    Rng rng(seed);
    for (int i = 0; i < 100; ++i) {
      Bytes data(rng.below(70));
      for (auto& byte : data) byte = static_cast<std::uint8_t>(rng.next());
      for (auto letters : {LetterCase::kLower, LetterCase::kUpper}) {
        const std::string text = base32_encode(data, letters);
        ASSERT_EQ(text.size(), (data.size() * 8 + 4) / 5) << seed_note(seed);
        auto decoded = base32_decode(text, letters);
        ASSERT_TRUE(decoded.ok()) << text << " " << seed_note(seed);
        ASSERT_EQ(*decoded, data) << seed_note(seed);
      }
    }
  }
}

}  // namespace
}  // namespace ff::codec
