#include "core/journal/entry.hpp"

#include <cassert>
#include <string>

#include "core/codec/byte_io.hpp"
#include "core/codec/varint.hpp"

namespace ff::journal {
namespace {

Error malformed(const std::string& what) { return make_error(Errc::kInvalidInput, "journal entry: " + what); }

Result<Entry> decode_data(codec::ByteReader& reader, ByteView record) {
  auto sequence = reader.varint();
  if (!sequence) return malformed("data sequence: " + sequence.error().message);
  if (*sequence == 0) return malformed("data sequence 0 (sequences start at 1)");
  auto flags = reader.u8();
  if (!flags) return malformed("data flags missing");
  if ((*flags & ~kDataKnownFlags) != 0) return malformed("data has reserved flags set");
  DataEntry entry;
  entry.sequence = *sequence;
  entry.unacknowledged = (*flags & kDataUnacknowledged) != 0;
  entry.payload = record.subspan(reader.offset());
  return Entry(entry);
}

Result<Entry> decode_ack(codec::ByteReader& reader) {
  // Each range is at least two bytes (two varints), so the count is checked against the
  // input before anything is reserved.
  auto count = reader.count(2);
  if (!count) return malformed("ack count: " + count.error().message);
  if (*count == 0 || *count > kMaxAckRanges) {
    return malformed("ack holds " + std::to_string(*count) + " ranges (want 1.." +
                     std::to_string(kMaxAckRanges) + ")");
  }
  AckEntry entry;
  entry.ranges.reserve(static_cast<std::size_t>(*count));
  Sequence next_first = 1;  // the smallest value the next range's first may take
  for (std::uint64_t i = 0; i < *count; ++i) {
    auto gap = reader.varint();
    auto span = gap ? reader.varint() : gap;
    if (!gap || !span) return malformed("ack range truncated or bad varint");
    if (*gap > UINT64_MAX - next_first) return malformed("ack range overflows");
    const Sequence first = next_first + *gap;
    if (*span > UINT64_MAX - first) return malformed("ack range overflows");
    const Sequence last = first + *span;
    entry.ranges.push_back(SequenceRange{first, last});
    if (last == UINT64_MAX && i + 1 < *count) return malformed("ack range overflows");
    next_first = last + 1;
  }
  FF_TRY(reader.expect_done("journal ack entry"));
  return Entry(std::move(entry));
}

Result<Entry> decode_snapshot(codec::ByteReader& reader, ByteView record) {
  auto sequence = reader.varint();
  if (!sequence) return malformed("snapshot sequence: " + sequence.error().message);
  SnapshotEntry entry;
  entry.sequence = *sequence;
  entry.state = record.subspan(reader.offset());
  return Entry(entry);
}

}  // namespace

void encode_data_entry(Sequence sequence, bool unacknowledged, ByteView payload, Bytes& out) {
  assert(sequence >= 1);
  out.push_back(static_cast<std::uint8_t>(EntryKind::kData));
  codec::put_varint(out, sequence);
  out.push_back(unacknowledged ? kDataUnacknowledged : 0);
  out.insert(out.end(), payload.begin(), payload.end());
}

std::size_t data_entry_bytes(Sequence sequence, std::size_t payload_bytes) {
  return 1 + codec::varint_size(sequence) + 1 + payload_bytes;
}

void encode_ack_entry(std::span<const SequenceRange> ranges, Bytes& out) {
  assert(validate_ack_ranges(ranges).ok());
  out.push_back(static_cast<std::uint8_t>(EntryKind::kAck));
  codec::put_varint(out, ranges.size());
  Sequence next_first = 1;
  for (const SequenceRange& range : ranges) {
    codec::put_varint(out, range.first - next_first);
    codec::put_varint(out, range.last - range.first);
    next_first = range.last + 1;
  }
}

void encode_snapshot_entry(Sequence sequence, ByteView state, Bytes& out) {
  out.push_back(static_cast<std::uint8_t>(EntryKind::kSnapshot));
  codec::put_varint(out, sequence);
  out.insert(out.end(), state.begin(), state.end());
}

Status validate_ack_ranges(std::span<const SequenceRange> ranges) {
  if (ranges.empty() || ranges.size() > kMaxAckRanges) {
    return make_error(Errc::kInvalidInput, "journal: an ack needs 1.." + std::to_string(kMaxAckRanges) +
                                               " ranges, got " + std::to_string(ranges.size()));
  }
  Sequence next_first = 1;
  bool at_end = false;  // the previous range ended at UINT64_MAX
  for (const SequenceRange& range : ranges) {
    if (at_end || range.first < next_first || range.first > range.last) {
      return make_error(Errc::kInvalidInput, "journal: ack ranges must be ascending, disjoint and non-empty");
    }
    at_end = range.last == UINT64_MAX;
    next_first = at_end ? range.last : range.last + 1;
  }
  return {};
}

Result<Entry> decode_entry(ByteView record) {
  codec::ByteReader reader(record);
  auto kind = reader.u8();
  if (!kind) return malformed("empty record");
  switch (*kind) {
    case static_cast<std::uint8_t>(EntryKind::kData): return decode_data(reader, record);
    case static_cast<std::uint8_t>(EntryKind::kAck): return decode_ack(reader);
    case static_cast<std::uint8_t>(EntryKind::kSnapshot): return decode_snapshot(reader, record);
    default: return malformed("unknown entry kind " + std::to_string(*kind));
  }
}

}  // namespace ff::journal
