// JournalReader: yields the logical records of a journal file, in order, applying the
// recovery rules of docs/journal-format.md section 6: a torn tail is a clean end,
// corruption is reported to the Reporter and skipped (resynchronising at the next fragment
// or block), and a partial record is never returned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "core/bytes.hpp"
#include "core/journal/format.hpp"
#include "core/journal/reporter.hpp"
#include "core/journal/storage.hpp"
#include "core/result.hpp"

namespace ff::journal {

struct ReaderOptions {
  // Records larger than this are reported as corruption and skipped; bounds the memory a
  // damaged or hostile file can make the reader allocate. At most kMaxRecordBytes.
  std::size_t max_record_bytes = kMaxRecordBytes;
};

struct RecordView {
  std::uint64_t offset = 0;      // file offset of the record's first fragment header
  std::uint64_t end_offset = 0;  // file offset just past its last fragment
  ByteView bytes;                // valid until the next call to next()
};

class JournalReader {
 public:
  // Reads and checks the file header of `file`. A file that is empty or holds only a torn
  // header (docs section 6) opens as an empty journal: has_header() is false and next()
  // ends at once. Errors: kInvalidInput (not a journal), kUnsupported (another format
  // version), kCorruption (damaged file header), kIo. `file` and `reporter` must outlive
  // the reader.
  static Result<JournalReader> open(StorageFile& file, Reporter& reporter, ReaderOptions options = {});

  // The next complete, checked record, or nullopt at the end of the journal. Errors only
  // when storage fails (kIo); the reader may then be retried.
  Result<std::optional<RecordView>> next();

  bool has_header() const { return block_bytes_ != 0; }
  // Block size from the file header (0 without a header).
  std::uint32_t block_bytes() const { return block_bytes_; }
  // Offset just past the last record returned: 16 when none was, 0 without a header. A
  // writer appending to this file truncates it here first.
  std::uint64_t valid_end() const { return valid_end_; }
  // Bytes of file the reader has seen (the file size once next() returned nullopt).
  std::uint64_t bytes_seen() const { return block_start_ + block_length_; }

 private:
  JournalReader(StorageFile& file, Reporter& reporter, ReaderOptions options)
      : file_(&file), reporter_(&reporter), options_(options) {}

  // Loads the block starting at `block_start` (short reads are retried until the block is
  // full or the file ends).
  Status load_block(std::uint64_t block_start);
  // Reports and forgets the record being assembled, if any.
  void drop_partial(std::string_view reason);
  void report(std::uint64_t offset, std::uint64_t bytes, std::string_view reason);

  StorageFile* file_;
  Reporter* reporter_;
  ReaderOptions options_;
  std::uint32_t block_bytes_ = 0;
  // The current block's bytes. Not a vector: it is overwritten before it is read, so the
  // zero-filling a vector does on every open is wasted.
  std::unique_ptr<std::uint8_t[]> block_;
  std::uint64_t block_start_ = 0;  // file offset of block_[0]
  std::size_t block_length_ = 0;   // valid bytes in block_
  std::size_t position_ = 0;       // next fragment header, as an offset in the block
  bool block_loaded_ = false;
  bool last_block_ = false;  // the file ends inside (or right after) this block
  bool done_ = false;
  Bytes record_;  // the fragmented record being assembled
  bool assembling_ = false;
  bool skipping_ = false;           // assembling a record that exceeded max_record_bytes
  std::uint64_t record_start_ = 0;  // file offset of its FIRST fragment
  std::uint64_t valid_end_ = 0;
};

}  // namespace ff::journal
