// `largo run`: a native mesh node (docs/cli.md "largo run", docs/api.md). One io_context
// thread drives the libp2p swarm (TCP + WebSocket), the FabricNode runtime with its disk
// journal, and the HTTP server of the Studio page and JSON API. It prints a ready JSON line
// and an invite box (with a QR code of the Studio URL) on stdout, logs on stderr, and shuts
// down cleanly on SIGINT/SIGTERM.
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"

namespace ff::node {

inline constexpr int kDefaultHttpPort = 7070;
inline constexpr int kDefaultTcpPort = 7071;
inline constexpr int kDefaultWsPort = 7072;

struct RunOptions {
  std::string program_id;
  std::string mode = "server";  // server | client
  std::string sovereignty;      // authority | citizen | ephemeral; empty: authority
  std::string data_dir;         // empty: ~/.lsf/<program-id>
  int http_port = -1;           // -1: the mode's default (server 7070, client 0)
  int tcp_port = -1;
  int ws_port = -1;
  std::string listen_host = "0.0.0.0";  // libp2p listeners; HTTP is always 127.0.0.1
  std::vector<std::string> peers;       // multiaddrs dialled (and re-dialled) at start
  std::string web_root;                 // empty: the compiled-in <source>/build-web/dist
  std::string program;                  // a LOGOS file: not supported yet
  std::uint32_t spin_us = 0;            // net::run_event_loop's spin; 0 blocks when idle
};

// Checks what can be checked without touching the system; kInvalidInput with a one-line
// message for usage errors (exit status 2).
Status validate_run_options(const RunOptions& options);

// The compiled-in web root (<source dir>/build-web/dist).
std::string default_web_root();

// The terminal drawing of a QR code of `text` (two modules per character row, light
// modules drawn as blocks so it scans on dark terminals), or an error if it does not fit.
Result<std::string> qr_text(const std::string& text);

// Runs the node until SIGINT/SIGTERM. Returns the exit status: 0 after a clean shutdown,
// 2 for usage errors, 1 for runtime errors (one line on stderr).
int run_node(const RunOptions& options);

}  // namespace ff::node
