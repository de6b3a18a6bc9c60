// Crash tests of the journal (docs/journal-format.md section 6): cut a journal at every byte,
// flip every header bit, and lose unsynced data at random points, then check what
// recovery returns.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/journal/faulty_storage.hpp"
#include "core/journal/journal_writer.hpp"
#include "core/journal/memory_storage.hpp"
#include "core/journal/recovery.hpp"
#include "tests/core/journal/journal_test_support.hpp"
#include "tests/support/seeds.hpp"

namespace ff::journal {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;
using testing::model_layout;
using testing::ModelRecord;
using testing::ViewFile;
using testing::WrittenJournal;

constexpr std::uint8_t kSmallBlockShift = 8;       // 256-byte blocks: many boundaries per kilobyte
constexpr std::size_t kSmallMaxRecordBytes = 700;  // about three blocks

JournalOptions small_options() {
  JournalOptions options;
  options.block_shift = kSmallBlockShift;
  options.max_record_bytes = kSmallMaxRecordBytes;
  return options;
}

// A journal of `count` data records of mixed sizes, including one of exactly the maximum.
WrittenJournal mixed_journal(Rng& rng, std::size_t count, const JournalOptions& options) {
  const std::uint32_t block_bytes = std::uint32_t{1} << options.block_shift;
  std::vector<Bytes> payloads;
  for (std::size_t i = 0; i < count; ++i) {
    const Sequence sequence = i + 1;
    const std::size_t max_payload = options.max_record_bytes - data_entry_bytes(sequence, 0);
    std::size_t size = testing::mixed_payload_size(rng, block_bytes, max_payload);
    if (i == count / 2) size = max_payload;  // every journal holds a record of the maximum size
    payloads.push_back(testing::random_bytes(rng, size));
  }
  return testing::write_journal(payloads, options);
}

// Checks that recovering the first `cut` bytes of `journal` gives exactly the records that
// end at or before `cut`, with nothing reported.
void expect_longest_prefix(const WrittenJournal& journal, std::size_t cut, std::uint64_t seed) {
  ViewFile file(journal.file, cut);
  CollectingReporter reporter;
  auto recovered = recover_journal(file, reporter);
  ASSERT_TRUE(recovered.ok()) << "cut " << cut << " " << seed_note(seed);
  const std::size_t expected =
      std::upper_bound(journal.ends.begin(), journal.ends.end(), static_cast<std::uint64_t>(cut)) -
      journal.ends.begin();
  const auto& records = recovered->state.records;
  ASSERT_EQ(records.size(), expected)
      << "cut " << cut << " of " << journal.file.size() << " " << seed_note(seed);
  for (std::size_t i = 0; i < expected; ++i) {
    ASSERT_EQ(records[i].sequence, i + 1);
    ASSERT_EQ(records[i].payload, journal.payloads[i]) << "record " << i << " cut " << cut << seed_note(seed);
  }
  ASSERT_EQ(reporter.count(), 0u) << "cut " << cut << ": " << reporter.summary() << " " << seed_note(seed);
  const std::uint64_t valid_end = cut < kFileHeaderBytes ? 0
                                  : expected == 0        ? kFileHeaderBytes
                                                         : journal.ends[expected - 1];
  ASSERT_EQ(recovered->valid_end, valid_end) << "cut " << cut << " " << seed_note(seed);
}

TEST(JournalCrash, TruncationAtEveryByteRecoversExactlyTheLongestValidPrefix) {
  for (std::uint64_t seed : property_seeds(1)) {
    Rng rng(seed);
    for (std::size_t count = 1; count <= 64; ++count) {
      const WrittenJournal journal = mixed_journal(rng, count, small_options());
      for (std::size_t cut = 0; cut <= journal.file.size(); ++cut) {
        expect_longest_prefix(journal, cut, seed);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

TEST(JournalCrash, TruncationAtEveryByteWithTheDefaultBlockSize) {
  // 32 KiB blocks: records cross the first two block boundaries, one of them a record of
  // several blocks.
  Rng rng(0x5eed);
  std::vector<Bytes> payloads;
  for (std::size_t size : {100u, 32000u, 700u, 5u, 70000u, 0u, 300u})
    payloads.push_back(testing::random_bytes(rng, size));
  JournalOptions options;
  const WrittenJournal journal = testing::write_journal(payloads, options);
  ASSERT_GT(journal.file.size(), 3u * kDefaultBlockBytes);
  for (std::size_t cut = 0; cut <= journal.file.size(); ++cut) {
    expect_longest_prefix(journal, cut, 0x5eed);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(JournalCrash, ReopenAfterTruncationAtEveryByteAppendsAfterThePrefix) {
  for (std::uint64_t seed : property_seeds(2)) {
    Rng rng(seed);
    const WrittenJournal journal = mixed_journal(rng, 24, small_options());
    for (std::size_t cut = 0; cut <= journal.file.size(); ++cut) {
      MemoryStorage storage;
      storage.set_contents("j", ByteView(journal.file.data(), cut));
      CollectingReporter reporter;
      auto opened = open_journal(storage, "j", small_options(), reporter);
      ASSERT_TRUE(opened.ok()) << "cut " << cut << seed_note(seed);
      const std::size_t kept = opened->state.records.size();
      ASSERT_EQ(opened->writer.last_sequence(), kept);
      auto sequence = opened->writer.append(as_bytes("after the crash"));
      ASSERT_TRUE(sequence.ok());
      ASSERT_EQ(*sequence, kept + 1);
      ASSERT_TRUE(opened->writer.commit().ok());

      auto file = storage.open("j", OpenMode::kExisting);
      ASSERT_TRUE(file.ok());
      auto recovered = recover_journal(**file, reporter);
      ASSERT_TRUE(recovered.ok());
      ASSERT_EQ(recovered->state.records.size(), kept + 1) << "cut " << cut << seed_note(seed);
      EXPECT_EQ(as_chars(recovered->state.records.back().payload), "after the crash");
      ASSERT_EQ(reporter.count(), 0u) << "cut " << cut << ": " << reporter.summary() << seed_note(seed);
    }
  }
}

// Which records a reader returns after the header of `fragment_offset` (in record
// `damaged`) is corrupted: those before the damaged record, and those that start in a later
// block than the damaged header (the reader drops the rest of that block).
std::vector<std::size_t> expected_after_header_damage(const std::vector<ModelRecord>& layout,
                                                      std::size_t damaged, std::uint64_t fragment_offset,
                                                      std::uint32_t block_bytes) {
  std::vector<std::size_t> expected;
  const std::uint64_t next_block = (fragment_offset / block_bytes + 1) * block_bytes;
  for (std::size_t i = 0; i < layout.size(); ++i) {
    if (i < damaged || layout[i].start >= next_block) expected.push_back(i);
  }
  return expected;
}

TEST(JournalCrash, EveryHeaderBitFlipIsDetectedAndLaterBlocksStillRead) {
  for (std::uint64_t seed : property_seeds(2)) {
    Rng rng(seed);
    const WrittenJournal journal = mixed_journal(rng, 40, small_options());
    const auto layout = model_layout(testing::entry_sizes(journal), journal.block_bytes);
    Bytes file = journal.file;
    for (std::size_t damaged = 0; damaged < layout.size(); ++damaged) {
      for (const auto& fragment : layout[damaged].fragments) {
        const auto expected =
            expected_after_header_damage(layout, damaged, fragment.offset, journal.block_bytes);
        for (std::size_t bit = 0; bit < kRecordHeaderBytes * 8; ++bit) {
          const std::size_t byte = fragment.offset + bit / 8;
          file[byte] ^= static_cast<std::uint8_t>(1u << (bit % 8));
          CollectingReporter reporter;
          const auto read = testing::read_all(file, reporter);
          file[byte] ^= static_cast<std::uint8_t>(1u << (bit % 8));

          ASSERT_GE(reporter.count(), 1u) << "record " << damaged << " bit " << bit << seed_note(seed);
          bool reported_here = false;
          for (const auto& report : reporter.reports()) reported_here |= report.offset == fragment.offset;
          ASSERT_TRUE(reported_here) << reporter.summary() << seed_note(seed);
          ASSERT_EQ(read.records.size(), expected.size())
              << "record " << damaged << " fragment at " << fragment.offset << " bit " << bit
              << seed_note(seed);
          for (std::size_t i = 0; i < expected.size(); ++i) {
            ASSERT_EQ(read.records[i], journal.entries[expected[i]]) << seed_note(seed);
          }
        }
      }
    }
    EXPECT_EQ(file, journal.file);
  }
}

TEST(JournalCrash, PayloadBitFlipLosesOnlyItsRecord) {
  for (std::uint64_t seed : property_seeds(4)) {
    Rng rng(seed);
    const WrittenJournal journal = mixed_journal(rng, 40, small_options());
    const auto layout = model_layout(testing::entry_sizes(journal), journal.block_bytes);
    for (std::size_t damaged = 0; damaged < layout.size(); ++damaged) {
      std::vector<const testing::ModelFragment*> with_payload;
      for (const auto& fragment : layout[damaged].fragments) {
        if (fragment.length > 0) with_payload.push_back(&fragment);
      }
      if (with_payload.empty()) continue;  // an empty record has no payload bit to flip
      const auto* fragment = with_payload[rng.below(with_payload.size())];
      Bytes file = journal.file;
      const std::size_t byte = fragment->offset + kRecordHeaderBytes + rng.below(fragment->length);
      file[byte] ^= static_cast<std::uint8_t>(1u << rng.below(8));
      CollectingReporter reporter;
      const auto read = testing::read_all(file, reporter);
      ASSERT_GE(reporter.count(), 1u) << seed_note(seed);
      ASSERT_EQ(read.records.size(), layout.size() - 1) << "damaged " << damaged << seed_note(seed);
      for (std::size_t i = 0, j = 0; i < layout.size(); ++i) {
        if (i == damaged) continue;
        ASSERT_EQ(read.records[j++], journal.entries[i]) << seed_note(seed);
      }
    }
  }
}

// The appended history a crash test replays: every entry in order (including entries whose
// append failed when power was lost, as they may have reached the disk), and how many of
// them the last successful commit made durable.
struct Model {
  struct Op {
    bool is_ack = false;
    Sequence sequence = 0;  // data: its sequence; ack: the single acknowledged sequence
    bool unacknowledged = false;
    Bytes payload;
  };
  std::vector<Op> ops;
  std::size_t durable_ops = 0;

  // The smallest count >= durable_ops such that folding the first `count` ops gives
  // `recovered`, or nullopt.
  std::optional<std::size_t> surviving_prefix(const JournalState& recovered) const {
    JournalState state;
    std::map<Sequence, std::size_t> index;
    for (std::size_t count = 0;; ++count) {
      if (count >= durable_ops && state == recovered) return count;
      if (count == ops.size()) return std::nullopt;
      const Op& op = ops[count];
      if (op.is_ack) {
        auto found = index.find(op.sequence);
        if (found != index.end()) state.records[found->second].unacknowledged = false;
      } else {
        index[op.sequence] = state.records.size();
        state.records.push_back(DataRecord{op.sequence, op.unacknowledged, op.payload});
        state.last_sequence = op.sequence;
      }
    }
  }
};

TEST(JournalCrash, UnsyncedDataDroppedAtRandomPointsNeverLosesCommittedRecords) {
  for (std::uint64_t seed : property_seeds(40)) {
    Rng rng(seed);
    FaultyStorage::Options storage_options;
    storage_options.torn_writes = rng.chance(3, 4);
    FaultyStorage storage(rng, storage_options);
    JournalOptions options = small_options();
    options.buffer_bytes = 1 + rng.below(600);  // hand bytes to storage at varied points
    Model model;
    for (int cycle = 0; cycle < 8; ++cycle) {
      CollectingReporter reporter;
      auto opened = open_journal(storage, "journal", options, reporter);
      ASSERT_TRUE(opened.ok()) << opened.error().message << seed_note(seed);
      // What survived must be the fold of a prefix of the history that covers everything
      // committed; later ops are gone for good and the history continues from there.
      const std::optional<std::size_t> survived = model.surviving_prefix(opened->state);
      ASSERT_TRUE(survived.has_value())
          << "cycle " << cycle << ": recovered " << opened->state.records.size() << " records, durable ops "
          << model.durable_ops << " of " << model.ops.size() << seed_note(seed);
      ASSERT_EQ(reporter.count(), 0u) << reporter.summary() << seed_note(seed);
      model.ops.resize(*survived);
      model.durable_ops = *survived;
      JournalWriter& writer = opened->writer;
      ASSERT_EQ(writer.durable_sequence(), writer.last_sequence());

      // Power fails at a random mutating operation of this cycle (or between operations).
      const bool crash_mid_operation = rng.chance(2, 3);
      if (crash_mid_operation) storage.crash_at_operation(rng.below(60));
      const std::size_t steps = 1 + rng.below(50);
      for (std::size_t step = 0; step < steps && !storage.halted(); ++step) {
        const auto choice = rng.below(10);
        if (choice < 6) {
          const std::size_t max_payload =
              options.max_record_bytes - data_entry_bytes(writer.last_sequence() + 1, 0);
          Bytes payload = testing::random_bytes(rng, testing::mixed_payload_size(rng, 256, max_payload));
          const bool unacknowledged = rng.chance(1, 3);
          const Sequence next = writer.last_sequence() + 1;
          auto sequence =
              writer.append(payload, unacknowledged ? AckState::kUnacknowledged : AckState::kAcknowledged);
          // A failed append lost power while handing the buffer over: it may be on disk.
          model.ops.push_back({false, next, unacknowledged, std::move(payload)});
          if (!sequence.ok()) break;
          ASSERT_EQ(*sequence, next);
        } else if (choice < 7 && writer.last_sequence() > 0) {
          const Sequence target = 1 + rng.below(writer.last_sequence());
          const Status acknowledged = writer.acknowledge(target, target);
          model.ops.push_back({true, target, false, {}});
          if (!acknowledged.ok()) break;
        } else {
          const Sequence before = writer.durable_sequence();
          auto committed = writer.commit();
          if (!committed.ok()) {
            // A failed commit claims nothing.
            ASSERT_EQ(writer.durable_sequence(), before) << seed_note(seed);
            break;
          }
          ASSERT_EQ(*committed, writer.last_sequence());
          model.durable_ops = model.ops.size();
        }
      }
      storage.crash();
    }
  }
}

TEST(JournalCrash, FailedStorageOperationStopsTheWriterAndReopenRecovers) {
  for (std::uint64_t seed : property_seeds(20)) {
    Rng rng(seed);
    FaultyStorage storage(rng);
    CollectingReporter reporter;
    JournalOptions options = small_options();
    options.buffer_bytes = 128;
    auto opened = open_journal(storage, "journal", options, reporter);
    ASSERT_TRUE(opened.ok());
    JournalWriter& writer = opened->writer;
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(writer.append(testing::random_bytes(rng, 40)).ok());
    ASSERT_EQ(*writer.commit(), 5u);
    storage.fail_operation(rng.below(4));
    bool failed = false;
    for (int i = 0; i < 12 && !failed; ++i) {
      failed = !writer.append(testing::random_bytes(rng, 60)).ok() || (i % 3 == 2 && !writer.commit().ok());
    }
    ASSERT_TRUE(failed) << seed_note(seed);
    // Sticky: the writer does not know what reached the file.
    EXPECT_FALSE(writer.append(as_bytes("x")).ok());
    auto commit = writer.commit();
    ASSERT_FALSE(commit.ok());
    EXPECT_EQ(commit.error().code, Errc::kIo);
    EXPECT_GE(writer.durable_sequence(), 5u);

    auto reopened = open_journal(storage, "journal", options, reporter);
    ASSERT_TRUE(reopened.ok());
    ASSERT_GE(reopened->state.records.size(), 5u) << seed_note(seed);
    ASSERT_TRUE(reopened->writer.append(as_bytes("again")).ok());
    EXPECT_EQ(reporter.count(), 0u) << reporter.summary();
  }
}

}  // namespace
}  // namespace ff::journal
