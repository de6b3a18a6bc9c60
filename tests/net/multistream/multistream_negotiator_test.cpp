#include "net/multistream/multistream_negotiator.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/codec/varint.hpp"
#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::net {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;
using State = MultistreamNegotiator::State;

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

Bytes message(std::string_view text) {
  Bytes out;
  append_multistream_message(out, text);
  return out;
}

MultistreamNegotiator make_dialer(std::vector<std::string> protocols) {
  auto negotiator = MultistreamNegotiator::dialer(std::move(protocols));
  EXPECT_TRUE(negotiator.ok());
  return std::move(negotiator).value();
}

MultistreamNegotiator make_listener(std::vector<std::string> protocols) {
  auto negotiator = MultistreamNegotiator::listener(std::move(protocols));
  EXPECT_TRUE(negotiator.ok());
  return std::move(negotiator).value();
}

// Moves output between a dialer and a listener until neither has anything to send, in
// chunks of `chunk_bytes` (0 = whole). Bounded: fails the test if it never goes quiet.
void pump(MultistreamNegotiator& dialer, MultistreamNegotiator& listener, std::size_t chunk_bytes = 0) {
  auto deliver = [chunk_bytes](const Bytes& bytes, MultistreamNegotiator& target) {
    const std::size_t step = chunk_bytes == 0 ? bytes.size() : chunk_bytes;
    for (std::size_t offset = 0; offset < bytes.size(); offset += step) {
      target.feed(ByteView(bytes).subspan(offset, std::min(step, bytes.size() - offset)));
    }
  };
  for (int step = 0; step < 64; ++step) {
    const Bytes to_listener = dialer.take_output();
    const Bytes to_dialer = listener.take_output();
    if (to_listener.empty() && to_dialer.empty()) return;
    deliver(to_listener, listener);
    deliver(to_dialer, dialer);
  }
  ADD_FAILURE() << "negotiation did not go quiet within 64 steps";
}

TEST(MultistreamMessage, ByteExactVectorsFromTheSpec) {
  // 0x13 = 19 = "/multistream/1.0.0" (18 bytes) + '\n'.
  EXPECT_EQ(message("/multistream/1.0.0"), concat({Bytes{0x13}, to_bytes("/multistream/1.0.0\n")}));
  EXPECT_EQ(message("na"), (Bytes{0x03, 0x6e, 0x61, 0x0a}));
  EXPECT_EQ(message("ls"), (Bytes{0x03, 0x6c, 0x73, 0x0a}));
  EXPECT_EQ(message("/noise"), concat({Bytes{0x07}, to_bytes("/noise\n")}));
  EXPECT_EQ(message("/yamux/1.0.0"), concat({Bytes{0x0d}, to_bytes("/yamux/1.0.0\n")}));
}

TEST(MultistreamDialer, FirstBatchIsHeaderAndFirstProposal) {
  auto dialer = make_dialer({"/noise", "/tls/1.0.0"});
  EXPECT_EQ(dialer.take_output(), concat({message("/multistream/1.0.0"), message("/noise")}));
  EXPECT_TRUE(dialer.take_output().empty());
  EXPECT_EQ(dialer.state(), State::kNegotiating);
}

TEST(MultistreamDialer, AgreesOnEcho) {
  auto dialer = make_dialer({"/noise"});
  (void)dialer.take_output();
  dialer.feed(concat({message("/multistream/1.0.0"), message("/noise")}));
  ASSERT_EQ(dialer.state(), State::kAgreed);
  EXPECT_EQ(dialer.protocol(), "/noise");
  EXPECT_TRUE(dialer.take_output().empty());
  EXPECT_TRUE(dialer.take_leftover().empty());
}

TEST(MultistreamDialer, FallsBackOnNaOneProposalAtATime) {
  auto dialer = make_dialer({"/tls/1.0.0", "/noise"});
  (void)dialer.take_output();
  dialer.feed(message("/multistream/1.0.0"));
  EXPECT_TRUE(dialer.take_output().empty());
  dialer.feed(message("na"));
  EXPECT_EQ(dialer.take_output(), message("/noise"));  // only the next proposal, no header
  EXPECT_EQ(dialer.state(), State::kNegotiating);
  dialer.feed(message("/noise"));
  ASSERT_EQ(dialer.state(), State::kAgreed);
  EXPECT_EQ(dialer.protocol(), "/noise");
}

