#include "core/sim/sim_journal.hpp"

#include <string>

namespace ff::sim {

namespace {
constexpr const char* kJournalName = "fabric.journal";
}  // namespace

SimJournal::SimJournal(std::uint64_t seed)
    : rng_(seed), storage_(rng_, journal::FaultyStorage::Options{/*torn_writes=*/true}) {}

Result<std::vector<Bytes>> SimJournal::open() {
  writer_.reset();
  unsynced_.clear();
  FF_TRY_ASSIGN(journal::OpenedJournal opened,
                journal::open_journal(storage_, kJournalName, journal::JournalOptions{}, reporter_));
  std::vector<Bytes> records;
  records.reserve(opened.state.records.size());
  // The simulator never writes journal snapshots (FabricNode compacts with its own Snapshot
  // record), so every data record is a record the node wrote, to be replayed in order.
  for (journal::DataRecord& record : opened.state.records) records.push_back(std::move(record.payload));
  writer_.emplace(std::move(opened.writer));
  return records;
}

Status SimJournal::append(std::uint64_t ticket, ByteView record) {
  if (!writer_) return make_error(Errc::kIo, "sim journal: append while closed (node crashed)");
  FF_TRY_ASSIGN(const journal::Sequence sequence, writer_->append(record));
  unsynced_.emplace_back(sequence, ticket);
  ++records_appended_;
  return {};
}

Result<std::optional<std::uint64_t>> SimJournal::sync() {
  if (!writer_) return make_error(Errc::kIo, "sim journal: sync while closed (node crashed)");
  if (unsynced_.empty()) return std::optional<std::uint64_t>{};
  FF_TRY_ASSIGN(const journal::Sequence durable, writer_->commit());
  std::optional<std::uint64_t> ticket;
  while (!unsynced_.empty() && unsynced_.front().first <= durable) {
    ticket = unsynced_.front().second;
    unsynced_.pop_front();
  }
  return ticket;
}

void SimJournal::crash() {
  writer_.reset();
  unsynced_.clear();
  storage_.crash();
}

}  // namespace ff::sim
