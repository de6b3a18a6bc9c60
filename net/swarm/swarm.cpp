#include "net/swarm/swarm.hpp"

#include <sodium.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cmath>

#include "net/protocols/perf.hpp"
#include "net/protocols/ping.hpp"
#include "net/swarm/swarm_log.hpp"

namespace ff::net {

namespace {

std::uint64_t seed_from_os() {
  std::uint64_t seed = 0;
  randombytes_buf(&seed, sizeof seed);
  return seed;
}

std::uint64_t steady_now_us() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

// Shared between the callbacks of one request that must answer exactly once.
template <class T>
struct Once {
  std::function<void(Result<T>)> done;
  void finish(Result<T> result) {
    if (!done) return;
    auto callback = std::move(done);
    done = nullptr;
    callback(std::move(result));
  }
};

}  // namespace

Result<std::unique_ptr<Swarm>> Swarm::create(boost::asio::io_context& io, PrivateKey key, SwarmConfig config,
                                             SwarmObserver observer) {
  if (sodium_init() < 0) return make_error(Errc::kIo, "libsodium failed to initialise");
  auto swarm = std::unique_ptr<Swarm>(
      new Swarm(io, std::move(key), std::move(config), std::move(observer), seed_from_os()));
  GossipSubConfig gossip = swarm->config_.gossip;
  gossip.signature_policy =
      swarm->config_.gossip_sign ? SignaturePolicy::kStrictSign : SignaturePolicy::kStrictNoSign;
  std::optional<PrivateKey> signer;
  if (swarm->config_.gossip_sign) signer = swarm->key_;
  FF_TRY_ASSIGN(GossipSub router, GossipSub::create(gossip, swarm->rng_, std::move(signer), swarm->now_ms()));
  swarm->router_.emplace(std::move(router));
  if (swarm->config_.gossip_sign && swarm->config_.gossip_verify_threads > 0) {
    VerificationWorkerConfig verify;
    verify.policy = SignaturePolicy::kStrictSign;
    verify.threads = swarm->config_.gossip_verify_threads;
    verify.max_pending_rpcs = swarm->config_.gossip_verify_max_pending_rpcs;
    verify.max_pending_verifications = swarm->config_.gossip_verify_max_pending_verifications;
    // Runs on a worker thread: only posts. The worker is stopped (joined) first thing in
    // ~Swarm, and `alive` keeps a post that is still queued then from touching the swarm.
    Swarm* raw = swarm.get();
    FF_TRY_ASSIGN(swarm->verifier_, VerificationWorker::create(verify, [raw, &io, alive = swarm->alive_] {
                    boost::asio::post(io, [raw, alive] {
                      if (*alive && raw->verifier_) raw->gossip_take_verified(raw->verifier_->take_ready());
                    });
                  }));
  }
  swarm->register_builtin_protocols();
  swarm->arm_gossip_timer();
  swarm->arm_ping_monitor();
  return swarm;
}

Swarm::Swarm(boost::asio::io_context& io, PrivateKey key, SwarmConfig config, SwarmObserver observer,
             std::uint64_t seed)
    : io_(io),
      key_(std::move(key)),
      peer_id_(PeerId::from_public_key(key_.public_key())),
      config_(std::move(config)),
      observer_(std::move(observer)),
      rng_(seed),
      transport_(io),
      gossip_timer_(io),
      ping_timer_(io),
      shutdown_timer_(io) {}

Swarm::~Swarm() {
  // The verification threads go first: after this nothing posts to io_ for us.
  if (verifier_) verifier_->stop();
  // Nothing the owner gave us may run from here on: its objects may already be gone.
  *alive_ = false;
  observer_ = {};
  pending_dials_.clear();
  pending_hangups_.clear();
  shutdown_done_ = nullptr;
  transport_.close_listeners();
  auto connections = std::move(connections_);
  connections_.clear();
  for (auto& [id, connection] : connections) connection->close("swarm destroyed");
}

std::uint64_t Swarm::now_ms() const {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

Result<Multiaddr> Swarm::listen(const Multiaddr& addr) {
  FF_TRY_ASSIGN(Multiaddr bound,
                transport_.listen(addr, [this, alive = alive_](std::unique_ptr<ByteStream> socket) {
                  if (*alive) accept(std::move(socket));
                }));
  listen_addrs_.push_back(bound);
  FF_TRY_ASSIGN(Multiaddr p2p, Multiaddr::parse("/p2p/" + peer_id_.to_base58()));
  return bound.encapsulate(p2p);
}

void Swarm::accept(std::unique_ptr<ByteStream> socket) {
  std::size_t upgrading = 0;
  for (auto& [id, connection] : connections_) upgrading += connection->established() ? 0 : 1;
  if (shutting_down_ || connections_.size() >= config_.max_connections || upgrading >= kMaxPendingUpgrades) {
    FF_LOG_INFO("refusing inbound connection from %s: connection limit",
                socket->remote_addr().to_string().c_str());
    socket->close();
    return;
  }
  Multiaddr remote = socket->remote_addr();
  auto connection = std::make_shared<Connection>(io_, std::move(socket), Direction::kInbound, *this,
                                                 std::nullopt, std::move(remote));
  connections_[connection->id()] = connection;
  connection->start();
}

void Swarm::dial(const Multiaddr& addr, std::function<void(Result<ConnectionInfo>)> done) {
  if (shutting_down_) {
    boost::asio::post(io_, [done = std::move(done)] { done(make_error(Errc::kIo, "dial: shutting down")); });
    return;
  }
  std::optional<PeerId> expected = addr.peer_id();
  transport_.dial(addr, [this, alive = alive_, addr, expected,
                         done = std::move(done)](Result<std::unique_ptr<ByteStream>> socket) mutable {
    if (!*alive) return;
    if (!socket.ok()) return done(socket.error());
    if (connections_.size() >= config_.max_connections) {
      (*socket)->close();
      return done(make_error(Errc::kLimitExceeded, "dial: connection limit reached"));
    }
    auto connection =
        std::make_shared<Connection>(io_, std::move(*socket), Direction::kOutbound, *this, expected, addr);
    connections_[connection->id()] = connection;
    pending_dials_[connection->id()] = std::move(done);
    connection->start();
  });
}

void Swarm::handle(std::string protocol, StreamHandler handler, std::size_t max_inbound_per_connection) {
  handlers_[std::move(protocol)] = Handler{std::move(handler), max_inbound_per_connection};
}

std::vector<std::string> Swarm::inbound_protocols() const {
  std::vector<std::string> protocols;
  for (const auto& [name, handler] : handlers_) protocols.push_back(name);
  return protocols;
}

std::size_t Swarm::max_inbound_streams(const std::string& protocol) const {
  auto found = handlers_.find(protocol);
  return found == handlers_.end() ? 0 : found->second.max_inbound;
}

ConnectionInfo Swarm::info(const Connection& connection) const {
  // Only called for connections whose upgrade authenticated the peer.
  return ConnectionInfo{connection.id(), *connection.remote_peer(), connection.remote_addr(),
                        connection.direction(), connection.rtt_ms()};
}

bool Swarm::on_connection_established(const std::shared_ptr<Connection>& connection) {
  const PeerId& peer = *connection->remote_peer();
  std::size_t to_peer = 0;
  for (auto& [id, other] : connections_) {
    if (other != connection && other->established() && other->remote_peer() == peer) ++to_peer;
  }
  auto pending = pending_dials_.find(connection->id());
  std::function<void(Result<ConnectionInfo>)> dial_done;
  if (pending != pending_dials_.end()) {
    dial_done = std::move(pending->second);
    pending_dials_.erase(pending);
  }
  if (shutting_down_ || to_peer >= config_.max_connections_per_peer) {
    if (dial_done) dial_done(make_error(Errc::kLimitExceeded, "too many connections to " + peer.to_base58()));
    return false;
  }
  FF_LOG_INFO("connection %llu %s %s %s established", static_cast<unsigned long long>(connection->id()),
              direction_name(connection->direction()), connection->remote_addr().to_string().c_str(),
              peer.to_base58().c_str());
  const ConnectionInfo connected = info(*connection);
  if (observer_.on_connected) observer_.on_connected(connected);
  if (dial_done) dial_done(connected);
  if (connection->closed()) return true;
  start_identify(connection);
  gossip_connection_up(connection);
  return true;
}

void Swarm::on_inbound_stream(const std::shared_ptr<SwarmStream>& stream) {
  auto found = handlers_.find(stream->protocol());
  if (found == handlers_.end()) {
    stream->reset();
    return;
  }
  found->second.handler(stream);
}

void Swarm::on_connection_closed(const std::shared_ptr<Connection>& connection, const std::string& reason,
                                 bool was_established) {
  connections_.erase(connection->id());
  auto pending = pending_dials_.find(connection->id());
  if (pending != pending_dials_.end()) {
    auto done = std::move(pending->second);
    pending_dials_.erase(pending);
    done(make_error(Errc::kIo, "connection failed: " + reason));
  }
  if (was_established && connection->remote_peer()) {
    const PeerId& peer = *connection->remote_peer();
    if (observer_.on_disconnected) observer_.on_disconnected(info(*connection), reason);
    if (!connection_to(peer)) {
      // What the peer sent before it left still counts: finish its verifications first
      // (bounded by the worker's pending limits).
      if (verifier_ && verifier_->has_pending(peer)) gossip_take_verified(verifier_->finish_peer(peer));
      gossip_peers_.erase(peer);
      router_->remove_peer(peer);
      auto hangups = pending_hangups_.find(peer);
      if (hangups != pending_hangups_.end()) {
        auto callbacks = std::move(hangups->second);
        pending_hangups_.erase(hangups);
        for (auto& callback : callbacks) callback();
      }
    } else {
      // The peer's gossip streams may have lived on this connection.
      auto gossip = gossip_peers_.find(peer);
      if (gossip != gossip_peers_.end() && gossip->second.outbound && !gossip->second.outbound->is_open()) {
        gossip->second.outbound.reset();
        router_->set_peer_writable(peer, false);
        gossip_connection_up(connection_to(peer));
      }
    }
  }
  maybe_finish_shutdown();
}

std::shared_ptr<Connection> Swarm::connection_to(const PeerId& peer) const {
  for (const auto& [id, connection] : connections_) {
    if (connection->established() && connection->remote_peer() == peer) return connection;
  }
  return nullptr;
}

void Swarm::open_stream(const PeerId& peer, std::vector<std::string> protocols,
                        std::function<void(Result<std::shared_ptr<SwarmStream>>)> done) {
  auto connection = connection_to(peer);
  if (!connection) {
    boost::asio::post(io_, [done = std::move(done), text = peer.to_base58()] {
      done(make_error(Errc::kNotFound, "not connected to " + text));
    });
    return;
  }
  connection->open_stream(std::move(protocols), std::move(done));
}

std::vector<ConnectionInfo> Swarm::connections() const {
  std::vector<ConnectionInfo> out;
  for (const auto& [id, connection] : connections_) {
    if (connection->established()) out.push_back(info(*connection));
  }
  return out;
}

std::vector<PeerId> Swarm::peers() const {
  std::set<PeerId> unique;
  for (const auto& [id, connection] : connections_) {
    if (connection->established()) unique.insert(*connection->remote_peer());
  }
  return std::vector<PeerId>(unique.begin(), unique.end());
}

SwarmStats Swarm::stats() const {
  SwarmStats stats;
  for (const auto& [id, connection] : connections_) {
    if (!connection->established()) continue;
    ++stats.connections;
    stats.streams += connection->stream_count();
  }
  stats.peers = peers().size();
  return stats;
}

void Swarm::hangup(const PeerId& peer, std::function<void()> done) {
  std::vector<std::shared_ptr<Connection>> to_close;
  for (auto& [id, connection] : connections_) {
    if (connection->remote_peer() == peer) to_close.push_back(connection);
  }
  if (to_close.empty()) {
    boost::asio::post(io_, std::move(done));
    return;
  }
  pending_hangups_[peer].push_back(std::move(done));
  for (auto& connection : to_close) connection->close_gracefully("hangup");
}

void Swarm::shutdown(std::function<void()> done) {
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  transport_.close_listeners();
  gossip_timer_.cancel();
  ping_timer_.cancel();
  std::vector<std::shared_ptr<Connection>> all;
  for (auto& [id, connection] : connections_) all.push_back(connection);
  for (auto& connection : all) connection->close_gracefully("shutting down");
  shutdown_timer_.expires_after(kShutdownGrace);
  shutdown_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive) return;
    std::vector<std::shared_ptr<Connection>> left;
    for (auto& [id, connection] : connections_) left.push_back(connection);
    for (auto& connection : left) connection->close("shutdown grace period over");
    maybe_finish_shutdown();
  });
  boost::asio::post(io_, [this, alive = alive_] {
    if (*alive) maybe_finish_shutdown();
  });
}

