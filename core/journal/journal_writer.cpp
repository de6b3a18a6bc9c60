#include "core/journal/journal_writer.hpp"

#include <algorithm>
#include <cassert>
#include <limits>
#include <utility>

#include "core/codec/varint.hpp"

namespace ff::journal {
namespace {

// The most bytes the writer holds in memory before handing them to storage.
constexpr std::size_t kMaxBufferBytes = std::size_t{64} << 20;

std::uint8_t block_shift_of(std::uint32_t block_bytes) {
  std::uint8_t shift = 0;
  while ((std::uint32_t{1} << shift) < block_bytes) ++shift;
  assert((std::uint32_t{1} << shift) == block_bytes);
  return shift;
}

}  // namespace

Status validate_journal_options(const JournalOptions& options) {
  if (options.block_shift < kMinBlockShift || options.block_shift > kMaxBlockShift) {
    return make_error(Errc::kInvalidInput, "journal: block_shift must be in [8, 16]");
  }
  if (options.max_record_bytes > kMaxRecordBytes) {
    return make_error(Errc::kInvalidInput, "journal: max_record_bytes exceeds kMaxRecordBytes (64 MiB)");
  }
  if (options.buffer_bytes == 0 || options.buffer_bytes > kMaxBufferBytes) {
    return make_error(Errc::kInvalidInput, "journal: buffer_bytes must be in [1, 64 MiB]");
  }
  if (options.max_unsynced_bytes == 0) {
    return make_error(Errc::kInvalidInput, "journal: max_unsynced_bytes must be positive");
  }
  return {};
}

JournalWriter::JournalWriter(Storage& storage, std::string name, std::unique_ptr<StorageFile> file,
                             const JournalOptions& options, std::uint32_t block_bytes, std::uint64_t file_end)
    : storage_(&storage),
      name_(std::move(name)),
      file_(std::move(file)),
      options_(options),
      block_bytes_(block_bytes),
      file_end_(file_end),
      compacted_bytes_(file_end) {
  assert(block_bytes_ >= kMinBlockBytes && block_bytes_ <= kMaxBlockBytes);
}

Result<JournalWriter> JournalWriter::create_file(Storage& storage, std::string name,
                                                 const JournalOptions& options, std::uint32_t block_bytes) {
  FF_TRY_ASSIGN(std::unique_ptr<StorageFile> file, storage.open(name, OpenMode::kCreate));
  FF_TRY_ASSIGN(const std::uint64_t size, file->size());
  if (size != 0) FF_TRY(file->truncate(0));
  const auto header = encode_file_header(block_shift_of(block_bytes));
  FF_TRY(file->append(ByteView(header.data(), header.size())));
  FF_TRY(file->sync());
  return JournalWriter(storage, std::move(name), std::move(file), options, block_bytes, kFileHeaderBytes);
}

Status JournalWriter::check_usable() const {
  if (failed_) {
    return make_error(Errc::kIo, "journal: writer for " + name_ +
                                     " stopped after a storage error; reopen the journal to recover");
  }
  return {};
}

Error JournalWriter::fail(Error error) {
  failed_ = true;
  return error;
}

std::uint64_t JournalWriter::physical_bytes_bound(std::size_t record_bytes) const {
  // One header per fragment (at most one per block touched, plus the first, partial
  // block) and at most one trailer of fewer than kRecordHeaderBytes.
  const std::uint64_t fragments = record_bytes / (block_bytes_ - kRecordHeaderBytes) + 2;
  return record_bytes + kRecordHeaderBytes * (fragments + 1);
}

Status JournalWriter::append_record(ByteView record) {
  if (record.size() > options_.max_record_bytes) {
    return make_error(Errc::kLimitExceeded, "journal: record of " + std::to_string(record.size()) +
                                                " bytes exceeds max_record_bytes " +
                                                std::to_string(options_.max_record_bytes));
  }
  if (unsynced_bytes_ > 0 &&
      unsynced_bytes_ + physical_bytes_bound(record.size()) > options_.max_unsynced_bytes) {
    return make_error(Errc::kLimitExceeded, "journal: " + std::to_string(unsynced_bytes_) +
                                                " unsynced bytes reach max_unsynced_bytes; commit first");
  }
  const std::uint64_t start = file_end_;
  std::size_t left = record.size();
  const std::uint8_t* data = record.data();
  bool first = true;
  // Fragments as docs/journal-format.md section 3 lays them out. The loop runs once for an
  // empty record, which becomes an empty FULL fragment.
  do {
    std::size_t room = block_bytes_ - static_cast<std::size_t>(file_end_ % block_bytes_);
    if (room < kRecordHeaderBytes) {
      buffer_.insert(buffer_.end(), room, 0);  // trailer
      file_end_ += room;
      room = block_bytes_;
    }
    const std::size_t length = std::min(left, room - kRecordHeaderBytes);
    const bool last = length == left;
    const FragmentType type = first && last ? FragmentType::kFull
                              : first       ? FragmentType::kFirst
                              : last        ? FragmentType::kLast
                                            : FragmentType::kMiddle;
    const ByteView payload(data, length);
    std::uint8_t header[kRecordHeaderBytes];
    encode_fragment_header(type, payload, header);
    buffer_.insert(buffer_.end(), header, header + kRecordHeaderBytes);
    buffer_.insert(buffer_.end(), payload.begin(), payload.end());
    file_end_ += kRecordHeaderBytes + length;
    data += length;
    left -= length;
    first = false;
    if (buffer_.size() >= options_.buffer_bytes) {
      Status flushed = flush();
      if (!flushed.ok()) {
        unsynced_bytes_ += file_end_ - start;
        return flushed;
      }
    }
  } while (left > 0);
  unsynced_bytes_ += file_end_ - start;
  return {};
}

Status JournalWriter::append_data_entry(Sequence sequence, bool unacknowledged, ByteView payload) {
  if (data_entry_bytes(sequence, payload.size()) > options_.max_record_bytes) {
    return make_error(Errc::kLimitExceeded, "journal: data payload of " + std::to_string(payload.size()) +
                                                " bytes exceeds max_record_bytes " +
                                                std::to_string(options_.max_record_bytes));
  }
  entry_.clear();
  encode_data_entry(sequence, unacknowledged, payload, entry_);
  return append_record(entry_);
}

Result<Sequence> JournalWriter::append(ByteView payload, AckState ack) {
  FF_TRY(check_usable());
  const Sequence sequence = last_sequence_ + 1;
  FF_TRY(append_data_entry(sequence, ack == AckState::kUnacknowledged, payload));
  last_sequence_ = sequence;
  return sequence;
}

Status JournalWriter::acknowledge(std::span<const SequenceRange> ranges) {
  FF_TRY(check_usable());
  FF_TRY(validate_ack_ranges(ranges));
  if (ranges.back().last > last_sequence_) {
    return make_error(Errc::kInvalidInput, "journal: cannot acknowledge sequence " +
                                               std::to_string(ranges.back().last) + " beyond the last, " +
                                               std::to_string(last_sequence_));
  }
  entry_.clear();
  encode_ack_entry(ranges, entry_);
  return append_record(entry_);
}

Status JournalWriter::acknowledge(Sequence first, Sequence last) {
  const SequenceRange range{first, last};
  return acknowledge(std::span<const SequenceRange>(&range, 1));
}

Status JournalWriter::append_snapshot(Sequence sequence, ByteView state) {
  FF_TRY(check_usable());
  if (sequence > last_sequence_ || sequence < snapshot_sequence_) {
    return make_error(Errc::kInvalidInput, "journal: snapshot sequence " + std::to_string(sequence) +
                                               " must lie in [" + std::to_string(snapshot_sequence_) + ", " +
                                               std::to_string(last_sequence_) + "]");
  }
  entry_.clear();
  encode_snapshot_entry(sequence, state, entry_);
  FF_TRY(append_record(entry_));
  snapshot_sequence_ = sequence;
  return {};
}

Status JournalWriter::flush() {
  FF_TRY(check_usable());
  if (buffer_.empty()) return {};
  const Status appended = file_->append(buffer_);
  if (!appended.ok()) return fail(appended.error());
  buffer_.clear();
  return {};
}

Result<Sequence> JournalWriter::commit() {
  FF_TRY(check_usable());
  if (unsynced_bytes_ == 0) return durable_sequence_;
  FF_TRY(flush());
  const Status synced = file_->sync();
  if (!synced.ok()) return fail(synced.error());  // never retry a failed sync: its pages may be gone
  durable_sequence_ = last_sequence_;
  unsynced_bytes_ = 0;
  return durable_sequence_;
}

Status JournalWriter::compact(Sequence sequence, ByteView state, Reporter& reporter) {
  FF_TRY(check_usable());
  if (sequence > last_sequence_ || sequence < snapshot_sequence_) {
    return make_error(Errc::kInvalidInput,
                      "journal: compaction snapshot sequence " + std::to_string(sequence) + " must lie in [" +
                          std::to_string(snapshot_sequence_) + ", " + std::to_string(last_sequence_) + "]");
  }
  if (1 + codec::varint_size(sequence) + state.size() > options_.max_record_bytes) {
    return make_error(Errc::kLimitExceeded, "journal: snapshot of " + std::to_string(state.size()) +
                                                " bytes exceeds max_record_bytes");
  }
  FF_TRY(commit());
  FF_TRY_ASSIGN(const Recovered current, recover_journal(*file_, reporter));

  const std::string temp_name = name_ + std::string(kCompactionSuffix);
  FF_TRY_ASSIGN(const bool stale, storage_->exists(temp_name));
  if (stale) FF_TRY(storage_->remove(temp_name));
  JournalOptions temp_options = options_;
  temp_options.max_unsynced_bytes = std::numeric_limits<std::size_t>::max();  // synced once, at the end
  auto written = [&]() -> Result<JournalWriter> {
    FF_TRY_ASSIGN(JournalWriter temp, create_file(*storage_, temp_name, temp_options, block_bytes_));
    temp.entry_.clear();
    encode_snapshot_entry(sequence, state, temp.entry_);
    FF_TRY(temp.append_record(temp.entry_));
    for (const DataRecord& record : current.state.records) {
      if (record.sequence <= sequence && !record.unacknowledged) continue;  // folded into the snapshot
      FF_TRY(temp.append_data_entry(record.sequence, record.unacknowledged, record.payload));
    }
    FF_TRY(temp.commit());
    return Result<JournalWriter>(std::move(temp));
  }();
  if (!written.ok()) {
    // The old journal is untouched; the partial new one is useless. Removal is best effort:
    // the next open_journal removes it too.
    (void)storage_->remove(temp_name);
    return written.error();
  }
  const Status replaced = storage_->replace(temp_name, name_);
  if (!replaced.ok()) return fail(replaced.error());  // unknown which file is current: reopen

  JournalWriter& temp = written.value();
  file_ = std::move(temp.file_);
  file_end_ = temp.file_end_;
  compacted_bytes_ = file_end_;
  snapshot_sequence_ = sequence;
  unsynced_bytes_ = 0;
  return {};
}

Result<OpenedJournal> open_journal(Storage& storage, std::string_view name, const JournalOptions& options,
                                   Reporter& reporter) {
  FF_TRY(validate_journal_options(options));
  FF_TRY(validate_storage_name(name));
  if (name.size() + kCompactionSuffix.size() > kMaxStorageNameBytes) {
    return make_error(Errc::kInvalidInput, "journal: name \"" + std::string(name) +
                                               "\" is too long to leave room for its compaction file");
  }
  const std::string journal_name(name);
  const std::string temp_name = journal_name + std::string(kCompactionSuffix);
  // A compaction that did not reach its replace step leaves this behind; the journal
  // itself is the authority.
  FF_TRY_ASSIGN(const bool stale, storage.exists(temp_name));
  if (stale) FF_TRY(storage.remove(temp_name));

  FF_TRY_ASSIGN(const bool present, storage.exists(journal_name));
  const std::uint32_t new_block_bytes = std::uint32_t{1} << options.block_shift;
  if (!present) {
    FF_TRY_ASSIGN(JournalWriter writer,
                  JournalWriter::create_file(storage, journal_name, options, new_block_bytes));
    return OpenedJournal{std::move(writer), JournalState{}};
  }

  FF_TRY_ASSIGN(std::unique_ptr<StorageFile> file, storage.open(journal_name, OpenMode::kExisting));
  FF_TRY_ASSIGN(Recovered recovered, recover_journal(*file, reporter));
  FF_TRY_ASSIGN(const std::uint64_t size, file->size());
  std::uint32_t block_bytes = recovered.block_bytes;
  std::uint64_t file_end = recovered.valid_end;
  if (!recovered.has_header) {
    // Empty, or a torn header from a crash during creation: start the file afresh.
    if (size != 0) FF_TRY(file->truncate(0));
    block_bytes = new_block_bytes;
    const auto header = encode_file_header(options.block_shift);
    FF_TRY(file->append(ByteView(header.data(), header.size())));
    file_end = kFileHeaderBytes;
  } else if (file_end < size) {
    // New records must not follow a torn or corrupt tail, or a reader would stop there.
    FF_TRY(file->truncate(file_end));
  }
  // Whatever the previous process left in the page cache becomes durable now, so
  // durable_sequence() is true from the start.
  FF_TRY(file->sync());

  JournalWriter writer(storage, journal_name, std::move(file), options, block_bytes, file_end);
  writer.last_sequence_ = recovered.state.last_sequence;
  writer.durable_sequence_ = recovered.state.last_sequence;
  writer.snapshot_sequence_ = recovered.state.snapshot_sequence();
  return OpenedJournal{std::move(writer), std::move(recovered.state)};
}

}  // namespace ff::journal
