#include "net/gossipsub/gossipsub.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "core/codec/protobuf.hpp"
#include "core/codec/varint.hpp"

namespace ff::net {
namespace {

// Protocol invariants are checked in release builds too (STYLE.md 6).
#define FF_GOSSIP_CHECK(condition)                                                                      \
  do {                                                                                                  \
    if (!(condition)) {                                                                                 \
      std::fprintf(stderr, "gossipsub invariant failed: %s (%s:%d)\n", #condition, __FILE__, __LINE__); \
      std::abort();                                                                                     \
    }                                                                                                   \
  } while (0)

// RPC field numbers used when assembling frames from pre-encoded messages.
constexpr std::uint32_t kRpcMessagesField = 2;

// Bytes a length-delimited field of `payload` bytes takes (tag of a field number < 16).
std::size_t field_size(std::size_t payload) { return 1 + codec::varint_size(payload) + payload; }

Bytes frame_of(const codec::ProtoWriter& body) {
  Bytes frame;
  frame.reserve(codec::varint_size(body.size()) + body.size());
  codec::put_varint(frame, body.size());
  frame.insert(frame.end(), body.bytes().begin(), body.bytes().end());
  return frame;
}

Error config_error(const std::string& what) {
  return make_error(Errc::kInvalidInput, "gossipsub config: " + what);
}

}  // namespace

std::optional<PubsubProtocol> pubsub_protocol_from_id(std::string_view protocol_id) {
  if (protocol_id == kMeshsub11ProtocolId) return PubsubProtocol::kMeshsub11;
  if (protocol_id == kMeshsub10ProtocolId) return PubsubProtocol::kMeshsub10;
  if (protocol_id == kFloodsubProtocolId) return PubsubProtocol::kFloodsub;
  return std::nullopt;
}

const char* pubsub_protocol_id(PubsubProtocol protocol) {
  switch (protocol) {
    case PubsubProtocol::kMeshsub11: return kMeshsub11ProtocolId;
    case PubsubProtocol::kMeshsub10: return kMeshsub10ProtocolId;
    case PubsubProtocol::kFloodsub: return kFloodsubProtocolId;
  }
  return kFloodsubProtocolId;
}

Result<GossipSub> GossipSub::create(GossipSubConfig config, Rng& rng, std::optional<PrivateKey> signing_key,
                                    std::uint64_t now_ms) {
  if (!(config.d_lo <= config.d && config.d <= config.d_hi)) return config_error("need d_lo <= d <= d_hi");
  if (config.d_out != 0 && !(config.d_out < config.d_lo && config.d_out <= config.d / 2)) {
    return config_error("need d_out < d_lo and d_out <= d / 2 (spec v1.1 Outbound Mesh Quotas)");
  }
  if (config.gossip_factor_percent > 100) return config_error("gossip_factor_percent above 100");
  if (config.heartbeat_interval_ms == 0) return config_error("heartbeat_interval_ms must be positive");
  if (config.mcache_history_windows == 0 || config.mcache_gossip_windows > config.mcache_history_windows) {
    return config_error("need 0 < mcache_gossip_windows <= mcache_history_windows");
  }
  if (config.max_seen_ids == 0 || config.max_peers == 0 || config.max_queued_frames_per_peer == 0 ||
      config.max_pending_events == 0 || config.rpc_limits.max_rpc_bytes < 1024) {
    return config_error("bounds must be positive (and max_rpc_bytes at least 1 KiB)");
  }
  if (config.max_publish_data_bytes + 4096 > config.rpc_limits.max_rpc_bytes) {
    return config_error("max_publish_data_bytes leaves no room for the RPC around it");
  }
  const bool signing = config.signature_policy == SignaturePolicy::kStrictSign;
  if (signing && !signing_key) return config_error("StrictSign needs a signing key");
  if (!signing && signing_key) return config_error("StrictNoSign takes no signing key");
  return GossipSub(config, rng, std::move(signing_key), now_ms);
}

GossipSub::GossipSub(GossipSubConfig config, Rng& rng, std::optional<PrivateKey> signing_key,
                     std::uint64_t now_ms)
    : config_(config),
      rng_(&rng),
      signing_key_(std::move(signing_key)),
      seen_(config_.seen_ttl_ms, config_.max_seen_ids),
      mcache_(config_.mcache_history_windows, config_.mcache_gossip_windows, config_.max_cached_messages,
              config_.max_cached_bytes) {
  if (signing_key_) local_peer_id_ = PeerId::from_public_key(signing_key_->public_key());
  // A random start keeps seqnos (and so StrictSign message ids) of a restarted node apart from
  // those of its previous run, which peers may still have in their seen caches.
  next_seqno_ = rng_->next();
  next_heartbeat_ms_ = now_ms + config_.heartbeat_initial_delay_ms;
}

// ---------------------------------------------------------------------------------------
// Peers

Status GossipSub::add_peer(const PeerId& peer, PubsubProtocol protocol, bool outbound, std::uint64_t now_ms) {
  (void)now_ms;
  if (peers_.count(peer) != 0)
    return make_error(Errc::kInvalidInput, "gossipsub: peer " + peer.to_base58() + " added twice");
  if (peers_.size() >= config_.max_peers) {
    return make_error(Errc::kLimitExceeded, "gossipsub: already " + std::to_string(peers_.size()) + " peers");
  }
  PeerState state;
  state.protocol = protocol;
  state.outbound = outbound;
  state.key = std::string(as_chars(peer.bytes()));
  state.decoder = RpcFrameDecoder(config_.rpc_limits.max_rpc_bytes);
  peers_.emplace(peer, std::move(state));
  // The hello: our full subscription list (gossipsub v1.0 "Ambient Peer Discovery").
  if (!mesh_.empty()) {
    PendingRpc& pending = outbox_for(peer);
    for (const auto& [topic, mesh] : mesh_) pending.subscriptions.push_back(SubOpts{true, topic});
  }
  flush_outbox();
  return {};
}

void GossipSub::remove_peer(const PeerId& peer) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  for (const std::string& topic : it->second.topics) {
    auto topic_it = topic_peers_.find(topic);
    if (topic_it == topic_peers_.end()) continue;
    topic_it->second.erase(peer);
    if (topic_it->second.empty()) topic_peers_.erase(topic_it);
  }
  for (auto& [topic, mesh] : mesh_) mesh.erase(peer);
  for (auto& [topic, fanout] : fanout_) fanout.peers.erase(peer);
  outbox_.erase(peer);
  // Backoff entries stay until they expire: reconnecting must not reset a backoff.
  peers_.erase(it);
}

void GossipSub::set_peer_writable(const PeerId& peer, bool writable) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  PeerState& state = it->second;
  state.writable = writable;
  if (writable && !state.queue.empty() && !state.in_ready_list) {
    state.in_ready_list = true;
    ready_.push_back(peer);
  }
}

