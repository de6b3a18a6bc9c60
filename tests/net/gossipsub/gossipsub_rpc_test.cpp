#include "net/gossipsub/gossipsub_rpc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/codec/varint.hpp"
#include "core/rng.hpp"
#include "net/gossipsub/rpc_frame_decoder.hpp"
#include "tests/support/seeds.hpp"

namespace ff::net {
namespace {

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

Bytes filled(std::size_t count, std::uint8_t value) { return Bytes(count, value); }

// A length-delimited field written by hand: tag byte (field < 16), varint length, payload.
Bytes ld(std::uint8_t tag, const Bytes& payload) {
  Bytes out{tag};
  std::size_t length = payload.size();
  while (length >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(0x80 | (length & 0x7f)));
    length >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(length));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// The fields of a signed message as a js peer sends it (key included).
const Bytes kFrom = concat({{0x00, 0x24, 0x08, 0x01, 0x12, 0x20}, filled(32, 0xab)});
const Bytes kSeqno = {0, 0, 0, 0, 0, 0, 0x01, 0x02};
const Bytes kSignature = filled(64, 0x5a);
const Bytes kKey = concat({{0x08, 0x01, 0x12, 0x20}, filled(32, 0xab)});

Bytes hand_built_message() {
  return concat({ld(0x0a, kFrom), ld(0x12, to_bytes("hi")), ld(0x1a, kSeqno), ld(0x22, to_bytes("t")),
                 ld(0x2a, kSignature), ld(0x32, kKey)});
}

Bytes hand_built_rpc() {
  // subscriptions { subscribe: true, topic: "t" }, publish { <message> }
  return concat({ld(0x0a, {0x08, 0x01, 0x12, 0x01, 't'}), ld(0x12, hand_built_message())});
}

TEST(GossipsubRpc, DecodesHandBuiltSignedMessage) {
  Result<Rpc> rpc = decode_rpc(hand_built_rpc());
  ASSERT_TRUE(rpc.ok()) << rpc.error().message;
  ASSERT_EQ(rpc->subscriptions.size(), 1u);
  EXPECT_TRUE(rpc->subscriptions[0].subscribe);
  EXPECT_EQ(rpc->subscriptions[0].topic, "t");
  ASSERT_EQ(rpc->messages.size(), 1u);
  const RpcMessage& message = rpc->messages[0];
  EXPECT_EQ(message.from, kFrom);
  EXPECT_EQ(message.data, to_bytes("hi"));
  EXPECT_EQ(message.seqno, kSeqno);
  EXPECT_EQ(message.topic, "t");
  EXPECT_EQ(message.signature, kSignature);
  EXPECT_EQ(message.key, kKey);
  EXPECT_FALSE(rpc->control.has_value());
}

TEST(GossipsubRpc, EncodesSignedMessageByteForByte) {
  Rpc rpc;
  rpc.subscriptions.push_back(SubOpts{true, "t"});
  RpcMessage message;
  message.from = kFrom;
  message.data = to_bytes("hi");
  message.seqno = kSeqno;
  message.topic = "t";
  message.signature = kSignature;
  message.key = kKey;
  rpc.messages.push_back(message);
  EXPECT_EQ(encode_rpc(rpc), hand_built_rpc());
  EXPECT_EQ(encode_message(message), hand_built_message());
  // The frame is the uvarint length then the body.
  const Bytes frame = encode_rpc_frame(rpc);
  const Bytes body = hand_built_rpc();
  ASSERT_GT(body.size(), 127u);
  EXPECT_EQ(frame[0], static_cast<std::uint8_t>(0x80 | (body.size() & 0x7f)));
  EXPECT_EQ(frame[1], static_cast<std::uint8_t>(body.size() >> 7));
  EXPECT_EQ(Bytes(frame.begin() + 2, frame.end()), body);
}

TEST(GossipsubRpc, PresenceOfEmptyFieldsIsKept) {
  // An empty-but-present data field is written (js writes data whenever set); an empty topic
  // is not (js writes the topic only when non-empty).
  RpcMessage message;
  message.data = Bytes();
  EXPECT_EQ(encode_message(message), (Bytes{0x12, 0x00}));
  Result<Rpc> rpc = decode_rpc(ld(0x12, {0x12, 0x00}));
  ASSERT_TRUE(rpc.ok());
  ASSERT_TRUE(rpc->messages[0].data.has_value());
  EXPECT_TRUE(rpc->messages[0].data->empty());
  EXPECT_FALSE(rpc->messages[0].from.has_value());
  EXPECT_FALSE(rpc->messages[0].seqno.has_value());
}

Rpc control_rpc() {
  Rpc rpc;
  rpc.control.emplace();
  rpc.control->ihave.push_back(ControlIHave{"a", {to_bytes("id1"), to_bytes("id2")}});
  rpc.control->iwant.push_back(ControlIWant{{to_bytes("id3")}});
  rpc.control->graft.push_back(ControlGraft{"b"});
  ControlPrune prune;
  prune.topic = "c";
  prune.backoff_seconds = 60;
  PeerInfo info;
  info.peer_id = kFrom;
  info.signed_peer_record = to_bytes("record");
  prune.peers.push_back(info);
  rpc.control->prune.push_back(prune);
  return rpc;
}

TEST(GossipsubRpc, ControlRoundTrips) {
  const Rpc rpc = control_rpc();
  Result<Rpc> decoded = decode_rpc(encode_rpc(rpc));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_TRUE(decoded->control.has_value());
  const ControlMessage& control = *decoded->control;
  ASSERT_EQ(control.ihave.size(), 1u);
  EXPECT_EQ(control.ihave[0].topic, "a");
  EXPECT_EQ(control.ihave[0].message_ids, (std::vector<MessageId>{to_bytes("id1"), to_bytes("id2")}));
  ASSERT_EQ(control.iwant.size(), 1u);
  EXPECT_EQ(control.iwant[0].message_ids, (std::vector<MessageId>{to_bytes("id3")}));
  ASSERT_EQ(control.graft.size(), 1u);
  EXPECT_EQ(control.graft[0].topic, "b");
  ASSERT_EQ(control.prune.size(), 1u);
  EXPECT_EQ(control.prune[0].topic, "c");
  EXPECT_EQ(control.prune[0].backoff_seconds, 60u);
  ASSERT_EQ(control.prune[0].peers.size(), 1u);
  EXPECT_EQ(control.prune[0].peers[0].peer_id, kFrom);
  EXPECT_EQ(control.prune[0].peers[0].signed_peer_record, to_bytes("record"));
  // Re-encoding the decoded RPC gives the same bytes.
  EXPECT_EQ(encode_rpc(*decoded), encode_rpc(rpc));
}

TEST(GossipsubRpc, GraftEncodingIsByteExact) {
  Rpc rpc;
  rpc.control.emplace();
  rpc.control->graft.push_back(ControlGraft{"t"});
  // control { graft { topicID: "t" } }
  EXPECT_EQ(encode_rpc(rpc), (Bytes{0x1a, 0x05, 0x1a, 0x03, 0x0a, 0x01, 't'}));
  Rpc prune_rpc;
  prune_rpc.control.emplace();
  ControlPrune prune;
  prune.topic = "t";
  prune.backoff_seconds = 60;
  prune_rpc.control->prune.push_back(prune);
  // control { prune { topicID: "t", backoff: 60 } }
  EXPECT_EQ(encode_rpc(prune_rpc), (Bytes{0x1a, 0x07, 0x22, 0x05, 0x0a, 0x01, 't', 0x18, 60}));
}

TEST(GossipsubRpc, UnknownFieldsAreIgnoredAtEveryLevel) {
  const Bytes unknown_varint = {0x48, 0x07};                     // field 9, varint 7
  const Bytes unknown_bytes = {0x7a, 0x02, 0xde, 0xad};          // field 15, bytes
  const Bytes unknown_fixed32 = {0xa5, 0x01, 1, 2, 3, 4};        // field 20, fixed32
  const Bytes unknown_fixed64 = {0x39, 1, 2, 3, 4, 5, 6, 7, 8};  // field 7, fixed64
  const Bytes message = concat({hand_built_message(), unknown_fixed64, unknown_varint});
  const Bytes control = concat({ld(0x0a, concat({{0x0a, 0x01, 'a'}, unknown_varint, {0x12, 0x01, 'x'}})),
                                ld(0x1a, concat({unknown_bytes, {0x0a, 0x01, 'b'}})), unknown_fixed32});
  const Bytes rpc_bytes =
      concat({unknown_varint, ld(0x0a, concat({{0x08, 0x01}, unknown_bytes, {0x12, 0x01, 't'}})),
              unknown_fixed32, ld(0x12, message), ld(0x1a, control), unknown_bytes});
  Result<Rpc> rpc = decode_rpc(rpc_bytes);
  ASSERT_TRUE(rpc.ok()) << rpc.error().message;
  ASSERT_EQ(rpc->subscriptions.size(), 1u);
  EXPECT_EQ(rpc->subscriptions[0], (SubOpts{true, "t"}));
  ASSERT_EQ(rpc->messages.size(), 1u);
  EXPECT_EQ(encode_message(rpc->messages[0]), hand_built_message());
  ASSERT_TRUE(rpc->control.has_value());
  ASSERT_EQ(rpc->control->ihave.size(), 1u);
  EXPECT_EQ(rpc->control->ihave[0].topic, "a");
  EXPECT_EQ(rpc->control->ihave[0].message_ids, (std::vector<MessageId>{to_bytes("x")}));
  ASSERT_EQ(rpc->control->graft.size(), 1u);
  EXPECT_EQ(rpc->control->graft[0].topic, "b");
}

TEST(GossipsubRpc, IDontWantIsDecodedAndIgnored) {
  // control { idontwant { messageIDs: "a", "b" } idontwant { } graft { "t" } }
  const Bytes control =
      concat({ld(0x2a, {0x0a, 0x01, 'a', 0x0a, 0x01, 'b'}), ld(0x2a, {}), ld(0x1a, {0x0a, 0x01, 't'})});
  Result<Rpc> rpc = decode_rpc(ld(0x1a, control));
  ASSERT_TRUE(rpc.ok()) << rpc.error().message;
  EXPECT_EQ(rpc->control->idontwant_entries, 2u);
  EXPECT_EQ(rpc->control->idontwant_ids, 2u);
  ASSERT_EQ(rpc->control->graft.size(), 1u);
  // We never send IDONTWANT.
  EXPECT_EQ(encode_rpc(*rpc), ld(0x1a, ld(0x1a, {0x0a, 0x01, 't'})));
  // A malformed IDONTWANT is still an error.
  EXPECT_FALSE(decode_rpc(ld(0x1a, ld(0x2a, {0x0a, 0x05, 'a'}))).ok());
}

TEST(GossipsubRpc, TruncationIsAnErrorUnlessAtATopLevelBoundary) {
  const Rpc control = control_rpc();
  // Build the RPC field by field to know where the top-level boundaries are.
  std::vector<Bytes> fields = {ld(0x0a, {0x08, 0x01, 0x12, 0x01, 't'}), ld(0x12, hand_built_message()),
                               encode_rpc(control)};
  Bytes whole;
  std::vector<std::size_t> boundaries = {0};
  for (const Bytes& field : fields) {
    whole.insert(whole.end(), field.begin(), field.end());
    boundaries.push_back(whole.size());
  }
  ASSERT_TRUE(decode_rpc(whole).ok());
  for (std::size_t cut = 0; cut < whole.size(); ++cut) {
    Result<Rpc> rpc = decode_rpc(ByteView(whole).first(cut));
    const bool at_boundary = std::find(boundaries.begin(), boundaries.end(), cut) != boundaries.end();
    if (at_boundary) {
      ASSERT_TRUE(rpc.ok()) << "cut " << cut;
      const std::size_t fields_kept =
          static_cast<std::size_t>(std::find(boundaries.begin(), boundaries.end(), cut) - boundaries.begin());
      EXPECT_EQ(rpc->subscriptions.size(), fields_kept >= 1 ? 1u : 0u) << "cut " << cut;
      EXPECT_EQ(rpc->messages.size(), fields_kept >= 2 ? 1u : 0u) << "cut " << cut;
    } else {
      ASSERT_FALSE(rpc.ok()) << "cut " << cut << " decoded";
      // Frames arrive whole, so a short RPC is malformed, never "wait for more".
      EXPECT_EQ(rpc.error().code, Errc::kInvalidInput) << "cut " << cut;
    }
  }
}

TEST(GossipsubRpc, OversizeRpcIsRejected) {
  RpcLimits limits;
  limits.max_rpc_bytes = 100;
  Rpc rpc;
  rpc.messages.push_back(
      RpcMessage{std::nullopt, Bytes(200, 1), std::nullopt, "t", std::nullopt, std::nullopt});
  Result<Rpc> decoded = decode_rpc(encode_rpc(rpc), limits);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kLimitExceeded);
  // The default limit takes a 1 MiB message with room to spare.
  Rpc big;
  big.messages.push_back(RpcMessage{kFrom, Bytes(1024 * 1024, 7), kSeqno, "t", kSignature, kKey});
  EXPECT_TRUE(decode_rpc(encode_rpc(big)).ok());
}

TEST(GossipsubRpc, TooManyEntriesAreRejected) {
  RpcLimits limits;
  limits.max_subscriptions = 3;
  limits.max_messages = 3;
  limits.max_ihave_ids = 4;
  limits.max_iwant_ids = 4;
  limits.max_control_entries = 3;
  auto expect_limit = [&](const Rpc& rpc, const char* what) {
    Result<Rpc> decoded = decode_rpc(encode_rpc(rpc), limits);
    ASSERT_FALSE(decoded.ok()) << what;
    EXPECT_EQ(decoded.error().code, Errc::kLimitExceeded) << what;
  };
  auto expect_ok = [&](const Rpc& rpc, const char* what) {
    EXPECT_TRUE(decode_rpc(encode_rpc(rpc), limits).ok()) << what;
  };
  Rpc subs;
  for (int i = 0; i < 3; ++i) subs.subscriptions.push_back(SubOpts{true, "t"});
  expect_ok(subs, "3 subscriptions");
  subs.subscriptions.push_back(SubOpts{true, "t"});
  expect_limit(subs, "4 subscriptions");

  Rpc messages;
  for (int i = 0; i < 4; ++i) messages.messages.push_back(RpcMessage{});
  expect_limit(messages, "4 messages");

  // IHAVE ids are counted over all entries of the RPC.
  Rpc ihave;
  ihave.control.emplace();
  ihave.control->ihave.push_back(ControlIHave{"a", {to_bytes("1"), to_bytes("2")}});
  ihave.control->ihave.push_back(ControlIHave{"b", {to_bytes("3"), to_bytes("4")}});
  expect_ok(ihave, "4 ihave ids");
  ihave.control->ihave[1].message_ids.push_back(to_bytes("5"));
  expect_limit(ihave, "5 ihave ids in two entries");

  Rpc iwant;
  iwant.control.emplace();
  iwant.control->iwant.push_back(ControlIWant{{to_bytes("1"), to_bytes("2"), to_bytes("3")}});
  iwant.control->iwant.push_back(ControlIWant{{to_bytes("4"), to_bytes("5")}});
  expect_limit(iwant, "5 iwant ids");

  Rpc grafts;
  grafts.control.emplace();
  for (int i = 0; i < 4; ++i) grafts.control->graft.push_back(ControlGraft{"t"});
  expect_limit(grafts, "4 grafts");

  Rpc prunes;
  prunes.control.emplace();
  for (int i = 0; i < 4; ++i) prunes.control->prune.push_back(ControlPrune{"t", {}, std::nullopt});
  expect_limit(prunes, "4 prunes");

  // Two control fields merge, and their entries count together.
  const Bytes one_graft = ld(0x1a, ld(0x1a, {0x0a, 0x01, 't'}));
  const Bytes two_controls = concat({one_graft, one_graft, one_graft, one_graft});
  Result<Rpc> merged = decode_rpc(two_controls, limits);
  ASSERT_FALSE(merged.ok());
  EXPECT_EQ(merged.error().code, Errc::kLimitExceeded);
  ASSERT_EQ(decode_rpc(concat({one_graft, one_graft}), limits)->control->graft.size(), 2u);
}

TEST(GossipsubRpc, LongTopicsAndIdsAreRejected) {
  Rpc topic;
  topic.subscriptions.push_back(SubOpts{true, std::string(kMaxTopicBytes, 'x')});
  EXPECT_TRUE(decode_rpc(encode_rpc(topic)).ok());
  topic.subscriptions[0].topic.push_back('x');
  EXPECT_EQ(decode_rpc(encode_rpc(topic)).error().code, Errc::kLimitExceeded);

  Rpc id;
  id.control.emplace();
  id.control->iwant.push_back(ControlIWant{{Bytes(kMaxMessageIdBytes, 1)}});
  EXPECT_TRUE(decode_rpc(encode_rpc(id)).ok());
  id.control->iwant[0].message_ids[0].push_back(1);
  EXPECT_EQ(decode_rpc(encode_rpc(id)).error().code, Errc::kLimitExceeded);
}

TEST(GossipsubRpc, PeerInfosBeyondTheLimitAreSkipped) {
  Rpc rpc;
  rpc.control.emplace();
  ControlPrune prune;
  prune.topic = "t";
  for (int i = 0; i < 20; ++i) prune.peers.push_back(PeerInfo{kFrom, std::nullopt});
  rpc.control->prune.push_back(prune);
  rpc.control->prune.push_back(prune);
  Result<Rpc> decoded = decode_rpc(encode_rpc(rpc));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->control->prune.size(), 2u);
  EXPECT_EQ(decoded->control->prune[0].peers.size() + decoded->control->prune[1].peers.size(),
            kMaxRpcPeerInfos);
}

