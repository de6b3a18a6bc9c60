#include "core/sim/mesh.hpp"

#include <algorithm>
#include <cassert>
#include <deque>
#include <unordered_set>
#include <variant>

#include "core/fabric/fabric_wire.hpp"
#include "core/sim/sim_journal.hpp"

namespace ff::sim {

namespace {

constexpr std::size_t kMaxAnomaliesKept = 32;

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    h ^= (v >> (8 * i)) & 0xff;
    h *= 1099511628211ULL;
  }
  return h;
}

std::uint64_t hash_text(std::string_view text, std::uint64_t basis = 1469598103934665603ULL) {
  return fnv1a64(as_bytes(text), basis);
}

// A seed for a sub-stream (a node, a link direction) from the mesh seed and names, so the
// stream does not depend on how many other nodes exist or in which order they were added.
std::uint64_t derive_seed(std::uint64_t seed, std::string_view a, std::string_view b) {
  std::uint64_t h = mix(1469598103934665603ULL, seed);
  h = hash_text(a, h);
  h = mix(h, 0x2f2f2f2f);
  return hash_text(b, h);
}

std::uint64_t draw(Rng& rng, LatencyRange range) {
  const std::uint64_t max_ms = std::max(range.max_ms, range.min_ms);
  return range.min_ms + rng.below(max_ms - range.min_ms + 1);
}

// The "objects" member of state_json(): everything after `"objects":`. The header fields
// before it (program id, peer id, sovereignty) differ per node by design.
std::string objects_part(const std::string& state_json) {
  const std::string key = "\"objects\":";
  const std::size_t at = state_json.find(key);
  return at == std::string::npos ? state_json : state_json.substr(at + key.size());
}

}  // namespace

std::uint64_t fnv1a64(ByteView bytes, std::uint64_t basis) {
  std::uint64_t h = basis;
  for (std::uint8_t b : bytes) {
    h ^= b;
    h *= 1099511628211ULL;
  }
  return h;
}

enum class Mesh::EventType : std::uint8_t { kDial = 1, kDirect, kGossip, kFsync, kTimer, kClose };

struct Mesh::SimEvent {
  EventType type = EventType::kDial;
  NodeIndex a = 0;  // sender / node
  NodeIndex b = 0;  // receiver / peer
  std::uint64_t link_id = 0;
  std::uint64_t incarnation = 0;
  bool redelivery = false;
  Bytes data;
};

struct Mesh::Link {
  bool up = false;
  bool wanted = true;
  bool dial_pending = false;
  std::uint64_t id = 0;
  // Arrival time of the last frame per direction (index 0: low -> high node index), so a
  // later frame never overtakes an earlier one on the same stream.
  std::uint64_t last_arrival_ms[2] = {0, 0};
  std::optional<LatencyRange> latency;
};

struct Mesh::Slot {
  std::string name;
  std::string program_id;
  std::string topic;  // the one GossipSub topic the node subscribes to
  fabric::PeerKey peer;
  fabric::Sovereignty sovereignty = fabric::Sovereignty::kAuthority;
  Rng rng{0};
  std::unique_ptr<SimJournal> journal;       // null for Ephemeral
  std::unique_ptr<fabric::FabricNode> node;  // null while crashed
  std::uint64_t incarnation = 0;
  std::uint64_t timer_at_ms = kNever;
  bool fsync_pending = false;
  struct Mounted {
    std::string name;
    fabric::ObjectKind kind;
    fabric::DurabilityPolicy policy;
  };
  std::vector<Mounted> mounts;
  std::unordered_set<std::uint64_t> seen;
  std::deque<std::uint64_t> seen_order;
  // The ack oracle: records appended but not yet synced, and the version vector of what
  // the journal holds durably (what a crash now would restore).
  std::deque<std::pair<std::uint64_t, Bytes>> unsynced_records;
  std::map<crdt::ReplicaId, std::uint64_t> durable_vv;
  // This incarnation's Session record is synced; own seqs from session_first_seq on may
  // travel only after that.
  bool session_durable = false;
  std::uint64_t session_first_seq = 1;
  crdt::ReplicaId node_replica = 0;  // the replica of the current (or last) incarnation
};

namespace {

// Folds one journal record into the version vector a restore of it would reach.
void fold_record(ByteView record, std::map<crdt::ReplicaId, std::uint64_t>& vv) {
  Result<fabric::wire::JournalRecord> decoded = fabric::wire::decode_record(record);
  if (!decoded.ok()) return;  // restore() reports it; the oracle only needs what restores
  if (const auto* m = std::get_if<fabric::wire::Mutation>(&decoded->body)) {
    std::uint64_t& seq = vv[m->origin];
    seq = std::max(seq, m->seq);
  } else if (const auto* snapshot = std::get_if<fabric::wire::Snapshot>(&decoded->body)) {
    for (const auto& [origin, head] : snapshot->heads) {
      std::uint64_t& seq = vv[origin];
      seq = std::max(seq, head);
    }
  }
}

// The replica a Session record names, if `record` is one.
std::optional<crdt::ReplicaId> session_in(ByteView record) {
  Result<fabric::wire::JournalRecord> decoded = fabric::wire::decode_record(record);
  if (!decoded.ok()) return std::nullopt;
  if (const auto* session = std::get_if<fabric::wire::Session>(&decoded->body)) return session->replica;
  return std::nullopt;
}

}  // namespace

