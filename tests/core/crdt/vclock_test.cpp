#include "core/crdt/vclock.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "tests/core/crdt/crdt_generators.hpp"
#include "tests/core/crdt/crdt_properties.hpp"

namespace ff::crdt {
namespace {

using Order = VClock::Order;

VClock clock_of(std::initializer_list<std::pair<ReplicaId, std::uint64_t>> entries) {
  VClock clock;
  for (const auto& [replica, count] : entries) clock.observe(replica, count);
  return clock;
}

TEST(VClock, MissingEntriesCountAsZero) {
  const VClock empty;
  const VClock one = clock_of({{7, 1}});
  EXPECT_EQ(empty.get(7), 0u);
  EXPECT_EQ(empty.compare(one), Order::kBefore);
  EXPECT_EQ(one.compare(empty), Order::kAfter);
  EXPECT_EQ(clock_of({{7, 0}}), empty);  // a zero entry is no entry
}

TEST(VClock, CompareDistinguishesAllFourOrders) {
  const VClock a = clock_of({{1, 2}, {2, 1}});
  EXPECT_EQ(a.compare(clock_of({{1, 2}, {2, 1}})), Order::kEqual);
  EXPECT_EQ(a.compare(clock_of({{1, 3}, {2, 1}})), Order::kBefore);
  EXPECT_EQ(a.compare(clock_of({{1, 2}})), Order::kAfter);
  EXPECT_EQ(a.compare(clock_of({{1, 1}, {2, 2}})), Order::kConcurrent);
  // Concurrency found only through an entry the other clock lacks.
  EXPECT_EQ(a.compare(clock_of({{1, 2}, {2, 1}, {3, 1}})), Order::kBefore);
  EXPECT_EQ(clock_of({{3, 1}}).compare(a), Order::kConcurrent);
}

TEST(VClock, DominatesMeansGreaterOrEqual) {
  const VClock a = clock_of({{1, 2}});
  const VClock b = clock_of({{1, 1}});
  const VClock c = clock_of({{2, 1}});
  EXPECT_TRUE(a.dominates(b));
  EXPECT_TRUE(a.dominates(a));
  EXPECT_FALSE(b.dominates(a));
  EXPECT_FALSE(a.dominates(c));
  EXPECT_TRUE(a.concurrent_with(c));
}

TEST(VClock, IncrementReturnsTheDeltaOfTheNewEntry) {
  VClock clock = clock_of({{1, 4}, {2, 9}});
  const VClock delta = clock.increment(1);
  EXPECT_EQ(delta, clock_of({{1, 5}}));
  EXPECT_EQ(clock.get(1), 5u);
  EXPECT_EQ(clock.get(2), 9u);
}

TEST(VClock, IncrementSaturatesInsteadOfWrapping) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  VClock clock = clock_of({{3, kMax}});
  clock.increment(3);
  EXPECT_EQ(clock.get(3), kMax);
}

TEST(VClock, MergeIsThePointwiseMaximum) {
  VClock a = clock_of({{1, 5}, {2, 1}});
  a.merge(clock_of({{2, 3}, {4, 1}}));
  EXPECT_EQ(a, clock_of({{1, 5}, {2, 3}, {4, 1}}));
}

TEST(VClock, EncodingMatchesTheDocumentedExample) {
  // docs/crdt-encoding.md "VClock": {1: 3, 256: 1}.
  // clang-format off
  const Bytes expected = {0x01, 0x01, 0x02,                        // version, VClock, 2 entries
                          0x01, 0, 0, 0, 0, 0, 0, 0, 0x03,         // replica 1: 3
                          0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x01};     // replica 256: 1
  // clang-format on
  EXPECT_EQ(clock_of({{256, 1}, {1, 3}}).encode(), expected);
}

TEST(VClock, DecodeRejectsNonCanonicalEntries) {
  // Replica ids out of order.
  const Bytes unsorted = {0x01, 0x01, 0x02, 2, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1};
  auto decoded = VClock::decode(unsorted);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kInvalidInput);
  // A zero entry.
  const Bytes zero = {0x01, 0x01, 0x01, 1, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_FALSE(VClock::decode(zero).ok());
  // A count larger than the bytes can hold is rejected before anything is reserved.
  const Bytes huge_count = {0x01, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f};
  decoded = VClock::decode(huge_count);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kInvalidInput);
}

TEST(VClock, DecodeRejectsAnotherTypeTag) {
  const Bytes counter = {0x01, static_cast<std::uint8_t>(TypeTag::kGCounter), 0x00};
  auto decoded = VClock::decode(counter);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kInvalidInput);
}

FF_CRDT_PROPERTY_TESTS(VClockProperties, VClock, proptest::vclock_op(), 400, 40)

}  // namespace
}  // namespace ff::crdt