std::size_t GossipSub::queued_bytes(const PeerId& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.queued_bytes;
}

std::size_t GossipSub::queued_frames(const PeerId& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.queue.size();
}

std::vector<PeerId> GossipSub::mesh_peers(const std::string& topic) const {
  auto it = mesh_.find(topic);
  if (it == mesh_.end()) return {};
  return std::vector<PeerId>(it->second.begin(), it->second.end());
}

std::vector<PeerId> GossipSub::fanout_peers(const std::string& topic) const {
  auto it = fanout_.find(topic);
  if (it == fanout_.end()) return {};
  return std::vector<PeerId>(it->second.peers.begin(), it->second.peers.end());
}

std::vector<std::string> GossipSub::peer_topics(const PeerId& peer) const {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return {};
  return std::vector<std::string>(it->second.topics.begin(), it->second.topics.end());
}

std::optional<std::uint64_t> GossipSub::backoff_until(const std::string& topic, const PeerId& peer) const {
  auto it = backoff_.find(std::make_pair(topic, peer));
  if (it == backoff_.end()) return std::nullopt;
  return it->second;
}

// ---------------------------------------------------------------------------------------
// Input

Result<std::optional<Bytes>> GossipSub::next_frame(const PeerId& peer, PeerState& state, ByteView& input) {
  const bool was_failed = state.decoder.failed();
  Result<std::optional<Bytes>> frame = state.decoder.next(input);
  // A broken stream stays broken; its error is reported once, when it breaks.
  if (!frame.ok() && !was_failed) {
    ++stats_.stream_errors;
    push_event(
        PeerEvent{PeerEvent::Kind::kStreamError, peer, {}, MessageRejection::kNone, frame.error().message});
  }
  return frame;
}

Status GossipSub::handle_stream_data(const PeerId& peer, ByteView bytes, std::uint64_t now_ms) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return make_error(Errc::kNotFound, "gossipsub: unknown peer " + peer.to_base58());
  ByteView input = bytes;
  while (true) {
    // Re-find the peer each round: handling a frame never removes peers, but keep this
    // robust against that changing.
    it = peers_.find(peer);
    if (it == peers_.end()) return {};
    FF_TRY_ASSIGN(std::optional<Bytes> frame, next_frame(peer, it->second, input));
    if (!frame) return {};
    // A frame that does not decode is reported and dropped inside handle_rpc; the stream goes on.
    (void)handle_rpc(peer, ByteView(*frame), now_ms);
  }
}

Status GossipSub::decode_stream_data(const PeerId& peer, ByteView bytes, std::vector<Rpc>& rpcs) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return make_error(Errc::kNotFound, "gossipsub: unknown peer " + peer.to_base58());
  ByteView input = bytes;
  while (true) {
    FF_TRY_ASSIGN(std::optional<Bytes> frame, next_frame(peer, it->second, input));
    if (!frame) return {};
    Result<Rpc> decoded = decode_rpc(ByteView(*frame), config_.rpc_limits);
    if (!decoded.ok()) {
      // As in handle_rpc: reported and dropped; the stream goes on.
      ++stats_.rpc_decode_errors;
      push_event(PeerEvent{
          PeerEvent::Kind::kInvalidRpc, peer, {}, MessageRejection::kNone, decoded.error().message});
      continue;
    }
    rpcs.push_back(std::move(decoded).value());
  }
}

std::size_t GossipSub::topic_peer_count(const std::string& topic) const {
  auto it = topic_peers_.find(topic);
  return it == topic_peers_.end() ? 0 : it->second.size();
}

bool GossipSub::needs_verification(const RpcMessage& message) const {
  if (config_.signature_policy != SignaturePolicy::kStrictSign) return false;
  if (message.topic.empty() || mesh_.count(message.topic) == 0) return false;
  const MessageVerdict id_only = compute_message_id(message, config_.signature_policy);
  return id_only.ok() && !seen_.contains(id_only.id);
}