void Swarm::maybe_finish_shutdown() {
  if (!shutting_down_ || !connections_.empty() || !shutdown_done_) return;
  shutdown_timer_.cancel();
  auto done = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  done();
}

// ---------------------------------------------------------------------------------------
// Built-in protocols.

void Swarm::register_builtin_protocols() {
  // Stream limits per connection follow js-libp2p's (notes §1.2), echo allows 256.
  handle(
      std::string(kIdentifyProtocolId), [this](const auto& stream) { answer_identify(stream); }, 1);
  handle(
      std::string(kIdentifyPushProtocolId), [this](const auto& stream) { read_identify_push(stream); }, 1);
  handle(
      std::string(kPingProtocolId), [this](const auto& stream) { answer_ping(stream); }, 2);
  handle(
      std::string(kEchoProtocolId), [this](const auto& stream) { answer_echo(stream); }, kMaxEchoStreams);
  handle(
      std::string(kPerfProtocolId), [this](const auto& stream) { answer_perf(stream); }, 1);
  for (const char* id : {kMeshsub11ProtocolId, kMeshsub10ProtocolId, kFloodsubProtocolId}) {
    handle(
        id, [this](const auto& stream) { gossip_inbound(stream); }, 2);
  }
}

void Swarm::answer_identify(const std::shared_ptr<SwarmStream>& stream) {
  IdentifyLocalInfo local;
  local.agent_version = config_.agent_version;
  local.listen_addrs = listen_addrs_;
  local.protocols = inbound_protocols();
  std::optional<Multiaddr> observed;
  if (auto connection = stream->connection(); connection && !connection->observed_remote_addr().empty()) {
    observed = connection->observed_remote_addr();
  }
  auto frame = build_identify_frame(key_.public_key(), local, observed);
  if (!frame.ok()) {
    FF_LOG_ERROR("identify: cannot build our message: %s", frame.error().message.c_str());
    stream->reset();
    return;
  }
  stream->set_handlers({});
  (void)stream->write(*frame);
  stream->close_write();
}

