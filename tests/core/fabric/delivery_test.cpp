// Delivery of remote mutations: causal order whatever the arrival order, duplicates
// dropped, every object kind converging under concurrent writes.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/crdt/pncounter.hpp"
#include "core/fabric/fabric_node.hpp"
#include "core/fabric/fabric_wire.hpp"
#include "core/rng.hpp"
#include "tests/core/fabric/fabric_mesh.hpp"
#include "tests/support/seeds.hpp"

namespace ff::fabric {
namespace {

using testing::config_for;
using testing::drain;
using testing::make_node;
using testing::Mesh;

// The SyncMessages `node` published (persisting each record at once).
std::vector<Bytes> published_by(FabricNode& node) {
  std::vector<Bytes> out;
  for (Effect& effect : testing::persist_all(node)) {
    if (auto* publish = std::get_if<Publish>(&effect)) out.push_back(publish->data);
  }
  return out;
}

// The mutation ids of the Mutation journal records `node` emitted, in order.
std::vector<MutationId> journalled(FabricNode& node) {
  std::vector<MutationId> ids;
  for (Effect& effect : drain(node)) {
    if (auto* persist = std::get_if<Persist>(&effect)) {
      auto record = wire::decode_record(persist->record);
      EXPECT_TRUE(record.ok());
      if (record.ok()) {
        if (auto* m = std::get_if<wire::Mutation>(&record->body)) ids.push_back(m->id());
      }
    }
  }
  return ids;
}

TEST(FabricDelivery, OutOfOrderAndDuplicatedGossipIsDeliveredOnceInCausalOrder) {
  auto a = make_node(config_for("A"));
  auto b = make_node(config_for("B"));
  std::vector<Bytes> messages;
  for (const char* piece : {"a", "b", "c"}) {
    const auto length =
        static_cast<std::uint64_t>(a->object_json("doc").ok() ? a->object_json("doc")->size() - 2 : 0);
    ASSERT_TRUE(a->apply(Op::text_insert("doc", length, piece), 0).ok());
    for (Bytes& m : published_by(*a)) messages.push_back(std::move(m));
  }
  ASSERT_EQ(messages.size(), 3u);
  for (const std::size_t k : {2, 0, 2, 1, 0, 1}) b->handle_gossip("A", messages[k], 0);
  const std::vector<MutationId> order = journalled(*b);
  const crdt::ReplicaId origin = a->replica_id();
  EXPECT_EQ(order, (std::vector<MutationId>{{origin, 1}, {origin, 2}, {origin, 3}}));
  EXPECT_EQ(*b->object_json("doc"), "\"abc\"");
  EXPECT_EQ(b->metrics().deltas_received, 3u);
  EXPECT_EQ(b->metrics().duplicates_dropped, 3u);
  EXPECT_EQ(b->metrics().causal_buffered, 0u);
  EXPECT_EQ(b->version_vector().at(origin), 3u);
}

TEST(FabricDelivery, WaitsForDependenciesOfOtherOrigins) {
  auto a = make_node(config_for("A"));
  auto b = make_node(config_for("B"));
  auto c = make_node(config_for("C"));
  ASSERT_TRUE(a->apply(Op::list_insert("l", 0, "first"), 0).ok());
  const std::vector<Bytes> from_a = published_by(*a);
  b->handle_gossip("A", from_a[0], 0);
  drain(*b);
  ASSERT_TRUE(b->apply(Op::list_insert("l", 1, "second"), 0).ok());
  const std::vector<Bytes> from_b = published_by(*b);
  ASSERT_EQ(from_b.size(), 1u);
  // C hears B's write first: it depends on A's, so it waits.
  c->handle_gossip("B", from_b[0], 0);
  EXPECT_EQ(c->metrics().causal_buffered, 1u);
  EXPECT_FALSE(c->object_json("l").ok());
  c->handle_gossip("A", from_a[0], 0);
  EXPECT_EQ(c->metrics().causal_buffered, 0u);
  EXPECT_EQ(*c->object_json("l"), "[\"first\",\"second\"]");
}

TEST(FabricDelivery, DepsNameOnlyEntriesThatGrewSinceTheWritersPreviousMutation) {
  auto a = make_node(config_for("A"));
  auto b = make_node(config_for("B"));
  ASSERT_TRUE(a->apply(Op::increment("c", 1), 0).ok());
  const std::vector<Bytes> from_a = published_by(*a);
  ASSERT_EQ(from_a.size(), 1u);
  b->handle_gossip("A", from_a[0], 0);
  drain(*b);
  ASSERT_TRUE(b->apply(Op::increment("c", 1), 0).ok());
  ASSERT_TRUE(b->apply(Op::increment("c", 1), 0).ok());
  const std::vector<Bytes> from_b = published_by(*b);
  ASSERT_EQ(from_b.size(), 2u);
  auto first = wire::decode_sync(from_b[0]);
  auto second = wire::decode_sync(from_b[1]);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->deps, (wire::VersionVector{{a->replica_id(), 1}}));
  EXPECT_TRUE(second->deps.empty()) << "covered through B's first mutation";
  // A third node still delivers both in causal order: the second waits for the first,
  // which waits for A's.
  auto c = make_node(config_for("C"));
  c->handle_gossip("B", from_b[1], 0);
  c->handle_gossip("B", from_b[0], 0);
  EXPECT_EQ(c->metrics().causal_buffered, 2u);
  EXPECT_FALSE(c->object_json("c").ok());
  c->handle_gossip("A", from_a[0], 0);
  EXPECT_EQ(c->metrics().causal_buffered, 0u);
  EXPECT_EQ(*c->object_json("c"), "3");
}

TEST(FabricDelivery, CausalBufferIsBounded) {
  NodeConfig config = config_for("B");
  config.max_causal_buffer = 2;
  auto b = make_node(config);
  auto a = make_node(config_for("A"));
  std::vector<Bytes> messages;
  for (int k = 0; k < 5; ++k) {
    ASSERT_TRUE(a->apply(Op::increment("c", 1), 0).ok());
    for (Bytes& m : published_by(*a)) messages.push_back(std::move(m));
  }
  for (int k = 4; k >= 1; --k) b->handle_gossip("A", messages[static_cast<std::size_t>(k)], 0);
  EXPECT_EQ(b->metrics().causal_buffered, 2u);
  EXPECT_EQ(b->metrics().rejected_inputs, 2u);
  b->handle_gossip("A", messages[0], 0);
  // 1 delivers, then the buffered 4 and 5 cannot (2 and 3 were dropped).
  EXPECT_EQ(*b->object_json("c"), "1");
  EXPECT_EQ(b->metrics().causal_buffered, 2u);
}

TEST(FabricDelivery, OriginsAreBoundedSoTheVersionVectorStaysSendable) {
  auto b = make_node(config_for("B"));
  std::size_t rejected_before = 0;
  for (std::uint64_t origin = 1; origin <= wire::kMaxVersionVectorEntries + 3; ++origin) {
    wire::Mutation m;
    m.origin = origin;
    m.seq = 1;
    m.object = "c";
    m.kind = ObjectKind::kCounter;
    crdt::PNCounter counter;
    m.delta = counter.increment(origin, 1).encode();
    b->handle_gossip("X", wire::encode_sync(m), 0);
    if (origin == wire::kMaxVersionVectorEntries - 1) rejected_before = b->metrics().rejected_inputs;
  }
  EXPECT_EQ(rejected_before, 0u);
  // One entry is kept for B's own writes.
  EXPECT_EQ(b->version_vector().size(), wire::kMaxVersionVectorEntries - 1);
  EXPECT_EQ(b->metrics().rejected_inputs, 4u);
  EXPECT_EQ(*b->object_json("c"), std::to_string(wire::kMaxVersionVectorEntries - 1));
  ASSERT_TRUE(b->apply(Op::increment("c", 1), 0).ok());
  EXPECT_EQ(b->version_vector().size(), wire::kMaxVersionVectorEntries);
}

TEST(FabricDelivery, RemoteDeltaForAnObjectOfAnotherKindIsRejected) {
  auto a = make_node(config_for("A"));
  auto b = make_node(config_for("B"));
  ASSERT_TRUE(a->apply(Op::set_add("x", "v"), 0).ok());
  ASSERT_TRUE(b->apply(Op::increment("x", 2), 0).ok());
  drain(*b);
  for (const Bytes& m : published_by(*a)) b->handle_gossip("A", m, 0);
  EXPECT_EQ(*b->object_json("x"), "2");
  EXPECT_EQ(b->metrics().rejected_inputs, 1u);
  bool rejected_event = false;
  for (Effect& e : drain(*b)) {
    if (auto* event = std::get_if<Event>(&e)) rejected_event |= event->kind == EventKind::kRejected;
  }
  EXPECT_TRUE(rejected_event);
}

// Sizes of list/text objects from their JSON (values are single ASCII letters here).
std::uint64_t list_size(const FabricNode& node, const std::string& name) {
  auto json = node.object_json(name);
  if (!json.ok() || *json == "[]") return 0;
  return static_cast<std::uint64_t>(std::count(json->begin(), json->end(), ',')) + 1;
}
std::uint64_t text_size(const FabricNode& node, const std::string& name) {
  auto json = node.object_json(name);
  return json.ok() ? json->size() - 2 : 0;
}

void random_op(FabricNode& node, Rng& rng, std::uint64_t now) {
  const std::string letter(1, static_cast<char>('a' + rng.below(6)));
  switch (rng.below(5)) {
    case 0:
      ASSERT_TRUE(
          node.apply(Op::increment("counter", static_cast<std::int64_t>(rng.below(7)) - 3), now).ok());
      break;
    case 1:
      ASSERT_TRUE(
          node.apply(rng.chance(2, 3) ? Op::set_add("set", letter) : Op::set_remove("set", letter), now)
              .ok());
      break;
    case 2:
      ASSERT_TRUE(node.apply(rng.chance(2, 3) ? Op::map_put("map", letter, std::to_string(rng.below(100)))
                                              : Op::map_delete("map", letter),
                             now)
                      .ok());
      break;
    case 3: {
      const std::uint64_t size = list_size(node, "list");
      if (size > 0 && rng.chance(1, 3)) {
        ASSERT_TRUE(node.apply(Op::list_erase("list", rng.below(size), 1), now).ok());
      } else {
        ASSERT_TRUE(node.apply(Op::list_insert("list", rng.below(size + 1), letter), now).ok());
      }
      break;
    }
    default: {
      const std::uint64_t size = text_size(node, "text");
      if (size > 0 && rng.chance(1, 3)) {
        const std::uint64_t at = rng.below(size);
        ASSERT_TRUE(node.apply(Op::text_erase("text", at, 1 + rng.below(size - at)), now).ok());
      } else {
        ASSERT_TRUE(node.apply(Op::text_insert("text", rng.below(size + 1), letter + letter), now).ok());
      }
    }
  }
}

TEST(FabricDelivery, AllFiveKindsConvergeUnderConcurrentWritesAndPartitions) {
  const std::vector<std::string> names = {"A", "B", "C"};
  for (const std::uint64_t seed : ff::testing::property_seeds(12)) {
    Rng rng(seed);
    Mesh mesh;
    mesh.add("A");
    mesh.add("B", Sovereignty::kCitizen);
    mesh.add("C", Sovereignty::kAuthority);
    for (int round = 0; round < 60; ++round) {
      // Links come and go: gossip reaches only linked peers, Hello catches up the rest.
      const std::string& x = names[rng.below(3)];
      const std::string& y = names[rng.below(3)];
      if (x != y && rng.chance(1, 4)) {
        if (mesh.linked(x, y)) {
          mesh.disconnect(x, y);
        } else {
          mesh.connect(x, y);
        }
      }
      const std::string& writer = names[rng.below(3)];
      random_op(mesh.node(writer), rng, mesh.now_ms);
      if (rng.chance(1, 2)) mesh.drive();
    }
    mesh.drive();
    for (std::size_t i = 0; i < names.size(); ++i) {
      for (std::size_t j = i + 1; j < names.size(); ++j) {
        if (!mesh.linked(names[i], names[j])) mesh.connect(names[i], names[j]);
      }
    }
    mesh.advance(6000);  // one pulse round closes any gap left by in-flight gossip
    for (const char* object : {"counter", "set", "map", "list", "text"}) {
      auto a = mesh.node("A").object_json(object);
      for (const char* other : {"B", "C"}) {
        auto value = mesh.node(other).object_json(object);
        ASSERT_EQ(a.ok(), value.ok()) << object << " " << ff::testing::seed_note(seed);
        if (a.ok()) {
          EXPECT_EQ(*a, *value) << object << " on " << other << " " << ff::testing::seed_note(seed);
        }
      }
    }
    EXPECT_EQ(mesh.node("A").version_vector(), mesh.node("B").version_vector())
        << ff::testing::seed_note(seed);
    EXPECT_EQ(mesh.node("A").version_vector(), mesh.node("C").version_vector())
        << ff::testing::seed_note(seed);
  }
}

TEST(FabricDelivery, RemoteObjectsBeyondTheLimitAreRejectedButDelivered) {
  NodeConfig config = config_for("B");
  config.max_objects = 2;
  auto b = make_node(config);
  auto a = make_node(config_for("A"));
  for (const char* name : {"one", "two", "three"}) ASSERT_TRUE(a->apply(Op::increment(name, 1), 0).ok());
  ASSERT_TRUE(a->apply(Op::increment("one", 1), 0).ok());
  for (const Bytes& m : published_by(*a)) b->handle_gossip("A", m, 0);
  EXPECT_EQ(b->objects().size(), 2u);
  EXPECT_FALSE(b->object_json("three").ok());
  EXPECT_EQ(*b->object_json("one"), "2") << "later mutations of the origin are not stuck";
  EXPECT_EQ(b->version_vector().at(a->replica_id()), 4u);
  EXPECT_EQ(b->metrics().rejected_inputs, 1u);
}

TEST(FabricDelivery, SnapshotObjectOfAnotherKindIsRejected) {
  Mesh mesh;
  mesh.add("A", Sovereignty::kAuthority, [](NodeConfig& c) { c.max_log_mutations = 1; });
  mesh.add("B");
  ASSERT_TRUE(mesh.node("A").apply(Op::set_add("x", "v"), mesh.now_ms).ok());
  ASSERT_TRUE(mesh.node("A").apply(Op::set_add("y", "w"), mesh.now_ms).ok());
  ASSERT_TRUE(mesh.node("B").apply(Op::increment("x", 3), mesh.now_ms).ok());
  mesh.drive();
  mesh.connect("A", "B");  // A's log no longer reaches back: B gets a snapshot
  EXPECT_EQ(*mesh.node("B").object_json("x"), "3");
  EXPECT_EQ(*mesh.node("B").object_json("y"), "[\"w\"]");
  bool rejected_x = false;
  for (const Event& e : mesh["B"].events_of(EventKind::kRejected)) {
    rejected_x |= e.text.find("'x'") != std::string::npos;
  }
  EXPECT_TRUE(rejected_x);
}

TEST(FabricDelivery, StateJsonListsEveryObject) {
  auto a = make_node(config_for("A"));
  ASSERT_TRUE(a->mount("votes", ObjectKind::kCounter, DurabilityPolicy::quorum(2)).ok());
  ASSERT_TRUE(a->apply(Op::map_put("m", "k\"1", "v\n"), 0).ok());
  ASSERT_TRUE(a->apply(Op::text_insert("t", 0, "h\xC3\xA9llo"), 0).ok());
  EXPECT_EQ(a->state_json(),
            "{\"program_id\":\"demo-app\",\"peer_id\":\"A\",\"sovereignty\":\"authority\",\"objects\":{"
            "\"m\":{\"kind\":\"map\",\"policy\":\"local\",\"value\":{\"k\\\"1\":\"v\\n\"}},"
            "\"t\":{\"kind\":\"text\",\"policy\":\"local\",\"value\":\"h\xC3\xA9llo\"},"
            "\"votes\":{\"kind\":\"counter\",\"policy\":\"quorum(2)\",\"value\":0}}}");
  EXPECT_EQ(a->object_json("missing").error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace ff::fabric
