// DurabilityPolicy completion of own writes: Local, Quorum(N) (with degrade and the later
// Upgrade record), StrictQuorum(N), Leader, and which acks count.
#include <gtest/gtest.h>

#include "core/fabric/fabric_node.hpp"
#include "core/fabric/fabric_wire.hpp"
#include "tests/core/fabric/fabric_mesh.hpp"

namespace ff::fabric {
namespace {

using testing::ack_frame;
using testing::attach;
using testing::config_for;
using testing::drain;
using testing::find_event;
using testing::make_node;
using testing::Mesh;
using testing::persist_all;

// The Upgrade records in `journal`, flattened.
std::vector<std::uint64_t> upgraded_seqs(const std::vector<Bytes>& journal) {
  std::vector<std::uint64_t> seqs;
  for (const Bytes& record : journal) {
    auto decoded = wire::decode_record(record);
    EXPECT_TRUE(decoded.ok());
    if (!decoded.ok()) continue;
    if (auto* upgrade = std::get_if<wire::Upgrade>(&decoded->body)) {
      seqs.insert(seqs.end(), upgrade->seqs.begin(), upgrade->seqs.end());
    }
  }
  return seqs;
}

TEST(FabricDurability, LocalCompletesWhenTheJournalHoldsTheWrite) {
  Mesh mesh;
  mesh.add("A");
  mesh["A"].auto_persist = false;
  auto id = mesh.node("A").apply(Op::increment("c", 1), mesh.now_ms);
  ASSERT_TRUE(id.ok());
  mesh.drive();
  EXPECT_FALSE(mesh["A"].write_done(*id).has_value());
  EXPECT_TRUE(mesh["A"].published.empty());
  mesh.flush_journal("A");
  auto done = mesh["A"].write_done(*id);
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->status.ok());
  EXPECT_FALSE(done->degraded);
  EXPECT_EQ(mesh["A"].published.size(), 1u);
}

TEST(FabricDurability, QuorumOfTwoCompletesAfterTheOtherAuthorityAcks) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("B");
  mesh.connect("A", "B");
  mesh["B"].auto_persist = false;  // B acks only once its journal holds the write
  ASSERT_TRUE(mesh.node("A").mount("c", ObjectKind::kCounter, DurabilityPolicy::quorum(2)).ok());
  auto id = mesh.node("A").apply(Op::increment("c", 5), mesh.now_ms);
  ASSERT_TRUE(id.ok());
  mesh.drive();
  EXPECT_EQ(*mesh.node("B").object_json("c"), "5");  // applied, not yet durable
  EXPECT_FALSE(mesh["A"].write_done(*id).has_value());
  EXPECT_EQ(mesh.node("B").metrics().acks_sent, 0u);
  mesh.flush_journal("B");
  auto done = mesh["A"].write_done(*id);
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->status.ok());
  EXPECT_EQ(done->acks, 2u);
  EXPECT_FALSE(done->degraded);
  EXPECT_EQ(mesh.node("A").metrics().acks_received, 1u);
  EXPECT_EQ(mesh.node("A").metrics().pending_broadcasts, 0u);
  EXPECT_EQ(upgraded_seqs(mesh["A"].journal), (std::vector<std::uint64_t>{1}));
}

TEST(FabricDurability, QuorumOfTwoAmongThreeAuthoritiesNeedsOnlyTheFirstAck) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("B");
  mesh.add("C");
  mesh.connect("A", "B");
  mesh.connect("A", "C");
  mesh.connect("B", "C");
  mesh["B"].auto_persist = false;
  mesh["C"].auto_persist = false;
  ASSERT_TRUE(mesh.node("A").mount("c", ObjectKind::kCounter, DurabilityPolicy::quorum(3)).ok());
  ASSERT_TRUE(mesh.node("A").mount("d", ObjectKind::kCounter, DurabilityPolicy::quorum(2)).ok());
  auto three = mesh.node("A").apply(Op::increment("c", 1), mesh.now_ms);
  auto two = mesh.node("A").apply(Op::increment("d", 1), mesh.now_ms);
  ASSERT_TRUE(three.ok() && two.ok());
  mesh.drive();
  EXPECT_FALSE(mesh["A"].write_done(*two).has_value());
  mesh.flush_journal("C");
  ASSERT_TRUE(mesh["A"].write_done(*two).has_value());
  EXPECT_EQ(mesh["A"].write_done(*two)->acks, 2u);
  EXPECT_FALSE(mesh["A"].write_done(*three).has_value()) << "quorum(3) still misses B";
  mesh.flush_journal("B");
  ASSERT_TRUE(mesh["A"].write_done(*three).has_value());
  EXPECT_EQ(mesh["A"].write_done(*three)->acks, 3u);
  EXPECT_FALSE(mesh["A"].write_done(*three)->degraded);
}

