// Shared scenario code for the simulator tests: building meshes, the random chaos run the
// convergence and determinism tests share, and failure messages that let a seed be replayed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/fabric/fabric_types.hpp"
#include "core/rng.hpp"
#include "core/sim/mesh.hpp"
#include "core/sim/workload.hpp"

namespace ff::sim::scenario {

using fabric::DurabilityPolicy;
using fabric::ObjectKind;
using fabric::Sovereignty;

inline const char* short_name(Sovereignty s) {
  return s == Sovereignty::kAuthority ? "A" : s == Sovereignty::kCitizen ? "C" : "E";
}

// What to print when a property fails: the mesh's anomalies, its last trace lines and the
// first replica difference.
inline std::string context(const Mesh& mesh) {
  std::string text = "\n  t=" + std::to_string(mesh.now_ms()) + " ms";
  if (mesh.failure()) text += "\n  FAILURE: " + *mesh.failure();
  for (const std::string& a : mesh.anomalies()) text += "\n  anomaly: " + a;
  for (const std::string& r : mesh.rejections()) text += "\n  rejection: " + r;
  for (const std::string& e : mesh.violations()) text += "\n  violation: " + e;
  const std::string diff = mesh.divergence();
  if (!diff.empty()) text += "\n  divergence: " + diff;
  const std::string trace = mesh.recent_trace();
  if (!trace.empty()) text += "\n  recent trace:\n" + trace;
  return text;
}

// Adds nodes of the given classes and mounts `objects` on each of them.
inline void populate(Mesh& mesh, const std::vector<Sovereignty>& classes,
                     const std::vector<ObjectSpec>& objects) {
  for (Sovereignty s : classes) {
    Result<NodeIndex> i = mesh.add_node(s);
    if (!i.ok()) continue;  // the test sees size() short and fails
    for (const ObjectSpec& o : objects) {
      Status mounted = mesh.mount(i.value(), o.name, o.kind, o.policy);
      (void)mounted;  // compared against by the tests' final states
    }
  }
}

// The objects of a chaos run: every kind, under every policy family, so Local, Quorum,
// StrictQuorum and Leader writes all meet the faults.
// Rejections an honest mesh may cause: only a causal buffer that overflowed (its bound is
// lowered in some chaos runs). Returns the first other one, "" when none.
inline std::string unexpected_rejection(const Mesh& mesh) {
  for (const std::string& r : mesh.rejections()) {
    if (r.find("causal buffer full") == std::string::npos) return r;
  }
  return {};
}

inline std::vector<ObjectSpec> chaos_objects() {
  return {
      {"counter", ObjectKind::kCounter, DurabilityPolicy::local()},
      {"set", ObjectKind::kSet, DurabilityPolicy::quorum(1)},
      {"map", ObjectKind::kMap, DurabilityPolicy::quorum(2)},
      {"list", ObjectKind::kList, DurabilityPolicy::leader()},
      {"text", ObjectKind::kText, DurabilityPolicy::strict_quorum(1)},
      {"counter2", ObjectKind::kCounter, DurabilityPolicy::quorum(3)},
  };
}

struct ChaosRun {
  std::unique_ptr<Mesh> mesh;
  std::string description;  // mesh shape and faults, for failure messages
  bool converged = false;
  std::uint64_t ops_applied = 0;
  std::size_t nodes = 0;  // how many the run meant to add
};

// A mesh of 1..7 mixed nodes (sometimes a sparse topology), random ops of all kinds for
// `duration_ms` of virtual time with gossip loss and redelivery, reordering, partitions,
// flaps and crashes; then every node restarts, the network heals, and the mesh runs until
// every replica agrees (at most `settle_ms`).
inline ChaosRun run_chaos(std::uint64_t seed, std::uint64_t duration_ms = 20000,
                          std::uint64_t settle_ms = 120000, std::size_t trace_lines = 48) {
  Rng rng(seed ^ 0xc4a05c4a05ULL);
  MeshConfig config;
  config.seed = seed;
  config.trace_lines = trace_lines;
  config.trace_events = trace_lines > 10000;  // a debugging run wants every event
  config.network.latency.min_ms = 1 + rng.below(5);
  config.network.latency.max_ms = config.network.latency.min_ms + rng.below(80);
  config.network.gossip_loss_ppm = rng.chance(1, 4) ? 0 : static_cast<std::uint32_t>(rng.below(300'000));
  config.network.gossip_redelivery_ppm = static_cast<std::uint32_t>(rng.below(200'000));
  config.fsync_delay = {1, 1 + rng.below(20)};
  // Node settings away from the defaults too: short logs force snapshot catch-up, small
  // causal buffers force drops that anti-entropy must repair, short write timeouts degrade.
  fabric::NodeConfig& node = config.node_template;
  if (rng.chance(1, 3)) node.max_log_mutations = 4 + rng.below(40);
  if (rng.chance(1, 4)) node.max_causal_buffer = 1 + rng.below(8);
  if (rng.chance(1, 2)) node.pulse_interval_ms = 300 + rng.below(5000);
  if (rng.chance(1, 2)) node.write_timeout_ms = 200 + rng.below(5000);
  if (rng.chance(1, 3)) node.retry_max_ms = 200 + rng.below(3000);
  ChaosRun run;
  run.mesh = std::make_unique<Mesh>(config);
  Mesh& mesh = *run.mesh;

  const std::size_t n = 1 + rng.below(7);
  run.nodes = n;
  std::vector<Sovereignty> classes;
  run.description = "nodes=";
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t r = rng.below(10);
    classes.push_back(r < 5   ? Sovereignty::kAuthority
                      : r < 8 ? Sovereignty::kCitizen
                              : Sovereignty::kEphemeral);
    run.description += short_name(classes.back());
  }
  const std::vector<ObjectSpec> objects = chaos_objects();
  populate(mesh, classes, objects);

  // A sparse but connected topology: a random tree plus some extra edges. Gossip then
  // travels several hops, and anti-entropy relays other origins' mutations.
  if (n >= 3 && rng.chance(1, 3)) {
    run.description += " sparse:";
    std::vector<std::vector<bool>> edge(n, std::vector<bool>(n, false));
    for (NodeIndex i = 1; i < n; ++i) {
      const NodeIndex parent = rng.below(i);
      edge[i][parent] = edge[parent][i] = true;
    }
    for (NodeIndex a = 0; a < n; ++a) {
      for (NodeIndex b = a + 1; b < n; ++b) {
        if (!edge[a][b] && rng.chance(1, 4)) edge[a][b] = edge[b][a] = true;
        if (!edge[a][b]) {
          mesh.set_wanted(a, b, false);
        } else {
          run.description.append(" ").append(std::to_string(a)).append("-").append(std::to_string(b));
        }
      }
    }
  }
  run.description += " latency=" + std::to_string(config.network.latency.min_ms) + ".." +
                     std::to_string(config.network.latency.max_ms) +
                     " loss_ppm=" + std::to_string(config.network.gossip_loss_ppm) +
                     " redelivery_ppm=" + std::to_string(config.network.gossip_redelivery_ppm) +
                     " max_log=" + std::to_string(node.max_log_mutations) +
                     " max_causal=" + std::to_string(node.max_causal_buffer) +
                     " pulse_ms=" + std::to_string(node.pulse_interval_ms) +
                     " write_timeout_ms=" + std::to_string(node.write_timeout_ms);

  while (mesh.now_ms() < duration_ms && !mesh.failure()) {
    mesh.run_for(1 + rng.below(120));
    const std::uint64_t action = rng.below(100);
    const NodeIndex i = rng.below(n);
    if (action < 80) {
      if (!mesh.is_up(i)) continue;
      const ObjectSpec& object = objects[rng.below(objects.size())];
      Result<fabric::MutationId> id = mesh.apply(i, random_op(rng, object, mesh.node(i)));
      if (id.ok()) ++run.ops_applied;
      // Sometimes the writer dies at once, before its journal commit: the write is lost
      // unless its publish got out first; the restart writes as a fresh replica.
      if (id.ok() && rng.chance(1, 30)) mesh.crash(i);
    } else if (action < 82) {
      std::vector<std::uint32_t> group(n);
      for (auto& g : group) g = static_cast<std::uint32_t>(rng.below(2));
      mesh.partition(group);
    } else if (action < 85) {
      mesh.heal();
    } else if (action < 86) {
      mesh.crash(i);
    } else if (action < 87) {
      mesh.stop(i);  // clean: the restart writes as the same replica
    } else if (action < 92) {
      if (!mesh.is_up(i)) {
        Status restarted = mesh.restart(i);
        (void)restarted;  // a failure shows up as a node missing from the final states
      }
    } else if (action < 95) {
      const NodeIndex j = rng.below(n);
      if (i != j) mesh.flap(i, j, 10 + rng.below(3000));
    }
  }

  for (NodeIndex i = 0; i < n; ++i) {
    if (!mesh.is_up(i)) {
      Status restarted = mesh.restart(i);
      (void)restarted;
    }
  }
  mesh.heal();
  run.converged = mesh.run_until_converged(mesh.now_ms() + settle_ms);
  return run;
}

}  // namespace ff::sim::scenario