TEST(MultistreamDialer, NoneSupportedFailsWithUnsupported) {
  auto dialer = make_dialer({"/a", "/b"});
  (void)dialer.take_output();
  dialer.feed(concat({message("/multistream/1.0.0"), message("na")}));
  EXPECT_EQ(dialer.take_output(), message("/b"));
  dialer.feed(message("na"));
  ASSERT_EQ(dialer.state(), State::kFailed);
  EXPECT_EQ(dialer.error().code, Errc::kUnsupported);
  EXPECT_NE(dialer.error().message.find("/a, /b"), std::string::npos) << dialer.error().message;
  EXPECT_TRUE(dialer.take_output().empty());
}

TEST(MultistreamDialer, WrongHeaderFails) {
  auto dialer = make_dialer({"/noise"});
  dialer.feed(message("/multistream/2.0.0"));
  ASSERT_EQ(dialer.state(), State::kFailed);
  EXPECT_EQ(dialer.error().code, Errc::kInvalidInput);
}

TEST(MultistreamDialer, AnswerThatIsNeitherEchoNorNaFails) {
  auto dialer = make_dialer({"/noise"});
  dialer.feed(concat({message("/multistream/1.0.0"), message("/yamux/1.0.0")}));
  ASSERT_EQ(dialer.state(), State::kFailed);
  EXPECT_EQ(dialer.error().code, Errc::kInvalidInput);
}

TEST(MultistreamDialer, ApplicationBytesAfterEchoAreLeftover) {
  auto dialer = make_dialer({"/ipfs/ping/1.0.0"});
  const Bytes app = {0xde, 0xad, 0xbe, 0xef, 0x0a};
  dialer.feed(concat({message("/multistream/1.0.0"), message("/ipfs/ping/1.0.0"), app}));
  ASSERT_EQ(dialer.state(), State::kAgreed);
  EXPECT_EQ(dialer.take_leftover(), app);
  EXPECT_TRUE(dialer.take_leftover().empty());  // handed over once
  const Bytes later = {1, 2, 3};
  dialer.feed(later);  // after agreement everything fed is application data
  EXPECT_EQ(dialer.take_leftover(), later);
}

TEST(MultistreamDialer, RejectsInvalidLocalProtocolNames) {
  EXPECT_FALSE(MultistreamNegotiator::dialer({}).ok());
  EXPECT_FALSE(MultistreamNegotiator::dialer({""}).ok());
  EXPECT_FALSE(MultistreamNegotiator::dialer({"a\nb"}).ok());
  EXPECT_FALSE(MultistreamNegotiator::dialer({"na"}).ok());
  EXPECT_FALSE(MultistreamNegotiator::listener({"ls"}).ok());
  EXPECT_FALSE(MultistreamNegotiator::listener({"/multistream/1.0.0"}).ok());
  EXPECT_FALSE(MultistreamNegotiator::dialer({std::string(kMaxMultistreamMessageBytes, 'x')}).ok());
  EXPECT_TRUE(MultistreamNegotiator::dialer({std::string(kMaxMultistreamMessageBytes - 1, 'x')}).ok());
}

TEST(MultistreamListener, EchoesHeaderThenSupportedProtocol) {
  auto listener = make_listener({"/noise"});
  EXPECT_TRUE(listener.take_output().empty());  // speaks only when spoken to
  listener.feed(concat({message("/multistream/1.0.0"), message("/noise")}));
  ASSERT_EQ(listener.state(), State::kAgreed);
  EXPECT_EQ(listener.protocol(), "/noise");
  EXPECT_EQ(listener.take_output(), concat({message("/multistream/1.0.0"), message("/noise")}));
}

TEST(MultistreamListener, AnswersNaToUnsupportedAndKeepsListening) {
  auto listener = make_listener({"/noise"});
  listener.feed(concat({message("/multistream/1.0.0"), message("/tls/1.0.0")}));
  EXPECT_EQ(listener.state(), State::kNegotiating);
  EXPECT_EQ(listener.take_output(), concat({message("/multistream/1.0.0"), Bytes{0x03, 'n', 'a', '\n'}}));
  listener.feed(message("/noise"));
  ASSERT_EQ(listener.state(), State::kAgreed);
  EXPECT_EQ(listener.take_output(), message("/noise"));
}

TEST(MultistreamListener, AnswersLsWithNestedList) {
  auto listener = make_listener({"/a", "/bc"});
  listener.feed(concat({message("/multistream/1.0.0"), message("ls")}));
  EXPECT_EQ(listener.state(), State::kNegotiating);
  // One message: uvarint(len) || 03 "/a\n" || 04 "/bc\n" || "\n".
  const Bytes body = concat({message("/a"), message("/bc"), Bytes{'\n'}});
  Bytes expected = message("/multistream/1.0.0");
  expected.push_back(static_cast<std::uint8_t>(body.size()));
  expected.insert(expected.end(), body.begin(), body.end());
  EXPECT_EQ(listener.take_output(), expected);
}

