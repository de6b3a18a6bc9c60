// Fuzzes FabricNode with arbitrary input (docs/fabric.md): the input is a script of steps,
// each a selector byte, a 2-byte little-endian length and that many bytes. Steps feed the
// node direct frames (from a peer that said Hello, or one that did not), gossip, journal
// records, persisted() tickets and timeouts. Every input is untrusted: the node must
// answer with error values and events, keep its bounds, and stay usable. Any crash,
// sanitizer report or abort is a bug. The codecs are also checked directly: a frame that
// decodes re-encodes to one that decodes again.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/bytes.hpp"
#include "core/fabric/fabric_node.hpp"
#include "core/fabric/fabric_wire.hpp"
#include "core/fabric/program_proof.hpp"

namespace {

using namespace ff::fabric;

void check(bool condition) {
  if (!condition) std::abort();
}

constexpr const char* kProgram = "fuzz-app";

void drain(FabricNode& node, std::uint64_t now_ms) {
  // Bounded: every Persist is acknowledged at once, which can free more effects.
  for (int round = 0; round < 64; ++round) {
    bool any = false;
    while (auto effect = node.poll_effect()) {
      any = true;
      if (auto* persist = std::get_if<Persist>(&*effect)) node.persisted(persist->ticket, now_ms);
    }
    if (!any) return;
  }
}

void check_codecs(ff::ByteView input) {
  if (auto direct = wire::decode_direct(input); direct.ok()) {
    check(wire::decode_direct(wire::encode_direct(*direct)).ok());
  }
  if (auto sync = wire::decode_sync(input); sync.ok())
    check(wire::decode_sync(wire::encode_sync(*sync)).ok());
  if (auto record = wire::decode_record(input); record.ok()) {
    check(wire::decode_record(wire::encode_record(*record)).ok());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  NodeConfig config;
  config.program_id = kProgram;
  config.peer_id = "fuzz-node";
  config.fresh_replica_id = 0x5eed;  // what a runtime draws at random (needed with a journal)
  config.max_causal_buffer = 64;
  config.max_log_mutations = 64;
  config.max_objects = 16;
  config.max_pending_writes = 16;
  auto created = FabricNode::create(config);
  check(created.ok());
  std::unique_ptr<FabricNode> node = std::move(created).value();

  // One peer that completed the handshake, so later frames reach the protocol logic.
  wire::Hello hello;
  hello.program_proof = program_proof(kProgram, "peer");
  hello.sovereignty = Sovereignty::kAuthority;
  hello.replica = 7;
  node->peer_connected("peer", 0);
  node->handle_direct("peer", wire::encode_direct(wire::DirectMessage{hello}), 0);
  drain(*node, 0);

  std::uint64_t now_ms = 1;
  std::size_t offset = 0;
  while (offset + 3 <= size) {
    const std::uint8_t selector = data[offset];
    const std::size_t length = std::size_t{data[offset + 1]} | (std::size_t{data[offset + 2]} << 8);
    offset += 3;
    const std::size_t take = std::min(length, size - offset);
    const ff::ByteView chunk(data + offset, take);
    offset += take;
    now_ms += selector;
    check_codecs(chunk);
    switch (selector % 6) {
      case 0: node->handle_direct("peer", chunk, now_ms); break;
      case 1: node->handle_direct("stranger", chunk, now_ms); break;
      case 2: node->handle_gossip("peer", chunk, now_ms); break;
      case 3: (void)node->restore(chunk); break;
      case 4: {
        const std::uint64_t at =
            std::max(now_ms, node->next_timeout_ms() == UINT64_MAX ? now_ms : node->next_timeout_ms());
        node->handle_timeout(at);
        drain(*node, at);
        check(node->next_timeout_ms() > at);  // a runtime would otherwise spin
        now_ms = at;
        break;
      }
      default: (void)node->apply(Op::increment("local", 1), now_ms); break;
    }
    drain(*node, now_ms);
    const Metrics metrics = node->metrics();
    check(metrics.causal_buffered <= config.max_causal_buffer);
    check(node->objects().size() <= config.max_objects);
  }
  node->restored(now_ms);
  drain(*node, now_ms);
  for (const ObjectInfo& object : node->objects()) check(node->object_json(object.name).ok());
  (void)node->state_json();
  return 0;
}
