#include "core/journal/journal_reader.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/hash/crc32c.hpp"
#include "core/journal/memory_storage.hpp"
#include "tests/core/journal/journal_test_support.hpp"
#include "tests/support/seeds.hpp"

namespace ff::journal {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;
using testing::model_layout;
using testing::read_all;
using testing::ViewFile;
using testing::WrittenJournal;

JournalOptions small_blocks() {
  JournalOptions options;
  options.block_shift = 8;
  return options;
}

std::vector<Bytes> payloads_of_sizes(std::initializer_list<std::size_t> sizes) {
  std::vector<Bytes> payloads;
  std::uint8_t fill = 1;
  for (std::size_t size : sizes) payloads.push_back(Bytes(size, fill++));
  return payloads;
}

TEST(JournalReader, ReadsEveryRecordWithItsOffset) {
  const WrittenJournal journal = testing::write_journal(payloads_of_sizes({3, 600, 0, 40}), small_blocks());
  const auto layout = model_layout(testing::entry_sizes(journal), journal.block_bytes);
  CollectingReporter reporter;
  const auto read = read_all(journal.file, reporter);
  ASSERT_EQ(read.records, journal.entries);
  for (std::size_t i = 0; i < layout.size(); ++i) EXPECT_EQ(read.offsets[i], layout[i].start);
  EXPECT_EQ(read.valid_end, journal.file.size());
  EXPECT_EQ(reporter.count(), 0u);
}

TEST(JournalReader, TruncatedTrailingRecordIsIgnored) {
  const WrittenJournal journal = testing::write_journal(payloads_of_sizes({10, 20, 30}), small_blocks());
  // Cut inside the payload of the last record: the writer died mid-write.
  const Bytes cut(journal.file.begin(), journal.file.end() - 5);
  CollectingReporter reporter;
  const auto read = read_all(cut, reporter);
  ASSERT_EQ(read.records.size(), 2u);
  EXPECT_EQ(read.valid_end, journal.ends[1]);
  EXPECT_EQ(reporter.count(), 0u) << reporter.summary();
}

TEST(JournalReader, TruncatedTrailingHeaderIsIgnored) {
  const WrittenJournal journal = testing::write_journal(payloads_of_sizes({10, 20}), small_blocks());
  const Bytes cut(journal.file.begin(),
                  journal.file.begin() + static_cast<std::ptrdiff_t>(journal.ends[0] + 6));
  CollectingReporter reporter;
  const auto read = read_all(cut, reporter);
  EXPECT_EQ(read.records.size(), 1u);
  EXPECT_EQ(reporter.count(), 0u) << reporter.summary();
}

TEST(JournalReader, FileEndingBetweenFragmentsOfARecordIsATornTail) {
  // A 600-byte record spans three 256-byte blocks; cut the file at the end of its FIRST
  // fragment (a block boundary).
  const WrittenJournal journal = testing::write_journal(payloads_of_sizes({5, 600}), small_blocks());
  const Bytes cut(journal.file.begin(), journal.file.begin() + 256);
  CollectingReporter reporter;
  const auto read = read_all(cut, reporter);
  ASSERT_EQ(read.records.size(), 1u);
  EXPECT_EQ(read.valid_end, journal.ends[0]);
  EXPECT_EQ(reporter.count(), 0u) << reporter.summary();
}

TEST(JournalReader, EmptyFileIsAnEmptyJournal) {
  MemoryStorage storage;
  auto file = storage.open("j", OpenMode::kCreate);
  ASSERT_TRUE(file.ok());
  CollectingReporter reporter;
  auto reader = JournalReader::open(**file, reporter);
  ASSERT_TRUE(reader.ok());
  EXPECT_FALSE(reader->has_header());
  auto record = reader->next();
  ASSERT_TRUE(record.ok());
  EXPECT_FALSE(record->has_value());
  EXPECT_EQ(reader->valid_end(), 0u);
}

TEST(JournalReader, ForeignFileIsRejectedAsNotAJournal) {
  const Bytes foreign = to_bytes("SQLite format 3\0 and more bytes than a header");
  ViewFile file(foreign, foreign.size());
  CollectingReporter reporter;
  auto reader = JournalReader::open(file, reporter);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().code, Errc::kInvalidInput);
  EXPECT_NE(reader.error().message.find("not a journal"), std::string::npos);
}