TEST(MultistreamListener, FirstMessageMustBeTheHeader) {
  auto listener = make_listener({"/noise"});
  listener.feed(message("/noise"));
  ASSERT_EQ(listener.state(), State::kFailed);
  EXPECT_EQ(listener.error().code, Errc::kInvalidInput);
  EXPECT_TRUE(listener.take_output().empty());
}

TEST(MultistreamListener, ApplicationBytesAfterProposalAreLeftover) {
  // A dialer may pipeline data behind its proposal; it must reach the protocol intact.
  auto listener = make_listener({"/yamux/1.0.0"});
  const Bytes app = {0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00};
  listener.feed(concat({message("/multistream/1.0.0"), message("/yamux/1.0.0"), app}));
  ASSERT_EQ(listener.state(), State::kAgreed);
  EXPECT_EQ(listener.take_leftover(), app);
}

TEST(MultistreamListener, OversizedMessageFailsBeforeItsBodyArrives) {
  auto listener = make_listener({"/noise"});
  listener.feed(message("/multistream/1.0.0"));
  Bytes prefix;
  codec::put_varint(prefix, kMaxMultistreamMessageBytes + 1);
  listener.feed(prefix);
  ASSERT_EQ(listener.state(), State::kFailed);
  EXPECT_EQ(listener.error().code, Errc::kLimitExceeded);
  EXPECT_NE(listener.error().message.find("1025"), std::string::npos) << listener.error().message;
}

TEST(MultistreamListener, MessageOfExactlyTheLimitIsAccepted) {
  auto listener = make_listener({"/noise"});
  listener.feed(message("/multistream/1.0.0"));
  (void)listener.take_output();
  listener.feed(message(std::string(kMaxMultistreamMessageBytes - 1, 'p')));
  EXPECT_EQ(listener.state(), State::kNegotiating);
  EXPECT_EQ(listener.take_output(), message("na"));
}

TEST(MultistreamListener, HugeLengthPrefixFailsAfterTwoBytes) {
  auto listener = make_listener({"/noise"});
  listener.feed(Bytes{0xff});
  EXPECT_EQ(listener.state(), State::kNegotiating);  // one byte could still be a short length
  listener.feed(Bytes{0xff});
  ASSERT_EQ(listener.state(), State::kFailed);
  EXPECT_EQ(listener.error().code, Errc::kLimitExceeded);
}

TEST(MultistreamListener, MissingNewlineFails) {
  auto listener = make_listener({"/noise"});
  listener.feed(Bytes{0x07, '/', 'n', 'o', 'i', 's', 'e', 'x'});
  ASSERT_EQ(listener.state(), State::kFailed);
  EXPECT_EQ(listener.error().code, Errc::kInvalidInput);
  EXPECT_NE(listener.error().message.find("newline"), std::string::npos) << listener.error().message;
}

TEST(MultistreamListener, EmptyMessageFails) {
  auto listener = make_listener({"/noise"});
  listener.feed(Bytes{0x00});
  ASSERT_EQ(listener.state(), State::kFailed);
  EXPECT_EQ(listener.error().code, Errc::kInvalidInput);
}

TEST(MultistreamListener, NonMinimalLengthPrefixFails) {
  auto listener = make_listener({"/noise"});
  listener.feed(Bytes{0x93, 0x00});  // 19 with a redundant zero group
  ASSERT_EQ(listener.state(), State::kFailed);
  EXPECT_EQ(listener.error().code, Errc::kInvalidInput);
}

TEST(MultistreamListener, TooManyProposalsFails) {
  auto listener = make_listener({"/noise"});
  listener.feed(message("/multistream/1.0.0"));
  for (std::size_t i = 0; i < kMaxMultistreamProposals; ++i) {
    listener.feed(message("/nope/" + std::to_string(i)));
    ASSERT_EQ(listener.state(), State::kNegotiating) << "proposal " << i;
    EXPECT_EQ(listener.take_output().back(), '\n');
  }
  listener.feed(message("ls"));  // ls counts too: it is still not an agreement
  ASSERT_EQ(listener.state(), State::kFailed);
  EXPECT_EQ(listener.error().code, Errc::kLimitExceeded);
  listener.feed(message("/noise"));  // ignored once failed
  EXPECT_EQ(listener.state(), State::kFailed);
}

TEST(MultistreamPair, DialerAndListenerAgreeOnFirstCommonProtocol) {
  auto dialer = make_dialer({"/tls/1.0.0", "/noise", "/plaintext/2.0.0"});
  auto listener = make_listener({"/plaintext/2.0.0", "/noise"});
  pump(dialer, listener);
  ASSERT_EQ(dialer.state(), State::kAgreed);
  ASSERT_EQ(listener.state(), State::kAgreed);
  EXPECT_EQ(dialer.protocol(), "/noise");  // the dialer's preference order decides
  EXPECT_EQ(listener.protocol(), "/noise");
}