TEST(GossipsubRpc, WrongWireTypesAreRejected) {
  // Message.data (field 2) as a varint.
  EXPECT_EQ(decode_rpc(ld(0x12, {0x10, 0x01})).error().code, Errc::kInvalidInput);
  // SubOpts.subscribe as bytes.
  EXPECT_EQ(decode_rpc(ld(0x0a, {0x0a, 0x00})).error().code, Errc::kInvalidInput);
  // RPC.control as a varint.
  EXPECT_EQ(decode_rpc(Bytes{0x18, 0x01}).error().code, Errc::kInvalidInput);
  // SubOpts.subscribe = 2 is not a bool.
  EXPECT_EQ(decode_rpc(ld(0x0a, {0x08, 0x02})).error().code, Errc::kInvalidInput);
  // A group wire type.
  EXPECT_EQ(decode_rpc(Bytes{0x0b}).error().code, Errc::kInvalidInput);
}

TEST(RpcFrameDecoder, AnyChunkingYieldsTheSameFrames) {
  std::vector<Bytes> bodies = {encode_rpc(control_rpc()), Bytes(), hand_built_rpc(), Bytes(300, 0x42)};
  Bytes stream;
  for (const Bytes& body : bodies) {
    codec::put_varint(stream, body.size());
    stream.insert(stream.end(), body.begin(), body.end());
  }
  for (std::uint64_t seed : ff::testing::property_seeds(20)) {
    Rng rng(seed);
    RpcFrameDecoder decoder;
    std::vector<Bytes> frames;
    std::size_t offset = 0;
    while (offset < stream.size()) {
      const std::size_t len = std::min<std::size_t>(1 + rng.below(16), stream.size() - offset);
      ByteView chunk = ByteView(stream).subspan(offset, len);
      offset += len;
      while (true) {
        auto frame = decoder.next(chunk);
        ASSERT_TRUE(frame.ok()) << ff::testing::seed_note(seed);
        if (!*frame) break;
        frames.push_back(std::move(**frame));
      }
      EXPECT_TRUE(chunk.empty());
      EXPECT_LE(decoder.buffered_bytes(), 300u + 2u) << ff::testing::seed_note(seed);
    }
    EXPECT_EQ(frames, bodies) << ff::testing::seed_note(seed);
    EXPECT_EQ(decoder.buffered_bytes(), 0u);
  }
}

