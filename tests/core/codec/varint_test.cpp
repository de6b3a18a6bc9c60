#include "core/codec/varint.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::codec {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;

Bytes encode(std::uint64_t value) {
  Bytes out;
  put_varint(out, value);
  return out;
}

TEST(Varint, KnownEncodings) {
  EXPECT_EQ(encode(0), (Bytes{0x00}));
  EXPECT_EQ(encode(1), (Bytes{0x01}));
  EXPECT_EQ(encode(127), (Bytes{0x7f}));
  EXPECT_EQ(encode(128), (Bytes{0x80, 0x01}));
  EXPECT_EQ(encode(150), (Bytes{0x96, 0x01}));  // the protobuf documentation's example
  EXPECT_EQ(encode(300), (Bytes{0xac, 0x02}));
  EXPECT_EQ(encode(16384), (Bytes{0x80, 0x80, 0x01}));
}

TEST(Varint, MaximumValueTakesTenBytesAndRoundTrips) {
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const Bytes bytes = encode(max);
  EXPECT_EQ(bytes, (Bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
  EXPECT_EQ(varint_size(max), 10u);
  auto decoded = get_varint(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->value, max);
  EXPECT_EQ(decoded->length, 10u);
}

TEST(Varint, TenthByteAboveOneOverflows) {
  const Bytes overflow{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
  auto decoded = get_varint(overflow);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kInvalidInput);
  EXPECT_FALSE(get_varint_allow_redundant(overflow).ok());
}

TEST(Varint, ElevenByteEncodingIsRejected) {
  const Bytes too_long{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x00};
  auto decoded = get_varint(too_long);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kInvalidInput);
  auto lenient = get_varint_allow_redundant(too_long);
  ASSERT_FALSE(lenient.ok());
  EXPECT_EQ(lenient.error().code, Errc::kInvalidInput);
}

TEST(Varint, NonMinimalEncodingIsRejectedByStrictDecoder) {
  for (const Bytes& redundant : {Bytes{0x80, 0x00}, Bytes{0x81, 0x00}, Bytes{0xff, 0x80, 0x00}}) {
    auto decoded = get_varint(redundant);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.error().code, Errc::kInvalidInput);
  }
}

TEST(Varint, NonMinimalEncodingIsAcceptedByProtobufDecoder) {
  auto decoded = get_varint_allow_redundant(Bytes{0x81, 0x80, 0x00});
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->value, 1u);
  EXPECT_EQ(decoded->length, 3u);
}

TEST(Varint, SingleZeroByteIsMinimal) {
  auto decoded = get_varint(Bytes{0x00});
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->value, 0u);
}

TEST(Varint, EveryTruncationIsReportedAsTruncated) {
  const Bytes full = encode(std::numeric_limits<std::uint64_t>::max());
  for (std::size_t length = 0; length < full.size(); ++length) {
    auto decoded = get_varint(ByteView(full).first(length));
    ASSERT_FALSE(decoded.ok()) << "length " << length;
    EXPECT_EQ(decoded.error().code, Errc::kTruncated) << "length " << length;
  }
}

TEST(Varint, DecodingStopsAtTheFirstCompleteVarint) {
  auto decoded = get_varint(Bytes{0xac, 0x02, 0xff, 0xff});
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->value, 300u);
  EXPECT_EQ(decoded->length, 2u);
}

TEST(Varint, RandomValuesRoundTripWithPredictedSize) {
  for (std::uint64_t seed : property_seeds(20)) {
    Rng rng(seed);
    for (int i = 0; i < 500; ++i) {
      // Random bit widths so every encoded length from 1 to 10 bytes is exercised.
      const int bits = static_cast<int>(rng.below(65));
      const std::uint64_t value = bits == 0 ? 0 : rng.next() >> (64 - bits);
      const Bytes bytes = encode(value);
      ASSERT_EQ(bytes.size(), varint_size(value)) << seed_note(seed);
      auto decoded = get_varint(bytes);
      ASSERT_TRUE(decoded.ok()) << seed_note(seed);
      ASSERT_EQ(decoded->value, value) << seed_note(seed);
      ASSERT_EQ(decoded->length, bytes.size()) << seed_note(seed);
    }
  }
}

TEST(Varint, ZigZagMapsSmallMagnitudesToSmallValues) {
  EXPECT_EQ(zigzag_encode(0), 0u);
  EXPECT_EQ(zigzag_encode(-1), 1u);
  EXPECT_EQ(zigzag_encode(1), 2u);
  EXPECT_EQ(zigzag_encode(-2), 3u);
  EXPECT_EQ(zigzag_encode(std::numeric_limits<std::int64_t>::max()), 0xfffffffffffffffeULL);
  EXPECT_EQ(zigzag_encode(std::numeric_limits<std::int64_t>::min()), 0xffffffffffffffffULL);
  for (std::int64_t value :
       {std::int64_t{0}, std::int64_t{-1}, std::int64_t{1}, std::int64_t{-123456789},
        std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}) {
    EXPECT_EQ(zigzag_decode(zigzag_encode(value)), value);
  }
}

}  // namespace
}  // namespace ff::codec
