#include "core/journal/recovery.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/journal/format.hpp"
#include "tests/core/journal/journal_test_support.hpp"

namespace ff::journal {
namespace {

// A journal file built from raw entries, each one FULL fragment, bypassing the writer's
// checks so recovery can be shown entries a writer would never produce.
class EntryJournal {
 public:
  void add(Bytes entry) { records_.push_back(std::move(entry)); }

  Recovered recover(CollectingReporter& reporter) const {
    const auto header = encode_file_header(kDefaultBlockShift);
    Bytes file(header.begin(), header.end());
    for (const Bytes& record : records_) {
      std::uint8_t fragment_header[kRecordHeaderBytes];
      encode_fragment_header(FragmentType::kFull, record, fragment_header);
      file.insert(file.end(), fragment_header, fragment_header + kRecordHeaderBytes);
      file.insert(file.end(), record.begin(), record.end());
    }
    EXPECT_LT(file.size(), kDefaultBlockBytes);  // one block, so FULL fragments are the layout
    testing::ViewFile view(file, file.size());
    auto recovered = recover_journal(view, reporter);
    EXPECT_TRUE(recovered.ok());
    return recovered.ok() ? std::move(recovered).value() : Recovered{};
  }

 private:
  std::vector<Bytes> records_;
};

Bytes data(Sequence sequence, bool unacknowledged, std::string_view payload) {
  Bytes out;
  encode_data_entry(sequence, unacknowledged, as_bytes(payload), out);
  return out;
}

Bytes ack(std::vector<SequenceRange> ranges) {
  Bytes out;
  encode_ack_entry(ranges, out);
  return out;
}

Bytes snapshot(Sequence sequence, std::string_view state) {
  Bytes out;
  encode_snapshot_entry(sequence, as_bytes(state), out);
  return out;
}

TEST(JournalRecovery, StateIsTheLatestSnapshotPlusTheRecordsAfterIt) {
  EntryJournal journal;
  journal.add(data(1, false, "a"));
  journal.add(data(2, false, "b"));
  journal.add(snapshot(1, "state@1"));
  journal.add(data(3, false, "c"));
  journal.add(snapshot(2, "state@2"));
  journal.add(data(4, false, "d"));
  CollectingReporter reporter;
  const Recovered recovered = journal.recover(reporter);
  EXPECT_EQ(reporter.count(), 0u) << reporter.summary();
  ASSERT_TRUE(recovered.state.snapshot.has_value());
  EXPECT_EQ(recovered.state.snapshot->sequence, 2u);
  EXPECT_EQ(as_chars(recovered.state.snapshot->state), "state@2");
  ASSERT_EQ(recovered.state.records.size(), 2u);
  EXPECT_EQ(recovered.state.records[0].sequence, 3u);
  EXPECT_EQ(recovered.state.records[1].sequence, 4u);
  EXPECT_EQ(recovered.state.last_sequence, 4u);
}

TEST(JournalRecovery, UnacknowledgedRecordsCoveredBySnapshotAreKeptUntilAcknowledged) {
  EntryJournal journal;
  journal.add(data(1, true, "unacked"));
  journal.add(data(2, false, "acked"));
  journal.add(data(3, true, "unacked too"));
  journal.add(snapshot(3, "state@3"));
  CollectingReporter reporter;
  Recovered recovered = journal.recover(reporter);
  ASSERT_EQ(recovered.state.records.size(), 2u);
  EXPECT_EQ(recovered.state.unacknowledged(), (std::vector<Sequence>{1, 3}));
  EXPECT_TRUE(recovered.state.covered(recovered.state.records[0]));

  journal.add(ack({{3, 3}}));
  recovered = journal.recover(reporter);
  EXPECT_EQ(recovered.state.unacknowledged(), (std::vector<Sequence>{1}));
  ASSERT_EQ(recovered.state.records.size(), 1u);  // 3 is covered and acknowledged now
  EXPECT_EQ(reporter.count(), 0u) << reporter.summary();
}

TEST(JournalRecovery, AckClearsTheFlagOfRecordsAfterTheSnapshot) {
  EntryJournal journal;
  journal.add(data(1, true, "a"));
  journal.add(data(2, true, "b"));
  journal.add(data(3, true, "c"));
  journal.add(ack({{1, 2}, {9, 20}}));  // acks for unknown sequences are harmless
  CollectingReporter reporter;
  const Recovered recovered = journal.recover(reporter);
  ASSERT_EQ(recovered.state.records.size(), 3u);
  EXPECT_FALSE(recovered.state.records[0].unacknowledged);
  EXPECT_FALSE(recovered.state.records[1].unacknowledged);
  EXPECT_TRUE(recovered.state.records[2].unacknowledged);
  EXPECT_EQ(reporter.count(), 0u);
}

TEST(JournalRecovery, SnapshotCoveringMoreThanTheRecordsSetsTheLastSequence) {
  EntryJournal journal;
  journal.add(snapshot(40, "compacted"));
  CollectingReporter reporter;
  const Recovered recovered = journal.recover(reporter);
  EXPECT_TRUE(recovered.state.records.empty());
  EXPECT_EQ(recovered.state.last_sequence, 40u);
}

TEST(JournalRecovery, SequenceGoingBackwardsIsReportedAndSkipped) {
  EntryJournal journal;
  journal.add(data(1, false, "a"));
  journal.add(data(2, false, "b"));
  journal.add(data(2, false, "again"));
  journal.add(data(3, false, "c"));
  CollectingReporter reporter;
  const Recovered recovered = journal.recover(reporter);
  ASSERT_EQ(recovered.state.records.size(), 3u);
  EXPECT_EQ(as_chars(recovered.state.records[1].payload), "b");
  EXPECT_EQ(reporter.count(), 1u);
}

TEST(JournalRecovery, OlderSnapshotAfterANewerOneIsReportedAndIgnored) {
  EntryJournal journal;
  journal.add(data(1, false, "a"));
  journal.add(data(2, false, "b"));
  journal.add(snapshot(2, "new"));
  journal.add(snapshot(1, "old"));
  CollectingReporter reporter;
  const Recovered recovered = journal.recover(reporter);
  EXPECT_EQ(recovered.state.snapshot->sequence, 2u);
  EXPECT_EQ(reporter.count(), 1u);
}

TEST(JournalRecovery, UndecodableEntryIsReportedAndSkipped) {
  EntryJournal journal;
  journal.add(data(1, false, "a"));
  journal.add(Bytes{0x07, 0x01});        // unknown kind, checksums fine
  journal.add(Bytes{0x01, 0x02, 0x80});  // reserved flag
  journal.add(data(2, false, "b"));
  CollectingReporter reporter;
  const Recovered recovered = journal.recover(reporter);
  EXPECT_EQ(recovered.state.records.size(), 2u);
  EXPECT_EQ(reporter.count(), 2u) << reporter.summary();
  EXPECT_NE(reporter.reports()[0].reason.find("unknown entry kind 7"), std::string::npos);
}

}  // namespace
}  // namespace ff::journal
