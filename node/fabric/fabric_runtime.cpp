#include "node/fabric/fabric_runtime.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <system_error>
#include <thread>
#include <type_traits>
#include <variant>

#include "core/journal/reporter.hpp"
#include "net/swarm/swarm_log.hpp"
#include "node/fabric/frame_reader.hpp"

namespace ff::node {

namespace {

using json = nlohmann::json;
using net::LogLevel;

// Journal corruption found while opening goes to the log; the journal cuts it off.
class LogReporter final : public journal::Reporter {
 public:
  void corruption(std::uint64_t offset, std::uint64_t bytes, std::string_view reason) override {
    ++count;
    FF_LOG_ERROR("journal: dropped %llu corrupt bytes at offset %llu: %.*s",
                 static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(offset),
                 static_cast<int>(reason.size()), reason.data());
  }
  std::uint64_t count = 0;
};

// A replica id nobody else draws (64 random bits, never 0).
crdt::ReplicaId random_replica_id() {
  std::random_device device;
  std::uint64_t replica = 0;
  while (replica == 0) replica = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  return replica;
}

}  // namespace

// The journal thread. It owns the JournalWriter (and the storage under it) from the moment
// it starts, so the journal file is only ever appended to and synced by this one thread,
// in the order the records were submitted. Each round takes every queued record, appends
// them all, commits once (one fdatasync: group commit) and reports the highest ticket
// covered; records submitted meanwhile queue up for the next round.
class JournalCommitter {
 public:
  // Both callbacks run on the journal thread; they must only hand the news over (post).
  using DurableCallback = std::function<void(std::uint64_t ticket)>;
  using FailedCallback = std::function<void(std::string message)>;

  JournalCommitter(std::unique_ptr<journal::Storage> storage, journal::JournalWriter writer,
                   DurableCallback on_durable, FailedCallback on_failed)
      : storage_(std::move(storage)),
        writer_(std::move(writer)),
        on_durable_(std::move(on_durable)),
        on_failed_(std::move(on_failed)),
        file_bytes_(writer_->file_bytes()) {
    thread_ = std::thread([this] { run(); });
  }
  ~JournalCommitter() { (void)stop(); }
  JournalCommitter(const JournalCommitter&) = delete;
  JournalCommitter& operator=(const JournalCommitter&) = delete;

  // Hands one record over. Waits while the queue is at its bounds. False (the record
  // dropped) once the journal has failed: on_failed has been called then.
  bool submit(std::uint64_t ticket, Bytes record) {
    std::unique_lock lock(mutex_);
    space_ready_.wait(lock, [this] {
      return failed_ || queue_.empty() ||
             (queue_.size() < kMaxJournalQueueRecords && queued_bytes_ < kMaxJournalQueueBytes);
    });
    if (failed_ || stopping_) return false;
    queued_bytes_ += record.size();
    queue_.push_back(Pending{ticket, std::move(record)});
    lock.unlock();
    work_ready_.notify_one();
    return true;
  }

