// The verification worker: per-peer order across threads, its bounds and back-pressure,
// that bad signatures are still rejected (and reported against the sending peer) when the
// router trusts the worker's verdicts, and a clean stop with work still queued.
#include "net/gossipsub/verification_worker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/gossipsub/gossipsub.hpp"
#include "tests/net/gossipsub/gossip_network.hpp"

namespace ff::net {
namespace {

using ff::net::testing::test_key;
using namespace std::chrono_literals;

constexpr std::uint64_t kSeed = 777;
constexpr std::uint64_t kStart = 10000;

PeerId peer(std::size_t i) { return PeerId::from_public_key(test_key(kSeed, i).public_key()); }

// An RPC from author `i` carrying `count` signed messages numbered from `first`.
Rpc signed_rpc(std::size_t author, std::uint64_t first, std::size_t count) {
  const PrivateKey key = test_key(kSeed, author);
  Rpc rpc;
  for (std::uint64_t n = first; n < first + count; ++n) {
    rpc.messages.push_back(build_signed_message(key, "t", to_bytes(ff::net::testing::numbered("m", n)), n));
  }
  return rpc;
}

// Every message marked for verification.
std::vector<bool> marked(std::size_t count) { return std::vector<bool>(count, true); }

std::uint64_t seqno_of(const RpcMessage& message) {
  std::uint64_t value = 0;
  for (std::uint8_t byte : *message.seqno) value = value << 8 | byte;
  return value;
}

// Counts on_ready calls and lets the test thread wait for the next one, as an owner thread
// waiting for its io_context would.
struct ReadySignal {
  std::mutex mutex;
  std::condition_variable cv;
  std::uint64_t calls = 0;
  std::function<void()> callback() {
    return [this] {
      std::lock_guard<std::mutex> lock(mutex);
      ++calls;
      cv.notify_all();
    };
  }
  void wait_for_call(std::uint64_t seen) {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait_for(lock, 50ms, [&] { return calls != seen; });
  }
};

TEST(VerificationWorker, KeepsEachPeersOrderAcrossThreads) {
  ReadySignal ready;
  VerificationWorkerConfig config;
  config.threads = 3;
  auto worker = VerificationWorker::create(config, ready.callback()).value();
  // Two senders interleaved, RPCs of varying size so later ones often finish first.
  constexpr std::uint64_t kRpcsPerPeer = 40;
  std::map<std::size_t, std::uint64_t> next_seqno{{1, 0}, {2, 0}};
  for (std::uint64_t r = 0; r < kRpcsPerPeer; ++r) {
    for (std::size_t sender : {1u, 2u}) {
      const std::size_t count = 1 + (r * 7 + sender) % 5;
      Rpc rpc = signed_rpc(sender, next_seqno[sender], count);
      next_seqno[sender] += count;
      ASSERT_TRUE(worker->submit(peer(sender), std::move(rpc), marked(count)).ok());
    }
  }
  std::map<std::size_t, std::uint64_t> expected{{1, 0}, {2, 0}};
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while ((expected[1] < next_seqno[1] || expected[2] < next_seqno[2]) &&
         std::chrono::steady_clock::now() < deadline) {
    std::uint64_t seen;
    {
      std::lock_guard<std::mutex> lock(ready.mutex);
      seen = ready.calls;
    }
    for (VerifiedRpc& done : worker->take_ready()) {
      const std::size_t sender = done.peer == peer(1) ? 1 : 2;
      ASSERT_EQ(done.prevalidated.verdicts.size(), done.prevalidated.rpc.messages.size());
      for (std::size_t i = 0; i < done.prevalidated.rpc.messages.size(); ++i) {
        EXPECT_EQ(seqno_of(done.prevalidated.rpc.messages[i]), expected[sender]) << "peer " << sender;
        EXPECT_TRUE(done.prevalidated.verdicts[i].ok());
        EXPECT_TRUE(done.prevalidated.verdicts[i].complete);
        ++expected[sender];
      }
    }
    ready.wait_for_call(seen);
  }
  EXPECT_EQ(expected[1], next_seqno[1]);
  EXPECT_EQ(expected[2], next_seqno[2]);
  EXPECT_EQ(worker->pending_rpcs(), 0u);
  EXPECT_EQ(worker->pending_verifications(), 0u);
  EXPECT_EQ(worker->stats().verifications_on_workers + worker->stats().verifications_on_owner,
            next_seqno[1] + next_seqno[2]);
}

TEST(VerificationWorker, RefusesWorkBeyondItsBoundsUntilResultsAreTaken) {
  ReadySignal ready;
  VerificationWorkerConfig config;
  config.max_pending_rpcs = 3;
  config.max_pending_verifications = 4;
  auto worker = VerificationWorker::create(config, ready.callback()).value();
  ASSERT_TRUE(worker->submit(peer(1), signed_rpc(1, 0, 2), marked(2)).ok());
  ASSERT_TRUE(worker->submit(peer(1), signed_rpc(1, 2, 2), marked(2)).ok());
  // Four verifications pending: one more message does not fit, an RPC without any does.
  EXPECT_FALSE(worker->has_room(1));
  EXPECT_EQ(worker->submit(peer(1), signed_rpc(1, 4, 1), marked(1)).error().code, Errc::kLimitExceeded);
  EXPECT_TRUE(worker->has_room(0));
  Rpc control_only;
  ASSERT_TRUE(worker->submit(peer(1), control_only, {}).ok());
  // Three RPCs pending: the RPC bound is reached.
  EXPECT_FALSE(worker->has_room(0));
  EXPECT_EQ(worker->submit(peer(2), Rpc{}, {}).error().code, Errc::kLimitExceeded);
  EXPECT_EQ(worker->pending_rpcs(), 3u);
  // Finished work still counts until it is taken: the owner's back-pressure loop.
  std::size_t taken = 0;
  while (!worker->has_room(1)) {
    worker->run_one();
    taken += worker->take_ready().size();
  }
  EXPECT_GT(taken, 0u);
  EXPECT_TRUE(worker->submit(peer(1), signed_rpc(1, 4, 1), marked(1)).ok());
  // A flag per message, no more and no less.
  EXPECT_EQ(worker->submit(peer(1), signed_rpc(1, 5, 2), {true}).error().code, Errc::kInvalidInput);
}

TEST(VerificationWorker, OversizeRpcIsAcceptedWhenNothingElseIsPending) {
  ReadySignal ready;
  VerificationWorkerConfig config;
  config.max_pending_verifications = 2;
  auto worker = VerificationWorker::create(config, ready.callback()).value();
  EXPECT_TRUE(worker->has_room(5));
  ASSERT_TRUE(worker->submit(peer(1), signed_rpc(1, 0, 5), marked(5)).ok());
  EXPECT_FALSE(worker->has_room(0));
  std::vector<VerifiedRpc> done = worker->finish_peer(peer(1));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].prevalidated.verdicts.size(), 5u);
  EXPECT_TRUE(worker->has_room(2));
}

