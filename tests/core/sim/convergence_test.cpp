// Property: whatever the faults (gossip loss, redelivery and reordering, partitions, link
// flaps, crashes that lose unsynced journal records), once every node is back, the network
// has healed and the mesh is quiet, every replica holds byte-identical state: the
// "objects" of state_json() and the version vector.
#include <gtest/gtest.h>

#include "core/sim/mesh.hpp"
#include "tests/core/sim/sim_scenario.hpp"
#include "tests/support/seeds.hpp"

namespace ff::sim {
namespace {

using testing::property_seeds;
using testing::seed_note;

TEST(MeshConvergence, RandomOpsUnderFaultsConvergeToIdenticalReplicas) {
  for (std::uint64_t seed : property_seeds(110)) {
    scenario::ChaosRun run = scenario::run_chaos(seed);
    Mesh& mesh = *run.mesh;
    ASSERT_FALSE(mesh.failure()) << seed_note(seed) << " " << run.description << scenario::context(mesh);
    ASSERT_TRUE(run.converged) << seed_note(seed) << " " << run.description << scenario::context(mesh);
    ASSERT_EQ(mesh.size(), run.nodes) << seed_note(seed);
    for (NodeIndex i = 0; i < mesh.size(); ++i)
      ASSERT_TRUE(mesh.is_up(i)) << seed_note(seed) << " node " << i;
    // Quiet means quiet: the agreement lasts, and nothing is left waiting for dependencies.
    // (Except with Ephemeral nodes: an Ephemeral write lost in gossip dies with its writer's
    // crash, and its successors wait for it forever, within the causal buffer's bound.)
    mesh.run_for(12000);
    ASSERT_TRUE(mesh.converged()) << seed_note(seed) << " " << run.description << scenario::context(mesh);
    bool any_ephemeral = false;
    for (NodeIndex i = 0; i < mesh.size(); ++i) {
      any_ephemeral = any_ephemeral || mesh.sovereignty(i) == fabric::Sovereignty::kEphemeral;
    }
    for (NodeIndex i = 0; i < mesh.size() && !any_ephemeral; ++i) {
      EXPECT_EQ(mesh.node(i).metrics().causal_buffered, 0u)
          << seed_note(seed) << " " << run.description << " node " << i;
    }
    // Byte-identical against node 0, stated directly (converged() is the mesh's own check).
    const ReplicaState reference = mesh.replica_state(0);
    for (NodeIndex i = 1; i < mesh.size(); ++i) {
      const ReplicaState state = mesh.replica_state(i);
      ASSERT_EQ(state.objects_json, reference.objects_json) << seed_note(seed) << " node " << i;
      ASSERT_TRUE(state.version_vector == reference.version_vector) << seed_note(seed) << " node " << i;
    }
    EXPECT_TRUE(mesh.anomalies().empty())
        << seed_note(seed) << " " << run.description << scenario::context(mesh);
    EXPECT_EQ(mesh.violation_count(), 0u)
        << seed_note(seed) << " " << run.description << scenario::context(mesh);
    EXPECT_EQ(scenario::unexpected_rejection(mesh), "") << seed_note(seed) << " " << run.description;
    // The counters against a model: the sum of every increment that survived (delivered
    // everywhere; one lost in its writer's crash before anyone saw it is delivered nowhere,
    // and its (origin, seq) never names another write). Catches a delta applied twice or dropped
    // alike on every replica, which agreement alone would not.
    for (const char* counter : {"counter", "counter2"}) {
      std::int64_t expected = 0;
      for (const WriteRecord& w : mesh.writes()) {
        if (w.object != counter) continue;
        auto it = reference.version_vector.find(w.id.origin);
        if (it != reference.version_vector.end() && it->second >= w.id.seq) expected += w.counter_amount;
      }
      Result<std::string> value = mesh.node(0).object_json(counter);
      const std::string actual = value.ok() ? value.value() : "0";
      EXPECT_EQ(actual, std::to_string(expected))
          << seed_note(seed) << " " << run.description << " " << counter;
    }
    // Every write completes (ok, degraded or failed) unless its writer crashed first.
    for (const WriteRecord& w : mesh.writes()) {
      if (w.incarnation != mesh.incarnation(w.node)) continue;
      EXPECT_TRUE(w.done) << seed_note(seed) << " " << run.description << ": write n" << w.node << " seq "
                          << w.id.seq << " on " << w.object << " applied at " << w.applied_ms
                          << " never completed" << scenario::context(mesh);
    }
    // A write a journalled node completed ok is in its journal, so no crash can lose it.
    for (const WriteRecord& w : mesh.writes()) {
      if (!w.done || !w.status.ok() || mesh.sovereignty(w.node) == fabric::Sovereignty::kEphemeral) continue;
      auto it = reference.version_vector.find(w.id.origin);
      const std::uint64_t delivered = it == reference.version_vector.end() ? 0 : it->second;
      EXPECT_GE(delivered, w.id.seq) << seed_note(seed) << " write n" << w.node << " seq " << w.id.seq
                                     << " on " << w.object << " completed ok at " << w.done_ms
                                     << " but is gone" << scenario::context(mesh);
    }
  }
}

}  // namespace
}  // namespace ff::sim
