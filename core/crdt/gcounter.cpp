#include "core/crdt/gcounter.hpp"

#include <limits>

#include "core/crdt/encoding.hpp"

namespace ff::crdt {

namespace {

constexpr std::uint64_t kMaxCount = std::numeric_limits<std::uint64_t>::max();

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return b > kMaxCount - a ? kMaxCount : a + b;
}

}  // namespace

GCounter GCounter::increment(ReplicaId replica, std::uint64_t amount) {
  GCounter delta;
  if (amount == 0) return delta;
  Entry& entry = entries_[replica];
  entry.count = saturating_add(entry.count, amount);
  delta.entries_[replica].count = entry.count;
  return delta;
}

GCounter GCounter::clear() {
  GCounter delta;
  for (auto& [replica, entry] : entries_) {
    if (entry.count <= entry.cleared) continue;  // nothing new to clear
    entry.cleared = entry.count;
    delta.entries_[replica].cleared = entry.count;
  }
  return delta;
}

std::uint64_t GCounter::contribution(ReplicaId replica) const {
  auto it = entries_.find(replica);
  if (it == entries_.end() || it->second.count <= it->second.cleared) return 0;
  return it->second.count - it->second.cleared;
}

std::uint64_t GCounter::value() const {
  std::uint64_t total = 0;
  for (const auto& [replica, entry] : entries_) {
    if (entry.count > entry.cleared) total = saturating_add(total, entry.count - entry.cleared);
  }
  return total;
}

void GCounter::merge(const GCounter& other) {
  for (const auto& [replica, theirs] : other.entries_) {
    Entry& ours = entries_[replica];
    if (theirs.count > ours.count) ours.count = theirs.count;
    if (theirs.cleared > ours.cleared) ours.cleared = theirs.cleared;
  }
}

Bytes GCounter::encode() const { return encode_state(*this); }

Result<GCounter> GCounter::decode(ByteView bytes) { return decode_state<GCounter>(bytes, "GCounter"); }

void GCounter::write_signature(codec::ByteWriter& out) {
  out.u8(static_cast<std::uint8_t>(TypeTag::kGCounter));
}

void GCounter::encode_body(codec::ByteWriter& out) const {
  out.varint(entries_.size());
  for (const auto& [replica, entry] : entries_) {
    write_replica(out, replica);
    out.varint(entry.count);
    out.varint(entry.cleared);
  }
}

Result<GCounter> GCounter::decode_body(codec::ByteReader& in) {
  FF_TRY_ASSIGN(const std::uint64_t entry_count, in.count(kReplicaBytes + 2));
  GCounter counter;
  for (std::uint64_t i = 0; i < entry_count; ++i) {
    FF_TRY_ASSIGN(const ReplicaId replica, read_replica(in));
    Entry entry;
    FF_TRY_ASSIGN(entry.count, in.varint());
    FF_TRY_ASSIGN(entry.cleared, in.varint());
    if (entry.count == 0 && entry.cleared == 0) {
      return make_error(Errc::kInvalidInput, "GCounter: all-zero entry (canonical counters omit them)");
    }
    if (!counter.entries_.empty() && replica <= counter.entries_.rbegin()->first) {
      return make_error(Errc::kInvalidInput, "GCounter: replica ids not strictly ascending");
    }
    counter.entries_.emplace_hint(counter.entries_.end(), replica, entry);
  }
  return counter;
}

}  // namespace ff::crdt