TEST(JournalReader, ShortReadsReturnTheSameRecordsAndReports) {
  for (std::uint64_t seed : property_seeds(10)) {
    Rng rng(seed);
    std::vector<Bytes> payloads;
    for (int i = 0; i < 20; ++i) payloads.push_back(testing::random_bytes(rng, rng.below(700)));
    WrittenJournal journal = testing::write_journal(payloads, small_blocks());
    journal.file[16 + rng.below(journal.file.size() - 16)] ^= 0x40;  // some corruption to report too
    CollectingReporter whole_reporter;
    const auto whole = read_all(journal.file, whole_reporter);
    for (std::size_t max_read : {1u, 3u, 17u, 255u}) {
      ViewFile file(journal.file, journal.file.size(), max_read);
      CollectingReporter reporter;
      const auto read = read_all(file, reporter);
      EXPECT_EQ(read.records, whole.records) << "max_read " << max_read << seed_note(seed);
      EXPECT_EQ(read.valid_end, whole.valid_end) << seed_note(seed);
      EXPECT_EQ(reporter.summary(), whole_reporter.summary()) << seed_note(seed);
    }
  }
}

TEST(JournalReader, MiddleFragmentWithoutItsStartIsReportedAndSkipped) {
  // Corrupt the payload of the FIRST fragment of a three-fragment record: the reader skips
  // that fragment, reports the MIDDLE and LAST that follow as orphans, and reads on.
  const WrittenJournal journal = testing::write_journal(payloads_of_sizes({5, 600, 7}), small_blocks());
  const auto layout = model_layout(testing::entry_sizes(journal), journal.block_bytes);
  ASSERT_EQ(layout[1].fragments.size(), 3u);
  Bytes file = journal.file;
  file[layout[1].fragments[0].offset + kRecordHeaderBytes + 2] ^= 1;
  CollectingReporter reporter;
  const auto read = read_all(file, reporter);
  ASSERT_EQ(read.records.size(), 2u);
  EXPECT_EQ(read.records[0], journal.entries[0]);
  EXPECT_EQ(read.records[1], journal.entries[2]);
  ASSERT_EQ(reporter.count(), 3u) << reporter.summary();
  EXPECT_EQ(reporter.reports()[0].offset, layout[1].fragments[0].offset);
  EXPECT_EQ(reporter.reports()[1].offset, layout[1].fragments[1].offset);
  EXPECT_EQ(reporter.reports()[2].offset, layout[1].fragments[2].offset);
}

TEST(JournalReader, RecordWithoutItsLastFragmentIsReportedWhenTheNextRecordStarts) {
  // Corrupt the LAST fragment's payload: the partial record is dropped when the next
  // record begins, never returned.
  const WrittenJournal journal = testing::write_journal(payloads_of_sizes({600, 7}), small_blocks());
  const auto layout = model_layout(testing::entry_sizes(journal), journal.block_bytes);
  const auto& last = layout[0].fragments.back();
  ASSERT_EQ(last.type, FragmentType::kLast);
  Bytes file = journal.file;
  file[last.offset + kRecordHeaderBytes] ^= 0x80;
  CollectingReporter reporter;
  const auto read = read_all(file, reporter);
  ASSERT_EQ(read.records.size(), 1u);
  EXPECT_EQ(read.records[0], journal.entries[1]);
  EXPECT_EQ(reporter.count(), 2u) << reporter.summary();  // the bad fragment, then the partial record
}

TEST(JournalReader, RecordLargerThanTheReaderBoundIsReportedAndSkipped) {
  const WrittenJournal journal =
      testing::write_journal(payloads_of_sizes({10, 900, 10, 100}), small_blocks());
  CollectingReporter reporter;
  ReaderOptions options;
  options.max_record_bytes = 200;
  const auto read = read_all(journal.file, reporter, options);
  ASSERT_EQ(read.records.size(), 3u);
  EXPECT_EQ(read.records[0], journal.entries[0]);
  EXPECT_EQ(read.records[1], journal.entries[2]);
  EXPECT_EQ(read.records[2], journal.entries[3]);
  EXPECT_EQ(reporter.count(), 1u) << reporter.summary();
}

