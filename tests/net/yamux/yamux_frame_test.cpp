#include "net/yamux/yamux_frame.hpp"

#include <gtest/gtest.h>

#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::net {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;

TEST(YamuxFrame, ByteExactHeaderVector) {
  Bytes out;
  append_yamux_header(
      out, YamuxHeader{YamuxType::kWindowUpdate, kYamuxFlagSyn | kYamuxFlagAck, 0x01020304, 0x00040000});
  EXPECT_EQ(out, (Bytes{0x00, 0x01, 0x00, 0x03, 0x01, 0x02, 0x03, 0x04, 0x00, 0x04, 0x00, 0x00}));
}

TEST(YamuxFrame, PingAckVector) {
  // The answer js-libp2p expects to its keep-alive ping with opaque value 7.
  Bytes out;
  append_yamux_header(out, YamuxHeader{YamuxType::kPing, kYamuxFlagAck, 0, 7});
  EXPECT_EQ(out, (Bytes{0x00, 0x02, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 7}));
}

TEST(YamuxFrame, DecodesAllFieldsBigEndian) {
  const Bytes bytes = {0x00, 0x00, 0x00, 0x05, 0xff, 0xff, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x01};
  auto header = decode_yamux_header(bytes);
  ASSERT_TRUE(header.ok()) << header.error().message;
  EXPECT_EQ(header->type, YamuxType::kData);
  EXPECT_EQ(header->flags, kYamuxFlagSyn | kYamuxFlagFin);
  EXPECT_EQ(header->stream_id, 0xfffffffeu);
  EXPECT_EQ(header->length, 0x80000001u);
}

TEST(YamuxFrame, RoundTripsRandomHeaders) {
  for (std::uint64_t seed : property_seeds(200)) {
    Rng rng(seed);
    YamuxHeader header;
    header.type = static_cast<YamuxType>(rng.below(4));
    header.flags = static_cast<std::uint16_t>(rng.next());
    header.stream_id = static_cast<std::uint32_t>(rng.next());
    header.length = static_cast<std::uint32_t>(rng.next());
    Bytes out;
    append_yamux_header(out, header);
    ASSERT_EQ(out.size(), kYamuxHeaderBytes) << seed_note(seed);
    auto decoded = decode_yamux_header(out);
    ASSERT_TRUE(decoded.ok()) << seed_note(seed);
    EXPECT_EQ(*decoded, header) << seed_note(seed);
  }
}

TEST(YamuxFrame, ShortInputIsTruncated) {
  const Bytes bytes(11, 0);
  auto header = decode_yamux_header(bytes);
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().code, Errc::kTruncated);
}

TEST(YamuxFrame, UnknownVersionIsUnsupported) {
  Bytes bytes(12, 0);
  bytes[0] = 1;
  auto header = decode_yamux_header(bytes);
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().code, Errc::kUnsupported);
}

TEST(YamuxFrame, UnknownTypeIsInvalid) {
  Bytes bytes(12, 0);
  bytes[1] = 4;
  auto header = decode_yamux_header(bytes);
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().code, Errc::kInvalidInput);
}

}  // namespace
}  // namespace ff::net
