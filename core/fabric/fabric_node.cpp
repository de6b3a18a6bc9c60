#include "core/fabric/fabric_node.hpp"

#include <algorithm>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <variant>

#include "core/fabric/causal_buffer.hpp"
#include "core/fabric/fabric_wire.hpp"
#include "core/fabric/liveness_guard.hpp"
#include "core/fabric/object_store.hpp"
#include "core/fabric/program_proof.hpp"
#include "core/fabric/retry_schedule.hpp"

namespace ff::fabric {

namespace {

using crdt::ReplicaId;
using wire::VersionVector;

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
// Room for the DirectMessage and MutationBatch headers around a batch's entries.
constexpr std::size_t kBatchHeaderBytes = 16;
// Own writes whose op carries more bytes than this are refused before they touch the
// CRDT: their delta must fit in one sync message (kMaxGossipMessageBytes).
constexpr std::size_t kMaxOpPayloadBytes = kMaxGossipMessageBytes - 64 * 1024;
// The catch-up log is bounded in bytes as well as in mutations (max_log_mutations): a peer
// can send mutations of up to a frame each.
constexpr std::size_t kMaxLogBytes = std::size_t{64} << 20;

std::size_t mutation_bytes(const wire::Mutation& m) { return m.delta.size() + m.object.size() + 64; }

std::uint64_t vv_get(const VersionVector& vv, ReplicaId replica) {
  auto it = vv.find(replica);
  return it == vv.end() ? 0 : it->second;
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) { return a > kNever - b ? kNever : a + b; }

}  // namespace

struct FabricNode::Impl {
  struct ObjectEntry {
    ObjectKind kind = ObjectKind::kCounter;
    DurabilityPolicy policy;
    std::unique_ptr<SharedObject> state;
  };

  struct PeerState {
    bool hello = false;
    PeerInfo info;
  };

  // One own write, from apply() until its policy completes and (when it asked for acks)
  // until enough Authorities acked it or ReliableBroadcast gives up.
  struct Write {
    wire::Mutation mutation;
    DurabilityPolicy policy;
    bool durable = false;      // our journal holds it (or we keep no journal)
    bool completed = false;    // kWriteDone emitted (restored writes start completed)
    std::set<ReplicaId> acks;  // Authority replicas, self included
    std::uint64_t durable_ms = 0;
    std::uint64_t deadline_ms = kNever;  // write_timeout_ms after durable
    RetrySchedule retry;                 // started once durable, for writes that asked for acks
    // Restored from the journal, which does not record policies: the object's policy at
    // the time acks arrive decides (see effective_policy).
    bool restored = false;
  };

  // What a journal ticket unblocks when persisted() covers it.
  struct PendingPersist {
    std::optional<std::uint64_t> own_seq;
    std::vector<MutationId> acks_to_send;
    std::vector<MutationId> remote;  // delivered remote mutations this record holds
  };

  explicit Impl(NodeConfig c)
      : config(std::move(c)),
        self(config.replica_id != 0 ? config.replica_id : replica_id_from_peer(config.peer_id)),
        topic(sync_topic(config.program_id)),
        proof(program_proof(config.program_id, config.peer_id)),
        causal(config.max_causal_buffer),
        liveness(config.pulse_interval_ms, config.stale_after_missed_pulses) {}

  NodeConfig config;
  ReplicaId self;
  std::string topic;
  Bytes proof;

  std::map<std::string, ObjectEntry> objects;
  VersionVector vv;  // delivered mutations per origin (own writes included)
  // The version vector (own entry excluded) our previous own mutation's deps reached. A
  // receiver delivers our mutations in seq order, so the next one need only name the
  // entries that grew since (deps stay small however many origins the mesh has seen).
  VersionVector deps_base;
  CausalBuffer causal;
  std::deque<wire::Mutation> log;  // delivery order, for catch-up
  std::size_t log_bytes = 0;
  VersionVector trimmed;  // per origin, highest seq the log no longer holds

  std::map<PeerKey, PeerState> peers;
  LivenessGuard liveness;

  std::map<std::uint64_t, Write> writes;  // own seq -> write
  std::uint64_t next_ticket = 1;
  std::uint64_t persisted_upto = 0;
  std::uint64_t snapshot_ticket = 0;  // the last Snapshot record we journalled
  std::map<std::uint64_t, PendingPersist> pending_persist;
  std::map<MutationId, std::uint64_t> unpersisted;  // remote mutation -> its record's ticket
  std::vector<std::uint64_t> pending_upgrades;

  bool restored_done = false;
  std::map<std::uint64_t, wire::Mutation> restored_own;  // own ack-requested writes not upgraded

  // ---- Replica sessions (docs/fabric.md "Replica sessions") ----
  // While restoring: the replica the journal's records were written as (Session records
  // change it), whether any record was restored, and whether the last one was a Shutdown
  // naming that replica.
  ReplicaId session_replica = 0;
  bool any_record = false;
  bool ended_clean = false;
  bool rebind_objects = false;  // objects were built for a replica other than `self`
  bool session_started = false;
  bool shut_down = false;
  // The Session record's ticket until it is durable (0 = open). Own writes of the session
  // are not sent anywhere before: were the record lost, the next start would not know the
  // replica was used and could write as it again.
  std::uint64_t publish_gate = 0;
  std::uint64_t session_first_seq = 1;  // own seqs from here on belong to this session
  std::vector<Bytes> held_publishes;    // sync messages waiting for the gate

  std::deque<Effect> effects;
  Metrics metrics;
  std::uint64_t effects_dropped = 0;

  bool is_authority() const { return config.sovereignty == Sovereignty::kAuthority; }
  // Own writes of this session not sendable yet (the gate is closed).
  bool held_back(const wire::Mutation& m) const {
    return publish_gate != 0 && m.origin == self && m.seq >= session_first_seq;
  }
  bool vv_self_saturated() const { return vv_get(vv, self) == kNever; }

  // ---- Effects ----

  void emit(Effect effect) {
    if (effects.size() >= config.max_effects) {
      ++effects_dropped;
      return;
    }
    effects.push_back(std::move(effect));
  }

