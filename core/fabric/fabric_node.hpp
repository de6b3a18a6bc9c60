// FabricNode: one node of a Fluid Fabric mesh as an IO-free state machine (ARCHITECTURE.md,
// "the one rule"). The runtime (node/ natively, web/ in the browser) tells it about
// connections, frames, gossip messages, journal progress and time; it answers with effects
// (SendDirect, Publish, Persist, Disconnect, Event) drained through poll_effect().
//
// Protocol summary (docs/fabric.md is the full description):
// - On every connection both sides open an outbound /fabric/1.0.0 stream and send Hello:
//   protocol version, proof of the program id, sovereignty, capability tier, agent, replica
//   id and version vector. A peer of another program id (bad proof) or version is
//   disconnected. Nothing else is accepted from a peer before its Hello.
// - A local write applies the op to the CRDT, becomes a Mutation (origin, seq, causal deps,
//   object, kind, delta, wall time), is journalled and published on
//   "fabric/<program-id>/sync" at once, without waiting for the sync. A crash can still
//   never make a node reuse a sequence number peers already saw: every start that does not
//   follow a clean shutdown() writes as a fresh replica (NodeConfig::fresh_replica_id), and
//   a session's first publish waits until its Session record is durable.
// - Received mutations are delivered in causal order (held in a bounded buffer until their
//   deps are present), journalled, applied; duplicates are dropped. An Authority acks a
//   mutation that asked for acks, once its journal holds it, directly to the origin.
// - The writer completes each write per its object's DurabilityPolicy: Local after its own
//   journal commit; Quorum(N) after N Authority acks (self included when self is an
//   Authority), degrading with a kWarning when fewer than N Authorities are reachable;
//   StrictQuorum(N) fails instead; Leader waits for the reachable Authority with the
//   smallest PeerId. Citizen and Ephemeral acks never count. Writes completed without
//   their quorum are dirty in the journal until the acks arrive (an Upgrade record).
// - ReliableBroadcast re-sends unacked mutations directly to the Authorities missing,
//   100 ms doubling to 30 s, abandoning after a timeout to anti-entropy.
// - Every node pulses its version vector to each peer every 5 s; peers answer with the
//   mutations the other lacks (or a snapshot of every object when their log no longer
//   reaches back). This is also the catch-up after reconnect (Hello carries the vector).
//   LivenessGuard marks a Citizen/Ephemeral stale after 3 missed pulses; stale peers are
//   not counted as reachable.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/fabric/fabric_types.hpp"
#include "core/result.hpp"

namespace ff::fabric {

struct NodeConfig {
  std::string program_id;  // validate_program_id
  PeerKey peer_id;         // our own PeerId text (non-empty)
  Sovereignty sovereignty = Sovereignty::kAuthority;
  std::uint32_t capability_tier = 0;
  std::string agent = "fluid-fabric";
  // The replica of the node's first session (empty journal); 0 = derive from peer_id
  // (first 8 bytes of SHA-256 of it, little-endian). Ephemeral nodes, which keep no
  // journal, must pass a random one per start (so a restart never reuses sequence numbers).
  crdt::ReplicaId replica_id = 0;
  // A random non-zero id, required with a journal: the replica this start writes as when
  // the journal does not end with a clean Shutdown record. Own writes are published before
  // their sync; after a crash that lost some of them with the OS page cache, writing on
  // under the old replica would reissue (origin, seq) pairs peers already hold.
  crdt::ReplicaId fresh_replica_id = 0;
  // False for Ephemeral: no Persist effects; writes count as locally durable at once.
  bool journal = true;

  std::uint64_t pulse_interval_ms = 5000;
  std::uint32_t stale_after_missed_pulses = 3;
  std::uint64_t retry_initial_ms = 100;
  std::uint64_t retry_max_ms = 30000;
  std::uint64_t abandon_after_ms = 10 * 60 * 1000;  // then anti-entropy's job
  std::uint64_t write_timeout_ms = 10000;           // Quorum/Leader wait before failing/degrading

