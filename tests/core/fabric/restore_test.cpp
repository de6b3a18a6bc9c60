// Recovery: feeding the journal records back through restore() reproduces the state and
// version vector, keeps sequence numbers going, and re-tracks unacked own writes.
#include <gtest/gtest.h>

#include "core/fabric/fabric_node.hpp"
#include "core/fabric/fabric_wire.hpp"
#include "tests/core/fabric/fabric_mesh.hpp"

namespace ff::fabric {
namespace {

using testing::config_for;
using testing::drain;
using testing::make_node;
using testing::Mesh;

TEST(FabricRestore, ReproducesStateAndVersionVector) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("B");
  mesh.connect("A", "B");
  FabricNode& a = mesh.node("A");
  ASSERT_TRUE(a.apply(Op::increment("counter", 4), mesh.now_ms).ok());
  ASSERT_TRUE(a.apply(Op::set_add("set", "x"), mesh.now_ms).ok());
  ASSERT_TRUE(a.apply(Op::map_put("map", "k", "v"), mesh.now_ms).ok());
  ASSERT_TRUE(a.apply(Op::list_insert("list", 0, "item"), mesh.now_ms).ok());
  ASSERT_TRUE(a.apply(Op::text_insert("text", 0, "hello"), mesh.now_ms).ok());
  mesh.drive();
  ASSERT_TRUE(mesh.node("B").apply(Op::text_insert("text", 5, " world"), mesh.now_ms).ok());
  ASSERT_TRUE(mesh.node("B").apply(Op::increment("counter", -1), mesh.now_ms).ok());
  mesh.drive();
  const std::string before = mesh.node("A").state_json();
  const auto vv_before = mesh.node("A").version_vector();
  ASSERT_EQ(*mesh.node("A").object_json("text"), "\"hello world\"");

  FabricNode& restored = mesh.restart_clean("A");
  EXPECT_EQ(restored.state_json(), before);
  EXPECT_EQ(restored.version_vector(), vv_before);
  // Recovery emits events only: no Persist or Publish of old records.
  EXPECT_TRUE(mesh["A"].published.empty());
  EXPECT_FALSE(mesh["A"].events_of(EventKind::kObjectChanged).empty());

  // After a clean stop the replica stays, and its sequence numbers continue.
  auto next = restored.apply(Op::increment("counter", 1), mesh.now_ms);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, vv_before.at(restored.replica_id()) + 1);
}

TEST(FabricRestore, UnackedWritesAreTrackedAgainAndUpgradedWhenAcked) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("B");
  ASSERT_TRUE(mesh.node("A").mount("c", ObjectKind::kCounter, DurabilityPolicy::quorum(2)).ok());
  ASSERT_TRUE(mesh.node("A").apply(Op::increment("c", 1), mesh.now_ms).ok());  // degraded: B is away
  ASSERT_TRUE(mesh.node("A").apply(Op::increment("plain", 1), mesh.now_ms).ok());
  mesh.drive();
  ASSERT_EQ(mesh.node("A").metrics().pending_broadcasts, 1u);

  FabricNode& a = mesh.restart_clean("A");
  EXPECT_EQ(a.metrics().pending_broadcasts, 1u) << "the dirty write is tracked again";
  mesh.connect("A", "B");
  EXPECT_EQ(*mesh.node("B").object_json("c"), "1");
  EXPECT_EQ(mesh.node("A").metrics().pending_broadcasts, 0u);
  // A second restart finds the Upgrade record and tracks nothing.
  FabricNode& again = mesh.restart_clean("A");
  EXPECT_EQ(again.metrics().pending_broadcasts, 0u);
}

TEST(FabricRestore, RetriesRestoredWritesToReachableAuthorities) {
  auto a = make_node(config_for("A"));
  ASSERT_TRUE(a->mount("c", ObjectKind::kCounter, DurabilityPolicy::quorum(2)).ok());
  ASSERT_TRUE(a->apply(Op::increment("c", 1), 0).ok());
  a->shutdown(0);
  std::vector<Bytes> journal;
  for (Effect& effect : drain(*a)) {
    if (auto* p = std::get_if<Persist>(&effect)) journal.push_back(p->record);
  }
  auto fresh = make_node(config_for("A"));
  for (const Bytes& record : journal) ASSERT_TRUE(fresh->restore(record).ok());
  fresh->restored(1000);
  testing::attach(*fresh, "B", Sovereignty::kAuthority, 100, 1000);
  EXPECT_EQ(fresh->next_timeout_ms(), 1100u);
  fresh->handle_timeout(1100);
  bool resent = false;
  for (Effect& effect : drain(*fresh)) {
    auto* send = std::get_if<SendDirect>(&effect);
    if (send == nullptr || send->peer != "B") continue;
    auto message = wire::decode_direct(send->frame);
    ASSERT_TRUE(message.ok());
    resent |= std::holds_alternative<wire::MutationBatch>(message->body);
  }
  EXPECT_TRUE(resent);
}

TEST(FabricRestore, RejectsCorruptRecordsAndLateRestores) {
  auto a = make_node(config_for("A"));
  const Bytes garbage = {0x0A, 0x05, 0x01};
  EXPECT_FALSE(a->restore(garbage).ok());
  wire::Mutation m;
  m.origin = 1;
  m.seq = 1;
  m.object = "c";
  m.kind = ObjectKind::kCounter;
  const Bytes record = wire::encode_record(wire::JournalRecord{m});
  EXPECT_TRUE(a->restore(record).ok());
  a->restored(0);
  EXPECT_FALSE(a->restore(record).ok());
}

}  // namespace
}  // namespace ff::fabric