TEST(RpcFrameDecoder, OversizeLengthIsAStickyError) {
  RpcFrameDecoder decoder(1000);
  Bytes stream;
  codec::put_varint(stream, 1001);
  ByteView input(stream);
  auto frame = decoder.next(input);
  ASSERT_FALSE(frame.ok());
  EXPECT_EQ(frame.error().code, Errc::kLimitExceeded);
  Bytes fine = {0x01, 0x00};
  ByteView more(fine);
  EXPECT_FALSE(decoder.next(more).ok());
  EXPECT_TRUE(decoder.failed());
  decoder.reset();
  ByteView again(fine);
  auto ok = decoder.next(again);
  ASSERT_TRUE(ok.ok());
  ASSERT_TRUE(ok->has_value());
  EXPECT_EQ(**ok, Bytes{0x00});
}

TEST(RpcFrameDecoder, MalformedLengthPrefixesAreErrors) {
  {
    RpcFrameDecoder decoder;
    Bytes non_minimal = {0x81, 0x00};  // 1 with a redundant zero group
    ByteView input(non_minimal);
    auto frame = decoder.next(input);
    ASSERT_FALSE(frame.ok());
    EXPECT_EQ(frame.error().code, Errc::kInvalidInput);
  }
  {
    RpcFrameDecoder decoder(~std::size_t{0});
    Bytes endless(10, 0xff);
    ByteView input(endless);
    EXPECT_FALSE(decoder.next(input).ok());
  }
  {
    // A prefix split across chunks is fine.
    RpcFrameDecoder decoder;
    Bytes first = {0x82};
    Bytes second = {0x01};
    ByteView a(first);
    auto none = decoder.next(a);
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
    ByteView b(second);
    auto still_none = decoder.next(b);
    ASSERT_TRUE(still_none.ok());
    EXPECT_FALSE(still_none->has_value());
    EXPECT_EQ(decoder.buffered_bytes(), 0u);  // length 130 known, body empty so far
  }
}

}  // namespace
}  // namespace ff::net
