// Feeds arbitrary bytes to the journal reader as a whole file, and again through a storage
// that returns short reads, and checks: no crash; both ways yield the same records and
// reports; every record returned is made of fragments whose checksums verify in the input
// (checked here by walking the input independently of the reader); recovery over the same
// bytes does not crash either.
//
// Random bytes almost never carry a valid CRC, so the first input byte picks a mode: 0 uses
// the rest as the file unchanged; 1 puts a valid file header in front of it; 2 also repairs
// the checksums of the fragments the bytes describe (the fuzzer then controls lengths, types
// and payloads, which exercises assembly and resynchronisation), leaving a fragment
// unrepaired when its first byte is 0xff so corruption stays in the mix.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/hash/crc32c.hpp"
#include "core/journal/format.hpp"
#include "core/journal/journal_reader.hpp"
#include "core/journal/recovery.hpp"
#include "core/journal/reporter.hpp"

namespace {

using ff::Bytes;
using ff::ByteView;
using namespace ff::journal;

// Bounds what a fuzzed header can make the reader allocate (the default is 64 MiB).
constexpr std::size_t kFuzzMaxRecordBytes = std::size_t{1} << 20;

class InputFile final : public StorageFile {
 public:
  InputFile(ByteView bytes, std::size_t max_read) : bytes_(bytes), max_read_(max_read) {}
  ff::Result<std::uint64_t> size() override { return static_cast<std::uint64_t>(bytes_.size()); }
  ff::Result<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    if (offset >= bytes_.size()) return std::size_t{0};
    // Vary the read size with the offset so short reads land everywhere.
    const std::size_t limit = 1 + (offset * 7 + 3) % max_read_;
    std::size_t count = out.size() < limit ? out.size() : limit;
    if (count > bytes_.size() - offset) count = bytes_.size() - offset;
    std::memcpy(out.data(), bytes_.data() + offset, count);
    return count;
  }
  ff::Status append(ByteView) override { return ff::make_error(ff::Errc::kIo, "read-only"); }
  ff::Status sync() override { return ff::make_error(ff::Errc::kIo, "read-only"); }
  ff::Status truncate(std::uint64_t) override { return ff::make_error(ff::Errc::kIo, "read-only"); }

 private:
  ByteView bytes_;
  std::size_t max_read_;
};

struct Outcome {
  bool opened = false;
  std::vector<Bytes> records;
  std::vector<std::uint64_t> offsets;
  std::vector<std::uint64_t> ends;
  std::string reports;
  std::uint64_t valid_end = 0;
};

Outcome read_everything(StorageFile& file) {
  Outcome outcome;
  CollectingReporter reporter;
  ReaderOptions options;
  options.max_record_bytes = kFuzzMaxRecordBytes;
  auto reader = JournalReader::open(file, reporter, options);
  if (!reader.ok()) return outcome;
  outcome.opened = true;
  while (true) {
    auto record = reader->next();
    if (!record.ok()) std::abort();  // the input file never fails to read
    if (!record->has_value()) break;
    const RecordView& view = **record;
    if (view.bytes.size() > kFuzzMaxRecordBytes) std::abort();
    outcome.records.emplace_back(view.bytes.begin(), view.bytes.end());
    outcome.offsets.push_back(view.offset);
    outcome.ends.push_back(view.end_offset);
  }
  outcome.reports = reporter.summary() + "#" + std::to_string(reporter.count());
  outcome.valid_end = reader->valid_end();
  return outcome;
}

std::uint32_t load_u32(const std::uint8_t* in) {
  return static_cast<std::uint32_t>(in[0]) | static_cast<std::uint32_t>(in[1]) << 8 |
         static_cast<std::uint32_t>(in[2]) << 16 | static_cast<std::uint32_t>(in[3]) << 24;
}

