#include "core/crdt/vclock.hpp"

#include <limits>

#include "core/crdt/encoding.hpp"

namespace ff::crdt {

std::uint64_t VClock::get(ReplicaId replica) const {
  auto it = entries_.find(replica);
  return it == entries_.end() ? 0 : it->second;
}

VClock VClock::increment(ReplicaId replica) {
  std::uint64_t& count = entries_[replica];
  if (count != std::numeric_limits<std::uint64_t>::max()) ++count;
  VClock delta;
  delta.entries_.emplace(replica, count);
  return delta;
}

void VClock::observe(ReplicaId replica, std::uint64_t count) {
  if (count == 0) return;
  std::uint64_t& entry = entries_[replica];
  if (count > entry) entry = count;
}

void VClock::merge(const VClock& other) {
  for (const auto& [replica, count] : other.entries_) observe(replica, count);
}

VClock::Order VClock::compare(const VClock& other) const {
  bool this_ahead = false;   // some entry of this exceeds other's
  bool other_ahead = false;  // some entry of other exceeds this's
  auto mine = entries_.begin();
  auto theirs = other.entries_.begin();
  // Both maps are sorted by replica: walk them together; a missing entry counts as zero.
  while (mine != entries_.end() || theirs != other.entries_.end()) {
    if (theirs == other.entries_.end() || (mine != entries_.end() && mine->first < theirs->first)) {
      this_ahead = true;
      ++mine;
    } else if (mine == entries_.end() || theirs->first < mine->first) {
      other_ahead = true;
      ++theirs;
    } else {
      if (mine->second > theirs->second) this_ahead = true;
      if (theirs->second > mine->second) other_ahead = true;
      ++mine;
      ++theirs;
    }
    if (this_ahead && other_ahead) return Order::kConcurrent;
  }
  if (this_ahead) return Order::kAfter;
  if (other_ahead) return Order::kBefore;
  return Order::kEqual;
}

bool VClock::dominates(const VClock& other) const {
  const Order order = compare(other);
  return order == Order::kEqual || order == Order::kAfter;
}

Bytes VClock::encode() const { return encode_state(*this); }

Result<VClock> VClock::decode(ByteView bytes) { return decode_state<VClock>(bytes, "VClock"); }

void VClock::write_signature(codec::ByteWriter& out) { out.u8(static_cast<std::uint8_t>(TypeTag::kVClock)); }

void VClock::encode_body(codec::ByteWriter& out) const {
  out.varint(entries_.size());
  for (const auto& [replica, count] : entries_) {
    write_replica(out, replica);
    out.varint(count);
  }
}

Result<VClock> VClock::decode_body(codec::ByteReader& in) {
  FF_TRY_ASSIGN(const std::uint64_t entry_count, in.count(kReplicaBytes + 1));
  VClock clock;
  for (std::uint64_t i = 0; i < entry_count; ++i) {
    FF_TRY_ASSIGN(const ReplicaId replica, read_replica(in));
    FF_TRY_ASSIGN(const std::uint64_t count, in.varint());
    if (count == 0) return make_error(Errc::kInvalidInput, "VClock: zero entry (canonical clocks omit them)");
    if (!clock.entries_.empty() && replica <= clock.entries_.rbegin()->first) {
      return make_error(Errc::kInvalidInput, "VClock: replica ids not strictly ascending");
    }
    clock.entries_.emplace_hint(clock.entries_.end(), replica, count);
  }
  return clock;
}

}  // namespace ff::crdt
