#include "node/run/run_app.hpp"

#include <qrencode.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first

#include "core/fabric/fabric_types.hpp"
#include "net/swarm/event_loop.hpp"
#include "net/swarm/swarm.hpp"
#include "net/swarm/swarm_log.hpp"
#include "node/fabric/fabric_runtime.hpp"
#include "node/http/api_router.hpp"
#include "node/http/http_server.hpp"
#include "node/run/data_dir.hpp"

namespace ff::node {

namespace {

using json = nlohmann::json;

constexpr const char* kHttpHost = "127.0.0.1";
constexpr std::chrono::milliseconds kRedialInitial{500};
constexpr std::chrono::milliseconds kRedialMax{30'000};
constexpr std::chrono::milliseconds kDialTimeout{15'000};

std::string loopback_form(std::string addr) {
  // Listening on every interface: advertise the loopback form, which the browser on this
  // machine (the golden test) can dial.
  const std::string any = "/ip4/0.0.0.0/";
  if (addr.rfind(any, 0) == 0) addr = "/ip4/127.0.0.1/" + addr.substr(any.size());
  return addr;
}

void print_line(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// One peer given with --peer: dialled at start and again, with backoff, whenever it is lost.
struct DialTarget {
  std::string text;
  net::Multiaddr addr;
  std::optional<net::PeerId> peer;  // from /p2p, or learned on the first connection
  std::chrono::milliseconds backoff = kRedialInitial;
  bool dialing = false;
  std::unique_ptr<boost::asio::steady_timer> timer;
};

class RunApp {
 public:
  explicit RunApp(boost::asio::io_context& io) : io_(io), signals_(io, SIGTERM, SIGINT) {}

  int run(const RunOptions& options) {
    const bool server = options.mode == "server";
    const fabric::Sovereignty sovereignty = options.sovereignty.empty()
                                                ? fabric::Sovereignty::kAuthority
                                                : fabric::parse_sovereignty(options.sovereignty).value();
    const bool ephemeral = sovereignty == fabric::Sovereignty::kEphemeral;
    const auto port_or = [server](int port, int fallback) {
      return port >= 0 ? port : (server ? fallback : 0);
    };

    // Identity and journal location.
    std::optional<net::PrivateKey> key;
    std::string journal_dir;
    if (ephemeral) {
      // Ephemeral nodes keep nothing: a fresh identity and no journal each start.
      auto fresh = net::PrivateKey::generate_ed25519();
      if (!fresh.ok()) return fail(fresh.error().message);
      key.emplace(std::move(*fresh));
    } else {
      std::string data_dir = options.data_dir;
      if (data_dir.empty()) {
        auto fallback = default_data_dir(options.program_id);
        if (!fallback.ok()) return fail(fallback.error().message);
        data_dir = *fallback;
      }
      if (auto made = ensure_directory(data_dir); !made.ok())
        return fail("data dir: " + made.error().message);
      auto loaded = load_or_create_identity(data_dir + "/" + kIdentityFileName);
      if (!loaded.ok()) return fail(loaded.error().message);
      key.emplace(std::move(*loaded));
      journal_dir = data_dir + "/" + kJournalDirName;
    }
    const std::string peer_id = net::PeerId::from_public_key(key->public_key()).to_base58();

    RuntimeOptions runtime_options;
    runtime_options.node.program_id = options.program_id;
    runtime_options.node.peer_id = peer_id;
    runtime_options.node.sovereignty = sovereignty;
    runtime_options.node.agent = std::string(net::kFluidFabricAgentVersion);
    runtime_options.journal_dir = journal_dir;
    auto runtime = FabricRuntime::create(io_, std::move(runtime_options));
    if (!runtime.ok()) return fail(runtime.error().message);
    runtime_ = std::move(*runtime);
    runtime_->set_fatal_handler([this](const std::string& message) {
      std::fprintf(stderr, "largo run: %s; shutting down\n", message.c_str());
      stop(1);
    });

    net::SwarmObserver observer;
    observer.on_connected = [this](const net::ConnectionInfo& info) {
      FF_LOG_INFO("connected %s via %s", info.peer.to_base58().c_str(), info.addr.to_string().c_str());
      runtime_->on_connected(info);
    };
    observer.on_disconnected = [this](const net::ConnectionInfo& info, const std::string& reason) {
      FF_LOG_INFO("disconnected %s: %s", info.peer.to_base58().c_str(), reason.c_str());
      runtime_->on_disconnected(info);
      peer_lost(info.peer);
    };
    observer.on_message = [this](const net::Deliver& message) { runtime_->on_message(message); };
    auto swarm = net::Swarm::create(io_, std::move(*key), net::SwarmConfig{}, std::move(observer));
    if (!swarm.ok()) return fail(swarm.error().message);
    swarm_ = std::move(*swarm);

    // Listeners: libp2p TCP and WebSocket, then HTTP.
    const std::string ip = options.listen_host.find(':') != std::string::npos ? "/ip6/" : "/ip4/";
    const std::string tcp_text =
        ip + options.listen_host + "/tcp/" + std::to_string(port_or(options.tcp_port, kDefaultTcpPort));
    const std::string ws_text =
        ip + options.listen_host + "/tcp/" + std::to_string(port_or(options.ws_port, kDefaultWsPort)) + "/ws";
    std::vector<std::string> addrs;
    for (const std::string& text : {tcp_text, ws_text}) {
      auto addr = net::Multiaddr::parse(text);
      if (!addr.ok()) return fail("--listen-host " + options.listen_host + ": " + addr.error().message, 2);
      auto bound = swarm_->listen(*addr);
      if (!bound.ok()) return fail("cannot listen on " + text + ": " + bound.error().message);
      addrs.push_back(loopback_form(bound->to_string()));
    }
    runtime_->set_addrs(addrs);
    if (auto attached = runtime_->attach(*swarm_); !attached.ok()) return fail(attached.error().message);

    const std::string web_root = options.web_root.empty() ? default_web_root() : options.web_root;
    router_ = std::make_unique<ApiRouter>(options.program_id, *runtime_, StaticFiles(web_root));
    auto http = HttpServer::listen(io_, kHttpHost,
                                   static_cast<std::uint16_t>(port_or(options.http_port, kDefaultHttpPort)),
                                   [this](const HttpRequest& request, HttpRespond respond) {
                                     router_->handle(request, std::move(respond));
                                   });
    if (!http.ok()) return fail(http.error().message);
    http_ = std::move(*http);

    const std::string http_url = std::string("http://") + kHttpHost + ":" + std::to_string(http_->port());
    const std::string studio_url = http_url + "/studio?id=" + options.program_id;
    // "event" first: scripts match the line by its prefix.
    print_line(nlohmann::ordered_json{{"event", "ready"},
                                      {"program_id", options.program_id},
                                      {"peer_id", peer_id},
                                      {"sovereignty", fabric::sovereignty_name(sovereignty)},
                                      {"http", http_url},
                                      {"studio", studio_url},
                                      {"addrs", addrs},
                                      {"recovered_records", runtime_->recovered_records()}}
                   .dump());
    print_invite(options.program_id, peer_id, fabric::sovereignty_name(sovereignty), studio_url, addrs);
    if (!StaticFiles(web_root).available()) {
      FF_LOG_INFO("no web bundle at %s: /studio answers 503 (build it with scripts/build.sh web)",
                  web_root.c_str());
    }

    for (const std::string& text : options.peers) {
      auto target = std::make_unique<DialTarget>();
      target->text = text;
      target->addr = net::Multiaddr::parse(text).value();  // validated by validate_run_options
      target->peer = target->addr.peer_id();
      target->timer = std::make_unique<boost::asio::steady_timer>(io_);
      targets_.push_back(std::move(target));
    }
    for (auto& target : targets_) dial(*target);

    signals_.async_wait([this](boost::system::error_code ec, int) {
      if (!ec) stop(0);
    });
    net::run_event_loop(io_, std::chrono::microseconds(options.spin_us));
    return exit_code_;
  }

 private:
  int fail(const std::string& message, int code = 1) {
    std::fprintf(stderr, "largo run: %s\n", message.c_str());
    return code;
  }

  void print_invite(const std::string& program_id, const std::string& peer_id, const std::string& sovereignty,
                    const std::string& studio_url, const std::vector<std::string>& addrs) {
    std::vector<std::pair<std::string, std::string>> rows = {
        {"program", program_id}, {"peer", peer_id}, {"sovereignty", sovereignty}, {"studio", studio_url}};
    for (std::size_t i = 0; i < addrs.size(); ++i) rows.emplace_back(i == 0 ? "libp2p" : "", addrs[i]);
    std::size_t width = std::string("Fluid Fabric node").size();
    for (const auto& [label, value] : rows) width = std::max(width, 12 + value.size());
    std::string rule;
    for (std::size_t i = 0; i < width + 2; ++i) rule += "─";
    std::string out = "┌" + rule + "┐\n";
    const auto row = [&](const std::string& text) {
      out += "│ " + text + std::string(width - text.size(), ' ') + " │\n";
    };
    row("Fluid Fabric node");
    for (const auto& [label, value] : rows) {
      std::string line = label;
      line.append(12 - label.size(), ' ');
      line += value;
      row(line);
    }
    out += "└" + rule + "┘\n";
    auto qr = qr_text(studio_url);
    if (qr.ok()) out += *qr;
    out += "Open " + studio_url + " (or scan the code) to join from a browser.\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
  }

  void dial(DialTarget& target) {
    if (stopping_ || target.dialing) return;
    if (target.peer && !swarm_->connections().empty()) {
      for (const auto& info : swarm_->connections()) {
        if (info.peer == *target.peer) return;  // already connected (perhaps it dialled us)
      }
    }
    target.dialing = true;
    auto answered = std::make_shared<bool>(false);
    DialTarget* self = &target;
    auto guard = std::make_shared<boost::asio::steady_timer>(io_, kDialTimeout);
    guard->async_wait([this, self, answered](boost::system::error_code ec) {
      if (ec || *answered) return;
      *answered = true;
      self->dialing = false;
      FF_LOG_INFO("dial %s timed out", self->text.c_str());
      schedule_redial(*self);
    });
    swarm_->dial(target.addr, [this, self, answered, guard](Result<net::ConnectionInfo> info) {
      guard->cancel();
      if (*answered) return;
      *answered = true;
      self->dialing = false;
      if (!info.ok()) {
        FF_LOG_INFO("dial %s failed: %s", self->text.c_str(), info.error().message.c_str());
        return schedule_redial(*self);
      }
      self->peer = info->peer;
      self->backoff = kRedialInitial;
    });
  }

  void schedule_redial(DialTarget& target) {
    if (stopping_) return;
    const auto delay = target.backoff;
    target.backoff = std::min(target.backoff * 2, kRedialMax);
    target.timer->expires_after(delay);
    DialTarget* self = &target;
    target.timer->async_wait([this, self](boost::system::error_code ec) {
      if (!ec) dial(*self);
    });
  }

  void peer_lost(const net::PeerId& peer) {
    if (stopping_) return;
    for (const auto& info : swarm_->connections()) {
      if (info.peer == peer) return;  // another connection to it is still up
    }
    for (auto& target : targets_) {
      if (target->peer && *target->peer == peer && !target->dialing) schedule_redial(*target);
    }
  }

  void stop(int code) {
    if (stopping_) return;
    stopping_ = true;
    exit_code_ = code;
    signals_.cancel();
    for (auto& target : targets_) target->timer->cancel();
    if (http_) http_->stop();
    if (runtime_) runtime_->shutdown();
    if (swarm_) {
      swarm_->shutdown([this] { io_.stop(); });
    } else {
      io_.stop();
    }
  }

  boost::asio::io_context& io_;
  boost::asio::signal_set signals_;
  // Destroyed in reverse order: the HTTP server and swarm (which call into the runtime)
  // go before the runtime.
  std::unique_ptr<FabricRuntime> runtime_;
  std::unique_ptr<ApiRouter> router_;
  std::unique_ptr<net::Swarm> swarm_;
  std::unique_ptr<HttpServer> http_;
  std::vector<std::unique_ptr<DialTarget>> targets_;
  bool stopping_ = false;
  int exit_code_ = 0;
};

}  // namespace

Status validate_run_options(const RunOptions& options) {
  if (auto valid = fabric::validate_program_id(options.program_id); !valid.ok()) {
    return make_error(Errc::kInvalidInput, "--id: " + valid.error().message);
  }
  if (options.mode != "server" && options.mode != "client") {
    return make_error(Errc::kInvalidInput, "--mode must be server or client, not '" + options.mode + "'");
  }
  if (!options.sovereignty.empty() && !fabric::parse_sovereignty(options.sovereignty).ok()) {
    return make_error(Errc::kInvalidInput,
                      "--as must be authority, citizen or ephemeral, not '" + options.sovereignty + "'");
  }
  const std::pair<const char*, int> ports[] = {
      {"--http-port", options.http_port}, {"--tcp-port", options.tcp_port}, {"--ws-port", options.ws_port}};
  for (const auto& [flag, port] : ports) {
    if (port < -1 || port > 65535) {
      return make_error(Errc::kInvalidInput,
                        std::string(flag) + " must be 0..65535, not " + std::to_string(port));
    }
  }
  for (const std::string& peer : options.peers) {
    auto addr = net::Multiaddr::parse(peer);
    if (!addr.ok()) return make_error(Errc::kInvalidInput, "--peer " + peer + ": " + addr.error().message);
  }
  if (!options.program.empty()) {
    return make_error(Errc::kUnsupported, "LOGOS programs are not implemented in this build (got '" +
                                              options.program +
                                              "'); run without PROGRAM to host the shared objects only");
  }
  return {};
}

std::string default_web_root() {
  // node/CMakeLists.txt points this at <source dir>/build-web/dist.
  return FF_DEFAULT_WEB_ROOT;
}

Result<std::string> qr_text(const std::string& text) {
  QRcode* code = QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_L, QR_MODE_8, 1);
  if (code == nullptr) return make_error(Errc::kInvalidInput, "cannot encode a QR code of " + text);
  const int width = code->width;
  constexpr int kQuiet = 2;  // quiet zone in modules around the code
  const auto dark = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= width || y >= width) return false;
    return (code->data[y * width + x] & 1) != 0;
  };
  std::string out;
  for (int y = -kQuiet; y < width + kQuiet; y += 2) {
    for (int x = -kQuiet; x < width + kQuiet; ++x) {
      // Light modules are drawn (the terminal's foreground), dark ones left blank.
      const bool top = !dark(x, y);
      const bool bottom = y + 1 < width + kQuiet ? !dark(x, y + 1) : false;
      out += top && bottom ? "█" : top ? "▀" : bottom ? "▄" : " ";
    }
    out += "\n";
  }
  QRcode_free(code);
  return out;
}

int run_node(const RunOptions& options) {
  if (auto valid = validate_run_options(options); !valid.ok()) {
    std::fprintf(stderr, "largo run: %s\n", valid.error().message.c_str());
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  boost::asio::io_context io(1);
  int code = 0;
  {
    RunApp app(io);
    code = app.run(options);
  }
  std::fflush(stdout);
  return code;
}

}  // namespace ff::node
