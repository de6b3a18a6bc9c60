// FabricNode bugs the simulator found, each as the smallest mesh that shows it.
#include <gtest/gtest.h>

#include "core/sim/mesh.hpp"
#include "tests/core/sim/sim_scenario.hpp"

namespace ff::sim {
namespace {

using fabric::DurabilityPolicy;
using fabric::ObjectKind;
using fabric::Op;
using fabric::Sovereignty;

// Found by the ack oracle (02:30 UTC, fixed in fabric_node.cpp the same hour): an Authority
// that learnt a write from a catch-up Snapshot, and then got the origin's direct re-send of
// it, acked at once, while the journal record of that snapshot was not yet synced. A crash
// then would lose what the ack promised.
//   writer W (citizen) -- relay X (citizen, log of 2 mutations) -- Authority A
// W makes 4 Quorum(1) writes while only X hears them; A connects to X and gets a snapshot
// (X's log no longer reaches back); 30 ms later, inside A's 50 ms fsync, W connects to A
// and re-sends the unacked writes.
TEST(FabricRegression, AuthorityDoesNotAckWritesOfAnUnsyncedSnapshot) {
  MeshConfig config;
  config.seed = 1;
  config.trace_lines = 64;
  config.network.latency = {5, 5};
  config.fsync_delay = {50, 50};
  config.node_template.max_log_mutations = 2;
  Mesh mesh(config);
  scenario::populate(mesh, {Sovereignty::kCitizen, Sovereignty::kCitizen, Sovereignty::kAuthority},
                     {{"c", ObjectKind::kCounter, DurabilityPolicy::quorum(1)}});
  mesh.set_wanted(0, 2, false);
  mesh.set_wanted(1, 2, false);
  mesh.run_until(100);
  for (int k = 0; k < 4; ++k) {
    ASSERT_TRUE(mesh.apply(0, Op::increment("c", 1)).ok());
    mesh.run_for(100);
  }
  mesh.set_wanted(1, 2, true);
  mesh.run_for(30);
  mesh.set_wanted(0, 2, true);
  mesh.run_for(2000);
  EXPECT_EQ(mesh.violation_count(), 0u) << scenario::context(mesh);
  // The acks do come, once the snapshot is durable: every write ends up acked by A.
  ASSERT_TRUE(mesh.run_until_converged(mesh.now_ms() + 10000)) << scenario::context(mesh);
  EXPECT_EQ(mesh.node(2).object_json("c").value(), "4");
  EXPECT_GE(mesh.stats().frames_delivered, 1u);
  EXPECT_GE(mesh.node(0).metrics().acks_received, 1u) << scenario::context(mesh);
}

}  // namespace
}  // namespace ff::sim
