// Compaction (docs/journal-format.md section 8): what it keeps, and that a crash or a
// failure at any step leaves the old or the new journal, complete.
#include <gtest/gtest.h>

#include <cstdint>
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

JournalOptions small_blocks() {
  JournalOptions options;
  options.block_shift = 8;
  options.buffer_bytes = 200;
  return options;
}

// Appends a random history: data records (a third unacknowledged), acknowledgements of
// random ranges, and sometimes an earlier compaction.
void fill(JournalWriter& writer, Rng& rng, std::size_t records) {
  for (std::size_t i = 0; i < records; ++i) {
    const auto ack = rng.chance(1, 3) ? AckState::kUnacknowledged : AckState::kAcknowledged;
    ASSERT_TRUE(writer.append(testing::random_bytes(rng, rng.below(400)), ack).ok());
    if (rng.chance(1, 6)) {
      const Sequence last = 1 + rng.below(writer.last_sequence());
      const Sequence first = 1 + rng.below(last);
      ASSERT_TRUE(writer.acknowledge(first, last).ok());
    }
  }
  ASSERT_TRUE(writer.commit().ok());
}

// What compact(sequence, state) must leave, computed from the state before it.
JournalState compacted(const JournalState& before, Sequence sequence, const Bytes& state) {
  JournalState after;
  after.snapshot = Snapshot{sequence, state};
  after.last_sequence = before.last_sequence;
  for (const DataRecord& record : before.records) {
    if (record.sequence > sequence || record.unacknowledged) after.records.push_back(record);
  }
  return after;
}

JournalState read_state(Storage& storage, const char* name, CollectingReporter& reporter) {
  auto file = storage.open(name, OpenMode::kExisting);
  EXPECT_TRUE(file.ok());
  if (!file.ok()) return {};
  auto recovered = recover_journal(**file, reporter);
  EXPECT_TRUE(recovered.ok());
  return recovered.ok() ? recovered->state : JournalState{};
}

TEST(JournalCompaction, KeepsTheSnapshotLaterRecordsAndEveryUnacknowledgedRecord) {
  MemoryStorage storage;
  CollectingReporter reporter;
  auto opened = open_journal(storage, "j", small_blocks(), reporter);
  ASSERT_TRUE(opened.ok());
  JournalWriter& writer = opened->writer;
  ASSERT_TRUE(writer.append(as_bytes("1 acked")).ok());
  ASSERT_TRUE(writer.append(as_bytes("2 unacked"), AckState::kUnacknowledged).ok());
  ASSERT_TRUE(writer.append(as_bytes("3 unacked then acked"), AckState::kUnacknowledged).ok());
  ASSERT_TRUE(writer.append(as_bytes("4 after the snapshot")).ok());
  ASSERT_TRUE(writer.acknowledge(3, 3).ok());
  const std::uint64_t size_before = writer.file_bytes();
  ASSERT_TRUE(writer.compact(3, as_bytes("state through 3"), reporter).ok());
  EXPECT_LT(writer.file_bytes(), size_before);
  EXPECT_EQ(writer.compacted_bytes(), writer.file_bytes());
  EXPECT_EQ(writer.snapshot_sequence(), 3u);

  const JournalState state = read_state(storage, "j", reporter);
  ASSERT_TRUE(state.snapshot.has_value());
  EXPECT_EQ(state.snapshot->sequence, 3u);
  EXPECT_EQ(as_chars(state.snapshot->state), "state through 3");
  ASSERT_EQ(state.records.size(), 2u);
  EXPECT_EQ(as_chars(state.records[0].payload), "2 unacked");
  EXPECT_TRUE(state.records[0].unacknowledged);
  EXPECT_EQ(as_chars(state.records[1].payload), "4 after the snapshot");
  EXPECT_EQ(state.last_sequence, 4u);
  EXPECT_FALSE(*storage.exists("j.compact"));

  // The writer carries on in the new file.
  ASSERT_EQ(*writer.append(as_bytes("5")), 5u);
  ASSERT_TRUE(writer.commit().ok());
  EXPECT_EQ(read_state(storage, "j", reporter).records.size(), 3u);
  EXPECT_EQ(reporter.count(), 0u) << reporter.summary();
}

