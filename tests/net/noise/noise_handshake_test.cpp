#include "net/noise/noise_handshake.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "net/noise/handshake_state.hpp"
#include "tests/net/noise/noise_test_support.hpp"
#include "tests/support/seeds.hpp"

namespace ff::net {
namespace {

using testing_support::RngKeySource;
using testing_support::test_identity;

constexpr std::uint8_t kInitiatorIdentity = 1;
constexpr std::uint8_t kResponderIdentity = 2;

PeerId peer_of(std::uint8_t identity_seed) {
  return PeerId::from_public_key(test_identity(identity_seed).public_key());
}

NoiseHandshake make(NoiseRole role, NoiseHandshakeConfig config, std::uint64_t seed) {
  RngKeySource keys(seed);
  auto handshake = NoiseHandshake::create(role, std::move(config), keys);
  if (!handshake.ok()) {
    ADD_FAILURE() << handshake.error().message;
    std::abort();
  }
  return std::move(handshake).value();
}

// Feeds `bytes` to `target` in chunks from `chunk_size` (a fixed size, or 0 for sizes
// from `rng` in 1..16). Returns the bytes the handshake did not consume (they belong to
// the transport), or stops at the first error.
Bytes feed_in_chunks(NoiseHandshake& target, ByteView bytes, std::size_t chunk_size, Rng& rng) {
  std::size_t offset = 0;
  while (offset < bytes.size()) {
    const std::size_t size = chunk_size != 0 ? chunk_size : 1 + rng.below(16);
    ByteView piece = bytes.subspan(offset, std::min(size, bytes.size() - offset));
    auto consumed = target.feed(piece);
    if (!consumed.ok()) return {};
    offset += *consumed;
    if (*consumed < piece.size()) break;
  }
  return Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(offset), bytes.end());
}

// The wire between two handshakes. Each flight of output is handed to `tamper` (with its
// index: 0, 1, 2 for XX messages 1, 2, 3) before delivery. Bounded: a handshake that never
// settles fails the test instead of hanging it.
struct Wire {
  std::size_t chunk_size = 0;
  std::uint64_t chunk_seed = 7;
  std::function<void(std::size_t, Bytes&)> tamper;
  std::vector<Bytes> flights;
  Bytes unconsumed;  // what the last receiver left for its transport

