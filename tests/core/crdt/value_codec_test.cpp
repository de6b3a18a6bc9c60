#include "core/crdt/value_codec.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace ff::crdt {
namespace {

template <class T>
T round_trip(const T& value) {
  codec::ByteWriter out;
  ValueCodec<T>::encode(out, value);
  codec::ByteReader in(out.bytes());
  auto decoded = ValueCodec<T>::decode(in);
  EXPECT_TRUE(decoded.ok());
  EXPECT_TRUE(in.done());
  return decoded.ok() ? *decoded : T{};
}

TEST(ValueCodec, StringsRoundTripIncludingEmbeddedZeros) {
  EXPECT_EQ(round_trip(std::string()), "");
  EXPECT_EQ(round_trip(std::string("a\0b", 3)), std::string("a\0b", 3));
}

TEST(ValueCodec, Int64RoundTripsAtTheExtremes) {
  for (std::int64_t value : {std::int64_t{0}, std::int64_t{-1}, std::numeric_limits<std::int64_t>::min(),
                             std::numeric_limits<std::int64_t>::max()}) {
    EXPECT_EQ(round_trip(value), value);
  }
}

TEST(ValueCodec, BytesRoundTrip) {
  EXPECT_EQ(round_trip(Bytes{}), Bytes{});
  EXPECT_EQ(round_trip(Bytes{0, 255, 7}), (Bytes{0, 255, 7}));
}

TEST(ValueCodec, TruncatedValueIsAnError) {
  const Bytes length_says_three = {3, 'a'};
  codec::ByteReader in(length_says_three);
  auto decoded = ValueCodec<std::string>::decode(in);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kTruncated);
}

TEST(ValueCodec, TagsAreDistinct) {
  EXPECT_NE(ValueCodec<std::string>::kTag, ValueCodec<std::int64_t>::kTag);
  EXPECT_NE(ValueCodec<std::string>::kTag, ValueCodec<Bytes>::kTag);
  EXPECT_NE(ValueCodec<std::int64_t>::kTag, ValueCodec<Bytes>::kTag);
}

}  // namespace
}  // namespace ff::crdt
