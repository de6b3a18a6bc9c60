#include "core/journal/journal_reader.hpp"

#include <algorithm>
#include <cassert>
#include <string>

namespace ff::journal {
namespace {

// Reads until `out` is full or the file ends; returns the bytes read.
Result<std::size_t> read_up_to(StorageFile& file, std::uint64_t offset, std::span<std::uint8_t> out) {
  std::size_t total = 0;
  while (total < out.size()) {
    FF_TRY_ASSIGN(const std::size_t got, file.read(offset + total, out.subspan(total)));
    if (got == 0) break;
    if (got > out.size() - total) {
      return make_error(Errc::kIo, "journal: storage read returned more bytes than asked");
    }
    total += got;
  }
  return total;
}

}  // namespace

Result<JournalReader> JournalReader::open(StorageFile& file, Reporter& reporter, ReaderOptions options) {
  if (options.max_record_bytes > kMaxRecordBytes) {
    return make_error(Errc::kInvalidInput, "journal: reader max_record_bytes exceeds kMaxRecordBytes");
  }
  JournalReader reader(file, reporter, options);
  std::uint8_t header_bytes[kFileHeaderBytes];
  FF_TRY_ASSIGN(const std::size_t got, read_up_to(file, 0, header_bytes));
  if (got < kFileHeaderBytes) {
    // Empty, or the writer died while writing the header: an empty journal.
    FF_TRY(check_torn_file_header(ByteView(header_bytes, got)));
    reader.block_length_ = got;
    reader.done_ = true;
    return reader;
  }
  FF_TRY_ASSIGN(const FileHeader header, decode_file_header(ByteView(header_bytes, kFileHeaderBytes)));
  reader.block_bytes_ = header.block_bytes();
  reader.block_.reset(new std::uint8_t[reader.block_bytes_]);
  reader.valid_end_ = kFileHeaderBytes;
  return reader;
}

Status JournalReader::load_block(std::uint64_t block_start) {
  FF_TRY_ASSIGN(const std::size_t got,
                read_up_to(*file_, block_start, std::span<std::uint8_t>(block_.get(), block_bytes_)));
  block_start_ = block_start;
  block_length_ = got;
  position_ = block_start == 0 ? kFileHeaderBytes : 0;
  last_block_ = got < block_bytes_;
  block_loaded_ = true;
  return {};
}

void JournalReader::report(std::uint64_t offset, std::uint64_t bytes, std::string_view reason) {
  reporter_->corruption(offset, bytes, reason);
}

void JournalReader::drop_partial(std::string_view reason) {
  if (assembling_ && !skipping_) report(record_start_, record_.size(), reason);
  assembling_ = false;
  skipping_ = false;
  record_.clear();
}

Result<std::optional<RecordView>> JournalReader::next() {
  while (!done_) {
    if (!block_loaded_) FF_TRY(load_block(0));
    const std::size_t room = block_bytes_ - position_;  // capacity left in this block
    const bool data_left = position_ < block_length_;
    if (room < kRecordHeaderBytes || !data_left) {
      // A trailer, or the end of the data in this block.
      if (last_block_) break;
      FF_TRY(load_block(block_start_ + block_bytes_));
      continue;
    }
    if (block_length_ - position_ < kRecordHeaderBytes) break;  // torn header at the end of the file

    const std::uint64_t fragment_offset = block_start_ + position_;
    const ByteView rest(block_.get() + position_, block_length_ - position_);
    const std::optional<FragmentHeader> header = decode_fragment_header(rest);
    const std::size_t capacity = room - kRecordHeaderBytes;
    const char* block_error = nullptr;
    if (!header) {
      block_error = "fragment header checksum mismatch";
    } else if (header->length > capacity) {
      block_error = "fragment length runs past its block";
    } else if (header->type < static_cast<std::uint8_t>(FragmentType::kFull) ||
               header->type > static_cast<std::uint8_t>(FragmentType::kLast)) {
      block_error = "invalid fragment type";
    }
    if (block_error != nullptr) {
      // The length cannot be trusted: drop the rest of the block and resynchronise at the
      // next one, where the writer always starts a fragment.
      drop_partial("fragmented record lost its continuation");
      report(fragment_offset, rest.size(), block_error);
      position_ = block_bytes_;
      continue;
    }
    const std::size_t fragment_bytes = kRecordHeaderBytes + header->length;
    if (fragment_bytes > rest.size()) break;  // torn payload at the end of the file

    const ByteView payload = rest.subspan(kRecordHeaderBytes, header->length);
    position_ += fragment_bytes;
    if (!fragment_payload_matches(*header, payload)) {
      // The header checked, so its length is good: skip just this fragment.
      drop_partial("fragmented record lost a fragment");
      report(fragment_offset, fragment_bytes, "fragment payload checksum mismatch");
      continue;
    }

    const auto type = static_cast<FragmentType>(header->type);
    const std::uint64_t fragment_end = fragment_offset + fragment_bytes;
    switch (type) {
      case FragmentType::kFull:
        drop_partial("fragmented record without its last fragment");
        if (payload.size() > options_.max_record_bytes) {
          report(fragment_offset, fragment_bytes, "record exceeds max_record_bytes");
          continue;
        }
        valid_end_ = fragment_end;
        return std::optional<RecordView>(RecordView{fragment_offset, fragment_end, payload});
      case FragmentType::kFirst:
        drop_partial("fragmented record without its last fragment");
        assembling_ = true;
        record_start_ = fragment_offset;
        break;
      case FragmentType::kMiddle:
      case FragmentType::kLast:
        if (!assembling_) {
          report(fragment_offset, fragment_bytes, "fragment without the start of its record");
          continue;
        }
        break;
    }
    if (!skipping_) {
      if (record_.size() + payload.size() > options_.max_record_bytes) {
        report(record_start_, record_.size() + fragment_bytes,
               "record exceeds max_record_bytes; its remaining fragments are skipped");
        record_.clear();
        skipping_ = true;
      } else {
        record_.insert(record_.end(), payload.begin(), payload.end());
      }
    }
    if (type == FragmentType::kLast) {
      const bool complete = !skipping_;
      assembling_ = false;
      skipping_ = false;
      if (complete) {
        valid_end_ = fragment_end;
        return std::optional<RecordView>(RecordView{record_start_, fragment_end, ByteView(record_)});
      }
    }
  }
  // The end of the file. A record still being assembled was torn by a crash: dropped
  // silently, as it was never complete.
  done_ = true;
  assembling_ = false;
  skipping_ = false;
  record_.clear();
  return std::optional<RecordView>();
}

}  // namespace ff::journal
