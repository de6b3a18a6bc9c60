// Mesh: a deterministic simulator of a Fluid Fabric mesh (docs/simulator.md).
//
// It plays the runtime for N FabricNodes: a virtual clock in milliseconds, an event queue
// ordered by (time, sequence number), per-pair connections carrying /fabric/1.0.0 frames, a
// flooding stand-in for GossipSub, a real journal per node over storage that loses unsynced
// writes (SimJournal), timers, and the faults a mesh meets: latency, gossip loss and
// redelivery, partitions, link flaps and crashes. Every random choice comes from Rngs
// derived from the mesh seed, so one seed replays one run exactly; trace_hash() folds every
// processed event and effect, so tests can check that.
//
// Randomness is split per link direction and per node (not one stream for the whole mesh),
// so adding nodes does not change the delays the existing links draw: a test can compare a
// run with and without 50 extra citizens and expect identical authority traffic.
//
// The network model:
// - A connection between two nodes exists while both are up, the pair is wanted (full mesh
//   by default, see set_wanted) and both are in the same partition group. Dialling takes
//   connect_delay_ms; then both sides get peer_connected. When it goes (partition, flap,
//   crash, a Disconnect effect) both live sides get peer_disconnected and every frame still
//   in flight on it is lost.
// - Direct frames ride one reliable ordered stream per direction and connection (as on a
//   yamux stream): each takes a random latency but never overtakes an earlier frame.
// - Gossip floods: a node that sees a message (by content hash) for the first time hands it
//   to its FabricNode and forwards it to every connected peer except the one it came from.
//   Each hop may be lost (gossip_loss_ppm) or delivered a second time later
//   (gossip_redelivery_ppm: the copy bypasses the seen cache, as after GossipSub's seen
//   cache expired, so the FabricNode itself must drop the duplicate). Hops take random,
//   independent latencies, so gossip reorders.
// - A crash drops the node's RAM (FabricNode, seen cache, pending timers) and the journal's
//   unsynced tail; restart() recovers the journal into a new FabricNode and redials.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/fabric/fabric_node.hpp"
#include "core/fabric/fabric_types.hpp"
#include "core/result.hpp"
#include "core/rng.hpp"

namespace ff::fabric::wire {
struct Mutation;
}  // namespace ff::fabric::wire

namespace ff::sim {

using NodeIndex = std::size_t;
inline constexpr std::uint64_t kNever = UINT64_MAX;

struct LatencyRange {
  std::uint64_t min_ms = 1;
  std::uint64_t max_ms = 20;  // inclusive, >= min_ms
};

struct NetworkFaults {
  LatencyRange latency;                     // every link without its own (set_link_latency)
  std::uint32_t gossip_loss_ppm = 0;        // per gossip hop, parts per million
  std::uint32_t gossip_redelivery_ppm = 0;  // per gossip hop: a second, later copy
  std::uint64_t connect_delay_ms = 10;      // from dial (or heal, restart) to peer_connected
};

struct MeshConfig {
  std::uint64_t seed = 1;
  std::string program_id = "sim-program";
  NetworkFaults network;
  LatencyRange fsync_delay{1, 8};  // Persist to persisted()
  // Template for every node; program_id, peer_id, sovereignty, replica_id and journal are
  // set per node.
  fabric::NodeConfig node_template;
  // Livelock guard: events processed over the mesh's life; beyond it the mesh fails.
  std::uint64_t max_steps = 200'000'000;
  std::size_t max_queued_events = std::size_t{1} << 22;
  std::size_t seen_cache_entries = std::size_t{1} << 16;  // per node, oldest forgotten first
  std::size_t trace_lines = 0;  // keep the last N trace lines (for failure messages)
  bool trace_events = false;    // a trace line for every event and sent frame (debugging)
  // The protocol oracle (violations()): the mesh decodes what nodes send and checks it
  // against what their journals hold durably (synced records, decoded): an Authority acks
  // only durable mutations, a journalled node completes its own writes only once durable
  // and sends them only once its session's Session record is, only Authorities ack, and
  // one (origin, seq) always carries the same write, across crashes and restarts. A crash
  // at the wrong moment would otherwise break a promise.
  bool check_protocol = true;
  // A deliberately broken runtime, for testing the oracle: persisted() right after each
  // append, before the fsync. Crashes then lose records the node believes durable.
  bool report_persisted_before_sync = false;
  // Another broken runtime: after a crash it passes the old replica as fresh_replica_id.
  // Own writes published before their sync and lost in the crash are then reissued.
  bool reuse_replica_after_crash = false;
};

// One write started through Mesh::apply, or found unfinished by restore() and completed
// after a restart (then from_restore is true and applied_ms is the restart time).
struct WriteRecord {
  NodeIndex node = 0;
  std::uint64_t incarnation = 0;  // of the writer when it applied the write
  fabric::MutationId id;
  std::string object;
  std::uint64_t applied_ms = 0;
  bool from_restore = false;
  bool done = false;
  std::uint64_t done_ms = 0;
  Status status;
  std::uint32_t acks = 0;
  bool degraded = false;
  std::int64_t counter_amount = 0;  // the op's amount when it incremented a counter
  bool ok_clean() const { return done && status.ok() && !degraded; }
};

struct MeshStats {
  std::uint64_t steps = 0;
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_delivered = 0;
  std::uint64_t frames_lost = 0;  // connection gone (in flight or at send)
  std::uint64_t gossip_hops = 0;
  std::uint64_t gossip_lost = 0;
  std::uint64_t gossip_delivered = 0;  // handed to a FabricNode (redeliveries included)
  std::uint64_t gossip_redelivered = 0;
  std::uint64_t persists = 0;
  std::uint64_t fsyncs = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t connects = 0;
  std::uint64_t disconnects = 0;
  std::uint64_t crashes = 0;
  std::uint64_t clean_stops = 0;
  std::uint64_t restarts = 0;
  std::uint64_t events[8] = {};  // per fabric::EventKind value (index = kind)
};

// The part of a node's state that must be equal on every replica once the mesh is quiet.
struct ReplicaState {
  std::string objects_json;  // the "objects" member of state_json()
  std::map<crdt::ReplicaId, std::uint64_t> version_vector;
  bool operator==(const ReplicaState& o) const {
    return objects_json == o.objects_json && version_vector == o.version_vector;
  }
  bool operator!=(const ReplicaState& o) const { return !(*this == o); }
};

class Mesh {
 public:
  explicit Mesh(MeshConfig config);
  ~Mesh();
  Mesh(const Mesh&) = delete;
  Mesh& operator=(const Mesh&) = delete;

