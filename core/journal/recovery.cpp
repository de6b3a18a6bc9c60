#include "core/journal/recovery.hpp"

#include <algorithm>
#include <string>
#include <variant>

namespace ff::journal {

bool operator==(const DataRecord& a, const DataRecord& b) {
  return a.sequence == b.sequence && a.unacknowledged == b.unacknowledged && a.payload == b.payload;
}

bool operator==(const Snapshot& a, const Snapshot& b) {
  return a.sequence == b.sequence && a.state == b.state;
}

bool operator==(const JournalState& a, const JournalState& b) {
  return a.snapshot == b.snapshot && a.records == b.records && a.last_sequence == b.last_sequence;
}

std::vector<Sequence> JournalState::unacknowledged() const {
  std::vector<Sequence> sequences;
  for (const DataRecord& record : records) {
    if (record.unacknowledged) sequences.push_back(record.sequence);
  }
  return sequences;
}

namespace {

// Folds entries in file order. Data sequence numbers strictly increase within a file, so
// the live records form a vector sorted by sequence: appends go at the end and an ACK range
// is found by binary search. Records covered by the snapshot are marked removed as soon as
// they are acknowledged (and skipped when the state is built), so memory holds little more
// than the result will.
class StateBuilder {
 public:
  explicit StateBuilder(Reporter& reporter) : reporter_(reporter) {}

  void add(const RecordView& record) {
    auto entry = decode_entry(record.bytes);
    if (!entry) {
      reject(record, entry.error().message);
      return;
    }
    if (const auto* data = std::get_if<DataEntry>(&*entry)) {
      add_data(record, *data);
    } else if (const auto* ack = std::get_if<AckEntry>(&*entry)) {
      add_ack(*ack);
    } else {
      add_snapshot(record, std::get<SnapshotEntry>(*entry));
    }
  }

  JournalState finish() && {
    JournalState state;
    state.snapshot = std::move(snapshot_);
    state.last_sequence = last_sequence_;
    state.records.reserve(live_.size() - removed_);
    for (Live& live : live_) {
      if (!live.removed) state.records.push_back(std::move(live.record));
    }
    return state;
  }

 private:
  struct Live {
    DataRecord record;
    bool removed = false;
  };

  Sequence snapshot_sequence() const { return snapshot_ ? snapshot_->sequence : 0; }

  void reject(const RecordView& record, const std::string& why) {
    reporter_.corruption(record.offset, record.end_offset - record.offset, "bad journal entry: " + why);
  }

  void add_data(const RecordView& record, const DataEntry& data) {
    if (data.sequence <= last_data_sequence_) {
      reject(record, "data sequence " + std::to_string(data.sequence) + " does not follow " +
                         std::to_string(last_data_sequence_));
      return;
    }
    last_data_sequence_ = data.sequence;
    if (data.sequence > last_sequence_) last_sequence_ = data.sequence;
    if (data.sequence <= snapshot_sequence() && !data.unacknowledged) return;  // already in the snapshot
    live_.push_back(Live{
        DataRecord{data.sequence, data.unacknowledged, Bytes(data.payload.begin(), data.payload.end())}});
  }

  void add_ack(const AckEntry& ack) {
    for (const SequenceRange& range : ack.ranges) {
      auto it = std::lower_bound(
          live_.begin(), live_.end(), range.first,
          [](const Live& live, Sequence sequence) { return live.record.sequence < sequence; });
      for (; it != live_.end() && it->record.sequence <= range.last; ++it) {
        if (it->removed) continue;
        it->record.unacknowledged = false;
        if (it->record.sequence <= snapshot_sequence()) {
          it->removed = true;
          ++removed_;
        }
      }
    }
  }

  void add_snapshot(const RecordView& record, const SnapshotEntry& entry) {
    if (snapshot_ && entry.sequence < snapshot_->sequence) {
      reject(record,
             "snapshot at sequence " + std::to_string(entry.sequence) + " is older than the one before it");
      return;
    }
    snapshot_ = Snapshot{entry.sequence, Bytes(entry.state.begin(), entry.state.end())};
    if (entry.sequence > last_sequence_) last_sequence_ = entry.sequence;
    // Snapshots are rare (usually one, first in the file): compacting the vector is fine.
    std::vector<Live> kept;
    kept.reserve(live_.size());
    for (Live& live : live_) {
      if (live.removed || (live.record.sequence <= entry.sequence && !live.record.unacknowledged)) continue;
      kept.push_back(std::move(live));
    }
    live_ = std::move(kept);
    removed_ = 0;
  }

  Reporter& reporter_;
  std::optional<Snapshot> snapshot_;
  std::vector<Live> live_;  // ascending sequence
  std::size_t removed_ = 0;
  Sequence last_data_sequence_ = 0;
  Sequence last_sequence_ = 0;
};

}  // namespace

Result<Recovered> recover_journal(StorageFile& file, Reporter& reporter, ReaderOptions options) {
  FF_TRY_ASSIGN(JournalReader reader, JournalReader::open(file, reporter, options));
  StateBuilder builder(reporter);
  while (true) {
    FF_TRY_ASSIGN(const std::optional<RecordView> record, reader.next());
    if (!record) break;
    builder.add(*record);
  }
  Recovered recovered;
  recovered.state = std::move(builder).finish();
  recovered.has_header = reader.has_header();
  recovered.block_bytes = reader.block_bytes();
  recovered.valid_end = reader.valid_end();
  recovered.file_bytes = reader.bytes_seen();
  return recovered;
}

}  // namespace ff::journal
