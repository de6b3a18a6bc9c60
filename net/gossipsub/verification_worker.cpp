#include "net/gossipsub/verification_worker.hpp"

#include <string>
#include <utility>

namespace ff::net {

Result<std::unique_ptr<VerificationWorker>> VerificationWorker::create(VerificationWorkerConfig config,
                                                                       std::function<void()> on_ready) {
  if (config.threads == 0 || config.threads > kMaxVerifyThreads) {
    return make_error(Errc::kInvalidInput, "verification worker: " + std::to_string(config.threads) +
                                               " threads (1.." + std::to_string(kMaxVerifyThreads) + ")");
  }
  if (config.max_pending_rpcs == 0 || config.max_pending_verifications == 0) {
    return make_error(Errc::kInvalidInput, "verification worker: zero pending bound");
  }
  if (!on_ready) return make_error(Errc::kInvalidInput, "verification worker: no on_ready callback");
  auto worker = std::unique_ptr<VerificationWorker>(new VerificationWorker(config, std::move(on_ready)));
  for (std::size_t i = 0; i < config.threads; ++i) {
    worker->threads_.emplace_back([raw = worker.get()] { raw->thread_main(); });
  }
  return worker;
}

VerificationWorker::VerificationWorker(VerificationWorkerConfig config, std::function<void()> on_ready)
    : config_(config), on_ready_(std::move(on_ready)) {}

VerificationWorker::~VerificationWorker() { stop(); }

void VerificationWorker::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    queue_.clear();
    pending_.clear();
    pending_rpcs_ = 0;
    pending_verifications_ = 0;
  }
  work_cv_.notify_all();
  done_cv_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

bool VerificationWorker::has_room(std::size_t verifications) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (pending_rpcs_ == 0) return true;
  return pending_rpcs_ < config_.max_pending_rpcs &&
         pending_verifications_ + verifications <= config_.max_pending_verifications;
}

Status VerificationWorker::submit(const PeerId& peer, Rpc rpc, std::vector<bool> verify) {
  if (verify.size() != rpc.messages.size()) {
    return make_error(Errc::kInvalidInput, "verification worker: " + std::to_string(verify.size()) +
                                               " flags for " + std::to_string(rpc.messages.size()) +
                                               " messages");
  }
  auto job = std::make_shared<Job>(Job{peer, {}, {}, 0, {}, false});
  for (bool flag : verify) job->verifications += flag ? 1 : 0;
  job->rpc = std::move(rpc);
  job->verify = std::move(verify);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return make_error(Errc::kInvalidInput, "verification worker: stopped");
    const bool fits = pending_rpcs_ == 0 ||
                      (pending_rpcs_ < config_.max_pending_rpcs &&
                       pending_verifications_ + job->verifications <= config_.max_pending_verifications);
    if (!fits) return make_error(Errc::kLimitExceeded, "verification worker: full");
    ++pending_rpcs_;
    pending_verifications_ += job->verifications;
    ++stats_.rpcs_submitted;
    pending_[peer].push_back(job);
    queue_.push_back(std::move(job));
  }
  work_cv_.notify_one();
  return {};
}

void VerificationWorker::verify(Job& job) const {
  job.verdicts.reserve(job.rpc.messages.size());
  for (std::size_t i = 0; i < job.rpc.messages.size(); ++i) {
    const RpcMessage& message = job.rpc.messages[i];
    job.verdicts.push_back(job.verify[i] ? validate_message(message, config_.policy)
                                         : compute_message_id(message, config_.policy));
  }
}

void VerificationWorker::thread_main() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    std::shared_ptr<Job> job = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    verify(*job);
    lock.lock();
    --running_;
    job->done = true;
    ++jobs_finished_;
    stats_.verifications_on_workers += job->verifications;
    done_cv_.notify_all();
    if (stopping_ || ready_signalled_) continue;
    ready_signalled_ = true;
    // Outside the lock: on_ready posts to the owner, which may be taking results right now.
    // stop() joins this thread before returning, so on_ready never runs after stop().
    lock.unlock();
    on_ready_();
    lock.lock();
  }
}

void VerificationWorker::run_one() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (pending_rpcs_ == 0 || stopping_) return;
  if (!queue_.empty()) {
    std::shared_ptr<Job> job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    verify(*job);
    lock.lock();
    job->done = true;
    ++jobs_finished_;
    stats_.verifications_on_owner += job->verifications;
    return;
  }
  // Every pending RPC is being verified on a thread or already done. If one is running,
  // wait for it; otherwise the owner only has to take what is done.
  if (running_ == 0) return;
  ++stats_.owner_waits;
  const std::uint64_t finished_before = jobs_finished_;
  done_cv_.wait(lock, [&] { return stopping_ || jobs_finished_ != finished_before; });
}

std::vector<VerifiedRpc> VerificationWorker::take_ready() {
  std::lock_guard<std::mutex> lock(mutex_);
  return take_ready_locked();
}

std::vector<VerifiedRpc> VerificationWorker::take_ready_locked() {
  ready_signalled_ = false;
  std::vector<VerifiedRpc> out;
  for (auto it = pending_.begin(); it != pending_.end();) {
    std::deque<std::shared_ptr<Job>>& jobs = it->second;
    while (!jobs.empty() && jobs.front()->done) {
      Job& job = *jobs.front();
      out.push_back(VerifiedRpc{
          job.peer, PrevalidatedRpc{config_.policy, std::move(job.rpc), std::move(job.verdicts)}});
      --pending_rpcs_;
      pending_verifications_ -= job.verifications;
      jobs.pop_front();
    }
    it = jobs.empty() ? pending_.erase(it) : std::next(it);
  }
  return out;
}

bool VerificationWorker::has_pending(const PeerId& peer) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_.count(peer) != 0;
}

std::vector<VerifiedRpc> VerificationWorker::finish_peer(const PeerId& peer) {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return {};
      auto it = pending_.find(peer);
      bool all_done = true;
      if (it != pending_.end()) {
        for (const auto& job : it->second) all_done = all_done && job->done;
      }
      if (all_done) return take_ready_locked();
    }
    run_one();
  }
}

void VerificationWorker::forget_peer(const PeerId& peer) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = pending_.find(peer);
  if (it == pending_.end()) return;
  for (const auto& job : it->second) {
    --pending_rpcs_;
    pending_verifications_ -= job->verifications;
    ++stats_.rpcs_forgotten;
  }
  pending_.erase(it);
  for (auto job = queue_.begin(); job != queue_.end();) {
    job = (*job)->peer == peer ? queue_.erase(job) : std::next(job);
  }
}

std::size_t VerificationWorker::pending_rpcs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_rpcs_;
}

std::size_t VerificationWorker::pending_verifications() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_verifications_;
}

VerificationWorkerStats VerificationWorker::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace ff::net
