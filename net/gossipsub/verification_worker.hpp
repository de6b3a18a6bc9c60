// Verifies received gossip messages on background threads and hands the RPCs back to the
// router's thread in the order each peer sent them (docs/gossipsub.md "Verification off the
// router thread"). An Ed25519 verification costs about 50 µs, so a router that verifies on
// its own event loop tops out near 20k messages per second and adds the verification to the
// latency of everything else it does.
//
// The owner is the thread that drives the GossipSub router; every method except the
// constructor's `on_ready` callback runs there:
//
//   worker.submit(peer, std::move(rpc), std::move(verify));     // after decode, in arrival order
//   ...on_ready() runs on a worker thread: post "take the results" to the owner thread...
//   for (VerifiedRpc& done : worker.take_ready())
//     router.handle_prevalidated(done.peer, std::move(done.prevalidated), now_ms);
//
// Ordering: take_ready() returns a peer's RPCs only in the order they were submitted (an RPC
// waits for every earlier one from the same peer), so messages, subscriptions and control
// of one peer keep their arrival order. RPCs of different peers are not ordered.
//
// Bounds and back-pressure: at most max_pending_rpcs RPCs and max_pending_verifications
// messages to verify are submitted and not yet taken. When an RPC does not fit, the owner
// calls run_one() until it does: run_one() verifies the oldest queued RPC on the owner's
// thread ("caller runs"), or, when every pending RPC is already being verified, waits for one
// to finish. The event loop then reads no further input until verification catches up, so
// the socket and Yamux windows push back on the sender; nothing is dropped. Pending work is
// bounded, so one run_one() call blocks for at most one RPC's verification.
//
// Shutdown: stop() (also the destructor) wakes the threads, discards queued RPCs and joins;
// on_ready is never called after it returns.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "net/gossipsub/gossipsub_message.hpp"
#include "net/gossipsub/gossipsub_rpc.hpp"
#include "net/identity/peer_id.hpp"

namespace ff::net {

// Defaults: two threads, so verification can use both cores of a small machine while the
// event loop keeps reading (bench_gossip: one thread verifies about 13k signed messages per
// second end to end, two reach the single-core verify rate). 1024 verifications are about
// 50 ms of one core, which bounds both the memory held and how long run_one() or
// finish_peer() can block the owner.
inline constexpr std::size_t kDefaultVerifyThreads = 2;
inline constexpr std::size_t kMaxVerifyThreads = 16;
inline constexpr std::size_t kDefaultMaxPendingRpcs = 1024;
inline constexpr std::size_t kDefaultMaxPendingVerifications = 1024;

struct VerificationWorkerConfig {
  SignaturePolicy policy = SignaturePolicy::kStrictSign;
  std::size_t threads = kDefaultVerifyThreads;
  std::size_t max_pending_rpcs = kDefaultMaxPendingRpcs;
  std::size_t max_pending_verifications = kDefaultMaxPendingVerifications;
};

// An RPC of `peer` with a verdict for each message, ready for GossipSub::handle_prevalidated.
struct VerifiedRpc {
  PeerId peer;
  PrevalidatedRpc prevalidated;
};

struct VerificationWorkerStats {
  std::uint64_t rpcs_submitted = 0;
  std::uint64_t verifications_on_workers = 0;
  std::uint64_t verifications_on_owner = 0;  // run_one() "caller runs"
  std::uint64_t owner_waits = 0;             // run_one() found nothing to run and waited
  std::uint64_t rpcs_forgotten = 0;          // discarded by forget_peer()
};

class VerificationWorker {
 public:
  // Starts config.threads threads. `on_ready` runs on a worker thread when a result may have
  // become takeable; it is called at most once between two take_ready() calls and must only
  // hand over to the owner thread (post), never call into the worker. kInvalidInput for zero
  // or more than kMaxVerifyThreads threads or a zero bound.
  static Result<std::unique_ptr<VerificationWorker>> create(VerificationWorkerConfig config,
                                                            std::function<void()> on_ready);
  ~VerificationWorker();
  VerificationWorker(const VerificationWorker&) = delete;
  VerificationWorker& operator=(const VerificationWorker&) = delete;

  // True if an RPC with `verifications` messages to verify fits now. An RPC larger than
  // max_pending_verifications fits when nothing is pending, so every RPC eventually does.
  bool has_room(std::size_t verifications) const;
  // Queues `rpc` from `peer`. verify[i] says whether rpc.messages[i] needs full validation;
  // the others get compute_message_id's verdict (incomplete under StrictSign, so the router
  // still de-duplicates and, for a message it has not seen after all, verifies it itself).
  // kLimitExceeded if it does not fit (see has_room), kInvalidInput if verify has the wrong
  // size or the worker is stopped.
  Status submit(const PeerId& peer, Rpc rpc, std::vector<bool> verify);
  // Back-pressure step (see the header comment). Returns at once if nothing is pending.
  void run_one();
  // RPCs whose verification is done and whose earlier RPCs from the same peer were taken.
  std::vector<VerifiedRpc> take_ready();
  // True while an RPC of `peer` is submitted and not yet taken.
  bool has_pending(const PeerId& peer) const;
  // Runs and waits until every RPC of `peer` is done, then returns everything takeable (as
  // take_ready). For a peer about to be removed: what it sent before leaving still counts.
  std::vector<VerifiedRpc> finish_peer(const PeerId& peer);
  // Discards the RPCs of `peer` (queued ones are not run; running ones finish unseen).
  void forget_peer(const PeerId& peer);
  // Discards queued RPCs and joins the threads. Idempotent.
  void stop();

  std::size_t pending_rpcs() const;
  std::size_t pending_verifications() const;
  VerificationWorkerStats stats() const;

 private:
  struct Job {
    PeerId peer;
    Rpc rpc;
    std::vector<bool> verify;
    std::size_t verifications = 0;
    std::vector<MessageVerdict> verdicts;
    bool done = false;  // guarded by mutex_
  };

  VerificationWorker(VerificationWorkerConfig config, std::function<void()> on_ready);
  void thread_main();
  // Fills job.verdicts; touches nothing else, so it runs without the lock.
  void verify(Job& job) const;
  std::vector<VerifiedRpc> take_ready_locked();

  const VerificationWorkerConfig config_;
  const std::function<void()> on_ready_;
  std::vector<std::thread> threads_;

  mutable std::mutex mutex_;
  std::condition_variable work_cv_;                             // queue_ gained a job, or stopping_
  std::condition_variable done_cv_;                             // a job finished
  std::deque<std::shared_ptr<Job>> queue_;                      // not started, oldest first
  std::map<PeerId, std::deque<std::shared_ptr<Job>>> pending_;  // submitted, not taken, per peer in order
  std::size_t pending_rpcs_ = 0;
  std::size_t pending_verifications_ = 0;
  std::size_t running_ = 0;          // jobs a thread is verifying
  std::uint64_t jobs_finished_ = 0;  // by threads or run_one(); wakes a waiting run_one()
  bool ready_signalled_ = false;     // on_ready called since the last take_ready
  bool stopping_ = false;
  VerificationWorkerStats stats_;
};

}  // namespace ff::net