TEST(MultistreamPair, NoCommonProtocolFailsDialerOnly) {
  auto dialer = make_dialer({"/a", "/b", "/c"});
  auto listener = make_listener({"/x"});
  pump(dialer, listener);
  ASSERT_EQ(dialer.state(), State::kFailed);
  EXPECT_EQ(dialer.error().code, Errc::kUnsupported);
  EXPECT_EQ(listener.state(), State::kNegotiating);  // still waiting; the runtime closes it
}

TEST(MultistreamPair, OneByteAtATimeGivesTheSameResult) {
  auto dialer = make_dialer({"/tls/1.0.0", "/yamux/1.0.0"});
  auto listener = make_listener({"/mplex/6.7.0", "/yamux/1.0.0"});
  pump(dialer, listener, /*chunk_bytes=*/1);
  ASSERT_EQ(dialer.state(), State::kAgreed);
  ASSERT_EQ(listener.state(), State::kAgreed);
  EXPECT_EQ(dialer.protocol(), "/yamux/1.0.0");
  EXPECT_EQ(listener.protocol(), "/yamux/1.0.0");
}

TEST(MultistreamPair, RandomChunkingAgreesAndPreservesLeftover) {
  for (std::uint64_t seed : property_seeds(50)) {
    Rng rng(seed);
    auto dialer = make_dialer({"/a/1", "/b/1", "/c/1"});
    auto listener = make_listener({"/c/1", "/b/1"});
    // Both sides send application bytes right behind their last negotiation message.
    const Bytes dialer_app = {0x10, 0x20, 0x30};
    const Bytes listener_app = {0x99, 0x98};
    Bytes dialer_received_app;
    Bytes listener_received_app;
    bool dialer_app_sent = false;
    bool listener_app_sent = false;
    for (int step = 0; step < 64; ++step) {
      Bytes to_listener = dialer.take_output();
      Bytes to_dialer = listener.take_output();
      if (dialer.state() == State::kAgreed && !dialer_app_sent) {
        to_listener.insert(to_listener.end(), dialer_app.begin(), dialer_app.end());
        dialer_app_sent = true;
      }
      if (listener.state() == State::kAgreed && !listener_app_sent) {
        to_dialer.insert(to_dialer.end(), listener_app.begin(), listener_app.end());
        listener_app_sent = true;
      }
      if (to_listener.empty() && to_dialer.empty()) break;
      for (std::size_t offset = 0; offset < to_listener.size();) {
        const std::size_t n = std::min<std::size_t>(1 + rng.below(5), to_listener.size() - offset);
        listener.feed(ByteView(to_listener).subspan(offset, n));
        offset += n;
      }
      for (std::size_t offset = 0; offset < to_dialer.size();) {
        const std::size_t n = std::min<std::size_t>(1 + rng.below(5), to_dialer.size() - offset);
        dialer.feed(ByteView(to_dialer).subspan(offset, n));
        offset += n;
      }
      const Bytes a = dialer.take_leftover();
      dialer_received_app.insert(dialer_received_app.end(), a.begin(), a.end());
      const Bytes b = listener.take_leftover();
      listener_received_app.insert(listener_received_app.end(), b.begin(), b.end());
    }
    ASSERT_EQ(dialer.state(), State::kAgreed) << seed_note(seed);
    ASSERT_EQ(listener.state(), State::kAgreed) << seed_note(seed);
    EXPECT_EQ(dialer.protocol(), "/b/1") << seed_note(seed);
    EXPECT_EQ(dialer_received_app, listener_app) << seed_note(seed);
    EXPECT_EQ(listener_received_app, dialer_app) << seed_note(seed);
  }
}

TEST(MultistreamListener, BufferedInputStaysWithinOneMessage) {
  auto listener = make_listener({"/noise"});
  listener.feed(message("/multistream/1.0.0"));
  const Bytes big = message(std::string(kMaxMultistreamMessageBytes - 1, 'q'));
  for (std::size_t i = 0; i + 1 < big.size(); ++i) {
    listener.feed(ByteView(big).subspan(i, 1));
    ASSERT_LE(listener.buffered_input_bytes(), kMaxMultistreamMessageBytes + codec::kMaxVarintBytes);
  }
  EXPECT_EQ(listener.buffered_input_bytes(), big.size() - 1);
  listener.feed(ByteView(big).subspan(big.size() - 1));
  EXPECT_EQ(listener.buffered_input_bytes(), 0u);
}

}  // namespace
}  // namespace ff::net
