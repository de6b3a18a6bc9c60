// VClock: a vector clock, the logical time every causal decision in the fabric uses
// (spec "Clock Skew & Causality: VClock Standardization": wall-clock time is for display
// only and never orders writes). Entry r counts the events of replica r that a state has
// seen; missing entries are zero. Clocks form a join-semilattice under the pointwise
// maximum, so a VClock is itself a (tiny) CRDT and follows the same conventions as the
// others: mutators return a delta, merge/apply join, encode is canonical.
#pragma once

#include <cstdint>
#include <map>

#include "core/bytes.hpp"
#include "core/codec/byte_io.hpp"
#include "core/crdt/replica_id.hpp"
#include "core/result.hpp"

namespace ff::crdt {

class VClock {
 public:
  using Delta = VClock;

  // How two clocks relate in the causal partial order.
  enum class Order {
    kEqual,      // same events seen
    kBefore,     // this happened before the other (this < other)
    kAfter,      // the other happened before this (this > other)
    kConcurrent  // neither saw all of the other's events
  };

  VClock() = default;

  // Entry for `replica` (0 when absent).
  std::uint64_t get(ReplicaId replica) const;

  // Counts one more event of `replica` and returns the delta {replica: new count}. The
  // count saturates at 2^64-1 instead of wrapping (a wrapped clock would travel back in
  // time); a saturated replica can no longer produce clocks that dominate its own.
  VClock increment(ReplicaId replica);

  // Raises the entry of `replica` to at least `count` (the join with {replica: count}).
  void observe(ReplicaId replica, std::uint64_t count);

  // Pointwise maximum. apply() is the same join: a VClock's delta is a VClock.
  void merge(const VClock& other);
  void apply(const VClock& delta) { merge(delta); }

  Order compare(const VClock& other) const;
  // True when this clock has seen every event `other` has (this >= other).
  bool dominates(const VClock& other) const;
  bool concurrent_with(const VClock& other) const { return compare(other) == Order::kConcurrent; }

  // Non-zero entries, ascending by replica id.
  const std::map<ReplicaId, std::uint64_t>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

  bool operator==(const VClock& other) const { return entries_ == other.entries_; }
  bool operator!=(const VClock& other) const { return !(*this == other); }

  // Versioned, canonical binary encoding (docs/crdt-encoding.md "VClock").
  Bytes encode() const;
  static Result<VClock> decode(ByteView bytes);

  static void write_signature(codec::ByteWriter& out);
  void encode_body(codec::ByteWriter& out) const;
  static Result<VClock> decode_body(codec::ByteReader& in);

 private:
  std::map<ReplicaId, std::uint64_t> entries_;  // never holds a zero count
};

}  // namespace ff::crdt
