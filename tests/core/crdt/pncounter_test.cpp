#include "core/crdt/pncounter.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "tests/core/crdt/crdt_generators.hpp"
#include "tests/core/crdt/crdt_properties.hpp"

namespace ff::crdt {
namespace {

TEST(PNCounter, ValueIsIncrementsMinusDecrementsAcrossReplicas) {
  PNCounter a;
  PNCounter b;
  a.increment(1, 5);
  b.decrement(2, 8);
  b.increment(2, 1);
  a.merge(b);
  b.merge(a);
  EXPECT_EQ(a.value(), -2);
  EXPECT_EQ(b.value(), -2);
}

TEST(PNCounter, ConcurrentIncrementAndDecrementBothCount) {
  PNCounter base;
  base.increment(1, 10);
  PNCounter a = base;
  PNCounter b = base;
  const PNCounter up = a.increment(1, 3);
  const PNCounter down = b.decrement(2, 4);
  a.apply(down);
  b.apply(up);
  EXPECT_EQ(a.value(), 9);
  EXPECT_EQ(a, b);
}

TEST(PNCounter, ValueClampsToTheInt64Range) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  PNCounter up;
  up.increment(1, kMax);
  EXPECT_EQ(up.value(), std::numeric_limits<std::int64_t>::max());
  PNCounter down;
  down.decrement(1, kMax);
  EXPECT_EQ(down.value(), std::numeric_limits<std::int64_t>::min());
  PNCounter exact;
  exact.decrement(1, 1ULL << 63);
  EXPECT_EQ(exact.value(), std::numeric_limits<std::int64_t>::min());
}

TEST(PNCounter, ClearResetsBothHalvesAsObserved) {
  PNCounter a;
  a.increment(1, 7);
  a.decrement(1, 2);
  PNCounter b = a;
  const PNCounter cleared = b.clear();
  const PNCounter late = a.decrement(3, 1);  // not seen by the clear
  a.apply(cleared);
  b.apply(late);
  EXPECT_EQ(a.value(), -1);
  EXPECT_EQ(a, b);
}

FF_CRDT_PROPERTY_TESTS(PNCounterProperties, PNCounter, proptest::pncounter_op(), 400, 40)

}  // namespace
}  // namespace ff::crdt
