// One router driven by hand-made RPCs from fake peers: exact control-message behaviour.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/codec/varint.hpp"
#include "net/gossipsub/gossipsub.hpp"
#include "tests/net/gossipsub/gossip_network.hpp"

namespace ff::net {
namespace {

using ff::net::testing::test_key;

constexpr std::uint64_t kSeed = 4242;
constexpr std::uint64_t kStart = 10000;

// The router under test (identity 0) and fake peers (identities 1..).
class RouterHarness {
 public:
  explicit RouterHarness(GossipSubConfig config = {}) : rng_(kSeed) {
    std::optional<PrivateKey> key;
    if (config.signature_policy == SignaturePolicy::kStrictSign) key = test_key(kSeed, 0);
    router_.emplace(GossipSub::create(config, rng_, key, kStart).value());
  }

  GossipSub& router() { return *router_; }
  static PeerId peer(std::size_t i) { return PeerId::from_public_key(test_key(kSeed, i).public_key()); }
  static PrivateKey key(std::size_t i) { return test_key(kSeed, i); }

  void add(std::size_t i, bool outbound = false, PubsubProtocol protocol = PubsubProtocol::kMeshsub11) {
    ASSERT_TRUE(router_->add_peer(peer(i), protocol, outbound, now).ok());
  }
  Status send(std::size_t from, const Rpc& rpc) {
    return router_->handle_rpc(peer(from), encode_rpc(rpc), now);
  }
  Status subscribe_peer(std::size_t i, const std::string& topic, bool subscribe = true) {
    Rpc rpc;
    rpc.subscriptions.push_back(SubOpts{subscribe, topic});
    return send(i, rpc);
  }
  Status graft_from(std::size_t i, const std::string& topic) {
    Rpc rpc;
    rpc.control.emplace();
    rpc.control->graft.push_back(ControlGraft{topic});
    return send(i, rpc);
  }
  Status prune_from(std::size_t i, const std::string& topic, std::optional<std::uint64_t> backoff_seconds) {
    Rpc rpc;
    rpc.control.emplace();
    rpc.control->prune.push_back(ControlPrune{topic, {}, backoff_seconds});
    return send(i, rpc);
  }
  void tick_to(std::uint64_t t) {
    while (*router_->poll_timeout() <= t) {
      now = *router_->poll_timeout();
      router_->handle_timeout(now);
    }
    now = t;
  }

  // Drains effects: frames decoded per target peer, deliveries and events kept.
  void drain() {
    while (auto effect = router_->poll_effect()) {
      if (auto* send = std::get_if<SendRpc>(&*effect)) {
        ByteView frame(send->frame);
        auto length = codec::get_varint(frame);
        ASSERT_TRUE(length.ok());
        ASSERT_EQ(length->value, frame.size() - length->length);
        auto rpc = decode_rpc(frame.subspan(length->length));
        ASSERT_TRUE(rpc.ok()) << rpc.error().message;
        sent.push_back({send->peer, std::move(rpc).value()});
      } else if (auto* deliver = std::get_if<Deliver>(&*effect)) {
        delivered.push_back(std::move(*deliver));
      } else {
        events.push_back(std::get<PeerEvent>(std::move(*effect)));
      }
    }
  }
  std::vector<Rpc> sent_to(std::size_t i) {
    std::vector<Rpc> out;
    for (auto& [target, rpc] : sent) {
      if (target == peer(i)) out.push_back(rpc);
    }
    return out;
  }
  std::size_t count_control(std::size_t i, const char* kind, const std::string& topic) {
    std::size_t count = 0;
    for (const Rpc& rpc : sent_to(i)) {
      if (!rpc.control) continue;
      const std::string k = kind;
      if (k == "graft") {
        for (auto& g : rpc.control->graft) count += g.topic == topic;
      } else if (k == "prune") {
        for (auto& p : rpc.control->prune) count += p.topic == topic;
      } else if (k == "ihave") {
        for (auto& h : rpc.control->ihave) count += h.topic == topic;
      }
    }
    return count;
  }
  std::size_t messages_to(std::size_t i) {
    std::size_t count = 0;
    for (const Rpc& rpc : sent_to(i)) count += rpc.messages.size();
    return count;
  }
  bool in_mesh(const std::string& topic, std::size_t i) {
    auto mesh = router_->mesh_peers(topic);
    return std::find(mesh.begin(), mesh.end(), peer(i)) != mesh.end();
  }
  void clear() {
    sent.clear();
    delivered.clear();
    events.clear();
  }