  // Appends and syncs everything submitted so far, then joins the thread. Returns the
  // journal's error if it failed (at any time). Idempotent; submit() refuses afterwards.
  Status stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    work_ready_.notify_one();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mutex_);
    if (failed_) return make_error(Errc::kIo, failure_);
    return {};
  }

  // The journal's size once everything taken by the thread is written (for /metrics).
  std::uint64_t file_bytes() const { return file_bytes_.load(std::memory_order_relaxed); }

 private:
  struct Pending {
    std::uint64_t ticket;
    Bytes record;
  };

  void run() {
    std::deque<Pending> batch;
    while (true) {
      {
        std::unique_lock lock(mutex_);
        work_ready_.wait(lock, [this] { return !queue_.empty() || stopping_; });
        if (queue_.empty()) return;  // stopping, and every earlier round ended with a sync
        batch.swap(queue_);
        queued_bytes_ = 0;
      }
      space_ready_.notify_all();
      auto written = write(batch);
      batch.clear();
      if (!written.ok()) {
        {
          std::lock_guard lock(mutex_);
          failed_ = true;
          failure_ = written.error().message;
          queue_.clear();
          queued_bytes_ = 0;
        }
        space_ready_.notify_all();
        on_failed_(written.error().message);
        return;
      }
    }
  }

  // Appends `batch` in order and commits; reports what became durable.
  Status write(std::deque<Pending>& batch) {
    std::optional<std::uint64_t> highest;
    for (Pending& pending : batch) {
      auto appended = writer_->append(pending.record);
      if (!appended.ok() && appended.error().code == Errc::kLimitExceeded) {
        // Too much unsynced in this round: commit what is there and retry.
        auto committed = writer_->commit();
        if (!committed.ok())
          return make_error(Errc::kIo, "journal commit failed: " + committed.error().message);
        if (highest) on_durable_(*highest);
        appended = writer_->append(pending.record);
      }
      if (!appended.ok()) return make_error(Errc::kIo, "journal append failed: " + appended.error().message);
      highest = std::max(highest.value_or(0), pending.ticket);
    }
    auto committed = writer_->commit();
    if (!committed.ok()) return make_error(Errc::kIo, "journal commit failed: " + committed.error().message);
    file_bytes_.store(writer_->file_bytes(), std::memory_order_relaxed);
    if (highest) on_durable_(*highest);
    return {};
  }

  std::unique_ptr<journal::Storage> storage_;  // under writer_: destroyed after it
  std::optional<journal::JournalWriter> writer_;
  DurableCallback on_durable_;
  FailedCallback on_failed_;
  std::atomic<std::uint64_t> file_bytes_;

  std::mutex mutex_;
  std::condition_variable work_ready_;   // the thread waits: a record or stop
  std::condition_variable space_ready_;  // submit() waits: room in the queue
  std::deque<Pending> queue_;
  std::size_t queued_bytes_ = 0;
  bool stopping_ = false;
  bool failed_ = false;
  std::string failure_;
  std::thread thread_;  // last: starts once everything above exists
};

FabricRuntime::FabricRuntime(boost::asio::io_context& io, std::unique_ptr<fabric::FabricNode> node)
    : io_(io), node_(std::move(node)), timer_(io), steady_base_(std::chrono::steady_clock::now()) {
  wall_base_ms_ = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::chrono::system_clock::now().time_since_epoch())
                                                 .count());
}

FabricRuntime::~FabricRuntime() {
  *alive_ = false;
  // Without shutdown(): still make every handed-over record durable before the journal goes.
  if (committer_) (void)committer_->stop();
}

std::uint64_t FabricRuntime::now_ms() const {
  // Wall-clock at start plus monotonic time since: never goes backwards.
  const auto elapsed = std::chrono::steady_clock::now() - steady_base_;
  return wall_base_ms_ +
         static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
}

