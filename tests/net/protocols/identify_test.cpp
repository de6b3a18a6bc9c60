#include "net/protocols/identify.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/codec/hex.hpp"
#include "core/codec/varint.hpp"
#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::net {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;
using State = IdentifyReader::State;

// The libp2p specs peer-ids.md Ed25519 test key and its peer ID (interop notes section 4).
constexpr const char* kSpecKeyHex =
    "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
constexpr const char* kSpecPeer = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";

// Hex with optional spaces between fields, for readable vectors.
Bytes hex(std::string_view spaced) {
  std::string text;
  for (char c : spaced) {
    if (c != ' ') text += c;
  }
  auto bytes = codec::hex_decode(text);
  EXPECT_TRUE(bytes.ok()) << text;
  return bytes.ok() ? *bytes : Bytes{};
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

Bytes framed(const Bytes& body) {
  Bytes out;
  codec::put_varint(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

PrivateKey key_from_seed(std::uint8_t fill) {
  const Bytes seed(kEd25519SeedBytes, fill);
  auto pair = Ed25519KeyPair::from_seed(seed);
  EXPECT_TRUE(pair.ok());
  return PrivateKey(*pair);
}

Multiaddr address(std::string_view text) {
  auto parsed = Multiaddr::parse(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? *parsed : Multiaddr();
}

// Feeds `bytes` to a reader in chunks of `chunk` bytes, then EOF.
IdentifyReader read_all(const Bytes& bytes, std::size_t chunk, bool eof = true) {
  IdentifyReader reader;
  for (std::size_t offset = 0; offset < bytes.size(); offset += chunk) {
    reader.feed(ByteView(bytes).subspan(offset, std::min(chunk, bytes.size() - offset)));
  }
  if (eof) reader.finish();
  return reader;
}

// An Identify message written byte by byte, in the field order js-libp2p's protons encoder
// uses (5, 6, 1, 2, 4, 3, 8), plus an unknown field 7 that must be skipped.
Bytes hand_built_identify() {
  return concat({
      hex("2a0a 697066732f302e312e30"),            // 5 protocolVersion "ipfs/0.1.0"
      hex("320f 6a732d6c69627032702f332e332e38"),  // 6 agentVersion "js-libp2p/3.3.8"
      hex("0a24"), hex(kSpecKeyHex),               // 1 publicKey
      hex("1208 047f000001060fa1"),                // 2 /ip4/127.0.0.1/tcp/4001
      hex("120a 047f000001060fa2dd03"),            // 2 /ip4/127.0.0.1/tcp/4002/ws
      hex("1203 ffffff"),                          // 2 garbage address
      hex("2208 04c00002010604d2"),                // 4 observed /ip4/192.0.2.1/tcp/1234
      hex("1a0e 2f697066732f69642f312e302e30"),    // 3 "/ipfs/id/1.0.0"
      hex("1a0e 2f6d6573687375622f312e312e30"),    // 3 "/meshsub/1.1.0"
      hex("1a0e 2f6d6573687375622f312e312e30"),    // 3 duplicate
      hex("3801"),                                 // 7 unknown varint field
      hex("4203 aabbcc"),                          // 8 signedPeerRecord
  });
}

TEST(IdentifyMessage, HandBuiltMessageDecodesToTheRightFields) {
  auto message = decode_identify_message(hand_built_identify());
  ASSERT_TRUE(message.ok()) << message.error().message;
  EXPECT_EQ(message->protocol_version, "ipfs/0.1.0");
  EXPECT_EQ(message->agent_version, "js-libp2p/3.3.8");
  EXPECT_EQ(message->public_key, hex(kSpecKeyHex));
  ASSERT_EQ(message->listen_addrs.size(), 3u);
  EXPECT_EQ(message->listen_addrs[0], hex("047f000001060fa1"));
  EXPECT_EQ(message->observed_addr, hex("04c00002010604d2"));
  EXPECT_EQ(message->protocols,
            (std::vector<std::string>{"/ipfs/id/1.0.0", "/meshsub/1.1.0", "/meshsub/1.1.0"}));
  EXPECT_EQ(message->signed_peer_record, hex("aabbcc"));

  auto result = validate_identify(*message, *PeerId::parse(kSpecPeer), IdentifyKind::kIdentify);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->peer_id.to_base58(), kSpecPeer);
  EXPECT_EQ(result->public_key, hex(kSpecKeyHex));
  ASSERT_EQ(result->listen_addrs.size(), 2u);
  EXPECT_EQ(result->listen_addrs[0].to_string(), "/ip4/127.0.0.1/tcp/4001");
  EXPECT_EQ(result->listen_addrs[1].to_string(), "/ip4/127.0.0.1/tcp/4002/ws");
  EXPECT_EQ(result->skipped_listen_addrs, 1u);
  ASSERT_TRUE(result->observed_addr.has_value());
  EXPECT_EQ(result->observed_addr->to_string(), "/ip4/192.0.2.1/tcp/1234");
  EXPECT_FALSE(result->observed_addr_invalid);
  EXPECT_EQ(result->protocols, (std::vector<std::string>{"/ipfs/id/1.0.0", "/meshsub/1.1.0"}));
  EXPECT_TRUE(result->had_signed_peer_record);
  EXPECT_EQ(result->agent_version, "js-libp2p/3.3.8");
}

TEST(IdentifyMessage, OurEncodingIsByteExact) {
  IdentifyMessage message;
  message.public_key = hex(kSpecKeyHex);
  message.listen_addrs = {hex("047f000001060fa1")};
  message.protocols = {"/ipfs/id/1.0.0"};
  message.observed_addr = hex("04c00002010604d2");
  message.protocol_version = "ipfs/0.1.0";
  message.agent_version = "js-libp2p/3.3.8";
  const Bytes expected =
      concat({hex("0a24"), hex(kSpecKeyHex), hex("1208 047f000001060fa1"),
              hex("1a0e 2f697066732f69642f312e302e30"), hex("2208 04c00002010604d2"),
              hex("2a0a 697066732f302e312e30"), hex("320f 6a732d6c69627032702f332e332e38")});
  EXPECT_EQ(codec::hex_encode(encode_identify_message(message)), codec::hex_encode(expected));
  // The worked example of docs/wire/identify.proto: 103 bytes, framed behind 0x67.
  EXPECT_EQ(expected.size(), 103u);
  EXPECT_EQ((*frame_identify_message(message))[0], 0x67);
  EXPECT_EQ(*decode_identify_message(expected), message);
  EXPECT_TRUE(encode_identify_message(IdentifyMessage{}).empty());
}

TEST(IdentifyMessage, RejectsMalformedProtobuf) {
  // publicKey sent as a varint: wrong wire type for a known field.
  auto wrong_type = decode_identify_message(hex("0801"));
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_NE(wrong_type.error().message.find("publicKey"), std::string::npos) << wrong_type.error().message;
  auto truncated = decode_identify_message(hex("0a24 0801"));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().code, Errc::kTruncated);
  EXPECT_FALSE(decode_identify_message(hex("0b")).ok());  // group wire type
}

TEST(IdentifyMessage, EnforcesSizeAndListBounds) {
  Bytes exactly(kMaxIdentifyMessageBytes, 0);
  // One bytes field of field number 9 (unknown) that fills the message exactly.
  const std::size_t payload = kMaxIdentifyMessageBytes - 1 - 2;
  exactly =
      concat({hex("4a"),
              {static_cast<std::uint8_t>(0x80 | (payload & 0x7f)), static_cast<std::uint8_t>(payload >> 7)},
              Bytes(payload, 0x61)});
  ASSERT_EQ(exactly.size(), kMaxIdentifyMessageBytes);
  EXPECT_TRUE(decode_identify_message(exactly).ok());
  exactly.push_back(0);
  auto over = decode_identify_message(exactly);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::kLimitExceeded);

  IdentifyMessage many;
  many.protocols.assign(kMaxIdentifyProtocols + 1, "/p");
  auto too_many = decode_identify_message(encode_identify_message(many));
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, Errc::kLimitExceeded);
  many.protocols.pop_back();
  EXPECT_TRUE(decode_identify_message(encode_identify_message(many)).ok());
}

