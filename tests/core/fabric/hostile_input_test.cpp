// Every input of FabricNode is untrusted: random and mangled frames, gossip and journal
// records are rejected as values, never crash the node, and leave it working.
#include <gtest/gtest.h>

#include "core/fabric/fabric_node.hpp"
#include "core/fabric/fabric_wire.hpp"
#include "core/rng.hpp"
#include "tests/core/fabric/fabric_mesh.hpp"
#include "tests/support/seeds.hpp"

namespace ff::fabric {
namespace {

using testing::attach;
using testing::config_for;
using testing::drain;
using testing::make_node;
using testing::persist_all;

// Valid frames of every kind, to be mangled.
std::vector<Bytes> seed_frames(FabricNode& writer) {
  std::vector<Bytes> frames;
  frames.push_back(testing::hello_frame("X", Sovereignty::kAuthority, 5, {{1, 2}}));
  frames.push_back(testing::ack_frame(MutationId{writer.replica_id(), 1}, 5));
  frames.push_back(wire::encode_direct(wire::DirectMessage{wire::Pulse{{{writer.replica_id(), 3}}}}));
  for (const Op& op : {Op::increment("c", 2), Op::set_add("s", "x"), Op::map_put("m", "k", "v"),
                       Op::list_insert("l", 0, "i"), Op::text_insert("t", 0, "tx")}) {
    EXPECT_TRUE(writer.apply(op, 0).ok());
  }
  wire::MutationBatch batch;
  for (Effect& effect : drain(writer)) {
    if (auto* p = std::get_if<Persist>(&effect)) {
      auto record = wire::decode_record(p->record);
      EXPECT_TRUE(record.ok());
      frames.push_back(p->record);  // also a journal record to mangle
      if (auto* m = std::get_if<wire::Mutation>(&record->body)) batch.mutations.push_back(*m);
    }
  }
  frames.push_back(wire::encode_direct(wire::DirectMessage{batch}));
  wire::Snapshot snapshot;
  snapshot.heads = writer.version_vector();
  frames.push_back(wire::encode_direct(wire::DirectMessage{snapshot}));
  return frames;
}

TEST(FabricHostileInput, MangledFramesGossipAndRecordsNeverBreakTheNode) {
  for (const std::uint64_t seed : ff::testing::property_seeds(10)) {
    Rng rng(seed);
    auto writer = make_node(config_for("W"));
    const std::vector<Bytes> frames = seed_frames(*writer);
    auto node = make_node(config_for("A"));
    attach(*node, "X", Sovereignty::kAuthority, 5);
    for (int round = 0; round < 300; ++round) {
      Bytes input = frames[rng.below(frames.size())];
      const std::uint64_t edits = rng.below(5);
      for (std::uint64_t k = 0; k < edits && !input.empty(); ++k) {
        switch (rng.below(3)) {
          case 0: input[rng.below(input.size())] = static_cast<std::uint8_t>(rng.next()); break;
          case 1: input.resize(rng.below(input.size())); break;
          default:
            input.insert(input.begin() + static_cast<std::ptrdiff_t>(rng.below(input.size() + 1)),
                         static_cast<std::uint8_t>(rng.next()));
        }
      }
      switch (rng.below(3)) {
        case 0:
          node->handle_direct(rng.chance(1, 2) ? "X" : "Y", input, static_cast<std::uint64_t>(round));
          break;
        case 1: node->handle_gossip("X", input, static_cast<std::uint64_t>(round)); break;
        default: (void)node->restore(input);
      }
      persist_all(*node, static_cast<std::uint64_t>(round));
      node->handle_timeout(node->next_timeout_ms() == UINT64_MAX ? 0 : node->next_timeout_ms());
      drain(*node);
      const Metrics metrics = node->metrics();
      ASSERT_LE(metrics.causal_buffered, node->config().max_causal_buffer) << ff::testing::seed_note(seed);
    }
    // Still a working node: a local write and the read side behave.
    node->restored(1000);
    ASSERT_TRUE(node->apply(Op::increment("fresh", 1), 1000).ok()) << ff::testing::seed_note(seed);
    EXPECT_EQ(*node->object_json("fresh"), "1") << ff::testing::seed_note(seed);
    EXPECT_FALSE(node->state_json().empty());
  }
}

TEST(FabricHostileInput, OversizedDirectFrameDisconnects) {
  auto node = make_node(config_for("A"));
  attach(*node, "X", Sovereignty::kAuthority, 5);
  node->handle_direct("X", Bytes(kMaxDirectFrameBytes + 1, 0), 0);
  bool disconnected = false;
  for (Effect& effect : drain(*node)) disconnected |= std::holds_alternative<Disconnect>(effect);
  EXPECT_TRUE(disconnected);
  EXPECT_TRUE(node->peers().empty());
}

TEST(FabricHostileInput, MalformedGossipIsRejectedWithAnEvent) {
  auto node = make_node(config_for("A"));
  const Bytes junk = {0x0A, 0x03, 0x08, 0x01};
  node->handle_gossip("X", junk, 0);
  auto effects = drain(*node);
  auto rejected = testing::find_event(effects, EventKind::kRejected);
  ASSERT_TRUE(rejected.has_value());
  EXPECT_EQ(rejected->peer, "X");
  EXPECT_EQ(node->metrics().rejected_inputs, 1u);
}

}  // namespace
}  // namespace ff::fabric