  std::size_t max_causal_buffer = 10000;   // mutations waiting for deps (then dropped)
  std::size_t max_pending_writes = 10000;  // apply() fails with kLimitExceeded beyond this
  std::size_t max_log_mutations = 100000;  // kept for catch-up; beyond it, snapshots
  std::size_t max_objects = 4096;
  std::size_t max_effects = 1 << 20;  // a runtime that never polls is a bug; bounded anyway
};

class FabricNode {
 public:
  // kInvalidInput for a bad program id, empty peer id, zero intervals.
  static Result<std::unique_ptr<FabricNode>> create(NodeConfig config);
  ~FabricNode();
  FabricNode(const FabricNode&) = delete;
  FabricNode& operator=(const FabricNode&) = delete;

  const NodeConfig& config() const;
  crdt::ReplicaId replica_id() const;
  const std::string& topic() const;  // sync_topic(program_id)

  // ---- Recovery: before anything else, feed every journal record in order. ----
  // Corrupt or foreign records are errors (the runtime's journal reader already dropped
  // checksum failures). Unacked writes found here are tracked again by ReliableBroadcast.
  Status restore(ByteView record);
  // Call once after the last restore(): rebuilds indexes, emits kObjectChanged events and
  // starts the session (chooses the replica, journals a Session record). apply() calls it
  // when the runtime did not.
  void restored(std::uint64_t now_ms);
  // A clean stop: journals a Shutdown record (synced) and ignores later input; apply()
  // fails with kUnavailable. The runtime carries out the Persist effects, syncs, and stops.
  void shutdown(std::uint64_t now_ms);

  // ---- Objects ----
  // Declares `name` as `kind` with `policy`. Re-mounting with the same kind changes the
  // policy; another kind is kInvalidInput. Unmounted objects are created by their first
  // write (local or remote) with policy Local.
  Status mount(const std::string& name, ObjectKind kind, DurabilityPolicy policy);
  // Applies `op` locally and starts its write. Errors (nothing changes): kInvalidInput for
  // a bad name/kind mismatch/index, kLimitExceeded when too many writes are pending, and
  // kUnavailable for StrictQuorum(N)/Leader when fewer than N Authorities (no Authority)
  // are reachable right now, with a message saying how many were.
  // Completion arrives later as a kWriteDone event with the returned id.
  Result<MutationId> apply(const Op& op, std::uint64_t now_ms);

  // ---- Runtime input ----
  void peer_connected(const PeerKey& peer, std::uint64_t now_ms);
  void peer_disconnected(const PeerKey& peer, std::uint64_t now_ms);
  // One frame read from the peer's /fabric/1.0.0 stream (length prefix removed).
  void handle_direct(const PeerKey& from, ByteView frame, std::uint64_t now_ms);
  // One message received on topic() (`from` = the GossipSub propagation source).
  void handle_gossip(const PeerKey& from, ByteView data, std::uint64_t now_ms);
  void persisted(std::uint64_t ticket, std::uint64_t now_ms);
  void handle_timeout(std::uint64_t now_ms);
  // When handle_timeout wants to run next (absolute ms; UINT64_MAX when idle).
  std::uint64_t next_timeout_ms() const;

  std::optional<Effect> poll_effect();

  // ---- Read side ----
  std::vector<PeerInfo> peers() const;  // hello-accepted peers
  std::vector<ObjectInfo> objects() const;
  // The value of one object as JSON: counter -> 5, set -> ["a","b"] (sorted), map ->
  // {"k":"v"} (sorted keys), list -> ["x","y"], text -> "hello". kNotFound if absent.
  Result<std::string> object_json(const std::string& name) const;
  // {"program_id":..,"peer_id":..,"sovereignty":..,"objects":{"name":{"kind":..,"policy":..,"value":..}}}
  std::string state_json() const;
  Metrics metrics() const;
  // Per-origin count of mutations delivered here (the version vector), for tests and UIs.
  std::map<crdt::ReplicaId, std::uint64_t> version_vector() const;

 private:
  struct Impl;
  explicit FabricNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ff::fabric