TEST(Identify, OurMessageRoundTripsThroughTheReader) {
  const PrivateKey key = key_from_seed(7);
  const PeerId us = PeerId::from_public_key(key.public_key());
  IdentifyLocalInfo local;
  local.listen_addrs = {address("/ip4/127.0.0.1/tcp/4001/p2p/" + us.to_base58()),
                        address("/ip4/127.0.0.1/tcp/4002/ws"), address("/p2p/" + us.to_base58())};
  local.protocols = {"/ipfs/id/1.0.0", "/ipfs/ping/1.0.0", "/meshsub/1.1.0"};
  auto frame = build_identify_frame(key.public_key(), local, address("/ip4/192.0.2.7/tcp/50000"));
  ASSERT_TRUE(frame.ok()) << frame.error().message;

  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, frame->size()}) {
    IdentifyReader reader = read_all(*frame, chunk);
    ASSERT_EQ(reader.state(), State::kComplete) << chunk;
    EXPECT_EQ(reader.messages_read(), 1u);
    EXPECT_FALSE(reader.tail_dropped());
    auto result = validate_identify(reader.message(), us, IdentifyKind::kIdentify);
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result->protocol_version, std::string(kIdentifyProtocolVersion));
    EXPECT_EQ(result->agent_version, std::string(kFluidFabricAgentVersion));
    EXPECT_EQ(result->public_key, key.public_key().encode());
    // The /p2p suffix is not sent, and an address that was only /p2p is dropped.
    ASSERT_EQ(result->listen_addrs.size(), 2u);
    EXPECT_EQ(result->listen_addrs[0].to_string(), "/ip4/127.0.0.1/tcp/4001");
    EXPECT_EQ(result->listen_addrs[1].to_string(), "/ip4/127.0.0.1/tcp/4002/ws");
    EXPECT_EQ(result->skipped_listen_addrs, 0u);
    EXPECT_EQ(result->observed_addr->to_string(), "/ip4/192.0.2.7/tcp/50000");
    EXPECT_EQ(result->protocols, local.protocols);
    EXPECT_FALSE(result->had_signed_peer_record);
  }
}

