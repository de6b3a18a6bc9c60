#include "core/crdt/dot_context.hpp"

#include <gtest/gtest.h>

#include "tests/core/crdt/crdt_generators.hpp"
#include "tests/core/crdt/crdt_properties.hpp"

namespace ff::crdt {
namespace {

TEST(DotContext, ContiguousDotsFoldIntoTheVersionVector) {
  DotContext context;
  context.add(Dot{5, 1});
  context.add(Dot{5, 2});
  EXPECT_EQ(context.version_vector().get(5), 2u);
  EXPECT_TRUE(context.cloud().empty());
  EXPECT_TRUE(context.contains(Dot{5, 1}));
  EXPECT_TRUE(context.contains(Dot{5, 2}));
  EXPECT_FALSE(context.contains(Dot{5, 3}));
  EXPECT_FALSE(context.contains(Dot{6, 1}));
}

TEST(DotContext, OutOfOrderDotWaitsInTheCloudUntilTheGapFills) {
  DotContext context;
  context.add(Dot{5, 3});
  context.add(Dot{5, 4});
  EXPECT_EQ(context.version_vector().get(5), 0u);
  EXPECT_EQ(context.cloud().size(), 2u);
  EXPECT_TRUE(context.contains(Dot{5, 3}));
  EXPECT_FALSE(context.contains(Dot{5, 2}));
  context.add(Dot{5, 1});
  EXPECT_EQ(context.cloud().size(), 2u);  // 2 still missing
  context.add(Dot{5, 2});
  EXPECT_EQ(context.version_vector().get(5), 4u);
  EXPECT_TRUE(context.cloud().empty());
}

TEST(DotContext, EqualDotSetsAreEqualWhateverTheArrivalOrder) {
  DotContext forward;
  DotContext backward;
  for (std::uint64_t n = 1; n <= 6; ++n) forward.add(Dot{9, n});
  for (std::uint64_t n = 6; n >= 1; --n) backward.add(Dot{9, n});
  EXPECT_EQ(forward, backward);
  EXPECT_EQ(forward.encode(), backward.encode());
}

TEST(DotContext, MergeUnitesAndCompacts) {
  DotContext a;
  a.add(Dot{1, 1});
  a.add(Dot{1, 3});
  DotContext b;
  b.add(Dot{1, 1});
  b.add(Dot{1, 2});
  b.add(Dot{2, 2});
  a.merge(b);
  EXPECT_EQ(a.version_vector().get(1), 3u);
  EXPECT_EQ(a.version_vector().get(2), 0u);
  EXPECT_EQ(a.cloud(), (DotSet{Dot{2, 2}}));
}

TEST(DotContext, MakeDotGoesPastEveryDotSeenOfTheReplica) {
  DotContext context;
  EXPECT_EQ(context.make_dot(4), (Dot{4, 1}));
  context.add(Dot{4, 7});  // seen out of order (e.g. a colliding replica id)
  const Dot next = context.make_dot(4);
  EXPECT_EQ(next, (Dot{4, 8}));
  EXPECT_TRUE(context.contains(next));
}

TEST(DotContext, DecodeRejectsACloudDotThatShouldHaveBeenFolded) {
  DotContext context;
  context.add(Dot{1, 1});
  Bytes bytes = context.encode();
  // Append a cloud dot (1, 2): it continues the prefix 1, so the canonical form folds it.
  bytes.back() = 1;  // cloud count
  const Bytes dot = {1, 0, 0, 0, 0, 0, 0, 0, 2};
  bytes.insert(bytes.end(), dot.begin(), dot.end());
  auto decoded = DotContext::decode(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kInvalidInput);
  bytes.back() = 3;  // (1, 3) leaves a gap: valid
  EXPECT_TRUE(DotContext::decode(bytes).ok());
}

FF_CRDT_PROPERTY_TESTS(DotContextProperties, DotContext, proptest::dot_context_op(), 400, 40)

}  // namespace
}  // namespace ff::crdt
