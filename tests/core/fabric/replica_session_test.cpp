// Replica sessions (docs/fabric.md "Replica sessions"): own writes are published before
// their sync, and what keeps that safe — a Session record synced before a session's first
// publish, a fresh replica after any start that did not follow a clean shutdown().
#include <gtest/gtest.h>

#include "core/fabric/fabric_node.hpp"
#include "core/fabric/fabric_wire.hpp"
#include "tests/core/fabric/fabric_mesh.hpp"

namespace ff::fabric {
namespace {

using testing::config_for;
using testing::drain;
using testing::fresh_replica_for;
using testing::make_node;
using testing::Mesh;

struct Split {
  std::vector<Persist> persists;
  std::vector<Publish> publishes;
  std::vector<Event> events;
};

Split split(std::vector<Effect> effects) {
  Split out;
  for (Effect& effect : effects) {
    if (auto* p = std::get_if<Persist>(&effect)) out.persists.push_back(std::move(*p));
    if (auto* p = std::get_if<Publish>(&effect)) out.publishes.push_back(std::move(*p));
    if (auto* e = std::get_if<Event>(&effect)) out.events.push_back(std::move(*e));
  }
  return out;
}

template <typename T>
bool holds(const Persist& persist) {
  auto record = wire::decode_record(persist.record);
  return record.ok() && std::holds_alternative<T>(record->body);
}

// The direct messages among `effects` addressed to `peer`, decoded (a frame that does not
// decode fails the test).
std::vector<wire::DirectMessage> direct_to(const std::string& peer, std::vector<Effect> effects) {
  std::vector<wire::DirectMessage> out;
  for (Effect& effect : effects) {
    auto* send = std::get_if<SendDirect>(&effect);
    if (send == nullptr || send->peer != peer) continue;
    auto message = wire::decode_direct(send->frame);
    EXPECT_TRUE(message.ok()) << message.error().message;
    if (message.ok()) out.push_back(std::move(*message));
  }
  return out;
}

bool has_write_done(const std::vector<Event>& events) {
  for (const Event& e : events) {
    if (e.kind == EventKind::kWriteDone) return true;
  }
  return false;
}

TEST(FabricReplicaSession, PublishesBeforeTheSyncOnceTheSessionRecordIsDurable) {
  auto a = make_node(config_for("A"));
  a->restored(0);
  Split start = split(drain(*a));
  ASSERT_EQ(start.persists.size(), 1u);
  ASSERT_TRUE(holds<wire::Session>(start.persists[0]));
  EXPECT_TRUE(start.persists[0].sync);

  // The session record is not durable yet: the write is journalled but held back.
  ASSERT_TRUE(a->apply(Op::increment("c", 1), 0).ok());
  Split first = split(drain(*a));
  ASSERT_EQ(first.persists.size(), 1u);
  EXPECT_TRUE(first.publishes.empty());

  a->persisted(start.persists[0].ticket, 1);
  Split opened = split(drain(*a));
  EXPECT_EQ(opened.publishes.size(), 1u) << "the held write goes out once the gate opens";
  EXPECT_FALSE(has_write_done(opened.events)) << "its own record is not durable yet";

  // From now on a write is published in the same call, before its sync.
  ASSERT_TRUE(a->apply(Op::increment("c", 2), 2).ok());
  Split second = split(drain(*a));
  ASSERT_EQ(second.persists.size(), 1u);
  ASSERT_EQ(second.publishes.size(), 1u);
  EXPECT_FALSE(has_write_done(second.events));
  // Completion (Local) still waits for the journal.
  a->persisted(second.persists[0].ticket, 3);
  Split done = split(drain(*a));
  int completed = 0;
  for (const Event& e : done.events) completed += e.kind == EventKind::kWriteDone ? 1 : 0;
  EXPECT_EQ(completed, 2);
}

TEST(FabricReplicaSession, CatchUpHoldsBackTheSessionsWritesUntilTheGateOpens) {
  auto a = make_node(config_for("A"));
  a->restored(0);
  const std::uint64_t session_ticket = split(drain(*a)).persists.at(0).ticket;
  ASSERT_TRUE(a->apply(Op::increment("c", 1), 0).ok());
  drain(*a);
  // A peer connecting now asks for everything: our unpublished write is not sent.
  testing::attach(*a, "B", Sovereignty::kAuthority, 77, 0);
  a->handle_direct("B", wire::encode_direct(wire::DirectMessage{wire::Pulse{{}}}), 10);
  for (const wire::DirectMessage& message : direct_to("B", drain(*a))) {
    EXPECT_FALSE(std::holds_alternative<wire::MutationBatch>(message.body));
    EXPECT_FALSE(std::holds_alternative<wire::Snapshot>(message.body));
  }
  a->persisted(session_ticket, 20);
  drain(*a);
  a->handle_direct("B", wire::encode_direct(wire::DirectMessage{wire::Pulse{{}}}), 30);
  bool batch = false;
  for (const wire::DirectMessage& message : direct_to("B", drain(*a))) {
    batch = batch || std::holds_alternative<wire::MutationBatch>(message.body);
  }
  EXPECT_TRUE(batch) << "after the gate opened, catch-up sends the write";
}

TEST(FabricReplicaSession, UncleanRestartWritesAsTheFreshReplica) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("B");
  mesh.connect("A", "B");
  ASSERT_TRUE(mesh.node("A").apply(Op::increment("c", 2), mesh.now_ms).ok());
  mesh.drive();
  const crdt::ReplicaId before = mesh.node("A").replica_id();

