// /perf/1.0.0 throughput (libp2p/specs perf/perf.md) as libp2p/test-plans measures it: an
// upload run (N bytes up, 0 down) and a download run (0 up, N down) on one warmed-up
// connection over TCP on 127.0.0.1 (Noise + Yamux), each timed from opening the stream to
// the end of the response; the median of --runs runs of --bytes. MB = 10^6 bytes.
//   pair "cpp-cpp": two native nodes, each on its own thread and io_context;
//   pair "cpp-js" / "js-cpp": our node and js_peer.mjs (js-libp2p 3.x) as client / server,
//       if tests/interop/node_modules exists (skip with --no-js);
// then libsodium's single-core ChaCha20-Poly1305 (IETF) encryption rate, the cipher Noise
// uses, as the ceiling a single connection can reach. One JSON line each:
//   {"bench":"perf","pair":"cpp-cpp","upload_mb_per_s":..,"download_mb_per_s":..,...}
#include <signal.h>
#include <sodium.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first
#include <vector>

#include "net/swarm/swarm.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double loadavg_1m() {
  std::ifstream in("/proc/loadavg");
  double value = 0;
  in >> value;
  return value;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

struct Peer {
  boost::asio::io_context io{1};
  std::unique_ptr<ff::net::Swarm> swarm;
  std::thread thread;

  bool create() {
    auto key = ff::net::PrivateKey::generate_ed25519();
    auto swarm_result =
        ff::net::Swarm::create(io, std::move(*key), ff::net::SwarmConfig{}, ff::net::SwarmObserver{});
    if (!swarm_result.ok()) return false;
    swarm = std::move(*swarm_result);
    thread = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io);
      io.run();
    });
    return true;
  }
  // Runs `f` on the node's thread and waits for the value it reports through `done`.
  template <class T>
  std::optional<T> call(std::function<void(std::function<void(T)>)> f, std::chrono::seconds limit) {
    auto result = std::make_shared<std::optional<T>>();
    auto ready = std::make_shared<std::atomic<bool>>(false);
    boost::asio::post(io, [f, result, ready] {
      f([result, ready](T value) {
        *result = std::move(value);
        ready->store(true, std::memory_order_release);
      });
    });
    const auto deadline = Clock::now() + limit;
    while (!ready->load(std::memory_order_acquire) && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!ready->load(std::memory_order_acquire)) return std::nullopt;
    return *result;
  }
  void stop() {
    std::atomic<bool> done{false};
    boost::asio::post(io, [&] { swarm->shutdown([&] { done = true; }); });
    for (int i = 0; i < 500 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    io.stop();
    thread.join();
  }
};

// Runs one perf request from `client` to `server_id`; seconds, or nullopt on failure.
std::optional<double> perf_once(Peer& client, const ff::net::PeerId& server_id, std::uint64_t up,
                                std::uint64_t down) {
  using Outcome = std::optional<double>;
  auto outcome = client.call<Outcome>(
      [&client, server_id, up, down](std::function<void(Outcome)> done) {
        client.swarm->perf(server_id, up, down, [done](ff::Result<ff::net::PerfResult> result) {
          if (!result.ok()) {
            std::fprintf(stderr, "bench_perf: %s\n", result.error().message.c_str());
            return done(std::nullopt);
          }
          done(result->ms / 1000.0);
        });
      },
      std::chrono::seconds(300));
  return outcome ? *outcome : std::nullopt;
}

bool print_pair(const char* pair, const std::vector<double>& up_s, const std::vector<double>& down_s,
                std::uint64_t bytes, int runs) {
  if (up_s.size() != static_cast<std::size_t>(runs) || down_s.size() != static_cast<std::size_t>(runs))
    return false;
  std::printf(
      "{\"bench\":\"perf\",\"impl\":\"fluid-fabric\",\"pair\":\"%s\",\"upload_mb_per_s\":%.1f,"
      "\"download_mb_per_s\":%.1f,\"bytes\":%llu,\"runs\":%d,\"loadavg_1m\":%.2f}\n",
      pair, static_cast<double>(bytes) / 1e6 / median(up_s),
      static_cast<double>(bytes) / 1e6 / median(down_s), static_cast<unsigned long long>(bytes), runs,
      loadavg_1m());
  std::fflush(stdout);
  return true;
}