// Re-walks the fragments of a returned record in the input and checks both CRCs of each,
// the fragment types, and that their payloads concatenate to the record.
void verify_record(ByteView input, std::uint32_t block_bytes, std::uint64_t offset, std::uint64_t end,
                   const Bytes& record) {
  Bytes joined;
  std::uint64_t position = offset;
  bool first = true;
  while (true) {
    const std::uint64_t room = block_bytes - position % block_bytes;
    if (room < kRecordHeaderBytes) {  // trailer
      position += room;
      continue;
    }
    if (position + kRecordHeaderBytes > input.size()) std::abort();
    const std::uint8_t* header = input.data() + position;
    const std::uint32_t header_crc = ff::hash::mask_crc(ff::hash::crc32c(ByteView(header + 4, 7)));
    if (load_u32(header) != header_crc) std::abort();
    const std::size_t length = static_cast<std::size_t>(header[8]) | static_cast<std::size_t>(header[9]) << 8;
    const std::uint8_t type = header[10];
    if (position + kRecordHeaderBytes + length > input.size()) std::abort();
    const ByteView payload(header + kRecordHeaderBytes, length);
    if (load_u32(header + 4) != ff::hash::mask_crc(ff::hash::crc32c(payload))) std::abort();
    const bool starts = type == 1 || type == 2;
    const bool ends = type == 1 || type == 4;
    if (starts != first || type < 1 || type > 4) std::abort();
    joined.insert(joined.end(), payload.begin(), payload.end());
    position += kRecordHeaderBytes + length;
    first = false;
    if (ends) break;
  }
  if (position != end || joined != record) std::abort();
}

void store_u32(std::uint8_t* out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

// Walks the buffer as the writer lays out fragments and makes each one's checksums valid.
void repair_fragments(Bytes& file, std::uint32_t block_bytes) {
  std::uint64_t position = kFileHeaderBytes;
  while (position + kRecordHeaderBytes <= file.size()) {
    const std::uint64_t room = block_bytes - position % block_bytes;
    if (room < kRecordHeaderBytes) {
      position += room;
      continue;
    }
    std::uint8_t* header = file.data() + position;
    std::size_t length = static_cast<std::size_t>(header[8]) | static_cast<std::size_t>(header[9]) << 8;
    length %= room - kRecordHeaderBytes + 1;  // keep it inside the block
    header[8] = static_cast<std::uint8_t>(length);
    header[9] = static_cast<std::uint8_t>(length >> 8);
    const std::size_t available = file.size() - position - kRecordHeaderBytes;
    if (header[0] != 0xff) {
      const ByteView payload(header + kRecordHeaderBytes, length < available ? length : available);
      store_u32(header + 4, ff::hash::mask_crc(ff::hash::crc32c(payload)));
      store_u32(header, ff::hash::mask_crc(ff::hash::crc32c(ByteView(header + 4, 7))));
    }
    position += kRecordHeaderBytes + length;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0] % 3;
  Bytes file;
  if (mode == 0) {
    file.assign(data + 1, data + size);
  } else {
    const std::uint8_t shift =
        size > 1 ? static_cast<std::uint8_t>(kMinBlockShift + data[1] % 3) : kMinBlockShift;
    const auto header = encode_file_header(shift);
    file.assign(header.begin(), header.end());
    if (size > 2) file.insert(file.end(), data + 2, data + size);
    if (mode == 2) repair_fragments(file, std::uint32_t{1} << shift);
  }
  size = file.size();
  const ByteView input(file);
  InputFile whole(input, SIZE_MAX);
  const Outcome a = read_everything(whole);
  InputFile chopped(input, 1 + (size % 97));
  const Outcome b = read_everything(chopped);
  if (a.opened != b.opened || a.records != b.records || a.offsets != b.offsets || a.reports != b.reports ||
      a.valid_end != b.valid_end) {
    std::abort();
  }
  if (a.opened && size >= kFileHeaderBytes) {
    auto header = decode_file_header(input.first(kFileHeaderBytes));
    if (!header.ok()) std::abort();  // the reader opened it, so the header must decode
    for (std::size_t i = 0; i < a.records.size(); ++i) {
      verify_record(input, header->block_bytes(), a.offsets[i], a.ends[i], a.records[i]);
    }
    if (a.valid_end > size) std::abort();
  } else if (!a.records.empty()) {
    std::abort();
  }

  CollectingReporter reporter;
  ReaderOptions options;
  options.max_record_bytes = kFuzzMaxRecordBytes;
  InputFile again(input, SIZE_MAX);
  auto recovered = recover_journal(again, reporter, options);
  if (recovered.ok() && recovered->state.records.size() > a.records.size()) std::abort();
  return 0;
}