  void event(EventKind kind, const PeerKey& peer = {}, const std::string& object = {},
             std::string text = {}) {
    Event e;
    e.kind = kind;
    e.peer = peer;
    e.object = object;
    e.text = std::move(text);
    emit(std::move(e));
  }

  void reject(const PeerKey& peer, std::string reason) {
    ++metrics.rejected_inputs;
    event(EventKind::kRejected, peer, {}, std::move(reason));
  }

  void disconnect(const PeerKey& peer, const std::string& reason) {
    reject(peer, reason);
    emit(Disconnect{peer, reason});
    drop_peer(peer, /*announce=*/true);
  }

  void send(const PeerKey& peer, const wire::DirectMessage& message) {
    emit(SendDirect{peer, wire::encode_direct(message)});
  }

  std::uint64_t persist(const wire::JournalRecord& record, bool sync) {
    const std::uint64_t ticket = next_ticket++;
    Bytes bytes = wire::encode_record(record);
    ++metrics.journal_records;
    metrics.journal_bytes += bytes.size();
    emit(Persist{ticket, std::move(bytes), sync});
    return ticket;
  }

  // ---- Peers and reachability ----

  const PeerState* peer_by_replica(ReplicaId replica) const {
    for (const auto& [key, peer] : peers) {
      if (peer.hello && peer.info.replica == replica) return &peer;
    }
    return nullptr;
  }

  // Hello-accepted, not stale Authorities other than us.
  std::vector<const PeerState*> reachable_authority_peers() const {
    std::vector<const PeerState*> result;
    for (const auto& [key, peer] : peers) {
      if (peer.hello && !peer.info.stale && peer.info.sovereignty == Sovereignty::kAuthority) {
        result.push_back(&peer);
      }
    }
    return result;
  }

  std::uint32_t reachable_authorities() const {
    return static_cast<std::uint32_t>(reachable_authority_peers().size()) + (is_authority() ? 1 : 0);
  }

  // Spec "Quorum Safety", Leader: the reachable Authority with the smallest PeerId.
  std::optional<ReplicaId> leader() const {
    std::optional<std::pair<PeerKey, ReplicaId>> best;
    if (is_authority()) best = std::make_pair(config.peer_id, self);
    for (const PeerState* peer : reachable_authority_peers()) {
      if (!best || peer->info.peer < best->first) best = std::make_pair(peer->info.peer, peer->info.replica);
    }
    if (!best) return std::nullopt;
    return best->second;
  }

  void drop_peer(const PeerKey& key, bool announce) {
    auto it = peers.find(key);
    if (it == peers.end()) return;
    const bool was_accepted = it->second.hello;
    peers.erase(it);
    metrics.peers = accepted_peer_count();
    if (was_accepted && announce) event(EventKind::kPeerLeft, key);
    liveness.remove(key);
  }

  std::uint64_t accepted_peer_count() const {
    std::uint64_t n = 0;
    for (const auto& [key, peer] : peers) n += peer.hello ? 1 : 0;
    return n;
  }

  wire::Hello make_hello() const {
    wire::Hello hello;
    hello.protocol_version = kProtocolVersion;
    hello.program_proof = proof;
    hello.sovereignty = config.sovereignty;
    hello.capability_tier = config.capability_tier;
    hello.agent = config.agent;
    hello.replica = self;
    hello.heads = vv;
    return hello;
  }

  // ---- Objects ----

  // The object `name` of `kind`, created (policy Local) when absent. kInvalidInput when it
  // exists with another kind, kLimitExceeded beyond max_objects.
  Result<ObjectEntry*> object_for(const std::string& name, ObjectKind kind) {
    auto it = objects.find(name);
    if (it != objects.end()) {
      if (it->second.kind != kind) {
        return make_error(Errc::kInvalidInput, "object '" + name + "' is a " +
                                                   object_kind_name(it->second.kind) + ", not a " +
                                                   object_kind_name(kind));
      }
      return &it->second;
    }
    if (objects.size() >= config.max_objects) {
      return make_error(Errc::kLimitExceeded,
                        "object '" + name + "': already " + std::to_string(objects.size()) + " objects");
    }
    ObjectEntry entry;
    entry.kind = kind;
    entry.policy = DurabilityPolicy::local();
    entry.state = SharedObject::make(kind, self);
    return &objects.emplace(name, std::move(entry)).first->second;
  }

  // ---- The log kept for catch-up ----

  void log_append(const wire::Mutation& m) {
    log.push_back(m);
    log_bytes += mutation_bytes(m);
    while (log.size() > config.max_log_mutations || log_bytes > kMaxLogBytes) {
      const wire::Mutation& oldest = log.front();
      std::uint64_t& floor = trimmed[oldest.origin];
      floor = std::max(floor, oldest.seq);
      log_bytes -= mutation_bytes(oldest);
      log.pop_front();
    }
  }

  // ---- Delivery of remote mutations ----

  // Applies a causally ready mutation: CRDT, version vector, log, journal, ack, event.
  void deliver(const PeerKey& from, const wire::Mutation& m) {
    vv[m.origin] = m.seq;
    log_append(m);
    ++metrics.deltas_received;
    apply_to_object(from, m, /*announce=*/true);
    if (config.journal) {
      const std::uint64_t ticket = persist(wire::JournalRecord{m}, /*sync=*/is_authority());
      PendingPersist& pending = pending_persist[ticket];
      pending.remote.push_back(m.id());
      unpersisted[m.id()] = ticket;
      if (m.ack_requested && is_authority()) pending.acks_to_send.push_back(m.id());
    } else if (m.ack_requested && is_authority()) {
      send_ack(m.id());
    }
  }

  // A delivered mutation for an object of another kind (or one too many) is still
  // delivered (the version vector moves on, so later mutations of its origin are not
  // stuck); only its delta is dropped, everywhere alike.
  void apply_to_object(const PeerKey& from, const wire::Mutation& m, bool announce) {
    auto object = object_for(m.object, m.kind);
    if (!object.ok()) {
      if (announce) reject(from, "mutation " + describe(m.id()) + ": " + object.error().message);
      return;
    }
    Status applied = (*object)->state->apply_delta(m.delta);
    if (!applied.ok() && announce)
      reject(from, "mutation " + describe(m.id()) + ": " + applied.error().message);
    if (announce) event(EventKind::kObjectChanged, from, m.object);  // peer: who brought it
  }