void Swarm::start_identify(const std::shared_ptr<Connection>& connection) {
  connection->open_stream(
      {std::string(kIdentifyProtocolId)},
      [this, alive = alive_,
       weak = std::weak_ptr<Connection>(connection)](Result<std::shared_ptr<SwarmStream>> opened) {
        if (!*alive) return;
        if (!opened.ok()) {
          FF_LOG_INFO("identify: cannot open a stream: %s", opened.error().message.c_str());
          return;
        }
        auto stream = *opened;
        auto reader = std::make_shared<IdentifyReader>();
        auto timer = std::make_shared<boost::asio::steady_timer>(io_, kIdentifyTimeout);
        auto finish = [this, alive, reader, timer, stream_weak = std::weak_ptr<SwarmStream>(stream)]() {
          timer->cancel();
          auto stream = stream_weak.lock();
          if (!stream || !*alive) return;
          const PeerId peer = stream->peer();
          if (reader->state() == IdentifyReader::State::kComplete) {
            auto result = validate_identify(reader->message(), peer, IdentifyKind::kIdentify);
            stream->close_write();
            if (!result.ok()) {
              FF_LOG_INFO("identify from %s rejected: %s", peer.to_base58().c_str(),
                          result.error().message.c_str());
              return;
            }
            if (observer_.on_identify) observer_.on_identify(peer, *result);
          } else {
            FF_LOG_INFO("identify from %s failed: %s", peer.to_base58().c_str(),
                        reader->error().message.c_str());
            stream->reset();
          }
        };
        timer->async_wait([stream_weak = std::weak_ptr<SwarmStream>(stream)](boost::system::error_code ec) {
          if (ec) return;
          if (auto stream = stream_weak.lock()) stream->reset();
        });
        stream->set_handlers({
            .on_data =
                [reader, finish](ByteView bytes) {
                  if (reader->state() != IdentifyReader::State::kReading) return;
                  reader->feed(bytes);
                  if (reader->state() != IdentifyReader::State::kReading) finish();
                },
            .on_eof =
                [reader, finish] {
                  if (reader->state() != IdentifyReader::State::kReading) return;
                  reader->finish();
                  finish();
                },
            .on_reset = [timer](const std::string&) { timer->cancel(); },
            .on_drain = nullptr,
        });
        stream->close_write();  // the requester sends nothing
      });
}