void GossipSub::reset_inbound_stream(const PeerId& peer) {
  auto it = peers_.find(peer);
  if (it != peers_.end()) it->second.decoder.reset();
}

Status GossipSub::handle_rpc(const PeerId& peer, ByteView rpc, std::uint64_t now_ms) {
  if (peers_.count(peer) == 0)
    return make_error(Errc::kNotFound, "gossipsub: unknown peer " + peer.to_base58());
  Result<Rpc> decoded = decode_rpc(rpc, config_.rpc_limits);
  if (!decoded.ok()) {
    ++stats_.rpc_decode_errors;
    push_event(
        PeerEvent{PeerEvent::Kind::kInvalidRpc, peer, {}, MessageRejection::kNone, decoded.error().message});
    return decoded.error();
  }
  return handle_decoded(peer, std::move(decoded).value(), nullptr, now_ms);
}

Status GossipSub::handle_rpc(const PeerId& peer, Rpc rpc, std::uint64_t now_ms) {
  if (peers_.count(peer) == 0)
    return make_error(Errc::kNotFound, "gossipsub: unknown peer " + peer.to_base58());
  return handle_decoded(peer, std::move(rpc), nullptr, now_ms);
}

Status GossipSub::handle_prevalidated(const PeerId& peer, PrevalidatedRpc prevalidated,
                                      std::uint64_t now_ms) {
  if (peers_.count(peer) == 0)
    return make_error(Errc::kNotFound, "gossipsub: unknown peer " + peer.to_base58());
  if (prevalidated.policy != config_.signature_policy) {
    return make_error(Errc::kInvalidInput, "gossipsub: RPC prevalidated under another signature policy");
  }
  if (prevalidated.verdicts.size() != prevalidated.rpc.messages.size()) {
    return make_error(Errc::kInvalidInput,
                      "gossipsub: prevalidated RPC has " + std::to_string(prevalidated.verdicts.size()) +
                          " verdicts for " + std::to_string(prevalidated.rpc.messages.size()) + " messages");
  }
  const std::vector<MessageVerdict> verdicts = std::move(prevalidated.verdicts);
  return handle_decoded(peer, std::move(prevalidated.rpc), &verdicts, now_ms);
}

Status GossipSub::handle_decoded(const PeerId& peer, Rpc rpc, const std::vector<MessageVerdict>* verdicts,
                                 std::uint64_t now_ms) {
  ++stats_.rpcs_received;
  // Order as in every implementation: subscriptions first (a GRAFT in the same RPC may rely on
  // them), then messages, then control.
  {
    PeerState& state = peers_.at(peer);
    for (const SubOpts& sub : rpc.subscriptions) handle_subscription(peer, state, sub);
  }
  for (std::size_t i = 0; i < rpc.messages.size(); ++i) {
    handle_message(peer, std::move(rpc.messages[i]), verdicts ? &(*verdicts)[i] : nullptr, now_ms);
  }
  if (rpc.control) handle_control(peer, peers_.at(peer), *rpc.control, now_ms);
  flush_outbox();
  return {};
}

void GossipSub::handle_subscription(const PeerId& peer, PeerState& state, const SubOpts& sub) {
  if (sub.topic.empty()) {
    ++stats_.subscriptions_ignored;
    return;
  }
  if (sub.subscribe) {
    if (state.topics.count(sub.topic) != 0) return;
    if (state.topics.size() >= config_.max_topics_per_peer ||
        state.topic_bytes + sub.topic.size() > config_.max_topic_bytes_per_peer) {
      ++stats_.subscriptions_ignored;
      return;
    }
    state.topics.insert(sub.topic);
    state.topic_bytes += sub.topic.size();
    topic_peers_[sub.topic].insert(peer);
    push_event(PeerEvent{PeerEvent::Kind::kSubscribed, peer, sub.topic, MessageRejection::kNone, {}});
    return;
  }
  if (state.topics.erase(sub.topic) == 0) return;
  state.topic_bytes -= sub.topic.size();
  auto topic_it = topic_peers_.find(sub.topic);
  if (topic_it != topic_peers_.end()) {
    topic_it->second.erase(peer);
    if (topic_it->second.empty()) topic_peers_.erase(topic_it);
  }
  // A peer that left the topic is no mesh or fanout member for it (no PRUNE: it left).
  auto mesh_it = mesh_.find(sub.topic);
  if (mesh_it != mesh_.end()) mesh_it->second.erase(peer);
  auto fanout_it = fanout_.find(sub.topic);
  if (fanout_it != fanout_.end()) fanout_it->second.peers.erase(peer);
  push_event(PeerEvent{PeerEvent::Kind::kUnsubscribed, peer, sub.topic, MessageRejection::kNone, {}});
}

void GossipSub::reject_message(const PeerId& peer, const std::string& topic, MessageRejection rejection) {
  ++stats_.messages_rejected;
  ++stats_.rejected_by_reason[static_cast<std::size_t>(rejection)];
  push_event(
      PeerEvent{PeerEvent::Kind::kInvalidMessage, peer, topic, rejection, message_rejection_name(rejection)});
}