  static std::string describe(const MutationId& id) {
    return std::to_string(id.origin) + "/" + std::to_string(id.seq);
  }

  void receive_mutation(const PeerKey& from, wire::Mutation m, bool direct) {
    const MutationId id = m.id();
    if (m.seq <= vv_get(vv, m.origin) || causal.contains(id)) {
      ++metrics.duplicates_dropped;
      // A re-send from the origin means our ack got lost: ack again once journalled.
      if (direct && m.ack_requested && is_authority() && m.seq <= vv_get(vv, m.origin) && m.origin != self) {
        auto pending = unpersisted.find(id);
        std::uint64_t ticket = pending != unpersisted.end() ? pending->second : 0;
        // Delivered as part of a snapshot whose record is not durable yet: ack with it.
        if (ticket == 0 && snapshot_ticket > persisted_upto) ticket = snapshot_ticket;
        if (ticket == 0) {
          send_ack(id);
        } else {
          auto& list = pending_persist[ticket].acks_to_send;
          if (std::find(list.begin(), list.end(), id) == list.end()) list.push_back(id);
        }
      }
      return;
    }
    // One entry stays free for our own writes.
    const std::size_t max_origins = wire::kMaxVersionVectorEntries - (vv.count(self) != 0 ? 0 : 1);
    if (vv.count(m.origin) == 0 && vv.size() >= max_origins) {
      // Our version vector must stay sendable (Hello and Pulse carry it).
      reject(from, "mutation " + describe(id) + " dropped: already " +
                       std::to_string(wire::kMaxVersionVectorEntries) + " origins");
      return;
    }
    if (!CausalBuffer::deliverable(m, vv)) {
      if (!causal.insert(std::move(m))) {
        reject(from, "mutation " + describe(id) + " dropped: causal buffer full (" +
                         std::to_string(config.max_causal_buffer) + "); anti-entropy will fetch it again");
      }
      metrics.causal_buffered = causal.size();
      return;
    }
    deliver(from, m);
    drain_causal(from);
  }

  void drain_causal(const PeerKey& from) {
    while (auto ready = causal.take_deliverable(vv)) deliver(from, *ready);
    metrics.causal_buffered = causal.size();
  }

  void send_ack(const MutationId& id) {
    const PeerState* origin = peer_by_replica(id.origin);
    if (origin == nullptr) return;  // the origin re-sends while it waits; we ack that copy
    send(origin->info.peer, wire::DirectMessage{wire::Ack{id.origin, id.seq, self}});
    ++metrics.acks_sent;
  }

  // ---- Catch-up (anti-entropy) ----

  wire::Snapshot make_snapshot() const {
    wire::Snapshot snapshot;
    snapshot.heads = vv;
    for (const auto& [name, entry] : objects) {
      snapshot.objects.push_back(wire::ObjectState{name, entry.kind, entry.state->encode_state()});
    }
    return snapshot;
  }

  // Sends `peer` what it lacks according to `heads`: from the log when it reaches back
  // far enough for every origin, else a snapshot.
  void send_catch_up(const PeerKey& peer, const VersionVector& heads) {
    bool lacks = false;
    bool need_snapshot = false;
    for (const auto& [origin, seq] : vv) {
      const std::uint64_t theirs = vv_get(heads, origin);
      if (seq <= theirs) continue;
      lacks = true;
      if (theirs < vv_get(trimmed, origin)) need_snapshot = true;
    }
    if (!lacks) return;
    if (need_snapshot) {
      // A snapshot holds every own write; wait until they may be sent (the next pulse asks
      // again).
      if (publish_gate != 0 && vv_get(vv, self) >= session_first_seq) return;
      Bytes frame = wire::encode_direct(wire::DirectMessage{make_snapshot()});
      if (frame.size() > kMaxDirectFrameBytes) {
        event(EventKind::kWarning, peer, {},
              "catch-up snapshot of " + std::to_string(frame.size()) +
                  " bytes exceeds the frame limit; not sent");
        return;
      }
      emit(SendDirect{peer, std::move(frame)});
      return;
    }
    wire::MutationBatch batch;
    std::size_t batch_bytes = kBatchHeaderBytes;
    const auto flush = [&] {
      if (batch.mutations.empty()) return;
      metrics.deltas_sent += batch.mutations.size();
      send(peer, wire::DirectMessage{std::move(batch)});
      batch = wire::MutationBatch{};
      batch_bytes = kBatchHeaderBytes;
    };
    for (const wire::Mutation& m : log) {
      if (m.seq <= vv_get(heads, m.origin)) continue;
      if (held_back(m)) continue;
      const std::size_t size = wire::batch_entry_size(m);
      if (size + kBatchHeaderBytes > kMaxDirectFrameBytes) continue;  // cannot travel directly
      if (batch_bytes + size > kMaxDirectFrameBytes) flush();
      batch.mutations.push_back(m);
      batch_bytes += size;
    }
    flush();
  }

  void apply_snapshot(const PeerKey& from, const wire::Snapshot& snapshot) {
    for (const wire::ObjectState& object : snapshot.objects) {
      auto it = objects.find(object.name);
      if (it != objects.end()) {
        if (it->second.kind != object.kind) {
          reject(from, "snapshot object '" + object.name + "' is a " + object_kind_name(object.kind) +
                           ", here a " + object_kind_name(it->second.kind));
          continue;
        }
        Status merged = it->second.state->merge_state(object.state);
        if (!merged.ok()) reject(from, "snapshot object '" + object.name + "': " + merged.error().message);
      } else {
        if (objects.size() >= config.max_objects) {
          reject(from, "snapshot object '" + object.name + "': object limit reached");
          continue;
        }
        auto state = SharedObject::from_state(object.kind, self, object.state);
        if (!state.ok()) {
          reject(from, "snapshot object '" + object.name + "': " + state.error().message);
          continue;
        }
        ObjectEntry entry;
        entry.kind = object.kind;
        entry.policy = DurabilityPolicy::local();
        entry.state = std::move(*state);
        objects.emplace(object.name, std::move(entry));
      }
      event(EventKind::kObjectChanged, {}, object.name);
    }
    for (const auto& [origin, seq] : snapshot.heads) {
      if (seq <= vv_get(vv, origin)) continue;
      vv[origin] = seq;
      // Those mutations came as state, not one by one: the log cannot replay them.
      std::uint64_t& floor = trimmed[origin];
      floor = std::max(floor, seq);
    }
    causal.drop_covered(vv);
    drain_causal(from);
    // Journal the joined state: the record replaces every earlier one on restore.
    if (config.journal) {
      snapshot_ticket = persist(wire::JournalRecord{make_snapshot()}, /*sync=*/is_authority());
    }
  }