void Swarm::read_identify_push(const std::shared_ptr<SwarmStream>& stream) {
  auto reader = std::make_shared<IdentifyReader>();
  std::weak_ptr<SwarmStream> weak = stream;
  auto check = [this, alive = alive_, reader, weak] {
    auto stream = weak.lock();
    if (!stream || !*alive || reader->state() == IdentifyReader::State::kReading) return;
    if (reader->state() == IdentifyReader::State::kComplete) {
      auto result = validate_identify(reader->message(), stream->peer(), IdentifyKind::kPush);
      if (!result.ok()) FF_LOG_INFO("identify push rejected: %s", result.error().message.c_str());
      stream->close_write();
    } else {
      stream->reset();
    }
  };
  stream->set_handlers({
      .on_data =
          [reader, check](ByteView bytes) {
            if (reader->state() != IdentifyReader::State::kReading) return;
            reader->feed(bytes);
            check();
          },
      .on_eof =
          [reader, check] {
            if (reader->state() != IdentifyReader::State::kReading) return;
            reader->finish();
            check();
          },
      .on_reset = nullptr,
      .on_drain = nullptr,
  });
}

void Swarm::answer_ping(const std::shared_ptr<SwarmStream>& stream) {
  auto responder = std::make_shared<PingResponder>();
  std::weak_ptr<SwarmStream> weak = stream;
  stream->set_handlers({
      .on_data =
          [responder, weak](ByteView bytes) {
            auto stream = weak.lock();
            if (!stream) return;
            if (!responder->on_data(bytes).ok() || !stream->write(responder->take_output()).ok())
              return stream->reset();
            // A peer that pings without reading the answers is held back by flow control.
            if (!stream->below_high_water()) stream->pause_reading();
          },
      .on_eof =
          [responder, weak] {
            auto stream = weak.lock();
            if (!stream) return;
            if (!responder->on_eof().ok()) return stream->reset();
            (void)stream->write(responder->take_output());
            stream->close_write();
          },
      .on_reset = nullptr,
      .on_drain =
          [weak] {
            if (auto stream = weak.lock()) stream->resume_reading();
          },
  });
}

