// Helpers shared by the journal tests: payload generators, a model of the block layout
// written from docs/journal-format.md (independently of the writer), and storage views.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/journal/entry.hpp"
#include "core/journal/format.hpp"
#include "core/journal/journal_reader.hpp"
#include "core/journal/journal_writer.hpp"
#include "core/journal/memory_storage.hpp"
#include "core/journal/recovery.hpp"
#include "core/rng.hpp"

namespace ff::journal::testing {

inline Bytes random_bytes(Rng& rng, std::size_t size) {
  Bytes bytes(size);
  for (auto& byte : bytes) byte = static_cast<std::uint8_t>(rng.next());
  return bytes;
}

// One fragment as the format places it.
struct ModelFragment {
  std::uint64_t offset = 0;  // of its header
  std::size_t length = 0;
  FragmentType type = FragmentType::kFull;
};

struct ModelRecord {
  std::uint64_t start = 0;  // offset of its first fragment header
  std::uint64_t end = 0;    // offset just past its last fragment
  std::vector<ModelFragment> fragments;
};

// Places records of the given sizes as section 3 of the format document says, starting
// after the file header.
inline std::vector<ModelRecord> model_layout(const std::vector<std::size_t>& record_sizes,
                                             std::uint32_t block_bytes) {
  std::vector<ModelRecord> records;
  std::uint64_t position = kFileHeaderBytes;
  for (std::size_t size : record_sizes) {
    ModelRecord record;
    std::size_t left = size;
    do {
      std::uint64_t room = block_bytes - position % block_bytes;
      if (room < kRecordHeaderBytes) {
        position += room;
        room = block_bytes;
      }
      const std::size_t length = std::min<std::size_t>(left, room - kRecordHeaderBytes);
      const bool first = record.fragments.empty();
      const bool last = length == left;
      const FragmentType type = first && last ? FragmentType::kFull
                                : first       ? FragmentType::kFirst
                                : last        ? FragmentType::kLast
                                              : FragmentType::kMiddle;
      record.fragments.push_back(ModelFragment{position, length, type});
      position += kRecordHeaderBytes + length;
      left -= length;
    } while (left > 0);
    record.start = record.fragments.front().offset;
    record.end = position;
    records.push_back(std::move(record));
  }
  return records;
}

// A read-only view of the first `size` bytes of a buffer, optionally returning short reads
// of at most `max_read` bytes.
class ViewFile final : public StorageFile {
 public:
  ViewFile(const Bytes& bytes, std::size_t size, std::size_t max_read = SIZE_MAX)
      : bytes_(bytes), size_(size), max_read_(max_read) {}
  Result<std::uint64_t> size() override { return static_cast<std::uint64_t>(size_); }
  Result<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    if (offset >= size_) return std::size_t{0};
    const std::size_t count = std::min({out.size(), static_cast<std::size_t>(size_ - offset), max_read_});
    std::memcpy(out.data(), bytes_.data() + offset, count);
    return count;
  }
  Status append(ByteView) override { return make_error(Errc::kIo, "view: read-only"); }
  Status sync() override { return make_error(Errc::kIo, "view: read-only"); }
  Status truncate(std::uint64_t) override { return make_error(Errc::kIo, "view: read-only"); }

 private:
  const Bytes& bytes_;
  std::size_t size_;
  std::size_t max_read_;
};

struct ReadResult {
  std::vector<Bytes> records;
  std::vector<std::uint64_t> offsets;
  std::uint64_t valid_end = 0;
};

// Reads every record of `file` (the test fails on an open or IO error).
inline ReadResult read_all(StorageFile& file, Reporter& reporter, ReaderOptions options = {}) {
  ReadResult result;
  auto reader = JournalReader::open(file, reporter, options);
  EXPECT_TRUE(reader.ok()) << (reader.ok() ? "" : reader.error().message);
  if (!reader.ok()) return result;
  while (true) {
    auto record = reader->next();
    EXPECT_TRUE(record.ok());
    if (!record.ok() || !record->has_value()) break;
    result.records.emplace_back((*record)->bytes.begin(), (*record)->bytes.end());
    result.offsets.push_back((*record)->offset);
  }
  result.valid_end = reader->valid_end();
  return result;
}

inline ReadResult read_all(const Bytes& bytes, Reporter& reporter, ReaderOptions options = {}) {
  ViewFile file(bytes, bytes.size());
  return read_all(file, reporter, options);
}

// A journal written through JournalWriter into a MemoryStorage: the file bytes, the
// payloads, the encoded entries (the logical records) and where each record ends.
struct WrittenJournal {
  Bytes file;
  std::vector<Bytes> payloads;
  std::vector<Bytes> entries;
  std::vector<std::uint64_t> ends;
  std::uint32_t block_bytes = 0;
};

inline WrittenJournal write_journal(const std::vector<Bytes>& payloads, const JournalOptions& options) {
  WrittenJournal written;
  MemoryStorage storage;
  CollectingReporter reporter;
  auto opened = open_journal(storage, "j", options, reporter);
  EXPECT_TRUE(opened.ok());
  if (!opened.ok()) return written;
  JournalWriter& writer = opened->writer;
  for (const Bytes& payload : payloads) {
    auto sequence = writer.append(payload);
    EXPECT_TRUE(sequence.ok()) << (sequence.ok() ? "" : sequence.error().message);
    if (!sequence.ok()) return written;
    Bytes entry;
    encode_data_entry(*sequence, false, payload, entry);
    written.entries.push_back(std::move(entry));
    written.ends.push_back(writer.file_bytes());
  }
  EXPECT_TRUE(writer.commit().ok());
  written.file = *storage.contents("j");
  written.payloads = payloads;
  written.block_bytes = writer.block_bytes();
  return written;
}

// Payload sizes for crash tests: empty, tiny, small, sizes around and across the block
// size, and the largest a record may have (so its entry is exactly max_record_bytes).
// Mostly small, so that cutting a journal at every byte stays cheap.
inline std::size_t mixed_payload_size(Rng& rng, std::uint32_t block_bytes, std::size_t max_payload_bytes) {
  const auto pick = rng.below(16);
  if (pick == 0) return 0;
  if (pick == 1) return 1;
  if (pick < 10) return 2 + rng.below(40);
  if (pick < 12) return rng.below(block_bytes / 2);
  if (pick < 14)
    return std::min<std::size_t>(max_payload_bytes, block_bytes - kRecordHeaderBytes - 8 + rng.below(16));
  if (pick == 14) return std::min<std::size_t>(max_payload_bytes, block_bytes + rng.below(2 * block_bytes));
  return max_payload_bytes;
}

inline std::vector<std::size_t> entry_sizes(const WrittenJournal& written) {
  std::vector<std::size_t> sizes;
  for (const Bytes& entry : written.entries) sizes.push_back(entry.size());
  return sizes;
}

}  // namespace ff::journal::testing
