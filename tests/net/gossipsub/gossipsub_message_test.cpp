#include "net/gossipsub/gossipsub_message.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "net/identity/ed25519.hpp"

namespace ff::net {
namespace {

Bytes seed_bytes(std::uint8_t fill) { return Bytes(kEd25519SeedBytes, fill); }

PrivateKey key_from(std::uint8_t fill) {
  return PrivateKey(Ed25519KeyPair::from_seed(seed_bytes(fill)).value());
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

Bytes hex_bytes(const char* text) {
  Bytes out;
  for (std::size_t i = 0; text[i] && text[i + 1]; i += 2) {
    auto nibble = [](char c) -> std::uint8_t { return c <= '9' ? c - '0' : c - 'a' + 10; };
    out.push_back(static_cast<std::uint8_t>(nibble(text[i]) << 4 | nibble(text[i + 1])));
  }
  return out;
}

TEST(GossipsubMessage, SignedMessageVerifiesWithAnIndependentCheck) {
  const PrivateKey key = key_from(7);
  const Ed25519PublicKey& pk = key.ed25519()->public_key();
  const Bytes pk_bytes(pk.begin(), pk.end());
  const RpcMessage message = build_signed_message(key, "topic", to_bytes("hello"), 0x0102030405060708ULL);

  // from is the identity-multihash peer ID; key is omitted because from inlines it.
  const Bytes expected_from = concat({{0x00, 0x24, 0x08, 0x01, 0x12, 0x20}, pk_bytes});
  EXPECT_EQ(message.from, expected_from);
  EXPECT_EQ(message.seqno, (Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(message.data, to_bytes("hello"));
  EXPECT_EQ(message.topic, "topic");
  EXPECT_FALSE(message.key.has_value());
  ASSERT_TRUE(message.signature.has_value());
  ASSERT_EQ(message.signature->size(), kEd25519SignatureBytes);

  // The signature input, assembled by hand from the spec: the prefix, then the message
  // protobuf with fields 1-4 only (from, data, seqno, topic).
  const Bytes by_hand = concat({to_bytes("libp2p-pubsub:"),
                                {0x0a, 0x26},
                                expected_from,
                                {0x12, 0x05},
                                to_bytes("hello"),
                                {0x1a, 0x08, 1, 2, 3, 4, 5, 6, 7, 8},
                                {0x22, 0x05},
                                to_bytes("topic")});
  EXPECT_EQ(signature_input(message), by_hand);
  EXPECT_TRUE(ed25519_verify(pk_bytes, by_hand, *message.signature));
  // Ed25519 is deterministic: the same key over the same input gives the same bytes.
  const Ed25519Signature direct = key.ed25519()->sign(by_hand);
  EXPECT_EQ(*message.signature, Bytes(direct.begin(), direct.end()));

  const MessageVerdict verdict = validate_message(message, SignaturePolicy::kStrictSign);
  EXPECT_TRUE(verdict.ok()) << message_rejection_name(verdict.rejection);
}

TEST(GossipsubMessage, StrictSignIdIsKeyProtobufThenSeqno) {
  const PrivateKey key = key_from(9);
  const Ed25519PublicKey& pk = key.ed25519()->public_key();
  const RpcMessage message = build_signed_message(key, "t", to_bytes("x"), 42);
  const MessageVerdict verdict = compute_message_id(message, SignaturePolicy::kStrictSign);
  ASSERT_TRUE(verdict.ok());
  // js msgIdFnStrictSign: publicKeyToProtobuf(key) || seqno (not go's from || seqno).
  const Bytes expected =
      concat({{0x08, 0x01, 0x12, 0x20}, Bytes(pk.begin(), pk.end()), {0, 0, 0, 0, 0, 0, 0, 42}});
  EXPECT_EQ(verdict.id, expected);
  EXPECT_EQ(verdict.id.size(), 44u);
  EXPECT_EQ(validate_message(message, SignaturePolicy::kStrictSign).id, expected);
}

TEST(GossipsubMessage, StrictNoSignIdIsTheRawSha256OfData) {
  const RpcMessage message = build_unsigned_message("t", to_bytes("abc"));
  EXPECT_FALSE(message.from || message.seqno || message.signature || message.key);
  const MessageVerdict verdict = validate_message(message, SignaturePolicy::kStrictNoSign);
  ASSERT_TRUE(verdict.ok());
  // FIPS 180-2 test vector for "abc"; no multihash prefix (js sha256.encode is the bare digest).
  EXPECT_EQ(verdict.id, hex_bytes("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  // Absent data hashes as empty.
  RpcMessage no_data;
  no_data.topic = "t";
  EXPECT_EQ(validate_message(no_data, SignaturePolicy::kStrictNoSign).id,
            hex_bytes("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

TEST(GossipsubMessage, JsStyleMessageWithKeyIsAccepted) {
  const PrivateKey key = key_from(3);
  RpcMessage message = build_signed_message(key, "t", to_bytes("payload"), 1);
  message.key = key.public_key().encode();  // js always includes the key
  const MessageVerdict verdict = validate_message(message, SignaturePolicy::kStrictSign);
  EXPECT_TRUE(verdict.ok()) << message_rejection_name(verdict.rejection);
  // A key of another peer does not match from.
  message.key = key_from(4).public_key().encode();
  EXPECT_EQ(validate_message(message, SignaturePolicy::kStrictSign).rejection,
            MessageRejection::kKeyMismatch);
  message.key = Bytes{0x08, 0x01};
  EXPECT_EQ(validate_message(message, SignaturePolicy::kStrictSign).rejection, MessageRejection::kInvalidKey);
}

TEST(GossipsubMessage, StrictSignRejectsEachMissingOrBadField) {
  const PrivateKey key = key_from(5);
  const RpcMessage good = build_signed_message(key, "t", to_bytes("data"), 99);
  ASSERT_TRUE(validate_message(good, SignaturePolicy::kStrictSign).ok());
  struct Case {
    const char* name;
    std::function<void(RpcMessage&)> mutate;
    MessageRejection expected;
    bool caught_without_verifying;
  };
  const std::vector<Case> cases = {
      {"no topic", [](RpcMessage& m) { m.topic.clear(); }, MessageRejection::kMissingTopic, true},
      {"no seqno", [](RpcMessage& m) { m.seqno.reset(); }, MessageRejection::kMissingSeqno, true},
      {"short seqno", [](RpcMessage& m) { m.seqno->pop_back(); }, MessageRejection::kInvalidSeqno, true},
      {"no signature", [](RpcMessage& m) { m.signature.reset(); }, MessageRejection::kMissingSignature, true},
      {"no from", [](RpcMessage& m) { m.from.reset(); }, MessageRejection::kMissingFrom, true},
      {"bad from", [](RpcMessage& m) { (*m.from)[1] = 0x25; }, MessageRejection::kInvalidFrom, true},
      {"tampered data", [](RpcMessage& m) { (*m.data)[0] ^= 1; }, MessageRejection::kInvalidSignature, false},
      {"tampered topic", [](RpcMessage& m) { m.topic[0] = 'u'; }, MessageRejection::kInvalidSignature, false},
      {"tampered seqno", [](RpcMessage& m) { (*m.seqno)[7] ^= 1; }, MessageRejection::kInvalidSignature,
       false},
      {"tampered signature", [](RpcMessage& m) { (*m.signature)[10] ^= 1; },
       MessageRejection::kInvalidSignature, false},
      {"data dropped", [](RpcMessage& m) { m.data.reset(); }, MessageRejection::kInvalidSignature, false},
      {"other author",
       [&](RpcMessage& m) { m.from = PeerId::from_public_key(key_from(6).public_key()).bytes(); },
       MessageRejection::kInvalidSignature, false},
  };
  for (const Case& c : cases) {
    RpcMessage message = good;
    c.mutate(message);
    EXPECT_EQ(validate_message(message, SignaturePolicy::kStrictSign).rejection, c.expected) << c.name;
    const MessageVerdict id_only = compute_message_id(message, SignaturePolicy::kStrictSign);
    if (c.caught_without_verifying) {
      EXPECT_EQ(id_only.rejection, c.expected) << c.name;
    } else {
      EXPECT_TRUE(id_only.ok()) << c.name;
    }
  }
}

TEST(GossipsubMessage, EmptyDataSignsDifferentlyFromAbsentData) {
  const PrivateKey key = key_from(8);
  RpcMessage with_empty = build_signed_message(key, "t", ByteView(), 5);
  ASSERT_TRUE(with_empty.data.has_value());
  EXPECT_TRUE(validate_message(with_empty, SignaturePolicy::kStrictSign).ok());
  RpcMessage absent = with_empty;
  absent.data.reset();
  EXPECT_NE(signature_input(absent), signature_input(with_empty));
  EXPECT_EQ(validate_message(absent, SignaturePolicy::kStrictSign).rejection,
            MessageRejection::kInvalidSignature);
}

TEST(GossipsubMessage, StrictNoSignRejectsAuthorshipFields) {
  const RpcMessage good = build_unsigned_message("t", to_bytes("x"));
  ASSERT_TRUE(validate_message(good, SignaturePolicy::kStrictNoSign).ok());
  RpcMessage m = good;
  m.signature = Bytes(64, 0);
  EXPECT_EQ(validate_message(m, SignaturePolicy::kStrictNoSign).rejection,
            MessageRejection::kUnexpectedSignature);
  m = good;
  m.seqno = Bytes();  // present even though empty
  EXPECT_EQ(validate_message(m, SignaturePolicy::kStrictNoSign).rejection,
            MessageRejection::kUnexpectedSeqno);
  m = good;
  m.key = Bytes{1};
  EXPECT_EQ(validate_message(m, SignaturePolicy::kStrictNoSign).rejection, MessageRejection::kUnexpectedKey);
  m = good;
  m.from = Bytes{1};
  EXPECT_EQ(validate_message(m, SignaturePolicy::kStrictNoSign).rejection, MessageRejection::kUnexpectedFrom);
  // And a signed message is not acceptable under StrictNoSign, nor an unsigned one under StrictSign.
  const RpcMessage signed_message = build_signed_message(key_from(1), "t", to_bytes("x"), 1);
  EXPECT_FALSE(validate_message(signed_message, SignaturePolicy::kStrictNoSign).ok());
  EXPECT_EQ(validate_message(good, SignaturePolicy::kStrictSign).rejection, MessageRejection::kMissingSeqno);
}

TEST(GossipsubMessage, PrevalidateGivesOneVerdictPerMessage) {
  const PrivateKey key = key_from(2);
  Rpc rpc;
  rpc.messages.push_back(build_signed_message(key, "t", to_bytes("a"), 1));
  RpcMessage bad = build_signed_message(key, "t", to_bytes("b"), 2);
  (*bad.data)[0] ^= 0xff;
  rpc.messages.push_back(bad);
  rpc.subscriptions.push_back(SubOpts{true, "t"});
  Result<PrevalidatedRpc> pre = prevalidate_rpc(encode_rpc(rpc), SignaturePolicy::kStrictSign);
  ASSERT_TRUE(pre.ok());
  ASSERT_EQ(pre->verdicts.size(), 2u);
  EXPECT_TRUE(pre->verdicts[0].ok());
  EXPECT_EQ(pre->verdicts[1].rejection, MessageRejection::kInvalidSignature);
  EXPECT_EQ(pre->rpc.subscriptions.size(), 1u);
  EXPECT_EQ(pre->policy, SignaturePolicy::kStrictSign);
  EXPECT_FALSE(prevalidate_rpc(Bytes{0x12, 0x05, 0x00}, SignaturePolicy::kStrictSign).ok());
}

TEST(GossipsubMessage, SeqnoIsBigEndian) {
  EXPECT_EQ(encode_seqno(0x0102030405060708ULL), (Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(encode_seqno(1), (Bytes{0, 0, 0, 0, 0, 0, 0, 1}));
}

}  // namespace
}  // namespace ff::net
