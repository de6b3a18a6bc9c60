#include "net/noise/handshake_state.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/net/noise/noise_test_support.hpp"

namespace ff::net {
namespace {

using testing_support::hex;
using testing_support::secret_from_hex;

// Known-answer vectors for Noise_XX_25519_ChaChaPoly_SHA256 from two independent Noise
// implementations' public vector files (JSON "vectors" entries with this protocol_name;
// data, not code). Messages alternate initiator, responder, initiator, ...: the first three
// are the XX handshake, the rest transport messages under the Split() cipher states.
struct NoiseVectorMessage {
  const char* payload;
  const char* ciphertext;
};
struct NoiseVector {
  const char* prologue;
  const char* init_static;
  const char* init_ephemeral;
  const char* resp_static;
  const char* resp_ephemeral;
  const char* handshake_hash;  // empty when the file gives none
  std::vector<NoiseVectorMessage> messages;
};

// haskell-cryptography/cacophony vectors/cacophony.txt (commit 8ee9d41e34a1a596cfa3ab12aa4069ff87dc1247)
const NoiseVector kCacophonyXx = {
    "4a6f686e2047616c74",
    "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1",  // init_static
    "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a",  // init_ephemeral
    "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893",  // resp_static
    "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b",  // resp_ephemeral
    "c8e5f64e846193be2a834104c2a009868d6c9f3bd3c186299888b488b2f1f58e",  // handshake_hash
    {
        {"4c756477696720766f6e204d69736573",
         "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573"},
        {"4d757272617920526f746862617264",
         "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381cbad1f276e038c48378ffce2b65285"
         "e08d6b68aaa3629a5a8639392490e5b9bd5269c2f1e4f488ed8831161f19b7815528f8982ffe09be9b5c412f8a0db50f"
         "8814c7194e83f23dbd8d162c9326ad"},
        {"462e20412e20486179656b",
         "c7195ffacac1307ff99046f219750fc47693e23c3cb08b89c2af808b444850a80ae475b9df0f169ae80a89be0865b57f"
         "58c9fea0d4ec82a286427402f113e4b6ae769a1d95941d49b25030"},
        {"4361726c204d656e676572", "96763ed773f8e47bb3712f0e29b3060ffc956ffc146cee53d5e1df"},
        {"4a65616e2d426170746973746520536179",
         "3e40f15f6f3a46ae446b253bf8b1d9ffb6ed9b174d272328ff91a7e2e5c79c07f5"},
        {"457567656e2042f6686d20766f6e2042617765726b",
         "eb3f3515110702e047a6c9da4478b6ead94873c11c0f2d710ddb3f09fce024b3a58502ae3f"},
    },
};

// mcginty/snow tests/vectors/snow.txt (commit 8ac60f51cfe3e010c84f0a454cc575ad9204fa12)
const NoiseVector kSnowXx = {
    "5468657265206973206e6f20726967687420616e642077726f6e672e2054686572652773206f6e6c792066756e20616e"
    "6420626f72696e672e",
    "7dec208517a3b81a2861d7a71266d5d6dc944c5a8816634a86fe63198a0148ee",  // init_static
    "a32daf21e93c0131495ce1d903181fde81cc46937daaeb990bae7c992709421e",  // init_ephemeral
    "4d0aed5098e3b4ef20357e9f686ce66204c792b358da2e475017d6c485304881",  // resp_static
    "4eece0f195d026db035ff987597c429d3ad3bcc2944df37d649528951b2a27c5",  // resp_ephemeral
    "",                                                                  // handshake_hash
    {
        {"d03c489139e645d0711a3c9e810d776b46a84912463fafa87b884eebf242dc34",
         "f9fa868ba97ab8a2686deccfaad5a484ee10a5bb85e3d1dce015a84797f92818d03c489139e645d0711a3c9e810d776b"
         "46a84912463fafa87b884eebf242dc34"},
        {"d8190a92f7dc0c93dbea9118ba8055751fb7c6590c416ffbd419964132b99a85",
         "8c4e6fdb7d09d501a86f7eca5c234522751706ed409182c05cdf5f827d4dae47b81c6c5f43b025692c24391eefee725c"
         "17d8cb0fbe3e4abb8aedf42c4fd2592d4ea48ac08989d6ae8b4adae08b2c34087c808c7aa55a63c02b0fab9e93061233"
         "6bd43eaea04d3c670a0a146691aa9cc9d357872320dc735dbc48580cffb553db"},
        {"77891b19dcb92ef7c055b672c4a5aa7fdf1c84146b8b303459022729473ce254",
         "933ca6b5ed60df3df66121f0ab49a09e49efa45c613a86a3cecbf4c535cef2f83f72b42837b18e3572f2fdc2b74c331e"
         "2368a545cef54bdca081678ab0e9dd5348122459e0c034c851984d88ce610963d43cde6cfe73a67fbd5a63e8bfca96d0"},
        {"d7efdf988072881941db045a42882433817555128fbf5663e56081712ec7d212",
         "54ef0ff0629e1aaa7685a2806ab111cba76b52331f2642276736f415868eacb69ab2577f3bda0cbf72f879685f6ed25f"},
        {"dd7bf01a588bafb52c6cfba952e5d8fe35cc2b3f92b4730ae2474615157345ce",
         "356be70f110306d5c699bb834bb9d58d909e325924dfbec972e406e6f294dc63e1daebefe8a62a334facc8048ab4ad66"},
    },
};

X25519KeyPair key_pair(const char* secret_hex) {
  return X25519KeyPair::from_secret(secret_from_hex(secret_hex)).value();
}

void check_vector(const NoiseVector& vector) {
  const Bytes prologue = hex(vector.prologue);
  HandshakeState initiator(NoiseRole::kInitiator, prologue, key_pair(vector.init_static),
                           key_pair(vector.init_ephemeral));
  HandshakeState responder(NoiseRole::kResponder, prologue, key_pair(vector.resp_static),
                           key_pair(vector.resp_ephemeral));
  ASSERT_GE(vector.messages.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    HandshakeState& writer = i % 2 == 0 ? initiator : responder;
    HandshakeState& reader = i % 2 == 0 ? responder : initiator;
    ASSERT_TRUE(writer.is_my_turn()) << "message " << i;
    ASSERT_FALSE(reader.is_my_turn()) << "message " << i;
    Bytes message;
    ASSERT_TRUE(writer.write_message(hex(vector.messages[i].payload), message).ok()) << "message " << i;
    EXPECT_EQ(hex(message), vector.messages[i].ciphertext) << "handshake message " << i;
    Bytes payload;
    auto status = reader.read_message(message, payload);
    ASSERT_TRUE(status.ok()) << "message " << i << ": " << status.error().message;
    EXPECT_EQ(hex(payload), vector.messages[i].payload) << "handshake message " << i;
  }
  ASSERT_TRUE(initiator.is_complete());
  ASSERT_TRUE(responder.is_complete());
  EXPECT_EQ(initiator.handshake_hash(), responder.handshake_hash());
  if (std::string(vector.handshake_hash).size() > 0) {
    EXPECT_EQ(hex(initiator.handshake_hash()), vector.handshake_hash);
  }
  EXPECT_EQ(*initiator.remote_static_public_key(), key_pair(vector.resp_static).public_key());
  EXPECT_EQ(*responder.remote_static_public_key(), key_pair(vector.init_static).public_key());

  auto [initiator_send, initiator_receive] = initiator.split();
  auto [responder_receive, responder_send] = responder.split();
  for (std::size_t i = 3; i < vector.messages.size(); ++i) {
    const bool from_initiator = i % 2 == 0;
    CipherState& sender = from_initiator ? initiator_send : responder_send;
    CipherState& receiver = from_initiator ? responder_receive : initiator_receive;
    Bytes ciphertext, plaintext;
    ASSERT_TRUE(sender.encrypt_with_ad({}, hex(vector.messages[i].payload), ciphertext).ok());
    EXPECT_EQ(hex(ciphertext), vector.messages[i].ciphertext) << "transport message " << i;
    ASSERT_TRUE(receiver.decrypt_with_ad({}, ciphertext, plaintext).ok()) << "transport message " << i;
    EXPECT_EQ(hex(plaintext), vector.messages[i].payload) << "transport message " << i;
  }
}

TEST(HandshakeState, CacophonyXxVectorIsBitExact) { check_vector(kCacophonyXx); }

TEST(HandshakeState, SnowXxVectorIsBitExact) { check_vector(kSnowXx); }

TEST(HandshakeState, ProtocolNameIsExactlyOneHashLength) {
  // Noise copies a name of HASHLEN bytes into h unhashed; the libp2p name is exactly that.
  EXPECT_EQ(kNoiseXxProtocolName.size(), kSha256Bytes);
}

TEST(HandshakeState, OutOfTurnMessagesAreRejected) {
  HandshakeState initiator(NoiseRole::kInitiator, {}, key_pair(kSnowXx.init_static),
                           key_pair(kSnowXx.init_ephemeral));
  HandshakeState responder(NoiseRole::kResponder, {}, key_pair(kSnowXx.resp_static),
                           key_pair(kSnowXx.resp_ephemeral));
  Bytes out;
  EXPECT_FALSE(responder.write_message({}, out).ok());
  EXPECT_TRUE(out.empty());
  Bytes payload;
  EXPECT_FALSE(initiator.read_message(Bytes(32), payload).ok());
  EXPECT_TRUE(initiator.has_failed());
}

TEST(HandshakeState, ShortMessagesFailTheHandshake) {
  for (std::size_t length : {0, 1, 31}) {
    HandshakeState responder(NoiseRole::kResponder, {}, key_pair(kSnowXx.resp_static),
                             key_pair(kSnowXx.resp_ephemeral));
    Bytes payload;
    auto status = responder.read_message(Bytes(length, 9), payload);
    EXPECT_FALSE(status.ok()) << length;
    EXPECT_TRUE(responder.has_failed());
    Bytes out;
    EXPECT_FALSE(responder.write_message({}, out).ok()) << "a failed handshake must not continue";
  }
}

TEST(HandshakeState, SmallOrderEphemeralKeyIsRejected) {
  HandshakeState responder(NoiseRole::kResponder, {}, key_pair(kSnowXx.resp_static),
                           key_pair(kSnowXx.resp_ephemeral));
  Bytes payload;
  // The all-zero point has small order: DH with it gives zero, so "ee" must fail.
  ASSERT_TRUE(responder.read_message(Bytes(32, 0), payload).ok());
  Bytes out;
  auto status = responder.write_message({}, out);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kInvalidInput);
  EXPECT_TRUE(out.empty());
}

TEST(HandshakeState, OversizedPayloadIsRefused) {
  HandshakeState initiator(NoiseRole::kInitiator, {}, key_pair(kSnowXx.init_static),
                           key_pair(kSnowXx.init_ephemeral));
  Bytes out;
  auto status = initiator.write_message(Bytes(kMaxNoiseMessageBytes - 32 + 1), out);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kLimitExceeded);
  EXPECT_TRUE(out.empty());
  HandshakeState fits(NoiseRole::kInitiator, {}, key_pair(kSnowXx.init_static),
                      key_pair(kSnowXx.init_ephemeral));
  EXPECT_TRUE(fits.write_message(Bytes(kMaxNoiseMessageBytes - 32), out).ok());
  EXPECT_EQ(out.size(), kMaxNoiseMessageBytes);
}

}  // namespace
}  // namespace ff::net
