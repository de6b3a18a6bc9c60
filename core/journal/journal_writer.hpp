// JournalWriter: appends entries to a journal file with group commit, and compacts it.
// Layout, durability and compaction rules: docs/journal-format.md sections 3, 7 and 8.
//
// Group commit: append() returns the record's sequence number at once (a ticket); commit()
// makes every record appended so far durable with one sync and returns the highest
// sequence number now durable. A runtime serving many concurrent writers appends for each,
// calls commit() once per batch, and completes every writer whose ticket is <= the result.
//
// Errors: kInvalidInput (bad arguments), kLimitExceeded (a bound; for max_unsynced_bytes
// the reaction is to commit and retry), kIo (storage). After a storage error while writing
// the file the writer no longer knows what reached it: every later call fails with kIo and
// the journal must be reopened (which recovers and cuts off any torn tail).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/bytes.hpp"
#include "core/journal/entry.hpp"
#include "core/journal/format.hpp"
#include "core/journal/recovery.hpp"
#include "core/journal/reporter.hpp"
#include "core/journal/storage.hpp"
#include "core/result.hpp"

namespace ff::journal {

inline constexpr std::size_t kDefaultBufferBytes = std::size_t{64} << 10;
inline constexpr std::size_t kDefaultMaxUnsyncedBytes = std::size_t{16} << 20;

// Suffix of the file compaction writes before it replaces the journal.
inline constexpr std::string_view kCompactionSuffix = ".compact";

struct JournalOptions {
  // Block size of a journal this writer creates (an existing file keeps its own).
  std::uint8_t block_shift = kDefaultBlockShift;
  // Largest logical record append() and compact() accept (entry bytes, so a data payload
  // may be up to kMaxDataEntryOverheadBytes smaller). At most kMaxRecordBytes.
  std::size_t max_record_bytes = kMaxRecordBytes;
  // Bytes held in memory before they are handed to storage (without a sync).
  std::size_t buffer_bytes = kDefaultBufferBytes;
  // Bytes appended since the last successful commit beyond which append() fails with
  // kLimitExceeded (a single record is accepted when nothing is unsynced).
  std::size_t max_unsynced_bytes = kDefaultMaxUnsyncedBytes;
};

enum class AckState : std::uint8_t {
  kAcknowledged,    // the write met its durability policy
  kUnacknowledged,  // made without it (e.g. no quorum): compaction keeps the record
};

struct OpenedJournal;

class JournalWriter {
 public:
  JournalWriter(JournalWriter&&) = default;
  JournalWriter& operator=(JournalWriter&&) = default;

  // Appends a data record and returns its sequence number. Not durable until commit().
  Result<Sequence> append(ByteView payload, AckState ack = AckState::kAcknowledged);

  // Appends an ACK entry marking `ranges` acknowledged (validate_ack_ranges; every
  // sequence must be <= last_sequence()). Durable after the next commit().
  Status acknowledge(std::span<const SequenceRange> ranges);
  Status acknowledge(Sequence first, Sequence last);

  // Appends a snapshot entry covering sequence numbers <= `sequence` (which must be
  // <= last_sequence() and >= the journal's current snapshot) without compacting: recovery
  // starts from it, and the records it covers are dropped at the next compaction.
  Status append_snapshot(Sequence sequence, ByteView state);

  // Hands buffered bytes to storage without syncing.
  Status flush();

  // The durability point: flushes, syncs, and returns the highest sequence number now
  // durable (every record with a sequence <= it survives a crash).
  Result<Sequence> commit();

  // Replaces the journal with SNAPSHOT(sequence, state) + every data record with a
  // sequence > `sequence` + every record still unacknowledged, atomically (docs section 8).
  // Commits first. Corruption met while re-reading the journal goes to `reporter`.
  // Errors: kInvalidInput when `sequence` is above last_sequence() or below the current
  // snapshot's; kLimitExceeded when the snapshot entry exceeds max_record_bytes; kIo. A
  // failure before the replace leaves the old journal in use and the writer usable.
  Status compact(Sequence sequence, ByteView state, Reporter& reporter);

  Sequence last_sequence() const { return last_sequence_; }
  Sequence durable_sequence() const { return durable_sequence_; }
  Sequence snapshot_sequence() const { return snapshot_sequence_; }
  // Bytes appended since the last successful commit (buffered or handed to storage).
  std::uint64_t unsynced_bytes() const { return unsynced_bytes_; }
  // Size the file has once everything appended is flushed.
  std::uint64_t file_bytes() const { return file_end_; }
  // Size of the file right after it was opened or last compacted (the planner's baseline).
  std::uint64_t compacted_bytes() const { return compacted_bytes_; }
  std::uint32_t block_bytes() const { return block_bytes_; }
  const std::string& name() const { return name_; }

 private:
  friend Result<OpenedJournal> open_journal(Storage& storage, std::string_view name,
                                            const JournalOptions& options, Reporter& reporter);

  JournalWriter(Storage& storage, std::string name, std::unique_ptr<StorageFile> file,
                const JournalOptions& options, std::uint32_t block_bytes, std::uint64_t file_end);

  // Creates a file with a header (used for a new journal and for compaction output).
  static Result<JournalWriter> create_file(Storage& storage, std::string name, const JournalOptions& options,
                                           std::uint32_t block_bytes);

  Status check_usable() const;
  // Checks the bounds for a logical record of `record_bytes`, then fragments it into the
  // buffer (flushing when the buffer is full).
  Status append_record(ByteView record);
  Status append_data_entry(Sequence sequence, bool unacknowledged, ByteView payload);
  // Upper bound of the file bytes a record of `record_bytes` takes (headers, trailers).
  std::uint64_t physical_bytes_bound(std::size_t record_bytes) const;
  Error fail(Error error);

  Storage* storage_;
  std::string name_;
  std::unique_ptr<StorageFile> file_;
  JournalOptions options_;
  std::uint32_t block_bytes_;
  std::uint64_t file_end_;  // offset where the next fragment goes, buffered bytes included
  std::uint64_t compacted_bytes_;
  Bytes buffer_;  // bytes not yet handed to storage
  Bytes entry_;   // scratch for encoding one entry
  std::uint64_t unsynced_bytes_ = 0;
  Sequence last_sequence_ = 0;
  Sequence durable_sequence_ = 0;
  Sequence snapshot_sequence_ = 0;
  bool failed_ = false;
};

struct OpenedJournal {
  JournalWriter writer;
  JournalState state;  // what the journal held when opened
};

// Opens the journal `name` in `storage` for appending, creating it if missing: removes a
// leftover compaction file, recovers the content (corruption goes to `reporter`), cuts off
// a torn or corrupt tail, syncs, and continues after the last sequence number. Errors: as
// JournalReader::open, kInvalidInput for bad options or a name too long to take the
// compaction suffix, kIo.
Result<OpenedJournal> open_journal(Storage& storage, std::string_view name, const JournalOptions& options,
                                   Reporter& reporter);

// Ok when the options respect their documented bounds.
Status validate_journal_options(const JournalOptions& options);

}  // namespace ff::journal