TEST(JournalCompaction, NeverDropsAnUnacknowledgedRecord) {
  for (std::uint64_t seed : property_seeds(30)) {
    Rng rng(seed);
    MemoryStorage storage;
    CollectingReporter reporter;
    auto opened = open_journal(storage, "j", small_blocks(), reporter);
    ASSERT_TRUE(opened.ok());
    JournalWriter& writer = opened->writer;
    for (int round = 0; round < 4; ++round) {
      fill(writer, rng, 5 + rng.below(20));
      if (::testing::Test::HasFatalFailure()) return;
      const JournalState before = read_state(storage, "j", reporter);
      const Sequence sequence =
          writer.snapshot_sequence() + rng.below(writer.last_sequence() - writer.snapshot_sequence() + 1);
      const Bytes state = testing::random_bytes(rng, rng.below(300));
      ASSERT_TRUE(writer.compact(sequence, state, reporter).ok()) << seed_note(seed);
      const JournalState after = read_state(storage, "j", reporter);
      ASSERT_EQ(after, compacted(before, sequence, state)) << seed_note(seed);
      // The direct statement of the rule.
      for (const DataRecord& record : before.records) {
        if (!record.unacknowledged) continue;
        bool kept = false;
        for (const DataRecord& survivor : after.records) kept |= survivor == record;
        ASSERT_TRUE(kept) << "unacknowledged record " << record.sequence << " dropped" << seed_note(seed);
      }
    }
    EXPECT_EQ(reporter.count(), 0u) << reporter.summary();
  }
}

TEST(JournalCompaction, RejectsASnapshotOutsideTheJournalsRange) {
  MemoryStorage storage;
  CollectingReporter reporter;
  auto opened = open_journal(storage, "j", JournalOptions{}, reporter);
  ASSERT_TRUE(opened.ok());
  JournalWriter& writer = opened->writer;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(writer.append(as_bytes("x")).ok());
  EXPECT_EQ(writer.compact(6, as_bytes("future"), reporter).error().code, Errc::kInvalidInput);
  ASSERT_TRUE(writer.compact(4, as_bytes("s4"), reporter).ok());
  EXPECT_EQ(writer.compact(3, as_bytes("older"), reporter).error().code, Errc::kInvalidInput);
  EXPECT_TRUE(writer.compact(4, as_bytes("same point, new state"), reporter).ok());
}

TEST(JournalCompaction, SnapshotLargerThanTheRecordBoundIsRejectedAndTheJournalKept) {
  MemoryStorage storage;
  CollectingReporter reporter;
  JournalOptions options;
  options.max_record_bytes = 100;
  auto opened = open_journal(storage, "j", options, reporter);
  ASSERT_TRUE(opened.ok());
  ASSERT_TRUE(opened->writer.append(as_bytes("x")).ok());
  const Bytes before = *storage.contents("j");
  auto status = opened->writer.compact(1, Bytes(200, 1), reporter);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kLimitExceeded);
  EXPECT_TRUE(opened->writer.append(as_bytes("still usable")).ok());
}

TEST(JournalCompaction, LeftoverCompactionFileIsRemovedOnOpen) {
  MemoryStorage storage;
  CollectingReporter reporter;
  { ASSERT_TRUE(open_journal(storage, "j", JournalOptions{}, reporter).ok()); }
  storage.set_contents("j.compact", to_bytes("half-written new journal"));
  auto opened = open_journal(storage, "j", JournalOptions{}, reporter);
  ASSERT_TRUE(opened.ok());
  EXPECT_FALSE(*storage.exists("j.compact"));
}

// Sets up the same journal in a fresh FaultyStorage each time (the content comes from its
// own rng, so it does not depend on the fault rng).
struct CompactionScenario {
  JournalState before;
  Sequence sequence = 0;
  Bytes state;
};

CompactionScenario prepare(FaultyStorage& storage, JournalWriter& writer, std::uint64_t seed) {
  Rng content(seed);
  fill(writer, content, 20 + content.below(20));
  if (content.chance(1, 2)) {
    CollectingReporter reporter;
    EXPECT_TRUE(
        writer.compact(content.below(writer.last_sequence()), testing::random_bytes(content, 50), reporter)
            .ok());
    fill(writer, content, 5 + content.below(10));
  }
  CompactionScenario scenario;
  CollectingReporter reporter;
  scenario.before = read_state(storage, "j", reporter);
  scenario.sequence =
      writer.snapshot_sequence() + content.below(writer.last_sequence() - writer.snapshot_sequence() + 1);
  scenario.state = testing::random_bytes(content, content.below(600));
  return scenario;
}

