// Property (spec "Quorum Safety"): with A Authorities and objects under Quorum(N) or
// StrictQuorum(N), N <= A,
// every write that completed ok and not degraded is in the final state of every replica,
// even though up to N-1 Authorities crash (losing their unsynced journal records) at any
// time, chosen adversarially right after such a write completes: the writer itself and the
// Authorities that acked it go first.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/sim/mesh.hpp"
#include "tests/core/sim/sim_scenario.hpp"
#include "tests/support/seeds.hpp"

namespace ff::sim {
namespace {

using fabric::Sovereignty;
using testing::property_seeds;
using testing::seed_note;

constexpr std::size_t kWriteDoneIndex = static_cast<std::size_t>(fabric::EventKind::kWriteDone);

TEST(MeshQuorumDurability, OkWritesSurviveNMinusOneAuthorityCrashes) {
  std::uint64_t clean_writes = 0;
  std::uint64_t crashes_right_after_ack = 0;
  std::uint64_t writer_crashes_after_ack = 0;
  for (std::uint64_t seed : property_seeds(50)) {
    Rng rng(seed ^ 0xd0ab1e5ULL);
    const std::size_t authorities = 2 + rng.below(4);
    const std::uint32_t n = 1 + static_cast<std::uint32_t>(rng.below(authorities));
    const std::size_t citizens = rng.below(3);
    const std::size_t ephemerals = rng.below(2);
    MeshConfig config;
    config.seed = seed;
    config.trace_lines = 48;
    config.network.latency = {1, 2 + rng.below(40)};
    config.network.gossip_loss_ppm = static_cast<std::uint32_t>(rng.below(300'000));
    config.network.gossip_redelivery_ppm = static_cast<std::uint32_t>(rng.below(100'000));
    config.fsync_delay = {1, 1 + rng.below(30)};
    // Short logs make catch-up go by snapshot, short retries re-send often.
    if (rng.chance(1, 3)) config.node_template.max_log_mutations = 4 + rng.below(30);
    if (rng.chance(1, 2)) config.node_template.retry_max_ms = 200 + rng.below(2000);
    if (rng.chance(1, 2)) config.node_template.pulse_interval_ms = 300 + rng.below(3000);
    if (rng.chance(1, 2)) config.node_template.write_timeout_ms = 300 + rng.below(5000);
    Mesh mesh(config);
    std::vector<Sovereignty> classes(authorities, Sovereignty::kAuthority);
    classes.insert(classes.end(), citizens, Sovereignty::kCitizen);
    classes.insert(classes.end(), ephemerals, Sovereignty::kEphemeral);
    // Quorum(N) and StrictQuorum(N) promise the same once a write completed ok.
    std::vector<ObjectSpec> objects = one_of_each_kind(fabric::DurabilityPolicy::quorum(n));
    objects[3].policy = objects[4].policy = fabric::DurabilityPolicy::strict_quorum(n);
    scenario::populate(mesh, classes, objects);
    const std::size_t total = classes.size();
    ASSERT_EQ(mesh.size(), total) << seed_note(seed);
    const std::string shape = "A=" + std::to_string(authorities) + " N=" + std::to_string(n) +
                              " citizens=" + std::to_string(citizens) +
                              " ephemerals=" + std::to_string(ephemerals);

    auto authorities_down = [&] {
      std::size_t down = 0;
      for (NodeIndex i = 0; i < authorities; ++i) down += mesh.is_up(i) ? 0 : 1;
      return down;
    };
    // Crashes right after a clean completion: the writer first, then other Authorities,
    // never more than N-1 Authorities down at once.
    auto crash_after_ack = [&](const WriteRecord& w) {
      std::size_t budget = (n - 1) - std::min<std::size_t>(n - 1, authorities_down());
      const bool writer_is_authority = w.node < authorities;
      if (mesh.is_up(w.node) && (!writer_is_authority || budget > 0)) {
        mesh.crash(w.node);
        ++writer_crashes_after_ack;
        if (writer_is_authority) --budget;
      }
      for (NodeIndex a = 0; a < authorities && budget > 0; ++a) {
        if (mesh.is_up(a) && rng.chance(1, 2)) {
          mesh.crash(a);
          --budget;
        }
      }
      ++crashes_right_after_ack;
    };

    std::vector<bool> handled;
    std::uint64_t done_seen = 0;
    while (mesh.now_ms() < 15000 && !mesh.failure()) {
      const std::uint64_t until = mesh.now_ms() + 10 + rng.below(200);
      while (mesh.next_event_ms() <= until && mesh.step()) {
        if (mesh.stats().events[kWriteDoneIndex] == done_seen) continue;
        done_seen = mesh.stats().events[kWriteDoneIndex];
        handled.resize(mesh.writes().size(), false);
        for (std::size_t k = 0; k < mesh.writes().size(); ++k) {
          if (handled[k] || !mesh.writes()[k].done) continue;
          handled[k] = true;
          const WriteRecord w = mesh.writes()[k];
          if (w.ok_clean() && rng.chance(1, 3)) crash_after_ack(w);
        }
      }
      mesh.run_until(until);
      const std::uint64_t action = rng.below(100);
      const NodeIndex i = rng.below(total);
      if (action < 70) {
        if (mesh.is_up(i)) {
          const ObjectSpec& object = objects[rng.below(objects.size())];
          Result<fabric::MutationId> id = mesh.apply(i, random_op(rng, object, mesh.node(i)));
          (void)id;  // kUnavailable/kLimitExceeded are fine: nothing was written
        }
      } else if (action < 78) {
        std::vector<std::uint32_t> group(total);
        for (auto& g : group) g = static_cast<std::uint32_t>(rng.below(2));
        mesh.partition(group);
      } else if (action < 88) {
        mesh.heal();
      } else {
        if (!mesh.is_up(i)) {
          Status restarted = mesh.restart(i);
          ASSERT_TRUE(restarted.ok()) << seed_note(seed) << " " << restarted.error().message;
        }
      }
    }
    for (NodeIndex i = 0; i < total; ++i) {
      if (!mesh.is_up(i)) {
        Status restarted = mesh.restart(i);
        ASSERT_TRUE(restarted.ok()) << seed_note(seed) << " " << restarted.error().message;
      }
    }
    mesh.heal();
    const bool converged = mesh.run_until_converged(mesh.now_ms() + 180000);
    ASSERT_TRUE(converged) << seed_note(seed) << " " << shape << scenario::context(mesh);
    const ReplicaState final_state = mesh.replica_state(0);
    for (const WriteRecord& w : mesh.writes()) {
      if (!w.ok_clean()) continue;
      ++clean_writes;
      auto it = final_state.version_vector.find(w.id.origin);
      const std::uint64_t delivered = it == final_state.version_vector.end() ? 0 : it->second;
      EXPECT_GE(delivered, w.id.seq) << seed_note(seed) << " " << shape << ": write by n" << w.node << " ("
                                     << scenario::short_name(mesh.sovereignty(w.node)) << ") seq " << w.id.seq
                                     << " on " << w.object << " completed ok with " << w.acks << " acks at "
                                     << w.done_ms << " ms but is lost" << scenario::context(mesh);
      EXPECT_GE(w.acks, n) << seed_note(seed) << " " << shape << ": clean Quorum(" << n << ") write with "
                           << w.acks << " acks";
    }
    EXPECT_TRUE(mesh.anomalies().empty()) << seed_note(seed) << " " << shape << scenario::context(mesh);
    EXPECT_EQ(mesh.violation_count(), 0u) << seed_note(seed) << " " << shape << scenario::context(mesh);
    EXPECT_EQ(mesh.rejection_count(), 0u) << seed_note(seed) << " " << shape << scenario::context(mesh);
  }
  // The property must not hold vacuously.
  EXPECT_GT(clean_writes, 100u);
  EXPECT_GT(writer_crashes_after_ack, 10u);
  EXPECT_GT(crashes_right_after_ack, 10u);
}

}  // namespace
}  // namespace ff::sim
