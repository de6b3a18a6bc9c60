// largo: the Fluid Fabric command line. Subcommands map to the product's jobs:
// `run` (a mesh node), `p2p` (a raw libp2p node for debugging), `bench`, `version`.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "net/swarm/event_loop.hpp"
#include "node/p2p/p2p_app.hpp"
#include "node/run/run_app.hpp"

namespace {

constexpr const char* kVersion = FF_VERSION;

// Benchmarks are separate programs (bench/bench_NAME.cpp) installed beside largo; `largo
// bench NAME` runs build/bin/bench_NAME so users need not know the layout.
int run_bench(const char* argv0, const std::string& name, const std::vector<std::string>& args) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) self = fs::absolute(argv0);
  const fs::path dir = self.parent_path();
  if (name.empty()) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir, error)) {
      const std::string file = entry.path().filename().string();
      if (file.rfind("bench_", 0) == 0 && entry.is_regular_file()) names.push_back(file.substr(6));
    }
    std::sort(names.begin(), names.end());
    if (names.empty()) {
      std::fprintf(stderr, "largo: no benchmark programs found beside %s\n", self.c_str());
      return 1;
    }
    std::printf("benchmarks (run: largo bench NAME [ARGS...]):\n");
    for (const auto& n : names) std::printf("  %s\n", n.c_str());
    return 0;
  }
  const fs::path program = dir / ("bench_" + name);
  if (!fs::exists(program)) {
    std::fprintf(stderr, "largo: no benchmark named '%s' (expected %s); run 'largo bench' to list them\n",
                 name.c_str(), program.c_str());
    return 2;
  }
  std::vector<std::string> storage{program.string()};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> exec_args;
  exec_args.reserve(storage.size() + 1);
  for (auto& arg : storage) exec_args.push_back(arg.data());
  exec_args.push_back(nullptr);
  ::execv(program.c_str(), exec_args.data());
  std::fprintf(stderr, "largo: cannot run %s: %s\n", program.c_str(), std::strerror(errno));
  return 1;
}

int run_largo(int argc, char** argv) {
  CLI::App app{"largo — Fluid Fabric: a peer-to-peer computation mesh of native nodes and browser tabs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("largo ") + kVersion);

  auto* version = app.add_subcommand("version", "Print the version and build facts");
  version->callback([] { std::printf("largo %s (C++20, core formats: journal v1)\n", kVersion); });

  ff::node::RunOptions run_options;
  auto* run = app.add_subcommand(
      "run", "Run a mesh node for a program id: libp2p + journal + Studio/JSON API (see docs/cli.md)");
  run->add_option("--id", run_options.program_id, "Program ID shared by every node of the mesh")->required();
  run->add_option("--mode", run_options.mode,
                  "server (default ports 7070 HTTP, 7071 TCP, 7072 WS) or client (any free ports)");
  run->add_option(
      "--as", run_options.sovereignty,
      "Sovereignty class: authority (default), citizen or ephemeral (no journal, fresh identity)");
  run->add_option("--data-dir", run_options.data_dir, "Identity and journal directory (default ~/.lsf/<id>)");
  run->add_option("--http-port", run_options.http_port, "HTTP port on 127.0.0.1 (0 = any free port)");
  run->add_option("--tcp-port", run_options.tcp_port, "libp2p TCP port (0 = any free port)");
  run->add_option("--ws-port", run_options.ws_port, "libp2p WebSocket port (0 = any free port)");
  run->add_option("--listen-host", run_options.listen_host, "Host of the libp2p listeners (default 0.0.0.0)");
  run->add_option(
      "--peer", run_options.peers,
      "Multiaddr of a peer to dial and keep re-dialling, e.g. /ip4/127.0.0.1/tcp/7071/p2p/12D3... "
      "(repeatable)");
  run->add_option("--web-root", run_options.web_root,
                  "Directory of the web bundle (default: the build-web/dist of the source tree)");
  run->add_option("program", run_options.program, "A LOGOS program (not supported in this build)");
  const auto add_spin = [](CLI::App* command, std::uint32_t& spin_us) {
    command
        ->add_option("--spin-us", spin_us,
                     "Keep the event loop spinning this many microseconds after its last event "
                     "instead of sleeping, to skip thread wake-ups (uses a core while busy; "
                     "0..1000000, default 0)")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{ff::net::kMaxEventLoopSpin.count()}));
  };
  add_spin(run, run_options.spin_us);

  ff::node::P2pOptions p2p_options;
  bool p2p_no_sign = false;
  auto* p2p = app.add_subcommand(
      "p2p", "Run a bare libp2p node speaking JSON lines on stdin/stdout (see docs/cli.md)");
  p2p->add_option("--listen", p2p_options.listen,
                  "Listen multiaddr, e.g. /ip4/127.0.0.1/tcp/0/ws (repeatable)");
  p2p->add_option("--dial", p2p_options.dial, "Dial this multiaddr after start (repeatable)");
  p2p->add_option("--topic", p2p_options.topics, "Subscribe to this gossipsub topic at start (repeatable)");
  p2p->add_option("--key", p2p_options.key_file,
                  "Identity: libp2p PrivateKey protobuf file, created (mode 0600) if missing");
  p2p->add_flag("--no-sign", p2p_no_sign,
                "Gossipsub StrictNoSign instead of StrictSign (both ends must agree)");
  add_spin(p2p, p2p_options.spin_us);
  std::string bench_name;
  std::vector<std::string> bench_args;
  auto* bench =
      app.add_subcommand("bench", "Run a benchmark program that was built beside largo (JSON lines)");
  bench->add_option("name", bench_name, "crc32c, journal, text_trace ... (omit to list them)");
  bench->add_option("args", bench_args, "Arguments passed to the benchmark");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version are "errors" with code 0; every usage error exits 2.
    return app.exit(error) == 0 ? 0 : 2;
  }
  if (run->parsed()) return ff::node::run_node(run_options);
  if (p2p->parsed()) {
    p2p_options.sign = !p2p_no_sign;
    return ff::node::run_p2p(p2p_options);
  }
  if (bench->parsed()) return run_bench(argv[0], bench_name, bench_args);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Exceptions never cross the program boundary: one line on stderr, non-zero exit.
  try {
    return run_largo(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "largo: %s\n", error.what());
  } catch (...) {
    std::fprintf(stderr, "largo: unexpected internal error\n");
  }
  return 1;
}
