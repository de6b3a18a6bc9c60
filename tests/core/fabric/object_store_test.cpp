// The five object kinds behind SharedObject: local ops, remote deltas, full states and
// their JSON values.
#include "core/fabric/object_store.hpp"

#include <gtest/gtest.h>

namespace ff::fabric {
namespace {

// Applies `op` on `writer`, ships the delta to `reader`, and returns the delta.
Bytes ship(SharedObject& writer, SharedObject& reader, const Op& op) {
  auto delta = writer.apply_local(op, 0);
  EXPECT_TRUE(delta.ok()) << (delta.ok() ? "" : delta.error().message);
  if (!delta.ok()) return {};
  Status applied = reader.apply_delta(*delta);
  EXPECT_TRUE(applied.ok()) << (applied.ok() ? "" : applied.error().message);
  return *delta;
}

TEST(SharedObject, EveryKindShipsDeltasAndStates) {
  struct Case {
    ObjectKind kind;
    std::vector<Op> ops;
    std::string json;
  };
  const std::vector<Case> cases = {
      {ObjectKind::kCounter, {Op::increment("o", 5), Op::increment("o", -7)}, "-2"},
      {ObjectKind::kSet, {Op::set_add("o", "b"), Op::set_add("o", "a"), Op::set_remove("o", "b")}, "[\"a\"]"},
      {ObjectKind::kMap,
       {Op::map_put("o", "k", "1"), Op::map_put("o", "j", "2"), Op::map_delete("o", "k")},
       "{\"j\":\"2\"}"},
      {ObjectKind::kList,
       {Op::list_insert("o", 0, "x"), Op::list_insert("o", 0, "y"), Op::list_erase("o", 1, 1)},
       "[\"y\"]"},
      {ObjectKind::kText, {Op::text_insert("o", 0, "hello"), Op::text_erase("o", 1, 3)}, "\"ho\""},
  };
  for (const Case& c : cases) {
    auto writer = SharedObject::make(c.kind, 1);
    auto reader = SharedObject::make(c.kind, 2);
    for (const Op& op : c.ops) ship(*writer, *reader, op);
    EXPECT_EQ(writer->value_json(), c.json) << object_kind_name(c.kind);
    EXPECT_EQ(reader->value_json(), c.json) << object_kind_name(c.kind);
    auto copy = SharedObject::from_state(c.kind, 3, writer->encode_state());
    ASSERT_TRUE(copy.ok()) << object_kind_name(c.kind);
    EXPECT_EQ((*copy)->value_json(), c.json);
    auto empty = SharedObject::make(c.kind, 4);
    ASSERT_TRUE(empty->merge_state(writer->encode_state()).ok());
    EXPECT_EQ(empty->value_json(), c.json);
  }
}

TEST(SharedObject, StatesAndDeltasOfAnotherKindAreRejected) {
  auto counter = SharedObject::make(ObjectKind::kCounter, 1);
  auto set = SharedObject::make(ObjectKind::kSet, 1);
  ASSERT_TRUE(set->apply_local(Op::set_add("o", "x"), 0).ok());
  EXPECT_FALSE(counter->apply_delta(set->encode_state()).ok());
  EXPECT_FALSE(counter->merge_state(set->encode_state()).ok());
  EXPECT_FALSE(SharedObject::from_state(ObjectKind::kText, 1, set->encode_state()).ok());
  EXPECT_EQ(counter->value_json(), "0");
  EXPECT_FALSE(counter->apply_local(Op::set_add("o", "x"), 0).ok()) << "wrong action for the kind";
}

TEST(SharedObject, ConcurrentMapPutsPickTheSameWinnerEverywhere) {
  auto a = SharedObject::make(ObjectKind::kMap, 10);
  auto b = SharedObject::make(ObjectKind::kMap, 20);
  const Bytes from_a = *a->apply_local(Op::map_put("o", "k", "a"), 0);
  const Bytes from_b = *b->apply_local(Op::map_put("o", "k", "b"), 0);
  ASSERT_TRUE(a->apply_delta(from_b).ok());
  ASSERT_TRUE(b->apply_delta(from_a).ok());
  EXPECT_EQ(a->value_json(), b->value_json());
  EXPECT_EQ(a->value_json(), "{\"k\":\"b\"}");  // concurrent: the higher replica id wins
}

TEST(JsonQuote, EscapesControlsAndReplacesInvalidUtf8) {
  EXPECT_EQ(json_quote("plain"), "\"plain\"");
  EXPECT_EQ(json_quote("a\"b\\c\n\t"), "\"a\\\"b\\\\c\\n\\t\"");
  EXPECT_EQ(json_quote(std::string("\x01\x7f", 2)), "\"\\u0001\\u007f\"");
  EXPECT_EQ(json_quote("caf\xC3\xA9 \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
  EXPECT_EQ(json_quote("bad \xC3 end"), "\"bad \\ufffd end\"");
  EXPECT_EQ(json_quote("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
  EXPECT_EQ(json_quote("\xC0\xAF"), "\"\\ufffd\\ufffd\"");             // overlong
}

}  // namespace
}  // namespace ff::fabric