void GossipSub::handle_message(const PeerId& peer, RpcMessage message, const MessageVerdict* verdict,
                               std::uint64_t now_ms) {
  ++stats_.messages_received;
  // Messages of topics we are not in are neither validated nor relayed (js does the same
  // unless canRelayMessage is set).
  if (!message.topic.empty() && mesh_.count(message.topic) == 0) {
    ++stats_.messages_unsubscribed_topic;
    return;
  }
  MessageVerdict checked;
  if (verdict && verdict->complete) {
    checked = *verdict;
  } else {
    // The id needs no signature check, so duplicates (most copies of every message in a
    // mesh) are dropped before paying for a verification. Only messages that pass
    // validation enter the seen cache, so an invalid copy cannot shadow the valid one.
    MessageVerdict id_only = compute_message_id(message, config_.signature_policy);
    if (!id_only.ok()) {
      reject_message(peer, message.topic, id_only.rejection);
      return;
    }
    if (seen_.contains(id_only.id)) {
      ++stats_.messages_duplicate;
      return;
    }
    if (id_only.complete) {
      // StrictNoSign: the id checks are the whole validation (and hash the data once).
      checked = std::move(id_only);
    } else {
      ++stats_.signature_verifications;
      checked = validate_message(message, config_.signature_policy);
    }
  }
  if (!checked.ok()) {
    reject_message(peer, message.topic, checked.rejection);
    return;
  }
  if (!seen_.insert(checked.id, now_ms)) {
    ++stats_.messages_duplicate;
    return;
  }
  std::optional<PeerId> author;
  if (message.from) {
    Result<PeerId> parsed = PeerId::from_bytes(*message.from);
    if (parsed.ok()) author = std::move(parsed).value();
  }
  if (author && local_peer_id_ && *author == *local_peer_id_) {
    // Our own message coming back (its id expired from the seen cache, or a peer replays it):
    // the spec says the source never re-forwards it.
    ++stats_.messages_own_echo;
    return;
  }

  auto encoded = std::make_shared<const Bytes>(encode_message(message));
  mcache_.put(checked.id, message.topic, encoded);

  // Forward to floodsub peers in the topic and to the mesh, never back to the sender or to
  // the author (gossipsub v1.0 "Message Processing").
  std::set<PeerId> targets;
  if (auto topic_it = topic_peers_.find(message.topic); topic_it != topic_peers_.end()) {
    for (const PeerId& candidate : topic_it->second) {
      if (peers_.at(candidate).protocol == PubsubProtocol::kFloodsub) targets.insert(candidate);
    }
  }
  const std::set<PeerId>& mesh = mesh_.at(message.topic);
  targets.insert(mesh.begin(), mesh.end());
  targets.erase(peer);
  if (author) targets.erase(*author);
  for (const PeerId& target : targets) queue_message(target, encoded);

  ++stats_.messages_delivered;
  Deliver deliver{message.topic, std::move(author), peer, message.data ? std::move(*message.data) : Bytes(),
                  std::move(checked.id)};
  push_event(std::move(deliver));
}

void GossipSub::handle_control(const PeerId& peer, PeerState& state, const ControlMessage& control,
                               std::uint64_t now_ms) {
  stats_.idontwant_ignored += control.idontwant_entries;
  if (state.protocol == PubsubProtocol::kFloodsub) {
    // Floodsub has no control messages; a peer that sends them anyway is ignored.
    if (!control.empty()) ++stats_.control_from_floodsub_ignored;
    return;
  }
  for (const ControlGraft& graft : control.graft) handle_graft(peer, state, graft, now_ms);
  for (const ControlPrune& prune : control.prune) handle_prune(peer, prune, now_ms);
  if (!control.ihave.empty()) handle_ihave(peer, state, control.ihave);
  if (!control.iwant.empty()) handle_iwant(peer, state, control.iwant);
}

void GossipSub::handle_graft(const PeerId& peer, const PeerState& state, const ControlGraft& graft,
                             std::uint64_t now_ms) {
  ++stats_.grafts_received;
  auto mesh_it = mesh_.find(graft.topic);
  if (mesh_it == mesh_.end()) {
    // Spec v1.1 "Spam Protection Measures": GRAFT for a topic we are not in is ignored (no
    // PRUNE, so a flood of them costs us nothing).
    ++stats_.grafts_ignored;
    return;
  }
  std::set<PeerId>& mesh = mesh_it->second;
  if (mesh.count(peer) != 0) return;
  if (in_backoff(graft.topic, peer, now_ms)) {
    // Spec v1.1 "PRUNE Backoff": a GRAFT within the backoff is pruned again and the backoff
    // extended.
    ++stats_.grafts_refused_backoff;
    add_backoff(graft.topic, peer, now_ms + config_.prune_backoff_ms);
    send_prune(peer, graft.topic, config_.prune_backoff_ms);
    return;
  }
  if (mesh.size() >= config_.d_hi && !state.outbound) {
    // Spec v1.1 "Outbound Mesh Quotas": when full, only outbound peers may join.
    ++stats_.grafts_refused_full;
    add_backoff(graft.topic, peer, now_ms + config_.prune_backoff_ms);
    send_prune(peer, graft.topic, config_.prune_backoff_ms);
    return;
  }
  ++stats_.grafts_accepted;
  mesh.insert(peer);
}

void GossipSub::handle_prune(const PeerId& peer, const ControlPrune& prune, std::uint64_t now_ms) {
  ++stats_.prunes_received;
  auto mesh_it = mesh_.find(prune.topic);
  if (mesh_it != mesh_.end()) mesh_it->second.erase(peer);
  std::uint64_t backoff_ms = config_.prune_backoff_ms;
  if (prune.backoff_seconds) backoff_ms = std::min(*prune.backoff_seconds, kMaxPruneBackoffSeconds) * 1000;
  // Peer exchange (prune.peers) is ignored: we connect only to peers the runtime finds.
  if (!prune.topic.empty()) add_backoff(prune.topic, peer, now_ms + backoff_ms);
}