Result<std::unique_ptr<FabricRuntime>> FabricRuntime::create(boost::asio::io_context& io,
                                                             RuntimeOptions options) {
  const bool use_journal = !options.journal_dir.empty();
  options.node.journal = use_journal;
  // Without a journal every start is a new replica; with one, a start after a crash is
  // (NodeConfig::fresh_replica_id).
  if (!use_journal && options.node.replica_id == 0) options.node.replica_id = random_replica_id();
  if (use_journal && options.node.fresh_replica_id == 0) options.node.fresh_replica_id = random_replica_id();
  FF_TRY_ASSIGN(std::unique_ptr<fabric::FabricNode> node, fabric::FabricNode::create(options.node));
  std::unique_ptr<FabricRuntime> runtime(new FabricRuntime(io, std::move(node)));
  if (use_journal) {
    if (::mkdir(options.journal_dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return make_error(
          Errc::kIo, "cannot create journal directory " + options.journal_dir + ": " + std::strerror(errno));
    }
    FF_TRY_ASSIGN(std::unique_ptr<FileStorage> files, FileStorage::open(options.journal_dir));
    std::unique_ptr<journal::Storage> storage = std::move(files);
    if (options.wrap_journal_storage) storage = options.wrap_journal_storage(std::move(storage));
    LogReporter reporter;
    auto opened = journal::open_journal(*storage, kJournalFileName, journal::JournalOptions{}, reporter);
    if (!opened.ok()) {
      return make_error(opened.error().code, "journal " + options.journal_dir + "/" + kJournalFileName +
                                                 ": " + opened.error().message);
    }
    if (opened->state.snapshot) {
      return make_error(Errc::kUnsupported,
                        "journal " + options.journal_dir +
                            " holds a snapshot entry, which this fabric runtime never writes");
    }
    for (const journal::DataRecord& record : opened->state.records) {
      if (auto restored = runtime->node_->restore(record.payload); !restored.ok()) {
        return make_error(restored.error().code, "journal " + options.journal_dir + ": record " +
                                                     std::to_string(record.sequence) +
                                                     " was refused: " + restored.error().message);
      }
      ++runtime->recovered_records_;
    }
    // The callbacks run on the journal thread and touch nothing of the runtime's: they post
    // to the loop, where `alive` tells whether the runtime still exists.
    boost::asio::io_context* loop = &io;
    FabricRuntime* self = runtime.get();
    std::weak_ptr<bool> alive = runtime->alive_;
    try {
      runtime->committer_ = std::make_unique<JournalCommitter>(
          std::move(storage), std::move(opened->writer),
          [loop, self, alive](std::uint64_t ticket) {
            boost::asio::post(*loop, [self, alive, ticket] {
              if (!alive.expired()) self->on_durable(ticket);
            });
          },
          [loop, self, alive](std::string message) {
            boost::asio::post(*loop, [self, alive, message = std::move(message)] {
              if (!alive.expired()) self->fatal(message);
            });
          });
    } catch (const std::system_error& error) {
      return make_error(Errc::kIo, std::string("cannot start the journal thread: ") + error.what());
    }
  }
  runtime->node_->restored(runtime->now_ms());
  return runtime;
}

Status FabricRuntime::attach(net::Swarm& swarm) {
  swarm_ = &swarm;
  swarm.handle(
      fabric::kFabricProtocolId,
      [this](const std::shared_ptr<net::SwarmStream>& stream) { accept_inbound(stream); }, 2);
  FF_TRY(swarm.subscribe(node_->topic()));
  drain();
  return {};
}

void FabricRuntime::on_connected(const net::ConnectionInfo& info) {
  if (stopped_) return;
  const std::string peer = info.peer.to_base58();
  PeerLink& link = links_[peer];
  if (++link.connections > 1) return;
  node_->peer_connected(peer, now_ms());
  open_outbound(info.peer);
  drain();
}

void FabricRuntime::on_disconnected(const net::ConnectionInfo& info) {
  if (stopped_) return;
  const std::string peer = info.peer.to_base58();
  auto found = links_.find(peer);
  if (found == links_.end()) return;
  if (found->second.connections > 1) {
    --found->second.connections;
    return;
  }
  if (found->second.outbound) found->second.outbound->reset();
  links_.erase(found);
  node_->peer_disconnected(peer, now_ms());
  drain();
}

void FabricRuntime::on_message(const net::Deliver& message) {
  if (stopped_ || message.topic != node_->topic()) return;
  node_->handle_gossip(message.source.to_base58(), message.data, now_ms());
  drain();
}

void FabricRuntime::open_outbound(const net::PeerId& peer) {
  const std::string key = peer.to_base58();
  auto found = links_.find(key);
  if (found == links_.end() || found->second.opening || found->second.outbound) return;
  found->second.opening = true;
  std::weak_ptr<bool> alive = alive_;
  swarm_->open_stream(peer, {fabric::kFabricProtocolId},
                      [this, alive, key, peer](Result<std::shared_ptr<net::SwarmStream>> stream) {
                        if (alive.expired() || stopped_) {
                          if (stream.ok()) (*stream)->reset();
                          return;
                        }
                        auto link = links_.find(key);
                        if (link == links_.end()) {
                          if (stream.ok()) (*stream)->reset();
                          return;
                        }
                        link->second.opening = false;
                        if (!stream.ok()) {
                          FF_LOG_INFO("fabric: %s: cannot open %s: %s; hanging up", key.c_str(),
                                      fabric::kFabricProtocolId, stream.error().message.c_str());
                          swarm_->hangup(peer, [] {});
                          return;
                        }
                        link->second.outbound = *stream;
                        (*stream)->set_handlers(net::SwarmStream::Handlers{
                            [](ByteView) {},  // the peer never writes on our outbound stream
                            [] {},
                            [this, alive, key, peer](const std::string& reason) {
                              if (alive.expired()) return;
                              auto again = links_.find(key);
                              if (again == links_.end()) return;
                              again->second.outbound.reset();
                              FF_LOG_INFO("fabric: %s: outbound stream reset (%s)", key.c_str(),
                                          reason.c_str());
                              // Another connection to the peer may still be up (both sides
                              // dialled): reopen on it once this loop turn has reported any
                              // disconnection, which removes the link when none is left.
                              boost::asio::post(io_, [this, alive, key, peer] {
                                if (alive.expired() || stopped_) return;
                                auto link = links_.find(key);
                                if (link != links_.end() && !link->second.outbound) open_outbound(peer);
                              });
                            },
                            [this, alive, key] {
                              if (alive.expired()) return;
                              auto again = links_.find(key);
                              if (again != links_.end()) flush_queue(again->second);
                            }});
                        flush_queue(link->second);
                      });
}

void FabricRuntime::flush_queue(PeerLink& link) {
  while (!link.queued.empty() && link.outbound && link.outbound->below_high_water()) {
    auto status = link.outbound->write(link.queued.front());
    if (!status.ok()) break;
    link.queued_bytes -= link.queued.front().size();
    link.queued.pop_front();
  }
}

void FabricRuntime::accept_inbound(const std::shared_ptr<net::SwarmStream>& stream) {
  auto reader = std::make_shared<FrameReader>();
  const net::PeerId peer = stream->peer();
  const std::string key = peer.to_base58();
  std::weak_ptr<bool> alive = alive_;
  std::weak_ptr<net::SwarmStream> weak = stream;
  stream->set_handlers(net::SwarmStream::Handlers{
      [this, alive, reader, peer, key, weak](ByteView bytes) {
        if (alive.expired() || stopped_) return;
        auto status =
            reader->feed(bytes, [this, &key](ByteView frame) { node_->handle_direct(key, frame, now_ms()); });
        if (!status.ok()) {
          FF_LOG_INFO("fabric: %s: %s; resetting the stream and hanging up", key.c_str(),
                      status.error().message.c_str());
          if (auto s = weak.lock()) s->reset();
          swarm_->hangup(peer, [] {});
        }
        drain();
      },
      [] {}, [](const std::string&) {}, [] {}});
}

void FabricRuntime::drain() {
  if (draining_) return;  // an effect's handler fed an input: the outer loop picks it up
  draining_ = true;
  while (auto effect = node_->poll_effect()) {
    std::visit([this](auto& e) { carry_out(e); }, *effect);
  }
  draining_ = false;
  arm_timer();
}

void FabricRuntime::carry_out(fabric::SendDirect& send) {
  auto found = links_.find(send.peer);
  if (found == links_.end()) return;  // gone; the node hears peer_disconnected
  PeerLink& link = found->second;
  Bytes framed;
  framed.reserve(send.frame.size() + 10);
  append_frame(framed, send.frame);
  if (link.queued.size() >= kMaxQueuedFramesPerPeer ||
      link.queued_bytes + framed.size() > kMaxQueuedBytesPerPeer) {
    // A peer this far behind is dropped frames: the fabric re-sends unacked mutations and
    // its anti-entropy pulses repair anything else.
    FF_LOG_INFO("fabric: %s: send queue full, frame dropped", send.peer.c_str());
    return;
  }
  link.queued_bytes += framed.size();
  link.queued.push_back(std::move(framed));
  flush_queue(link);
}

void FabricRuntime::carry_out(fabric::Publish& publish) {
  if (!swarm_) return;
  auto sent = swarm_->publish(publish.topic, publish.data);
  if (!sent.ok() && sent.error().code != Errc::kNotFound) {
    FF_LOG_INFO("fabric: publish on %s failed: %s", publish.topic.c_str(), sent.error().message.c_str());
  }
}

void FabricRuntime::carry_out(fabric::Persist& persist) {
  // `persist.sync` is not looked at: every record is synced, since persisted(t) covers every
  // ticket <= t and records of both kinds interleave.
  if (!committer_ || failed_) return;
  // False only once the journal failed; its error is already on its way to fatal().
  (void)committer_->submit(persist.ticket, std::move(persist.record));
}

void FabricRuntime::carry_out(fabric::Disconnect& disconnect) {
  FF_LOG_INFO("fabric: disconnecting %s: %s", disconnect.peer.c_str(), disconnect.reason.c_str());
  if (!swarm_) return;
  auto peer = net::PeerId::parse(disconnect.peer);
  if (peer.ok()) swarm_->hangup(*peer, [] {});
}

void FabricRuntime::carry_out(fabric::Event& event) {
  using fabric::EventKind;
  switch (event.kind) {
    case EventKind::kWriteDone:
      finish_write(event.write, WriteOutcome{event.status, event.write, event.acks, event.degraded});
      break;
    case EventKind::kObjectChanged: object_changed(event.object); break;
    case EventKind::kPeerJoined:
      FF_LOG_INFO("fabric: peer joined %s (%s)", event.peer.c_str(), event.text.c_str());
      break;
    case EventKind::kPeerLeft: FF_LOG_INFO("fabric: peer left %s", event.peer.c_str()); break;
    case EventKind::kWarning:
    case EventKind::kRejected:
      FF_LOG_INFO("fabric: %s %s%s%s", fabric::event_kind_name(event.kind), event.text.c_str(),
                  event.peer.empty() ? "" : " peer ", event.peer.c_str());
      break;
    default:
      FF_LOG_DEBUG("fabric: %s %s %s", fabric::event_kind_name(event.kind), event.peer.c_str(),
                   event.object.c_str());
      break;
  }
}

void FabricRuntime::on_durable(std::uint64_t ticket) {
  if (stopped_) return;
  node_->persisted(ticket, now_ms());
  drain();
}

void FabricRuntime::arm_timer() {
  if (stopped_) return;
  const std::uint64_t next = node_->next_timeout_ms();
  if (next == timer_target_ms_) return;
  timer_target_ms_ = next;
  timer_.cancel();
  if (next == UINT64_MAX) return;
  const std::uint64_t now = now_ms();
  const auto delay = std::chrono::milliseconds(next > now ? next - now : 0);
  timer_.expires_after(delay);
  std::weak_ptr<bool> alive = alive_;
  timer_.async_wait([this, alive](boost::system::error_code ec) {
    if (ec || alive.expired() || stopped_) return;
    timer_target_ms_ = UINT64_MAX;
    node_->handle_timeout(now_ms());
    drain();
  });
}

void FabricRuntime::fatal(const std::string& message) {
  if (failed_) return;
  failed_ = true;
  FF_LOG_ERROR("fabric: %s", message.c_str());
  if (on_fatal_) on_fatal_(message);
}

void FabricRuntime::finish_write(const fabric::MutationId& id, WriteOutcome outcome) {
  auto found = waiting_.find(id);
  if (found == waiting_.end()) return;
  auto done = std::move(found->second.done);
  waiting_.erase(found);
  done(std::move(outcome));
}

void FabricRuntime::write(const OpRequest& request, std::function<void(WriteOutcome)> done) {
  WriteOutcome outcome;
  if (stopped_ || failed_) {
    outcome.status = make_error(Errc::kUnavailable, "the node is shutting down or its journal failed");
    return done(std::move(outcome));
  }
  if (waiting_.size() >= kMaxWaitingWrites) {
    outcome.status = make_error(Errc::kLimitExceeded, "too many writes in flight");
    return done(std::move(outcome));
  }
  if (request.durability) {
    if (auto mounted = node_->mount(request.op.object, request.op.kind, *request.durability); !mounted.ok()) {
      outcome.status = mounted.error();
      return done(std::move(outcome));
    }
  }
  auto id = node_->apply(request.op, now_ms());
  if (!id.ok()) {
    outcome.status = id.error();
    drain();
    return done(std::move(outcome));
  }
  WaitingWrite waiting;
  waiting.done = std::move(done);
  waiting.timer = std::make_unique<boost::asio::steady_timer>(io_);
  waiting.timer->expires_after(std::chrono::milliseconds(node_->config().write_timeout_ms) +
                               kWriteWaitMargin);
  const fabric::MutationId mutation = *id;
  std::weak_ptr<bool> alive = alive_;
  waiting.timer->async_wait([this, alive, mutation](boost::system::error_code ec) {
    if (ec || alive.expired()) return;
    WriteOutcome late;
    late.write = mutation;
    late.status = make_error(Errc::kUnavailable, "the write did not complete in time");
    finish_write(mutation, std::move(late));
  });
  waiting_.emplace(mutation, std::move(waiting));
  drain();
}

void FabricRuntime::shutdown() {
  if (stopped_) return;
  // The Shutdown record goes to the journal thread with the rest; committer_->stop() below
  // syncs it, so the next start may write as the same replica.
  node_->shutdown(now_ms());
  drain();
  stopped_ = true;
  timer_.cancel();
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& [id, write] : waiting) {
    WriteOutcome outcome;
    outcome.write = id;
    outcome.status = make_error(Errc::kUnavailable, "the node is shutting down");
    write.done(std::move(outcome));
  }
  auto watchers = std::move(watchers_);
  watchers_.clear();
  for (auto& [id, watcher] : watchers) watcher.done();
  for (auto& [key, link] : links_) {
    if (link.outbound) link.outbound->close_write();
  }
  if (committer_) {
    auto stopped = committer_->stop();
    if (!stopped.ok()) FF_LOG_ERROR("fabric: %s", stopped.error().message.c_str());
  }
}