  std::uint64_t now = kStart;
  std::vector<std::pair<PeerId, Rpc>> sent;
  std::vector<Deliver> delivered;
  std::vector<PeerEvent> events;

 private:
  Rng rng_;
  std::optional<GossipSub> router_;
};

TEST(GossipSubRouter, ConfigOutsideTheSpecIsRejected) {
  Rng rng(1);
  auto make = [&](GossipSubConfig config) { return GossipSub::create(config, rng, test_key(1, 0), 0); };
  GossipSubConfig bad_d;
  bad_d.d_lo = 7;
  EXPECT_EQ(make(bad_d).error().code, Errc::kInvalidInput);
  GossipSubConfig bad_dout;
  bad_dout.d_out = 4;  // must be < d_lo (4)
  EXPECT_EQ(make(bad_dout).error().code, Errc::kInvalidInput);
  GossipSubConfig bad_windows;
  bad_windows.mcache_gossip_windows = 6;
  EXPECT_EQ(make(bad_windows).error().code, Errc::kInvalidInput);
  EXPECT_TRUE(make(GossipSubConfig{}).ok());
  // The key must match the policy.
  EXPECT_FALSE(GossipSub::create(GossipSubConfig{}, rng, std::nullopt, 0).ok());
  GossipSubConfig no_sign;
  no_sign.signature_policy = SignaturePolicy::kStrictNoSign;
  EXPECT_FALSE(GossipSub::create(no_sign, rng, test_key(1, 0), 0).ok());
  EXPECT_TRUE(GossipSub::create(no_sign, rng, std::nullopt, 0).ok());
}

TEST(GossipSubRouter, NewPeerGetsOurSubscriptions) {
  RouterHarness h;
  ASSERT_TRUE(h.router().subscribe("a", h.now).ok());
  ASSERT_TRUE(h.router().subscribe("b", h.now).ok());
  h.add(1);
  h.drain();
  auto rpcs = h.sent_to(1);
  ASSERT_EQ(rpcs.size(), 1u);
  EXPECT_EQ(rpcs[0].subscriptions, (std::vector<SubOpts>{{true, "a"}, {true, "b"}}));
  EXPECT_EQ(
      h.router().add_peer(RouterHarness::peer(1), PubsubProtocol::kMeshsub11, false, h.now).error().code,
      Errc::kInvalidInput);
}

TEST(GossipSubRouter, GraftDuringBackoffIsRefusedWithPrune) {
  RouterHarness h;
  ASSERT_TRUE(h.router().subscribe("t", h.now).ok());
  h.add(1);
  ASSERT_TRUE(h.subscribe_peer(1, "t").ok());
  ASSERT_TRUE(h.graft_from(1, "t").ok());
  EXPECT_TRUE(h.in_mesh("t", 1));
  EXPECT_EQ(h.router().stats().grafts_accepted, 1u);

  // The peer prunes us with a 60 s backoff, then tries to come back after 5 s.
  ASSERT_TRUE(h.prune_from(1, "t", 60).ok());
  EXPECT_FALSE(h.in_mesh("t", 1));
  EXPECT_EQ(h.router().backoff_until("t", RouterHarness::peer(1)), h.now + 60000);
  h.drain();
  h.clear();
  h.tick_to(h.now + 5000);
  ASSERT_TRUE(h.graft_from(1, "t").ok());
  h.drain();
  EXPECT_FALSE(h.in_mesh("t", 1));
  EXPECT_EQ(h.router().stats().grafts_refused_backoff, 1u);
  ASSERT_EQ(h.count_control(1, "prune", "t"), 1u);
  for (const Rpc& rpc : h.sent_to(1)) {
    if (rpc.control && !rpc.control->prune.empty()) {
      EXPECT_EQ(rpc.control->prune[0].backoff_seconds, 60u);
    }
  }
  // The refusal extends the backoff to a full period from now.
  const std::uint64_t until = *h.router().backoff_until("t", RouterHarness::peer(1));
  EXPECT_EQ(until, h.now + 60000);
  // Our own heartbeats never graft the peer during the backoff (plus one heartbeat of slack)...
  h.clear();
  h.tick_to(until);
  h.drain();
  EXPECT_EQ(h.count_control(1, "graft", "t"), 0u);
  EXPECT_FALSE(h.in_mesh("t", 1));
  // ...but do once it is over, since the mesh is below Dlo.
  h.tick_to(until + 2 * kHeartbeatIntervalMs);
  h.drain();
  EXPECT_EQ(h.count_control(1, "graft", "t"), 1u);
  EXPECT_TRUE(h.in_mesh("t", 1));
}

TEST(GossipSubRouter, GraftAfterBackoffIsAccepted) {
  RouterHarness h;
  ASSERT_TRUE(h.router().subscribe("t", h.now).ok());
  h.add(1);
  ASSERT_TRUE(h.subscribe_peer(1, "t").ok());
  ASSERT_TRUE(h.prune_from(1, "t", 10).ok());
  h.tick_to(h.now + 10000);
  ASSERT_TRUE(h.graft_from(1, "t").ok());
  EXPECT_TRUE(h.in_mesh("t", 1));
  EXPECT_EQ(h.router().stats().grafts_refused_backoff, 0u);
}

TEST(GossipSubRouter, GraftForATopicWeAreNotInIsIgnoredSilently) {
  RouterHarness h;
  h.add(1);
  ASSERT_TRUE(h.subscribe_peer(1, "t").ok());
  h.drain();
  h.clear();
  ASSERT_TRUE(h.graft_from(1, "t").ok());
  h.drain();
  EXPECT_TRUE(h.sent.empty());
  EXPECT_EQ(h.router().stats().grafts_ignored, 1u);
}

TEST(GossipSubRouter, WhenTheMeshIsFullOnlyOutboundPeersMayGraft) {
  GossipSubConfig config;
  config.d = 2;
  config.d_lo = 2;
  config.d_hi = 3;
  config.d_out = 1;
  RouterHarness h(config);
  ASSERT_TRUE(h.router().subscribe("t", h.now).ok());
  for (std::size_t i = 1; i <= 5; ++i) {
    h.add(i, /*outbound=*/i == 5);
    ASSERT_TRUE(h.subscribe_peer(i, "t").ok());
  }
  for (std::size_t i = 1; i <= 3; ++i) ASSERT_TRUE(h.graft_from(i, "t").ok());
  EXPECT_EQ(h.router().mesh_peers("t").size(), 3u);
  h.drain();
  h.clear();
  ASSERT_TRUE(h.graft_from(4, "t").ok());  // inbound, mesh at Dhi
  h.drain();
  EXPECT_FALSE(h.in_mesh("t", 4));
  EXPECT_EQ(h.count_control(4, "prune", "t"), 1u);
  EXPECT_EQ(h.router().stats().grafts_refused_full, 1u);
  ASSERT_TRUE(h.graft_from(5, "t").ok());  // outbound
  EXPECT_TRUE(h.in_mesh("t", 5));
  // The heartbeat prunes back to D, keeping the outbound peer (d_out = 1).
  h.tick_to(h.now + 1000);
  EXPECT_EQ(h.router().mesh_peers("t").size(), 2u);
  EXPECT_TRUE(h.in_mesh("t", 5));
}

TEST(GossipSubRouter, PruneRemovesFromMeshAndHeartbeatRespectsItsBackoff) {
  RouterHarness h;
  ASSERT_TRUE(h.router().subscribe("t", h.now).ok());
  h.add(1);
  ASSERT_TRUE(h.subscribe_peer(1, "t").ok());
  h.tick_to(h.now + 1000);  // heartbeat grafts the only candidate
  h.drain();
  EXPECT_EQ(h.count_control(1, "graft", "t"), 1u);
  ASSERT_TRUE(h.in_mesh("t", 1));
  ASSERT_TRUE(h.prune_from(1, "t", 30).ok());
  EXPECT_FALSE(h.in_mesh("t", 1));
  const std::uint64_t pruned_at = h.now;
  h.clear();
  h.tick_to(pruned_at + 30000);
  h.drain();
  EXPECT_EQ(h.count_control(1, "graft", "t"), 0u);
  h.tick_to(pruned_at + 32000);
  h.drain();
  EXPECT_EQ(h.count_control(1, "graft", "t"), 1u);
  // A PRUNE without backoff (gossipsub v1.0 peer) uses our default of 60 s.
  ASSERT_TRUE(h.prune_from(1, "t", std::nullopt).ok());
  EXPECT_EQ(h.router().backoff_until("t", RouterHarness::peer(1)), h.now + kPruneBackoffMs);
  // An absurd backoff is clamped.
  ASSERT_TRUE(h.prune_from(1, "t", ~std::uint64_t{0}).ok());
  EXPECT_EQ(h.router().backoff_until("t", RouterHarness::peer(1)), h.now + kMaxPruneBackoffSeconds * 1000);
}

TEST(GossipSubRouter, UnsubscribeSendsPruneWithUnsubscribeBackoff) {
  RouterHarness h;
  ASSERT_TRUE(h.router().subscribe("t", h.now).ok());
  h.add(1);
  h.add(2);
  ASSERT_TRUE(h.subscribe_peer(1, "t").ok());
  ASSERT_TRUE(h.graft_from(1, "t").ok());
  h.drain();
  h.clear();
  ASSERT_TRUE(h.router().unsubscribe("t", h.now).ok());
  h.drain();
  auto to_mesh_peer = h.sent_to(1);
  ASSERT_EQ(to_mesh_peer.size(), 1u);
  EXPECT_EQ(to_mesh_peer[0].subscriptions, (std::vector<SubOpts>{{false, "t"}}));
  ASSERT_TRUE(to_mesh_peer[0].control.has_value());
  ASSERT_EQ(to_mesh_peer[0].control->prune.size(), 1u);
  EXPECT_EQ(to_mesh_peer[0].control->prune[0].topic, "t");
  EXPECT_EQ(to_mesh_peer[0].control->prune[0].backoff_seconds, 10u);
  // A non-mesh peer hears of the unsubscription but gets no PRUNE.
  auto to_other = h.sent_to(2);
  ASSERT_EQ(to_other.size(), 1u);
  EXPECT_FALSE(to_other[0].control.has_value());
  EXPECT_FALSE(h.router().is_subscribed("t"));
  EXPECT_TRUE(h.router().unsubscribe("t", h.now).ok());
}

TEST(GossipSubRouter, InvalidMessageIsReportedAndDoesNotShadowTheValidOne) {
  RouterHarness h;
  ASSERT_TRUE(h.router().subscribe("t", h.now).ok());
  h.add(1);
  h.add(2);
  ASSERT_TRUE(h.subscribe_peer(2, "t").ok());
  ASSERT_TRUE(h.graft_from(2, "t").ok());
  const RpcMessage good = build_signed_message(RouterHarness::key(3), "t", to_bytes("payload"), 7);
  RpcMessage forged = good;
  (*forged.data)[0] ^= 1;  // same id, bad signature
  h.drain();
  h.clear();
  Rpc bad_rpc;
  bad_rpc.messages.push_back(forged);
  ASSERT_TRUE(h.send(1, bad_rpc).ok());
  h.drain();
  EXPECT_TRUE(h.delivered.empty());
  EXPECT_EQ(h.messages_to(2), 0u);  // not forwarded
  ASSERT_EQ(h.events.size(), 1u);
  EXPECT_EQ(h.events[0].kind, PeerEvent::Kind::kInvalidMessage);
  EXPECT_EQ(h.events[0].rejection, MessageRejection::kInvalidSignature);
  EXPECT_EQ(h.events[0].peer, RouterHarness::peer(1));
  EXPECT_EQ(h.router().stats().rejected_by_reason[static_cast<int>(MessageRejection::kInvalidSignature)], 1u);

  Rpc good_rpc;
  good_rpc.messages.push_back(good);
  ASSERT_TRUE(h.send(1, good_rpc).ok());
  h.drain();
  ASSERT_EQ(h.delivered.size(), 1u);
  EXPECT_EQ(h.delivered[0].data, to_bytes("payload"));
  EXPECT_EQ(h.delivered[0].author, RouterHarness::peer(3));
  EXPECT_EQ(h.delivered[0].source, RouterHarness::peer(1));
  EXPECT_EQ(h.messages_to(2), 1u);
}

TEST(GossipSubRouter, DuplicatesAreDroppedBeforeVerification) {
  RouterHarness h;
  ASSERT_TRUE(h.router().subscribe("t", h.now).ok());
  h.add(1);
  h.add(2);
  Rpc rpc;
  rpc.messages.push_back(build_signed_message(RouterHarness::key(3), "t", to_bytes("x"), 1));
  ASSERT_TRUE(h.send(1, rpc).ok());
  ASSERT_TRUE(h.send(2, rpc).ok());
  ASSERT_TRUE(h.send(1, rpc).ok());
  h.drain();
  EXPECT_EQ(h.delivered.size(), 1u);
  EXPECT_EQ(h.router().stats().signature_verifications, 1u);
  EXPECT_EQ(h.router().stats().messages_duplicate, 2u);
}

TEST(GossipSubRouter, FloodsubPeerGetsEveryMessageButNoControl) {
  GossipSubConfig config;
  config.flood_publish = false;
  RouterHarness h(config);
  ASSERT_TRUE(h.router().subscribe("t", h.now).ok());
  h.add(1, false, PubsubProtocol::kFloodsub);
  h.add(2);
  h.add(3);
  for (std::size_t i = 1; i <= 3; ++i) ASSERT_TRUE(h.subscribe_peer(i, "t").ok());
  h.tick_to(h.now + 1000);
  ASSERT_TRUE(h.router().publish("t", to_bytes("own"), h.now).ok());
  Rpc forwarded;
  forwarded.messages.push_back(build_signed_message(RouterHarness::key(9), "t", to_bytes("relayed"), 1));
  ASSERT_TRUE(h.send(2, forwarded).ok());
  h.tick_to(h.now + 5000);
  h.drain();
  EXPECT_EQ(h.messages_to(1), 2u);
  for (const Rpc& rpc : h.sent_to(1)) EXPECT_FALSE(rpc.control.has_value());
  EXPECT_FALSE(h.in_mesh("t", 1));
  // Control from a floodsub peer is ignored.
  ASSERT_TRUE(h.graft_from(1, "t").ok());
  EXPECT_FALSE(h.in_mesh("t", 1));
  EXPECT_EQ(h.router().stats().control_from_floodsub_ignored, 1u);
}

TEST(GossipSubRouter, IHaveAsksOnlyForUnseenIdsAndIsRateLimited) {
  RouterHarness h;
  ASSERT_TRUE(h.router().subscribe("t", h.now).ok());
  h.add(1);
  Rpc seen_first;
  const RpcMessage known = build_signed_message(RouterHarness::key(5), "t", to_bytes("k"), 1);
  seen_first.messages.push_back(known);
  ASSERT_TRUE(h.send(1, seen_first).ok());
  const MessageId known_id = compute_message_id(known, SignaturePolicy::kStrictSign).id;
  h.drain();
  h.clear();
  Rpc ihave;
  ihave.control.emplace();
  ihave.control->ihave.push_back(ControlIHave{"t", {known_id, to_bytes("new-1"), to_bytes("new-1")}});
  ihave.control->ihave.push_back(ControlIHave{"other", {to_bytes("new-2")}});
  ASSERT_TRUE(h.send(1, ihave).ok());
  h.drain();
  auto rpcs = h.sent_to(1);
  ASSERT_EQ(rpcs.size(), 1u);
  ASSERT_EQ(rpcs[0].control->iwant.size(), 1u);
  EXPECT_EQ(rpcs[0].control->iwant[0].message_ids, (std::vector<MessageId>{to_bytes("new-1")}));
  // max_ihave_messages (10) IHAVE RPCs per heartbeat: the 11th and later are ignored.
  h.clear();
  for (int i = 0; i < 12; ++i) {
    Rpc more;
    more.control.emplace();
    more.control->ihave.push_back(ControlIHave{"t", {to_bytes(testing::numbered("x-", i))}});
    ASSERT_TRUE(h.send(1, more).ok());
  }
  h.drain();
  EXPECT_EQ(h.sent_to(1).size(), 9u);  // the first RPC above used one of the ten
  EXPECT_EQ(h.router().stats().ihave_ignored, 3u);
  // The count resets at the heartbeat.
  h.tick_to(h.now + 1000);
  h.clear();
  Rpc again;
  again.control.emplace();
  again.control->ihave.push_back(ControlIHave{"t", {to_bytes("y")}});
  ASSERT_TRUE(h.send(1, again).ok());
  h.drain();
  EXPECT_EQ(h.sent_to(1).size(), 1u);
}

TEST(GossipSubRouter, IWantIsServedAtMostGossipRetransmissionTimes) {
  RouterHarness h;
  ASSERT_TRUE(h.router().subscribe("t", h.now).ok());
  h.add(1);
  ASSERT_TRUE(h.subscribe_peer(1, "t").ok());
  auto id = h.router().publish("t", to_bytes("cached"), h.now);
  ASSERT_TRUE(id.ok());
  h.drain();
  h.clear();
  Rpc iwant;
  iwant.control.emplace();
  iwant.control->iwant.push_back(ControlIWant{{*id, to_bytes("unknown")}});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(h.send(1, iwant).ok());
  h.drain();
  EXPECT_EQ(h.messages_to(1), kGossipRetransmission);
  EXPECT_EQ(h.router().stats().iwant_refused_retransmission, 2u);
  // After mcache_history_windows heartbeats the message is gone from the cache.
  h.tick_to(h.now + 6000);
  EXPECT_EQ(h.router().cached_messages(), 0u);
}

TEST(GossipSubRouter, OutboundQueueIsBoundedWhileAPeerIsNotWritable) {
  GossipSubConfig config;
  config.max_queued_bytes_per_peer = 64 * 1024;
  RouterHarness h(config);
  ASSERT_TRUE(h.router().subscribe("t", h.now).ok());
  h.add(1);
  ASSERT_TRUE(h.subscribe_peer(1, "t").ok());
  h.drain();
  h.router().set_peer_writable(RouterHarness::peer(1), false);
  const Bytes payload(8 * 1024, 0x33);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(h.router().publish("t", payload, h.now).ok());
    EXPECT_LE(h.router().queued_bytes(RouterHarness::peer(1)), config.max_queued_bytes_per_peer);
  }
  EXPECT_FALSE(h.router().poll_effect().has_value());  // nothing leaves while not writable
  EXPECT_GT(h.router().stats().frames_dropped, 0u);
  const std::size_t queued = h.router().queued_frames(RouterHarness::peer(1));
  EXPECT_EQ(queued + h.router().stats().frames_dropped, 50u);
  h.router().set_peer_writable(RouterHarness::peer(1), true);
  h.clear();
  h.drain();
  EXPECT_EQ(h.messages_to(1), queued);
  EXPECT_EQ(h.router().queued_bytes(RouterHarness::peer(1)), 0u);
}

TEST(GossipSubRouter, BrokenFramingIsAStreamErrorAndBadRpcsAreDropped) {
  RouterHarness h;
  ASSERT_TRUE(h.router().subscribe("t", h.now).ok());
  h.add(1);
  // A frame whose RPC is malformed, then a valid one: the first is reported, the second handled.
  Bytes stream = {0x02, 0x12, 0x05};
  Rpc sub;
  sub.subscriptions.push_back(SubOpts{true, "t"});
  const Bytes good = encode_rpc_frame(sub);
  stream.insert(stream.end(), good.begin(), good.end());
  ASSERT_TRUE(h.router().handle_stream_data(RouterHarness::peer(1), stream, h.now).ok());
  h.drain();
  EXPECT_EQ(h.router().stats().rpc_decode_errors, 1u);
  EXPECT_EQ(h.router().peer_topics(RouterHarness::peer(1)), (std::vector<std::string>{"t"}));
  ASSERT_GE(h.events.size(), 1u);
  EXPECT_EQ(h.events[0].kind, PeerEvent::Kind::kInvalidRpc);
  // An oversize announced length breaks the stream until it is reset.
  Bytes oversize;
  codec::put_varint(oversize, kMaxRpcBytes + 1);
  Status broken = h.router().handle_stream_data(RouterHarness::peer(1), oversize, h.now);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, Errc::kLimitExceeded);
  EXPECT_FALSE(h.router().handle_stream_data(RouterHarness::peer(1), good, h.now).ok());
  h.router().reset_inbound_stream(RouterHarness::peer(1));
  EXPECT_TRUE(h.router().handle_stream_data(RouterHarness::peer(1), good, h.now).ok());
  EXPECT_EQ(h.router().stats().stream_errors, 1u);
  // Unknown peers are errors.
  EXPECT_EQ(h.router().handle_stream_data(RouterHarness::peer(7), good, h.now).error().code, Errc::kNotFound);
}

