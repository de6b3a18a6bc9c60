// largo: the Fluid Fabric command line. Subcommands map to the product's jobs:
// `run` (a mesh node), `p2p` (a raw libp2p node for debugging), `bench`, `version`.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

namespace {

constexpr const char* kVersion = FF_VERSION;

int not_yet(const char* what) {
  std::fprintf(stderr, "largo: '%s' is not available in this build yet (see the README's status section)\n", what);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"largo — Fluid Fabric: a peer-to-peer computation mesh of native nodes and browser tabs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("largo ") + kVersion);

  auto* version = app.add_subcommand("version", "Print the version and build facts");
  version->callback([] {
    std::printf("largo %s (C++20, core formats: journal v1)\n", kVersion);
  });

  std::string program_id;
  std::string mode = "server";
  auto* run = app.add_subcommand("run", "Run a mesh node for a program id (golden test server)");
  run->add_option("--id", program_id, "Program ID shared by every node of the mesh")->required();
  run->add_option("--mode", mode, "server or client")->check(CLI::IsMember({"server", "client"}));

  auto* p2p = app.add_subcommand("p2p", "Run a bare libp2p node speaking JSON lines on stdin/stdout");
  auto* bench = app.add_subcommand("bench", "Run the benchmark programs");

  CLI11_PARSE(app, argc, argv);
  if (run->parsed()) return not_yet("run");
  if (p2p->parsed()) return not_yet("p2p");
  if (bench->parsed()) return not_yet("bench");
  return 0;
}
