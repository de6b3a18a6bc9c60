#include "core/journal/journal_writer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/journal/memory_storage.hpp"
#include "tests/core/journal/journal_test_support.hpp"
#include "tests/support/seeds.hpp"

namespace ff::journal {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;
using testing::model_layout;

// Counts the calls that reach storage, to check group commit and buffering.
struct Counts {
  int appends = 0;
  int syncs = 0;
};

class CountingFile final : public StorageFile {
 public:
  CountingFile(std::unique_ptr<StorageFile> inner, Counts& counts)
      : inner_(std::move(inner)), counts_(counts) {}
  Result<std::uint64_t> size() override { return inner_->size(); }
  Result<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    return inner_->read(offset, out);
  }
  Status append(ByteView data) override {
    ++counts_.appends;
    return inner_->append(data);
  }
  Status sync() override {
    ++counts_.syncs;
    return inner_->sync();
  }
  Status truncate(std::uint64_t size) override { return inner_->truncate(size); }

 private:
  std::unique_ptr<StorageFile> inner_;
  Counts& counts_;
};

class CountingStorage final : public Storage {
 public:
  Result<std::unique_ptr<StorageFile>> open(std::string_view name, OpenMode mode) override {
    FF_TRY_ASSIGN(auto file, inner.open(name, mode));
    return std::unique_ptr<StorageFile>(std::make_unique<CountingFile>(std::move(file), counts));
  }
  Result<bool> exists(std::string_view name) override { return inner.exists(name); }
  Status replace(std::string_view source, std::string_view target) override {
    return inner.replace(source, target);
  }
  Status remove(std::string_view name) override { return inner.remove(name); }

  MemoryStorage inner;
  Counts counts;
};

JournalOptions small_blocks() {
  JournalOptions options;
  options.block_shift = 8;
  return options;
}

TEST(JournalWriter, FragmentsAreWhereTheFormatDocumentPutsThem) {
  for (std::uint64_t seed : property_seeds(20)) {
    Rng rng(seed);
    std::vector<Bytes> payloads;
    const std::size_t count = 1 + rng.below(30);
    for (std::size_t i = 0; i < count; ++i) payloads.push_back(testing::random_bytes(rng, rng.below(900)));
    const auto journal = testing::write_journal(payloads, small_blocks());
    const auto layout = model_layout(testing::entry_sizes(journal), journal.block_bytes);
    ASSERT_EQ(journal.file.size(), layout.back().end) << seed_note(seed);
    for (std::size_t i = 0; i < layout.size(); ++i) {
      ASSERT_EQ(journal.ends[i], layout[i].end) << seed_note(seed);
      Bytes joined;
      for (const auto& fragment : layout[i].fragments) {
        auto header =
            decode_fragment_header(ByteView(journal.file).subspan(fragment.offset, kRecordHeaderBytes));
        ASSERT_TRUE(header.has_value()) << "record " << i << seed_note(seed);
        EXPECT_EQ(header->type, static_cast<std::uint8_t>(fragment.type)) << seed_note(seed);
        ASSERT_EQ(header->length, fragment.length) << seed_note(seed);
        const auto payload =
            ByteView(journal.file).subspan(fragment.offset + kRecordHeaderBytes, fragment.length);
        EXPECT_TRUE(fragment_payload_matches(*header, payload));
        joined.insert(joined.end(), payload.begin(), payload.end());
      }
      EXPECT_EQ(joined, journal.entries[i]) << seed_note(seed);
    }
  }
}

TEST(JournalWriter, ExactlyHeaderSizedRoomGetsAnEmptyFirstFragment) {
  // First record fills block 0 up to 11 bytes before its end: 256 - 16 - 11 - 11 = 218
  // entry bytes (payload 218 - 3). The next record starts with a FIRST of length 0.
  const auto journal = testing::write_journal({Bytes(215, 7), Bytes(20, 8)}, small_blocks());
  ASSERT_EQ(journal.ends[0], 256u - kRecordHeaderBytes);
  auto header = decode_fragment_header(ByteView(journal.file).subspan(journal.ends[0], kRecordHeaderBytes));
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->type, static_cast<std::uint8_t>(FragmentType::kFirst));
  EXPECT_EQ(header->length, 0u);
  CollectingReporter reporter;
  EXPECT_EQ(testing::read_all(journal.file, reporter).records, journal.entries);
}

TEST(JournalWriter, RoomSmallerThanAHeaderBecomesAZeroTrailer) {
  // A first record of 224 entry bytes (payload 221) ends at 16 + 11 + 224 = 251, leaving 5
  // bytes in block 0: too few for a header.
  const auto journal = testing::write_journal({Bytes(221, 7), Bytes(20, 8)}, small_blocks());
  ASSERT_EQ(journal.ends[0], 251u);
  for (std::size_t offset = 251; offset < 256; ++offset) EXPECT_EQ(journal.file[offset], 0) << offset;
  auto header = decode_fragment_header(ByteView(journal.file).subspan(256, kRecordHeaderBytes));
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->type, static_cast<std::uint8_t>(FragmentType::kFull));
}