Mesh::Mesh(MeshConfig config) : config_(std::move(config)) {
  if (config_.trace_lines > 0) trace_ring_.resize(config_.trace_lines);
}

Mesh::~Mesh() = default;

// ---------------------------------------------------------------- nodes

Result<NodeIndex> Mesh::add_node(fabric::Sovereignty sovereignty, std::string name, std::string program_id) {
  const NodeIndex i = slots_.size();
  auto slot = std::make_unique<Slot>();
  slot->name = name.empty() ? "n" + std::to_string(i) : std::move(name);
  // A stand-in for a libp2p PeerId: opaque to the core, unique within the mesh.
  slot->peer = "12D3KooSim" + slot->name;
  if (index_by_peer_.count(slot->peer) != 0) {
    return make_error(Errc::kInvalidInput, "sim: duplicate node name " + slot->name);
  }
  slot->sovereignty = sovereignty;
  slot->program_id = program_id.empty() ? config_.program_id : std::move(program_id);
  slot->topic = fabric::sync_topic(slot->program_id);
  slot->rng = Rng(derive_seed(config_.seed, "node", slot->name));
  if (sovereignty != fabric::Sovereignty::kEphemeral) {
    slot->journal = std::make_unique<SimJournal>(derive_seed(config_.seed, "journal", slot->name));
  }
  index_by_peer_[slot->peer] = i;
  slots_.push_back(std::move(slot));
  group_.resize(slots_.size(), 0);
  Status started = start_node(i);
  if (!started.ok()) {
    index_by_peer_.erase(slots_.back()->peer);
    slots_.pop_back();
    return started.error();
  }
  for (NodeIndex j = 0; j < i; ++j) {
    if (is_up(j)) schedule_dial(j, i, config_.network.connect_delay_ms);
  }
  return i;
}

bool Mesh::is_up(NodeIndex i) const { return i < slots_.size() && slots_[i]->node != nullptr; }
fabric::Sovereignty Mesh::sovereignty(NodeIndex i) const { return slots_.at(i)->sovereignty; }
const fabric::PeerKey& Mesh::peer_id(NodeIndex i) const { return slots_.at(i)->peer; }
std::uint64_t Mesh::incarnation(NodeIndex i) const { return slots_.at(i)->incarnation; }

fabric::FabricNode& Mesh::node(NodeIndex i) {
  assert(is_up(i));
  return *slots_.at(i)->node;
}
const fabric::FabricNode& Mesh::node(NodeIndex i) const {
  assert(is_up(i));
  return *slots_.at(i)->node;
}

Status Mesh::start_node(NodeIndex i) {
  Slot& slot = *slots_[i];
  fabric::NodeConfig config = config_.node_template;
  config.program_id = slot.program_id;
  config.peer_id = slot.peer;
  config.sovereignty = slot.sovereignty;
  config.journal = slot.journal != nullptr;
  // Ephemeral nodes keep no journal, so each start needs a fresh replica id (NodeConfig);
  // journalled ones need one for a start after a crash.
  config.replica_id = slot.journal ? 0 : (slot.rng.next() | 1);
  config.fresh_replica_id = slot.journal ? (slot.rng.next() | 1) : 0;
  if (slot.journal && config_.reuse_replica_after_crash && slot.node_replica != 0)
    config.fresh_replica_id = slot.node_replica;
  std::vector<Bytes> records;
  if (slot.journal) {
    FF_TRY_ASSIGN(records, slot.journal->open());
  }
  FF_TRY_ASSIGN(std::unique_ptr<fabric::FabricNode> node, fabric::FabricNode::create(config));
  slot.node = std::move(node);
  ++slot.incarnation;
  slot.timer_at_ms = kNever;
  slot.fsync_pending = false;
  // open_journal synced what it recovered: all of it is durable now.
  slot.unsynced_records.clear();
  slot.durable_vv.clear();
  for (const Bytes& record : records) fold_record(record, slot.durable_vv);
  std::size_t restored = 0;
  for (const Bytes& record : records) {
    Status status = slot.node->restore(record);
    if (!status.ok()) {
      anomaly(slot.name + ": restore rejected journal record " + std::to_string(restored) + ": " +
              status.error().message);
    }
    ++restored;
  }
  slot.node->restored(now_ms_);
  slot.node_replica = slot.node->replica_id();
  slot.session_durable = false;
  {
    const auto vv = slot.node->version_vector();
    auto own = vv.find(slot.node_replica);
    slot.session_first_seq = (own == vv.end() ? 0 : own->second) + 1;
  }
  for (const Slot::Mounted& m : slot.mounts) {
    Status status = slot.node->mount(m.name, m.kind, m.policy);
    if (!status.ok()) anomaly(slot.name + ": re-mount of " + m.name + " failed: " + status.error().message);
  }
  trace(0x5747, i, slot.incarnation, records.size());
  trace_line("t=" + std::to_string(now_ms_) + " start " + slot.name +
             " inc=" + std::to_string(slot.incarnation) + " records=" + std::to_string(records.size()));
  after_input(i);
  return {};
}