TEST(Identify, KeyOfAnotherPeerIsRejected) {
  const PrivateKey key = key_from_seed(1);
  const PeerId other = PeerId::from_public_key(key_from_seed(2).public_key());
  auto message = build_identify_message(key.public_key(), IdentifyLocalInfo{}, std::nullopt);
  ASSERT_TRUE(message.ok());
  for (IdentifyKind kind : {IdentifyKind::kIdentify, IdentifyKind::kPush}) {
    auto result = validate_identify(*message, other, kind);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, Errc::kInvalidInput);
    EXPECT_NE(result.error().message.find(other.to_base58()), std::string::npos) << result.error().message;
  }
  // The hand-built message carries the spec key: it does not identify our test peer.
  auto hand_built = decode_identify_message(hand_built_identify());
  EXPECT_FALSE(validate_identify(*hand_built, other, IdentifyKind::kIdentify).ok());
}

TEST(Identify, PublicKeyIsMandatoryExceptInPush) {
  const PeerId peer = *PeerId::parse(kSpecPeer);
  IdentifyMessage message;
  message.protocols = {"/meshsub/1.1.0"};
  auto identify = validate_identify(message, peer, IdentifyKind::kIdentify);
  ASSERT_FALSE(identify.ok());
  EXPECT_NE(identify.error().message.find("publicKey missing"), std::string::npos);
  auto push = validate_identify(message, peer, IdentifyKind::kPush);
  ASSERT_TRUE(push.ok()) << push.error().message;
  EXPECT_FALSE(push->public_key.has_value());
  EXPECT_EQ(push->protocols, message.protocols);

  // A key that is not a canonical PublicKey protobuf.
  message.public_key = hex("0801122001");
  EXPECT_FALSE(validate_identify(message, peer, IdentifyKind::kPush).ok());
}

TEST(Identify, InvalidObservedAddressIsFlaggedNotFatal) {
  IdentifyMessage message;
  message.public_key = hex(kSpecKeyHex);
  message.observed_addr = hex("0600");  // tcp with half a port
  auto result = validate_identify(message, *PeerId::parse(kSpecPeer), IdentifyKind::kIdentify);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->observed_addr.has_value());
  EXPECT_TRUE(result->observed_addr_invalid);
}

TEST(IdentifyReader, OversizeMessageIsRejectedFromItsPrefix) {
  Bytes prefix;
  codec::put_varint(prefix, kMaxIdentifyMessageBytes + 1);
  IdentifyReader reader;
  reader.feed(prefix);  // no body needed: the announced length is already too much
  ASSERT_EQ(reader.state(), State::kFailed);
  EXPECT_EQ(reader.error().code, Errc::kLimitExceeded);

  const PrivateKey key = key_from_seed(3);
  IdentifyLocalInfo local;
  // 250 names (within kMaxIdentifyProtocols) of about 34 encoded bytes: over 8 KiB in all.
  for (int i = 0; i < 250; ++i)
    local.protocols.push_back("/a-rather-long-protocol-name/" + std::to_string(i));
  auto too_big = build_identify_frame(key.public_key(), local, std::nullopt);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code, Errc::kLimitExceeded);
  local.protocols.assign(kMaxIdentifyProtocols + 1, "/p");
  EXPECT_EQ(build_identify_frame(key.public_key(), local, std::nullopt).error().code, Errc::kLimitExceeded);
}

TEST(IdentifyReader, EmptyOrCutStreamsFail) {
  IdentifyReader empty = read_all({}, 1);
  ASSERT_EQ(empty.state(), State::kFailed);
  EXPECT_EQ(empty.error().code, Errc::kTruncated);

  const Bytes frame = framed(hand_built_identify());
  for (std::size_t cut = 1; cut < frame.size(); ++cut) {
    IdentifyReader reader = read_all(Bytes(frame.begin(), frame.begin() + cut), 7);
    ASSERT_EQ(reader.state(), State::kFailed) << cut;
    EXPECT_EQ(reader.error().code, Errc::kTruncated) << cut;
  }
  IdentifyReader bad_prefix = read_all(hex("8000"), 1);  // non-minimal length varint
  ASSERT_EQ(bad_prefix.state(), State::kFailed);
  EXPECT_EQ(bad_prefix.error().code, Errc::kInvalidInput);

  IdentifyReader bad_body = read_all(framed(hex("0801")), 1);
  EXPECT_EQ(bad_body.state(), State::kFailed);
}

