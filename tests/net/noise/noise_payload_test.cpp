#include "net/noise/noise_payload.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/net/noise/noise_test_support.hpp"

namespace ff::net {
namespace {

using testing_support::hex;

const std::string kKeyHex = "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
const std::string kSigHex(128, 'a');
const std::string kYamuxHex = "2f79616d75782f312e302e30";  // "/yamux/1.0.0"

TEST(NoiseHandshakePayload, EncodesFieldsInNumberOrderLikeJsLibp2p) {
  NoiseHandshakePayload payload;
  payload.identity_key = hex(kKeyHex);
  payload.identity_sig = hex(kSigHex);
  payload.extensions.emplace();
  payload.extensions->stream_muxers = {"/yamux/1.0.0"};
  // 0a 24 <key> 12 40 <sig> 22 0e (12 0c "/yamux/1.0.0"): what js-libp2p sends.
  EXPECT_EQ(hex(payload.encode()), "0a24" + kKeyHex + "1240" + kSigHex + "220e120c" + kYamuxHex);
}

TEST(NoiseHandshakePayload, EmptyExtensionsMessageIsStillWritten) {
  NoiseHandshakePayload payload;
  payload.identity_key = hex(kKeyHex);
  payload.identity_sig = hex(kSigHex);
  payload.extensions.emplace();
  EXPECT_EQ(hex(payload.encode()), "0a24" + kKeyHex + "1240" + kSigHex + "2200");
  payload.extensions.reset();
  EXPECT_EQ(hex(payload.encode()), "0a24" + kKeyHex + "1240" + kSigHex);
}

TEST(NoiseHandshakePayload, DecodesJsShapedPayloads) {
  auto decoded =
      NoiseHandshakePayload::decode(hex("0a24" + kKeyHex + "1240" + kSigHex + "220e120c" + kYamuxHex));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(hex(decoded->identity_key), kKeyHex);
  EXPECT_EQ(hex(decoded->identity_sig), kSigHex);
  ASSERT_TRUE(decoded->extensions.has_value());
  EXPECT_EQ(decoded->extensions->stream_muxers, std::vector<std::string>{"/yamux/1.0.0"});
  EXPECT_TRUE(decoded->extensions->webtransport_certhashes.empty());

  // WebRTC-Direct: js sends an empty extensions message (22 00).
  auto webrtc = NoiseHandshakePayload::decode(hex("0a24" + kKeyHex + "1240" + kSigHex + "2200"));
  ASSERT_TRUE(webrtc.ok()) << webrtc.error().message;
  ASSERT_TRUE(webrtc->extensions.has_value());
  EXPECT_TRUE(webrtc->extensions->stream_muxers.empty());
}

TEST(NoiseHandshakePayload, UnknownFieldsAreSkippedAndRepeatsFollowProtobufRules) {
  // Field 3 (varint) and field 9 (bytes) are unknown; identity_key appears twice (the last
  // wins); two extensions messages merge; certhashes are kept in order.
  const std::string input = "0a0201021803" + std::string("0a24") + kKeyHex + "4a03abcdef" + "1240" + kSigHex +
                            "2204" + "0a02aabb" + "220e120c" + kYamuxHex + "2203" + "0a01cc";
  auto decoded = NoiseHandshakePayload::decode(hex(input));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(hex(decoded->identity_key), kKeyHex);
  ASSERT_TRUE(decoded->extensions.has_value());
  EXPECT_EQ(decoded->extensions->stream_muxers, std::vector<std::string>{"/yamux/1.0.0"});
  ASSERT_EQ(decoded->extensions->webtransport_certhashes.size(), 2u);
  EXPECT_EQ(hex(decoded->extensions->webtransport_certhashes[0]), "aabb");
  EXPECT_EQ(hex(decoded->extensions->webtransport_certhashes[1]), "cc");
}

TEST(NoiseHandshakePayload, MissingFieldsDecodeEmpty) {
  auto decoded = NoiseHandshakePayload::decode({});
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->identity_key.empty());
  EXPECT_TRUE(decoded->identity_sig.empty());
  EXPECT_FALSE(decoded->extensions.has_value());
}

TEST(NoiseHandshakePayload, MalformedInputIsAnError) {
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"truncated length", "0a24" + kKeyHex.substr(0, 10)},
      {"identity_key as varint", "0801"},
      {"group wire type", "0b"},
      {"field number 0", "0200"},
      {"extensions as varint", "2001"},
      {"broken nested message",
       "2202"
       "12ff"},
      {"stream muxer as varint",
       "2202"
       "1001"},
  };
  for (const auto& [name, input] : cases) {
    EXPECT_FALSE(NoiseHandshakePayload::decode(hex(input)).ok()) << name;
  }
}

TEST(NoiseHandshakePayload, RemoteListsAreBounded) {
  NoiseHandshakePayload payload;
  payload.extensions.emplace();
  payload.extensions->stream_muxers.assign(kMaxNoiseExtensionEntries, "/m");
  ASSERT_TRUE(NoiseHandshakePayload::decode(payload.encode()).ok());
  payload.extensions->stream_muxers.push_back("/m");
  auto too_many = NoiseHandshakePayload::decode(payload.encode());
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, Errc::kLimitExceeded);

  payload.extensions->stream_muxers = {std::string(kMaxStreamMuxerNameBytes + 1, 'x')};
  auto too_long = NoiseHandshakePayload::decode(payload.encode());
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, Errc::kLimitExceeded);

  payload.extensions->stream_muxers.clear();
  payload.extensions->webtransport_certhashes.assign(kMaxNoiseExtensionEntries + 1, Bytes{1});
  EXPECT_EQ(NoiseHandshakePayload::decode(payload.encode()).error().code, Errc::kLimitExceeded);
}

}  // namespace
}  // namespace ff::net