void Swarm::ping(const PeerId& peer, std::function<void(Result<double>)> done) {
  auto connection = connection_to(peer);
  if (!connection) {
    boost::asio::post(io_, [done = std::move(done), text = peer.to_base58()] {
      done(make_error(Errc::kNotFound, "not connected to " + text));
    });
    return;
  }
  ping_connection(connection, std::move(done));
}

void Swarm::ping_connection(const std::shared_ptr<Connection>& connection,
                            std::function<void(Result<double>)> done) {
  auto once = std::make_shared<Once<double>>();
  once->done = std::move(done);
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, kPingTimeout);
  timer->async_wait([once](boost::system::error_code ec) {
    if (!ec) once->finish(make_error(Errc::kIo, "ping timed out"));
  });
  connection->open_stream({std::string(kPingProtocolId)}, [this, alive = alive_, once, timer,
                                                           weak_connection =
                                                               std::weak_ptr<Connection>(connection)](
                                                              Result<std::shared_ptr<SwarmStream>> opened) {
    if (!*alive) return;
    if (!opened.ok()) {
      timer->cancel();
      return once->finish(opened.error());
    }
    auto stream = *opened;
    auto initiator = std::make_shared<PingInitiator>();
    auto payload = initiator->start(rng_, steady_now_us());
    if (!payload.ok() || !stream->write(*payload).ok()) {
      stream->reset();
      timer->cancel();
      return once->finish(make_error(Errc::kIo, "ping: cannot write"));
    }
    std::weak_ptr<SwarmStream> weak = stream;
    stream->set_handlers({
        .on_data =
            [initiator, once, timer, weak, weak_connection](ByteView bytes) {
              auto rtt = initiator->on_data(bytes, steady_now_us());
              auto stream = weak.lock();
              if (!rtt.ok()) {
                if (stream) stream->reset();
                timer->cancel();
                return once->finish(rtt.error());
              }
              if (!*rtt) return;
              timer->cancel();
              if (stream) stream->close_write();
              const double rtt_ms = static_cast<double>(**rtt) / 1000.0;
              if (auto connection = weak_connection.lock()) {
                connection->set_rtt_ms(
                    std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(rtt_ms))));
              }
              once->finish(rtt_ms);
            },
        .on_eof = [once] { once->finish(make_error(Errc::kTruncated, "ping: the peer closed the stream")); },
        .on_reset =
            [once, timer](const std::string& reason) {
              timer->cancel();
              once->finish(make_error(Errc::kIo, "ping: " + reason));
            },
        .on_drain = nullptr,
    });
  });
}