  const MeshConfig& config() const { return config_; }
  std::uint64_t now_ms() const { return now_ms_; }

  // ---- Nodes ----
  // Adds and starts a node (named "n<index>" when `name` is empty, of the mesh's program
  // unless `program_id` says otherwise) and dials every wanted peer. Gossip reaches only
  // nodes subscribed to the same topic, i.e. of the same program. Errors:
  // FabricNode::create's.
  Result<NodeIndex> add_node(fabric::Sovereignty sovereignty, std::string name = {},
                             std::string program_id = {});
  std::size_t size() const { return slots_.size(); }
  bool is_up(NodeIndex i) const;
  fabric::Sovereignty sovereignty(NodeIndex i) const;
  const fabric::PeerKey& peer_id(NodeIndex i) const;
  std::uint64_t incarnation(NodeIndex i) const;
  // The live node; asserts is_up(i).
  fabric::FabricNode& node(NodeIndex i);
  const fabric::FabricNode& node(NodeIndex i) const;

  // Mounts on node i now and again after every restart (a program re-mounts on start).
  Status mount(NodeIndex i, const std::string& name, fabric::ObjectKind kind,
               fabric::DurabilityPolicy policy);
  // Applies `op` on node i (which must be up) and tracks the write (writes()).
  Result<fabric::MutationId> apply(NodeIndex i, const fabric::Op& op);

  // Power loss on node i: RAM and the journal's unsynced tail are gone, its connections
  // drop. No-op when already down. The next start writes as a fresh replica.
  void crash(NodeIndex i);
  // A clean stop of node i (FabricNode::shutdown, journal synced), then down like a crash
  // minus the loss. The next start writes as the same replica. No-op when already down.
  void stop(NodeIndex i);
  // Starts node i again from its journal (Ephemeral: empty, with a fresh replica id) and
  // redials. Errors: the node is up, the journal failed to open, FabricNode::create failed.
  // A record restore() rejects is an anomaly, not an error (the node still starts).
  Status restart(NodeIndex i);

  // ---- Network ----
  // Whether a and b should be connected (all pairs are by default). Turning it off drops
  // the connection; turning it on dials.
  void set_wanted(NodeIndex a, NodeIndex b, bool wanted);
  void set_link_latency(NodeIndex a, NodeIndex b, LatencyRange latency);
  void set_faults(const NetworkFaults& faults) { config_.network = faults; }
  // group[i] is node i's side; nodes on different sides cannot reach each other and their
  // connections drop. Nodes beyond group.size() are on side 0.
  void partition(const std::vector<std::uint32_t>& group);
  // Everyone reachable again; every wanted pair of live nodes redials.
  void heal();
  // Drops the a-b connection now and redials after `down_ms`.
  void flap(NodeIndex a, NodeIndex b, std::uint64_t down_ms);
  bool connected(NodeIndex a, NodeIndex b) const;

  // ---- Running ----
  // Processes the next event; false when the queue is empty or the mesh failed.
  bool step();
  std::uint64_t next_event_ms() const;
  // Processes every event up to `time_ms`, then sets the clock to it.
  void run_until(std::uint64_t time_ms);
  void run_for(std::uint64_t duration_ms) { run_until(now_ms_ + duration_ms); }
  // Runs until every live node has the same ReplicaState (checked every check_every_ms),
  // at most until `deadline_ms`. Returns whether it converged.
  bool run_until_converged(std::uint64_t deadline_ms, std::uint64_t check_every_ms = 100);

