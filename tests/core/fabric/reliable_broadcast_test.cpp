// ReliableBroadcast: unacked writes are re-sent directly to the Authorities missing, on a
// 100 ms doubling schedule capped at retry_max_ms, and abandoned after abandon_after_ms.
#include <gtest/gtest.h>

#include "core/fabric/fabric_node.hpp"
#include "core/fabric/fabric_wire.hpp"
#include "tests/core/fabric/fabric_mesh.hpp"

namespace ff::fabric {
namespace {

using testing::ack_frame;
using testing::attach;
using testing::config_for;
using testing::drain;
using testing::find_event;
using testing::make_node;
using testing::persist_all;

// Runs `node`'s timeouts up to `until_ms`; returns, per peer, the times it re-sent a
// MutationBatch holding write `id`.
std::map<PeerKey, std::vector<std::uint64_t>> resend_times(FabricNode& node, const MutationId& id,
                                                           std::uint64_t until_ms,
                                                           std::vector<Event>* events = nullptr) {
  std::map<PeerKey, std::vector<std::uint64_t>> times;
  while (node.next_timeout_ms() <= until_ms) {
    const std::uint64_t now = node.next_timeout_ms();
    node.handle_timeout(now);
    for (Effect& effect : persist_all(node, now)) {
      if (auto* e = std::get_if<Event>(&effect)) {
        if (events != nullptr) events->push_back(*e);
      }
      auto* send = std::get_if<SendDirect>(&effect);
      if (send == nullptr) continue;
      auto message = wire::decode_direct(send->frame);
      EXPECT_TRUE(message.ok());
      if (!message.ok()) continue;
      if (auto* batch = std::get_if<wire::MutationBatch>(&message->body)) {
        for (const wire::Mutation& m : batch->mutations) {
          if (m.id() == id) times[send->peer].push_back(now);
        }
      }
    }
  }
  return times;
}

TEST(FabricReliableBroadcast, RetriesDoubleFrom100msAndCapAt30s) {
  auto a = make_node(config_for("A"));
  attach(*a, "B", Sovereignty::kAuthority, 100);
  ASSERT_TRUE(a->mount("c", ObjectKind::kCounter, DurabilityPolicy::quorum(2)).ok());
  auto id = a->apply(Op::increment("c", 1), 0);
  ASSERT_TRUE(id.ok());
  persist_all(*a, 0);
  const auto times = resend_times(*a, *id, 200000);
  ASSERT_EQ(times.count("B"), 1u);
  const std::vector<std::uint64_t>& sent = times.at("B");
  ASSERT_GE(sent.size(), 12u);
  std::vector<std::uint64_t> gaps;
  std::uint64_t previous = 0;
  for (const std::uint64_t t : sent) {
    gaps.push_back(t - previous);
    previous = t;
  }
  const std::vector<std::uint64_t> expected = {100,  200,   400,   800,   1600,  3200,
                                               6400, 12800, 25600, 30000, 30000, 30000};
  EXPECT_EQ(std::vector<std::uint64_t>(gaps.begin(), gaps.begin() + 12), expected);
}

TEST(FabricReliableBroadcast, ResendsOnlyToAuthoritiesThatHaveNotAcked) {
  auto a = make_node(config_for("A"));
  attach(*a, "B", Sovereignty::kAuthority, 100);
  attach(*a, "C", Sovereignty::kCitizen, 200);
  attach(*a, "D", Sovereignty::kAuthority, 300);
  ASSERT_TRUE(a->mount("c", ObjectKind::kCounter, DurabilityPolicy::quorum(3)).ok());
  auto id = a->apply(Op::increment("c", 1), 0);
  ASSERT_TRUE(id.ok());
  persist_all(*a, 0);
  a->handle_direct("B", ack_frame(*id, 100), 50);
  drain(*a);
  const auto times = resend_times(*a, *id, 1000);
  EXPECT_EQ(times.count("B"), 0u);
  EXPECT_EQ(times.count("C"), 0u);
  ASSERT_EQ(times.count("D"), 1u);
  EXPECT_EQ(times.at("D"), (std::vector<std::uint64_t>{100, 300, 700}));
  a->handle_direct("D", ack_frame(*id, 300), 1000);
  auto done = find_event(persist_all(*a, 1000), EventKind::kWriteDone);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->acks, 3u);
  EXPECT_EQ(a->metrics().pending_broadcasts, 0u);
  EXPECT_TRUE(resend_times(*a, *id, 100000).empty());
}

TEST(FabricReliableBroadcast, AbandonsToAntiEntropyAfterTheTimeout) {
  NodeConfig config = config_for("A");
  config.abandon_after_ms = 5000;
  config.write_timeout_ms = 2000;
  auto a = make_node(config);
  attach(*a, "B", Sovereignty::kAuthority, 100);
  ASSERT_TRUE(a->mount("c", ObjectKind::kCounter, DurabilityPolicy::quorum(2)).ok());
  auto id = a->apply(Op::increment("c", 1), 0);
  ASSERT_TRUE(id.ok());
  persist_all(*a, 0);
  std::vector<Event> events;
  const auto times = resend_times(*a, *id, 60000, &events);
  EXPECT_EQ(times.at("B"), (std::vector<std::uint64_t>{100, 300, 700, 1500, 3100}));
  EXPECT_EQ(a->metrics().pending_broadcasts, 0u);
  bool degraded = false;
  bool abandoned = false;
  for (const Event& e : events) {
    if (e.kind == EventKind::kWriteDone) degraded = e.degraded && e.status.ok();
    if (e.kind == EventKind::kWarning && e.text.find("abandoned") != std::string::npos) abandoned = true;
  }
  EXPECT_TRUE(degraded) << "quorum(2) with 2 reachable degrades after write_timeout_ms";
  EXPECT_TRUE(abandoned);
}

TEST(FabricReliableBroadcast, DuplicateResendIsAckedAgain) {
  auto b = make_node(config_for("B"));
  attach(*b, "A", Sovereignty::kAuthority, 7);
  wire::Mutation m;
  m.origin = 7;
  m.seq = 1;
  m.object = "c";
  m.kind = ObjectKind::kCounter;
  m.delta = Bytes{};
  m.ack_requested = true;
  // An empty delta does not decode as a counter: delivered (and acked) but rejected.
  const Bytes frame = wire::encode_direct(wire::DirectMessage{wire::MutationBatch{{m}}});
  b->handle_direct("A", frame, 0);
  std::size_t acks = 0;
  for (Effect& e : persist_all(*b)) acks += std::holds_alternative<SendDirect>(e) ? 1 : 0;
  EXPECT_EQ(acks, 1u);
  b->handle_direct("A", frame, 10);  // the origin did not get the ack and re-sent
  acks = 0;
  for (Effect& e : persist_all(*b)) acks += std::holds_alternative<SendDirect>(e) ? 1 : 0;
  EXPECT_EQ(acks, 1u);
  EXPECT_EQ(b->metrics().acks_sent, 2u);
  EXPECT_EQ(b->metrics().duplicates_dropped, 1u);
}

}  // namespace
}  // namespace ff::fabric