void Swarm::arm_ping_monitor() {
  ping_timer_.expires_after(config_.ping_interval);
  ping_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive || shutting_down_) return;
    std::vector<std::shared_ptr<Connection>> established;
    for (auto& [id, connection] : connections_) {
      if (connection->established()) established.push_back(connection);
    }
    for (auto& connection : established) {
      std::weak_ptr<Connection> weak = connection;
      ping_connection(connection, [weak](const Result<double>& rtt) {
        auto connection = weak.lock();
        if (!connection || rtt.ok()) return;
        // js-libp2p's rule: a peer that does not speak ping is alive; any other failure
        // (timeout, reset) means the connection is dead.
        if (rtt.error().code == Errc::kUnsupported) return;
        // Our own bounds (a busy connection's stream-open queue) say nothing about the peer.
        if (rtt.error().code == Errc::kLimitExceeded) return;
        connection->close("ping monitor: " + rtt.error().message);
      });
    }
    arm_ping_monitor();
  });
}

// ---------------------------------------------------------------------------------------
// GossipSub wiring.

void Swarm::gossip_connection_up(const std::shared_ptr<Connection>& connection) {
  if (!connection || shutting_down_) return;
  const PeerId peer = *connection->remote_peer();
  GossipPeer& state = gossip_peers_[peer];
  if (state.outbound || state.opening) return;
  state.opening = true;
  const bool outbound = connection->direction() == Direction::kOutbound;
  connection->open_stream(
      {kMeshsub11ProtocolId, kMeshsub10ProtocolId, kFloodsubProtocolId},
      [this, alive = alive_, peer, outbound](Result<std::shared_ptr<SwarmStream>> opened) {
        if (!*alive) return;
        auto found = gossip_peers_.find(peer);
        if (found == gossip_peers_.end()) {
          if (opened.ok()) (*opened)->reset();
          return;
        }
        found->second.opening = false;
        if (!opened.ok()) {
          FF_LOG_INFO("gossipsub: no pubsub stream to %s: %s", peer.to_base58().c_str(),
                      opened.error().message.c_str());
          return;
        }
        auto stream = *opened;
        found->second.outbound = stream;
        gossip_ensure_peer(peer, stream->protocol(), outbound);
        std::weak_ptr<SwarmStream> weak = stream;
        stream->set_handlers({
            .on_data = nullptr,  // the peer never writes on the stream we opened
            .on_eof = nullptr,
            .on_reset =
                [this, alive, peer](const std::string& reason) {
                  if (!*alive) return;
                  FF_LOG_INFO("gossipsub: our stream to %s ended: %s", peer.to_base58().c_str(),
                              reason.c_str());
                  auto found = gossip_peers_.find(peer);
                  if (found == gossip_peers_.end()) return;
                  found->second.outbound.reset();
                  router_->set_peer_writable(peer, false);
                },
            .on_drain =
                [this, alive, peer] {
                  if (!*alive) return;
                  router_->set_peer_writable(peer, true);
                  gossip_drain();
                },
        });
        router_->set_peer_writable(peer, true);
        gossip_drain();
      });
}

