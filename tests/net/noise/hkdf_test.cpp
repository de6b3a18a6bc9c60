#include "net/noise/hkdf.hpp"

#include <gtest/gtest.h>

#include "tests/net/noise/noise_test_support.hpp"

namespace ff::net {
namespace {

using testing_support::hex;

Bytes range(int first, int last_inclusive) {
  Bytes bytes;
  for (int value = first; value <= last_inclusive; ++value) bytes.push_back(static_cast<std::uint8_t>(value));
  return bytes;
}

TEST(Sha256, KnownDigests) {
  // FIPS 180-2 appendix B.1 and the empty string.
  EXPECT_EQ(hex(sha256(as_bytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HmacSha256, Rfc4231TestCase2) {
  EXPECT_EQ(hex(hmac_sha256(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HkdfSha256, Rfc5869TestCase1) {
  auto okm = hkdf_sha256(range(0x00, 0x0c), Bytes(22, 0x0b), range(0xf0, 0xf9), 42);
  ASSERT_TRUE(okm.ok());
  EXPECT_EQ(hex(*okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(HkdfSha256, Rfc5869TestCase2LongInputs) {
  auto okm = hkdf_sha256(range(0x60, 0xaf), range(0x00, 0x4f), range(0xb0, 0xff), 82);
  ASSERT_TRUE(okm.ok());
  EXPECT_EQ(hex(*okm),
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09"
            "da3275600c2f"
            "09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87");
}

TEST(HkdfSha256, Rfc5869TestCase3EmptySaltAndInfo) {
  auto okm = hkdf_sha256({}, Bytes(22, 0x0b), {}, 42);
  ASSERT_TRUE(okm.ok());
  EXPECT_EQ(hex(*okm),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(HkdfSha256, OutputLengthIsBounded) {
  EXPECT_TRUE(hkdf_sha256({}, Bytes(1), {}, kMaxHkdfSha256Bytes).ok());
  auto too_long = hkdf_sha256({}, Bytes(1), {}, kMaxHkdfSha256Bytes + 1);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, Errc::kInvalidInput);
}

TEST(NoiseHkdf, EqualsRfc5869WithTheChainingKeyAsSaltAndEmptyInfo) {
  // Noise's HKDF is written differently (section 4.3) but must be the same function.
  Sha256Digest chaining_key{};
  for (std::size_t i = 0; i < chaining_key.size(); ++i)
    chaining_key[i] = static_cast<std::uint8_t>(3 * i + 1);
  for (const Bytes& input : {Bytes{}, Bytes(32, 0x42), range(0, 99)}) {
    const auto outputs = noise_hkdf(chaining_key, input, 3);
    const Bytes expected = hkdf_sha256(chaining_key, input, {}, 96).value();
    Bytes joined;
    for (const auto& output : outputs) joined.insert(joined.end(), output.begin(), output.end());
    EXPECT_EQ(hex(joined), hex(expected));

    const auto two = noise_hkdf(chaining_key, input, 2);
    EXPECT_EQ(two[0], outputs[0]);
    EXPECT_EQ(two[1], outputs[1]);
    EXPECT_EQ(two[2], Sha256Digest{});
  }
}

}  // namespace
}  // namespace ff::net
