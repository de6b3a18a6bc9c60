// Random-op generators for the property checks (crdt_properties.hpp), one per CRDT type.
// Values, keys and wall times come from small pools so that replicas touch the same
// element, write the same value or stamp the same time; extremes (empty strings, INT64_MIN,
// 2^64-1) are in the pools so encodings and orderings meet their edge cases.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "core/bytes.hpp"
#include "core/crdt/dot_context.hpp"
#include "core/crdt/gcounter.hpp"
#include "core/crdt/lww_register.hpp"
#include "core/crdt/mv_register.hpp"
#include "core/crdt/ormap.hpp"
#include "core/crdt/orset.hpp"
#include "core/crdt/pncounter.hpp"
#include "core/crdt/vclock.hpp"
#include "core/rng.hpp"
#include "tests/core/crdt/crdt_properties.hpp"

namespace ff::crdt::proptest {

template <class T>
T pick_value(Rng& rng);

template <>
inline std::string pick_value<std::string>(Rng& rng) {
  static const std::string kPool[] = {"", "a", "b", "apple", std::string("\0z", 2), "\xff"};
  return kPool[rng.below(6)];
}

template <>
inline std::int64_t pick_value<std::int64_t>(Rng& rng) {
  static constexpr std::int64_t kPool[] = {
      0, 1, -1, 300, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()};
  return kPool[rng.below(6)];
}

template <>
inline Bytes pick_value<Bytes>(Rng& rng) {
  static const Bytes kPool[] = {{}, {0}, {0xff, 0}, {1, 2, 3}};
  return kPool[rng.below(4)];
}

// Wall times collide (1000 twice) and run backwards between writes: they must not matter.
inline std::uint64_t pick_wall_time_ms(Rng& rng) {
  static constexpr std::uint64_t kPool[] = {0, 1000, 1000, 999, std::numeric_limits<std::uint64_t>::max()};
  return kPool[rng.below(5)];
}

// Mostly small; rarely huge, so counters also saturate.
inline std::uint64_t pick_amount(Rng& rng) {
  if (rng.chance(1, 50)) return rng.chance(1, 2) ? (1ULL << 63) : std::numeric_limits<std::uint64_t>::max();
  return rng.below(4);
}

inline RandomOp<VClock> vclock_op() {
  return [](VClock& clock, ReplicaId replica, Rng&) { return clock.increment(replica); };
}

// Adds dots with gaps (as out-of-order delivery does) or makes the next dot.
inline RandomOp<DotContext> dot_context_op() {
  return [](DotContext& context, ReplicaId replica, Rng& rng) {
    DotContext delta;
    if (rng.chance(1, 2)) {
      delta.add(context.make_dot(replica));
    } else {
      const Dot dot{pick_colliding_replica(rng), 1 + rng.below(8)};
      context.add(dot);
      delta.add(dot);
    }
    return delta;
  };
}

inline RandomOp<GCounter> gcounter_op() {
  return [](GCounter& counter, ReplicaId replica, Rng& rng) {
    if (rng.chance(1, 8)) return counter.clear();
    return counter.increment(replica, pick_amount(rng));
  };
}

inline RandomOp<PNCounter> pncounter_op() {
  return [](PNCounter& counter, ReplicaId replica, Rng& rng) {
    const std::uint64_t roll = rng.below(8);
    if (roll == 0) return counter.clear();
    if (roll < 4) return counter.decrement(replica, pick_amount(rng));
    return counter.increment(replica, pick_amount(rng));
  };
}

template <class T>
RandomOp<LWWRegister<T>> lww_op() {
  return [](LWWRegister<T>& reg, ReplicaId replica, Rng& rng) {
    if (rng.chance(1, 8)) return reg.clear();
    return reg.set(replica, pick_value<T>(rng), pick_wall_time_ms(rng));
  };
}

template <class T>
RandomOp<MVRegister<T>> mv_op() {
  return [](MVRegister<T>& reg, ReplicaId replica, Rng& rng) {
    if (rng.chance(1, 8)) return reg.clear();
    return reg.write(replica, pick_value<T>(rng));
  };
}

template <class T>
RandomOp<ORSet<T>> orset_op() {
  return [](ORSet<T>& set, ReplicaId replica, Rng& rng) {
    const std::uint64_t roll = rng.below(20);
    if (roll == 0) return set.clear();
    if (roll < 8) return set.remove(pick_value<T>(rng));
    return set.add(replica, pick_value<T>(rng));
  };
}

// Updates a key with a random op of the value type, or removes a key, or clears.
template <class V>
RandomOp<ORMap<std::string, V>> ormap_op(RandomOp<V> value_op) {
  return [value_op](ORMap<std::string, V>& map, ReplicaId replica, Rng& rng) {
    static const std::string kKeys[] = {"k1", "k2", "k3", ""};
    const std::string& key = kKeys[rng.below(4)];
    const std::uint64_t roll = rng.below(20);
    if (roll == 0) return map.clear();
    if (roll < 6) return map.remove(key);
    return map.update(replica, key, [&](V& value) { return value_op(value, replica, rng); });
  };
}

}  // namespace ff::crdt::proptest
