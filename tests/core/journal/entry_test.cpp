#include "core/journal/entry.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::journal {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;

TEST(JournalEntry, DataRoundTripsWithFlag) {
  Bytes record;
  encode_data_entry(300, true, as_bytes("payload"), record);
  EXPECT_EQ(record.size(), data_entry_bytes(300, 7));
  auto entry = decode_entry(record);
  ASSERT_TRUE(entry.ok());
  const auto& data = std::get<DataEntry>(*entry);
  EXPECT_EQ(data.sequence, 300u);
  EXPECT_TRUE(data.unacknowledged);
  EXPECT_EQ(as_chars(data.payload), "payload");
}

TEST(JournalEntry, DataOverheadNeverExceedsTheDocumentedBound) {
  EXPECT_EQ(data_entry_bytes(UINT64_MAX, 0), kMaxDataEntryOverheadBytes);
  EXPECT_EQ(data_entry_bytes(1, 0), 3u);
}

TEST(JournalEntry, SnapshotRoundTripsIncludingSequenceZeroAndEmptyState) {
  Bytes record;
  encode_snapshot_entry(0, ByteView(), record);
  auto entry = decode_entry(record);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(std::get<SnapshotEntry>(*entry).sequence, 0u);
  EXPECT_TRUE(std::get<SnapshotEntry>(*entry).state.empty());
}

TEST(JournalEntry, AckRangesRoundTripIncludingTheLargestSequence) {
  for (std::uint64_t seed : property_seeds(50)) {
    Rng rng(seed);
    std::vector<SequenceRange> ranges;
    Sequence next = 1 + rng.below(3);
    const std::size_t count = 1 + rng.below(20);
    for (std::size_t i = 0; i < count; ++i) {
      const Sequence first = next + rng.below(3);  // adjacent ranges allowed (gap 0)
      const Sequence last = first + rng.below(4);
      ranges.push_back({first, last});
      next = last + 1;
    }
    if (rng.chance(1, 4)) ranges.push_back({next + 5, UINT64_MAX});
    Bytes record;
    encode_ack_entry(ranges, record);
    auto entry = decode_entry(record);
    ASSERT_TRUE(entry.ok()) << seed_note(seed);
    EXPECT_EQ(std::get<AckEntry>(*entry).ranges, ranges) << seed_note(seed);
  }
}

TEST(JournalEntry, ValidateAckRangesRejectsOverlapDisorderAndEmptiness) {
  EXPECT_FALSE(validate_ack_ranges({}).ok());
  const std::vector<SequenceRange> zero_first = {{0, 3}};
  EXPECT_FALSE(validate_ack_ranges(zero_first).ok());
  const std::vector<SequenceRange> reversed = {{5, 3}};
  EXPECT_FALSE(validate_ack_ranges(reversed).ok());
  const std::vector<SequenceRange> overlapping = {{1, 5}, {5, 7}};
  EXPECT_FALSE(validate_ack_ranges(overlapping).ok());
  const std::vector<SequenceRange> descending = {{10, 12}, {1, 2}};
  EXPECT_FALSE(validate_ack_ranges(descending).ok());
  const std::vector<SequenceRange> after_max = {{1, UINT64_MAX}, {1, 1}};
  EXPECT_FALSE(validate_ack_ranges(after_max).ok());
  std::vector<SequenceRange> too_many;
  for (Sequence i = 0; i <= kMaxAckRanges; ++i) too_many.push_back({2 * i + 1, 2 * i + 1});
  EXPECT_FALSE(validate_ack_ranges(too_many).ok());
  too_many.pop_back();
  EXPECT_TRUE(validate_ack_ranges(too_many).ok());
}

Errc decode_error(const Bytes& record) {
  auto entry = decode_entry(record);
  EXPECT_FALSE(entry.ok());
  return entry.ok() ? Errc::kNotFound : entry.error().code;
}

TEST(JournalEntry, MalformedEntriesAreInvalidInput) {
  EXPECT_EQ(decode_error({}), Errc::kInvalidInput);                              // empty record
  EXPECT_EQ(decode_error({0x04, 0x00}), Errc::kInvalidInput);                    // unknown kind
  EXPECT_EQ(decode_error({0x00}), Errc::kInvalidInput);                          // kind 0
  EXPECT_EQ(decode_error({0x01, 0x00, 0x00}), Errc::kInvalidInput);              // data sequence 0
  EXPECT_EQ(decode_error({0x01, 0x01}), Errc::kInvalidInput);                    // data without flags
  EXPECT_EQ(decode_error({0x01, 0x01, 0x02}), Errc::kInvalidInput);              // reserved flag bit 1
  EXPECT_EQ(decode_error({0x01, 0x81, 0x00, 0x00}), Errc::kInvalidInput);        // redundant varint
  EXPECT_EQ(decode_error({0x02, 0x00}), Errc::kInvalidInput);                    // ack with no ranges
  EXPECT_EQ(decode_error({0x02, 0x02, 0x00, 0x00}), Errc::kInvalidInput);        // count beyond input
  EXPECT_EQ(decode_error({0x02, 0x01, 0x00, 0x00, 0x07}), Errc::kInvalidInput);  // trailing byte
  EXPECT_EQ(decode_error({0x03}), Errc::kInvalidInput);                          // snapshot without sequence
}

TEST(JournalEntry, AckOverflowPastTheLargestSequenceIsRejected) {
  // Range [1, 2^64-1] (gap 0, span 2^64-2), then a second range that cannot start anywhere.
  const Bytes record = {0x02, 0x02, 0x00, 0xfe, 0xff, 0xff, 0xff, 0xff,
                        0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00};
  EXPECT_EQ(decode_error(record), Errc::kInvalidInput);
  Bytes single = {0x02, 0x01, 0x00, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  auto entry = decode_entry(single);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(std::get<AckEntry>(*entry).ranges, (std::vector<SequenceRange>{{1, UINT64_MAX}}));
  Bytes gap_overflow = {0x02, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00};
  EXPECT_EQ(decode_error(gap_overflow), Errc::kInvalidInput);  // first = 1 + (2^64-1)
}

TEST(JournalEntry, ArbitraryBytesNeverCrashTheDecoder) {
  for (std::uint64_t seed : property_seeds(200)) {
    Rng rng(seed);
    Bytes record(rng.below(24));
    for (auto& byte : record) byte = static_cast<std::uint8_t>(rng.next());
    if (!record.empty()) record[0] = static_cast<std::uint8_t>(1 + rng.below(3));
    auto entry = decode_entry(record);
    if (entry.ok()) {
      if (const auto* ack = std::get_if<AckEntry>(&*entry)) {
        EXPECT_TRUE(validate_ack_ranges(ack->ranges).ok()) << seed_note(seed);
      }
    }
  }
}

}  // namespace
}  // namespace ff::journal