Status Mesh::mount(NodeIndex i, const std::string& name, fabric::ObjectKind kind,
                   fabric::DurabilityPolicy policy) {
  if (!is_up(i)) return make_error(Errc::kUnavailable, "sim: mount on a node that is down");
  FF_TRY(slots_[i]->node->mount(name, kind, policy));
  auto& mounts = slots_[i]->mounts;
  bool replaced = false;
  for (auto& m : mounts) {
    if (m.name == name) {
      m.kind = kind;
      m.policy = policy;
      replaced = true;
    }
  }
  if (!replaced) mounts.push_back(Slot::Mounted{name, kind, policy});
  after_input(i);
  return {};
}

Result<fabric::MutationId> Mesh::apply(NodeIndex i, const fabric::Op& op) {
  if (!is_up(i)) return make_error(Errc::kUnavailable, "sim: apply on a node that is down");
  Slot& slot = *slots_[i];
  Result<fabric::MutationId> id = slot.node->apply(op, now_ms_);
  trace(0xa991, i, id.ok() ? id->origin : 0, id.ok() ? id->seq : 0);
  if (config_.trace_events) {
    trace_line("t=" + std::to_string(now_ms_) + " apply " + slot.name + " " + op.object +
               " action=" + std::to_string(static_cast<int>(op.action)) +
               " amount=" + std::to_string(op.amount) + " key=" + op.key + " value=" + op.value +
               " index=" + std::to_string(op.index) + " count=" + std::to_string(op.count) +
               (id.ok() ? " seq=" + std::to_string(id->seq) : " error=" + id.error().message));
  }
  if (id.ok()) {
    WriteRecord record;
    record.node = i;
    record.incarnation = slot.incarnation;
    record.id = id.value();
    record.object = op.object;
    record.applied_ms = now_ms_;
    if (op.kind == fabric::ObjectKind::kCounter) record.counter_amount = op.amount;
    write_index_[{{i, slot.incarnation}, id.value()}] = writes_.size();
    writes_.push_back(std::move(record));
  }
  after_input(i);
  return id;
}

void Mesh::take_down(NodeIndex i) {
  Slot& slot = *slots_[i];
  slot.node.reset();
  slot.timer_at_ms = kNever;
  slot.fsync_pending = false;
  slot.seen.clear();
  slot.seen_order.clear();
  slot.unsynced_records.clear();
  for (NodeIndex j = 0; j < slots_.size(); ++j) {
    if (j != i && connected(i, j)) drop_link(i, j);
  }
}

void Mesh::crash(NodeIndex i) {
  if (!is_up(i)) return;
  Slot& slot = *slots_[i];
  if (slot.journal) slot.journal->crash();
  ++stats_.crashes;
  trace(0xc4a5, i, slot.incarnation, 0);
  trace_line("t=" + std::to_string(now_ms_) + " crash " + slot.name);
  take_down(i);
}

void Mesh::stop(NodeIndex i) {
  if (!is_up(i)) return;
  Slot& slot = *slots_[i];
  slot.node->shutdown(now_ms_);
  drain(i);
  if (slot.journal) {
    // What a runtime does on a clean stop: sync everything appended, then exit.
    Result<std::optional<std::uint64_t>> synced = slot.journal->sync();
    if (!synced.ok()) anomaly(slot.name + ": journal sync at stop failed: " + synced.error().message);
  }
  ++stats_.clean_stops;
  trace(0x5709, i, slot.incarnation, 0);
  trace_line("t=" + std::to_string(now_ms_) + " stop " + slot.name);
  take_down(i);
}

Status Mesh::restart(NodeIndex i) {
  if (i >= slots_.size()) return make_error(Errc::kInvalidInput, "sim: no such node");
  if (is_up(i)) return make_error(Errc::kInvalidInput, "sim: restart of a node that is up");
  FF_TRY(start_node(i));
  ++stats_.restarts;
  for (NodeIndex j = 0; j < slots_.size(); ++j) {
    if (j != i && is_up(j)) schedule_dial(i, j, config_.network.connect_delay_ms);
  }
  return {};
}

// ---------------------------------------------------------------- network

Mesh::Link& Mesh::link(NodeIndex a, NodeIndex b) {
  auto key = std::make_pair(std::min(a, b), std::max(a, b));
  auto it = links_.find(key);
  if (it == links_.end()) it = links_.emplace(key, std::make_unique<Link>()).first;
  return *it->second;
}

const Mesh::Link* Mesh::find_link(NodeIndex a, NodeIndex b) const {
  auto it = links_.find(std::make_pair(std::min(a, b), std::max(a, b)));
  return it == links_.end() ? nullptr : it->second.get();
}

Rng& Mesh::link_rng(NodeIndex from, NodeIndex to) {
  auto key = std::make_pair(from, to);
  auto it = link_rngs_.find(key);
  if (it == link_rngs_.end()) {
    it = link_rngs_.emplace(key, Rng(derive_seed(config_.seed, slots_[from]->name, slots_[to]->name))).first;
  }
  return it->second;
}

