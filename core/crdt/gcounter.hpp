// GCounter: a grow-only counter. Each replica counts its own increments; the value is
// the sum over replicas and the join is the per-replica maximum, so concurrent increments
// all count and a redelivered state counts once.
//
// clear() is an observed reset, needed so a counter can live in an ORMap whose keys can
// be removed: it remembers, per replica, how many increments it has seen ("cleared"), and
// the value only counts increments beyond that. Increments the clearing replica had not
// seen still count after the join, which is the "concurrent update wins" rule of ORMap.
// Both per-replica numbers only grow, so the state is still a join-semilattice.
#pragma once

#include <cstdint>
#include <map>

#include "core/bytes.hpp"
#include "core/codec/byte_io.hpp"
#include "core/crdt/replica_id.hpp"
#include "core/result.hpp"

namespace ff::crdt {

class GCounter {
 public:
  using Delta = GCounter;

  GCounter() = default;

  // Adds `amount` to `replica`'s count; returns the delta {replica: new count}. Counts
  // saturate at 2^64-1 instead of wrapping (a wrapped count would look like a decrease,
  // which the max-join would silently discard).
  GCounter increment(ReplicaId replica, std::uint64_t amount = 1);

  // Observed reset (see the file comment); returns the delta carrying the cleared marks.
  GCounter clear();

  // Sum over replicas of (count - cleared), saturating at 2^64-1.
  std::uint64_t value() const;
  // `replica`'s contribution to value().
  std::uint64_t contribution(ReplicaId replica) const;

  void merge(const GCounter& other);
  void apply(const GCounter& delta) { merge(delta); }

  bool operator==(const GCounter& other) const { return entries_ == other.entries_; }
  bool operator!=(const GCounter& other) const { return !(*this == other); }

  // Versioned, canonical binary encoding (docs/crdt-encoding.md "GCounter").
  Bytes encode() const;
  static Result<GCounter> decode(ByteView bytes);

  static void write_signature(codec::ByteWriter& out);
  void encode_body(codec::ByteWriter& out) const;
  static Result<GCounter> decode_body(codec::ByteReader& in);

 private:
  struct Entry {
    std::uint64_t count = 0;    // increments made by the replica
    std::uint64_t cleared = 0;  // of those, how many an observed clear() removed
    bool operator==(const Entry& other) const { return count == other.count && cleared == other.cleared; }
  };

  std::map<ReplicaId, Entry> entries_;  // never holds an all-zero entry
};

}  // namespace ff::crdt
