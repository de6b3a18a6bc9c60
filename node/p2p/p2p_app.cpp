#include "node/p2p/p2p_app.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first

#include "core/codec/base64.hpp"
#include "core/codec/hex.hpp"
#include "net/swarm/event_loop.hpp"
#include "net/swarm/swarm.hpp"
#include "net/swarm/swarm_log.hpp"
#include "node/run/data_dir.hpp"

namespace ff::node {

namespace {

using json = nlohmann::json;
using net::PeerId;

constexpr std::size_t kMaxCommandLineBytes = 16 * 1024 * 1024;
constexpr std::chrono::milliseconds kDialTimeout{15'000};
constexpr std::chrono::milliseconds kEchoTimeout{60'000};
constexpr std::chrono::milliseconds kPerfTimeout{120'000};

void emit(const json& event) {
  const std::string line = event.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

std::string addr_text(const net::Multiaddr& addr) { return addr.to_string(); }

json describe(const net::ConnectionInfo& info) {
  return {{"peer", info.peer.to_base58()},
          {"addr", addr_text(info.addr)},
          {"direction", net::direction_name(info.direction)}};
}

// A command's "peer": a peer id, or a multiaddr ending in /p2p/<id>.
Result<PeerId> parse_target(const json& command) {
  auto found = command.find("peer");
  if (found == command.end() || !found->is_string())
    return make_error(Errc::kInvalidInput, "missing \"peer\"");
  const std::string text = found->get<std::string>();
  if (!text.empty() && text[0] == '/') {
    FF_TRY_ASSIGN(net::Multiaddr addr, net::Multiaddr::parse(text));
    auto peer = addr.peer_id();
    if (!peer) return make_error(Errc::kInvalidInput, "the multiaddr names no peer (/p2p/<id>)");
    return *peer;
  }
  return PeerId::parse(text);
}

std::string string_field(const json& command, const char* name) {
  auto found = command.find(name);
  return found != command.end() && found->is_string() ? found->get<std::string>() : std::string();
}

std::uint64_t number_field(const json& command, const char* name, std::uint64_t fallback) {
  auto found = command.find(name);
  return found != command.end() && found->is_number_unsigned() ? found->get<std::uint64_t>() : fallback;
}

class P2pApp {
 public:
  explicit P2pApp(boost::asio::io_context& io) : io_(io), signals_(io, SIGTERM, SIGINT), publish_timer_(io) {}

  int run(const P2pOptions& options) {
    auto key =
        options.key_file.empty() ? net::PrivateKey::generate_ed25519() : load_or_create_key(options.key_file);
    if (!key.ok()) {
      std::fprintf(stderr, "largo p2p: %s\n", key.error().message.c_str());
      return 1;
    }
    net::SwarmConfig config;
    config.gossip_sign = options.sign;
    net::SwarmObserver observer;
    observer.on_connected = [](const net::ConnectionInfo& info) {
      json event = describe(info);
      event["event"] = "connected";
      emit(event);
    };
    observer.on_disconnected = [](const net::ConnectionInfo& info, const std::string&) {
      json event = describe(info);
      event["event"] = "disconnected";
      emit(event);
    };
    observer.on_identify = [](const PeerId& peer, const net::IdentifyResult& result) {
      std::vector<std::string> protocols = result.protocols;
      std::sort(protocols.begin(), protocols.end());
      json addrs = json::array();
      for (const auto& addr : result.listen_addrs) addrs.push_back(addr_text(addr));
      emit({{"event", "identify"},
            {"peer", peer.to_base58()},
            {"protocols", protocols},
            {"listen_addrs", addrs},
            {"observed_addr", result.observed_addr ? json(addr_text(*result.observed_addr)) : json(nullptr)},
            {"agent", result.agent_version ? json(*result.agent_version) : json(nullptr)},
            {"protocol_version", result.protocol_version ? json(*result.protocol_version) : json(nullptr)}});
    };
    observer.on_message = [this](const net::Deliver& message) {
      ++messages_received_;
      const bool is_signed = message.author.has_value();
      // js-libp2p's StrictSign id is protobuf(public key) || seqno: the seqno is its tail.
      json seqno = nullptr;
      if (is_signed && message.id.size() >= 8) {
        seqno = codec::hex_encode(ByteView(message.id.data() + message.id.size() - 8, 8));
      }
      emit({{"event", "message"},
            {"topic", message.topic},
            {"from", is_signed ? json(message.author->to_base58()) : json(nullptr)},
            {"data_b64", codec::base64_encode(message.data)},
            {"seqno", seqno},
            {"msg_id", codec::hex_encode(message.id)},
            {"via", message.source.to_base58()}});
    };
    observer.on_subscription = [](const PeerId& peer, const std::string& topic, bool subscribed) {
      emit({{"event", "subscription"},
            {"peer", peer.to_base58()},
            {"topic", topic},
            {"subscribed", subscribed}});
    };
    auto swarm = net::Swarm::create(io_, std::move(*key), config, std::move(observer));
    if (!swarm.ok()) {
      std::fprintf(stderr, "largo p2p: %s\n", swarm.error().message.c_str());
      return 1;
    }
    swarm_ = std::move(*swarm);

    json addrs = json::array();
    for (const auto& text : options.listen) {
      auto addr = net::Multiaddr::parse(text);
      auto bound = addr.ok() ? swarm_->listen(*addr) : Result<net::Multiaddr>(addr.error());
      if (!bound.ok()) {
        std::fprintf(stderr, "largo p2p: --listen %s: %s\n", text.c_str(), bound.error().message.c_str());
        return 2;
      }
      addrs.push_back(addr_text(*bound));
    }
    for (const auto& topic : options.topics) {
      if (auto status = swarm_->subscribe(topic); !status.ok()) {
        std::fprintf(stderr, "largo p2p: --topic %s: %s\n", topic.c_str(), status.error().message.c_str());
        return 2;
      }
    }
    emit({{"event", "listening"}, {"peer_id", swarm_->peer_id().to_base58()}, {"addrs", addrs}});
    for (const auto& addr : options.dial) dispatch(json{{"cmd", "dial"}, {"addr", addr}}.dump());

    signals_.async_wait([this](boost::system::error_code ec, int) {
      if (!ec) stop(0);
    });
    start_stdin_reader();
    net::run_event_loop(io_, std::chrono::microseconds(options.spin_us));
    return exit_code_;
  }

 private:
  // stdin is read on its own thread (it may be a pipe, a terminal or a file, which epoll
  // cannot all watch); each line is posted to the event loop.
  void start_stdin_reader() {
    std::thread([this] {
      std::string line;
      while (true) {
        const int c = std::getchar();
        if (c == EOF) break;
        if (c == '\n') {
          boost::asio::post(io_, [this, line = std::move(line)] { dispatch(line); });
          line.clear();
          continue;
        }
        if (line.size() < kMaxCommandLineBytes + 1) line.push_back(static_cast<char>(c));
      }
      boost::asio::post(io_, [this] { stop(0); });
    }).detach();
  }

  void reply(const json& command, json event) {
    if (command.is_object() && command.contains("id")) event["id"] = command["id"];
    emit(event);
  }
  void ok(const json& command, json extra = json::object()) {
    extra["event"] = "ok";
    extra["cmd"] = command.value("cmd", "");
    reply(command, std::move(extra));
  }
  void error(const json& command, const std::string& message) {
    json cmd = command.is_object() && command.contains("cmd") ? command["cmd"] : json(nullptr);
    reply(command, {{"event", "error"}, {"cmd", cmd}, {"error", message}});
  }

  // Runs `done` with a timeout error if the operation has not answered within `limit`.
  template <class T>
  std::function<void(Result<T>)> with_timeout(std::chrono::milliseconds limit, const char* what,
                                              std::function<void(Result<T>)> done) {
    auto shared = std::make_shared<std::function<void(Result<T>)>>(std::move(done));
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, limit);
    timer->async_wait([shared, what](boost::system::error_code ec) {
      if (ec || !*shared) return;
      auto callback = std::move(*shared);
      *shared = nullptr;
      callback(make_error(Errc::kIo, std::string(what) + " timed out"));
    });
    return [shared, timer](Result<T> result) {
      timer->cancel();
      if (!*shared) return;
      auto callback = std::move(*shared);
      *shared = nullptr;
      callback(std::move(result));
    };
  }

  void dispatch(const std::string& line) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) return;
    if (line.size() > kMaxCommandLineBytes) {
      return emit({{"event", "error"}, {"cmd", nullptr}, {"error", "command line too long"}});
    }
    json command = json::parse(line, nullptr, false);
    if (command.is_discarded() || !command.is_object()) {
      return emit({{"event", "error"}, {"cmd", nullptr}, {"error", "command is not valid JSON"}});
    }
    const std::string cmd = string_field(command, "cmd");
    if (stopping_ && cmd != "quit") return error(command, "shutting down");
    if (cmd == "dial") return dial(command);
    if (cmd == "subscribe" || cmd == "unsubscribe") {
      const std::string topic = string_field(command, "topic");
      auto status = cmd == "subscribe" ? swarm_->subscribe(topic) : swarm_->unsubscribe(topic);
      if (!status.ok()) return error(command, status.error().message);
      return ok(command, {{"topic", topic}});
    }
    if (cmd == "publish") return publish(command);
    if (cmd == "ping") {
      auto peer = parse_target(command);
      if (!peer.ok()) return error(command, peer.error().message);
      return swarm_->ping(*peer, [this, command](Result<double> rtt) {
        if (!rtt.ok()) return error(command, rtt.error().message);
        reply(command, {{"event", "pong"}, {"peer", command["peer"]}, {"rtt_ms", *rtt}});
      });
    }
    if (cmd == "peers") {
      json peers = json::array();
      for (const auto& peer : swarm_->peers()) peers.push_back(peer.to_base58());
      json connections = json::array();
      for (const auto& info : swarm_->connections()) connections.push_back(describe(info));
      return reply(command, {{"event", "peers"}, {"peers", peers}, {"connections", connections}});
    }
    if (cmd == "hangup") {
      auto peer = parse_target(command);
      if (!peer.ok()) return error(command, peer.error().message);
      return swarm_->hangup(*peer, [this, command] { ok(command); });
    }
    if (cmd == "echo") {
      auto peer = parse_target(command);
      if (!peer.ok()) return error(command, peer.error().message);
      const std::size_t streams = static_cast<std::size_t>(number_field(command, "streams", 1));
      const std::uint64_t bytes = number_field(command, "bytes", 1024);
      return swarm_->echo(
          *peer, streams, bytes,
          with_timeout<net::EchoResult>(kEchoTimeout, "echo", [this, command](Result<net::EchoResult> r) {
            if (!r.ok()) return error(command, r.error().message);
            reply(command, {{"event", "echo"},
                            {"peer", command["peer"]},
                            {"streams", r->streams},
                            {"bytes", r->bytes},
                            {"ms", r->ms}});
          }));
    }
    if (cmd == "perf") {
      auto peer = parse_target(command);
      if (!peer.ok()) return error(command, peer.error().message);
      return swarm_->perf(
          *peer, number_field(command, "upload_bytes", 0), number_field(command, "download_bytes", 0),
          with_timeout<net::PerfResult>(kPerfTimeout, "perf", [this, command](Result<net::PerfResult> r) {
            if (!r.ok()) return error(command, r.error().message);
            reply(command, {{"event", "perf"},
                            {"peer", command["peer"]},
                            {"upload_bytes", r->upload_bytes},
                            {"download_bytes", r->download_bytes},
                            {"ms", r->ms},
                            {"upload_ms", r->upload_ms}});
          }));
    }
    if (cmd == "stats") return stats(command);
    if (cmd == "quit") {
      ok(command);
      return stop(0);
    }
    error(command, "unknown command " + json(command.value("cmd", json(nullptr))).dump());
  }

  void dial(const json& command) {
    auto addr = net::Multiaddr::parse(string_field(command, "addr"));
    if (!addr.ok()) return error(command, addr.error().message);
    swarm_->dial(*addr, with_timeout<net::ConnectionInfo>(kDialTimeout, "dial",
                                                          [this, command](Result<net::ConnectionInfo> info) {
                                                            if (!info.ok())
                                                              return error(command, info.error().message);
                                                            ok(command, describe(*info));
                                                          }));
  }

  // Publishes leave in command order. While some peer's gossip backlog is congested
  // (Swarm::gossip_congested), publishes wait here (retried every kPublishRetry) instead of overflowing the
  // router's per-peer queue, which would drop them.
  void publish(const json& command) {
    held_publishes_.push_back(command);
    drain_publishes();
  }

  void drain_publishes() {
    while (!held_publishes_.empty()) {
      if (swarm_->gossip_congested()) {
        if (!publish_timer_armed_) {
          publish_timer_armed_ = true;
          publish_timer_.expires_after(std::chrono::milliseconds(2));
          publish_timer_.async_wait([this](boost::system::error_code ec) {
            publish_timer_armed_ = false;
            if (!ec) drain_publishes();
          });
        }
        return;
      }
      json command = std::move(held_publishes_.front());
      held_publishes_.pop_front();
      publish_now(command);
    }
  }

  void publish_now(const json& command) {
    const std::string topic = string_field(command, "topic");
    auto data = codec::base64_decode(string_field(command, "data_b64"));
    if (!data.ok()) return error(command, "data_b64: " + data.error().message);
    auto recipients = swarm_->publish(topic, *data);
    if (!recipients.ok()) {
      ++publish_errors_;
      if (recipients.error().code == Errc::kNotFound) {
        return error(command, "PublishError.NoPeersSubscribedToTopic");
      }
      return error(command, recipients.error().message);
    }
    ++messages_published_;
    ok(command, {{"topic", topic}, {"recipients", *recipients}});
  }

  void stats(const json& command) {
    const auto swarm_stats = swarm_->stats();
    json subscribers = json::object();
    json mesh = json::object();
    for (const auto& topic : swarm_->topics()) {
      json subs = json::array();
      for (const auto& peer : swarm_->topic_subscribers(topic)) subs.push_back(peer.to_base58());
      subscribers[topic] = subs;
      json mesh_peers = json::array();
      for (const auto& peer : swarm_->gossip().mesh_peers(topic)) mesh_peers.push_back(peer.to_base58());
      mesh[topic] = mesh_peers;
    }
    reply(command, {{"event", "stats"},
                    {"peer_id", swarm_->peer_id().to_base58()},
                    {"connections", swarm_stats.connections},
                    {"peers", swarm_stats.peers},
                    {"streams", swarm_stats.streams},
                    {"topics", swarm_->topics()},
                    {"subscribers", subscribers},
                    {"mesh", mesh},
                    {"messages_received", messages_received_},
                    {"messages_published", messages_published_},
                    {"publish_errors", publish_errors_},
                    {"gossip_frames_dropped", swarm_->gossip().stats().frames_dropped}});
  }

  void stop(int code) {
    if (stopping_) return;
    stopping_ = true;
    exit_code_ = code;
    signals_.cancel();
    swarm_->shutdown([this] { io_.stop(); });
  }

  boost::asio::io_context& io_;
  boost::asio::signal_set signals_;
  std::unique_ptr<net::Swarm> swarm_;
  std::deque<json> held_publishes_;
  boost::asio::steady_timer publish_timer_;
  bool publish_timer_armed_ = false;
  bool stopping_ = false;
  int exit_code_ = 0;
  std::uint64_t messages_received_ = 0;
  std::uint64_t messages_published_ = 0;
  std::uint64_t publish_errors_ = 0;
};

}  // namespace

Result<net::PrivateKey> load_or_create_key(const std::string& path) {
  auto key = load_or_create_identity(path);
  if (!key.ok()) return make_error(key.error().code, "--key " + key.error().message);
  return key;
}

int run_p2p(const P2pOptions& options) {
  boost::asio::io_context io(1);
  P2pApp app(io);
  const int code = app.run(options);
  std::fflush(stdout);
  // The stdin reader thread may still block in read(); leave without joining it.
  std::_Exit(code);
}

}  // namespace ff::node