int cpp_cpp(std::uint64_t bytes, int runs) {
  Peer server;
  Peer client;
  if (!server.create() || !client.create()) return 1;
  using Addr = std::optional<ff::net::Multiaddr>;
  auto addr = server.call<Addr>(
      [&server](std::function<void(Addr)> done) {
        auto bound = server.swarm->listen(*ff::net::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
        done(bound.ok() ? Addr(*bound) : std::nullopt);
      },
      std::chrono::seconds(5));
  if (!addr || !*addr) return 1;
  auto dialled = client.call<bool>(
      [&client, target = **addr](std::function<void(bool)> done) {
        client.swarm->dial(target, [done](auto result) { done(result.ok()); });
      },
      std::chrono::seconds(15));
  if (!dialled || !*dialled) return 1;
  const ff::net::PeerId server_id = server.swarm->peer_id();
  perf_once(client, server_id, 16 << 20, 16 << 20);  // warm-up: windows grow, caches fill
  std::vector<double> up_s;
  std::vector<double> down_s;
  for (int i = 0; i < runs; ++i) {
    if (auto s = perf_once(client, server_id, bytes, 0)) up_s.push_back(*s);
    if (auto s = perf_once(client, server_id, 0, bytes)) down_s.push_back(*s);
  }
  client.stop();
  server.stop();
  return print_pair("cpp-cpp", up_s, down_s, bytes, runs) ? 0 : 1;
}

// js_peer.mjs as a child process with pipes on stdin and stdout.
struct JsPeer {
  pid_t pid = -1;
  FILE* out = nullptr;  // its stdout
  FILE* in = nullptr;   // its stdin

  bool start(const std::string& root) {
    int to_child[2];
    int from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) return false;
    pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) {
      ::dup2(to_child[0], 0);
      ::dup2(from_child[1], 1);
      ::close(to_child[1]);
      ::close(from_child[0]);
      const std::string script = root + "/tests/interop/js_peer.mjs";
      ::execlp("node", "node", script.c_str(), "--listen", "/ip4/127.0.0.1/tcp/0",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    out = ::fdopen(from_child[0], "r");
    in = ::fdopen(to_child[1], "w");
    return out != nullptr && in != nullptr;
  }
  // The next line containing `needle`, or empty at EOF.
  std::string line_with(const std::string& needle) {
    std::string line;
    int c;
    while ((c = std::fgetc(out)) != EOF) {
      if (c != '\n') {
        line.push_back(static_cast<char>(c));
        continue;
      }
      if (line.find(needle) != std::string::npos) return line;
      line.clear();
    }
    return {};
  }
  void stop() {
    if (pid <= 0) return;
    std::fputs("{\"cmd\":\"quit\"}\n", in);
    std::fclose(in);
    int status = 0;
    for (int i = 0; i < 300; ++i) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    std::fclose(out);
  }
};

// The value of a numeric JSON field in `line` (our own JSON lines: "name":number).
double json_number(const std::string& line, const std::string& name) {
  const auto at = line.find("\"" + name + "\":");
  return at == std::string::npos ? -1 : std::atof(line.c_str() + at + name.size() + 3);
}

int cpp_js(const std::string& root, std::uint64_t bytes, int runs) {
  JsPeer js;
  if (!js.start(root)) return 1;
  const std::string listening = js.line_with("\"listening\"");
  const auto start = listening.find("/ip4/");
  if (start == std::string::npos) {
    js.stop();
    return 1;
  }
  const std::string addr_text = listening.substr(start, listening.find('"', start) - start);
  auto addr = ff::net::Multiaddr::parse(addr_text);
  Peer ours;
  if (!addr.ok() || !ours.create()) return 1;
  auto connected = ours.call<bool>(
      [&ours, target = *addr](std::function<void(bool)> done) {
        auto bound = ours.swarm->listen(*ff::net::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
        (void)bound;
        ours.swarm->dial(target, [done](auto result) { done(result.ok()); });
      },
      std::chrono::seconds(15));
  if (!connected || !*connected) {
    js.stop();
    return 1;
  }
  const ff::net::PeerId js_id = *addr->peer_id();
  perf_once(ours, js_id, 16 << 20, 16 << 20);
  std::vector<double> up_s;
  std::vector<double> down_s;
  for (int i = 0; i < runs; ++i) {
    if (auto s = perf_once(ours, js_id, bytes, 0)) up_s.push_back(*s);
    if (auto s = perf_once(ours, js_id, 0, bytes)) down_s.push_back(*s);
  }
  const bool printed = print_pair("cpp-js", up_s, down_s, bytes, runs);
  // The other way round: js-libp2p is the client, we serve (its `perf` command).
  std::vector<double> js_up_s;
  std::vector<double> js_down_s;
  const std::string us = ours.swarm->peer_id().to_base58();
  for (int i = 0; i < runs; ++i) {
    for (bool upload : {true, false}) {
      std::fprintf(js.in,
                   "{\"cmd\":\"perf\",\"peer\":\"%s\",\"upload_bytes\":%llu,\"download_bytes\":%llu}\n",
                   us.c_str(), static_cast<unsigned long long>(upload ? bytes : 0),
                   static_cast<unsigned long long>(upload ? 0 : bytes));
      std::fflush(js.in);
      // Its one reply: a perf event, or an error.
      std::string reply;
      do {
        reply = js.line_with("\"event\":");
      } while (!reply.empty() && reply.find("\"perf\"") == std::string::npos &&
               reply.find("\"error\"") == std::string::npos);
      const double ms = json_number(reply, "ms");
      if (ms <= 0) {
        std::fprintf(stderr, "bench_perf: js perf failed: %s\n", reply.c_str());
        continue;
      }
      (upload ? js_up_s : js_down_s).push_back(ms / 1000.0);
    }
  }
  const bool printed_js = print_pair("js-cpp", js_up_s, js_down_s, bytes, runs);
  ours.stop();
  js.stop();
  return printed && printed_js ? 0 : 1;
}

void chacha20_poly1305_rate() {
  std::vector<unsigned char> plain(64 * 1024);
  std::vector<unsigned char> cipher(plain.size() + crypto_aead_chacha20poly1305_ietf_ABYTES);
  unsigned char key[crypto_aead_chacha20poly1305_ietf_KEYBYTES];
  unsigned char nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES] = {};
  randombytes_buf(key, sizeof key);
  randombytes_buf(plain.data(), plain.size());
  std::uint64_t bytes = 0;
  const auto start = Clock::now();
  while (Clock::now() - start < std::chrono::seconds(1)) {
    unsigned long long length = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(cipher.data(), &length, plain.data(), plain.size(), nullptr, 0,
                                              nullptr, nonce, key);
    sodium_increment(nonce, sizeof nonce);
    bytes += plain.size();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "{\"bench\":\"perf\",\"impl\":\"libsodium\",\"pair\":\"chacha20-poly1305-ietf\",\"encrypt_mb_per_s\":%."
      "1f,"
      "\"chunk_bytes\":%zu,\"loadavg_1m\":%.2f}\n",
      static_cast<double>(bytes) / 1e6 / seconds, plain.size(), loadavg_1m());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t bytes = 256ull << 20;
  int runs = 3;
  bool js = true;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--bytes" && i + 1 < argc) {
      bytes = std::strtoull(argv[++i], nullptr, 10);
    } else if (flag == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (flag == "--no-js") {
      js = false;
    } else {
      std::fprintf(stderr, "usage: bench_perf [--bytes N] [--runs N] [--no-js]\n");
      return 2;
    }
  }
  if (sodium_init() < 0) return 1;
  ::signal(SIGPIPE, SIG_IGN);
  int status = cpp_cpp(bytes, runs);
#ifdef FF_SOURCE_DIR
  struct stat info {};
  const std::string root = FF_SOURCE_DIR;
  if (js && ::stat((root + "/tests/interop/node_modules").c_str(), &info) == 0)
    status |= cpp_js(root, bytes, runs);
#else
  (void)js;
#endif
  chacha20_poly1305_rate();
  return status;
}
