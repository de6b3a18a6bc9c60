// The simulator's promise: one seed, one run. The same chaos scenario twice gives the same
// trace hash (every event and effect, in order) and the same final replicas; a different
// seed gives a different trace, so the hash does cover the run.
#include <gtest/gtest.h>

#include "core/sim/mesh.hpp"
#include "tests/core/sim/sim_scenario.hpp"
#include "tests/support/seeds.hpp"

namespace ff::sim {
namespace {

using testing::property_seeds;
using testing::seed_note;

TEST(MeshDeterminism, SameSeedGivesIdenticalTraceAndState) {
  std::uint64_t previous_hash = 0;
  for (std::uint64_t seed : property_seeds(30)) {
    scenario::ChaosRun first = scenario::run_chaos(seed, 8000, 60000);
    scenario::ChaosRun second = scenario::run_chaos(seed, 8000, 60000);
    EXPECT_EQ(first.mesh->trace_hash(), second.mesh->trace_hash())
        << seed_note(seed) << " " << first.description;
    EXPECT_EQ(first.mesh->now_ms(), second.mesh->now_ms()) << seed_note(seed);
    EXPECT_EQ(first.mesh->stats().steps, second.mesh->stats().steps) << seed_note(seed);
    ASSERT_EQ(first.mesh->size(), second.mesh->size()) << seed_note(seed);
    for (NodeIndex i = 0; i < first.mesh->size(); ++i) {
      EXPECT_TRUE(first.mesh->replica_state(i) == second.mesh->replica_state(i))
          << seed_note(seed) << " node " << i;
    }
    EXPECT_NE(first.mesh->trace_hash(), previous_hash) << seed_note(seed) << ": two seeds, one trace";
    previous_hash = first.mesh->trace_hash();
  }
}

}  // namespace
}  // namespace ff::sim