std::uint64_t Mesh::draw_latency(NodeIndex from, NodeIndex to) {
  const Link& l = link(from, to);
  return draw(link_rng(from, to), l.latency ? *l.latency : config_.network.latency);
}

bool Mesh::reachable(NodeIndex a, NodeIndex b) const {
  const std::uint32_t ga = a < group_.size() ? group_[a] : 0;
  const std::uint32_t gb = b < group_.size() ? group_[b] : 0;
  return ga == gb;
}

bool Mesh::connected(NodeIndex a, NodeIndex b) const {
  const Link* l = find_link(a, b);
  return l != nullptr && l->up;
}

void Mesh::set_wanted(NodeIndex a, NodeIndex b, bool wanted) {
  if (a == b) return;
  Link& l = link(a, b);
  l.wanted = wanted;
  if (!wanted && l.up) drop_link(a, b);
  if (wanted && !l.up) schedule_dial(a, b, config_.network.connect_delay_ms);
}

void Mesh::set_link_latency(NodeIndex a, NodeIndex b, LatencyRange latency) { link(a, b).latency = latency; }

void Mesh::partition(const std::vector<std::uint32_t>& group) {
  group_.assign(slots_.size(), 0);
  for (std::size_t i = 0; i < group.size() && i < group_.size(); ++i) group_[i] = group[i];
  trace(0x9a27, group.size(), 0, 0);
  for (NodeIndex a = 0; a < slots_.size(); ++a) {
    for (NodeIndex b = a + 1; b < slots_.size(); ++b) {
      if (connected(a, b) && !reachable(a, b)) drop_link(a, b);
    }
  }
}

void Mesh::heal() {
  group_.assign(slots_.size(), 0);
  trace(0x4ea1, 0, 0, 0);
  for (NodeIndex a = 0; a < slots_.size(); ++a) {
    for (NodeIndex b = a + 1; b < slots_.size(); ++b) {
      if (is_up(a) && is_up(b) && !connected(a, b)) schedule_dial(a, b, config_.network.connect_delay_ms);
    }
  }
}

void Mesh::flap(NodeIndex a, NodeIndex b, std::uint64_t down_ms) {
  if (a == b) return;
  if (connected(a, b)) drop_link(a, b);
  schedule_dial(a, b, down_ms);
}

void Mesh::schedule_dial(NodeIndex a, NodeIndex b, std::uint64_t delay_ms) {
  Link& l = link(a, b);
  if (l.dial_pending || !l.wanted) return;
  l.dial_pending = true;
  SimEvent event;
  event.type = EventType::kDial;
  event.a = std::min(a, b);
  event.b = std::max(a, b);
  schedule(now_ms_ + delay_ms, std::move(event));
}

void Mesh::drop_link(NodeIndex a, NodeIndex b) {
  Link& l = link(a, b);
  if (!l.up) return;
  l.up = false;
  l.id = ++next_link_id_;  // frames in flight carry the old id and are dropped on arrival
  ++stats_.disconnects;
  trace(0xd15c, std::min(a, b), std::max(a, b), 0);
  trace_line("t=" + std::to_string(now_ms_) + " disconnect " + slots_[a]->name + "-" + slots_[b]->name);
  for (NodeIndex side : {a, b}) {
    const NodeIndex other = side == a ? b : a;
    if (!is_up(side)) continue;
    slots_[side]->node->peer_disconnected(slots_[other]->peer, now_ms_);
    after_input(side);
  }
}

std::optional<NodeIndex> Mesh::index_of(const fabric::PeerKey& peer) const {
  auto it = index_by_peer_.find(peer);
  if (it == index_by_peer_.end()) return std::nullopt;
  return it->second;
}

// ---------------------------------------------------------------- effects

void Mesh::after_input(NodeIndex i) {
  drain(i);
  arm_timer(i);
}

