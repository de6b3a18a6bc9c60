// Two (or more) swarms in one process on one io_context, talking over real loopback
// sockets: the upgrade pipeline, identify, ping, echo streams, perf, gossipsub, and that a
// misbehaving connection is closed while the others keep being served.
#include "net/swarm/swarm.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first
#include <vector>

namespace ff::net {
namespace {

using namespace std::chrono_literals;

// Runs the loop until `done()` or `limit` passes; returns done().
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_one_for(10ms);
  }
  return done();
}

struct Node {
  std::unique_ptr<Swarm> swarm;
  std::vector<ConnectionInfo> connected;
  std::vector<std::string> disconnect_reasons;
  std::vector<std::pair<PeerId, IdentifyResult>> identified;
  std::vector<Deliver> messages;
  std::vector<std::pair<PeerId, std::string>> subscriptions;
  Multiaddr addr;  // the first listen address, with /p2p
};

std::unique_ptr<Node> make_node(boost::asio::io_context& io,
                                const std::string& listen = "/ip4/127.0.0.1/tcp/0", SwarmConfig config = {}) {
  auto node = std::make_unique<Node>();
  Node* raw = node.get();
  SwarmObserver observer;
  observer.on_connected = [raw](const ConnectionInfo& info) { raw->connected.push_back(info); };
  observer.on_disconnected = [raw](const ConnectionInfo&, const std::string& reason) {
    raw->disconnect_reasons.push_back(reason);
  };
  observer.on_identify = [raw](const PeerId& peer, const IdentifyResult& result) {
    raw->identified.emplace_back(peer, result);
  };
  observer.on_message = [raw](const Deliver& message) { raw->messages.push_back(message); };
  observer.on_subscription = [raw](const PeerId& peer, const std::string& topic, bool subscribed) {
    if (subscribed) raw->subscriptions.emplace_back(peer, topic);
  };
  auto key = PrivateKey::generate_ed25519();
  EXPECT_TRUE(key.ok());
  auto swarm = Swarm::create(io, std::move(*key), std::move(config), std::move(observer));
  EXPECT_TRUE(swarm.ok()) << swarm.error().message;
  node->swarm = std::move(*swarm);
  auto addr = Multiaddr::parse(listen);
  EXPECT_TRUE(addr.ok());
  auto bound = node->swarm->listen(*addr);
  EXPECT_TRUE(bound.ok()) << bound.error().message;
  node->addr = *bound;
  return node;
}

// Dials b from a and waits until both sides see the connection and each identified the other.
void connect_and_identify(boost::asio::io_context& io, Node& a, Node& b) {
  std::optional<Result<ConnectionInfo>> dialled;
  a.swarm->dial(b.addr, [&](Result<ConnectionInfo> result) { dialled = std::move(result); });
  ASSERT_TRUE(run_until(io, [&] { return dialled.has_value(); }));
  ASSERT_TRUE(dialled->ok()) << dialled->error().message;
  EXPECT_EQ((*dialled)->peer, b.swarm->peer_id());
  EXPECT_EQ((*dialled)->direction, Direction::kOutbound);
  ASSERT_TRUE(run_until(io, [&] { return !a.identified.empty() && !b.identified.empty(); }));
}

class SwarmTransportTest : public ::testing::TestWithParam<const char*> {};