  void run(NoiseHandshake& initiator, NoiseHandshake& responder) {
    Rng rng(chunk_seed);
    for (int step = 0; step < 8; ++step) {
      NoiseHandshake& sender = step % 2 == 0 ? initiator : responder;
      NoiseHandshake& receiver = step % 2 == 0 ? responder : initiator;
      Bytes flight = sender.take_output();
      if (flight.empty()) return;
      if (tamper) tamper(flights.size(), flight);
      flights.push_back(flight);
      unconsumed = feed_in_chunks(receiver, flight, chunk_size, rng);
    }
    ADD_FAILURE() << "the handshake did not settle within 8 flights";
  }
};

struct Outcome {
  std::optional<NoiseHandshakeResult> initiator;
  std::optional<NoiseHandshakeResult> responder;
};

Outcome complete(NoiseHandshakeConfig initiator_config, NoiseHandshakeConfig responder_config,
                 std::uint64_t seed = 1, std::size_t chunk_size = 0) {
  NoiseHandshake initiator = make(NoiseRole::kInitiator, std::move(initiator_config), seed);
  NoiseHandshake responder = make(NoiseRole::kResponder, std::move(responder_config), seed + 1000);
  Wire wire;
  wire.chunk_size = chunk_size;
  wire.chunk_seed = seed;
  wire.run(initiator, responder);
  if (initiator.state() == NoiseHandshake::State::kFailed) ADD_FAILURE() << initiator.error().message;
  if (responder.state() == NoiseHandshake::State::kFailed) ADD_FAILURE() << responder.error().message;
  return Outcome{initiator.take_result(), responder.take_result()};
}

NoiseHandshakeConfig config(std::uint8_t identity_seed) {
  return NoiseHandshakeConfig(test_identity(identity_seed));
}

void expect_transports_connected(NoiseHandshakeResult& a, NoiseHandshakeResult& b) {
  for (auto [sender, receiver] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
    auto wire = sender->transport.encrypt(as_bytes("ping across the channel"));
    ASSERT_TRUE(wire.ok());
    auto consumed = receiver->transport.feed(*wire);
    ASSERT_TRUE(consumed.ok()) << consumed.error().message;
    EXPECT_EQ(*consumed, wire->size());
    EXPECT_EQ(receiver->transport.take_plaintext(), to_bytes("ping across the channel"));
  }
}

TEST(NoiseHandshake, PeersLearnEachOthersIdsAndAgreeOnKeysAndMuxer) {
  Outcome outcome = complete(config(kInitiatorIdentity), config(kResponderIdentity));
  ASSERT_TRUE(outcome.initiator && outcome.responder);
  EXPECT_EQ(outcome.initiator->remote_peer_id, peer_of(kResponderIdentity));
  EXPECT_EQ(outcome.responder->remote_peer_id, peer_of(kInitiatorIdentity));
  EXPECT_EQ(outcome.initiator->remote_public_key, test_identity(kResponderIdentity).public_key());
  EXPECT_EQ(outcome.initiator->stream_muxer, std::optional<std::string>("/yamux/1.0.0"));
  EXPECT_EQ(outcome.responder->stream_muxer, std::optional<std::string>("/yamux/1.0.0"));
  EXPECT_EQ(outcome.initiator->handshake_hash, outcome.responder->handshake_hash);
  EXPECT_EQ(outcome.initiator->remote_extensions.stream_muxers, std::vector<std::string>{"/yamux/1.0.0"});
  expect_transports_connected(*outcome.initiator, *outcome.responder);
}

TEST(NoiseHandshake, MessagesHaveTheXxSizesOnTheWire) {
  NoiseHandshake initiator = make(NoiseRole::kInitiator, config(kInitiatorIdentity), 3);
  NoiseHandshake responder = make(NoiseRole::kResponder, config(kResponderIdentity), 4);
  Wire wire;
  wire.run(initiator, responder);
  ASSERT_EQ(wire.flights.size(), 3u);
  // Payload: key field 38 + signature field 66 + extensions with "/yamux/1.0.0" 16 = 120.
  const std::size_t payload = 38 + 66 + 16;
  EXPECT_EQ(wire.flights[0].size(), 2u + 32);                      // e
  EXPECT_EQ(wire.flights[1].size(), 2u + 32 + 48 + payload + 16);  // e, enc(s), enc(payload)
  EXPECT_EQ(wire.flights[2].size(), 2u + 48 + payload + 16);       // enc(s), enc(payload)
  EXPECT_EQ(wire.flights[0][0], 0x00);
  EXPECT_EQ(wire.flights[0][1], 0x20);
}

TEST(NoiseHandshake, OneByteAtATimeAndRandomChunksGiveTheSameResult) {
  Outcome whole = complete(config(kInitiatorIdentity), config(kResponderIdentity), 5, 1000);
  Outcome bytewise = complete(config(kInitiatorIdentity), config(kResponderIdentity), 5, 1);
  ASSERT_TRUE(whole.initiator && bytewise.initiator && bytewise.responder);
  EXPECT_EQ(whole.initiator->handshake_hash, bytewise.initiator->handshake_hash);
  expect_transports_connected(*bytewise.initiator, *bytewise.responder);
  for (std::uint64_t seed : testing::property_seeds(16)) {
    Outcome random = complete(config(kInitiatorIdentity), config(kResponderIdentity), seed, 0);
    ASSERT_TRUE(random.initiator && random.responder) << testing::seed_note(seed);
    EXPECT_EQ(random.initiator->remote_peer_id, peer_of(kResponderIdentity)) << testing::seed_note(seed);
  }
}

TEST(NoiseHandshake, EveryTamperedByteOfEveryMessagePreventsSuccess) {
  // A clean run first, to learn the flight sizes (the same seeds give the same bytes).
  std::vector<std::size_t> sizes;
  {
    NoiseHandshake initiator = make(NoiseRole::kInitiator, config(kInitiatorIdentity), 11);
    NoiseHandshake responder = make(NoiseRole::kResponder, config(kResponderIdentity), 12);
    Wire wire;
    wire.run(initiator, responder);
    ASSERT_EQ(initiator.state(), NoiseHandshake::State::kDone);
    ASSERT_EQ(responder.state(), NoiseHandshake::State::kDone);
    for (const Bytes& flight : wire.flights) sizes.push_back(flight.size());
  }
  ASSERT_EQ(sizes.size(), 3u);
  for (std::size_t message = 0; message < 3; ++message) {
    for (std::size_t position = 0; position < sizes[message]; ++position) {
      NoiseHandshake initiator = make(NoiseRole::kInitiator, config(kInitiatorIdentity), 11);
      NoiseHandshake responder = make(NoiseRole::kResponder, config(kResponderIdentity), 12);
      Wire wire;
      wire.chunk_size = 1000;
      wire.tamper = [&](std::size_t index, Bytes& flight) {
        if (index == message) flight[position] ^= 0x01;
      };
      wire.run(initiator, responder);
      const bool initiator_done = initiator.state() == NoiseHandshake::State::kDone;
      const bool responder_done = responder.state() == NoiseHandshake::State::kDone;
      EXPECT_FALSE(initiator_done && responder_done) << "message " << message + 1 << " byte " << position;
      // The receiver of message 3 is the responder; of 1 and 2, the damage surfaces at the
      // initiator (message 1's ephemeral key is only checked through message 2).
      NoiseHandshake& victim = message == 2 ? responder : initiator;
      EXPECT_NE(victim.state(), NoiseHandshake::State::kDone)
          << "message " << message + 1 << " byte " << position;
      if (position >= kNoiseFrameHeaderBytes) {
        // A flipped body byte is detected; a flipped length prefix may instead leave the
        // receiver waiting for bytes that never come (the runtime's timeout ends that).
        EXPECT_TRUE(initiator.state() == NoiseHandshake::State::kFailed ||
                    responder.state() == NoiseHandshake::State::kFailed)
            << "message " << message + 1 << " byte " << position;
      }
    }
  }
}

TEST(NoiseHandshake, WrongExpectedPeerFailsTheInitiator) {
  NoiseHandshakeConfig initiator_config = config(kInitiatorIdentity);
  initiator_config.expected_remote_peer = peer_of(99);
  NoiseHandshake initiator = make(NoiseRole::kInitiator, std::move(initiator_config), 21);
  NoiseHandshake responder = make(NoiseRole::kResponder, config(kResponderIdentity), 22);
  Wire wire;
  wire.run(initiator, responder);
  ASSERT_EQ(initiator.state(), NoiseHandshake::State::kFailed);
  EXPECT_EQ(initiator.error().code, Errc::kInvalidInput);
  EXPECT_NE(initiator.error().message.find(peer_of(99).to_base58()), std::string::npos)
      << initiator.error().message;
  EXPECT_NE(responder.state(), NoiseHandshake::State::kDone);
  EXPECT_EQ(wire.flights.size(), 2u) << "the initiator must not send message 3 to the wrong peer";
}

TEST(NoiseHandshake, RightExpectedPeerSucceeds) {
  NoiseHandshakeConfig initiator_config = config(kInitiatorIdentity);
  initiator_config.expected_remote_peer = peer_of(kResponderIdentity);
  NoiseHandshakeConfig responder_config = config(kResponderIdentity);
  responder_config.expected_remote_peer = peer_of(kInitiatorIdentity);
  Outcome outcome = complete(std::move(initiator_config), std::move(responder_config));
  ASSERT_TRUE(outcome.initiator && outcome.responder);
}

TEST(NoiseHandshake, WrongExpectedPeerFailsTheResponder) {
  NoiseHandshakeConfig responder_config = config(kResponderIdentity);
  responder_config.expected_remote_peer = peer_of(98);
  NoiseHandshake initiator = make(NoiseRole::kInitiator, config(kInitiatorIdentity), 23);
  NoiseHandshake responder = make(NoiseRole::kResponder, std::move(responder_config), 24);
  Wire wire;
  wire.run(initiator, responder);
  ASSERT_EQ(responder.state(), NoiseHandshake::State::kFailed);
  EXPECT_EQ(responder.error().code, Errc::kInvalidInput);
}

// Plays the other side with a raw HandshakeState and a hand-made payload, to send what an
// honest NoiseHandshake never would. `make_payload` gets the static key it must sign.
class ManualPeer {
 public:
  using PayloadMaker = std::function<Bytes(const X25519PublicKey& static_key)>;