TEST(FabricDurability, QuorumDegradesWithWarningAndUpgradesWhenTheAuthorityReturns) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("B");
  ASSERT_TRUE(mesh.node("A").mount("c", ObjectKind::kCounter, DurabilityPolicy::quorum(2)).ok());
  auto id = mesh.node("A").apply(Op::increment("c", 1), mesh.now_ms);
  ASSERT_TRUE(id.ok());
  mesh.drive();
  auto done = mesh["A"].write_done(*id);
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->status.ok());
  EXPECT_TRUE(done->degraded);
  EXPECT_EQ(done->acks, 1u);
  const auto warnings = mesh["A"].events_of(EventKind::kWarning);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].object, "c");
  EXPECT_TRUE(upgraded_seqs(mesh["A"].journal).empty()) << "a degraded write is dirty until acked";
  EXPECT_EQ(mesh.node("A").metrics().pending_broadcasts, 1u);

  mesh.connect("A", "B");  // catch-up carries the write to B, which acks it
  EXPECT_EQ(*mesh.node("B").object_json("c"), "1");
  EXPECT_EQ(upgraded_seqs(mesh["A"].journal), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(mesh.node("A").metrics().pending_broadcasts, 0u);
}

TEST(FabricDurability, StrictQuorumFailsWithUnavailable) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("B");
  ASSERT_TRUE(mesh.node("A").mount("c", ObjectKind::kCounter, DurabilityPolicy::strict_quorum(2)).ok());
  auto refused = mesh.node("A").apply(Op::increment("c", 1), mesh.now_ms);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kUnavailable);
  EXPECT_NE(refused.error().message.find("1 of 2"), std::string::npos) << refused.error().message;
  EXPECT_FALSE(mesh.node("A").object_json("c").ok() && *mesh.node("A").object_json("c") != "0");

  // Reachable when written, but the other Authority leaves before acking.
  mesh.connect("A", "B");
  mesh["B"].auto_persist = false;
  auto id = mesh.node("A").apply(Op::increment("c", 1), mesh.now_ms);
  ASSERT_TRUE(id.ok());
  mesh.drive();
  EXPECT_FALSE(mesh["A"].write_done(*id).has_value());
  mesh.disconnect("A", "B");
  auto done = mesh["A"].write_done(*id);
  ASSERT_TRUE(done.has_value());
  ASSERT_FALSE(done->status.ok());
  EXPECT_EQ(done->status.error().code, Errc::kUnavailable);
}

TEST(FabricDurability, StrictQuorumFailsAfterTheWriteTimeout) {
  auto a = make_node(config_for("A"));
  attach(*a, "B", Sovereignty::kAuthority, 77);
  ASSERT_TRUE(a->mount("c", ObjectKind::kCounter, DurabilityPolicy::strict_quorum(2)).ok());
  auto id = a->apply(Op::increment("c", 1), 0);
  ASSERT_TRUE(id.ok());
  EXPECT_FALSE(find_event(persist_all(*a, 0), EventKind::kWriteDone).has_value());
  a->handle_timeout(a->config().write_timeout_ms - 1);
  EXPECT_FALSE(find_event(drain(*a), EventKind::kWriteDone).has_value());
  a->handle_timeout(a->config().write_timeout_ms);
  auto done = find_event(drain(*a), EventKind::kWriteDone);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status.error().code, Errc::kUnavailable);
}