  // ---- Own writes: policy, acks, ReliableBroadcast ----

  // A restored write follows its object's current policy (mounts usually come after
  // restored()); while the object is unmounted (Local), one Authority other than us must
  // hold the write before it counts as clean.
  DurabilityPolicy effective_policy(const Write& w) const {
    if (!w.restored) return w.policy;
    auto it = objects.find(w.mutation.object);
    if (it != objects.end() && it->second.policy.kind != DurabilityPolicy::Kind::kLocal)
      return it->second.policy;
    return DurabilityPolicy::quorum(is_authority() ? 2 : 1);
  }

  bool acks_reached(const Write& w) const {
    const DurabilityPolicy policy = effective_policy(w);
    switch (policy.kind) {
      case DurabilityPolicy::Kind::kLocal: return true;
      case DurabilityPolicy::Kind::kQuorum:
      case DurabilityPolicy::Kind::kStrictQuorum:
        return w.acks.size() >= std::max<std::uint32_t>(1, policy.n);
      case DurabilityPolicy::Kind::kLeader: {
        const auto current = leader();
        return current && w.acks.count(*current) != 0;
      }
    }
    return false;
  }

  void complete(Write& w, Status status, bool degraded) {
    w.completed = true;
    Event e;
    e.kind = EventKind::kWriteDone;
    e.object = w.mutation.object;
    e.write = w.mutation.id();
    e.status = std::move(status);
    e.acks = static_cast<std::uint32_t>(w.acks.size());
    e.degraded = degraded;
    emit(std::move(e));
  }

  // Decides a write that is not completed yet; `timed_out` when write_timeout_ms passed.
  void evaluate(Write& w, bool timed_out) {
    if (w.completed || !w.durable) return;
    const DurabilityPolicy& p = w.policy;
    const std::uint32_t reachable = reachable_authorities();
    const auto shortfall = [&](const char* why) {
      return std::string(why) + ": " + std::to_string(w.acks.size()) + " of " + std::to_string(p.n) +
             " Authority acks, " + std::to_string(reachable) + " Authorities reachable";
    };
    switch (p.kind) {
      case DurabilityPolicy::Kind::kLocal: complete(w, {}, false); break;
      case DurabilityPolicy::Kind::kQuorum:
        if (w.acks.size() >= p.n) {
          complete(w, {}, false);
        } else if (reachable < p.n || timed_out) {
          event(EventKind::kWarning, {}, w.mutation.object,
                shortfall(reachable < p.n ? "quorum degraded" : "quorum degraded after timeout"));
          complete(w, {}, true);
        }
        break;
      case DurabilityPolicy::Kind::kStrictQuorum:
        if (w.acks.size() >= p.n) {
          complete(w, {}, false);
        } else if (reachable < p.n || timed_out) {
          complete(w, make_error(Errc::kUnavailable, shortfall(durability_name(p).c_str())), false);
        }
        break;
      case DurabilityPolicy::Kind::kLeader: {
        const auto current = leader();
        if (current && w.acks.count(*current) != 0) {
          complete(w, {}, false);
        } else if (!current || timed_out) {
          complete(w,
                   make_error(Errc::kUnavailable,
                              current ? "leader: no ack from the leader before the write timeout"
                                      : "leader: no Authority reachable"),
                   false);
        }
        break;
      }
    }
  }

  // After a change to acks or reachability: completes, upgrades and untracks writes.
  void settle(std::uint64_t seq, bool timed_out) {
    auto it = writes.find(seq);
    if (it == writes.end()) return;
    Write& w = it->second;
    evaluate(w, timed_out);
    if (!w.completed) return;
    if (!w.mutation.ack_requested) {
      writes.erase(it);
    } else if (acks_reached(w)) {
      // Clean: the journal learns the write reached its policy (docs/fabric.md "Journal").
      pending_upgrades.push_back(seq);
      writes.erase(it);
    }
  }

  void settle_all(bool timed_out_only_past = false, std::uint64_t now_ms = 0) {
    std::vector<std::uint64_t> seqs;
    for (const auto& [seq, w] : writes) seqs.push_back(seq);
    for (const std::uint64_t seq : seqs) {
      auto it = writes.find(seq);
      if (it == writes.end()) continue;
      settle(seq, timed_out_only_past && it->second.durable && now_ms >= it->second.deadline_ms);
    }
  }

  void publish(Bytes sync_message) {
    if (publish_gate != 0) {
      held_publishes.push_back(std::move(sync_message));
      return;
    }
    emit(Publish{topic, std::move(sync_message)});
    ++metrics.deltas_sent;
  }

  void open_gate_if_durable() {
    if (publish_gate == 0 || persisted_upto < publish_gate) return;
    publish_gate = 0;
    std::vector<Bytes> held = std::move(held_publishes);
    held_publishes.clear();
    for (Bytes& message : held) publish(std::move(message));
  }

  // Our journal holds own write `seq`: its policy may complete, re-sends may start.
  void on_durable(std::uint64_t seq, std::uint64_t now_ms) {
    auto it = writes.find(seq);
    if (it == writes.end()) return;
    Write& w = it->second;
    w.durable = true;
    w.durable_ms = now_ms;
    w.deadline_ms = saturating_add(now_ms, config.write_timeout_ms);
    if (is_authority()) w.acks.insert(self);
    if (w.mutation.ack_requested) {
      w.retry.start(now_ms, config.retry_initial_ms);
    }
    settle(seq, false);
  }

  void flush_upgrades() {
    // After shutdown() the Shutdown record stays last; the next start re-tracks these.
    if (pending_upgrades.empty() || shut_down) return;
    wire::Upgrade upgrade;
    upgrade.seqs = std::move(pending_upgrades);
    pending_upgrades.clear();
    std::sort(upgrade.seqs.begin(), upgrade.seqs.end());
    if (config.journal) persist(wire::JournalRecord{std::move(upgrade)}, /*sync=*/false);
  }

