// SimJournal: one simulated node's journal, for the mesh simulator (docs/simulator.md).
//
// It is the real journal (JournalWriter and recovery, docs/journal-format.md) over
// FaultyStorage, so a simulated crash loses exactly what a power cut would: every record
// appended since the last sync (or a torn prefix of it), never a synced one. Each fabric
// Persist effect becomes one data record; a sync() is the simulated fsync, after which the
// runtime tells the node which tickets are durable.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/journal/faulty_storage.hpp"
#include "core/journal/journal_writer.hpp"
#include "core/journal/reporter.hpp"
#include "core/result.hpp"
#include "core/rng.hpp"

namespace ff::sim {

class SimJournal {
 public:
  // `seed` drives the storage's torn-write choices, so a seed replays a crash exactly.
  explicit SimJournal(std::uint64_t seed);
  SimJournal(const SimJournal&) = delete;
  SimJournal& operator=(const SimJournal&) = delete;

  // Opens the journal (recovering it after a crash, creating it the first time) and returns
  // the payload of every record it holds, in order: what the node restore()s.
  Result<std::vector<Bytes>> open();
  bool is_open() const { return writer_.has_value(); }

  // Appends the record of Persist `ticket` (tickets increase). Not durable until sync().
  Status append(std::uint64_t ticket, ByteView record);
  bool has_unsynced() const { return !unsynced_.empty(); }
  // The simulated fsync: makes every appended record durable and returns the highest
  // ticket that now is (nullopt when nothing was waiting).
  Result<std::optional<std::uint64_t>> sync();

  // Power loss: the writer (and its buffer) is gone, unsynced bytes are dropped or torn.
  // open() must be called again before the next append.
  void crash();

  std::uint64_t records_appended() const { return records_appended_; }
  // Corruption the journal reader reported while recovering (a torn tail is not corruption).
  std::uint64_t corruption_reports() const { return reporter_.count(); }

 private:
  Rng rng_;
  journal::FaultyStorage storage_;
  journal::CollectingReporter reporter_;
  std::optional<journal::JournalWriter> writer_;
  // (journal sequence, Persist ticket) of records appended but not yet synced.
  std::deque<std::pair<journal::Sequence, std::uint64_t>> unsynced_;
  std::uint64_t records_appended_ = 0;
};

}  // namespace ff::sim
