// LivenessGuard (pulses, stale and active peers) and anti-entropy catch-up after a
// disconnect, from the log and from a snapshot.
#include <gtest/gtest.h>

#include "core/fabric/fabric_node.hpp"
#include "core/fabric/fabric_wire.hpp"
#include "tests/core/fabric/fabric_mesh.hpp"

namespace ff::fabric {
namespace {

using testing::attach;
using testing::config_for;
using testing::drain;
using testing::make_node;
using testing::Mesh;

struct Observed {
  std::vector<std::pair<std::uint64_t, EventKind>> events;
  std::vector<std::uint64_t> pulses_to_c;
};

Observed run_timeouts(FabricNode& node, std::uint64_t until_ms) {
  Observed seen;
  while (node.next_timeout_ms() <= until_ms) {
    const std::uint64_t now = node.next_timeout_ms();
    node.handle_timeout(now);
    for (Effect& effect : drain(node)) {
      if (auto* e = std::get_if<Event>(&effect)) seen.events.push_back({now, e->kind});
      if (auto* send = std::get_if<SendDirect>(&effect)) {
        auto message = wire::decode_direct(send->frame);
        if (message.ok() && std::holds_alternative<wire::Pulse>(message->body) && send->peer == "C") {
          seen.pulses_to_c.push_back(now);
        }
      }
    }
  }
  return seen;
}

TEST(FabricLiveness, PulsesEveryIntervalAndMarksASilentCitizenStaleAfterThreeMissed) {
  auto a = make_node(config_for("A"));
  attach(*a, "C", Sovereignty::kCitizen, 200, 0);
  attach(*a, "B", Sovereignty::kAuthority, 100, 0);
  Observed seen = run_timeouts(*a, 15000);
  EXPECT_EQ(seen.pulses_to_c, (std::vector<std::uint64_t>{5000, 10000, 15000}));
  EXPECT_TRUE(seen.events.empty()) << "stale before the third pulse was missed";
  seen = run_timeouts(*a, 15001);
  ASSERT_EQ(seen.events.size(), 1u);
  EXPECT_EQ(seen.events[0], std::make_pair(std::uint64_t{15001}, EventKind::kPeerStale));
  for (const PeerInfo& info : a->peers()) EXPECT_EQ(info.stale, info.peer == "C") << info.peer;

  // A pulse from the stale peer makes it active again.
  a->handle_direct("C", wire::encode_direct(wire::DirectMessage{wire::Pulse{}}), 17000);
  bool active = false;
  for (Effect& effect : drain(*a)) {
    if (auto* e = std::get_if<Event>(&effect)) active |= e->kind == EventKind::kPeerActive && e->peer == "C";
  }
  EXPECT_TRUE(active);
  for (const PeerInfo& info : a->peers()) EXPECT_FALSE(info.stale) << info.peer;
  // Authorities are never marked stale.
  seen = run_timeouts(*a, 100000);
  for (const auto& [when, kind] : seen.events) EXPECT_EQ(kind, EventKind::kPeerStale);
  for (const PeerInfo& info : a->peers()) EXPECT_EQ(info.stale, info.peer == "C") << info.peer;
}

TEST(FabricLiveness, PulsingPeersStayActiveInAMesh) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("C", Sovereignty::kCitizen);
  mesh.connect("A", "C");
  mesh.advance(60000);
  EXPECT_TRUE(mesh["A"].events_of(EventKind::kPeerStale).empty());
  EXPECT_TRUE(mesh["C"].events_of(EventKind::kPeerStale).empty());
}

// The messages `from` sent to `to`, decoded.
std::vector<wire::DirectMessage> sent_between(Mesh& mesh, const std::string& from, const std::string& to) {
  std::vector<wire::DirectMessage> out;
  for (const SendDirect& send : mesh[from].sent) {
    if (send.peer != to) continue;
    auto message = wire::decode_direct(send.frame);
    EXPECT_TRUE(message.ok());
    if (message.ok()) out.push_back(std::move(*message));
  }
  return out;
}

TEST(FabricCatchUp, AfterADisconnectFromTheLog) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("B", Sovereignty::kCitizen);
  mesh.connect("A", "B");
  ASSERT_TRUE(mesh.node("A").apply(Op::set_add("s", "one"), mesh.now_ms).ok());
  mesh.drive();
  mesh.disconnect("A", "B");
  for (const char* v : {"two", "three", "four"})
    ASSERT_TRUE(mesh.node("A").apply(Op::set_add("s", v), mesh.now_ms).ok());
  ASSERT_TRUE(mesh.node("B").apply(Op::increment("b-only", 2), mesh.now_ms).ok());
  mesh.drive();
  mesh["A"].sent.clear();
  mesh.connect("A", "B");
  EXPECT_EQ(*mesh.node("B").object_json("s"), "[\"four\",\"one\",\"three\",\"two\"]");
  EXPECT_EQ(*mesh.node("A").object_json("b-only"), "2");
  std::size_t caught_up = 0;
  for (const auto& message : sent_between(mesh, "A", "B")) {
    EXPECT_FALSE(std::holds_alternative<wire::Snapshot>(message.body));
    if (auto* batch = std::get_if<wire::MutationBatch>(&message.body)) caught_up += batch->mutations.size();
  }
  EXPECT_EQ(caught_up, 3u) << "only the three mutations B lacked";
  EXPECT_EQ(mesh.node("A").version_vector(), mesh.node("B").version_vector());
}