TEST(JournalCompaction, CrashAtEveryStepLeavesTheOldOrTheNewJournal) {
  // Both outcomes must occur over the seeds: only a crash during the final replace can
  // leave the new journal, and the rng decides whether that replace happened.
  bool saw_old = false;
  bool saw_new = false;
  for (std::uint64_t seed : property_seeds(6)) {
    for (std::uint64_t step = 0;; ++step) {
      ASSERT_LT(step, 10000u) << "compaction never finished";
      Rng faults(seed * 7919 + step);
      FaultyStorage storage(faults);
      CollectingReporter reporter;
      auto opened = open_journal(storage, "j", small_blocks(), reporter);
      ASSERT_TRUE(opened.ok());
      const CompactionScenario scenario = prepare(storage, opened->writer, seed);
      if (::testing::Test::HasFatalFailure()) return;
      const JournalState after = compacted(scenario.before, scenario.sequence, scenario.state);

      storage.crash_at_operation(step);
      const Status status = opened->writer.compact(scenario.sequence, scenario.state, reporter);
      if (!storage.halted()) {
        // The crash point lies beyond the last operation of compaction: it completed.
        ASSERT_TRUE(status.ok()) << status.error().message;
        ASSERT_EQ(read_state(storage, "j", reporter), after) << seed_note(seed);
        break;
      }
      ASSERT_FALSE(status.ok());
      storage.crash();

      auto reopened = open_journal(storage, "j", small_blocks(), reporter);
      ASSERT_TRUE(reopened.ok()) << "step " << step << seed_note(seed);
      const bool is_old = reopened->state == scenario.before;
      const bool is_new = reopened->state == after;
      ASSERT_TRUE(is_old || is_new) << "step " << step << ": neither the old nor the new journal"
                                    << seed_note(seed);
      saw_old |= is_old;
      saw_new |= is_new;
      ASSERT_EQ(reporter.count(), 0u) << "step " << step << ": " << reporter.summary() << seed_note(seed);
      EXPECT_FALSE(*storage.exists("j.compact"));
      // And the journal takes new records after the crash.
      auto sequence = reopened->writer.append(as_bytes("after"));
      ASSERT_TRUE(sequence.ok());
      EXPECT_EQ(*sequence, scenario.before.last_sequence + 1);
      ASSERT_TRUE(reopened->writer.commit().ok());
    }
  }
  EXPECT_TRUE(saw_old);
  EXPECT_TRUE(saw_new);
}

TEST(JournalCompaction, FailureAtEveryStepLeavesAUsableJournal) {
  for (std::uint64_t seed : property_seeds(4)) {
    for (std::uint64_t step = 0;; ++step) {
      ASSERT_LT(step, 10000u) << "compaction never finished";
      Rng faults(seed + step);
      FaultyStorage storage(faults);
      CollectingReporter reporter;
      auto opened = open_journal(storage, "j", small_blocks(), reporter);
      ASSERT_TRUE(opened.ok());
      JournalWriter& writer = opened->writer;
      const CompactionScenario scenario = prepare(storage, writer, seed);
      if (::testing::Test::HasFatalFailure()) return;
      const JournalState after = compacted(scenario.before, scenario.sequence, scenario.state);

      const std::uint64_t operations = storage.mutating_operations();
      storage.fail_operation(step);
      const Status status = writer.compact(scenario.sequence, scenario.state, reporter);
      if (status.ok()) {
        ASSERT_LE(storage.mutating_operations() - operations, step) << "an injected failure went unnoticed";
        ASSERT_EQ(read_state(storage, "j", reporter), after);
        break;
      }
      // A failed operation had no effect, so the old journal is still the journal; the
      // writer either carries on with it or asks to be reopened.
      ASSERT_EQ(read_state(storage, "j", reporter), scenario.before) << "step " << step << seed_note(seed);
      if (writer.append(as_bytes("after")).ok()) {
        ASSERT_TRUE(writer.commit().ok());
        EXPECT_EQ(read_state(storage, "j", reporter).records.back().sequence,
                  scenario.before.last_sequence + 1);
      } else {
        auto reopened = open_journal(storage, "j", small_blocks(), reporter);
        ASSERT_TRUE(reopened.ok());
        EXPECT_EQ(reopened->state, scenario.before);
      }
      EXPECT_EQ(reporter.count(), 0u) << reporter.summary();
    }
  }
}

}  // namespace
}  // namespace ff::journal
