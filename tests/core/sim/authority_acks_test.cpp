// Spec "Sovereignty Classes": only Authorities vote. A Quorum(2) write on one of two
// Authorities completes with the same ack count at the same virtual time whether 0 or 50
// Citizens are connected. The citizens sit close to the writer (1-3 ms) and far from the
// other Authority (200-300 ms), so a citizen's ack, if one were sent and counted, would
// arrive first and change the result, while gossip relayed by citizens can never reach the
// other Authority before the direct copy does. Link delays come from per-link random
// streams, so the two Authorities' link draws the same delays in both runs.
#include <gtest/gtest.h>

#include "core/sim/mesh.hpp"
#include "tests/core/sim/sim_scenario.hpp"
#include "tests/support/seeds.hpp"

namespace ff::sim {
namespace {

using fabric::Sovereignty;
using testing::property_seeds;
using testing::seed_note;

struct AckOutcome {
  bool done = false;
  bool ok = false;
  bool degraded = false;
  std::uint32_t acks = 0;
  std::uint64_t latency_ms = 0;
  std::string context;
  std::string citizen_value;  // the object's value on the last citizen (when there is one)
};

AckOutcome quorum_write_with_citizens(std::uint64_t seed, std::size_t citizen_count) {
  Rng rng(seed ^ 0xac4ac4ULL);
  MeshConfig config;
  config.seed = seed;
  config.trace_lines = 32;
  config.network.latency = {1, 3};
  Mesh mesh(config);
  const std::vector<ObjectSpec> objects = {
      {"doc", fabric::ObjectKind::kCounter, fabric::DurabilityPolicy::quorum(2)}};
  std::vector<Sovereignty> classes = {Sovereignty::kAuthority, Sovereignty::kAuthority};
  classes.insert(classes.end(), citizen_count, Sovereignty::kCitizen);
  // Links are configured before the first dial fires (dials take connect_delay_ms).
  scenario::populate(mesh, classes, objects);
  const std::uint64_t max_ms = 2 + rng.below(40);
  mesh.set_link_latency(0, 1, {1 + rng.below(2), max_ms});
  for (NodeIndex c = 2; c < mesh.size(); ++c) mesh.set_link_latency(1, c, {200, 300});

  mesh.run_until(1000 + rng.below(3000));  // every Hello exchanged
  AckOutcome outcome;
  Result<fabric::MutationId> id =
      mesh.apply(0, fabric::Op::increment("doc", 1 + static_cast<std::int64_t>(rng.below(9))));
  if (!id.ok()) {
    outcome.context = id.error().message;
    return outcome;
  }
  const std::uint64_t deadline = mesh.now_ms() + 20000;
  while (mesh.now_ms() < deadline && !mesh.writes().back().done) mesh.run_for(1);
  const WriteRecord& w = mesh.writes().back();
  outcome.done = w.done;
  outcome.ok = w.status.ok();
  outcome.degraded = w.degraded;
  outcome.acks = w.acks;
  outcome.latency_ms = w.done_ms - w.applied_ms;
  if (citizen_count > 0) {
    mesh.run_for(2000);
    Result<std::string> value = mesh.node(mesh.size() - 1).object_json("doc");
    outcome.citizen_value = value.ok() ? value.value() : "(absent)";
  }
  outcome.context = scenario::context(mesh);
  return outcome;
}

TEST(MeshAuthorityAcks, QuorumAckCountAndLatencyIgnoreFiftyCitizens) {
  for (std::uint64_t seed : property_seeds(10)) {
    const AckOutcome alone = quorum_write_with_citizens(seed, 0);
    const AckOutcome crowded = quorum_write_with_citizens(seed, 50);
    ASSERT_TRUE(alone.done && alone.ok && !alone.degraded) << seed_note(seed) << alone.context;
    ASSERT_TRUE(crowded.done && crowded.ok && !crowded.degraded) << seed_note(seed) << crowded.context;
    EXPECT_EQ(alone.acks, 2u) << seed_note(seed);
    EXPECT_EQ(crowded.acks, alone.acks) << seed_note(seed) << crowded.context;
    EXPECT_EQ(crowded.latency_ms, alone.latency_ms) << seed_note(seed) << crowded.context;
    // The write still reached the citizens (they are connected, just not voting).
    EXPECT_NE(crowded.citizen_value, "(absent)") << seed_note(seed);
    EXPECT_NE(crowded.citizen_value, "0") << seed_note(seed);
  }
}

}  // namespace
}  // namespace ff::sim
