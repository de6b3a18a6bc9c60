#include "core/codec/multibase.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/codec/base58.hpp"
#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::codec {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;

struct Vector {
  Multibase base;
  const char* encoded;
};

// The multibase specification's test vectors for "yes mani !".
constexpr Vector kYesMani[] = {
    {Multibase::kBase16, "f796573206d616e692021"},   {Multibase::kBase16Upper, "F796573206D616E692021"},
    {Multibase::kBase32, "bpfsxgidnmfxgsibb"},       {Multibase::kBase32Upper, "BPFSXGIDNMFXGSIBB"},
    {Multibase::kBase58Btc, "z7paNL19xttacUY"},      {Multibase::kBase64, "meWVzIG1hbmkgIQ"},
    {Multibase::kBase64Pad, "MeWVzIG1hbmkgIQ=="},    {Multibase::kBase64Url, "ueWVzIG1hbmkgIQ"},
    {Multibase::kBase64UrlPad, "UeWVzIG1hbmkgIQ=="},
};

TEST(Multibase, SpecVectorsEncodeAndDecode) {
  const Bytes data = to_bytes("yes mani !");
  for (const Vector& v : kYesMani) {
    EXPECT_EQ(multibase_encode(v.base, data), v.encoded) << multibase_name(v.base);
    auto decoded = multibase_decode(v.encoded);
    ASSERT_TRUE(decoded.ok()) << v.encoded << ": " << decoded.error().message;
    EXPECT_EQ(decoded->base, v.base);
    EXPECT_EQ(decoded->data, data);
  }
}

TEST(Multibase, LeadingZeroByteInBase58) {
  EXPECT_EQ(multibase_encode(Multibase::kBase58Btc, to_bytes(std::string("\0yes mani !", 11))),
            "z17paNL19xttacUY");
}

TEST(Multibase, UnknownPrefixIsUnsupported) {
  for (const char* text : {"k2lcpzo5yikidynfl", "0011", "Zabc", "9abc",
                           "\x01"
                           "abc"}) {
    auto decoded = multibase_decode(text);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.error().code, Errc::kUnsupported) << text;
  }
}

TEST(Multibase, EmptyTextIsInvalid) {
  auto decoded = multibase_decode("");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kInvalidInput);
}

TEST(Multibase, PrefixAloneIsEmptyData) {
  for (const char* prefix : {"f", "b", "z", "m", "u"}) {
    auto decoded = multibase_decode(prefix);
    ASSERT_TRUE(decoded.ok()) << prefix;
    EXPECT_TRUE(decoded->data.empty());
  }
}

TEST(Multibase, BodyMustMatchTheNamedBaseAndCase) {
  EXPECT_EQ(multibase_decode("fABCD").error().code, Errc::kInvalidInput);  // upper-case under 'f'
  EXPECT_EQ(multibase_decode("Fabcd").error().code, Errc::kInvalidInput);  // lower-case under 'F'
  EXPECT_EQ(multibase_decode("bMY").error().code, Errc::kInvalidInput);    // upper-case under 'b'
  EXPECT_EQ(multibase_decode("z0").error().code, Errc::kInvalidInput);     // not base58
  EXPECT_EQ(multibase_decode("mZg==").error().code, Errc::kInvalidInput);  // padding under 'm'
  EXPECT_EQ(multibase_decode("MZg").error().code, Errc::kInvalidInput);    // no padding under 'M'
  EXPECT_EQ(multibase_decode("m-_").error().code, Errc::kInvalidInput);    // url chars under 'm'
  EXPECT_EQ(multibase_decode("u+/").error().code, Errc::kInvalidInput);    // std chars under 'u'
}

TEST(Multibase, LongBase58IsLimitExceeded) {
  const std::string text = "z" + std::string(kMaxBase58DecodeChars + 1, 'z');
  EXPECT_EQ(multibase_decode(text).error().code, Errc::kLimitExceeded);
}

TEST(Multibase, RandomBytesRoundTripInEveryBase) {
  const Multibase bases[] = {Multibase::kBase16,      Multibase::kBase16Upper, Multibase::kBase32,
                             Multibase::kBase32Upper, Multibase::kBase58Btc,   Multibase::kBase64,
                             Multibase::kBase64Pad,   Multibase::kBase64Url,   Multibase::kBase64UrlPad};
  for (std::uint64_t seed : property_seeds(10)) {
    Rng rng(seed);
    for (int i = 0; i < 50; ++i) {
      Bytes data(rng.below(60));
      for (auto& byte : data) byte = rng.chance(1, 5) ? 0 : static_cast<std::uint8_t>(rng.next());
      for (Multibase base : bases) {
        const std::string text = multibase_encode(base, data);
        ASSERT_EQ(text[0], multibase_prefix(base)) << seed_note(seed);
        auto decoded = multibase_decode(text);
        ASSERT_TRUE(decoded.ok()) << text << " " << seed_note(seed);
        ASSERT_EQ(decoded->base, base) << seed_note(seed);
        ASSERT_EQ(decoded->data, data) << seed_note(seed);
      }
    }
  }
}

}  // namespace
}  // namespace ff::codec