TEST(GossipSubRouter, PublishWithNobodyToSendToFailsWithoutTrace) {
  RouterHarness h;
  auto result = h.router().publish("t", to_bytes("x"), h.now);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kNotFound);
  EXPECT_EQ(h.router().seen_size(), 0u);
  EXPECT_EQ(h.router().cached_messages(), 0u);
  EXPECT_EQ(h.router().publish("", to_bytes("x"), h.now).error().code, Errc::kInvalidInput);
  EXPECT_EQ(h.router().publish("t", Bytes(kMaxPublishDataBytes + 1), h.now).error().code,
            Errc::kLimitExceeded);
  GossipSubConfig permissive;
  permissive.allow_publish_to_zero_peers = true;
  RouterHarness p(permissive);
  EXPECT_TRUE(p.router().publish("t", to_bytes("x"), p.now).ok());
}

TEST(GossipSubRouter, PrevalidatedRpcsAreTrustedButMustMatchThePolicy) {
  RouterHarness h;
  ASSERT_TRUE(h.router().subscribe("t", h.now).ok());
  h.add(1);
  Rpc rpc;
  rpc.messages.push_back(build_signed_message(RouterHarness::key(4), "t", to_bytes("a"), 1));
  RpcMessage bad = build_signed_message(RouterHarness::key(4), "t", to_bytes("b"), 2);
  bad.signature->at(0) ^= 1;
  rpc.messages.push_back(bad);
  // The worker-thread half.
  Result<PrevalidatedRpc> pre = prevalidate_rpc(encode_rpc(rpc), SignaturePolicy::kStrictSign);
  ASSERT_TRUE(pre.ok());
  PrevalidatedRpc wrong_policy = *pre;
  wrong_policy.policy = SignaturePolicy::kStrictNoSign;
  EXPECT_EQ(h.router().handle_prevalidated(RouterHarness::peer(1), wrong_policy, h.now).error().code,
            Errc::kInvalidInput);
  PrevalidatedRpc wrong_count = *pre;
  wrong_count.verdicts.pop_back();
  EXPECT_FALSE(h.router().handle_prevalidated(RouterHarness::peer(1), wrong_count, h.now).ok());
  // The router-thread half. The same RPC twice (e.g. from two workers) is still delivered once.
  ASSERT_TRUE(h.router().handle_prevalidated(RouterHarness::peer(1), *pre, h.now).ok());
  ASSERT_TRUE(h.router().handle_prevalidated(RouterHarness::peer(1), std::move(pre).value(), h.now).ok());
  h.drain();
  ASSERT_EQ(h.delivered.size(), 1u);
  EXPECT_EQ(h.delivered[0].data, to_bytes("a"));
  EXPECT_EQ(h.router().stats().signature_verifications, 0u);  // done by the worker
  EXPECT_EQ(h.router().stats().messages_rejected, 2u);
  EXPECT_EQ(h.router().stats().messages_duplicate, 1u);
}

