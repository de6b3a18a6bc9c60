// A deterministic in-process network of GossipSub routers for tests: no sockets, virtual
// time, zero latency. SendRpc effects are moved, in FIFO order, to the target router's
// handle_stream_data (optionally split into random 1..16 byte chunks); a filter can drop
// frames. settle() fails the test if the network never goes quiet (STYLE.md 1).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/rng.hpp"
#include "net/gossipsub/gossipsub.hpp"
#include "net/identity/ed25519.hpp"
#include "net/identity/keys.hpp"
#include "net/identity/peer_id.hpp"

namespace ff::net::testing {

// prefix + decimal i. Built by appending: g++ 12 at -O3 warns falsely (-Wrestrict) on
// `"literal" + std::to_string(i)`.
inline std::string numbered(const char* prefix, std::uint64_t i) {
  std::string out(prefix);
  out += std::to_string(i);
  return out;
}

// A deterministic Ed25519 identity for test node `index` of a network seeded with `seed`.
inline PrivateKey test_key(std::uint64_t seed, std::size_t index) {
  Bytes key_seed(kEd25519SeedBytes);
  Rng rng(seed * 1000003u + index);
  for (auto& byte : key_seed) byte = static_cast<std::uint8_t>(rng.next());
  return PrivateKey(Ed25519KeyPair::from_seed(key_seed).value());
}

struct Frame {
  std::size_t from;
  std::size_t to;
  Bytes bytes;
};

class GossipNetwork {
 public:
  struct Node {
    std::unique_ptr<Rng> rng;
    std::optional<GossipSub> router;
    PeerId id;
    std::vector<Deliver> delivered;
    std::vector<PeerEvent> events;
  };

  // `count` routers with `config`. Under StrictNoSign the nodes still get peer IDs (the
  // transport's identities), they just do not sign.
  GossipNetwork(std::size_t count, std::uint64_t seed, const GossipSubConfig& config = {})
      : seed_(seed), chunk_rng_(seed ^ 0x5eedULL) {
    for (std::size_t i = 0; i < count; ++i) add_node(config);
  }

  std::size_t add_node(const GossipSubConfig& config) {
    const std::size_t index = nodes_.size();
    PrivateKey key = test_key(seed_, index);
    PeerId id = PeerId::from_public_key(key.public_key());
    auto rng = std::make_unique<Rng>(seed_ * 7919u + index);
    std::optional<PrivateKey> signing;
    if (config.signature_policy == SignaturePolicy::kStrictSign) signing = key;
    Result<GossipSub> router = GossipSub::create(config, *rng, std::move(signing), now_ms_);
    EXPECT_TRUE(router.ok()) << (router.ok() ? "" : router.error().message);
    nodes_.push_back(Node{std::move(rng), std::move(router).value(), id, {}, {}});
    index_of_.emplace(nodes_.back().id, index);
    return index;
  }

  Node& node(std::size_t i) { return nodes_.at(i); }
  GossipSub& router(std::size_t i) { return *nodes_.at(i).router; }
  const PeerId& id(std::size_t i) const { return nodes_.at(i).id; }
  std::size_t size() const { return nodes_.size(); }
  std::size_t index_of(const PeerId& peer) const { return index_of_.at(peer); }
  std::uint64_t now_ms() const { return now_ms_; }

  // `dialer` opened the connection to `listener`.
  void connect(std::size_t dialer, std::size_t listener,
               PubsubProtocol dialer_sees = PubsubProtocol::kMeshsub11,
               PubsubProtocol listener_sees = PubsubProtocol::kMeshsub11) {
    ASSERT_TRUE(router(dialer).add_peer(id(listener), dialer_sees, true, now_ms_).ok());
    ASSERT_TRUE(router(listener).add_peer(id(dialer), listener_sees, false, now_ms_).ok());
  }
  bool connected(std::size_t a, std::size_t b) const { return nodes_.at(a).router->has_peer(id(b)); }

  // Return false to drop the frame.
  std::function<bool(const Frame&)> filter;
  // Split frames into random 1..16 byte chunks on delivery.
  bool chunked = false;
  std::uint64_t frames_dropped_by_filter = 0;
  std::vector<Frame> sent_log;  // every frame moved (when log_frames is set)
  bool log_frames = false;

  // Moves effects until no frame is in flight. False (and a test failure) after max_steps.
  bool settle(std::size_t max_steps = 1000000) {
    for (std::size_t step = 0; step < max_steps; ++step) {
      collect_effects();
      if (in_flight_.empty()) return true;
      Frame frame = std::move(in_flight_.front());
      in_flight_.pop_front();
      if (log_frames) sent_log.push_back(frame);
      if (filter && !filter(frame)) {
        ++frames_dropped_by_filter;
        continue;
      }
      deliver(frame);
    }
    ADD_FAILURE() << "gossip network did not settle within " << max_steps << " steps";
    return false;
  }

  // Advances virtual time to `until_ms`, running every heartbeat due on the way and settling
  // after each.
  void run_until(std::uint64_t until_ms) {
    settle();
    while (true) {
      std::uint64_t next = until_ms + 1;
      for (const Node& n : nodes_) next = std::min(next, *n.router->poll_timeout());
      if (next > until_ms) break;
      now_ms_ = std::max(now_ms_, next);
      for (Node& n : nodes_) n.router->handle_timeout(now_ms_);
      settle();
    }
    now_ms_ = std::max(now_ms_, until_ms);
  }
  void advance(std::uint64_t delta_ms) { run_until(now_ms_ + delta_ms); }

  // Count of deliveries of `id` at node `i`.
  std::size_t deliveries(std::size_t i, const MessageId& message_id) const {
    std::size_t count = 0;
    for (const Deliver& d : nodes_.at(i).delivered) count += d.id == message_id ? 1 : 0;
    return count;
  }

 private:
  void collect_effects() {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      Node& n = nodes_[i];
      while (auto effect = n.router->poll_effect()) {
        if (auto* send = std::get_if<SendRpc>(&*effect)) {
          in_flight_.push_back(Frame{i, index_of_.at(send->peer), std::move(send->frame)});
        } else if (auto* deliver = std::get_if<Deliver>(&*effect)) {
          n.delivered.push_back(std::move(*deliver));
        } else {
          n.events.push_back(std::get<PeerEvent>(std::move(*effect)));
        }
      }
    }
  }

  void deliver(const Frame& frame) {
    GossipSub& target = router(frame.to);
    if (!target.has_peer(id(frame.from))) return;  // disconnected meanwhile
    if (!chunked) {
      EXPECT_TRUE(target.handle_stream_data(id(frame.from), frame.bytes, now_ms_).ok());
      return;
    }
    std::size_t offset = 0;
    while (offset < frame.bytes.size()) {
      const std::size_t len = std::min<std::size_t>(1 + chunk_rng_.below(16), frame.bytes.size() - offset);
      EXPECT_TRUE(
          target.handle_stream_data(id(frame.from), ByteView(frame.bytes).subspan(offset, len), now_ms_)
              .ok());
      offset += len;
    }
  }

  std::uint64_t seed_;
  Rng chunk_rng_;
  std::uint64_t now_ms_ = 1000;
  std::vector<Node> nodes_;
  std::map<PeerId, std::size_t> index_of_;
  std::deque<Frame> in_flight_;
};

}  // namespace ff::net::testing