  ManualPeer(NoiseRole role, PayloadMaker make_payload)
      : state_(role, {}, X25519KeyPair::from_secret(X25519Secret{7}).value(),
               X25519KeyPair::from_secret(X25519Secret{8}).value()),
        make_payload_(std::move(make_payload)) {}

  // Runs the handshake against `honest` (the opposite role) and returns its final state.
  NoiseHandshake::State run(NoiseHandshake& honest) {
    Bytes payload;
    if (state_.role() == NoiseRole::kInitiator) {
      send(honest, {});                                               // message 1
      if (!receive(honest, payload)) return honest.state();           // message 2
      send(honest, make_payload_(state_.local_static_public_key()));  // message 3
    } else {
      if (!receive(honest, payload)) return honest.state();           // message 1
      send(honest, make_payload_(state_.local_static_public_key()));  // message 2
    }
    return honest.state();
  }

 private:
  void send(NoiseHandshake& honest, ByteView payload) {
    Bytes message;
    ASSERT_TRUE(state_.write_message(payload, message).ok());
    Bytes frame;
    append_noise_frame_header(frame, message.size());
    frame.insert(frame.end(), message.begin(), message.end());
    (void)honest.feed(frame);
  }
  bool receive(NoiseHandshake& honest, Bytes& payload) {
    const Bytes frame = honest.take_output();
    if (frame.size() < kNoiseFrameHeaderBytes) return false;
    return state_.read_message(ByteView(frame).subspan(kNoiseFrameHeaderBytes), payload).ok();
  }