void GossipSub::handle_ihave(const PeerId& peer, PeerState& state, const std::vector<ControlIHave>& ihave) {
  stats_.ihave_received += ihave.size();
  if (state.ihave_rpcs_this_heartbeat >= config_.max_ihave_messages) {
    ++stats_.ihave_ignored;
    return;
  }
  ++state.ihave_rpcs_this_heartbeat;
  std::set<std::string> wanted;
  std::vector<MessageId> ids;
  for (const ControlIHave& entry : ihave) {
    if (mesh_.count(entry.topic) == 0) continue;
    for (const MessageId& id : entry.message_ids) {
      if (state.iwant_ids_this_heartbeat + ids.size() >= config_.max_ihave_length) break;
      if (seen_.contains(id)) continue;
      if (!wanted.insert(std::string(as_chars(id))).second) continue;
      ids.push_back(id);
    }
  }
  if (ids.empty()) return;
  state.iwant_ids_this_heartbeat += ids.size();
  stats_.iwant_ids_sent += ids.size();
  PendingRpc& pending = outbox_for(peer);
  pending.control.iwant.push_back(ControlIWant{std::move(ids)});
}

void GossipSub::handle_iwant(const PeerId& peer, PeerState& state, const std::vector<ControlIWant>& iwant) {
  PendingRpc& pending = outbox_for(peer);
  for (const ControlIWant& entry : iwant) {
    stats_.iwant_ids_received += entry.message_ids.size();
    for (const MessageId& id : entry.message_ids) {
      // Never build a reply the peer's queue could not take anyway.
      if (state.queued_bytes + pending.message_bytes >= config_.max_queued_bytes_per_peer) return;
      bool refused = false;
      std::shared_ptr<const Bytes> encoded =
          mcache_.get_for_iwant(id, state.key, config_.gossip_retransmission, &refused);
      if (refused) ++stats_.iwant_refused_retransmission;
      if (!encoded) continue;
      ++stats_.iwant_messages_served;
      queue_message(peer, encoded);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Local operations

Status GossipSub::subscribe(const std::string& topic, std::uint64_t now_ms) {
  if (topic.empty()) return make_error(Errc::kInvalidInput, "gossipsub: empty topic");
  if (topic.size() > config_.rpc_limits.max_topic_bytes) {
    return make_error(Errc::kLimitExceeded, "gossipsub: topic of " + std::to_string(topic.size()) + " bytes");
  }
  if (mesh_.count(topic) != 0) return {};
  if (mesh_.size() >= config_.max_local_subscriptions) {
    return make_error(Errc::kLimitExceeded,
                      "gossipsub: already subscribed to " + std::to_string(mesh_.size()) + " topics");
  }
  std::set<PeerId>& mesh = mesh_[topic];
  for (const auto& [peer, state] : peers_) outbox_for(peer).subscriptions.push_back(SubOpts{true, topic});

  // JOIN (gossipsub v1.0 "Topic Membership"): fanout peers first, then others up to D.
  if (auto fanout_it = fanout_.find(topic); fanout_it != fanout_.end()) {
    std::vector<PeerId> from_fanout;
    for (const PeerId& peer : fanout_it->second.peers) {
      if (!backoff_blocks_graft(topic, peer, now_ms)) from_fanout.push_back(peer);
    }
    for (const PeerId& peer : pick_random(std::move(from_fanout), config_.d)) mesh.insert(peer);
    fanout_.erase(fanout_it);
  }
  if (mesh.size() < config_.d) {
    std::vector<PeerId> candidates = gossip_peers_in_topic(topic, mesh, true, false, now_ms);
    for (const PeerId& peer : pick_random(std::move(candidates), config_.d - mesh.size())) mesh.insert(peer);
  }
  for (const PeerId& peer : mesh) send_graft(peer, topic);
  flush_outbox();
  return {};
}

Status GossipSub::unsubscribe(const std::string& topic, std::uint64_t now_ms) {
  auto mesh_it = mesh_.find(topic);
  if (mesh_it == mesh_.end()) return {};
  for (const auto& [peer, state] : peers_) outbox_for(peer).subscriptions.push_back(SubOpts{false, topic});
  // LEAVE: PRUNE the mesh with the (shorter) unsubscribe backoff, and respect it ourselves.
  for (const PeerId& peer : mesh_it->second) {
    add_backoff(topic, peer, now_ms + config_.unsubscribe_backoff_ms);
    send_prune(peer, topic, config_.unsubscribe_backoff_ms);
  }
  mesh_.erase(mesh_it);
  flush_outbox();
  return {};
}

Result<MessageId> GossipSub::publish(const std::string& topic, ByteView data, std::uint64_t now_ms) {
  if (topic.empty()) return make_error(Errc::kInvalidInput, "gossipsub: publish to an empty topic");
  if (topic.size() > config_.rpc_limits.max_topic_bytes) {
    return make_error(Errc::kLimitExceeded, "gossipsub: topic of " + std::to_string(topic.size()) + " bytes");
  }
  if (data.size() > config_.max_publish_data_bytes) {
    return make_error(Errc::kLimitExceeded, "gossipsub: payload of " + std::to_string(data.size()) +
                                                " bytes exceeds " +
                                                std::to_string(config_.max_publish_data_bytes));
  }

  RpcMessage message = config_.signature_policy == SignaturePolicy::kStrictSign
                           ? build_signed_message(*signing_key_, topic, data, next_seqno_++)
                           : build_unsigned_message(topic, data);
  MessageVerdict verdict = compute_message_id(message, config_.signature_policy);
  FF_GOSSIP_CHECK(verdict.ok());
  if (seen_.contains(verdict.id)) {
    // StrictNoSign ids are content hashes: the same payload twice within seen_ttl is the same
    // message, which peers would drop as a duplicate (js throws PublishError.Duplicate).
    return make_error(Errc::kInvalidInput,
                      "gossipsub: an identical message was published within the seen TTL");
  }

  std::set<PeerId> targets;
  const auto topic_it = topic_peers_.find(topic);
  if (topic_it != topic_peers_.end()) {
    for (const PeerId& peer : topic_it->second) {
      if (config_.flood_publish || peers_.at(peer).protocol == PubsubProtocol::kFloodsub)
        targets.insert(peer);
    }
  }
  if (!config_.flood_publish) {
    if (auto mesh_it = mesh_.find(topic); mesh_it != mesh_.end()) {
      targets.insert(mesh_it->second.begin(), mesh_it->second.end());
    } else {
      auto fanout_it = fanout_.find(topic);
      if (fanout_it == fanout_.end() || fanout_it->second.peers.empty()) {
        std::vector<PeerId> candidates = gossip_peers_in_topic(topic, {}, false, false, now_ms);
        if (!candidates.empty()) {
          if (fanout_it == fanout_.end()) {
            if (fanout_.size() >= config_.max_fanout_topics) {
              // Make room by dropping the topic published to longest ago.
              auto oldest = fanout_.begin();
              for (auto it = fanout_.begin(); it != fanout_.end(); ++it) {
                if (it->second.last_publish_ms < oldest->second.last_publish_ms) oldest = it;
              }
              fanout_.erase(oldest);
            }
            fanout_it = fanout_.emplace(topic, Fanout{}).first;
          }
          for (const PeerId& peer : pick_random(std::move(candidates), config_.d))
            fanout_it->second.peers.insert(peer);
        }
      }
      if (fanout_it != fanout_.end()) {
        fanout_it->second.last_publish_ms = now_ms;
        targets.insert(fanout_it->second.peers.begin(), fanout_it->second.peers.end());
      }
    }
  }
  if (targets.empty() && !config_.allow_publish_to_zero_peers) {
    return make_error(Errc::kNotFound, "gossipsub: no peers subscribed to topic '" + topic + "'");
  }

  seen_.insert(verdict.id, now_ms);
  auto encoded = std::make_shared<const Bytes>(encode_message(message));
  mcache_.put(verdict.id, topic, encoded);
  for (const PeerId& peer : targets) queue_message(peer, encoded);
  ++stats_.messages_published;
  flush_outbox();
  return std::move(verdict.id);
}

// ---------------------------------------------------------------------------------------
// Heartbeat

void GossipSub::handle_timeout(std::uint64_t now_ms) {
  if (now_ms < next_heartbeat_ms_) return;
  heartbeat(now_ms);
  next_heartbeat_ms_ += config_.heartbeat_interval_ms;
  // After a stall run one heartbeat, not a burst of them (each would shift the cache again).
  if (next_heartbeat_ms_ <= now_ms) next_heartbeat_ms_ = now_ms + config_.heartbeat_interval_ms;
}

void GossipSub::heartbeat(std::uint64_t now_ms) {
  ++stats_.heartbeats;
  for (auto& [peer, state] : peers_) {
    state.ihave_rpcs_this_heartbeat = 0;
    state.iwant_ids_this_heartbeat = 0;
  }
  const std::uint64_t slack_ms = kBackoffSlackHeartbeats * config_.heartbeat_interval_ms;
  for (auto it = backoff_.begin(); it != backoff_.end();) {
    it = it->second + slack_ms <= now_ms ? backoff_.erase(it) : std::next(it);
  }
  for (auto& [topic, mesh] : mesh_) maintain_mesh(topic, mesh, now_ms);
  maintain_fanout(now_ms);
  emit_gossip();
  flush_outbox();
  mcache_.shift();
  seen_.expire(now_ms);
}

void GossipSub::maintain_mesh(const std::string& topic, std::set<PeerId>& mesh, std::uint64_t now_ms) {
  // Spec v1.0 "Mesh Maintenance", with the v1.1 outbound quota; no scores (all peers are 0).
  if (mesh.size() < config_.d_lo) {
    std::vector<PeerId> candidates = gossip_peers_in_topic(topic, mesh, true, false, now_ms);
    for (const PeerId& peer : pick_random(std::move(candidates), config_.d - mesh.size())) {
      mesh.insert(peer);
      send_graft(peer, topic);
    }
  }
  if (mesh.size() > config_.d_hi) {
    std::vector<PeerId> shuffled = pick_random(std::vector<PeerId>(mesh.begin(), mesh.end()), mesh.size());
    const std::size_t keep = config_.d;
    auto outbound = [&](const PeerId& peer) { return peers_.at(peer).outbound; };
    std::size_t outbound_kept = 0;
    for (std::size_t i = 0; i < keep; ++i) outbound_kept += outbound(shuffled[i]) ? 1 : 0;
    // Keep at least d_out outbound peers: swap outbound peers from the pruned tail in for
    // inbound ones of the kept head.
    for (std::size_t i = keep; i < shuffled.size() && outbound_kept < config_.d_out; ++i) {
      if (!outbound(shuffled[i])) continue;
      for (std::size_t j = keep; j-- > 0;) {
        if (outbound(shuffled[j])) continue;
        std::swap(shuffled[i], shuffled[j]);
        ++outbound_kept;
        break;
      }
    }
    for (std::size_t i = keep; i < shuffled.size(); ++i) {
      mesh.erase(shuffled[i]);
      add_backoff(topic, shuffled[i], now_ms + config_.prune_backoff_ms);
      send_prune(shuffled[i], topic, config_.prune_backoff_ms);
    }
  }
  if (mesh.size() >= config_.d_lo && config_.d_out > 0) {
    std::size_t outbound_count = 0;
    for (const PeerId& peer : mesh) outbound_count += peers_.at(peer).outbound ? 1 : 0;
    if (outbound_count < config_.d_out) {
      std::vector<PeerId> candidates = gossip_peers_in_topic(topic, mesh, true, true, now_ms);
      for (const PeerId& peer : pick_random(std::move(candidates), config_.d_out - outbound_count)) {
        mesh.insert(peer);
        send_graft(peer, topic);
      }
    }
  }
  FF_GOSSIP_CHECK(mesh.size() <= config_.d_hi + config_.d_out);
}

void GossipSub::maintain_fanout(std::uint64_t now_ms) {
  for (auto it = fanout_.begin(); it != fanout_.end();) {
    Fanout& fanout = it->second;
    if (fanout.last_publish_ms + config_.fanout_ttl_ms <= now_ms) {
      it = fanout_.erase(it);
      continue;
    }
    const auto topic_it = topic_peers_.find(it->first);
    for (auto peer = fanout.peers.begin(); peer != fanout.peers.end();) {
      const bool still_in_topic = topic_it != topic_peers_.end() && topic_it->second.count(*peer) != 0;
      peer = still_in_topic ? std::next(peer) : fanout.peers.erase(peer);
    }
    if (fanout.peers.size() < config_.d) {
      std::vector<PeerId> candidates = gossip_peers_in_topic(it->first, fanout.peers, false, false, now_ms);
      for (const PeerId& peer : pick_random(std::move(candidates), config_.d - fanout.peers.size())) {
        fanout.peers.insert(peer);
      }
    }
    ++it;
  }
}

void GossipSub::emit_gossip() {
  auto gossip_topic = [&](const std::string& topic, const std::set<PeerId>& exclude) {
    std::vector<MessageId> ids = mcache_.gossip_ids(topic);
    if (ids.empty()) return;
    if (ids.size() > config_.max_ihave_length) {
      // A random subset, as js does, so repeated gossip advertises different ids.
      for (std::size_t i = 0; i < config_.max_ihave_length; ++i) {
        const std::size_t j = i + static_cast<std::size_t>(rng_->below(ids.size() - i));
        std::swap(ids[i], ids[j]);
      }
      ids.resize(config_.max_ihave_length);
    }
    std::vector<PeerId> candidates = gossip_peers_in_topic(topic, exclude, false, false, 0);
    // Spec v1.1 "Adaptive Gossip Dissemination": gossip_factor of the candidates, at least Dlazy.
    const std::size_t by_factor = candidates.size() * config_.gossip_factor_percent / 100;
    const std::size_t count = std::max(config_.d_lazy, by_factor);
    for (const PeerId& peer : pick_random(std::move(candidates), count)) {
      outbox_for(peer).control.ihave.push_back(ControlIHave{topic, ids});
    }
  };
  for (const auto& [topic, mesh] : mesh_) gossip_topic(topic, mesh);
  for (const auto& [topic, fanout] : fanout_) gossip_topic(topic, fanout.peers);
}

// ---------------------------------------------------------------------------------------
// Helpers

std::vector<PeerId> GossipSub::gossip_peers_in_topic(const std::string& topic,
                                                     const std::set<PeerId>& exclude, bool skip_backoff,
                                                     bool outbound_only, std::uint64_t now_ms) const {
  std::vector<PeerId> out;
  auto topic_it = topic_peers_.find(topic);
  if (topic_it == topic_peers_.end()) return out;
  for (const PeerId& peer : topic_it->second) {
    const PeerState& state = peers_.at(peer);
    if (!is_gossip_peer(state) || exclude.count(peer) != 0) continue;
    if (outbound_only && !state.outbound) continue;
    if (skip_backoff && backoff_blocks_graft(topic, peer, now_ms)) continue;
    out.push_back(peer);
  }
  return out;
}

std::vector<PeerId> GossipSub::pick_random(std::vector<PeerId> candidates, std::size_t count) {
  // Partial Fisher-Yates: the first `count` entries become a uniform random selection.
  const std::size_t take = std::min(count, candidates.size());
  for (std::size_t i = 0; i < take; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(rng_->below(candidates.size() - i));
    std::swap(candidates[i], candidates[j]);
  }
  candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(take), candidates.end());
  return candidates;
}

bool GossipSub::in_backoff(const std::string& topic, const PeerId& peer, std::uint64_t now_ms) const {
  auto it = backoff_.find(std::make_pair(topic, peer));
  return it != backoff_.end() && now_ms < it->second;
}

bool GossipSub::backoff_blocks_graft(const std::string& topic, const PeerId& peer,
                                     std::uint64_t now_ms) const {
  // We wait one heartbeat of slack past the backoff so clock offsets between the two peers
  // never make our GRAFT arrive early (spec v1.1 "PRUNE Backoff").
  auto it = backoff_.find(std::make_pair(topic, peer));
  return it != backoff_.end() &&
         now_ms < it->second + kBackoffSlackHeartbeats * config_.heartbeat_interval_ms;
}

void GossipSub::add_backoff(const std::string& topic, const PeerId& peer, std::uint64_t until_ms) {
  auto key = std::make_pair(topic, peer);
  auto it = backoff_.find(key);
  if (it != backoff_.end()) {
    it->second = std::max(it->second, until_ms);
    return;
  }
  if (backoff_.size() >= config_.max_backoff_entries) {
    // Full: forget the entry that ends soonest, the one that protects least.
    auto soonest = backoff_.begin();
    for (auto candidate = backoff_.begin(); candidate != backoff_.end(); ++candidate) {
      if (candidate->second < soonest->second) soonest = candidate;
    }
    backoff_.erase(soonest);
  }
  backoff_.emplace(std::move(key), until_ms);
}

void GossipSub::send_graft(const PeerId& peer, const std::string& topic) {
  outbox_for(peer).control.graft.push_back(ControlGraft{topic});
}

void GossipSub::send_prune(const PeerId& peer, const std::string& topic, std::uint64_t backoff_ms) {
  ControlPrune prune;
  prune.topic = topic;
  prune.backoff_seconds = backoff_ms / 1000;
  outbox_for(peer).control.prune.push_back(std::move(prune));
}

void GossipSub::queue_message(const PeerId& peer, const std::shared_ptr<const Bytes>& encoded) {
  PendingRpc& pending = outbox_for(peer);
  pending.messages.push_back(encoded);
  pending.message_bytes += encoded->size();
  ++stats_.message_copies_sent;
}

void GossipSub::flush_outbox() {
  std::map<PeerId, PendingRpc> outbox;
  outbox.swap(outbox_);
  for (auto& [peer, pending] : outbox) {
    auto state_it = peers_.find(peer);
    if (state_it == peers_.end()) continue;
    PeerState& state = state_it->second;
    if (state.protocol == PubsubProtocol::kFloodsub)
      pending.control = ControlMessage();  // floodsub has no control
    const std::size_t limit = config_.rpc_limits.max_rpc_bytes;

    // Subscriptions and control go first, in the first frame; messages fill frames up to the
    // RPC size limit (gossipsub v1.0 "Control Message Piggybacking").
    Rpc head;
    head.subscriptions = std::move(pending.subscriptions);
    if (!pending.control.empty()) head.control = std::move(pending.control);
    codec::ProtoWriter body;
    body.append_encoded(encode_rpc(head));
    bool frame_has_control = body.size() > 0;
    bool frame_has_messages = false;
    for (const std::shared_ptr<const Bytes>& message : pending.messages) {
      if (body.size() > 0 && body.size() + field_size(message->size()) > limit) {
        enqueue_frame(peer, state, frame_of(body), frame_has_messages && !frame_has_control);
        body.clear();
        frame_has_control = false;
      }
      body.write_bytes(kRpcMessagesField, *message);
      frame_has_messages = true;
    }
    if (body.size() > 0) enqueue_frame(peer, state, frame_of(body), frame_has_messages && !frame_has_control);
  }
}

void GossipSub::enqueue_frame(const PeerId& peer, PeerState& state, Bytes frame, bool messages_only) {
  // Frames with control or subscriptions get twice the budget: losing a GRAFT or PRUNE costs
  // more than losing one copy of a message, which gossip can repair.
  const std::size_t byte_limit =
      messages_only ? config_.max_queued_bytes_per_peer : 2 * config_.max_queued_bytes_per_peer;
  if (state.queue.size() >= config_.max_queued_frames_per_peer ||
      state.queued_bytes + frame.size() > byte_limit) {
    ++stats_.frames_dropped;
    stats_.bytes_dropped += frame.size();
    return;
  }
  state.queued_bytes += frame.size();
  state.queue.push_back(QueuedFrame{std::move(frame)});
  if (state.writable && !state.in_ready_list) {
    state.in_ready_list = true;
    ready_.push_back(peer);
  }
}

void GossipSub::push_event(GossipSubEffect effect) {
  if (events_.size() >= config_.max_pending_events) {
    ++stats_.events_dropped;
    return;
  }
  events_.push_back(std::move(effect));
}

std::optional<GossipSubEffect> GossipSub::poll_effect() {
  if (!events_.empty()) {
    GossipSubEffect effect = std::move(events_.front());
    events_.pop_front();
    return effect;
  }
  while (!ready_.empty()) {
    PeerId peer = std::move(ready_.front());
    ready_.pop_front();
    auto it = peers_.find(peer);
    if (it == peers_.end()) continue;  // removed while queued
    PeerState& state = it->second;
    state.in_ready_list = false;
    if (!state.writable || state.queue.empty()) continue;
    Bytes frame = std::move(state.queue.front().frame);
    state.queue.pop_front();
    state.queued_bytes -= frame.size();
    if (!state.queue.empty()) {
      state.in_ready_list = true;
      ready_.push_back(peer);
    }
    ++stats_.frames_sent;
    stats_.bytes_sent += frame.size();
    return GossipSubEffect(SendRpc{std::move(peer), std::move(frame)});
  }
  return std::nullopt;
}

}  // namespace ff::net
