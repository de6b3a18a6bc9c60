#include "core/journal/format.hpp"

#include <gtest/gtest.h>

#include "core/journal/journal_writer.hpp"
#include "core/journal/memory_storage.hpp"
#include "core/journal/reporter.hpp"

namespace ff::journal {
namespace {

// docs/journal-format.md section 5, byte for byte.
const Bytes kWorkedExample = {
    0x46, 0x46, 0x4a, 0x4f, 0x55, 0x52, 0x4e, 0x4c, 0x01, 0x00, 0x08,
    0x00, 0xd2, 0x56, 0xb5, 0xea,                                      // file header
    0x91, 0x93, 0x8e, 0x6e, 0x8c, 0x34, 0xe6, 0xdc, 0x05, 0x00, 0x01,  // fragment 1 header
    0x01, 0x01, 0x00, 0x68, 0x69,                                      // DATA 1 "hi"
    0xb9, 0x8f, 0x7a, 0xac, 0x34, 0x50, 0x11, 0xf2, 0x04, 0x00, 0x01,  // fragment 2 header
    0x01, 0x02, 0x01, 0x78,                                            // DATA 2 unacknowledged "x"
    0x58, 0x6e, 0xcb, 0x09, 0x9e, 0x6e, 0x21, 0x67, 0x04, 0x00, 0x01,  // fragment 3 header
    0x02, 0x01, 0x01, 0x00,                                            // ACK [2, 2]
};

TEST(JournalFormat, WorkedExampleMatchesDocument) {
  MemoryStorage storage;
  CollectingReporter reporter;
  JournalOptions options;
  options.block_shift = 8;
  auto opened = open_journal(storage, "example", options, reporter);
  ASSERT_TRUE(opened.ok());
  JournalWriter& writer = opened->writer;
  ASSERT_EQ(*writer.append(as_bytes("hi")), 1u);
  ASSERT_EQ(*writer.append(as_bytes("x"), AckState::kUnacknowledged), 2u);
  ASSERT_TRUE(writer.acknowledge(2, 2).ok());
  ASSERT_EQ(*writer.commit(), 2u);
  EXPECT_EQ(*storage.contents("example"), kWorkedExample);
}

TEST(JournalFormat, FileHeaderRoundTripsEveryBlockShift) {
  for (std::uint8_t shift = kMinBlockShift; shift <= kMaxBlockShift; ++shift) {
    const auto bytes = encode_file_header(shift);
    auto header = decode_file_header(ByteView(bytes.data(), bytes.size()));
    ASSERT_TRUE(header.ok()) << int(shift);
    EXPECT_EQ(header->version, kFormatVersion);
    EXPECT_EQ(header->block_bytes(), std::uint32_t{1} << shift);
  }
}

TEST(JournalFormat, EveryFileHeaderBitFlipIsRejectedWithTheRightCode) {
  const auto good = encode_file_header(kDefaultBlockShift);
  for (std::size_t bit = 0; bit < kFileHeaderBytes * 8; ++bit) {
    auto bytes = good;
    bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    auto header = decode_file_header(ByteView(bytes.data(), bytes.size()));
    ASSERT_FALSE(header.ok()) << "bit " << bit;
    const std::size_t byte = bit / 8;
    const Errc expected = byte < 8 ? Errc::kInvalidInput : byte < 10 ? Errc::kUnsupported : Errc::kCorruption;
    EXPECT_EQ(header.error().code, expected) << "bit " << bit << ": " << header.error().message;
  }
}

TEST(JournalFormat, FutureVersionIsUnsupportedNotCorrupt) {
  auto bytes = encode_file_header(kDefaultBlockShift);
  bytes[8] = 2;  // version 2, checksum left stale: the version is checked first
  auto header = decode_file_header(ByteView(bytes.data(), bytes.size()));
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().code, Errc::kUnsupported);
  EXPECT_NE(header.error().message.find("version 2"), std::string::npos) << header.error().message;
}

TEST(JournalFormat, TornFileHeaderPrefixIsAcceptedAndForeignBytesAreNot) {
  const auto good = encode_file_header(kDefaultBlockShift);
  for (std::size_t size = 0; size < kFileHeaderBytes; ++size) {
    EXPECT_TRUE(check_torn_file_header(ByteView(good.data(), size)).ok()) << size;
  }
  const Bytes foreign = to_bytes("SQLite");
  auto status = check_torn_file_header(foreign);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kInvalidInput);
  auto newer = good;
  newer[8] = 9;
  status = check_torn_file_header(ByteView(newer.data(), 12));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kUnsupported);
}

TEST(JournalFormat, FragmentHeaderRoundTripsAndChecksPayload) {
  const Bytes payload = to_bytes("payload bytes");
  std::uint8_t header_bytes[kRecordHeaderBytes];
  encode_fragment_header(FragmentType::kMiddle, payload, header_bytes);
  auto header = decode_fragment_header(ByteView(header_bytes, kRecordHeaderBytes));
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->length, payload.size());
  EXPECT_EQ(header->type, static_cast<std::uint8_t>(FragmentType::kMiddle));
  EXPECT_TRUE(fragment_payload_matches(*header, payload));
  Bytes altered = payload;
  altered[3] ^= 0x10;
  EXPECT_FALSE(fragment_payload_matches(*header, altered));
}

TEST(JournalFormat, EveryFragmentHeaderBitFlipFailsTheHeaderChecksum) {
  const Bytes payload = to_bytes("abc");
  std::uint8_t good[kRecordHeaderBytes];
  encode_fragment_header(FragmentType::kFull, payload, good);
  for (std::size_t bit = 0; bit < kRecordHeaderBytes * 8; ++bit) {
    std::uint8_t bytes[kRecordHeaderBytes];
    std::copy(good, good + kRecordHeaderBytes, bytes);
    bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(decode_fragment_header(ByteView(bytes, kRecordHeaderBytes)).has_value()) << "bit " << bit;
  }
}

TEST(JournalFormat, AllZeroFragmentHeaderIsNotValid) {
  // A zero-filled region (preallocated or never written) must not read as records.
  const std::uint8_t zeros[kRecordHeaderBytes] = {};
  EXPECT_FALSE(decode_fragment_header(ByteView(zeros, kRecordHeaderBytes)).has_value());
}

}  // namespace
}  // namespace ff::journal