TEST(JournalReader, ValidHeaderWithAnInvalidTypeOrLengthIsReported) {
  const WrittenJournal journal = testing::write_journal(payloads_of_sizes({4, 4}), small_blocks());
  for (int variant = 0; variant < 2; ++variant) {
    Bytes file = journal.file;
    // Re-encode the first fragment header with a well-formed checksum but a bad field: a
    // writer bug or a forged record, not a bit flip.
    std::uint8_t* header = file.data() + kFileHeaderBytes;
    const ByteView payload(header + kRecordHeaderBytes, journal.entries[0].size());
    encode_fragment_header(FragmentType::kFull, payload, header);
    if (variant == 0) {
      header[10] = 9;  // type 9
    } else {
      header[8] = 0xff;  // length 255+: beyond the block
      header[9] = 0x00;
    }
    // Restore header_crc over the altered fields.
    Bytes scratch(header + 4, header + kRecordHeaderBytes);
    const std::uint32_t crc = hash::mask_crc(hash::crc32c(scratch));
    for (int i = 0; i < 4; ++i) header[i] = static_cast<std::uint8_t>(crc >> (8 * i));
    ASSERT_TRUE(decode_fragment_header(ByteView(header, kRecordHeaderBytes)).has_value());
    CollectingReporter reporter;
    const auto read = read_all(file, reporter);
    EXPECT_TRUE(read.records.empty()) << variant;  // both records were in the dropped block
    EXPECT_EQ(reporter.count(), 1u) << variant << ": " << reporter.summary();
  }
}

TEST(JournalReader, ZeroedRegionInTheMiddleIsReportedAndTheReaderResynchronises) {
  std::vector<Bytes> payloads;
  for (int i = 0; i < 30; ++i) payloads.push_back(Bytes(50, static_cast<std::uint8_t>(i)));
  const WrittenJournal journal = testing::write_journal(payloads, small_blocks());
  const auto layout = model_layout(testing::entry_sizes(journal), journal.block_bytes);
  Bytes file = journal.file;
  // Zero block 2 entirely (a lost sector).
  std::fill(file.begin() + 512, file.begin() + 768, 0);
  CollectingReporter reporter;
  const auto read = read_all(file, reporter);
  EXPECT_GE(reporter.count(), 1u);
  std::vector<Bytes> expected;
  for (std::size_t i = 0; i < layout.size(); ++i) {
    if (layout[i].end <= 512 || layout[i].start >= 768) expected.push_back(journal.entries[i]);
  }
  EXPECT_EQ(read.records, expected);
  EXPECT_GT(expected.size(), 10u);
}

TEST(JournalReader, TrailerBytesAreNotInterpreted) {
  // Find a block that ends in a trailer and scribble on it: nothing is reported.
  std::vector<Bytes> payloads;
  for (int i = 0; i < 40; ++i) payloads.push_back(Bytes(30 + i % 7, 0x55));
  const WrittenJournal journal = testing::write_journal(payloads, small_blocks());
  const auto layout = model_layout(testing::entry_sizes(journal), journal.block_bytes);
  Bytes file = journal.file;
  std::size_t scribbled = 0;
  for (std::size_t i = 0; i + 1 < layout.size(); ++i) {
    const std::uint64_t end = layout[i].end;
    const std::uint64_t next = layout[i + 1].start;
    for (std::uint64_t offset = end; offset < next; ++offset, ++scribbled) file[offset] = 0xa5;
  }
  ASSERT_GT(scribbled, 0u) << "the payload sizes must leave some trailer";
  CollectingReporter reporter;
  const auto read = read_all(file, reporter);
  EXPECT_EQ(read.records, journal.entries);
  EXPECT_EQ(reporter.count(), 0u) << reporter.summary();
}

}  // namespace
}  // namespace ff::journal