void Mesh::drain(NodeIndex i) {
  Slot& slot = *slots_[i];
  while (slot.node) {
    std::optional<fabric::Effect> effect = slot.node->poll_effect();
    if (!effect) break;
    if (auto* send = std::get_if<fabric::SendDirect>(&*effect)) {
      ++stats_.frames_sent;
      const std::uint64_t frame_hash = fnv1a64(send->frame);
      if (config_.trace_events) {
        trace_line("t=" + std::to_string(now_ms_) + " send " + slot.name + " -> " + send->peer +
                   " bytes=" + std::to_string(send->frame.size()) + " hash=" + std::to_string(frame_hash));
      }
      trace(0x5e9d, i, hash_text(send->peer), frame_hash);
      if (config_.check_protocol) check_direct(i, send->frame);
      if (send->frame.size() > fabric::kMaxDirectFrameBytes) {
        anomaly(slot.name + ": SendDirect frame of " + std::to_string(send->frame.size()) + " bytes");
        continue;
      }
      std::optional<NodeIndex> to = index_of(send->peer);
      if (!to || !connected(i, *to)) {
        ++stats_.frames_lost;
        continue;
      }
      Link& l = link(i, *to);
      const int direction = i < *to ? 0 : 1;
      const std::uint64_t arrival = std::max(now_ms_ + draw_latency(i, *to), l.last_arrival_ms[direction]);
      l.last_arrival_ms[direction] = arrival;
      SimEvent event;
      event.type = EventType::kDirect;
      event.a = i;
      event.b = *to;
      event.link_id = l.id;
      event.data = std::move(send->frame);
      schedule(arrival, std::move(event));
    } else if (auto* publish = std::get_if<fabric::Publish>(&*effect)) {
      const std::uint64_t content = fnv1a64(publish->data);
      trace(0x9b11, i, hash_text(publish->topic), content);
      if (config_.trace_events) {
        std::string hex;
        for (std::uint8_t b : publish->data)
          hex += "0123456789abcdef"[b >> 4], hex += "0123456789abcdef"[b & 15];
        trace_line("t=" + std::to_string(now_ms_) + " publish " + slot.name + " " + hex);
      }
      if (config_.check_protocol) check_publish(i, publish->data);
      if (publish->topic != slot.node->topic()) {
        anomaly(slot.name + ": Publish on unexpected topic " + publish->topic);
        continue;
      }
      if (publish->data.size() > fabric::kMaxGossipMessageBytes) {
        anomaly(slot.name + ": Publish of " + std::to_string(publish->data.size()) + " bytes");
        continue;
      }
      // GossipSub does not deliver a node its own message; remember it as seen.
      if (slot.seen.insert(content).second) slot.seen_order.push_back(content);
      for (NodeIndex j = 0; j < slots_.size(); ++j) {
        if (j != i && connected(i, j) && slots_[j]->topic == slot.topic)
          send_gossip_hop(i, j, publish->data, content);
      }
    } else if (auto* persist = std::get_if<fabric::Persist>(&*effect)) {
      ++stats_.persists;
      trace(0x9e55, i, persist->ticket, fnv1a64(persist->record));
      if (!slot.journal) {
        anomaly(slot.name + ": Persist from a node without a journal");
        continue;
      }
      // Records without `sync` are synced too: the simulated fsync covers everything
      // appended, which is what group commit does in the native runtime.
      Status appended = slot.journal->append(persist->ticket, persist->record);
      if (!appended.ok()) {
        anomaly(slot.name + ": journal append failed: " + appended.error().message);
        continue;
      }
      if (config_.check_protocol)
        slot.unsynced_records.emplace_back(persist->ticket, std::move(persist->record));
      if (config_.report_persisted_before_sync) {
        // The broken runtime the oracle must catch (see MeshConfig).
        slot.node->persisted(persist->ticket, now_ms_);
        continue;
      }
      if (!slot.fsync_pending) {
        slot.fsync_pending = true;
        SimEvent event;
        event.type = EventType::kFsync;
        event.a = i;
        event.incarnation = slot.incarnation;
        schedule(now_ms_ + draw(slot.rng, config_.fsync_delay), std::move(event));
      }
    } else if (auto* disconnect = std::get_if<fabric::Disconnect>(&*effect)) {
      trace(0xd1c0, i, hash_text(disconnect->peer), hash_text(disconnect->reason));
      anomaly(slot.name + ": Disconnect " + disconnect->peer + ": " + disconnect->reason);
      std::optional<NodeIndex> to = index_of(disconnect->peer);
      if (to && connected(i, *to)) {
        // Closed after the current input is fully handled, as a runtime would.
        SimEvent event;
        event.type = EventType::kClose;
        event.a = i;
        event.b = *to;
        event.link_id = link(i, *to).id;
        schedule(now_ms_, std::move(event));
      }
    } else if (auto* ev = std::get_if<fabric::Event>(&*effect)) {
      on_event(i, *ev);
    }
  }
}

void Mesh::on_event(NodeIndex i, const fabric::Event& event) {
  Slot& slot = *slots_[i];
  const auto kind = static_cast<std::size_t>(event.kind);
  if (kind < std::size(stats_.events)) ++stats_.events[kind];
  trace(0xe7e7, i, kind, hash_text(event.peer + "|" + event.object + "|" + event.text));
  if (event.kind == fabric::EventKind::kRejected) {
    ++rejection_count_;
    const std::string text = "t=" + std::to_string(now_ms_) + " " + slot.name + ": rejected input from " +
                             event.peer + ": " + event.text;
    trace_line(text);
    if (rejections_.size() < kMaxAnomaliesKept) rejections_.push_back(text);
  }
  if (event.kind != fabric::EventKind::kWriteDone) return;
  trace(0xd0e5, event.write.origin, event.write.seq,
        (event.status.ok() ? 1 : 0) | (event.degraded ? 2 : 0) | (std::uint64_t{event.acks} << 2));
  trace_line("t=" + std::to_string(now_ms_) + " done " + slot.name +
             " seq=" + std::to_string(event.write.seq) + " ok=" + std::to_string(event.status.ok()) +
             " acks=" + std::to_string(event.acks) + " degraded=" + std::to_string(event.degraded));
  auto key = std::make_pair(std::make_pair(i, slot.incarnation), event.write);
  auto it = write_index_.find(key);
  std::size_t index;
  if (it != write_index_.end()) {
    index = it->second;
  } else {
    // A write restore() found unfinished, completed in this incarnation.
    WriteRecord record;
    record.node = i;
    record.incarnation = slot.incarnation;
    record.id = event.write;
    record.object = event.object;
    record.applied_ms = now_ms_;
    record.from_restore = true;
    index = writes_.size();
    write_index_[key] = index;
    writes_.push_back(std::move(record));
  }
  WriteRecord& record = writes_[index];
  if (record.done) {
    anomaly(slot.name + ": second kWriteDone for seq " + std::to_string(event.write.seq));
    return;
  }
  // A journalled node completes a write only once its own journal holds it (Local after the
  // commit; Quorum and the others publish, and so are acked, only after it).
  if (config_.check_protocol && event.status.ok() && slot.journal &&
      durable_seq(i, event.write.origin) < event.write.seq) {
    violation(i, "completed own write seq " + std::to_string(event.write.seq) +
                     " before its journal held it durably");
  }
  record.done = true;
  record.done_ms = now_ms_;
  record.status = event.status;
  record.acks = event.acks;
  record.degraded = event.degraded;
}