TEST(JournalWriter, GroupCommitMakesABatchDurableWithOneSync) {
  CountingStorage storage;
  CollectingReporter reporter;
  auto opened = open_journal(storage, "j", JournalOptions{}, reporter);
  ASSERT_TRUE(opened.ok());
  JournalWriter& writer = opened->writer;
  const int syncs_at_open = storage.counts.syncs;
  std::vector<Sequence> tickets;
  for (int i = 0; i < 100; ++i) tickets.push_back(*writer.append(as_bytes("concurrent writer")));
  EXPECT_EQ(tickets.front(), 1u);
  EXPECT_EQ(tickets.back(), 100u);
  EXPECT_EQ(writer.durable_sequence(), 0u);
  EXPECT_EQ(storage.counts.syncs, syncs_at_open);
  auto durable = writer.commit();
  ASSERT_TRUE(durable.ok());
  EXPECT_EQ(*durable, 100u);  // every ticket <= 100 is complete
  EXPECT_EQ(storage.counts.syncs, syncs_at_open + 1);
  EXPECT_EQ(writer.unsynced_bytes(), 0u);
  // Nothing new: commit does not sync again.
  EXPECT_EQ(*writer.commit(), 100u);
  EXPECT_EQ(storage.counts.syncs, syncs_at_open + 1);
  ASSERT_EQ(*writer.append(as_bytes("next batch")), 101u);
  EXPECT_EQ(*writer.commit(), 101u);
  EXPECT_EQ(storage.counts.syncs, syncs_at_open + 2);
}

TEST(JournalWriter, BufferIsHandedToStorageOnlyWhenFull) {
  CountingStorage storage;
  CollectingReporter reporter;
  JournalOptions options;
  options.buffer_bytes = 1000;
  auto opened = open_journal(storage, "j", options, reporter);
  ASSERT_TRUE(opened.ok());
  const int appends_at_open = storage.counts.appends;
  JournalWriter& writer = opened->writer;
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(writer.append(Bytes(86, 1)).ok());  // 9 x 100 bytes
  EXPECT_EQ(storage.counts.appends, appends_at_open);
  EXPECT_EQ(storage.inner.contents("j")->size(), kFileHeaderBytes);
  ASSERT_TRUE(writer.append(Bytes(86, 1)).ok());  // reaches 1000
  EXPECT_EQ(storage.counts.appends, appends_at_open + 1);
  EXPECT_EQ(storage.inner.contents("j")->size(), writer.file_bytes());
}

TEST(JournalWriter, RecordOfTheMaximumSizeIsAcceptedAndOneByteMoreIsNot) {
  MemoryStorage storage;
  CollectingReporter reporter;
  JournalOptions options = small_blocks();
  options.max_record_bytes = 1000;
  auto opened = open_journal(storage, "j", options, reporter);
  ASSERT_TRUE(opened.ok());
  JournalWriter& writer = opened->writer;
  const std::size_t max_payload = 1000 - data_entry_bytes(1, 0);
  auto too_big = writer.append(Bytes(max_payload + 1, 1));
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code, Errc::kLimitExceeded);
  EXPECT_EQ(writer.last_sequence(), 0u);  // a rejected append takes no sequence number
  ASSERT_TRUE(writer.append(Bytes(max_payload, 1)).ok());
  ASSERT_TRUE(writer.commit().ok());
  auto file = storage.open("j", OpenMode::kExisting);
  auto recovered = recover_journal(**file, reporter);
  ASSERT_TRUE(recovered.ok());
  ASSERT_EQ(recovered->state.records.size(), 1u);
  EXPECT_EQ(recovered->state.records[0].payload.size(), max_payload);
}

TEST(JournalWriter, RecordOfTheFormatMaximumRoundTrips) {
  MemoryStorage storage;
  CollectingReporter reporter;
  auto opened = open_journal(storage, "j", JournalOptions{}, reporter);
  ASSERT_TRUE(opened.ok());
  const std::size_t max_payload = kMaxRecordBytes - data_entry_bytes(1, 0);
  Bytes payload(max_payload);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 131);
  ASSERT_TRUE(opened->writer.append(payload).ok());
  EXPECT_FALSE(opened->writer.append(Bytes(max_payload + 1)).ok());
  ASSERT_TRUE(opened->writer.commit().ok());
  auto reopened = open_journal(storage, "j", JournalOptions{}, reporter);
  ASSERT_TRUE(reopened.ok());
  ASSERT_EQ(reopened->state.records.size(), 1u);
  EXPECT_TRUE(reopened->state.records[0].payload == payload);
  EXPECT_EQ(reporter.count(), 0u);
}

