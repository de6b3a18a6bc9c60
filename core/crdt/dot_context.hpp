// DotContext: the causal context of a delta-state CRDT, the set of every dot (event) a
// state has seen, whether or not the event's effect is still visible (Almeida et al.,
// "Delta State Replicated Data Types", 2018). It is how a remove is remembered
// without tombstones per element: an element's dot that is in the context but not in the
// store was removed.
//
// Representation: a version vector (VClock) for the contiguous prefix 1..n of each
// replica's dots, plus a "dot cloud" of dots seen beyond a gap (deltas can arrive out of
// order). The representation is kept compact at all times: a cloud dot never sits at or
// directly above its replica's prefix (it is folded into the prefix instead). Because the
// compact form of a set of dots is unique, equal contexts compare and encode identically.
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "core/codec/byte_io.hpp"
#include "core/crdt/dot.hpp"
#include "core/crdt/replica_id.hpp"
#include "core/crdt/vclock.hpp"
#include "core/result.hpp"

namespace ff::crdt {

class DotContext {
 public:
  using Delta = DotContext;

  DotContext() = default;

  bool contains(const Dot& dot) const;

  // Creates the next dot of `replica` (one above every dot of it this context has seen),
  // records it, and returns it. Saturates at counter 2^64-1 like VClock::increment.
  Dot make_dot(ReplicaId replica);

  // Records `dot` as seen (and compacts).
  void add(const Dot& dot);
  void add(const DotSet& dots) {
    for (const Dot& dot : dots) add(dot);
  }

  // Set union of the seen dots.
  void merge(const DotContext& other);
  void apply(const DotContext& delta) { merge(delta); }

  // The contiguous prefixes, and the dots seen beyond a gap.
  const VClock& version_vector() const { return version_vector_; }
  const DotSet& cloud() const { return cloud_; }
  bool empty() const { return version_vector_.empty() && cloud_.empty(); }

  bool operator==(const DotContext& other) const {
    return version_vector_ == other.version_vector_ && cloud_ == other.cloud_;
  }
  bool operator!=(const DotContext& other) const { return !(*this == other); }

  // Versioned, canonical binary encoding (docs/crdt-encoding.md "DotContext").
  Bytes encode() const;
  static Result<DotContext> decode(ByteView bytes);

  static void write_signature(codec::ByteWriter& out);
  void encode_body(codec::ByteWriter& out) const;
  static Result<DotContext> decode_body(codec::ByteReader& in);

 private:
  // Folds cloud dots that continue a prefix into it and drops cloud dots it covers.
  void compact();
  // Largest counter of `replica` seen (prefix or cloud), 0 if none.
  std::uint64_t max_counter(ReplicaId replica) const;

  VClock version_vector_;
  DotSet cloud_;  // every (r, n) here has n >= version_vector_.get(r) + 2
};

}  // namespace ff::crdt
