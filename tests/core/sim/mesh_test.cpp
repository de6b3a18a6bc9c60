// The simulator's own behaviour: journal crash semantics, delivery, partitions, flooding
// over a sparse topology and restart from the journal.
#include "core/sim/mesh.hpp"

#include <gtest/gtest.h>

#include "core/sim/sim_journal.hpp"
#include "tests/core/sim/sim_scenario.hpp"

namespace ff::sim {
namespace {

using fabric::DurabilityPolicy;
using fabric::ObjectKind;
using fabric::Op;
using fabric::Sovereignty;

TEST(SimJournal, CrashKeepsSyncedRecordsAndNeverInventsOnes) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    SimJournal journal(seed);
    ASSERT_TRUE(journal.open().ok());
    ASSERT_TRUE(journal.append(1, as_bytes("first")).ok());
    ASSERT_TRUE(journal.append(2, as_bytes("second")).ok());
    Result<std::optional<std::uint64_t>> synced = journal.sync();
    ASSERT_TRUE(synced.ok());
    ASSERT_EQ(synced.value(), std::optional<std::uint64_t>(2));
    ASSERT_TRUE(journal.append(3, as_bytes("third, never synced")).ok());
    journal.crash();
    EXPECT_FALSE(journal.append(4, as_bytes("x")).ok()) << "append after a crash needs open()";
    Result<std::vector<Bytes>> records = journal.open();
    ASSERT_TRUE(records.ok()) << records.error().message;
    // A torn write may or may not have kept the whole unsynced record; never part of it.
    ASSERT_GE(records->size(), 2u);
    ASSERT_LE(records->size(), 3u);
    EXPECT_EQ(as_chars((*records)[0]), "first");
    EXPECT_EQ(as_chars((*records)[1]), "second");
    if (records->size() == 3) {
      EXPECT_EQ(as_chars((*records)[2]), "third, never synced");
    }
  }
}

TEST(SimJournal, SyncWithNothingPendingReportsNoTicket) {
  SimJournal journal(7);
  ASSERT_TRUE(journal.open().ok());
  Result<std::optional<std::uint64_t>> synced = journal.sync();
  ASSERT_TRUE(synced.ok());
  EXPECT_FALSE(synced.value().has_value());
}

std::unique_ptr<Mesh> counter_mesh(std::uint64_t seed, std::vector<Sovereignty> classes) {
  MeshConfig config;
  config.seed = seed;
  config.trace_lines = 32;
  auto mesh = std::make_unique<Mesh>(config);
  scenario::populate(*mesh, classes, {{"c", ObjectKind::kCounter, DurabilityPolicy::local()}});
  return mesh;
}

TEST(Mesh, AWriteReachesTheOtherNode) {
  auto mesh = counter_mesh(1, {Sovereignty::kAuthority, Sovereignty::kCitizen});
  mesh->run_until(500);
  ASSERT_TRUE(mesh->connected(0, 1));
  ASSERT_TRUE(mesh->apply(0, Op::increment("c", 5)).ok());
  ASSERT_TRUE(mesh->run_until_converged(mesh->now_ms() + 10000)) << scenario::context(*mesh);
  EXPECT_EQ(mesh->node(1).object_json("c").value(), "5");
  ASSERT_EQ(mesh->writes().size(), 1u);
  EXPECT_TRUE(mesh->writes()[0].ok_clean());
  EXPECT_TRUE(mesh->anomalies().empty()) << scenario::context(*mesh);
}

std::string value_of(const Mesh& mesh, NodeIndex i, const std::string& name) {
  Result<std::string> value = mesh.node(i).object_json(name);
  return value.ok() ? value.value() : "(absent)";
}

TEST(Mesh, PartitionStopsDeliveryUntilHeal) {
  auto mesh = counter_mesh(2, {Sovereignty::kAuthority, Sovereignty::kAuthority});
  mesh->run_until(500);
  mesh->partition({0, 1});
  EXPECT_FALSE(mesh->connected(0, 1));
  ASSERT_TRUE(mesh->apply(0, Op::increment("c", 3)).ok());
  mesh->run_for(30000);
  EXPECT_EQ(value_of(*mesh, 1, "c"), "0");
  mesh->heal();
  ASSERT_TRUE(mesh->run_until_converged(mesh->now_ms() + 20000)) << scenario::context(*mesh);
  EXPECT_EQ(value_of(*mesh, 1, "c"), "3");
}