  HandshakeState state_;
  PayloadMaker make_payload_;
};

Bytes signed_message(const X25519PublicKey& static_key) {
  // Built by size then copied: g++ 12 warns falsely (-Warray-bounds) on insert() here.
  const ByteView prefix = as_bytes(kNoiseStaticKeySignaturePrefix);
  Bytes message(prefix.size() + static_key.size());
  std::copy(prefix.begin(), prefix.end(), message.begin());
  std::copy(static_key.begin(), static_key.end(),
            message.begin() + static_cast<std::ptrdiff_t>(prefix.size()));
  return message;
}

Bytes payload_with(const PrivateKey& identity, ByteView signature,
                   std::vector<std::string> muxers = {"/yamux/1.0.0"}) {
  NoiseHandshakePayload payload;
  payload.identity_key = identity.public_key().encode();
  payload.identity_sig.assign(signature.begin(), signature.end());
  payload.extensions.emplace();
  payload.extensions->stream_muxers = std::move(muxers);
  return payload.encode();
}

struct ForgedPayloadCase {
  const char* name;
  ManualPeer::PayloadMaker make;
  std::optional<Errc> expected;  // nullopt: the handshake must succeed (the control case)
};

std::vector<ForgedPayloadCase> forged_payload_cases() {
  const PrivateKey identity = test_identity(50);
  const PrivateKey other = test_identity(51);
  return {
      {"honest payload (control)",
       [identity](const X25519PublicKey& key) {
         return payload_with(identity, identity.sign(signed_message(key)));
       },
       std::nullopt},
      {"signature over another static key",
       [identity](const X25519PublicKey& key) {
         X25519PublicKey wrong = key;
         wrong[0] ^= 1;
         return payload_with(identity, identity.sign(signed_message(wrong)));
       },
       Errc::kInvalidInput},
      {"signature with a bit flipped",
       [identity](const X25519PublicKey& key) {
         Bytes signature = identity.sign(signed_message(key));
         signature[10] ^= 0x04;
         return payload_with(identity, signature);
       },
       Errc::kInvalidInput},
      {"signature by another identity",
       [identity, other](const X25519PublicKey& key) {
         return payload_with(identity, other.sign(signed_message(key)));
       },
       Errc::kInvalidInput},
      {"signature without the prefix",
       [identity](const X25519PublicKey& key) { return payload_with(identity, identity.sign(key)); },
       Errc::kInvalidInput},
      {"no signature", [identity](const X25519PublicKey&) { return payload_with(identity, {}); },
       Errc::kInvalidInput},
      {"no identity key",
       [identity](const X25519PublicKey& key) {
         NoiseHandshakePayload payload;
         payload.identity_sig = identity.sign(signed_message(key));
         return payload.encode();
       },
       Errc::kInvalidInput},
      {"secp256k1 identity key",
       [](const X25519PublicKey&) {
         NoiseHandshakePayload payload;
         payload.identity_key = testing_support::hex(
             "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99");
         payload.identity_sig = Bytes(64, 1);
         return payload.encode();
       },
       Errc::kUnsupported},
      {"payload that is not protobuf",
       [](const X25519PublicKey&) {
         return Bytes{0xff, 0xff, 0xff};
       },
       Errc::kInvalidInput},
      {"no common muxer",
       [identity](const X25519PublicKey& key) {
         return payload_with(identity, identity.sign(signed_message(key)), {"/mplex/6.7.0"});
       },
       Errc::kInvalidInput},
  };
}

TEST(NoiseHandshake, ForgedResponderPayloadsFailTheInitiator) {
  for (const ForgedPayloadCase& c : forged_payload_cases()) {
    NoiseHandshake initiator = make(NoiseRole::kInitiator, config(kInitiatorIdentity), 31);
    ManualPeer responder(NoiseRole::kResponder, c.make);
    const NoiseHandshake::State state = responder.run(initiator);
    if (!c.expected) {
      EXPECT_EQ(state, NoiseHandshake::State::kDone) << c.name;
      auto result = initiator.take_result();
      ASSERT_TRUE(result.has_value()) << c.name;
      EXPECT_EQ(result->remote_peer_id, peer_of(50));
      continue;
    }
    ASSERT_EQ(state, NoiseHandshake::State::kFailed) << c.name;
    EXPECT_EQ(initiator.error().code, *c.expected) << c.name << ": " << initiator.error().message;
    EXPECT_TRUE(initiator.take_output().empty()) << c.name << ": message 3 must not be sent";
  }
}

TEST(NoiseHandshake, ForgedInitiatorPayloadsFailTheResponder) {
  for (const ForgedPayloadCase& c : forged_payload_cases()) {
    NoiseHandshake responder = make(NoiseRole::kResponder, config(kResponderIdentity), 32);
    ManualPeer initiator(NoiseRole::kInitiator, c.make);
    const NoiseHandshake::State state = initiator.run(responder);
    if (!c.expected) {
      EXPECT_EQ(state, NoiseHandshake::State::kDone) << c.name;
      continue;
    }
    ASSERT_EQ(state, NoiseHandshake::State::kFailed) << c.name;
    EXPECT_EQ(responder.error().code, *c.expected) << c.name << ": " << responder.error().message;
    EXPECT_FALSE(responder.take_result().has_value()) << c.name;
  }
}

TEST(NoiseHandshake, FailureIsStickyAndFurtherInputIsRefused) {
  NoiseHandshake responder = make(NoiseRole::kResponder, config(kResponderIdentity), 41);
  const Bytes garbage = {0x00, 0x03, 1, 2, 3};  // a 3-byte message 1: too short for e
  auto first = responder.feed(garbage);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(responder.state(), NoiseHandshake::State::kFailed);
  auto again = responder.feed(Bytes(34, 0));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message, first.error().message);
  EXPECT_TRUE(responder.take_output().empty());
}