void Swarm::gossip_ensure_peer(const PeerId& peer, const std::string& protocol, bool outbound) {
  if (router_->has_peer(peer)) return;
  auto kind = pubsub_protocol_from_id(protocol);
  auto status = router_->add_peer(peer, kind ? *kind : PubsubProtocol::kMeshsub11, outbound, now_ms());
  if (!status.ok()) {
    FF_LOG_INFO("gossipsub: cannot add %s: %s", peer.to_base58().c_str(), status.error().message.c_str());
    return;
  }
  auto found = gossip_peers_.find(peer);
  router_->set_peer_writable(peer, found != gossip_peers_.end() && found->second.outbound != nullptr);
  gossip_drain();
}

void Swarm::gossip_inbound(const std::shared_ptr<SwarmStream>& stream) {
  const PeerId peer = stream->peer();
  GossipPeer& state = gossip_peers_[peer];
  if (state.inbound && state.inbound != stream) {
    // A new inbound stream replaces the old one (js does the same).
    state.inbound->reset();
    router_->reset_inbound_stream(peer);
  }
  state.inbound = stream;
  bool outbound = false;
  if (auto connection = stream->connection()) outbound = connection->direction() == Direction::kOutbound;
  gossip_ensure_peer(peer, stream->protocol(), outbound);
  if (!state.outbound && !state.opening) gossip_connection_up(stream->connection());
  std::weak_ptr<SwarmStream> weak = stream;
  stream->set_handlers({
      .on_data =
          [this, alive = alive_, peer, weak](ByteView bytes) {
            if (!*alive) return;
            Status status;
            if (verifier_) {
              std::vector<Rpc> rpcs;
              status = router_->decode_stream_data(peer, bytes, rpcs);
              // RPCs framed before a stream error still arrived: handle them first.
              const bool lone = rpcs.size() == 1;
              for (Rpc& rpc : rpcs) gossip_route_rpc(peer, std::move(rpc), lone);
            } else {
              status = router_->handle_stream_data(peer, bytes, now_ms());
            }
            if (!status.ok() && status.error().code != Errc::kNotFound) {
              FF_LOG_INFO("gossipsub: stream from %s broken: %s", peer.to_base58().c_str(),
                          status.error().message.c_str());
              router_->reset_inbound_stream(peer);
              if (auto stream = weak.lock()) stream->reset();
            }
            gossip_drain();
          },
      .on_eof =
          [weak] {
            if (auto stream = weak.lock()) stream->close_write();
          },
      .on_reset = nullptr,
      .on_drain = nullptr,
  });
}

void Swarm::gossip_drain() {
  if (draining_gossip_) return;
  draining_gossip_ = true;
  while (auto effect = router_->poll_effect()) {
    if (auto* send = std::get_if<SendRpc>(&*effect)) {
      auto found = gossip_peers_.find(send->peer);
      if (found == gossip_peers_.end() || !found->second.outbound) continue;
      auto& stream = found->second.outbound;
      if (!stream->write(send->frame).ok()) {
        FF_LOG_INFO("gossipsub: dropped a frame to %s (stream queue full)", send->peer.to_base58().c_str());
      }
      if (!stream->below_high_water()) router_->set_peer_writable(send->peer, false);
    } else if (auto* deliver = std::get_if<Deliver>(&*effect)) {
      if (observer_.on_message) observer_.on_message(*deliver);
    } else {
      const auto& event = std::get<PeerEvent>(*effect);
      switch (event.kind) {
        case PeerEvent::Kind::kSubscribed:
        case PeerEvent::Kind::kUnsubscribed:
          if (observer_.on_subscription) {
            observer_.on_subscription(event.peer, event.topic, event.kind == PeerEvent::Kind::kSubscribed);
          }
          break;
        case PeerEvent::Kind::kInvalidMessage:
        case PeerEvent::Kind::kInvalidRpc:
          FF_LOG_DEBUG("gossipsub: invalid input from %s: %s", event.peer.to_base58().c_str(),
                       event.detail.c_str());
          break;
        case PeerEvent::Kind::kStreamError: {
          FF_LOG_INFO("gossipsub: stream error from %s: %s", event.peer.to_base58().c_str(),
                      event.detail.c_str());
          auto found = gossip_peers_.find(event.peer);
          if (found != gossip_peers_.end() && found->second.inbound) found->second.inbound->reset();
          router_->reset_inbound_stream(event.peer);
          break;
        }
      }
    }
  }
  draining_gossip_ = false;
}