TEST(GossipSubRouter, SeenCacheBoundHoldsUnderAFlood) {
  GossipSubConfig config;
  config.max_seen_ids = 50;
  RouterHarness h(config);
  ASSERT_TRUE(h.router().subscribe("t", h.now).ok());
  h.add(1);
  const PrivateKey author = RouterHarness::key(6);
  for (std::uint64_t i = 0; i < 500; ++i) {
    Rpc rpc;
    rpc.messages.push_back(build_signed_message(author, "t", to_bytes(testing::numbered("m", i)), i));
    ASSERT_TRUE(h.send(1, rpc).ok());
    EXPECT_LE(h.router().seen_size(), 50u);
  }
  h.drain();
  EXPECT_EQ(h.delivered.size(), 500u);
  EXPECT_EQ(h.router().seen_size(), 50u);
  // Within the bound, a repeat is still caught.
  Rpc repeat;
  repeat.messages.push_back(build_signed_message(author, "t", to_bytes("m499"), 499));
  ASSERT_TRUE(h.send(1, repeat).ok());
  h.drain();
  EXPECT_EQ(h.delivered.size(), 500u);
  // Entries also leave after the TTL.
  h.tick_to(h.now + kSeenTtlMs + 2000);
  EXPECT_EQ(h.router().seen_size(), 0u);
}