TEST(NoiseHandshake, BytesAfterTheLastMessageAreLeftForTheTransport) {
  NoiseHandshake initiator = make(NoiseRole::kInitiator, config(kInitiatorIdentity), 51);
  NoiseHandshake responder = make(NoiseRole::kResponder, config(kResponderIdentity), 52);
  Rng rng(1);
  (void)feed_in_chunks(responder, initiator.take_output(), 1000, rng);
  (void)feed_in_chunks(initiator, responder.take_output(), 1000, rng);
  ASSERT_EQ(initiator.state(), NoiseHandshake::State::kDone);
  auto initiator_result = initiator.take_result();
  ASSERT_TRUE(initiator_result.has_value());
  EXPECT_FALSE(initiator.take_result().has_value()) << "the result is handed out once";

  // js-libp2p may write application data right behind message 3, in the same segment.
  Bytes segment = initiator.take_output();
  const std::size_t message3_bytes = segment.size();
  Bytes data = initiator_result->transport.encrypt(as_bytes("early application data")).value();
  segment.insert(segment.end(), data.begin(), data.end());
  auto consumed = responder.feed(segment);
  ASSERT_TRUE(consumed.ok()) << consumed.error().message;
  EXPECT_EQ(*consumed, message3_bytes);
  ASSERT_EQ(responder.state(), NoiseHandshake::State::kDone);
  EXPECT_EQ(responder.feed(segment).value(), 0u) << "a finished handshake consumes nothing";

  auto responder_result = responder.take_result();
  ASSERT_TRUE(responder_result.has_value());
  auto rest = ByteView(segment).subspan(*consumed);
  EXPECT_EQ(responder_result->transport.feed(rest).value(), rest.size());
  EXPECT_EQ(responder_result->transport.take_plaintext(), to_bytes("early application data"));
}

