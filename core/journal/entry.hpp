// The logical entries a journal record holds: DATA, ACK and SNAPSHOT. See
// docs/journal-format.md, section 4, for the grammar and the rules decode enforces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::journal {

// Sequence number of a data record: assigned by the writer, 1, 2, 3, ...
using Sequence = std::uint64_t;

enum class EntryKind : std::uint8_t {
  kData = 1,
  kAck = 2,
  kSnapshot = 3,
};

// DATA flags, bit 0: written without the acknowledgement the durability policy wanted.
inline constexpr std::uint8_t kDataUnacknowledged = 0x01;
inline constexpr std::uint8_t kDataKnownFlags = kDataUnacknowledged;

// The most ranges one ACK entry may hold.
inline constexpr std::size_t kMaxAckRanges = 1024;

// Bytes a DATA entry adds to its payload at most: kind, a 10-byte varint, flags.
inline constexpr std::size_t kMaxDataEntryOverheadBytes = 12;

// An inclusive range of sequence numbers, first <= last.
struct SequenceRange {
  Sequence first = 0;
  Sequence last = 0;
};
inline bool operator==(const SequenceRange& a, const SequenceRange& b) {
  return a.first == b.first && a.last == b.last;
}

// Decoded entries view the record they were decoded from.
struct DataEntry {
  Sequence sequence = 0;
  bool unacknowledged = false;
  ByteView payload;
};
struct AckEntry {
  std::vector<SequenceRange> ranges;
};
struct SnapshotEntry {
  Sequence sequence = 0;  // the state includes every data record with sequence <= this
  ByteView state;
};
using Entry = std::variant<DataEntry, AckEntry, SnapshotEntry>;

// Encoders append to `out`. Preconditions (asserted): sequence >= 1 for data; ranges valid
// as validate_ack_ranges says.
void encode_data_entry(Sequence sequence, bool unacknowledged, ByteView payload, Bytes& out);
void encode_ack_entry(std::span<const SequenceRange> ranges, Bytes& out);
void encode_snapshot_entry(Sequence sequence, ByteView state, Bytes& out);

// Exact encoded size of a data entry.
std::size_t data_entry_bytes(Sequence sequence, std::size_t payload_bytes);

// Ok when `ranges` is non-empty, at most kMaxAckRanges long, each first >= 1 and
// first <= last, and the ranges ascend without overlapping. kInvalidInput otherwise.
Status validate_ack_ranges(std::span<const SequenceRange> ranges);

// Decodes one entry; views point into `record`. kInvalidInput when malformed.
Result<Entry> decode_entry(ByteView record);

}  // namespace ff::journal