  FabricNode& a = mesh.restart("A");  // no shutdown(): a crash
  EXPECT_NE(a.replica_id(), before);
  EXPECT_EQ(a.version_vector().at(before), 1u) << "the old replica's writes are still here";
  auto next = a.apply(Op::increment("c", 3), mesh.now_ms);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->origin, a.replica_id());
  EXPECT_EQ(next->seq, 1u);
  mesh.connect("A", "B");
  EXPECT_EQ(*mesh.node("B").object_json("c"), "5");
  EXPECT_EQ(*mesh.node("A").object_json("c"), "5");
  EXPECT_EQ(mesh.node("B").version_vector().size(), 2u);
  // B learnt the new replica from A's Hello: acks and leader choice follow it.
  bool found = false;
  for (const PeerInfo& peer : mesh.node("B").peers()) found = found || peer.replica == a.replica_id();
  EXPECT_TRUE(found);
}

TEST(FabricReplicaSession, CleanShutdownIsTheLastRecordAndLaterInputIsIgnored) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("B");
  mesh.connect("A", "B");
  ASSERT_TRUE(mesh.node("A").apply(Op::increment("c", 1), mesh.now_ms).ok());
  mesh.drive();
  mesh.node("A").shutdown(mesh.now_ms);
  mesh.drive();
  auto refused = mesh.node("A").apply(Op::increment("c", 1), mesh.now_ms);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kUnavailable);
  // B keeps writing; A no longer takes it in, so nothing lands after the Shutdown record.
  ASSERT_TRUE(mesh.node("B").apply(Op::increment("c", 1), mesh.now_ms).ok());
  mesh.drive();
  const std::vector<Bytes>& journal = mesh["A"].journal;
  ASSERT_FALSE(journal.empty());
  auto last = wire::decode_record(journal.back());
  ASSERT_TRUE(last.ok());
  ASSERT_TRUE(std::holds_alternative<wire::Shutdown>(last->body));
  EXPECT_EQ(std::get<wire::Shutdown>(last->body).replica, mesh.node("A").replica_id());
}