TEST(NoiseHandshake, MatchingPrologueSucceedsAndAMismatchFails) {
  NoiseHandshakeConfig initiator_config = config(kInitiatorIdentity);
  NoiseHandshakeConfig responder_config = config(kResponderIdentity);
  initiator_config.prologue = to_bytes("libp2p-webrtc-noise:abc");
  responder_config.prologue = to_bytes("libp2p-webrtc-noise:abc");
  Outcome same = complete(initiator_config, responder_config);
  EXPECT_TRUE(same.initiator && same.responder);

  responder_config.prologue = to_bytes("libp2p-webrtc-noise:abd");
  NoiseHandshake initiator = make(NoiseRole::kInitiator, initiator_config, 61);
  NoiseHandshake responder = make(NoiseRole::kResponder, responder_config, 62);
  Wire wire;
  wire.run(initiator, responder);
  EXPECT_EQ(initiator.state(), NoiseHandshake::State::kFailed);
}

TEST(NoiseHandshake, MuxerIsTheInitiatorsFirstChoiceThatTheResponderSupports) {
  // The example of connections/inlined-muxer-negotiation.md: the client prefers yamux, the
  // server mplex; the result is yamux.
  NoiseHandshakeConfig client = config(kInitiatorIdentity);
  NoiseHandshakeConfig server = config(kResponderIdentity);
  client.stream_muxers = {"/yamux/1.0.0", "/mplex/6.7.0"};
  server.stream_muxers = {"/mplex/6.7.0", "/yamux/1.0.0"};
  Outcome outcome = complete(client, server);
  ASSERT_TRUE(outcome.initiator && outcome.responder);
  EXPECT_EQ(outcome.initiator->stream_muxer, std::optional<std::string>("/yamux/1.0.0"));
  EXPECT_EQ(outcome.responder->stream_muxer, std::optional<std::string>("/yamux/1.0.0"));
}

