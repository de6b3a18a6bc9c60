// Arbitrary bytes as gossipsub RPCs into a router: as one RPC, and as a stream cut into 1..16
// byte chunks, interleaved with heartbeats and publishes. Must never crash, and the router's
// state must stay within its configured bounds. Also checks that re-encoding a decoded RPC is
// stable (decode(encode(decode(x))) encodes the same).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <variant>

#include "core/rng.hpp"
#include "net/gossipsub/gossipsub.hpp"
#include "net/identity/ed25519.hpp"

namespace {

using namespace ff;
using namespace ff::net;

#define FUZZ_CHECK(condition)                                                        \
  do {                                                                               \
    if (!(condition)) {                                                              \
      std::fprintf(stderr, "fuzz check failed: %s line %d\n", #condition, __LINE__); \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)

PrivateKey key(std::uint8_t fill) { return PrivateKey(Ed25519KeyPair::from_seed(Bytes(32, fill)).value()); }

PeerId peer(std::uint8_t fill) { return PeerId::from_public_key(key(fill).public_key()); }

GossipSubConfig small_config(SignaturePolicy policy) {
  GossipSubConfig config;
  config.signature_policy = policy;
  config.max_seen_ids = 64;
  config.max_cached_messages = 32;
  config.max_cached_bytes = 64 * 1024;
  config.max_queued_bytes_per_peer = 16 * 1024;
  config.max_queued_frames_per_peer = 64;
  config.max_pending_events = 64;
  config.max_topics_per_peer = 8;
  config.max_topic_bytes_per_peer = 256;
  config.max_backoff_entries = 16;
  config.rpc_limits.max_rpc_bytes = 64 * 1024;
  config.max_publish_data_bytes = 1024;
  return config;
}

void check_bounds(const GossipSub& router, const GossipSubConfig& config, const PeerId* peers,
                  std::size_t count) {
  FUZZ_CHECK(router.seen_size() <= config.max_seen_ids);
  FUZZ_CHECK(router.cached_messages() <= config.max_cached_messages);
  FUZZ_CHECK(router.cached_bytes() <= config.max_cached_bytes);
  FUZZ_CHECK(router.pending_events() <= config.max_pending_events);
  for (std::size_t i = 0; i < count; ++i) {
    FUZZ_CHECK(router.queued_bytes(peers[i]) <= 2 * config.max_queued_bytes_per_peer);
    FUZZ_CHECK(router.queued_frames(peers[i]) <= config.max_queued_frames_per_peer);
    FUZZ_CHECK(router.peer_topics(peers[i]).size() <= config.max_topics_per_peer);
  }
  for (const char* topic : {"a", "b"}) FUZZ_CHECK(router.mesh_peers(topic).size() <= count);
}

// Drains a few effects (not all: a runtime may lag, and the bounds must hold regardless).
void drain(GossipSub& router, std::size_t budget) {
  for (std::size_t i = 0; i < budget; ++i) {
    if (!router.poll_effect()) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView input(data, size);

  // Decoder round trip.
  if (Result<Rpc> rpc = decode_rpc(input.subspan(1)); rpc.ok()) {
    const Bytes once = encode_rpc(*rpc);
    Result<Rpc> again = decode_rpc(once);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(encode_rpc(*again) == once);
  }

  const std::uint8_t mode = data[0];
  const SignaturePolicy policy = (mode & 1) ? SignaturePolicy::kStrictNoSign : SignaturePolicy::kStrictSign;
  const GossipSubConfig config = small_config(policy);
  Rng rng(mode);
  std::optional<PrivateKey> signing;
  if (policy == SignaturePolicy::kStrictSign) signing = key(1);
  std::uint64_t now_ms = 1000;
  Result<GossipSub> created = GossipSub::create(config, rng, signing, now_ms);
  FUZZ_CHECK(created.ok());
  GossipSub router = std::move(created).value();

  static const PeerId peers[] = {peer(2), peer(3), peer(4)};
  FUZZ_CHECK(router.add_peer(peers[0], PubsubProtocol::kMeshsub11, false, now_ms).ok());
  FUZZ_CHECK(router.add_peer(peers[1], PubsubProtocol::kFloodsub, false, now_ms).ok());
  FUZZ_CHECK(router.add_peer(peers[2], PubsubProtocol::kMeshsub10, true, now_ms).ok());
  FUZZ_CHECK(router.subscribe("a", now_ms).ok());
  FUZZ_CHECK(router.subscribe("b", now_ms).ok());
  drain(router, 1000);

  const ByteView body = input.subspan(1);
  if ((mode & 2) == 0) {
    // The whole input as one RPC from each kind of peer.
    for (const PeerId& from : peers) {
      (void)router.handle_rpc(from, body, now_ms);
      check_bounds(router, config, peers, 3);
    }
  } else {
    // The input as a stream of frames, cut into chunks whose sizes come from the input too.
    Rng chunks(size);
    std::size_t offset = 0;
    std::size_t step = 0;
    while (offset < body.size()) {
      const std::size_t len = std::min<std::size_t>(1 + chunks.below(16), body.size() - offset);
      const PeerId& from = peers[step % 3];
      if (!router.handle_stream_data(from, body.subspan(offset, len), now_ms).ok()) {
        router.reset_inbound_stream(from);
      }
      offset += len;
      ++step;
      if (step % 8 == 0) {
        now_ms += 400;
        router.handle_timeout(now_ms);
      }
      if (step % 13 == 0) (void)router.publish(step % 2 ? "a" : "c", body.subspan(offset - len, len), now_ms);
      drain(router, (mode & 4) ? 3 : 1000);
      check_bounds(router, config, peers, 3);
    }
  }
  for (int i = 0; i < 3; ++i) {
    now_ms += 1000;
    router.handle_timeout(now_ms);
    check_bounds(router, config, peers, 3);
  }
  drain(router, 100000);
  return 0;
}