TEST(FabricReplicaSession, DirtyWritesOfAnUncleanSessionAreLeftToAntiEntropyWithAWarning) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("B");
  ASSERT_TRUE(mesh.node("A").mount("c", ObjectKind::kCounter, DurabilityPolicy::quorum(2)).ok());
  ASSERT_TRUE(mesh.node("A").apply(Op::increment("c", 1), mesh.now_ms).ok());  // degraded: B away
  mesh.drive();
  ASSERT_EQ(mesh.node("A").metrics().pending_broadcasts, 1u);
  FabricNode& a = mesh.restart("A");
  EXPECT_EQ(a.metrics().pending_broadcasts, 0u) << "not tracked under the new replica";
  bool warned = false;
  for (const Event& e : mesh["A"].events_of(EventKind::kWarning))
    warned = warned || e.text.find("1 dirty writes of an earlier session") != std::string::npos;
  EXPECT_TRUE(warned);
  mesh.connect("A", "B");
  EXPECT_EQ(*mesh.node("B").object_json("c"), "1") << "catch-up still carries the write";
}

TEST(FabricReplicaSession, ACrashAfterACleanRestartIsUncleanAgain) {
  Mesh mesh;
  mesh.add("A");
  ASSERT_TRUE(mesh.node("A").apply(Op::increment("c", 1), mesh.now_ms).ok());
  mesh.drive();
  const crdt::ReplicaId first = mesh.node("A").replica_id();
  EXPECT_EQ(mesh.restart_clean("A").replica_id(), first);
  // The restart journalled a Session record after the Shutdown: the journal no longer ends
  // clean, so a crash now means a fresh replica.
  const crdt::ReplicaId second = mesh.restart("A").replica_id();
  EXPECT_NE(second, first);
  EXPECT_NE(mesh.restart("A").replica_id(), second) << "each unclean start draws its own";
}

TEST(FabricReplicaSession, PeersGreetedBeforeTheSessionStartLearnTheNewReplica) {
  auto writer = make_node(config_for("A"));
  ASSERT_TRUE(writer->apply(Op::increment("c", 1), 0).ok());
  std::vector<Bytes> journal;
  for (Effect& effect : drain(*writer)) {
    if (auto* p = std::get_if<Persist>(&effect)) journal.push_back(p->record);
  }
  auto a = make_node(config_for("A"));
  for (const Bytes& record : journal) ASSERT_TRUE(a->restore(record).ok());
  a->peer_connected("B", 0);
  drain(*a);
  a->restored(0);
  EXPECT_EQ(a->replica_id(), fresh_replica_for("A"));
  bool hello = false;
  for (const wire::DirectMessage& message : direct_to("B", drain(*a))) {
    if (auto* h = std::get_if<wire::Hello>(&message.body)) hello = h->replica == a->replica_id();
  }
  EXPECT_TRUE(hello);
}

TEST(FabricReplicaSession, ANodeWithAJournalNeedsAFreshReplicaId) {
  NodeConfig config = config_for("A");
  config.fresh_replica_id = 0;
  auto refused = FabricNode::create(config);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("fresh_replica_id"), std::string::npos);
  config.journal = false;  // Ephemeral: every start is fresh through replica_id
  EXPECT_TRUE(FabricNode::create(config).ok());
}

TEST(FabricReplicaSession, SessionAndShutdownRecordsRoundTripAndRejectAZeroReplica) {
  for (const wire::JournalRecord& record :
       {wire::JournalRecord{wire::Session{0x0102030405060708}}, wire::JournalRecord{wire::Shutdown{7}}}) {
    auto decoded = wire::decode_record(wire::encode_record(record));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->body.index(), record.body.index());
  }
  // JournalRecord field 4 (Session) with an empty body: no replica.
  const Bytes empty_session = {0x22, 0x00};
  EXPECT_FALSE(wire::decode_record(empty_session).ok());
  // Worked example of docs/fabric.md: Session{replica = 0x0102030405060708}.
  const Bytes expected = {0x22, 0x09, 0x09, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
  EXPECT_EQ(wire::encode_record(wire::JournalRecord{wire::Session{0x0102030405060708}}), expected);
}

}  // namespace
}  // namespace ff::fabric
