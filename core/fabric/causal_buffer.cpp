#include "core/fabric/causal_buffer.hpp"

#include <iterator>
#include <utility>

namespace ff::fabric {

namespace {

std::size_t held_bytes(const wire::Mutation& m) { return m.delta.size() + m.object.size() + 64; }

std::uint64_t get(const wire::VersionVector& vv, crdt::ReplicaId replica) {
  auto it = vv.find(replica);
  return it == vv.end() ? 0 : it->second;
}

}  // namespace

bool CausalBuffer::deliverable(const wire::Mutation& m, const wire::VersionVector& vv) {
  if (m.seq != get(vv, m.origin) + 1) return false;
  for (const auto& [replica, seq] : m.deps) {
    if (get(vv, replica) < seq) return false;
  }
  return true;
}

bool CausalBuffer::contains(const MutationId& id) const {
  auto it = by_origin_.find(id.origin);
  return it != by_origin_.end() && it->second.count(id.seq) != 0;
}

bool CausalBuffer::insert(wire::Mutation m) {
  if (size_ >= capacity_ || bytes_ + held_bytes(m) > kMaxCausalBufferBytes || contains(m.id())) return false;
  const crdt::ReplicaId origin = m.origin;
  const std::uint64_t seq = m.seq;
  bytes_ += held_bytes(m);
  by_origin_[origin].emplace(seq, std::move(m));
  ++size_;
  return true;
}

std::optional<wire::Mutation> CausalBuffer::take_deliverable(const wire::VersionVector& vv) {
  for (auto it = by_origin_.begin(); it != by_origin_.end();) {
    auto& waiting = it->second;
    const std::uint64_t delivered = get(vv, it->first);
    while (!waiting.empty() && waiting.begin()->first <= delivered) {
      bytes_ -= held_bytes(waiting.begin()->second);
      waiting.erase(waiting.begin());
      --size_;
    }
    if (!waiting.empty() && deliverable(waiting.begin()->second, vv)) {
      bytes_ -= held_bytes(waiting.begin()->second);
      wire::Mutation m = std::move(waiting.begin()->second);
      waiting.erase(waiting.begin());
      --size_;
      if (waiting.empty()) by_origin_.erase(it);
      return m;
    }
    it = waiting.empty() ? by_origin_.erase(it) : std::next(it);
  }
  return std::nullopt;
}

void CausalBuffer::drop_covered(const wire::VersionVector& vv) {
  for (auto it = by_origin_.begin(); it != by_origin_.end();) {
    auto& waiting = it->second;
    const std::uint64_t delivered = get(vv, it->first);
    while (!waiting.empty() && waiting.begin()->first <= delivered) {
      bytes_ -= held_bytes(waiting.begin()->second);
      waiting.erase(waiting.begin());
      --size_;
    }
    it = waiting.empty() ? by_origin_.erase(it) : std::next(it);
  }
}

}  // namespace ff::fabric