TEST(VerificationWorker, ConfigWithoutThreadsOrBoundsIsRejected) {
  VerificationWorkerConfig config;
  config.threads = 0;
  EXPECT_FALSE(VerificationWorker::create(config, [] {}).ok());
  config.threads = kMaxVerifyThreads + 1;
  EXPECT_FALSE(VerificationWorker::create(config, [] {}).ok());
  config.threads = 1;
  config.max_pending_rpcs = 0;
  EXPECT_FALSE(VerificationWorker::create(config, [] {}).ok());
  config.max_pending_rpcs = 1;
  EXPECT_FALSE(VerificationWorker::create(config, nullptr).ok());
}

TEST(VerificationWorker, FinishPeerReturnsEverythingThePeerSentInOrder) {
  ReadySignal ready;
  auto worker = VerificationWorker::create({}, ready.callback()).value();
  for (std::uint64_t r = 0; r < 10; ++r) {
    ASSERT_TRUE(worker->submit(peer(1), signed_rpc(1, r * 3, 3), marked(3)).ok());
  }
  std::uint64_t expected = 0;
  // Results taken before (by a racing on_ready hand-over) keep the order too.
  for (VerifiedRpc& done : worker->take_ready()) {
    for (const RpcMessage& message : done.prevalidated.rpc.messages) EXPECT_EQ(seqno_of(message), expected++);
  }
  for (VerifiedRpc& done : worker->finish_peer(peer(1))) {
    EXPECT_EQ(done.peer, peer(1));
    for (const RpcMessage& message : done.prevalidated.rpc.messages) EXPECT_EQ(seqno_of(message), expected++);
  }
  EXPECT_EQ(expected, 30u);
  EXPECT_FALSE(worker->has_pending(peer(1)));
}

