// FabricRuntime: drives one ff::fabric::FabricNode from the native event loop (docs/api.md,
// "Runtime"). One io_context thread runs the Swarm and this runtime:
// - every libp2p connection gets our outbound /fabric/1.0.0 stream carrying length-prefixed
//   frames (SendDirect); frames read from the peer's inbound stream go to handle_direct,
//   and a frame above kMaxDirectFrameBytes resets the stream and hangs up the peer;
// - the node's sync topic is subscribed; Publish effects are published on it;
// - Persist effects are handed to the journal thread (JournalCommitter, one per runtime),
//   which appends them and makes them durable with group commit: one fdatasync covers every
//   record handed over before it started, and the records handed over while it runs wait
//   for the next one. When a sync ends, persisted(highest ticket covered) runs back on the
//   io_context thread. The loop itself never waits for the disk (an fdatasync takes
//   milliseconds, during which libp2p traffic, HTTP requests and other writes would stall),
//   except when kMaxJournalQueueBytes are already waiting for it;
// - a steady timer calls handle_timeout at next_timeout_ms();
// - at creation the journal is recovered and every record fed to restore().
// It is the ApiBackend of the HTTP routes.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first
#include <vector>

#include "core/fabric/fabric_node.hpp"
#include "core/journal/journal_writer.hpp"
#include "net/swarm/swarm.hpp"
#include "node/http/api_router.hpp"
#include "node/storage/file_storage.hpp"

namespace ff::node {

inline constexpr const char* kJournalFileName = "fabric.journal";
// Frames queued for a peer whose outbound stream is still opening (or congested).
inline constexpr std::size_t kMaxQueuedFramesPerPeer = 4096;
inline constexpr std::size_t kMaxQueuedBytesPerPeer = 16 * 1024 * 1024;
// HTTP writes waiting for their kWriteDone, and the longest they wait beyond the node's
// own write timeout.
inline constexpr std::size_t kMaxWaitingWrites = 10000;
inline constexpr std::chrono::milliseconds kWriteWaitMargin{5000};
// Records handed to the journal thread and not yet taken by it. Beyond either bound the
// loop waits for the thread (the disk is this far behind: back-pressure, not a drop, since
// the node already applied the write). The byte bound matches the journal's own
// max_unsynced_bytes; a single record larger than it is accepted when nothing is queued.
inline constexpr std::size_t kMaxJournalQueueBytes = journal::kDefaultMaxUnsyncedBytes;
inline constexpr std::size_t kMaxJournalQueueRecords = 65536;

struct RuntimeOptions {
  fabric::NodeConfig node;
  // Directory of the journal (created if missing); empty: no journal (Ephemeral).
  std::string journal_dir;
  // Test hook: wraps the journal's FileStorage (e.g. to slow its syncs down or make them
  // fail). The wrapper is used from the journal thread once create() returns.
  std::function<std::unique_ptr<journal::Storage>(std::unique_ptr<journal::Storage>)> wrap_journal_storage;
};

class JournalCommitter;  // the journal thread (fabric_runtime.cpp)

class FabricRuntime final : public ApiBackend {
 public:
  // Recovers the journal and builds the node. Errors say which step failed (journal
  // directory, journal open, a record the node refused, bad node config).
  static Result<std::unique_ptr<FabricRuntime>> create(boost::asio::io_context& io, RuntimeOptions options);
  ~FabricRuntime() override;

  // Registers the /fabric/1.0.0 handler on `swarm`, subscribes to the sync topic and starts
  // the timer. The swarm must outlive the runtime's use of it (shutdown() ends that).
  Status attach(net::Swarm& swarm);
  // Swarm observer inputs (the app forwards them).
  void on_connected(const net::ConnectionInfo& info);
  void on_disconnected(const net::ConnectionInfo& info);
  void on_message(const net::Deliver& message);
  // Called when the journal fails: the node cannot make writes durable any more.
  void set_fatal_handler(std::function<void(const std::string&)> handler) { on_fatal_ = std::move(handler); }
  // Addresses reported by GET /api/node.
  void set_addrs(std::vector<std::string> addrs) { addrs_ = std::move(addrs); }

  // Stops the timer, fails waiting writes, then waits for the journal thread to append and
  // sync every record handed to it and joins it. Call on the io_context thread.
  void shutdown();

  fabric::FabricNode& node() { return *node_; }
  std::uint64_t now_ms() const;
  std::size_t recovered_records() const { return recovered_records_; }

  // ApiBackend.
  std::string node_json() const override;
  std::string peers_json() const override;
  std::string state_json() const override;
  Result<std::string> object_json(const std::string& name) const override;
  void write(const OpRequest& request, std::function<void(WriteOutcome)> done) override;
  MetricsSample metrics() const override;
  std::uint64_t object_version(const std::string& name) const override;
  void watch(const std::string& name, std::uint64_t after, std::chrono::milliseconds wait,
             std::function<void()> done) override;

 private:
  struct PeerLink {
    std::size_t connections = 0;
    std::shared_ptr<net::SwarmStream> outbound;
    bool opening = false;
    std::deque<Bytes> queued;  // framed bytes waiting for the stream
    std::size_t queued_bytes = 0;
  };
  struct WaitingWrite {
    std::function<void(WriteOutcome)> done;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  // A GET /api/state/NAME?after=V&wait_ms=W waiting for the object's next change.
  struct Watcher {
    std::string name;
    std::uint64_t after = 0;
    std::function<void()> done;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };

  FabricRuntime(boost::asio::io_context& io, std::unique_ptr<fabric::FabricNode> node);

  void drain();
  void carry_out(fabric::SendDirect& send);
  void carry_out(fabric::Publish& publish);
  void carry_out(fabric::Persist& persist);
  void carry_out(fabric::Disconnect& disconnect);
  void carry_out(fabric::Event& event);
  void open_outbound(const net::PeerId& peer);
  void flush_queue(PeerLink& link);
  void accept_inbound(const std::shared_ptr<net::SwarmStream>& stream);
  // On the io_context thread, once the journal thread has synced every ticket <= `ticket`.
  void on_durable(std::uint64_t ticket);
  void arm_timer();
  void fatal(const std::string& message);
  void finish_write(const fabric::MutationId& id, WriteOutcome outcome);
  void object_changed(const std::string& name);
  void finish_watch(std::uint64_t id);

  boost::asio::io_context& io_;
  std::unique_ptr<fabric::FabricNode> node_;
  net::Swarm* swarm_ = nullptr;
  std::unique_ptr<JournalCommitter> committer_;  // null without a journal
  std::size_t recovered_records_ = 0;
  std::map<std::string, PeerLink> links_;  // by PeerId text
  std::map<fabric::MutationId, WaitingWrite> waiting_;
  std::map<std::string, std::uint64_t> versions_;  // changes per object since start
  std::map<std::uint64_t, Watcher> watchers_;      // by id, at most kMaxWatchers
  std::uint64_t next_watcher_id_ = 1;
  std::vector<std::string> addrs_;
  boost::asio::steady_timer timer_;
  std::uint64_t timer_target_ms_ = UINT64_MAX;
  bool draining_ = false;
  bool failed_ = false;
  bool stopped_ = false;
  std::function<void(const std::string&)> on_fatal_;
  std::chrono::steady_clock::time_point steady_base_;
  std::uint64_t wall_base_ms_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ff::node