TEST(Mesh, GossipFloodsAlongALineBeforeAnyPulse) {
  MeshConfig config;
  config.seed = 3;
  config.network.latency = {5, 5};
  Mesh mesh(config);
  scenario::populate(mesh, {Sovereignty::kAuthority, Sovereignty::kCitizen, Sovereignty::kCitizen},
                     {{"c", ObjectKind::kCounter, DurabilityPolicy::local()}});
  mesh.set_wanted(0, 2, false);  // a line: 0 - 1 - 2
  mesh.run_until(200);
  ASSERT_FALSE(mesh.connected(0, 2));
  ASSERT_TRUE(mesh.connected(1, 2));
  ASSERT_TRUE(mesh.apply(0, Op::increment("c", 2)).ok());
  // Journal commit (<= 8 ms) + two 5 ms hops, well before the first 5 s pulse.
  mesh.run_for(100);
  EXPECT_EQ(value_of(mesh, 2, "c"), "2") << scenario::context(mesh);
  EXPECT_GE(mesh.stats().gossip_delivered, 2u);
}

TEST(Mesh, RestartRecoversCompletedWritesFromTheJournal) {
  auto mesh = counter_mesh(4, {Sovereignty::kAuthority});
  ASSERT_TRUE(mesh->apply(0, Op::increment("c", 4)).ok());
  mesh->run_for(100);
  ASSERT_TRUE(mesh->writes()[0].ok_clean()) << scenario::context(*mesh);
  mesh->crash(0);
  EXPECT_FALSE(mesh->is_up(0));
  ASSERT_TRUE(mesh->restart(0).ok());
  EXPECT_EQ(mesh->incarnation(0), 2u);
  EXPECT_EQ(value_of(*mesh, 0, "c"), "4");
  EXPECT_TRUE(mesh->anomalies().empty()) << scenario::context(*mesh);
}

TEST(Mesh, EphemeralRestartStartsEmptyAndCatchesUp) {
  auto mesh = counter_mesh(5, {Sovereignty::kAuthority, Sovereignty::kEphemeral});
  mesh->run_until(500);
  ASSERT_TRUE(mesh->apply(1, Op::increment("c", 6)).ok());
  ASSERT_TRUE(mesh->run_until_converged(mesh->now_ms() + 10000)) << scenario::context(*mesh);
  const crdt::ReplicaId before = mesh->node(1).replica_id();
  mesh->crash(1);
  ASSERT_TRUE(mesh->restart(1).ok());
  EXPECT_NE(mesh->node(1).replica_id(), before) << "an Ephemeral restart must not reuse its replica id";
  ASSERT_TRUE(mesh->run_until_converged(mesh->now_ms() + 20000)) << scenario::context(*mesh);
  EXPECT_EQ(value_of(*mesh, 1, "c"), "6");
}

TEST(Mesh, PeerOfAnotherProgramIsDisconnectedAndLearnsNothing) {
  MeshConfig config;
  config.seed = 8;
  config.trace_lines = 32;
  Mesh mesh(config);
  scenario::populate(mesh, {Sovereignty::kAuthority, Sovereignty::kCitizen},
                     {{"c", ObjectKind::kCounter, DurabilityPolicy::local()}});
  Result<NodeIndex> stranger = mesh.add_node(Sovereignty::kAuthority, "stranger", "other-program");
  ASSERT_TRUE(stranger.ok());
  ASSERT_TRUE(mesh.mount(*stranger, "c", ObjectKind::kCounter, DurabilityPolicy::local()).ok());
  mesh.run_until(500);
  ASSERT_TRUE(mesh.apply(0, Op::increment("c", 3)).ok());
  ASSERT_TRUE(mesh.apply(*stranger, Op::increment("c", 100)).ok());
  mesh.run_for(12000);
  EXPECT_FALSE(mesh.connected(0, *stranger));
  EXPECT_FALSE(mesh.connected(1, *stranger));
  EXPECT_TRUE(mesh.connected(0, 1));
  EXPECT_GE(mesh.anomaly_count(), 2u) << "each side of the mesh closes the stranger's connection";
  EXPECT_EQ(value_of(mesh, 1, "c"), "3");
  EXPECT_EQ(value_of(mesh, *stranger, "c"), "100");
  for (NodeIndex i : {NodeIndex{0}, NodeIndex{1}}) {
    for (const fabric::PeerInfo& peer : mesh.node(i).peers()) EXPECT_NE(peer.peer, mesh.peer_id(*stranger));
  }
}