TEST(FabricCatchUp, ViaSnapshotWhenTheLogNoLongerReachesBack) {
  Mesh mesh;
  mesh.add("A", Sovereignty::kAuthority, [](NodeConfig& c) { c.max_log_mutations = 2; });
  mesh.add("B");
  for (int k = 0; k < 5; ++k)
    ASSERT_TRUE(mesh.node("A").apply(Op::list_insert("l", 0, std::to_string(k)), mesh.now_ms).ok());
  ASSERT_TRUE(mesh.node("A").apply(Op::text_insert("t", 0, "hi"), mesh.now_ms).ok());
  mesh.drive();
  mesh.connect("A", "B");
  bool snapshot = false;
  for (const auto& message : sent_between(mesh, "A", "B"))
    snapshot |= std::holds_alternative<wire::Snapshot>(message.body);
  EXPECT_TRUE(snapshot);
  EXPECT_EQ(*mesh.node("B").object_json("l"), "[\"4\",\"3\",\"2\",\"1\",\"0\"]");
  EXPECT_EQ(*mesh.node("B").object_json("t"), "\"hi\"");
  EXPECT_EQ(mesh.node("A").version_vector(), mesh.node("B").version_vector());
  // Later writes flow as usual on top of the snapshot, and B's journal reproduces it all.
  ASSERT_TRUE(mesh.node("A").apply(Op::list_insert("l", 5, "5"), mesh.now_ms).ok());
  mesh.drive();
  EXPECT_EQ(*mesh.node("B").object_json("l"), "[\"4\",\"3\",\"2\",\"1\",\"0\",\"5\"]");
  FabricNode& b = mesh.restart("B");
  EXPECT_EQ(*b.object_json("l"), "[\"4\",\"3\",\"2\",\"1\",\"0\",\"5\"]");
  EXPECT_EQ(b.version_vector(), mesh.node("A").version_vector());
}

TEST(FabricCatchUp, OwnWritesTravelOnlyOnceJournalled) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("B");
  mesh["A"].auto_persist = false;
  ASSERT_TRUE(mesh.node("A").apply(Op::increment("c", 1), mesh.now_ms).ok());
  mesh.drive();
  mesh.connect("A", "B");
  mesh.advance(6000);  // a pulse round: B asks for what it lacks
  EXPECT_FALSE(mesh.node("B").object_json("c").ok()) << "B got a write A's journal does not hold yet";
  mesh.flush_journal("A");
  EXPECT_EQ(*mesh.node("B").object_json("c"), "1");
}

TEST(FabricCatchUp, ARepeatedHelloCatchesThePeerUpAgain) {
  auto a = make_node(config_for("A"));
  attach(*a, "B", Sovereignty::kCitizen, 100);
  ASSERT_TRUE(a->apply(Op::increment("c", 1), 0).ok());
  testing::persist_all(*a);
  // B restarted without A noticing: its new Hello says it holds nothing.
  a->handle_direct("B", testing::hello_frame("B", Sovereignty::kAuthority, 100), 10);
  std::size_t batches = 0;
  bool joined = false;
  for (Effect& effect : drain(*a)) {
    if (auto* send = std::get_if<SendDirect>(&effect)) {
      auto message = wire::decode_direct(send->frame);
      ASSERT_TRUE(message.ok());
      batches += std::holds_alternative<wire::MutationBatch>(message->body) ? 1 : 0;
    }
    if (auto* e = std::get_if<Event>(&effect)) joined |= e->kind == EventKind::kPeerJoined;
  }
  EXPECT_EQ(batches, 1u);
  EXPECT_FALSE(joined);
  ASSERT_EQ(a->peers().size(), 1u);
  EXPECT_EQ(a->peers()[0].sovereignty, Sovereignty::kAuthority);
}

TEST(FabricCatchUp, BatchesStayBelowTheFrameLimit) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("B");
  const std::string chunk(600 * 1024, 'x');
  for (int k = 0; k < 9; ++k)
    ASSERT_TRUE(mesh.node("A").apply(Op::list_insert("big", 0, chunk), mesh.now_ms).ok());
  mesh.drive();
  mesh.connect("A", "B");
  std::size_t batches = 0;
  for (const SendDirect& send : mesh["A"].sent) {
    EXPECT_LE(send.frame.size(), kMaxDirectFrameBytes);
    auto message = wire::decode_direct(send.frame);
    if (message.ok() && std::holds_alternative<wire::MutationBatch>(message->body)) ++batches;
  }
  EXPECT_GE(batches, 2u);
  EXPECT_EQ(mesh.node("B").version_vector(), mesh.node("A").version_vector());
}

}  // namespace
}  // namespace ff::fabric