TEST_P(SwarmTransportTest, ConnectsIdentifiesBothWaysAndPings) {
  boost::asio::io_context io;
  auto a = make_node(io, GetParam());
  auto b = make_node(io, GetParam());
  connect_and_identify(io, *a, *b);

  ASSERT_EQ(b->connected.size(), 1u);
  EXPECT_EQ(b->connected[0].peer, a->swarm->peer_id());
  EXPECT_EQ(b->connected[0].direction, Direction::kInbound);
  const bool ws = std::string(GetParam()).find("/ws") != std::string::npos;
  EXPECT_EQ(b->connected[0].addr.to_string().find("/ws") != std::string::npos, ws);

  // What A learned about B: B's key, protocols, listen address and what B saw of A.
  const auto& [peer, info] = a->identified[0];
  EXPECT_EQ(peer, b->swarm->peer_id());
  for (const char* protocol :
       {"/ipfs/id/1.0.0", "/ipfs/ping/1.0.0", "/ff-test/echo/1.0.0", "/meshsub/1.1.0"}) {
    EXPECT_NE(std::find(info.protocols.begin(), info.protocols.end(), protocol), info.protocols.end())
        << protocol;
  }
  ASSERT_EQ(info.listen_addrs.size(), 1u);
  EXPECT_EQ(info.listen_addrs[0], b->swarm->listen_addrs()[0]);
  ASSERT_TRUE(info.observed_addr.has_value());
  const std::string observed = info.observed_addr->to_string();
  EXPECT_TRUE(observed.rfind("/ip4/127.0.0.1/tcp/", 0) == 0 || observed.rfind("/ip6/::1/tcp/", 0) == 0)
      << observed;
  EXPECT_EQ(observed.find("/ws") != std::string::npos, ws) << observed;
  EXPECT_EQ(info.agent_version, std::optional<std::string>(std::string(kFluidFabricAgentVersion)));

  for (auto [self, other] : {std::pair{a.get(), b.get()}, std::pair{b.get(), a.get()}}) {
    std::optional<Result<double>> rtt;
    self->swarm->ping(other->swarm->peer_id(), [&](Result<double> result) { rtt = std::move(result); });
    ASSERT_TRUE(run_until(io, [&] { return rtt.has_value(); }));
    ASSERT_TRUE(rtt->ok()) << rtt->error().message;
    EXPECT_GE(**rtt, 0.0);
    EXPECT_LT(**rtt, 2000.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Transports, SwarmTransportTest,
                         ::testing::Values("/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/0/ws",
                                           "/ip6/::1/tcp/0"));

TEST(SwarmTest, EchoesManyConcurrentStreamsIntact) {
  boost::asio::io_context io;
  auto a = make_node(io);
  auto b = make_node(io);
  connect_and_identify(io, *a, *b);
  // 64 streams x 512 KiB: beyond the 256 KiB initial Yamux window, so flow control and the
  // echo server's backpressure are exercised; the client checks every byte against the
  // per-stream pattern.
  std::optional<Result<EchoResult>> result;
  a->swarm->echo(b->swarm->peer_id(), 64, 512 * 1024, [&](Result<EchoResult> r) { result = std::move(r); });
  ASSERT_TRUE(run_until(
      io, [&] { return result.has_value(); }, 60s));
  ASSERT_TRUE(result->ok()) << result->error().message;
  EXPECT_EQ((*result)->streams, 64u);
  EXPECT_EQ((*result)->bytes, 512u * 1024);
}

TEST(SwarmTest, PerfTransfersExactlyTheRequestedBytes) {
  boost::asio::io_context io;
  auto a = make_node(io);
  auto b = make_node(io);
  connect_and_identify(io, *a, *b);
  std::optional<Result<PerfResult>> result;
  a->swarm->perf(b->swarm->peer_id(), 3 * 1024 * 1024 + 7, 5 * 1024 * 1024 + 3,
                 [&](Result<PerfResult> r) { result = std::move(r); });
  ASSERT_TRUE(run_until(
      io, [&] { return result.has_value(); }, 60s));
  ASSERT_TRUE(result->ok()) << result->error().message;
  EXPECT_EQ((*result)->upload_bytes, 3u * 1024 * 1024 + 7);
  EXPECT_EQ((*result)->download_bytes, 5u * 1024 * 1024 + 3);
}

TEST(SwarmTest, GossipDeliversEveryMessageOnceWithItsAuthor) {
  boost::asio::io_context io;
  auto a = make_node(io);
  auto b = make_node(io);
  ASSERT_TRUE(a->swarm->subscribe("t").ok());
  ASSERT_TRUE(b->swarm->subscribe("t").ok());
  connect_and_identify(io, *a, *b);
  ASSERT_TRUE(run_until(io, [&] { return !a->subscriptions.empty() && !b->subscriptions.empty(); }));
  constexpr int kCount = 500;
  for (int i = 0; i < kCount; ++i) {
    const std::string text = "m" + std::to_string(i);
    auto sent =
        a->swarm->publish("t", ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    ASSERT_TRUE(sent.ok()) << sent.error().message;
    EXPECT_EQ(*sent, 1u);
  }
  ASSERT_TRUE(run_until(io, [&] { return b->messages.size() >= kCount; }));
  run_until(
      io, [] { return false; }, 200ms);  // duplicates would arrive now
  ASSERT_EQ(b->messages.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    const auto& message = b->messages[static_cast<std::size_t>(i)];
    EXPECT_EQ(std::string(message.data.begin(), message.data.end()), "m" + std::to_string(i));
    ASSERT_TRUE(message.author.has_value());
    EXPECT_EQ(*message.author, a->swarm->peer_id());
    EXPECT_EQ(message.source, a->swarm->peer_id());
  }
  EXPECT_TRUE(a->messages.empty()) << "our own messages are not delivered back";
}

// Signatures are verified on the worker threads; with tiny bounds the event loop also
// verifies (back-pressure) and the order of arrival must survive both paths.
TEST(SwarmTest, GossipVerifiedOffTheLoopKeepsArrivalOrderUnderBackPressure) {
  boost::asio::io_context io;
  SwarmConfig config;
  config.gossip_verify_threads = 2;
  config.gossip_verify_max_pending_rpcs = 2;
  config.gossip_verify_max_pending_verifications = 3;
  auto a = make_node(io, "/ip4/127.0.0.1/tcp/0", config);
  auto b = make_node(io, "/ip4/127.0.0.1/tcp/0", config);
  ASSERT_TRUE(a->swarm->subscribe("t").ok());
  ASSERT_TRUE(b->swarm->subscribe("t").ok());
  connect_and_identify(io, *a, *b);
  ASSERT_TRUE(run_until(io, [&] { return !a->subscriptions.empty() && !b->subscriptions.empty(); }));
  constexpr int kRounds = 20;
  constexpr int kPerRound = 50;
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kPerRound; ++i) {
      std::string text = "m";
      text += std::to_string(round * kPerRound + i);
      ASSERT_TRUE(
          a->swarm->publish("t", ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()))
              .ok());
    }
    // Let a round's frames arrive together, so reads carry many RPCs.
    run_until(
        io, [] { return false; }, 5ms);
  }
  ASSERT_TRUE(run_until(io, [&] { return b->messages.size() >= kRounds * kPerRound; }));
  ASSERT_EQ(b->messages.size(), static_cast<std::size_t>(kRounds * kPerRound));
  for (int i = 0; i < kRounds * kPerRound; ++i) {
    const auto& message = b->messages[static_cast<std::size_t>(i)];
    std::string expected = "m";
    expected += std::to_string(i);
    ASSERT_EQ(std::string(message.data.begin(), message.data.end()), expected);
  }
  const VerificationWorkerStats stats = b->swarm->gossip_verification_stats();
  EXPECT_GT(stats.verifications_on_workers, 0u);
  EXPECT_LE(stats.verifications_on_workers + stats.verifications_on_owner,
            static_cast<std::uint64_t>(kRounds * kPerRound));
  EXPECT_EQ(b->swarm->gossip().stats().messages_rejected, 0u);
}