TEST(JournalWriter, UnsyncedBoundRejectsAppendsUntilCommit) {
  MemoryStorage storage;
  CollectingReporter reporter;
  JournalOptions options;
  options.max_unsynced_bytes = 1000;
  auto opened = open_journal(storage, "j", options, reporter);
  ASSERT_TRUE(opened.ok());
  JournalWriter& writer = opened->writer;
  int accepted = 0;
  Errc code = Errc::kNotFound;
  for (int i = 0; i < 100; ++i) {
    auto appended = writer.append(Bytes(100, 1));
    if (!appended.ok()) {
      code = appended.error().code;
      break;
    }
    ++accepted;
  }
  EXPECT_EQ(code, Errc::kLimitExceeded);
  EXPECT_GE(accepted, 5);
  EXPECT_LE(writer.unsynced_bytes(), 1000u);
  ASSERT_TRUE(writer.commit().ok());
  EXPECT_TRUE(writer.append(Bytes(100, 1)).ok());
  // A single record larger than the bound is still accepted when nothing is unsynced.
  ASSERT_TRUE(writer.commit().ok());
  EXPECT_TRUE(writer.append(Bytes(5000, 1)).ok());
}

TEST(JournalWriter, SequencesContinueAfterReopen) {
  MemoryStorage storage;
  CollectingReporter reporter;
  {
    auto opened = open_journal(storage, "j", JournalOptions{}, reporter);
    ASSERT_TRUE(opened.ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(opened->writer.append(as_bytes("a")).ok());
    ASSERT_TRUE(opened->writer.commit().ok());
  }
  auto opened = open_journal(storage, "j", JournalOptions{}, reporter);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->state.last_sequence, 3u);
  EXPECT_EQ(opened->writer.durable_sequence(), 3u);
  EXPECT_EQ(*opened->writer.append(as_bytes("b")), 4u);
}

TEST(JournalWriter, ReopenKeepsTheBlockSizeOfTheFile) {
  MemoryStorage storage;
  CollectingReporter reporter;
  { ASSERT_TRUE(open_journal(storage, "j", small_blocks(), reporter).ok()); }
  auto opened = open_journal(storage, "j", JournalOptions{}, reporter);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->writer.block_bytes(), 256u);
}

TEST(JournalWriter, ReopenCutsACorruptTailBeforeAppending) {
  MemoryStorage storage;
  CollectingReporter reporter;
  {
    auto opened = open_journal(storage, "j", small_blocks(), reporter);
    ASSERT_TRUE(opened.ok());
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(opened->writer.append(Bytes(30, 1)).ok());
    ASSERT_TRUE(opened->writer.commit().ok());
  }
  Bytes file = *storage.contents("j");
  file[file.size() - 3] ^= 1;  // the last record's payload: corruption, not a tear
  storage.set_contents("j", file);
  auto opened = open_journal(storage, "j", small_blocks(), reporter);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(reporter.count(), 1u);
  EXPECT_EQ(opened->state.records.size(), 3u);
  EXPECT_LT(storage.contents("j")->size(), file.size());
  ASSERT_TRUE(opened->writer.append(as_bytes("new")).ok());
  ASSERT_TRUE(opened->writer.commit().ok());
  CollectingReporter second;
  auto reopened = open_journal(storage, "j", small_blocks(), second);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(second.count(), 0u) << second.summary();
  ASSERT_EQ(reopened->state.records.size(), 4u);
  EXPECT_EQ(reopened->state.records[3].sequence, 4u);  // the lost record's number is reused
}

TEST(JournalWriter, OpeningAForeignFileFailsAndLeavesItAlone) {
  MemoryStorage storage;
  const Bytes foreign = to_bytes("{\"not\": \"a journal at all\"}");
  storage.set_contents("j", foreign);
  CollectingReporter reporter;
  auto opened = open_journal(storage, "j", JournalOptions{}, reporter);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, Errc::kInvalidInput);
  EXPECT_EQ(*storage.contents("j"), foreign);
}

TEST(JournalWriter, AcknowledgingBeyondTheLastSequenceIsRejected) {
  MemoryStorage storage;
  CollectingReporter reporter;
  auto opened = open_journal(storage, "j", JournalOptions{}, reporter);
  ASSERT_TRUE(opened.ok());
  ASSERT_TRUE(opened->writer.append(as_bytes("a"), AckState::kUnacknowledged).ok());
  auto status = opened->writer.acknowledge(1, 2);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kInvalidInput);
  EXPECT_TRUE(opened->writer.acknowledge(1, 1).ok());
}

TEST(JournalWriter, InvalidOptionsAreRejected) {
  MemoryStorage storage;
  CollectingReporter reporter;
  JournalOptions options;
  options.block_shift = 7;
  EXPECT_EQ(open_journal(storage, "j", options, reporter).error().code, Errc::kInvalidInput);
  options = JournalOptions{};
  options.max_record_bytes = kMaxRecordBytes + 1;
  EXPECT_EQ(open_journal(storage, "j", options, reporter).error().code, Errc::kInvalidInput);
  options = JournalOptions{};
  options.buffer_bytes = 0;
  EXPECT_EQ(open_journal(storage, "j", options, reporter).error().code, Errc::kInvalidInput);
  EXPECT_EQ(open_journal(storage, "a/b", JournalOptions{}, reporter).error().code, Errc::kInvalidInput);
  EXPECT_FALSE(*storage.exists("j"));
}

}  // namespace
}  // namespace ff::journal