  void handle_ack(const PeerKey& from, const wire::Ack& ack) {
    const auto peer = peers.find(from);
    // Only an Authority's ack for its own replica counts (spec "Sovereignty Classes").
    if (peer == peers.end() || peer->second.info.sovereignty != Sovereignty::kAuthority ||
        peer->second.info.replica != ack.authority || ack.origin != self) {
      return;
    }
    ++metrics.acks_received;
    auto it = writes.find(ack.seq);
    if (it == writes.end()) return;
    it->second.acks.insert(ack.authority);
    settle(ack.seq, false);
  }

  void retry_and_abandon(std::uint64_t now_ms) {
    std::vector<std::uint64_t> abandoned;
    for (auto& [seq, w] : writes) {
      if (!w.durable || !w.mutation.ack_requested) continue;
      if (now_ms >= saturating_add(w.durable_ms, config.abandon_after_ms)) {
        abandoned.push_back(seq);
        continue;
      }
      if (!w.retry.due(now_ms)) continue;
      for (const PeerState* peer : reachable_authority_peers()) {
        if (w.acks.count(peer->info.replica) != 0) continue;
        send(peer->info.peer, wire::DirectMessage{wire::MutationBatch{{w.mutation}}});
        ++metrics.deltas_sent;
      }
      w.retry.advance(now_ms, config.retry_max_ms);
    }
    for (const std::uint64_t seq : abandoned) {
      Write& w = writes.at(seq);
      if (!w.completed) evaluate(w, /*timed_out=*/true);
      event(EventKind::kWarning, {}, w.mutation.object,
            "write " + describe(w.mutation.id()) + " abandoned to anti-entropy after " +
                std::to_string(config.abandon_after_ms) + " ms without enough acks");
      writes.erase(seq);
    }
  }

  // ---- Liveness ----

  void pulse_and_watch(std::uint64_t now_ms) {
    if (liveness.pulse_due(now_ms)) {
      for (const auto& [key, peer] : peers) {
        if (peer.hello) send(key, wire::DirectMessage{wire::Pulse{vv}});
      }
    }
    const std::vector<PeerKey> expired = liveness.expire(now_ms);
    for (const PeerKey& key : expired) {
      auto it = peers.find(key);
      if (it != peers.end()) it->second.info.stale = true;
      event(EventKind::kPeerStale, key);
    }
    if (!expired.empty()) settle_all();
  }

  // ---- Frames ----

  void handle_hello(const PeerKey& from, PeerState& peer, const wire::Hello& hello, std::uint64_t now_ms) {
    if (hello.protocol_version != kProtocolVersion) {
      disconnect(from, "protocol version " + std::to_string(hello.protocol_version) + ", this node speaks " +
                           std::to_string(kProtocolVersion));
      return;
    }
    if (!program_proof_matches(config.program_id, from, hello.program_proof)) {
      disconnect(from, "program id proof does not match: the peer runs another program id");
      return;
    }
    // A later Hello from an accepted peer (it restarted or opened another connection
    // before we saw the old one close) refreshes what we know of it and catches it up;
    // it is not a new join.
    const bool rejoin = peer.hello;
    peer.hello = true;
    liveness.add(from, hello.sovereignty != Sovereignty::kAuthority, now_ms);
    peer.info.peer = from;
    peer.info.replica = hello.replica;
    peer.info.sovereignty = hello.sovereignty;
    peer.info.capability_tier = hello.capability_tier;
    peer.info.agent = hello.agent;
    peer.info.stale = false;
    peer.info.last_pulse_ms = now_ms;
    metrics.peers = accepted_peer_count();
    if (!rejoin) event(EventKind::kPeerJoined, from, {}, sovereignty_name(hello.sovereignty));
    send_catch_up(from, hello.heads);
    settle_all();
  }

  void handle_frame(const PeerKey& from, ByteView frame, std::uint64_t now_ms) {
    if (peers.find(from) == peers.end()) connect(from);
    auto decoded = wire::decode_direct(frame);
    if (!decoded.ok()) {
      reject(from, "malformed fabric frame: " + decoded.error().message);
      return;
    }
    PeerState& peer = peers.at(from);
    wire::DirectMessage& message = *decoded;
    if (auto* hello = std::get_if<wire::Hello>(&message.body)) {
      handle_hello(from, peer, *hello, now_ms);
      return;
    }
    if (!peer.hello) {
      disconnect(from, "protocol violation: a frame before Hello");
      return;
    }
    if (auto* ack = std::get_if<wire::Ack>(&message.body)) {
      handle_ack(from, *ack);
    } else if (auto* pulse = std::get_if<wire::Pulse>(&message.body)) {
      peer.info.last_pulse_ms = now_ms;
      if (liveness.heard(from, now_ms)) {
        peer.info.stale = false;
        event(EventKind::kPeerActive, from);
        settle_all();
      }
      send_catch_up(from, pulse->heads);
    } else if (auto* batch = std::get_if<wire::MutationBatch>(&message.body)) {
      for (wire::Mutation& m : batch->mutations) receive_mutation(from, std::move(m), /*direct=*/true);
    } else if (auto* snapshot = std::get_if<wire::Snapshot>(&message.body)) {
      apply_snapshot(from, *snapshot);
    }
  }

  void connect(const PeerKey& peer) {
    PeerState state;
    state.info.peer = peer;
    peers[peer] = std::move(state);
    send(peer, wire::DirectMessage{make_hello()});
  }

  // ---- Restore and sessions ----

  std::size_t orphaned_writes = 0;  // dirty writes of an earlier replica, not re-tracked

  void orphan_restored_own() {
    orphaned_writes += restored_own.size();
    restored_own.clear();
  }

