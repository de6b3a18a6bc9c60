#include "core/crdt/delta_buffer.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/crdt/gcounter.hpp"

namespace ff::crdt {
namespace {

TEST(DeltaBuffer, DefaultCapacityIsTheNamedConstant) {
  DeltaBuffer<int> buffer;
  EXPECT_EQ(buffer.capacity(), kDefaultDeltaBufferCapacity);
  EXPECT_EQ(buffer.last_seq(), 0u);
  EXPECT_EQ(buffer.size(), 0u);
}

TEST(DeltaBuffer, PushNumbersDeltasFromOne) {
  DeltaBuffer<int> buffer(4);
  EXPECT_EQ(buffer.push(10), 1u);
  EXPECT_EQ(buffer.push(20), 2u);
  EXPECT_EQ(buffer.last_seq(), 2u);
  EXPECT_EQ(buffer.first_seq(), 1u);
}

TEST(DeltaBuffer, SinceReturnsExactlyTheDeltasAfterTheSequenceOldestFirst) {
  DeltaBuffer<int> buffer(4);
  for (int value = 1; value <= 3; ++value) buffer.push(value * 10);
  auto all = buffer.since(0);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (std::vector<int>{10, 20, 30}));
  auto tail = buffer.since(2);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(*tail, std::vector<int>{30});
  auto none = buffer.since(3);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(DeltaBuffer, DeltasThatFellOffTheRingAnswerTooOld) {
  DeltaBuffer<int> buffer(3);
  for (int value = 1; value <= 5; ++value) buffer.push(value);  // keeps 3, 4, 5
  EXPECT_EQ(buffer.size(), 3u);
  EXPECT_EQ(buffer.first_seq(), 3u);
  auto too_old = buffer.since(1);  // needs 2, which was dropped
  ASSERT_FALSE(too_old.ok());
  EXPECT_EQ(too_old.error().code, Errc::kNotFound);
  auto oldest_kept = buffer.since(2);  // needs 3, 4, 5: all kept
  ASSERT_TRUE(oldest_kept.ok());
  EXPECT_EQ(*oldest_kept, (std::vector<int>{3, 4, 5}));
}

TEST(DeltaBuffer, ASequenceBeyondTheLastIsAnError) {
  DeltaBuffer<int> buffer(3);
  buffer.push(1);
  auto future = buffer.since(2);
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.error().code, Errc::kInvalidInput);
}

TEST(DeltaBuffer, CapacityOneKeepsOnlyTheNewest) {
  DeltaBuffer<int> buffer(1);
  buffer.push(1);
  buffer.push(2);
  auto newest = buffer.since(1);
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(*newest, std::vector<int>{2});
  EXPECT_FALSE(buffer.since(0).ok());
}

TEST(DeltaBuffer, WrapsAroundManyTimesWithoutGrowing) {
  DeltaBuffer<GCounter> buffer(5);
  GCounter counter;
  for (int i = 0; i < 1000; ++i) buffer.push(counter.increment(1));
  EXPECT_EQ(buffer.size(), 5u);
  auto recent = buffer.since(995);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 5u);
  EXPECT_EQ(recent->back().value(), 1000u);
  EXPECT_EQ(recent->front().value(), 996u);
}

}  // namespace
}  // namespace ff::crdt
