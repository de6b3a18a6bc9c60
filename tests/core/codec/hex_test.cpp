#include "core/codec/hex.hpp"

#include <gtest/gtest.h>

namespace ff::codec {
namespace {

TEST(Hex, Rfc4648Vectors) {
  // RFC 4648 section 10, BASE16 (upper-case there; we write lower-case).
  EXPECT_EQ(hex_encode(as_bytes("")), "");
  EXPECT_EQ(hex_encode(as_bytes("f")), "66");
  EXPECT_EQ(hex_encode(as_bytes("fo")), "666f");
  EXPECT_EQ(hex_encode(as_bytes("foo")), "666f6f");
  EXPECT_EQ(hex_encode(as_bytes("foob")), "666f6f62");
  EXPECT_EQ(hex_encode(as_bytes("fooba")), "666f6f6261");
  EXPECT_EQ(hex_encode(as_bytes("foobar")), "666f6f626172");
  EXPECT_EQ(hex_encode(as_bytes("foobar"), LetterCase::kUpper), "666F6F626172");
  EXPECT_EQ(*hex_decode("666F6F626172"), to_bytes("foobar"));
}

TEST(Hex, EncodesEveryByteValue) {
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<std::uint8_t>(i);
  const std::string text = hex_encode(all);
  EXPECT_EQ(text.substr(0, 8), "00010203");
  EXPECT_EQ(text.substr(text.size() - 6), "fdfeff");
  EXPECT_EQ(*hex_decode(text), all);
}

TEST(Hex, DecodeAcceptsEitherCaseEvenMixed) {
  EXPECT_EQ(*hex_decode("abCDeF"), (Bytes{0xab, 0xcd, 0xef}));
  EXPECT_EQ(*hex_decode("ABCDEF"), (Bytes{0xab, 0xcd, 0xef}));
}

TEST(Hex, OddLengthIsAnError) {
  auto decoded = hex_decode("abc");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kInvalidInput);
}

TEST(Hex, InvalidCharactersAreErrors) {
  for (const char* bad : {"0g", "g0", " 0", "0x00", "1:", "@1", "`1", "G0"}) {
    auto decoded = hex_decode(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code, Errc::kInvalidInput) << bad;
  }
}

TEST(Hex, StrictCaseRejectsTheOtherCase) {
  EXPECT_TRUE(hex_decode_strict_case("ab", LetterCase::kLower).ok());
  EXPECT_FALSE(hex_decode_strict_case("AB", LetterCase::kLower).ok());
  EXPECT_FALSE(hex_decode_strict_case("aB", LetterCase::kLower).ok());
  EXPECT_TRUE(hex_decode_strict_case("AB", LetterCase::kUpper).ok());
  EXPECT_FALSE(hex_decode_strict_case("ab", LetterCase::kUpper).ok());
  EXPECT_TRUE(hex_decode_strict_case("09", LetterCase::kUpper).ok());
}

}  // namespace
}  // namespace ff::codec