std::uint64_t FabricRuntime::object_version(const std::string& name) const {
  auto found = versions_.find(name);
  return found == versions_.end() ? 0 : found->second;
}

void FabricRuntime::watch(const std::string& name, std::uint64_t after, std::chrono::milliseconds wait,
                          std::function<void()> done) {
  if (stopped_ || object_version(name) > after || wait.count() == 0 || watchers_.size() >= kMaxWatchers) {
    done();
    return;
  }
  const std::uint64_t id = next_watcher_id_++;
  Watcher watcher{name, after, std::move(done), std::make_unique<boost::asio::steady_timer>(io_)};
  watcher.timer->expires_after(wait);
  std::weak_ptr<bool> alive = alive_;
  watcher.timer->async_wait([this, alive, id](boost::system::error_code ec) {
    if (!ec && !alive.expired()) finish_watch(id);
  });
  watchers_.emplace(id, std::move(watcher));
}

void FabricRuntime::object_changed(const std::string& name) {
  const std::uint64_t version = ++versions_[name];
  std::vector<std::uint64_t> ready;
  for (const auto& [id, watcher] : watchers_) {
    if (watcher.name == name && version > watcher.after) ready.push_back(id);
  }
  for (const std::uint64_t id : ready) finish_watch(id);
}

void FabricRuntime::finish_watch(std::uint64_t id) {
  auto found = watchers_.find(id);
  if (found == watchers_.end()) return;
  Watcher watcher = std::move(found->second);
  watchers_.erase(found);
  watcher.timer->cancel();
  watcher.done();
}

