#include "core/codec/byte_io.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace ff::codec {
namespace {

TEST(ByteIo, WriterAndReaderRoundTripEveryKind) {
  ByteWriter writer;
  writer.u8(0xab);
  writer.varint(300);
  writer.svarint(-5);
  writer.fixed32_le(0x01020304);
  writer.fixed64_le(0x0102030405060708ULL);
  writer.text("hello");
  writer.blob(Bytes{});
  writer.raw(Bytes{9, 8});

  ByteReader reader(writer.bytes());
  EXPECT_EQ(*reader.u8(), 0xab);
  EXPECT_EQ(*reader.varint(), 300u);
  EXPECT_EQ(*reader.svarint(), -5);
  EXPECT_EQ(*reader.fixed32_le(), 0x01020304u);
  EXPECT_EQ(*reader.fixed64_le(), 0x0102030405060708ULL);
  EXPECT_EQ(*reader.text(), "hello");
  EXPECT_TRUE(reader.blob()->empty());
  auto raw = reader.raw(2);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(Bytes(raw->begin(), raw->end()), (Bytes{9, 8}));
  EXPECT_TRUE(reader.done());
  EXPECT_TRUE(reader.expect_done("test").ok());
}

TEST(ByteIo, FixedWidthIsLittleEndian) {
  ByteWriter writer;
  writer.fixed32_le(0x01020304);
  EXPECT_EQ(writer.bytes(), (Bytes{0x04, 0x03, 0x02, 0x01}));
}

TEST(ByteIo, FailedReadLeavesOffsetUnchanged) {
  const Bytes input{0x05, 'a', 'b'};  // claims 5 bytes, holds 2
  ByteReader reader(input);
  auto blob = reader.blob();
  ASSERT_FALSE(blob.ok());
  EXPECT_EQ(blob.error().code, Errc::kTruncated);
  EXPECT_EQ(reader.offset(), 0u);
  EXPECT_FALSE(reader.fixed32_le().ok());
  EXPECT_EQ(reader.offset(), 0u);
  EXPECT_EQ(*reader.u8(), 0x05);
}

TEST(ByteIo, HugeLengthPrefixIsRejectedWithoutAllocating) {
  ByteWriter writer;
  writer.varint(std::uint64_t{1} << 62);
  ByteReader reader(writer.bytes());
  auto blob = reader.blob();
  ASSERT_FALSE(blob.ok());
  EXPECT_EQ(blob.error().code, Errc::kTruncated);
}

TEST(ByteIo, CountLargerThanRemainingInputIsRejected) {
  ByteWriter writer;
  writer.varint(5);
  writer.raw(Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9});  // 9 bytes: room for 4 items of 2 bytes
  ByteReader reader(writer.bytes());
  auto count = reader.count(2);
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.error().code, Errc::kInvalidInput);
  EXPECT_EQ(reader.offset(), 0u);
  ByteReader again(writer.bytes());
  auto one_byte_items = again.count(1);
  ASSERT_TRUE(one_byte_items.ok());
  EXPECT_EQ(*one_byte_items, 5u);
}

TEST(ByteIo, TrailingBytesFailExpectDone) {
  const Bytes input{1, 2};
  ByteReader reader(input);
  ASSERT_TRUE(reader.u8().ok());
  Status status = reader.expect_done("record");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kInvalidInput);
}

TEST(ByteIo, ReadsPastTheEndAreTruncated) {
  ByteReader reader(ByteView{});
  EXPECT_EQ(reader.u8().error().code, Errc::kTruncated);
  EXPECT_EQ(reader.varint().error().code, Errc::kTruncated);
  EXPECT_EQ(reader.fixed64_le().error().code, Errc::kTruncated);
  EXPECT_EQ(reader.raw(1).error().code, Errc::kTruncated);
  EXPECT_TRUE(reader.raw(0).ok());
}

}  // namespace
}  // namespace ff::codec
