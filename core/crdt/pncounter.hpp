// PNCounter: a counter that goes both ways, as two GCounters (increments and decrements)
// whose difference is the value. clear() is the observed reset of both halves (see
// gcounter.hpp), so a PNCounter can be an ORMap value.
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "core/codec/byte_io.hpp"
#include "core/crdt/gcounter.hpp"
#include "core/crdt/replica_id.hpp"
#include "core/result.hpp"

namespace ff::crdt {

class PNCounter {
 public:
  using Delta = PNCounter;

  PNCounter() = default;

  // Each returns the delta of the half it changed.
  PNCounter increment(ReplicaId replica, std::uint64_t amount = 1);
  PNCounter decrement(ReplicaId replica, std::uint64_t amount = 1);
  PNCounter clear();

  // Increments minus decrements, clamped to the int64 range.
  std::int64_t value() const;

  const GCounter& increments() const { return increments_; }
  const GCounter& decrements() const { return decrements_; }

  void merge(const PNCounter& other);
  void apply(const PNCounter& delta) { merge(delta); }

  bool operator==(const PNCounter& other) const {
    return increments_ == other.increments_ && decrements_ == other.decrements_;
  }
  bool operator!=(const PNCounter& other) const { return !(*this == other); }

  // Versioned, canonical binary encoding (docs/crdt-encoding.md "PNCounter").
  Bytes encode() const;
  static Result<PNCounter> decode(ByteView bytes);

  static void write_signature(codec::ByteWriter& out);
  void encode_body(codec::ByteWriter& out) const;
  static Result<PNCounter> decode_body(codec::ByteReader& in);

 private:
  GCounter increments_;
  GCounter decrements_;
};

}  // namespace ff::crdt