void Mesh::violation(NodeIndex i, const std::string& what) {
  ++violation_count_;
  const std::string text = "t=" + std::to_string(now_ms_) + " " + slots_[i]->name + ": " + what;
  trace_line(text);
  if (violations_.size() < kMaxAnomaliesKept) violations_.push_back(text);
}

std::uint64_t Mesh::durable_seq(NodeIndex i, crdt::ReplicaId origin) const {
  const auto& durable = slots_[i]->durable_vv;
  auto it = durable.find(origin);
  return it == durable.end() ? 0 : it->second;
}

void Mesh::check_mutation_out(NodeIndex i, const fabric::wire::Mutation& m, const char* how) {
  const std::string id = std::to_string(m.origin) + "/" + std::to_string(m.seq);
  // One (origin, seq) names one write, everywhere and forever.
  std::uint64_t digest = hash_text(m.object);
  digest = mix(digest, static_cast<std::uint64_t>(m.kind));
  digest = fnv1a64(m.delta, digest);
  auto [it, inserted] = mutation_digests_.emplace(fabric::MutationId{m.origin, m.seq}, digest);
  if (!inserted && it->second != digest)
    violation(i, std::string(how) + " " + id + " with other content than before");
  // Own writes travel before their sync, but a session's only once its Session record is
  // durable: else a crash could lose the record and the next start write as the same
  // replica again (the digest check above is what such a reuse would break).
  Slot& slot = *slots_[i];
  if (slot.journal && slot.node && m.origin == slot.node_replica && m.seq >= slot.session_first_seq &&
      !slot.session_durable) {
    violation(i, std::string(how) + " own write " + id + " before its Session record was durable");
  }
}

void Mesh::check_direct(NodeIndex i, ByteView frame) {
  Result<fabric::wire::DirectMessage> message = fabric::wire::decode_direct(frame);
  if (!message.ok()) {
    anomaly(slots_[i]->name + ": sent an undecodable frame: " + message.error().message);
    return;
  }
  if (const auto* batch = std::get_if<fabric::wire::MutationBatch>(&message->body)) {
    for (const fabric::wire::Mutation& m : batch->mutations) check_mutation_out(i, m, "sent");
    return;
  }
  const auto* ack = std::get_if<fabric::wire::Ack>(&message->body);
  if (ack == nullptr) return;
  if (slots_[i]->sovereignty != fabric::Sovereignty::kAuthority) {
    violation(i, "a non-Authority sent an ack");
    return;
  }
  const std::uint64_t held = durable_seq(i, ack->origin);
  if (held < ack->seq) {
    violation(i, "acked " + std::to_string(ack->origin) + "/" + std::to_string(ack->seq) +
                     " before its journal held it durably (durable up to " + std::to_string(held) + ")");
  }
}

void Mesh::check_publish(NodeIndex i, ByteView data) {
  Result<fabric::wire::Mutation> m = fabric::wire::decode_sync(data);
  if (!m.ok()) {
    anomaly(slots_[i]->name + ": published an undecodable message: " + m.error().message);
    return;
  }
  check_mutation_out(i, m.value(), "published");
}

void Mesh::arm_timer(NodeIndex i) {
  Slot& slot = *slots_[i];
  if (!slot.node) return;
  std::uint64_t at = slot.node->next_timeout_ms();
  if (at == kNever) return;
  at = std::max(at, now_ms_);
  if (at >= slot.timer_at_ms) return;  // an earlier timer event is pending; it re-arms
  slot.timer_at_ms = at;
  SimEvent event;
  event.type = EventType::kTimer;
  event.a = i;
  event.incarnation = slot.incarnation;
  schedule(at, std::move(event));
}