// Own writes are published before their sync. A crash that loses one from the journal
// after a peer got it must not let the writer reissue its (origin, seq): the restart
// writes as a fresh replica. The broken runtime that passes the old replica again is what
// the oracle's digest check catches.
TEST(Mesh, CrashAfterPublishBeforeSyncNeverReissuesASequenceNumber) {
  for (bool reuse : {false, true}) {
    MeshConfig config;
    config.seed = 11;
    config.network.latency = {2, 2};
    config.fsync_delay = {50, 50};
    config.reuse_replica_after_crash = reuse;
    Mesh mesh(config);
    scenario::populate(mesh, {Sovereignty::kAuthority, Sovereignty::kAuthority},
                       {{"c", ObjectKind::kCounter, DurabilityPolicy::local()}});
    mesh.run_until(500);
    const crdt::ReplicaId before = mesh.node(0).replica_id();
    ASSERT_TRUE(mesh.apply(0, Op::increment("c", 1)).ok());
    mesh.run_for(10);  // published and delivered; the writer's fsync is 40 ms away
    ASSERT_EQ(value_of(mesh, 1, "c"), "1") << scenario::context(mesh);
    mesh.crash(0);
    ASSERT_TRUE(mesh.restart(0).ok());
    EXPECT_EQ(value_of(mesh, 0, "c"), "0") << "the unsynced write is gone from the writer";
    // Written at once, before the reconnect could bring the lost write back.
    ASSERT_TRUE(mesh.apply(0, Op::increment("c", 5)).ok());
    mesh.run_for(1000);
    if (reuse) {
      EXPECT_EQ(mesh.node(0).replica_id(), before);
      EXPECT_GE(mesh.violation_count(), 1u) << "the reissued sequence number is caught";
    } else {
      EXPECT_NE(mesh.node(0).replica_id(), before);
      EXPECT_EQ(mesh.violation_count(), 0u) << scenario::context(mesh);
      ASSERT_TRUE(mesh.run_until_converged(mesh.now_ms() + 10000)) << scenario::context(mesh);
      EXPECT_EQ(value_of(mesh, 0, "c"), "6");
      EXPECT_EQ(value_of(mesh, 1, "c"), "6");
    }
  }
}

TEST(Mesh, CleanStopKeepsTheReplicaAndContinuesItsSequence) {
  auto mesh = counter_mesh(12, {Sovereignty::kAuthority, Sovereignty::kAuthority});
  mesh->run_until(500);
  ASSERT_TRUE(mesh->apply(0, Op::increment("c", 2)).ok());
  mesh->run_for(100);
  const crdt::ReplicaId before = mesh->node(0).replica_id();
  mesh->stop(0);
  EXPECT_FALSE(mesh->is_up(0));
  EXPECT_EQ(mesh->stats().clean_stops, 1u);
  ASSERT_TRUE(mesh->restart(0).ok());
  EXPECT_EQ(mesh->node(0).replica_id(), before);
  Result<fabric::MutationId> next = mesh->apply(0, Op::increment("c", 3));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, 2u);
  ASSERT_TRUE(mesh->run_until_converged(mesh->now_ms() + 10000)) << scenario::context(*mesh);
  EXPECT_EQ(value_of(*mesh, 1, "c"), "5");
  EXPECT_EQ(mesh->violation_count(), 0u) << scenario::context(*mesh);
}

TEST(Mesh, ProtocolOracleCatchesARuntimeThatReportsDurabilityEarly) {
  for (bool lying : {false, true}) {
    MeshConfig config;
    config.seed = 6;
    config.fsync_delay = {20, 20};
    config.report_persisted_before_sync = lying;
    Mesh mesh(config);
    scenario::populate(mesh, {Sovereignty::kAuthority, Sovereignty::kAuthority},
                       {{"c", ObjectKind::kCounter, DurabilityPolicy::quorum(2)}});
    mesh.run_until(500);
    ASSERT_TRUE(mesh.apply(0, Op::increment("c", 1)).ok());
    mesh.run_for(1000);
    ASSERT_TRUE(mesh.writes()[0].ok_clean()) << scenario::context(mesh);
    if (lying) {
      // Published, acked and completed before the (real) fsync: all three are caught.
      EXPECT_GE(mesh.violation_count(), 3u) << scenario::context(mesh);
    } else {
      EXPECT_EQ(mesh.violation_count(), 0u) << scenario::context(mesh);
    }
  }
}

}  // namespace
}  // namespace ff::sim