  // Chooses the replica this start writes as and journals it (docs/fabric.md "Replica
  // sessions"): the journal's replica again after a clean Shutdown (or on a first start),
  // else a fresh one.
  void start_session() {
    if (session_started) return;
    session_started = true;
    if (config.journal && any_record && !ended_clean) {
      orphan_restored_own();
      deps_base.clear();
      self = config.fresh_replica_id;
      rebind_objects = rebind_objects || !objects.empty();
    }
    if (orphaned_writes != 0) {
      event(EventKind::kWarning, {}, {},
            std::to_string(orphaned_writes) +
                " dirty writes of an earlier session are left to anti-entropy (that session did not "
                "stop cleanly, so this one writes as a new replica)");
    }
    if (rebind_objects) {
      // Local changes are made as `self` from now on; the states themselves carry over.
      for (auto& [name, entry] : objects) {
        auto rebound = SharedObject::from_state(entry.kind, self, entry.state->encode_state());
        if (rebound.ok()) entry.state = std::move(*rebound);
      }
      rebind_objects = false;
    }
    session_first_seq = vv_get(vv, self) + 1;
    if (config.journal) publish_gate = persist(wire::JournalRecord{wire::Session{self}}, /*sync=*/true);
    // Peers greeted before the replica was known learn it now.
    for (const auto& [key, peer] : peers) send(key, wire::DirectMessage{make_hello()});
  }