TEST(FabricDurability, LeaderIsTheReachableAuthorityWithTheSmallestPeerId) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("B");
  mesh.add("C", Sovereignty::kCitizen);
  mesh.connect("A", "B");
  mesh.connect("B", "C");
  for (const char* n : {"A", "B", "C"}) {
    ASSERT_TRUE(mesh.node(n).mount("l", ObjectKind::kList, DurabilityPolicy::leader()).ok());
  }
  // A is the leader: its own write completes on its own journal.
  auto by_a = mesh.node("A").apply(Op::list_insert("l", 0, "x"), mesh.now_ms);
  ASSERT_TRUE(by_a.ok());
  mesh.drive();
  ASSERT_TRUE(mesh["A"].write_done(*by_a).has_value());
  EXPECT_TRUE(mesh["A"].write_done(*by_a)->status.ok());

  // B waits for A's ack.
  mesh["A"].auto_persist = false;
  auto by_b = mesh.node("B").apply(Op::list_insert("l", 0, "y"), mesh.now_ms);
  ASSERT_TRUE(by_b.ok());
  mesh.drive();
  EXPECT_FALSE(mesh["B"].write_done(*by_b).has_value());
  mesh.flush_journal("A");
  ASSERT_TRUE(mesh["B"].write_done(*by_b).has_value());
  EXPECT_TRUE(mesh["B"].write_done(*by_b)->status.ok());
  mesh["A"].auto_persist = true;

  // Without A, B leads itself.
  mesh.disconnect("A", "B");
  auto alone = mesh.node("B").apply(Op::list_insert("l", 0, "z"), mesh.now_ms);
  ASSERT_TRUE(alone.ok());
  mesh.drive();
  ASSERT_TRUE(mesh["B"].write_done(*alone).has_value());
  EXPECT_TRUE(mesh["B"].write_done(*alone)->status.ok());

  // A Citizen with no Authority reachable cannot write under Leader.
  mesh.disconnect("B", "C");
  auto citizen = mesh.node("C").apply(Op::list_insert("l", 0, "w"), mesh.now_ms);
  ASSERT_FALSE(citizen.ok());
  EXPECT_EQ(citizen.error().code, Errc::kUnavailable);
}

TEST(FabricDurability, CitizenAcksNeverCount) {
  auto a = make_node(config_for("A"));
  attach(*a, "B", Sovereignty::kAuthority, 100);
  attach(*a, "C", Sovereignty::kCitizen, 200);
  ASSERT_TRUE(a->mount("c", ObjectKind::kCounter, DurabilityPolicy::quorum(2)).ok());
  auto id = a->apply(Op::increment("c", 1), 0);
  ASSERT_TRUE(id.ok());
  persist_all(*a);
  a->handle_direct("C", ack_frame(*id, 200), 1);
  EXPECT_FALSE(find_event(drain(*a), EventKind::kWriteDone).has_value());
  // An ack naming another replica than the sender's is not counted either.
  a->handle_direct("B", ack_frame(*id, 200), 1);
  EXPECT_FALSE(find_event(drain(*a), EventKind::kWriteDone).has_value());
  a->handle_direct("B", ack_frame(*id, 100), 1);
  auto done = find_event(drain(*a), EventKind::kWriteDone);
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->status.ok());
  EXPECT_EQ(done->acks, 2u);
}

TEST(FabricDurability, CitizensDoNotAckAndAuthoritiesAckOnlyWhenAsked) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("B");
  mesh.add("C", Sovereignty::kCitizen);
  mesh.connect("A", "B");
  mesh.connect("A", "C");
  ASSERT_TRUE(mesh.node("A").mount("q", ObjectKind::kSet, DurabilityPolicy::quorum(3)).ok());
  ASSERT_TRUE(mesh.node("A").apply(Op::set_add("q", "v"), mesh.now_ms).ok());
  ASSERT_TRUE(mesh.node("A").apply(Op::set_add("local", "v"), mesh.now_ms).ok());
  mesh.drive();
  EXPECT_EQ(mesh.node("B").metrics().acks_sent, 1u);
  EXPECT_EQ(mesh.node("C").metrics().acks_sent, 0u);
  EXPECT_EQ(*mesh.node("C").object_json("q"), "[\"v\"]");
}

TEST(FabricDurability, PendingWritesAreBounded) {
  NodeConfig config = config_for("A");
  config.max_pending_writes = 2;
  auto a = make_node(config);
  ASSERT_TRUE(a->apply(Op::increment("c", 1), 0).ok());
  ASSERT_TRUE(a->apply(Op::increment("c", 1), 0).ok());
  auto third = a->apply(Op::increment("c", 1), 0);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, Errc::kLimitExceeded);
  persist_all(*a);
  EXPECT_TRUE(a->apply(Op::increment("c", 1), 0).ok());
}

}  // namespace
}  // namespace ff::fabric
