// FabricNode basics: configuration, handshake, the own-write path (persist, then
// publish), delivery of gossip, read side.
#include "core/fabric/fabric_node.hpp"

#include <gtest/gtest.h>

#include "core/fabric/fabric_wire.hpp"
#include "core/fabric/program_proof.hpp"
#include "tests/core/fabric/fabric_mesh.hpp"

namespace ff::fabric {
namespace {

using testing::Mesh;

using testing::config_for;
using testing::make_node;

TEST(FabricNodeCreate, RejectsBadProgramIdEmptyPeerAndZeroIntervals) {
  NodeConfig bad_program = config_for("A");
  bad_program.program_id = "has space";
  EXPECT_EQ(FabricNode::create(bad_program).error().code, Errc::kInvalidInput);
  EXPECT_EQ(FabricNode::create(config_for("")).error().code, Errc::kInvalidInput);
  NodeConfig zero_pulse = config_for("A");
  zero_pulse.pulse_interval_ms = 0;
  EXPECT_EQ(FabricNode::create(zero_pulse).error().code, Errc::kInvalidInput);
  NodeConfig zero_retry = config_for("A");
  zero_retry.retry_initial_ms = 0;
  EXPECT_EQ(FabricNode::create(zero_retry).error().code, Errc::kInvalidInput);
  EXPECT_TRUE(FabricNode::create(config_for("A")).ok());
}

TEST(FabricNodeCreate, DerivesReplicaIdFromPeerIdUnlessGiven) {
  auto derived = FabricNode::create(config_for("12D3KooWAlpha"));
  ASSERT_TRUE(derived.ok());
  EXPECT_EQ((*derived)->replica_id(), replica_id_from_peer("12D3KooWAlpha"));
  EXPECT_NE((*derived)->replica_id(), replica_id_from_peer("12D3KooWBeta"));
  NodeConfig given = config_for("12D3KooWAlpha");
  given.replica_id = 42;
  EXPECT_EQ((*FabricNode::create(given))->replica_id(), 42u);
  EXPECT_EQ((*derived)->topic(), "fabric/demo-app/sync");
}

TEST(FabricNodeCreate, ReplicaIdIsFirstEightDigestBytesLittleEndian) {
  // SHA-256("abc") = ba7816bf 8f01cfea ...: the first eight bytes read little-endian.
  EXPECT_EQ(replica_id_from_peer("abc"), 0xeacf018fbf1678baull);
}

TEST(FabricHandshake, ProgramProofMatchesTheWorkedExampleOfTheDocs) {
  // docs/fabric.md "Handshake": program id demo-app, PeerId 12D3KooWAlpha.
  const Bytes proof = program_proof("demo-app", "12D3KooWAlpha");
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (const std::uint8_t b : proof) {
    hex += kHex[b >> 4];
    hex += kHex[b & 0xF];
  }
  EXPECT_EQ(hex, "6190e9a5e04cbe6a4f35f3b2aa4dd16627379dbf00c563f52db45a287001827a");
  EXPECT_TRUE(program_proof_matches("demo-app", "12D3KooWAlpha", proof));
  EXPECT_FALSE(program_proof_matches("demo-app", "12D3KooWBeta", proof));
  EXPECT_FALSE(program_proof_matches("demo-app2", "12D3KooWAlpha", proof));
  EXPECT_FALSE(program_proof_matches("demo-app", "12D3KooWAlpha", ByteView(proof.data(), 31)));
  EXPECT_EQ(replica_id_from_peer("12D3KooWAlpha"), 9471381715204936801ull);
}

TEST(FabricHandshake, AckFrameBytesAreStandardProtobuf) {
  const Bytes frame =
      wire::encode_direct(wire::DirectMessage{wire::Ack{0x0102030405060708ull, 3, 0x1111111111111111ull}});
  const Bytes expected = {0x12, 0x14, 0x09, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
                          0x10, 0x03, 0x19, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
  EXPECT_EQ(frame, expected);
}

TEST(FabricHandshake, HelloFromSameProgramIsAccepted) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("B", Sovereignty::kCitizen);
  mesh.connect("A", "B");
  ASSERT_EQ(mesh.node("A").peers().size(), 1u);
  const PeerInfo info = mesh.node("A").peers()[0];
  EXPECT_EQ(info.peer, "B");
  EXPECT_EQ(info.sovereignty, Sovereignty::kCitizen);
  EXPECT_EQ(info.replica, mesh.node("B").replica_id());
  const auto joined = mesh["A"].events_of(EventKind::kPeerJoined);
  ASSERT_EQ(joined.size(), 1u);
  EXPECT_EQ(joined[0].text, "citizen");
  EXPECT_EQ(mesh.node("B").peers().size(), 1u);
  EXPECT_TRUE(mesh["A"].disconnects.empty());
}

TEST(FabricHandshake, FirstEffectOfAConnectionIsTheHello) {
  auto node = make_node(config_for("A"));
  node->peer_connected("B", 0);
  auto effect = node->poll_effect();
  ASSERT_TRUE(effect.has_value());
  auto* send = std::get_if<SendDirect>(&*effect);
  ASSERT_NE(send, nullptr);
  EXPECT_EQ(send->peer, "B");
  auto decoded = wire::decode_direct(send->frame);
  ASSERT_TRUE(decoded.ok());
  auto* hello = std::get_if<wire::Hello>(&decoded->body);
  ASSERT_NE(hello, nullptr);
  EXPECT_EQ(hello->protocol_version, kProtocolVersion);
  EXPECT_EQ(hello->program_proof, program_proof(testing::kProgram, "A"));
  EXPECT_EQ(hello->replica, node->replica_id());
}

TEST(FabricHandshake, WrongProgramIdIsDisconnected) {
  Mesh mesh;
  mesh.add("A");
  mesh.add("B", Sovereignty::kAuthority, [](NodeConfig& c) { c.program_id = "other-app"; });
  mesh.connect("A", "B");
  EXPECT_TRUE(mesh.node("A").peers().empty());
  EXPECT_TRUE(mesh.node("B").peers().empty());
  ASSERT_FALSE(mesh["A"].disconnects.empty());
  EXPECT_NE(mesh["A"].disconnects[0].reason.find("program id"), std::string::npos);
  EXPECT_FALSE(mesh["A"].events_of(EventKind::kRejected).empty());
}

TEST(FabricHandshake, WrongVersionIsDisconnected) {
  auto node = make_node(config_for("A"));
  node->peer_connected("B", 0);
  while (node->poll_effect()) {
  }
  wire::Hello hello;
  hello.protocol_version = 2;
  hello.program_proof = program_proof(testing::kProgram, "B");
  hello.sovereignty = Sovereignty::kAuthority;
  node->handle_direct("B", wire::encode_direct(wire::DirectMessage{hello}), 0);
  bool disconnected = false;
  while (auto effect = node->poll_effect()) {
    if (auto* cut = std::get_if<Disconnect>(&*effect)) {
      disconnected = true;
      EXPECT_NE(cut->reason.find("version"), std::string::npos);
    }
  }
  EXPECT_TRUE(disconnected);
  EXPECT_TRUE(node->peers().empty());
}

TEST(FabricHandshake, FrameBeforeHelloIsAProtocolViolation) {
  auto node = make_node(config_for("A"));
  node->peer_connected("B", 0);
  while (node->poll_effect()) {
  }
  node->handle_direct("B", wire::encode_direct(wire::DirectMessage{wire::Pulse{}}), 0);
  bool disconnected = false;
  while (auto effect = node->poll_effect()) disconnected |= std::holds_alternative<Disconnect>(*effect);
  EXPECT_TRUE(disconnected);
  EXPECT_EQ(node->metrics().rejected_inputs, 1u);
}

TEST(FabricWrite, LocalWritePersistsBeforePublishing) {
  auto node = make_node(config_for("A"));
  auto id = node->apply(Op::increment("clicks", 3), 5);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->origin, node->replica_id());
  EXPECT_EQ(id->seq, 1u);
  std::optional<Persist> persist;
  while (auto effect = node->poll_effect()) {
    EXPECT_FALSE(std::holds_alternative<Publish>(*effect)) << "published before the journal held it";
    if (auto* p = std::get_if<Persist>(&*effect)) persist = *p;
    if (auto* e = std::get_if<Event>(&*effect)) {
      EXPECT_NE(e->kind, EventKind::kWriteDone);
    }
  }
  ASSERT_TRUE(persist.has_value());
  EXPECT_TRUE(persist->sync);
  EXPECT_EQ(*node->object_json("clicks"), "3");
  node->persisted(persist->ticket, 6);
  bool published = false;
  bool done = false;
  while (auto effect = node->poll_effect()) {
    if (auto* p = std::get_if<Publish>(&*effect)) {
      published = true;
      EXPECT_EQ(p->topic, "fabric/demo-app/sync");
      auto m = wire::decode_sync(p->data);
      ASSERT_TRUE(m.ok());
      EXPECT_EQ(m->seq, 1u);
      EXPECT_EQ(m->object, "clicks");
      EXPECT_FALSE(m->ack_requested);
    }
    if (auto* e = std::get_if<Event>(&*effect)) {
      if (e->kind == EventKind::kWriteDone) {
        EXPECT_TRUE(published) << "write done before publish";
        EXPECT_TRUE(e->status.ok());
        EXPECT_EQ(e->write, *id);
        EXPECT_EQ(e->acks, 1u);  // self, an Authority
        done = true;
      }
    }
  }
  EXPECT_TRUE(published);
  EXPECT_TRUE(done);
}

TEST(FabricWrite, EphemeralWithoutJournalPublishesAtOnce) {
  NodeConfig config = config_for("E");
  config.sovereignty = Sovereignty::kEphemeral;
  config.journal = false;
  auto node = make_node(config);
  ASSERT_TRUE(node->apply(Op::set_add("tags", "red"), 0).ok());
  bool published = false;
  while (auto effect = node->poll_effect()) {
    EXPECT_FALSE(std::holds_alternative<Persist>(*effect));
    published |= std::holds_alternative<Publish>(*effect);
  }
  EXPECT_TRUE(published);
}

TEST(FabricWrite, BadOpsChangeNothing) {
  auto node = make_node(config_for("A"));
  ASSERT_TRUE(node->apply(Op::increment("c", 1), 0).ok());
  EXPECT_EQ(node->apply(Op::set_add("c", "x"), 0).error().code, Errc::kInvalidInput);  // kind mismatch
  EXPECT_EQ(node->apply(Op::list_insert("l", 3, "x"), 0).error().code, Errc::kInvalidInput);
  EXPECT_EQ(node->apply(Op::text_erase("t", 0, 1), 0).error().code, Errc::kInvalidInput);
  EXPECT_EQ(node->apply(Op::increment("/bad", 1), 0).error().code, Errc::kInvalidInput);
  EXPECT_EQ(node->version_vector().at(node->replica_id()), 1u);
  EXPECT_FALSE(node->mount("c", ObjectKind::kMap, DurabilityPolicy::local()).ok());
  EXPECT_FALSE(node->object_json("l").ok()) << "a failed first write created the object";
}

}  // namespace
}  // namespace ff::fabric