TEST(GossipSubRouter, MessagesOnTopicsWeAreNotInAreIgnored) {
  RouterHarness h;
  h.add(1);
  Rpc rpc;
  rpc.messages.push_back(build_signed_message(RouterHarness::key(2), "elsewhere", to_bytes("x"), 1));
  ASSERT_TRUE(h.send(1, rpc).ok());
  h.drain();
  EXPECT_TRUE(h.delivered.empty());
  EXPECT_EQ(h.router().stats().messages_unsubscribed_topic, 1u);
  EXPECT_EQ(h.router().stats().signature_verifications, 0u);
}

TEST(GossipSubRouter, PerPeerSubscriptionsAreBounded) {
  GossipSubConfig config;
  config.max_topics_per_peer = 3;
  RouterHarness h(config);
  h.add(1);
  Rpc rpc;
  for (int i = 0; i < 5; ++i) rpc.subscriptions.push_back(SubOpts{true, testing::numbered("topic-", i)});
  rpc.subscriptions.push_back(SubOpts{true, ""});
  ASSERT_TRUE(h.send(1, rpc).ok());
  EXPECT_EQ(h.router().peer_topics(RouterHarness::peer(1)).size(), 3u);
  EXPECT_EQ(h.router().stats().subscriptions_ignored, 3u);
  // Leaving frees room.
  ASSERT_TRUE(h.subscribe_peer(1, "topic-0", false).ok());
  ASSERT_TRUE(h.subscribe_peer(1, "topic-4").ok());
  EXPECT_EQ(h.router().peer_topics(RouterHarness::peer(1)),
            (std::vector<std::string>{"topic-1", "topic-2", "topic-4"}));
}

TEST(GossipSubRouter, RemovedPeerLeavesNoState) {
  RouterHarness h;
  ASSERT_TRUE(h.router().subscribe("t", h.now).ok());
  h.add(1);
  ASSERT_TRUE(h.subscribe_peer(1, "t").ok());
  ASSERT_TRUE(h.graft_from(1, "t").ok());
  ASSERT_TRUE(h.router().publish("t", to_bytes("x"), h.now).ok());
  h.router().remove_peer(RouterHarness::peer(1));
  EXPECT_FALSE(h.router().has_peer(RouterHarness::peer(1)));
  EXPECT_TRUE(h.router().mesh_peers("t").empty());
  h.drain();  // queued frames of the removed peer are gone
  for (auto& [peer, rpc] : h.sent) EXPECT_NE(peer, RouterHarness::peer(1));
  h.router().remove_peer(RouterHarness::peer(1));  // harmless
}

}  // namespace
}  // namespace ff::net
