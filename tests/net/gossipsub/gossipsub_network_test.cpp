// Several routers wired together by the in-test network (gossip_network.hpp): delivery,
// forwarding, mesh formation and repair end to end.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/codec/varint.hpp"
#include "net/gossipsub/gossipsub.hpp"
#include "tests/net/gossipsub/gossip_network.hpp"
#include "tests/support/seeds.hpp"

namespace ff::net {
namespace {

using ff::net::testing::Frame;
using ff::net::testing::GossipNetwork;

const std::string kTopic = "fabric/alpha";

// The RPC inside a frame (the frames the network moves are length-prefixed).
Rpc decode_frame(const Bytes& frame) {
  auto length = codec::get_varint(frame);
  EXPECT_TRUE(length.ok());
  auto rpc = decode_rpc(ByteView(frame).subspan(length->length));
  EXPECT_TRUE(rpc.ok());
  return rpc.ok() ? std::move(rpc).value() : Rpc{};
}

void subscribe_all(GossipNetwork& net, const std::string& topic) {
  for (std::size_t i = 0; i < net.size(); ++i) ASSERT_TRUE(net.router(i).subscribe(topic, net.now_ms()).ok());
  net.settle();
}

TEST(GossipSubNetwork, TwoNodesExchangeTenThousandMessagesWithoutLossOrDuplication) {
  GossipNetwork net(2, 11);
  net.chunked = true;  // frames arrive in 1..16 byte pieces
  net.connect(0, 1);
  subscribe_all(net, kTopic);
  net.advance(2000);
  ASSERT_EQ(net.router(0).mesh_peers(kTopic).size(), 1u);

  // Keyed by the id as a string: g++ 12 warns falsely on std::map<std::vector<uint8_t>> at -O3.
  std::map<std::string, std::pair<std::size_t, std::string>> published;  // id -> (publisher, payload)
  for (int i = 0; i < 10000; ++i) {
    const std::size_t from = static_cast<std::size_t>(i % 2);
    const std::string payload = testing::numbered("message ", i);
    auto id = net.router(from).publish(kTopic, to_bytes(payload), net.now_ms());
    ASSERT_TRUE(id.ok()) << id.error().message;
    ASSERT_TRUE(published.emplace(std::string(as_chars(*id)), std::make_pair(from, payload)).second)
        << "duplicate id";
    if (i % 100 == 99) net.advance(50);  // heartbeats run in between
  }
  net.advance(3000);
  for (std::size_t node = 0; node < 2; ++node) {
    std::map<std::string, std::size_t> counts;
    for (const Deliver& d : net.node(node).delivered) {
      ++counts[std::string(as_chars(d.id))];
      const auto& [publisher, payload] = published.at(std::string(as_chars(d.id)));
      EXPECT_NE(publisher, node) << "own message delivered back";
      EXPECT_EQ(d.data, to_bytes(payload));
      EXPECT_EQ(d.author, net.id(publisher));
      EXPECT_EQ(d.topic, kTopic);
    }
    EXPECT_EQ(counts.size(), 5000u) << "node " << node;
    for (const auto& [id, count] : counts) ASSERT_EQ(count, 1u);
    EXPECT_EQ(net.router(node).stats().frames_dropped, 0u);
    EXPECT_EQ(net.router(node).stats().messages_rejected, 0u);
  }
}

TEST(GossipSubNetwork, LineForwardsFromEndToEnd) {
  GossipNetwork net(3, 12);
  net.connect(0, 1);
  net.connect(1, 2);
  subscribe_all(net, kTopic);
  net.advance(2000);
  auto first = net.router(0).publish(kTopic, to_bytes("from A"), net.now_ms());
  auto second = net.router(2).publish(kTopic, to_bytes("from C"), net.now_ms());
  ASSERT_TRUE(first.ok() && second.ok());
  net.settle();
  EXPECT_EQ(net.deliveries(1, *first), 1u);
  EXPECT_EQ(net.deliveries(2, *first), 1u);
  EXPECT_EQ(net.deliveries(0, *second), 1u);
  EXPECT_EQ(net.deliveries(1, *second), 1u);
  EXPECT_EQ(net.deliveries(0, *first), 0u);
  // C got A's message from B, signed by A.
  const Deliver& at_c = net.node(2).delivered.front();
  EXPECT_EQ(at_c.source, net.id(1));
  EXPECT_EQ(at_c.author, net.id(0));
  // Nobody sends a message back where it came from: in a line no copy is ever redundant.
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(net.router(i).stats().messages_duplicate, 0u) << "node " << i;
}

// A random graph on `count` nodes where every node has at least `min_degree` neighbours.
void connect_randomly(GossipNetwork& net, Rng& rng, std::size_t min_degree) {
  const std::size_t count = net.size();
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t degree = 0;
    for (std::size_t j = 0; j < count; ++j) degree += (j != i && net.connected(i, j)) ? 1 : 0;
    while (degree < min_degree) {
      const std::size_t j = rng.below(count);
      if (j == i || net.connected(i, j)) continue;
      net.connect(i, j);
      ++degree;
    }
  }
}

TEST(GossipSubNetwork, EightNodesConvergeAndDeliverExactlyOnce) {
  GossipSubConfig config;
  config.flood_publish = false;
  for (std::uint64_t seed : ff::testing::property_seeds(4)) {
    GossipNetwork net(8, seed, config);
    Rng rng(seed);
    connect_randomly(net, rng, kGossipSubDlo);
    subscribe_all(net, kTopic);
    net.advance(5000);
    // Mesh degrees within [Dlo, Dhi] and links symmetric.
    for (std::size_t i = 0; i < net.size(); ++i) {
      const auto mesh = net.router(i).mesh_peers(kTopic);
      EXPECT_GE(mesh.size(), kGossipSubDlo) << "node " << i << ff::testing::seed_note(seed);
      EXPECT_LE(mesh.size(), kGossipSubDhi) << "node " << i << ff::testing::seed_note(seed);
      for (const PeerId& peer : mesh) {
        const auto other = net.router(net.index_of(peer)).mesh_peers(kTopic);
        EXPECT_NE(std::find(other.begin(), other.end(), net.id(i)), other.end())
            << "asymmetric mesh link " << i << ff::testing::seed_note(seed);
      }
    }
    // Every message reaches every other subscriber exactly once, with flood publishing off so
    // the mesh does the work.
    std::vector<std::pair<MessageId, std::size_t>> ids;
    for (int m = 0; m < 40; ++m) {
      const std::size_t from = rng.below(net.size());
      auto id = net.router(from).publish(kTopic, to_bytes(testing::numbered("m", m)), net.now_ms());
      ASSERT_TRUE(id.ok()) << ff::testing::seed_note(seed);
      ids.emplace_back(*id, from);
      if (m % 10 == 9) net.advance(300);
    }
    net.advance(2000);
    for (const auto& [id, from] : ids) {
      for (std::size_t i = 0; i < net.size(); ++i) {
        EXPECT_EQ(net.deliveries(i, id), i == from ? 0u : 1u) << "node " << i << ff::testing::seed_note(seed);
      }
    }
  }
}

TEST(GossipSubNetwork, MeshDegreeStaysWithinBoundsWithManyPeers) {
  // A hub with 20 peers, half dialled by the hub: the mesh settles within [Dlo, Dhi] with at
  // least Dout outbound members, whatever the peers graft.
  GossipNetwork net(21, 21);
  for (std::size_t i = 1; i <= 20; ++i) {
    if (i % 2 == 0)
      net.connect(0, i);  // hub dials
    else
      net.connect(i, 0);
  }
  // Leaves also know each other a little, so their meshes have options.
  for (std::size_t i = 1; i <= 20; ++i) net.connect(i, 1 + (i % 20));
  subscribe_all(net, kTopic);
  for (int round = 0; round < 10; ++round) {
    net.advance(1000);
    const auto mesh = net.router(0).mesh_peers(kTopic);
    // Round 0: every leaf grafted the hub at once, and outbound peers may join a full mesh
    // until the next heartbeat prunes it (spec v1.1 "Outbound Mesh Quotas").
    if (round >= 1) {
      EXPECT_LE(mesh.size(), kGossipSubDhi) << "round " << round;
      EXPECT_GE(mesh.size(), kGossipSubDlo) << "round " << round;
      std::size_t outbound = 0;
      for (const PeerId& peer : mesh) outbound += (net.index_of(peer) % 2 == 0) ? 1 : 0;
      EXPECT_GE(outbound, kGossipSubDout) << "round " << round;
    }
  }
}

TEST(GossipSubNetwork, IHaveIWantRecoversAMessageDroppedOnTheMeshLink) {
  // D = 1, Dhi = 2 and three peers: A's mesh leaves at least one peer to gossip to. Every
  // copy A sends on its mesh links is lost, so the message can only spread through IHAVE
  // from A, IWANT back, and the peers' own forwarding and gossip.
  GossipSubConfig config;
  config.d = 1;
  config.d_lo = 1;
  config.d_hi = 2;
  config.d_out = 0;
  config.d_lazy = 3;
  config.flood_publish = false;
  GossipNetwork net(4, 13, config);
  // The others dial A, so A's GRAFTs are accepted even by a full mesh (A is outbound to them).
  for (std::size_t i = 1; i <= 3; ++i) net.connect(i, 0);
  net.connect(1, 2);
  net.connect(2, 3);
  net.connect(3, 1);
  subscribe_all(net, kTopic);
  net.advance(3000);
  const auto mesh = net.router(0).mesh_peers(kTopic);
  ASSERT_GE(mesh.size(), 1u);
  ASSERT_LE(mesh.size(), 2u);
  std::set<std::size_t> mesh_peers;
  for (const PeerId& peer : mesh) mesh_peers.insert(net.index_of(peer));

  net.filter = [&](const Frame& frame) {
    if (frame.from != 0 || mesh_peers.count(frame.to) == 0) return true;
    return decode_frame(frame.bytes).messages.empty();
  };
  auto id = net.router(0).publish(kTopic, to_bytes("lost then found"), net.now_ms());
  ASSERT_TRUE(id.ok()) << id.error().message;
  net.settle();
  EXPECT_EQ(net.frames_dropped_by_filter, mesh_peers.size());
  for (std::size_t i = 1; i <= 3; ++i) EXPECT_EQ(net.deliveries(i, *id), 0u) << "node " << i;
  net.advance(4000);
  for (std::size_t i = 1; i <= 3; ++i) EXPECT_EQ(net.deliveries(i, *id), 1u) << "node " << i;
  EXPECT_GE(net.router(0).stats().iwant_messages_served, 1u);
  std::uint64_t asked = 0;
  for (std::size_t i = 1; i <= 3; ++i) asked += net.router(i).stats().iwant_ids_sent;
  EXPECT_GE(asked, 1u);
}

TEST(GossipSubNetwork, FanoutPublishWithoutSubscribing) {
  GossipSubConfig config;
  config.flood_publish = false;
  GossipNetwork net(3, 14, config);
  net.connect(0, 1);
  net.connect(0, 2);
  ASSERT_TRUE(net.router(1).subscribe(kTopic, net.now_ms()).ok());
  ASSERT_TRUE(net.router(2).subscribe(kTopic, net.now_ms()).ok());
  net.advance(2000);
  ASSERT_FALSE(net.router(0).is_subscribed(kTopic));
  auto id = net.router(0).publish(kTopic, to_bytes("via fanout"), net.now_ms());
  ASSERT_TRUE(id.ok()) << id.error().message;
  net.settle();
  EXPECT_EQ(net.deliveries(1, *id), 1u);
  EXPECT_EQ(net.deliveries(2, *id), 1u);
  EXPECT_EQ(net.node(0).delivered.size(), 0u);
  EXPECT_EQ(net.router(0).fanout_peers(kTopic).size(), 2u);
  // No GRAFT for a fanout topic: the subscribers' meshes do not contain the publisher.
  EXPECT_TRUE(net.router(1).mesh_peers(kTopic).empty());
  // The fanout expires fanout_ttl after the last publish.
  net.advance(kFanoutTtlMs - 2000);
  EXPECT_EQ(net.router(0).fanout_peers(kTopic).size(), 2u);
  net.advance(3000);
  EXPECT_TRUE(net.router(0).fanout_peers(kTopic).empty());
  // Subscribing later builds a mesh (fanout peers first).
  auto again = net.router(0).publish(kTopic, to_bytes("fanout again"), net.now_ms());
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(net.router(0).subscribe(kTopic, net.now_ms()).ok());
  net.settle();
  EXPECT_EQ(net.router(0).mesh_peers(kTopic).size(), 2u);
  EXPECT_TRUE(net.router(0).fanout_peers(kTopic).empty());
}

TEST(GossipSubNetwork, StrictNoSignNetworkDelivers) {
  GossipSubConfig config;
  config.signature_policy = SignaturePolicy::kStrictNoSign;
  GossipNetwork net(3, 15, config);
  net.connect(0, 1);
  net.connect(1, 2);
  net.log_frames = true;
  subscribe_all(net, kTopic);
  net.advance(2000);
  auto id = net.router(0).publish(kTopic, to_bytes("anonymous"), net.now_ms());
  ASSERT_TRUE(id.ok());
  net.settle();
  EXPECT_EQ(net.deliveries(1, *id), 1u);
  EXPECT_EQ(net.deliveries(2, *id), 1u);
  EXPECT_FALSE(net.node(2).delivered.front().author.has_value());
  // On the wire: no from, seqno, signature or key.
  std::size_t messages_seen = 0;
  for (const Frame& frame : net.sent_log) {
    for (const RpcMessage& m : decode_frame(frame.bytes).messages) {
      ++messages_seen;
      EXPECT_FALSE(m.from || m.seqno || m.signature || m.key);
    }
  }
  EXPECT_GE(messages_seen, 2u);
  // The same payload again is the same message (content-addressed id): refused at publish.
  EXPECT_FALSE(net.router(0).publish(kTopic, to_bytes("anonymous"), net.now_ms()).ok());
}

TEST(GossipSubNetwork, MixedPoliciesRejectEachOther) {
  GossipNetwork net(1, 16);
  GossipSubConfig no_sign;
  no_sign.signature_policy = SignaturePolicy::kStrictNoSign;
  const std::size_t anon = net.add_node(no_sign);
  net.connect(0, anon);
  subscribe_all(net, kTopic);
  net.advance(2000);
  ASSERT_TRUE(net.router(0).publish(kTopic, to_bytes("signed"), net.now_ms()).ok());
  ASSERT_TRUE(net.router(anon).publish(kTopic, to_bytes("unsigned"), net.now_ms()).ok());
  net.settle();
  EXPECT_TRUE(net.node(0).delivered.empty());
  EXPECT_TRUE(net.node(anon).delivered.empty());
  EXPECT_EQ(net.router(0).stats().rejected_by_reason[static_cast<int>(MessageRejection::kMissingSeqno)], 1u);
  EXPECT_EQ(
      net.router(anon).stats().rejected_by_reason[static_cast<int>(MessageRejection::kUnexpectedSignature)],
      1u);
}

TEST(GossipSubNetwork, BadSignatureIsNeitherDeliveredNorForwarded) {
  GossipNetwork net(3, 17);
  net.connect(0, 1);
  net.connect(1, 2);
  subscribe_all(net, kTopic);
  net.advance(2000);
  // A corrupts the payload of its message in transit to B (after signing).
  net.filter = [&](const Frame& frame) {
    if (frame.from != 0) return true;
    Rpc rpc = decode_frame(frame.bytes);
    if (rpc.messages.empty()) return true;
    for (RpcMessage& m : rpc.messages) (*m.data)[0] ^= 0x20;
    EXPECT_TRUE(net.router(1).handle_rpc(net.id(0), encode_rpc(rpc), net.now_ms()).ok());
    return false;  // the tampered copy was delivered by hand above
  };
  auto id = net.router(0).publish(kTopic, to_bytes("genuine"), net.now_ms());
  ASSERT_TRUE(id.ok());
  net.settle();
  net.advance(3000);
  EXPECT_EQ(net.deliveries(1, *id), 0u);
  EXPECT_EQ(net.deliveries(2, *id), 0u);
  EXPECT_EQ(net.router(1).stats().rejected_by_reason[static_cast<int>(MessageRejection::kInvalidSignature)],
            1u);
  EXPECT_EQ(net.router(2).stats().messages_received, 0u);
  bool reported = false;
  for (const PeerEvent& e : net.node(1).events) {
    reported |= e.kind == PeerEvent::Kind::kInvalidMessage && e.peer == net.id(0) &&
                e.rejection == MessageRejection::kInvalidSignature;
  }
  EXPECT_TRUE(reported);
}

TEST(GossipSubNetwork, FloodsubPeerReceivesMessages) {
  // Node 2 is seen by node 1 as a floodsub peer (e.g. a js node that fell back to
  // /floodsub/1.0.0); it still gets everything on its topics, and no control.
  GossipSubConfig config;
  config.flood_publish = false;
  GossipNetwork net(3, 18, config);
  net.connect(0, 1);
  net.connect(1, 2, PubsubProtocol::kFloodsub, PubsubProtocol::kFloodsub);
  net.log_frames = true;
  subscribe_all(net, kTopic);
  net.advance(3000);
  auto a = net.router(0).publish(kTopic, to_bytes("from A"), net.now_ms());
  auto b = net.router(1).publish(kTopic, to_bytes("from B"), net.now_ms());
  ASSERT_TRUE(a.ok() && b.ok());
  net.settle();
  net.advance(2000);
  EXPECT_EQ(net.deliveries(2, *a), 1u);
  EXPECT_EQ(net.deliveries(2, *b), 1u);
  EXPECT_EQ(net.deliveries(0, *b), 1u);
  for (const Frame& frame : net.sent_log) {
    if ((frame.from == 1 && frame.to == 2) || (frame.from == 2 && frame.to == 1)) {
      EXPECT_FALSE(decode_frame(frame.bytes).control.has_value());
    }
  }
}

TEST(GossipSubNetwork, RunIsReproducibleFromItsSeed) {
  auto run = [](std::uint64_t seed) {
    GossipNetwork net(6, seed);
    Rng rng(seed);
    connect_randomly(net, rng, 3);
    net.log_frames = true;
    subscribe_all(net, kTopic);
    net.advance(3000);
    for (int m = 0; m < 5; ++m)
      EXPECT_TRUE(net.router(m % 6).publish(kTopic, to_bytes(testing::numbered("x", m)), net.now_ms()).ok());
    net.advance(2000);
    std::vector<Bytes> frames;
    for (const Frame& f : net.sent_log) frames.push_back(f.bytes);
    return frames;
  };
  EXPECT_EQ(run(99), run(99));
  EXPECT_NE(run(99), run(100));
}

}  // namespace
}  // namespace ff::net
