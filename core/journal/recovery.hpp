// Recovery: reads a whole journal file and folds its entries into the state a node restarts
// from (docs/journal-format.md section 6, "Recovery").
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "core/journal/entry.hpp"
#include "core/journal/journal_reader.hpp"
#include "core/journal/reporter.hpp"
#include "core/journal/storage.hpp"
#include "core/result.hpp"

namespace ff::journal {

struct DataRecord {
  Sequence sequence = 0;
  bool unacknowledged = false;
  Bytes payload;
};
bool operator==(const DataRecord& a, const DataRecord& b);

struct Snapshot {
  Sequence sequence = 0;  // the state includes every data record with sequence <= this
  Bytes state;
};
bool operator==(const Snapshot& a, const Snapshot& b);

struct JournalState {
  // The latest snapshot, if the journal holds one.
  std::optional<Snapshot> snapshot;
  // Every data record the journal still holds, in ascending sequence order, with its
  // current acknowledgement state: those not covered by the snapshot (replay them on top
  // of it) and those covered but still unacknowledged (do not replay; re-send them).
  std::vector<DataRecord> records;
  // The highest sequence number the journal has seen (in a data record or a snapshot);
  // the next append gets last_sequence + 1.
  Sequence last_sequence = 0;

  Sequence snapshot_sequence() const { return snapshot ? snapshot->sequence : 0; }
  bool covered(const DataRecord& record) const { return record.sequence <= snapshot_sequence(); }
  // Sequence numbers of the records still unacknowledged, ascending.
  std::vector<Sequence> unacknowledged() const;
};
bool operator==(const JournalState& a, const JournalState& b);

struct Recovered {
  JournalState state;
  bool has_header = false;        // false: the file was empty or held only a torn header
  std::uint32_t block_bytes = 0;  // from the header
  std::uint64_t valid_end = 0;    // see JournalReader::valid_end
  std::uint64_t file_bytes = 0;   // size of the file read
};

// Reads `file` to its end. Corruption, and entries that fail to decode or break the
// format's rules, go to `reporter` and are skipped. Errors: as JournalReader::open, and kIo.
Result<Recovered> recover_journal(StorageFile& file, Reporter& reporter, ReaderOptions options = {});

}  // namespace ff::journal