  Status restore_record(ByteView bytes) {
    // Held in the Result rather than moved out: g++ 12 misreads moved-from variants
    // (-Wmaybe-uninitialized).
    const Result<wire::JournalRecord> decoded = wire::decode_record(bytes);
    if (!decoded.ok()) return decoded.error();
    const wire::JournalRecord& record = *decoded;
    any_record = true;
    ended_clean = false;
    if (const auto* session = std::get_if<wire::Session>(&record.body)) {
      if (session->replica != self) {
        // Dirty writes of the previous replica cannot be tracked under another one.
        orphan_restored_own();
        deps_base.clear();
        self = session->replica;
        rebind_objects = rebind_objects || !objects.empty();
      }
      session_replica = self;
      return {};
    }
    if (const auto* shutdown = std::get_if<wire::Shutdown>(&record.body)) {
      ended_clean = shutdown->replica == self;
      return {};
    }
    if (const auto* m = std::get_if<wire::Mutation>(&record.body)) {
      if (m->seq <= vv_get(vv, m->origin)) return {};  // a copy the snapshot already covers
      if (m->origin == self) {  // what this own write's deps covered, as when it was made
        deps_base = vv;
        deps_base.erase(self);
      }
      vv[m->origin] = m->seq;
      log_append(*m);
      apply_to_object({}, *m, /*announce=*/false);
      if (m->origin == self && m->ack_requested) {
        restored_own.emplace(m->seq, *m);
        while (restored_own.size() > config.max_pending_writes) restored_own.erase(restored_own.begin());
      }
    } else if (const auto* upgrade = std::get_if<wire::Upgrade>(&record.body)) {
      for (const std::uint64_t seq : upgrade->seqs) restored_own.erase(seq);
    } else if (const auto* snapshot = std::get_if<wire::Snapshot>(&record.body)) {
      // Compaction: the snapshot replaces every earlier record. Own unacked writes stay
      // tracked (the snapshot holds their effect, not their acks).
      std::map<std::string, ObjectEntry> fresh;
      for (const wire::ObjectState& object : snapshot->objects) {
        FF_TRY_ASSIGN(auto state, SharedObject::from_state(object.kind, self, object.state));
        ObjectEntry entry;
        entry.kind = object.kind;
        entry.policy = DurabilityPolicy::local();
        entry.state = std::move(state);
        fresh.emplace(object.name, std::move(entry));
      }
      for (auto& [name, entry] : objects) {  // keep policies mounted before restore
        auto it = fresh.find(name);
        if (it != fresh.end() && it->second.kind == entry.kind) it->second.policy = entry.policy;
      }
      objects = std::move(fresh);
      vv = snapshot->heads;
      trimmed = snapshot->heads;
      deps_base.clear();  // the next own write names every entry again
      log.clear();
      log_bytes = 0;
    }
    return {};
  }
};

// ---------------------------------------------------------------------------------------

Result<std::unique_ptr<FabricNode>> FabricNode::create(NodeConfig config) {
  FF_TRY(validate_program_id(config.program_id));
  if (config.peer_id.empty()) return make_error(Errc::kInvalidInput, "node config: peer id is empty");
  if (config.pulse_interval_ms == 0 || config.stale_after_missed_pulses == 0 ||
      config.retry_initial_ms == 0 || config.retry_max_ms < config.retry_initial_ms ||
      config.abandon_after_ms == 0 || config.write_timeout_ms == 0) {
    return make_error(Errc::kInvalidInput,
                      "node config: pulse, stale, retry, abandon and write timeouts must be > 0 "
                      "(and retry_max_ms >= retry_initial_ms)");
  }
  if (config.max_causal_buffer == 0 || config.max_pending_writes == 0 || config.max_log_mutations == 0 ||
      config.max_objects == 0 || config.max_effects == 0) {
    return make_error(Errc::kInvalidInput, "node config: every max_* limit must be > 0");
  }
  if (config.journal && config.fresh_replica_id == 0) {
    return make_error(Errc::kInvalidInput,
                      "node config: a node with a journal needs a random non-zero fresh_replica_id");
  }
  if (config.agent.size() > 256)
    return make_error(Errc::kInvalidInput, "node config: agent longer than 256 bytes");
  if (config.sovereignty != Sovereignty::kAuthority && config.sovereignty != Sovereignty::kCitizen &&
      config.sovereignty != Sovereignty::kEphemeral) {
    return make_error(Errc::kInvalidInput, "node config: unknown sovereignty");
  }
  return std::unique_ptr<FabricNode>(new FabricNode(std::make_unique<Impl>(std::move(config))));
}

FabricNode::FabricNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FabricNode::~FabricNode() = default;

const NodeConfig& FabricNode::config() const { return impl_->config; }
crdt::ReplicaId FabricNode::replica_id() const { return impl_->self; }
const std::string& FabricNode::topic() const { return impl_->topic; }

Status FabricNode::restore(ByteView record) {
  if (impl_->restored_done) {
    return make_error(Errc::kInvalidInput,
                      "restore() after restored() or apply(): journal records must come first");
  }
  return impl_->restore_record(record);
}

void FabricNode::restored(std::uint64_t now_ms) {
  Impl& s = *impl_;
  if (s.restored_done) return;
  s.restored_done = true;
  s.start_session();
  // Own writes that never reached their acks (of this replica: start_session() left them
  // only if it kept it): ReliableBroadcast takes them up again.
  for (auto& [seq, m] : s.restored_own) {
    if (seq > vv_get(s.vv, s.self)) continue;
    Impl::Write w;
    w.restored = true;
    w.mutation = std::move(m);
    w.durable = true;
    w.completed = true;  // nobody waits for a kWriteDone across a restart
    w.durable_ms = now_ms;
    if (s.is_authority()) w.acks.insert(s.self);
    w.retry.start(now_ms, s.config.retry_initial_ms);
    s.writes.emplace(seq, std::move(w));
  }
  s.restored_own.clear();
  for (const auto& [name, entry] : s.objects) s.event(EventKind::kObjectChanged, {}, name);
}

void FabricNode::shutdown(std::uint64_t) {
  Impl& s = *impl_;
  if (s.shut_down) return;
  s.shut_down = true;
  if (s.config.journal) s.persist(wire::JournalRecord{wire::Shutdown{s.self}}, /*sync=*/true);
}

Status FabricNode::mount(const std::string& name, ObjectKind kind, DurabilityPolicy policy) {
  FF_TRY(validate_object_name(name));
  if (policy.kind == DurabilityPolicy::Kind::kQuorum ||
      policy.kind == DurabilityPolicy::Kind::kStrictQuorum) {
    if (policy.n == 0)
      return make_error(Errc::kInvalidInput, "durability " + durability_name(policy) + ": N must be >= 1");
  }
  if (policy.kind == DurabilityPolicy::Kind::kLocal) policy.n = 0;
  if (policy.kind == DurabilityPolicy::Kind::kLeader) policy.n = 1;
  FF_TRY_ASSIGN(Impl::ObjectEntry * entry, impl_->object_for(name, kind));
  entry->policy = policy;
  return {};
}

Result<MutationId> FabricNode::apply(const Op& op, std::uint64_t now_ms) {
  Impl& s = *impl_;
  if (s.shut_down) return make_error(Errc::kUnavailable, "the node is shut down");
  FF_TRY(validate_object_name(op.object));
  if (op.key.size() + op.value.size() > kMaxOpPayloadBytes) {
    return make_error(Errc::kLimitExceeded, "op on '" + op.object + "' carries more than " +
                                                std::to_string(kMaxOpPayloadBytes) + " bytes");
  }
  std::size_t incomplete = 0;
  for (const auto& [seq, w] : s.writes) incomplete += w.completed ? 0 : 1;
  if (incomplete >= s.config.max_pending_writes) {
    return make_error(Errc::kLimitExceeded, "too many pending writes (" + std::to_string(incomplete) + ")");
  }
  const auto existing = s.objects.find(op.object);
  const DurabilityPolicy policy =
      existing != s.objects.end() ? existing->second.policy : DurabilityPolicy::local();
  const std::uint32_t reachable = s.reachable_authorities();
  if (policy.kind == DurabilityPolicy::Kind::kStrictQuorum && reachable < policy.n) {
    return make_error(Errc::kUnavailable, durability_name(policy) + " on '" + op.object +
                                              "': " + std::to_string(reachable) + " of " +
                                              std::to_string(policy.n) + " Authorities reachable");
  }
  if (policy.kind == DurabilityPolicy::Kind::kLeader && !s.leader()) {
    return make_error(Errc::kUnavailable, "leader on '" + op.object + "': no Authority reachable");
  }
  if (!s.restored_done) restored(now_ms);  // the session (and its replica) starts here
  if (s.vv_self_saturated()) return make_error(Errc::kLimitExceeded, "sequence numbers exhausted");
  // A first write creates its object only if the op succeeds (errors change nothing).
  std::unique_ptr<SharedObject> fresh;
  SharedObject* target = nullptr;
  if (existing != s.objects.end()) {
    if (existing->second.kind != op.kind) {
      return make_error(Errc::kInvalidInput, "object '" + op.object + "' is a " +
                                                 object_kind_name(existing->second.kind) + ", not a " +
                                                 object_kind_name(op.kind));
    }
    target = existing->second.state.get();
  } else {
    if (s.objects.size() >= s.config.max_objects) {
      return make_error(Errc::kLimitExceeded, "object '" + op.object + "': already " +
                                                  std::to_string(s.objects.size()) + " objects");
    }
    fresh = SharedObject::make(op.kind, s.self);
    target = fresh.get();
  }
  FF_TRY_ASSIGN(Bytes delta, target->apply_local(op, now_ms));
  if (fresh) {
    Impl::ObjectEntry entry;
    entry.kind = op.kind;
    entry.policy = DurabilityPolicy::local();
    entry.state = std::move(fresh);
    s.objects.emplace(op.object, std::move(entry));
  }

  wire::Mutation m;
  m.origin = s.self;
  m.seq = vv_get(s.vv, s.self) + 1;
  for (const auto& [origin, seq_delivered] : s.vv) {
    if (origin != s.self && seq_delivered > vv_get(s.deps_base, origin))
      m.deps.emplace(origin, seq_delivered);
  }
  s.deps_base = s.vv;
  s.deps_base.erase(s.self);
  m.object = op.object;
  m.kind = op.kind;
  m.delta = std::move(delta);
  m.wall_time_ms = now_ms;
  m.ack_requested = policy.kind != DurabilityPolicy::Kind::kLocal;
  s.vv[s.self] = m.seq;
  s.log_append(m);

  Impl::Write w;
  w.mutation = m;
  w.policy = policy;
  const std::uint64_t seq = m.seq;
  s.writes.emplace(seq, std::move(w));
  // Bound the tracked writes: the oldest completed (dirty) ones go to anti-entropy first.
  while (s.writes.size() > s.config.max_pending_writes) {
    auto oldest =
        std::find_if(s.writes.begin(), s.writes.end(), [](const auto& e) { return e.second.completed; });
    if (oldest == s.writes.end()) break;
    s.writes.erase(oldest);
  }

  // Journalled and published at once: the sync only gates completion and acks (see
  // start_session for why publishing before it is safe).
  if (s.config.journal) {
    const std::uint64_t ticket = s.persist(wire::JournalRecord{m}, /*sync=*/true);
    s.pending_persist[ticket].own_seq = seq;
  }
  s.publish(wire::encode_sync(m));
  s.event(EventKind::kObjectChanged, {}, op.object);
  if (!s.config.journal) s.on_durable(seq, now_ms);
  s.flush_upgrades();
  return m.id();
}

void FabricNode::peer_connected(const PeerKey& peer, std::uint64_t) {
  Impl& s = *impl_;
  if (peer.empty() || peer == s.config.peer_id) return;
  const bool was_accepted = s.peers.count(peer) != 0 && s.peers.at(peer).hello;
  s.drop_peer(peer, /*announce=*/was_accepted);
  s.connect(peer);
  if (was_accepted) s.settle_all();
  s.flush_upgrades();
}

void FabricNode::peer_disconnected(const PeerKey& peer, std::uint64_t) {
  Impl& s = *impl_;
  if (s.peers.count(peer) == 0) return;
  s.drop_peer(peer, /*announce=*/true);
  s.settle_all();
  s.flush_upgrades();
}

void FabricNode::handle_direct(const PeerKey& from, ByteView frame, std::uint64_t now_ms) {
  Impl& s = *impl_;
  if (s.shut_down) return;  // the Shutdown record must stay the journal's last
  if (from.empty() || from == s.config.peer_id) {
    s.reject(from, "frame from our own peer id ignored");
    return;
  }
  if (frame.size() > kMaxDirectFrameBytes) {
    s.disconnect(from, "fabric frame of " + std::to_string(frame.size()) + " bytes exceeds the " +
                           std::to_string(kMaxDirectFrameBytes) + "-byte limit");
    return;
  }
  s.handle_frame(from, frame, now_ms);
  s.flush_upgrades();
}

void FabricNode::handle_gossip(const PeerKey& from, ByteView data, std::uint64_t) {
  Impl& s = *impl_;
  if (s.shut_down) return;
  auto mutation = wire::decode_sync(data);
  if (!mutation.ok()) {
    s.reject(from, "malformed sync message: " + mutation.error().message);
    return;
  }
  s.receive_mutation(from, std::move(*mutation), /*direct=*/false);
  s.flush_upgrades();
}

void FabricNode::persisted(std::uint64_t ticket, std::uint64_t now_ms) {
  Impl& s = *impl_;
  if (ticket <= s.persisted_upto) return;
  s.persisted_upto = std::min(ticket, s.next_ticket - 1);
  s.open_gate_if_durable();
  while (!s.pending_persist.empty() && s.pending_persist.begin()->first <= s.persisted_upto) {
    Impl::PendingPersist pending = std::move(s.pending_persist.begin()->second);
    s.pending_persist.erase(s.pending_persist.begin());
    for (const MutationId& id : pending.remote) s.unpersisted.erase(id);
    for (const MutationId& id : pending.acks_to_send) s.send_ack(id);
    if (pending.own_seq) s.on_durable(*pending.own_seq, now_ms);
  }
  s.flush_upgrades();
}

void FabricNode::handle_timeout(std::uint64_t now_ms) {
  Impl& s = *impl_;
  if (s.shut_down) return;
  s.pulse_and_watch(now_ms);
  s.settle_all(/*timed_out_only_past=*/true, now_ms);
  s.retry_and_abandon(now_ms);
  s.flush_upgrades();
}

std::uint64_t FabricNode::next_timeout_ms() const {
  const Impl& s = *impl_;
  std::uint64_t next = s.liveness.next_timeout_ms();
  for (const auto& [seq, w] : s.writes) {
    if (!w.durable) continue;
    if (!w.completed) next = std::min(next, w.deadline_ms);
    if (w.mutation.ack_requested) {
      next = std::min(next, w.retry.next_ms());
      next = std::min(next, saturating_add(w.durable_ms, s.config.abandon_after_ms));
    }
  }
  return next;
}

std::optional<Effect> FabricNode::poll_effect() {
  if (impl_->effects.empty()) return std::nullopt;
  Effect effect = std::move(impl_->effects.front());
  impl_->effects.pop_front();
  return effect;
}

std::vector<PeerInfo> FabricNode::peers() const {
  std::vector<PeerInfo> result;
  for (const auto& [key, peer] : impl_->peers) {
    if (peer.hello) result.push_back(peer.info);
  }
  return result;
}

std::vector<ObjectInfo> FabricNode::objects() const {
  std::vector<ObjectInfo> result;
  for (const auto& [name, entry] : impl_->objects) {
    result.push_back(ObjectInfo{name, entry.kind, entry.policy, entry.state->value_json()});
  }
  return result;
}

Result<std::string> FabricNode::object_json(const std::string& name) const {
  auto it = impl_->objects.find(name);
  if (it == impl_->objects.end()) return make_error(Errc::kNotFound, "no object named '" + name + "'");
  return it->second.state->value_json();
}

std::string FabricNode::state_json() const {
  const Impl& s = *impl_;
  std::string out =
      "{\"program_id\":" + json_quote(s.config.program_id) + ",\"peer_id\":" + json_quote(s.config.peer_id) +
      ",\"sovereignty\":" + json_quote(sovereignty_name(s.config.sovereignty)) + ",\"objects\":{";
  bool first = true;
  for (const auto& [name, entry] : s.objects) {
    if (!first) out += ',';
    first = false;
    out += json_quote(name) + ":{\"kind\":" + json_quote(object_kind_name(entry.kind)) +
           ",\"policy\":" + json_quote(durability_name(entry.policy)) +
           ",\"value\":" + entry.state->value_json() + "}";
  }
  return out + "}}";
}

Metrics FabricNode::metrics() const {
  Metrics m = impl_->metrics;
  m.peers = impl_->accepted_peer_count();
  m.pending_broadcasts = 0;
  for (const auto& [seq, w] : impl_->writes) m.pending_broadcasts += w.mutation.ack_requested ? 1 : 0;
  m.causal_buffered = impl_->causal.size();
  return m;
}

std::map<crdt::ReplicaId, std::uint64_t> FabricNode::version_vector() const { return impl_->vv; }

}  // namespace ff::fabric
