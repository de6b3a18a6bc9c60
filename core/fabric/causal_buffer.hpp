// CausalBuffer: received mutations waiting for their causal dependencies (docs/fabric.md
// "Delivery"). A mutation (origin, seq, deps) is deliverable once the version vector holds
// seq - 1 of its origin and every dep; until then it waits here, at most `capacity`
// mutations and kMaxCausalBufferBytes of deltas (a remote peer never controls the size of
// a local queue: beyond either bound a mutation is dropped and anti-entropy fetches it
// again later).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

#include "core/fabric/fabric_wire.hpp"

namespace ff::fabric {

inline constexpr std::size_t kMaxCausalBufferBytes = std::size_t{64} << 20;

class CausalBuffer {
 public:
  explicit CausalBuffer(std::size_t capacity) : capacity_(capacity) {}

  // True when `m` could be delivered on top of `vv` now.
  static bool deliverable(const wire::Mutation& m, const wire::VersionVector& vv);

  bool contains(const MutationId& id) const;
  // False when full (or already held): the mutation was not kept.
  bool insert(wire::Mutation m);
  // Removes and returns one mutation deliverable on top of `vv`, dropping the ones `vv`
  // already covers; nullopt when none is.
  std::optional<wire::Mutation> take_deliverable(const wire::VersionVector& vv);
  // Drops every mutation `vv` already covers (after a snapshot).
  void drop_covered(const wire::VersionVector& vv);

  std::size_t size() const { return size_; }

 private:
  std::size_t capacity_;
  std::size_t size_ = 0;
  std::size_t bytes_ = 0;
  std::map<crdt::ReplicaId, std::map<std::uint64_t, wire::Mutation>> by_origin_;
};

}  // namespace ff::fabric