TEST(IdentifyReader, MergesLaterMessagesLikeJsLibp2p) {
  IdentifyMessage first;
  first.public_key = hex(kSpecKeyHex);
  first.agent_version = "a/1";
  first.listen_addrs = {hex("047f000001060fa1")};
  first.protocols = {"/x", "/y"};
  IdentifyMessage second;
  second.agent_version = "a/2";
  second.listen_addrs = {hex("047f000001060fa2")};
  second.protocols = {"/y", "/z"};
  const Bytes stream = concat({*frame_identify_message(first), *frame_identify_message(second)});
  IdentifyReader reader = read_all(stream, 5);
  ASSERT_EQ(reader.state(), State::kComplete);
  EXPECT_EQ(reader.messages_read(), 2u);
  EXPECT_EQ(reader.message().agent_version, "a/2");
  EXPECT_EQ(reader.message().public_key, hex(kSpecKeyHex));
  EXPECT_EQ(reader.message().listen_addrs.size(), 2u);
  EXPECT_EQ(reader.message().protocols, (std::vector<std::string>{"/x", "/y", "/z"}));

  // A garbled or cut later message ends the reading; the first one stands.
  for (const Bytes& tail : {framed(hex("0801")), hex("05 0a"), hex("ffff03")}) {
    IdentifyReader lenient = read_all(concat({*frame_identify_message(first), tail}), 1);
    ASSERT_EQ(lenient.state(), State::kComplete) << codec::hex_encode(tail);
    EXPECT_TRUE(lenient.tail_dropped());
    EXPECT_EQ(lenient.messages_read(), 1u);
    EXPECT_EQ(lenient.message(), first);
  }
}

TEST(IdentifyReader, CompletesAfterTheMessageLimitWithoutEof) {
  IdentifyMessage update;
  update.protocols = {"/p"};
  Bytes stream;
  for (std::size_t i = 0; i < kMaxIdentifyMessages + 3; ++i) {
    const Bytes frame = *frame_identify_message(update);
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  IdentifyReader reader = read_all(stream, 2, /*eof=*/false);
  ASSERT_EQ(reader.state(), State::kComplete);
  EXPECT_EQ(reader.messages_read(), kMaxIdentifyMessages);
  EXPECT_EQ(reader.buffered_bytes(), 0u);
  reader.feed(hex("ff"));  // ignored once complete
  EXPECT_EQ(reader.state(), State::kComplete);
}

// Random messages survive encode -> frame -> any chunking -> reader -> equal message, and
// the reader never holds more than one message.
TEST(IdentifyReader, RandomMessagesRoundTripInAnyChunking) {
  for (std::uint64_t seed : property_seeds(32)) {
    Rng rng(seed);
    IdentifyMessage message;
    auto random_bytes = [&rng](std::size_t max) {
      Bytes bytes(rng.below(max + 1));
      for (std::uint8_t& byte : bytes) byte = static_cast<std::uint8_t>(rng.next());
      return bytes;
    };
    if (rng.chance(1, 2)) message.public_key = random_bytes(40);
    if (rng.chance(1, 2)) message.agent_version = "agent/" + std::to_string(rng.below(100));
    if (rng.chance(1, 2)) message.protocol_version = "";
    if (rng.chance(1, 2)) message.observed_addr = random_bytes(20);
    if (rng.chance(1, 3)) message.signed_peer_record = random_bytes(300);
    for (std::size_t i = rng.below(10); i > 0; --i) message.listen_addrs.push_back(random_bytes(30));
    for (std::size_t i = rng.below(10); i > 0; --i)
      message.protocols.push_back("/p/" + std::to_string(rng.below(5)));
    auto frame = frame_identify_message(message);
    ASSERT_TRUE(frame.ok()) << seed_note(seed);
    IdentifyReader reader;
    std::size_t offset = 0;
    while (offset < frame->size()) {
      const std::size_t take = std::min<std::size_t>(1 + rng.below(16), frame->size() - offset);
      reader.feed(ByteView(*frame).subspan(offset, take));
      offset += take;
      EXPECT_LE(reader.buffered_bytes(), kMaxIdentifyMessageBytes + codec::kMaxVarintBytes)
          << seed_note(seed);
    }
    reader.finish();
    ASSERT_EQ(reader.state(), State::kComplete) << seed_note(seed);
    EXPECT_EQ(reader.message(), message) << seed_note(seed);
  }
}

}  // namespace
}  // namespace ff::net