TEST(SwarmTest, PublishWithoutSubscribersIsNotFound) {
  boost::asio::io_context io;
  auto a = make_node(io);
  auto sent = a->swarm->publish("nobody", ByteView());
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, Errc::kNotFound);
}

TEST(SwarmTest, DialFailsWhenTheListenerIsNotTheExpectedPeer) {
  boost::asio::io_context io;
  auto a = make_node(io);
  auto b = make_node(io);
  auto c = make_node(io);
  // B's transport address, but C's peer id: Noise must refuse it.
  auto wrong =
      b->swarm->listen_addrs()[0].encapsulate(*Multiaddr::parse("/p2p/" + c->swarm->peer_id().to_base58()));
  ASSERT_TRUE(wrong.ok());
  std::optional<Result<ConnectionInfo>> dialled;
  a->swarm->dial(*wrong, [&](Result<ConnectionInfo> result) { dialled = std::move(result); });
  ASSERT_TRUE(run_until(io, [&] { return dialled.has_value(); }));
  EXPECT_FALSE(dialled->ok());
  EXPECT_TRUE(a->connected.empty());
  EXPECT_TRUE(a->swarm->connections().empty());
}

TEST(SwarmTest, GarbageConnectionIsClosedWhileOthersKeepBeingServed) {
  boost::asio::io_context io;
  auto a = make_node(io);
  auto b = make_node(io);
  connect_and_identify(io, *a, *b);

  // A raw socket that sends a malformed multistream header to A.
  auto endpoint = a->swarm->listen_addrs()[0].to_tcp_endpoint();
  ASSERT_TRUE(endpoint.ok());
  boost::asio::ip::tcp::socket raw(io);
  raw.connect({boost::asio::ip::make_address(endpoint->host), endpoint->port});
  const std::uint8_t garbage[] = {0x05, 'h', 'e', 'l', 'l', 'o', 0xff, 0xff, 0xff};
  boost::asio::write(raw, boost::asio::buffer(garbage));
  bool closed = false;
  std::uint8_t sink[4096];
  std::function<void()> read_more = [&] {
    raw.async_read_some(boost::asio::buffer(sink), [&](boost::system::error_code ec, std::size_t) {
      if (ec) {
        closed = true;
      } else {
        read_more();
      }
    });
  };
  read_more();
  ASSERT_TRUE(run_until(io, [&] { return closed; }));

  // B's connection is untouched.
  std::optional<Result<EchoResult>> result;
  b->swarm->echo(a->swarm->peer_id(), 4, 100'000, [&](Result<EchoResult> r) { result = std::move(r); });
  ASSERT_TRUE(run_until(io, [&] { return result.has_value(); }));
  ASSERT_TRUE(result->ok()) << result->error().message;
  EXPECT_EQ(a->swarm->connections().size(), 1u);
}

TEST(SwarmTest, HangupClosesBothSidesAndShutdownFinishes) {
  boost::asio::io_context io;
  auto a = make_node(io);
  auto b = make_node(io);
  connect_and_identify(io, *a, *b);
  bool hung_up = false;
  a->swarm->hangup(b->swarm->peer_id(), [&] { hung_up = true; });
  ASSERT_TRUE(run_until(io, [&] { return hung_up && !b->disconnect_reasons.empty(); }));
  EXPECT_TRUE(a->swarm->peers().empty());
  ASSERT_TRUE(run_until(io, [&] { return b->swarm->peers().empty(); }));

  bool stopped = false;
  connect_and_identify(io, *a, *b);
  b->swarm->shutdown([&] { stopped = true; });
  ASSERT_TRUE(run_until(io, [&] { return stopped; }));
  ASSERT_TRUE(run_until(io, [&] { return a->swarm->peers().empty(); }));
}

}  // namespace
}  // namespace ff::net