TEST(VerificationWorker, ForgetPeerDropsOnlyThatPeersWork) {
  ReadySignal ready;
  auto worker = VerificationWorker::create({}, ready.callback()).value();
  for (std::uint64_t r = 0; r < 5; ++r) {
    ASSERT_TRUE(worker->submit(peer(1), signed_rpc(1, r, 1), marked(1)).ok());
    ASSERT_TRUE(worker->submit(peer(2), signed_rpc(2, r, 1), marked(1)).ok());
  }
  worker->forget_peer(peer(1));
  EXPECT_FALSE(worker->has_pending(peer(1)));
  EXPECT_EQ(worker->pending_rpcs(), 5u);
  EXPECT_EQ(worker->stats().rpcs_forgotten, 5u);
  std::vector<VerifiedRpc> done = worker->finish_peer(peer(2));
  ASSERT_EQ(done.size(), 5u);
  for (const VerifiedRpc& rpc : done) EXPECT_EQ(rpc.peer, peer(2));
  EXPECT_EQ(worker->pending_rpcs(), 0u);
}

// A router subscribed to "t" with peer 1 attached, beside a worker: the verdict tests hand
// the router what the worker made of peer 1's RPCs.
class WorkerVerdicts : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(router.subscribe("t", kStart).ok());
    ASSERT_TRUE(router.add_peer(peer(1), PubsubProtocol::kMeshsub11, false, kStart).ok());
  }

  Rng rng{kSeed};
  GossipSub router = GossipSub::create({}, rng, test_key(kSeed, 0), kStart).value();
  ReadySignal ready;
  std::unique_ptr<VerificationWorker> worker = VerificationWorker::create({}, ready.callback()).value();
  const PrivateKey author = test_key(kSeed, 5);
};

// The router trusts the worker's verdicts, so the worker must catch what the router used to:
// a forged message is rejected, reported against the peer that sent it, and does not shadow
// the genuine copy.
TEST_F(WorkerVerdicts, BadSignatureIsStillRejectedAndReportedAgainstThePeer) {
  RpcMessage genuine = build_signed_message(author, "t", to_bytes("real"), 1);
  RpcMessage forged = genuine;
  forged.data = to_bytes("fake");  // same id, signature no longer matches
  Rpc rpc;
  rpc.messages = {forged, genuine};
  std::vector<bool> verify;
  for (const RpcMessage& message : rpc.messages) verify.push_back(router.needs_verification(message));
  EXPECT_EQ(verify, (std::vector<bool>{true, true}));
  ASSERT_TRUE(worker->submit(peer(1), rpc, verify).ok());
  for (VerifiedRpc& done : worker->finish_peer(peer(1))) {
    ASSERT_TRUE(router.handle_prevalidated(done.peer, std::move(done.prevalidated), kStart).ok());
  }
  std::vector<Deliver> delivered;
  std::vector<PeerEvent> events;
  while (auto effect = router.poll_effect()) {
    if (auto* deliver = std::get_if<Deliver>(&*effect)) delivered.push_back(std::move(*deliver));
    if (auto* event = std::get_if<PeerEvent>(&*effect)) events.push_back(std::move(*event));
  }
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].data, to_bytes("real"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, PeerEvent::Kind::kInvalidMessage);
  EXPECT_EQ(events[0].peer, peer(1));
  EXPECT_EQ(events[0].rejection, MessageRejection::kInvalidSignature);
  EXPECT_EQ(router.stats().rejected_by_reason[static_cast<std::size_t>(MessageRejection::kInvalidSignature)],
            1u);
  EXPECT_EQ(router.stats().signature_verifications, 0u);  // both checked on the worker
  // Now that it is seen, a further copy is not worth verifying.
  EXPECT_FALSE(router.needs_verification(genuine));
}

