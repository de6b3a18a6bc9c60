#include "core/crdt/ormap.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/crdt/gcounter.hpp"
#include "core/crdt/lww_register.hpp"
#include "core/crdt/mv_register.hpp"
#include "core/crdt/orset.hpp"
#include "core/crdt/pncounter.hpp"
#include "tests/core/crdt/crdt_generators.hpp"
#include "tests/core/crdt/crdt_properties.hpp"

namespace ff::crdt {
namespace {

using Tags = ORSet<std::string>;
using TagMap = ORMap<std::string, Tags>;
using CounterMap = ORMap<std::string, GCounter>;
using PNCounterMap = ORMap<std::string, PNCounter>;
using LwwMap = ORMap<std::string, LWWRegister<std::string>>;
using MvMap = ORMap<std::string, MVRegister<std::int64_t>>;
using NestedMap = ORMap<std::string, ORMap<std::string, ORSet<std::int64_t>>>;

TagMap::Delta add_tag(TagMap& map, ReplicaId replica, const std::string& key, const std::string& tag) {
  return map.update(replica, key, [&](Tags& tags) { return tags.add(replica, tag); });
}

TEST(ORMap, UpdateCreatesTheKeyAndRemoveTakesItOut) {
  TagMap map;
  EXPECT_EQ(map.get("k"), nullptr);
  add_tag(map, 1, "k", "red");
  ASSERT_NE(map.get("k"), nullptr);
  EXPECT_TRUE(map.get("k")->contains("red"));
  EXPECT_EQ(map.keys(), std::vector<std::string>{"k"});
  map.remove("k");
  EXPECT_FALSE(map.contains("k"));
  EXPECT_EQ(map.get("k"), nullptr);
  EXPECT_EQ(map.size(), 0u);
}

TEST(ORMap, ConcurrentUpdateWinsOverRemoveAndKeepsOnlyWhatTheRemoverHadNotSeen) {
  TagMap a;
  TagMap b;
  b.apply(add_tag(a, 1, "k", "old"));
  const TagMap removed = b.remove("k");
  const TagMap updated = add_tag(a, 1, "k", "new");  // concurrent with the remove
  a.apply(removed);
  b.apply(updated);
  ASSERT_TRUE(a.contains("k"));
  EXPECT_EQ(a.get("k")->elements(), std::vector<std::string>{"new"});
  EXPECT_EQ(a, b);
}

TEST(ORMap, ConcurrentCounterUpdateSurvivesRemoveWithOnlyItsOwnIncrements) {
  CounterMap a;
  CounterMap b;
  b.apply(a.update(1, "hits", [](GCounter& c) { return c.increment(1, 5); }));
  const CounterMap removed = b.remove("hits");
  const CounterMap updated = a.update(1, "hits", [](GCounter& c) { return c.increment(1, 2); });
  a.apply(removed);
  b.apply(updated);
  ASSERT_TRUE(a.contains("hits"));
  EXPECT_EQ(a.get("hits")->value(), 2u);
  EXPECT_EQ(a, b);
}

TEST(ORMap, ReAddingARemovedKeyStartsFromAnEmptyValue) {
  CounterMap map;
  map.update(1, "hits", [](GCounter& c) { return c.increment(1, 5); });
  map.remove("hits");
  map.update(1, "hits", [](GCounter& c) { return c.increment(1, 1); });
  EXPECT_EQ(map.get("hits")->value(), 1u);
}

TEST(ORMap, AStaleCopyOfARemovedValueDoesNotComeBack) {
  TagMap a;
  add_tag(a, 1, "k", "old");
  const TagMap stale = a;
  a.remove("k");
  a.merge(stale);  // a replica that never saw the remove sends its full state
  EXPECT_FALSE(a.contains("k"));
  add_tag(a, 1, "k", "new");
  EXPECT_EQ(a.get("k")->elements(), std::vector<std::string>{"new"});
}

TEST(ORMap, ConcurrentUpdatesOfOneKeyMergeTheirValues) {
  TagMap a;
  TagMap b;
  const TagMap from_a = add_tag(a, 1, "k", "x");
  const TagMap from_b = add_tag(b, 2, "k", "y");
  a.apply(from_b);
  b.apply(from_a);
  EXPECT_EQ(a.get("k")->elements(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(a, b);
}

TEST(ORMap, ConcurrentLwwWritesInAMapAreWonByTheHigherReplicaId) {
  LwwMap a;
  LwwMap b;
  const LwwMap from_a =
      a.update(7, "title", [](LWWRegister<std::string>& r) { return r.set(7, "seven", 99); });
  const LwwMap from_b =
      b.update(3, "title", [](LWWRegister<std::string>& r) { return r.set(3, "three", 1); });
  a.apply(from_b);
  b.apply(from_a);
  EXPECT_EQ(a.get("title")->value(), "seven");
  EXPECT_EQ(a, b);
}

TEST(ORMap, NestedMapRemoveOfTheOuterKeyRemovesObservedInnerContent) {
  NestedMap a;
  NestedMap b;
  using Inner = ORMap<std::string, ORSet<std::int64_t>>;
  auto add = [](NestedMap& map, ReplicaId replica, const std::string& outer, const std::string& inner,
                std::int64_t value) {
    return map.update(replica, outer, [&](Inner& m) {
      return m.update(replica, inner, [&](ORSet<std::int64_t>& s) { return s.add(replica, value); });
    });
  };
  b.apply(add(a, 1, "doc", "tags", 1));
  const NestedMap removed = b.remove("doc");
  const NestedMap updated = add(a, 1, "doc", "other", 2);
  a.apply(removed);
  b.apply(updated);
  ASSERT_TRUE(a.contains("doc"));
  EXPECT_EQ(a.get("doc")->keys(), std::vector<std::string>{"other"});
  EXPECT_EQ(a, b);
}

TEST(ORMap, ClearRemovesEveryObservedKey) {
  TagMap a;
  add_tag(a, 1, "k1", "x");
  add_tag(a, 1, "k2", "y");
  TagMap b = a;
  const TagMap cleared = b.clear();
  EXPECT_TRUE(b.empty());
  const TagMap unseen = add_tag(a, 1, "k3", "z");
  a.apply(cleared);
  b.apply(unseen);
  EXPECT_EQ(a.keys(), std::vector<std::string>{"k3"});
  EXPECT_EQ(a, b);
}

TEST(ORMap, DecodeRejectsAMapOfAnotherValueType) {
  TagMap map;
  add_tag(map, 1, "k", "x");
  auto decoded = CounterMap::decode(map.encode());
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kInvalidInput);
}

TEST(ORMap, NestingDepthIsFixedByTheType) {
  EXPECT_EQ(OrMapNesting<TagMap>::kDepth, 1);
  EXPECT_EQ(OrMapNesting<NestedMap>::kDepth, 2);
  EXPECT_EQ(OrMapNesting<Tags>::kDepth, 0);
}

FF_CRDT_PROPERTY_TESTS(ORMapOfORSetProperties, TagMap,
                       proptest::ormap_op<Tags>(proptest::orset_op<std::string>()), 300, 40)
FF_CRDT_PROPERTY_TESTS(ORMapOfGCounterProperties, CounterMap,
                       proptest::ormap_op<GCounter>(proptest::gcounter_op()), 150, 40)
FF_CRDT_PROPERTY_TESTS(ORMapOfPNCounterProperties, PNCounterMap,
                       proptest::ormap_op<PNCounter>(proptest::pncounter_op()), 150, 40)
FF_CRDT_PROPERTY_TESTS(ORMapOfLWWRegisterProperties, LwwMap,
                       proptest::ormap_op<LWWRegister<std::string>>(proptest::lww_op<std::string>()), 150, 40)
FF_CRDT_PROPERTY_TESTS(ORMapOfMVRegisterProperties, MvMap,
                       proptest::ormap_op<MVRegister<std::int64_t>>(proptest::mv_op<std::int64_t>()), 150, 40)
FF_CRDT_PROPERTY_TESTS(ORMapOfORMapProperties, NestedMap,
                       (proptest::ormap_op<ORMap<std::string, ORSet<std::int64_t>>>(
                           proptest::ormap_op<ORSet<std::int64_t>>(proptest::orset_op<std::int64_t>()))),
                       150, 40)

}  // namespace
}  // namespace ff::crdt
