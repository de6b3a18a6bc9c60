// Joins of the two dot stores our causal CRDTs are built from (Almeida et al., "Delta
// State Replicated Data Types", "dot stores"): a DotSet (ORSet element, ORMap key
// presence) and a DotFun, a map from dot to value (MVRegister, LWWRegister writes).
//
// Joining (store A, context CA) with (store B, context CB) keeps a dot that both stores
// hold, or that one store holds and the other context has never seen. A dot one side has
// seen but no longer holds was removed there, and the remove wins over the stale copy.
// Both helpers take the contexts from before the join; callers merge the contexts after.
#pragma once

#include <map>

#include "core/crdt/dot.hpp"
#include "core/crdt/dot_context.hpp"
#include "core/crdt/value_codec.hpp"

namespace ff::crdt {

// Joins `theirs` into `ours` in place.
inline void join_dot_set(DotSet& ours, const DotContext& our_context, const DotSet& theirs,
                         const DotContext& their_context) {
  for (auto it = ours.begin(); it != ours.end();) {
    if (theirs.count(*it) == 0 && their_context.contains(*it)) {
      it = ours.erase(it);
    } else {
      ++it;
    }
  }
  for (const Dot& dot : theirs) {
    if (!our_context.contains(dot)) ours.insert(dot);
  }
}

// Joins `theirs` into `ours` in place. Two values under one dot can only differ when two
// replicas shared a replica id (a collision the system tries to make negligible, see
// replica_id.hpp); the join then keeps the greater value (ValueLess<V>) so every
// replica agrees.
template <class V>
void join_dot_fun(std::map<Dot, V>& ours, const DotContext& our_context, const std::map<Dot, V>& theirs,
                  const DotContext& their_context) {
  for (auto it = ours.begin(); it != ours.end();) {
    auto match = theirs.find(it->first);
    if (match != theirs.end()) {
      if (ValueLess<V>{}(it->second, match->second)) it->second = match->second;
      ++it;
    } else if (their_context.contains(it->first)) {
      it = ours.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [dot, value] : theirs) {
    if (!our_context.contains(dot)) ours.emplace(dot, value);
  }
}

// True when every dot of `dots` is in `context` (a valid causal state never holds a dot
// its context has not seen; decoders check it).
inline bool covered_by(const DotSet& dots, const DotContext& context) {
  for (const Dot& dot : dots) {
    if (!context.contains(dot)) return false;
  }
  return true;
}

}  // namespace ff::crdt