void Mesh::send_gossip_hop(NodeIndex from, NodeIndex to, const Bytes& data, std::uint64_t content_hash) {
  ++stats_.gossip_hops;
  Rng& rng = link_rng(from, to);
  if (config_.network.gossip_loss_ppm > 0 && rng.chance(config_.network.gossip_loss_ppm, 1'000'000)) {
    ++stats_.gossip_lost;
    trace(0x1055, from, to, content_hash);
    return;
  }
  const std::uint64_t id = link(from, to).id;
  SimEvent event;
  event.type = EventType::kGossip;
  event.a = from;
  event.b = to;
  event.link_id = id;
  event.data = data;
  schedule(now_ms_ + draw_latency(from, to), std::move(event));
  if (config_.network.gossip_redelivery_ppm > 0 &&
      rng.chance(config_.network.gossip_redelivery_ppm, 1'000'000)) {
    SimEvent copy;
    copy.type = EventType::kGossip;
    copy.a = from;
    copy.b = to;
    copy.link_id = id;
    copy.redelivery = true;
    copy.data = data;
    // Later than the original, as a seen-cache expiry would be.
    const std::uint64_t first_ms = draw_latency(from, to);
    const std::uint64_t second_ms = draw_latency(from, to);
    schedule(now_ms_ + first_ms + second_ms + 1, std::move(copy));
  }
}

void Mesh::deliver_gossip(NodeIndex from, NodeIndex to, const Bytes& data, bool redelivery) {
  Slot& slot = *slots_[to];
  const std::uint64_t content = fnv1a64(data);
  if (!redelivery) {
    if (slot.seen.count(content) != 0) return;
    slot.seen.insert(content);
    slot.seen_order.push_back(content);
    while (slot.seen_order.size() > config_.seen_cache_entries) {
      slot.seen.erase(slot.seen_order.front());
      slot.seen_order.pop_front();
    }
  } else {
    ++stats_.gossip_redelivered;
  }
  ++stats_.gossip_delivered;
  slot.node->handle_gossip(slots_[from]->peer, data, now_ms_);
  after_input(to);
  if (redelivery) return;
  for (NodeIndex j = 0; j < slots_.size(); ++j) {
    if (j != to && j != from && connected(to, j) && slots_[j]->topic == slot.topic) {
      send_gossip_hop(to, j, data, content);
    }
  }
}

// ---------------------------------------------------------------- running

void Mesh::schedule(std::uint64_t at_ms, SimEvent event) {
  if (failure_) return;
  if (queue_.size() >= config_.max_queued_events) {
    fail("event queue bound reached (" + std::to_string(config_.max_queued_events) + " events)");
    return;
  }
  queue_.emplace(std::make_pair(at_ms, next_sequence_++), std::make_unique<SimEvent>(std::move(event)));
}

std::uint64_t Mesh::next_event_ms() const { return queue_.empty() ? kNever : queue_.begin()->first.first; }

bool Mesh::step() {
  if (failure_ || queue_.empty()) return false;
  if (++stats_.steps > config_.max_steps) {
    fail("step bound reached (" + std::to_string(config_.max_steps) + " events): livelock?");
    return false;
  }
  auto entry = queue_.extract(queue_.begin());
  now_ms_ = std::max(now_ms_, entry.key().first);
  SimEvent& event = *entry.mapped();
  trace(static_cast<std::uint64_t>(event.type), event.a, event.b, now_ms_);
  if (config_.trace_events) {
    trace_line("t=" + std::to_string(now_ms_) + " event " + std::to_string(static_cast<int>(event.type)) +
               " " + slots_[event.a]->name + " " + slots_[event.b]->name + " bytes=" +
               std::to_string(event.data.size()) + " hash=" + std::to_string(fnv1a64(event.data)));
  }
  switch (event.type) {
    case EventType::kDial: {
      Link& l = link(event.a, event.b);
      l.dial_pending = false;
      if (l.up || !l.wanted || !is_up(event.a) || !is_up(event.b) || !reachable(event.a, event.b)) break;
      l.up = true;
      l.id = ++next_link_id_;
      l.last_arrival_ms[0] = l.last_arrival_ms[1] = now_ms_;
      ++stats_.connects;
      trace_line("t=" + std::to_string(now_ms_) + " connect " + slots_[event.a]->name + "-" +
                 slots_[event.b]->name);
      slots_[event.a]->node->peer_connected(slots_[event.b]->peer, now_ms_);
      after_input(event.a);
      if (connected(event.a, event.b)) {  // a Disconnect effect is deferred, so still up
        slots_[event.b]->node->peer_connected(slots_[event.a]->peer, now_ms_);
        after_input(event.b);
      }
      break;
    }
    case EventType::kDirect: {
      const Link* l = find_link(event.a, event.b);
      if (l == nullptr || !l->up || l->id != event.link_id) {
        ++stats_.frames_lost;
        break;
      }
      ++stats_.frames_delivered;
      slots_[event.b]->node->handle_direct(slots_[event.a]->peer, event.data, now_ms_);
      after_input(event.b);
      break;
    }
    case EventType::kGossip: {
      const Link* l = find_link(event.a, event.b);
      if (l == nullptr || !l->up || l->id != event.link_id) {
        ++stats_.gossip_lost;
        break;
      }
      deliver_gossip(event.a, event.b, event.data, event.redelivery);
      break;
    }
    case EventType::kFsync: {
      Slot& slot = *slots_[event.a];
      if (!slot.node || slot.incarnation != event.incarnation) break;
      slot.fsync_pending = false;
      ++stats_.fsyncs;
      Result<std::optional<std::uint64_t>> synced = slot.journal->sync();
      if (!synced.ok()) {
        anomaly(slot.name + ": journal sync failed: " + synced.error().message);
        break;
      }
      if (synced.value()) {
        while (!slot.unsynced_records.empty() && slot.unsynced_records.front().first <= *synced.value()) {
          const Bytes& record = slot.unsynced_records.front().second;
          fold_record(record, slot.durable_vv);
          if (session_in(record) == slot.node_replica) slot.session_durable = true;
          slot.unsynced_records.pop_front();
        }
        trace(0xf5c, event.a, *synced.value(), 0);
        slot.node->persisted(*synced.value(), now_ms_);
        after_input(event.a);
      }
      break;
    }
    case EventType::kTimer: {
      Slot& slot = *slots_[event.a];
      if (!slot.node || slot.incarnation != event.incarnation || slot.timer_at_ms != entry.key().first) break;
      slot.timer_at_ms = kNever;
      if (slot.node->next_timeout_ms() <= now_ms_) {
        ++stats_.timeouts;
        slot.node->handle_timeout(now_ms_);
        drain(event.a);
        // A node that still wants a timeout now after handling one would spin forever at
        // one instant; run it a millisecond later instead (and count the step bound).
        if (slot.node && slot.node->next_timeout_ms() <= now_ms_) {
          slot.timer_at_ms = now_ms_ + 1;
          SimEvent again;
          again.type = EventType::kTimer;
          again.a = event.a;
          again.incarnation = slot.incarnation;
          schedule(now_ms_ + 1, std::move(again));
          break;
        }
      }
      arm_timer(event.a);
      break;
    }
    case EventType::kClose: {
      const Link* l = find_link(event.a, event.b);
      if (l != nullptr && l->up && l->id == event.link_id) drop_link(event.a, event.b);
      break;
    }
  }
  return true;
}