  // ---- Observing ----
  bool converged() const;
  ReplicaState replica_state(NodeIndex i) const;
  // The first difference between live replicas, "" when none (for failure messages).
  std::string divergence() const;
  const std::vector<WriteRecord>& writes() const { return writes_; }
  const MeshStats& stats() const { return stats_; }
  // FNV-1a over every processed event and every effect, in order.
  std::uint64_t trace_hash() const { return trace_hash_; }
  std::string recent_trace() const;
  // Things a correct FabricNode never causes in an honest mesh (Disconnect effects, restore
  // errors, oversized or undecodable messages, a second kWriteDone for one write, Persist
  // from a node without a journal). The first 32 are kept.
  const std::vector<std::string>& anomalies() const { return anomalies_; }
  std::uint64_t anomaly_count() const { return anomaly_count_; }
  // kRejected events (the first 32): in an honest mesh only bounds cause them (a full
  // causal buffer), which the test decides.
  const std::vector<std::string>& rejections() const { return rejections_; }
  std::uint64_t rejection_count() const { return rejection_count_; }
  // The protocol oracle's findings (MeshConfig::check_protocol), the first 32.
  const std::vector<std::string>& violations() const { return violations_; }
  std::uint64_t violation_count() const { return violation_count_; }
  // A fatal simulator failure (livelock guard, queue bound); the mesh stops stepping.
  const std::optional<std::string>& failure() const { return failure_; }

 private:
  struct Slot;
  struct Link;
  struct SimEvent;
  enum class EventType : std::uint8_t;

  Link& link(NodeIndex a, NodeIndex b);
  const Link* find_link(NodeIndex a, NodeIndex b) const;
  Rng& link_rng(NodeIndex from, NodeIndex to);
  std::uint64_t draw_latency(NodeIndex from, NodeIndex to);
  bool reachable(NodeIndex a, NodeIndex b) const;

  void schedule(std::uint64_t at_ms, SimEvent event);
  void schedule_dial(NodeIndex a, NodeIndex b, std::uint64_t delay_ms);
  void drop_link(NodeIndex a, NodeIndex b);
  Status start_node(NodeIndex i);
  void after_input(NodeIndex i);  // drain effects, arm the timer
  void take_down(NodeIndex i);    // drop RAM, timers and links (crash and stop)
  void drain(NodeIndex i);
  void arm_timer(NodeIndex i);
  void violation(NodeIndex i, const std::string& what);
  std::uint64_t durable_seq(NodeIndex i, crdt::ReplicaId origin) const;
  void check_mutation_out(NodeIndex i, const fabric::wire::Mutation& m, const char* how);
  void check_direct(NodeIndex i, ByteView frame);
  void check_publish(NodeIndex i, ByteView data);
  void send_gossip_hop(NodeIndex from, NodeIndex to, const Bytes& data, std::uint64_t content_hash);
  void deliver_gossip(NodeIndex from, NodeIndex to, const Bytes& data, bool redelivery);
  void on_event(NodeIndex i, const fabric::Event& event);
  void anomaly(const std::string& text);
  void fail(std::string text);
  void trace(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d);
  void trace_line(std::string line);
  std::optional<NodeIndex> index_of(const fabric::PeerKey& peer) const;

  MeshConfig config_;
  std::uint64_t now_ms_ = 0;
  std::uint64_t next_sequence_ = 0;
  std::uint64_t next_link_id_ = 0;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::map<fabric::PeerKey, NodeIndex> index_by_peer_;
  std::map<std::pair<NodeIndex, NodeIndex>, std::unique_ptr<Link>> links_;
  std::map<std::pair<NodeIndex, NodeIndex>, Rng> link_rngs_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::unique_ptr<SimEvent>> queue_;
  std::vector<std::uint32_t> group_;
  std::vector<WriteRecord> writes_;
  // (node, incarnation, origin, seq) -> index in writes_
  std::map<std::pair<std::pair<NodeIndex, std::uint64_t>, fabric::MutationId>, std::size_t> write_index_;
  MeshStats stats_;
  std::uint64_t trace_hash_ = 1469598103934665603ULL;
  std::vector<std::string> trace_ring_;
  std::size_t trace_next_ = 0;
  std::vector<std::string> anomalies_;
  std::uint64_t anomaly_count_ = 0;
  std::vector<std::string> rejections_;
  std::uint64_t rejection_count_ = 0;
  std::vector<std::string> violations_;
  std::uint64_t violation_count_ = 0;
  std::map<fabric::MutationId, std::uint64_t> mutation_digests_;  // content seen per (origin, seq)
  std::optional<std::string> failure_;
};

// FNV-1a 64 of `bytes` (gossip content ids and trace folding; not cryptographic).
std::uint64_t fnv1a64(ByteView bytes, std::uint64_t basis = 1469598103934665603ULL);

}  // namespace ff::sim
