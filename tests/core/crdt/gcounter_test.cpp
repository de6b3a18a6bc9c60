#include "core/crdt/gcounter.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "tests/core/crdt/crdt_generators.hpp"
#include "tests/core/crdt/crdt_properties.hpp"

namespace ff::crdt {
namespace {

TEST(GCounter, ValueSumsEveryReplicasIncrements) {
  GCounter a;
  GCounter b;
  a.increment(1, 3);
  b.increment(2, 4);
  b.increment(2);
  a.merge(b);
  EXPECT_EQ(a.value(), 8u);
  EXPECT_EQ(a.contribution(1), 3u);
  EXPECT_EQ(a.contribution(2), 5u);
}

TEST(GCounter, RedeliveredStateCountsOnce) {
  GCounter a;
  GCounter b;
  b.increment(2, 5);
  a.merge(b);
  a.merge(b);
  a.apply(b);
  EXPECT_EQ(a.value(), 5u);
}

TEST(GCounter, DeltaCarriesOnlyTheIncrementingReplica) {
  GCounter counter;
  counter.increment(1, 10);
  const GCounter delta = counter.increment(2, 1);
  EXPECT_EQ(delta.value(), 1u);
  EXPECT_EQ(delta.contribution(1), 0u);
  EXPECT_EQ(counter.increment(2, 0), GCounter{});  // adding zero changes nothing
}

TEST(GCounter, IncrementSaturatesInsteadOfWrapping) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  GCounter counter;
  counter.increment(1, kMax - 1);
  counter.increment(1, 5);
  EXPECT_EQ(counter.contribution(1), kMax);
  counter.increment(2, 5);
  EXPECT_EQ(counter.value(), kMax);  // the sum saturates too
}

TEST(GCounter, ClearResetsOnlyTheIncrementsItObserved) {
  GCounter a;
  a.increment(1, 3);
  GCounter b = a;
  const GCounter cleared = b.clear();
  EXPECT_EQ(b.value(), 0u);
  a.increment(1, 2);  // concurrent with the clear
  a.apply(cleared);
  b.merge(a);
  EXPECT_EQ(a.value(), 2u);
  EXPECT_EQ(b.value(), 2u);
  EXPECT_EQ(a, b);
}

TEST(GCounter, DecodeRejectsAnAllZeroEntry) {
  const Bytes bytes = {0x01, static_cast<std::uint8_t>(TypeTag::kGCounter), 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  auto decoded = GCounter::decode(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kInvalidInput);
}

FF_CRDT_PROPERTY_TESTS(GCounterProperties, GCounter, proptest::gcounter_op(), 400, 40)

}  // namespace
}  // namespace ff::crdt
