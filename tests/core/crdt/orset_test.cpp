#include "core/crdt/orset.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "tests/core/crdt/crdt_generators.hpp"
#include "tests/core/crdt/crdt_properties.hpp"

namespace ff::crdt {
namespace {

using Set = ORSet<std::string>;
using IntSet = ORSet<std::int64_t>;
using BytesSet = ORSet<Bytes>;

TEST(ORSet, AddRemoveAndContains) {
  Set set;
  set.add(1, "b");
  set.add(1, "a");
  set.add(1, "a");
  EXPECT_TRUE(set.contains("a"));
  EXPECT_EQ(set.elements(), (std::vector<std::string>{"a", "b"}));
  set.remove("a");
  EXPECT_FALSE(set.contains("a"));
  EXPECT_EQ(set.size(), 1u);
  EXPECT_EQ(set.remove("never added"), Set{});  // nothing to remove: an empty delta
}

TEST(ORSet, ConcurrentAddWinsOverRemoveOfTheSameElement) {
  Set a;
  Set b;
  b.apply(a.add(1, "x"));
  const Set removed = b.remove("x");
  const Set added_again = a.add(1, "x");  // concurrent with the remove
  a.apply(removed);
  b.apply(added_again);
  EXPECT_TRUE(a.contains("x"));
  EXPECT_TRUE(b.contains("x"));
  EXPECT_EQ(a, b);
}

TEST(ORSet, ConcurrentAddsOfTheSameElementBothNeedRemoving) {
  Set a;
  Set b;
  const Set from_a = a.add(1, "x");
  const Set from_b = b.add(2, "x");
  Set c;
  c.apply(from_a);
  const Set removed = c.remove("x");  // saw only a's add
  a.apply(from_b);
  a.apply(removed);
  EXPECT_TRUE(a.contains("x"));  // b's add survives
  ASSERT_EQ(a.entries().at("x").size(), 1u);
  EXPECT_EQ(a.entries().at("x").begin()->replica, 2u);
}

TEST(ORSet, RemoveDeltaArrivingBeforeItsAddKeepsTheElementOut) {
  Set a;
  const Set add = a.add(1, "x");
  const Set remove = a.remove("x");
  Set b;
  b.apply(remove);
  b.apply(add);
  EXPECT_FALSE(b.contains("x"));
  EXPECT_EQ(a, b);
}

TEST(ORSet, ReAddAfterRemoveIsVisible) {
  Set set;
  set.add(1, "x");
  set.remove("x");
  set.add(1, "x");
  EXPECT_TRUE(set.contains("x"));
}

TEST(ORSet, ClearRemovesOnlyObservedElements) {
  Set a;
  Set b;
  b.apply(a.add(1, "seen"));
  const Set cleared = b.clear();
  const Set unseen = a.add(1, "unseen");
  a.apply(cleared);
  b.apply(unseen);
  EXPECT_EQ(a.elements(), std::vector<std::string>{"unseen"});
  EXPECT_EQ(a, b);
}

TEST(ORSet, IntAndBytesElementsSortNumericallyAndLexicographically) {
  IntSet ints;
  ints.add(1, 5);
  ints.add(1, -3);
  ints.add(1, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(ints.elements(), (std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(), -3, 5}));
  BytesSet bytes;
  bytes.add(1, Bytes{2});
  bytes.add(1, Bytes{1, 9});
  EXPECT_EQ(bytes.elements(), (std::vector<Bytes>{Bytes{1, 9}, Bytes{2}}));
}

TEST(ORSet, EncodingMatchesTheDocumentedExample) {
  // docs/crdt-encoding.md "ORSet": replica 1 added "a".
  Set set;
  set.add(1, "a");
  // clang-format off
  const Bytes expected = {0x01, 0x07, 0x01,                                      // version, ORSet, string
                          0x01, 0x01, 0x61, 0x01, 1, 0, 0, 0, 0, 0, 0, 0, 0x01,  // "a" with dot (1, 1)
                          0x01, 1, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00};             // context {1: 1}, no cloud
  // clang-format on
  EXPECT_EQ(set.encode(), expected);
}

TEST(ORSet, DecodeRejectsUnsortedElements) {
  Set set;
  set.add(1, "a");
  set.add(1, "b");
  Bytes bytes = set.encode();
  // Swap the one-byte names: "b" first, then "a".
  bytes[5] = 'b';
  bytes[5 + 1 + 1 + 9 + 1] = 'a';
  auto decoded = Set::decode(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kInvalidInput);
}

FF_CRDT_PROPERTY_TESTS(ORSetStringProperties, Set, proptest::orset_op<std::string>(), 400, 40)
FF_CRDT_PROPERTY_TESTS(ORSetInt64Properties, IntSet, proptest::orset_op<std::int64_t>(), 150, 40)

}  // namespace
}  // namespace ff::crdt
