// `largo p2p`: a bare libp2p node (net/swarm) driven by JSON-lines commands on stdin and
// reporting JSON-lines events on stdout; logs go to stderr. The protocol is the interop
// suite's (tests/interop/README.md), documented for users in docs/cli.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "net/identity/keys.hpp"

namespace ff::node {

struct P2pOptions {
  std::vector<std::string> listen;  // multiaddrs
  std::vector<std::string> dial;    // multiaddrs, dialled after start
  std::vector<std::string> topics;  // subscribed at start
  std::string key_file;             // empty: a fresh identity for this run
  bool sign = true;                 // gossipsub StrictSign (false: StrictNoSign)
  std::uint32_t spin_us = 0;        // net::run_event_loop's spin; 0 blocks when idle
};

// Loads the libp2p PrivateKey protobuf from `path`, or creates a fresh Ed25519 key there
// (mode 0600, never overwriting) when the file does not exist.
Result<net::PrivateKey> load_or_create_key(const std::string& path);

// Runs the node until `quit`, end of stdin, SIGTERM or SIGINT. Returns the exit status.
int run_p2p(const P2pOptions& options);

}  // namespace ff::node