// A message the runtime did not ask the worker to verify (it looked like a duplicate) comes
// with an incomplete verdict: the router re-checks it, so a stale guess costs a verification
// on the router thread, never an unverified delivery.
TEST_F(WorkerVerdicts, UnverifiedMessageIsVerifiedByTheRouterIfNew) {
  RpcMessage genuine = build_signed_message(author, "t", to_bytes("real"), 1);
  RpcMessage forged = build_signed_message(author, "t", to_bytes("x"), 2);
  forged.data = to_bytes("y");
  Rpc rpc;
  rpc.messages = {forged, genuine};
  ASSERT_TRUE(worker->submit(peer(1), rpc, {false, false}).ok());
  std::vector<VerifiedRpc> done = worker->finish_peer(peer(1));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_FALSE(done[0].prevalidated.verdicts[0].complete);
  ASSERT_TRUE(router.handle_prevalidated(peer(1), std::move(done[0].prevalidated), kStart).ok());
  std::size_t delivered = 0;
  while (auto effect = router.poll_effect()) delivered += std::holds_alternative<Deliver>(*effect) ? 1 : 0;
  EXPECT_EQ(delivered, 1u);
  EXPECT_EQ(router.stats().signature_verifications, 2u);
  EXPECT_EQ(router.stats().rejected_by_reason[static_cast<std::size_t>(MessageRejection::kInvalidSignature)],
            1u);
}

TEST(VerificationWorker, StopWithQueuedWorkJoinsAndCallsNothingAfterwards) {
  std::atomic<std::uint64_t> calls{0};
  std::atomic<bool> stopped{false};
  std::atomic<bool> called_after_stop{false};
  VerificationWorkerConfig config;
  config.threads = 2;
  auto worker = VerificationWorker::create(config, [&] {
                  if (stopped) called_after_stop = true;
                  ++calls;
                }).value();
  for (std::uint64_t r = 0; r < 50; ++r) {
    ASSERT_TRUE(worker->submit(peer(1 + r % 3), signed_rpc(1 + r % 3, r * 10, 10), marked(10)).ok());
  }
  worker->stop();
  stopped = true;
  EXPECT_FALSE(called_after_stop);
  EXPECT_EQ(worker->pending_rpcs(), 0u);
  EXPECT_FALSE(worker->has_pending(peer(1)));
  EXPECT_TRUE(worker->take_ready().empty());
  EXPECT_EQ(worker->submit(peer(1), signed_rpc(1, 0, 1), marked(1)).error().code, Errc::kInvalidInput);
  worker->run_one();  // returns at once
  worker->stop();     // idempotent
  // And a worker destroyed with work queued, without stop(), is as clean (ASan/TSan runs).
  auto dropped = VerificationWorker::create(config, [] {}).value();
  for (std::uint64_t r = 0; r < 20; ++r) {
    ASSERT_TRUE(dropped->submit(peer(1), signed_rpc(1, r * 10, 10), marked(10)).ok());
  }
  dropped.reset();
}

}  // namespace
}  // namespace ff::net