TEST(NoiseHandshake, NoMuxerIsNegotiatedWhenEitherSideListsNone) {
  for (int side = 0; side < 2; ++side) {
    NoiseHandshakeConfig initiator_config = config(kInitiatorIdentity);
    NoiseHandshakeConfig responder_config = config(kResponderIdentity);
    (side == 0 ? initiator_config : responder_config).stream_muxers.clear();
    Outcome outcome = complete(initiator_config, responder_config);
    ASSERT_TRUE(outcome.initiator && outcome.responder) << side;
    EXPECT_FALSE(outcome.initiator->stream_muxer.has_value()) << side;
    EXPECT_FALSE(outcome.responder->stream_muxer.has_value()) << side;
  }
}

TEST(NoiseHandshake, DisjointMuxerListsFailTheHandshake) {
  NoiseHandshakeConfig initiator_config = config(kInitiatorIdentity);
  NoiseHandshakeConfig responder_config = config(kResponderIdentity);
  responder_config.stream_muxers = {"/mplex/6.7.0"};
  NoiseHandshake initiator = make(NoiseRole::kInitiator, initiator_config, 71);
  NoiseHandshake responder = make(NoiseRole::kResponder, responder_config, 72);
  Wire wire;
  wire.run(initiator, responder);
  ASSERT_EQ(initiator.state(), NoiseHandshake::State::kFailed);
  EXPECT_NE(initiator.error().message.find("muxer"), std::string::npos);
  EXPECT_NE(responder.state(), NoiseHandshake::State::kDone);
}

TEST(NegotiateStreamMuxer, FollowsTheInitiatorsOrder) {
  using List = std::vector<std::string>;
  EXPECT_EQ(negotiate_stream_muxer(List{"/a", "/b"}, List{"/b", "/a"}).value(),
            std::optional<std::string>("/a"));
  EXPECT_EQ(negotiate_stream_muxer(List{"/c", "/b"}, List{"/a", "/b"}).value(),
            std::optional<std::string>("/b"));
  EXPECT_FALSE(negotiate_stream_muxer(List{}, List{"/a"}).value().has_value());
  EXPECT_FALSE(negotiate_stream_muxer(List{"/a"}, List{}).value().has_value());
  EXPECT_FALSE(negotiate_stream_muxer(List{"/a"}, List{"/b"}).ok());
}

TEST(NoiseHandshake, OversizedMuxerConfigurationIsRefusedAtCreation) {
  NoiseHandshakeConfig huge = config(kInitiatorIdentity);
  huge.stream_muxers = {std::string(70000, 'm')};
  RngKeySource keys(1);
  auto handshake = NoiseHandshake::create(NoiseRole::kResponder, huge, keys);
  ASSERT_FALSE(handshake.ok());
  EXPECT_EQ(handshake.error().code, Errc::kLimitExceeded);
}

TEST(NoiseHandshake, DifferentKeySourcesGiveDifferentHandshakes) {
  // The keys really come from the injected source: two seeds, two transcripts.
  NoiseHandshake a = make(NoiseRole::kInitiator, config(kInitiatorIdentity), 81);
  NoiseHandshake b = make(NoiseRole::kInitiator, config(kInitiatorIdentity), 82);
  NoiseHandshake a_again = make(NoiseRole::kInitiator, config(kInitiatorIdentity), 81);
  const Bytes first = a.take_output();
  EXPECT_NE(first, b.take_output());
  EXPECT_EQ(first, a_again.take_output());
  SodiumKeySource sodium;
  EXPECT_NE(sodium.new_x25519_secret(), sodium.new_x25519_secret());
}

}  // namespace
}  // namespace ff::net