void Swarm::gossip_route_rpc(const PeerId& peer, Rpc rpc, bool lone) {
  std::vector<bool> verify(rpc.messages.size());
  std::size_t verifications = 0;
  for (std::size_t i = 0; i < rpc.messages.size(); ++i) {
    verify[i] = router_->needs_verification(rpc.messages[i]);
    verifications += verify[i] ? 1 : 0;
  }
  // Handled here, at once: an RPC with nothing to verify and nothing of this peer's ahead of
  // it, and a lone message (the only RPC of its read) while the worker is idle: handing it
  // over would only add two thread wake-ups to its latency. A loop that falls behind reads
  // several frames at once, and those go to the worker, so the split adapts to the load.
  const bool inline_ok = verifications == 0 ? !verifier_->has_pending(peer)
                                            : lone && verifications == 1 && verifier_->pending_rpcs() == 0;
  if (inline_ok) {
    (void)router_->handle_rpc(peer, std::move(rpc), now_ms());
    gossip_drain();
    return;
  }
  // Back-pressure: while the worker is full, verify here (see the class comment).
  while (!verifier_->has_room(verifications)) {
    verifier_->run_one();
    gossip_take_verified(verifier_->take_ready());
  }
  auto status = verifier_->submit(peer, std::move(rpc), std::move(verify));
  if (!status.ok()) {
    // Only when the worker is stopped (has_room just said it fits): the RPC is lost.
    FF_LOG_INFO("gossipsub: dropped an RPC from %s: %s", peer.to_base58().c_str(),
                status.error().message.c_str());
  }
}

void Swarm::gossip_take_verified(std::vector<VerifiedRpc> verified) {
  if (verified.empty()) return;
  const std::uint64_t now = now_ms();
  for (VerifiedRpc& done : verified) {
    // kNotFound: the peer was removed meanwhile; nothing to deliver it to.
    (void)router_->handle_prevalidated(done.peer, std::move(done.prevalidated), now);
  }
  gossip_drain();
}

VerificationWorkerStats Swarm::gossip_verification_stats() const {
  return verifier_ ? verifier_->stats() : VerificationWorkerStats{};
}

void Swarm::arm_gossip_timer() {
  auto due = router_->poll_timeout();
  const std::uint64_t now = now_ms();
  const std::uint64_t wait_ms = due && *due > now ? *due - now : (due ? 0 : 1000);
  gossip_timer_.expires_after(std::chrono::milliseconds(wait_ms));
  gossip_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive || shutting_down_) return;
    router_->handle_timeout(now_ms());
    gossip_drain();
    arm_gossip_timer();
  });
}

Status Swarm::subscribe(const std::string& topic) {
  FF_TRY(router_->subscribe(topic, now_ms()));
  topics_.insert(topic);
  gossip_drain();
  return {};
}

Status Swarm::unsubscribe(const std::string& topic) {
  FF_TRY(router_->unsubscribe(topic, now_ms()));
  topics_.erase(topic);
  gossip_drain();
  return {};
}

std::vector<PeerId> Swarm::topic_subscribers(const std::string& topic) const {
  std::vector<PeerId> out;
  for (const auto& [peer, state] : gossip_peers_) {
    const auto topics = router_->peer_topics(peer);
    if (std::find(topics.begin(), topics.end(), topic) != topics.end()) out.push_back(peer);
  }
  return out;
}

bool Swarm::gossip_congested() const {
  for (const auto& [peer, state] : gossip_peers_) {
    const std::size_t bytes =
        router_->queued_bytes(peer) + (state.outbound ? state.outbound->queued_bytes() : 0);
    if (bytes > kGossipPublishHoldBytes || router_->queued_frames(peer) > kGossipPublishHoldFrames)
      return true;
  }
  return false;
}

Result<std::size_t> Swarm::publish(const std::string& topic, ByteView data) {
  // The router's count of the topic's peers: the same peers topic_subscribers() lists (the
  // router knows exactly the gossip peers), without copying every peer's topics per publish.
  const std::size_t recipients = router_->topic_peer_count(topic);
  FF_TRY(router_->publish(topic, data, now_ms()));
  gossip_drain();
  return recipients;
}

}  // namespace ff::net