std::string FabricRuntime::node_json() const {
  json addrs = json::array();
  json ws_addrs = json::array();
  for (const auto& addr : addrs_) {
    addrs.push_back(addr);
    if (addr.find("/ws") != std::string::npos) ws_addrs.push_back(addr);
  }
  return json{{"program_id", node_->config().program_id},
              {"peer_id", node_->config().peer_id},
              {"sovereignty", fabric::sovereignty_name(node_->config().sovereignty)},
              {"replica_id", std::to_string(node_->replica_id())},
              {"addrs", addrs},
              {"ws_addrs", ws_addrs}}
      .dump();
}

std::string FabricRuntime::peers_json() const {
  json peers = json::array();
  for (const auto& peer : node_->peers()) {
    peers.push_back({{"peer", peer.peer},
                     {"replica_id", std::to_string(peer.replica)},
                     {"sovereignty", fabric::sovereignty_name(peer.sovereignty)},
                     {"capability_tier", peer.capability_tier},
                     {"agent", peer.agent},
                     {"stale", peer.stale},
                     {"last_pulse_ms", peer.last_pulse_ms}});
  }
  json connections = json::array();
  if (swarm_) {
    for (const auto& info : swarm_->connections()) {
      connections.push_back({{"peer", info.peer.to_base58()},
                             {"addr", info.addr.to_string()},
                             {"direction", net::direction_name(info.direction)}});
    }
  }
  return json{{"peers", peers}, {"connections", connections}}.dump();
}

std::string FabricRuntime::state_json() const { return node_->state_json(); }

Result<std::string> FabricRuntime::object_json(const std::string& name) const {
  return node_->object_json(name);
}

MetricsSample FabricRuntime::metrics() const {
  MetricsSample sample;
  sample.fabric = node_->metrics();
  sample.connections = swarm_ ? swarm_->stats().connections : 0;
  sample.journal_file_bytes = committer_ ? committer_->file_bytes() : 0;
  return sample;
}

}  // namespace ff::node