void Mesh::run_until(std::uint64_t time_ms) {
  while (!failure_ && !queue_.empty() && queue_.begin()->first.first <= time_ms) step();
  if (!failure_) now_ms_ = std::max(now_ms_, time_ms);
}

bool Mesh::run_until_converged(std::uint64_t deadline_ms, std::uint64_t check_every_ms) {
  check_every_ms = std::max<std::uint64_t>(check_every_ms, 1);
  while (true) {
    if (failure_) return false;
    if (converged()) return true;
    if (now_ms_ >= deadline_ms) return false;
    run_until(std::min(deadline_ms, now_ms_ + check_every_ms));
  }
}

// ---------------------------------------------------------------- observing

ReplicaState Mesh::replica_state(NodeIndex i) const {
  ReplicaState state;
  if (!is_up(i)) return state;
  state.objects_json = objects_part(slots_[i]->node->state_json());
  state.version_vector = slots_[i]->node->version_vector();
  return state;
}

bool Mesh::converged() const {
  std::optional<ReplicaState> first;
  for (NodeIndex i = 0; i < slots_.size(); ++i) {
    if (!is_up(i)) continue;
    ReplicaState state = replica_state(i);
    if (!first) {
      first = std::move(state);
    } else if (state != *first) {
      return false;
    }
  }
  return true;
}

std::string Mesh::divergence() const {
  std::optional<NodeIndex> reference;
  ReplicaState first;
  auto vv_text = [](const std::map<crdt::ReplicaId, std::uint64_t>& vv) {
    std::string text = "{";
    for (const auto& [replica, seq] : vv) text += std::to_string(replica) + ":" + std::to_string(seq) + " ";
    return text + "}";
  };
  for (NodeIndex i = 0; i < slots_.size(); ++i) {
    if (!is_up(i)) continue;
    ReplicaState state = replica_state(i);
    if (!reference) {
      reference = i;
      first = std::move(state);
      continue;
    }
    if (state.version_vector != first.version_vector) {
      return slots_[*reference]->name + " vv " + vv_text(first.version_vector) + " != " + slots_[i]->name +
             " vv " + vv_text(state.version_vector);
    }
    if (state.objects_json != first.objects_json) {
      return slots_[*reference]->name + " objects " + first.objects_json + "\n  != " + slots_[i]->name +
             " objects " + state.objects_json;
    }
  }
  return {};
}

std::string Mesh::recent_trace() const {
  std::string text;
  if (trace_ring_.empty()) return text;
  for (std::size_t k = 0; k < trace_ring_.size(); ++k) {
    const std::string& line = trace_ring_[(trace_next_ + k) % trace_ring_.size()];
    if (!line.empty()) text += line + "\n";
  }
  return text;
}

void Mesh::anomaly(const std::string& text) {
  ++anomaly_count_;
  trace_line("t=" + std::to_string(now_ms_) + " ANOMALY " + text);
  if (anomalies_.size() < kMaxAnomaliesKept)
    anomalies_.push_back("t=" + std::to_string(now_ms_) + " " + text);
}

void Mesh::fail(std::string text) {
  if (!failure_) failure_ = std::move(text);
}

void Mesh::trace(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) {
  trace_hash_ = mix(mix(mix(mix(trace_hash_, a), b), c), d);
}

void Mesh::trace_line(std::string line) {
  if (trace_ring_.empty()) return;
  trace_ring_[trace_next_] = std::move(line);
  trace_next_ = (trace_next_ + 1) % trace_ring_.size();
}

}  // namespace ff::sim
