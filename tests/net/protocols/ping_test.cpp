#include "net/protocols/ping.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::net {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;

// Delivers `bytes` to `deliver` in chunks of `chunk` bytes.
template <class Deliver>
void in_chunks(const Bytes& bytes, std::size_t chunk, Deliver deliver) {
  for (std::size_t offset = 0; offset < bytes.size(); offset += chunk) {
    deliver(ByteView(bytes).subspan(offset, std::min(chunk, bytes.size() - offset)));
  }
}

TEST(Ping, EchoPairsMatchAndReportTheRoundTripTime) {
  Rng rng(42);
  PingInitiator initiator;
  PingResponder responder;
  std::uint64_t now_us = 1'000'000;
  for (int round = 0; round < 5; ++round) {
    auto payload = initiator.start(rng, now_us);
    ASSERT_TRUE(payload.ok());
    ASSERT_EQ(payload->size(), kPingPayloadBytes);
    EXPECT_TRUE(initiator.outstanding());
    ASSERT_TRUE(responder.on_data(*payload).ok());
    const Bytes echo = responder.take_output();
    EXPECT_EQ(echo, *payload);
    now_us += 1500 + 100 * static_cast<std::uint64_t>(round);
    auto rtt = initiator.on_data(echo, now_us);
    ASSERT_TRUE(rtt.ok()) << rtt.error().message;
    ASSERT_TRUE(rtt->has_value());
    EXPECT_EQ(**rtt, 1500u + 100u * static_cast<std::uint64_t>(round));
    EXPECT_EQ(initiator.last_rtt_us(), **rtt);
    EXPECT_FALSE(initiator.outstanding());
  }
  EXPECT_EQ(initiator.pings_completed(), 5u);
  EXPECT_EQ(responder.payloads_echoed(), 5u);
  EXPECT_TRUE(initiator.on_eof().ok());
  EXPECT_TRUE(responder.on_eof().ok());
  EXPECT_TRUE(responder.finished());
}

TEST(Ping, PayloadsComeFromTheInjectedRng) {
  Rng a(7);
  Rng b(7);
  Rng c(8);
  PingInitiator first;
  PingInitiator second;
  PingInitiator third;
  const Bytes pa = *first.start(a, 0);
  EXPECT_EQ(pa, *second.start(b, 0));
  EXPECT_NE(pa, *third.start(c, 0));
  EXPECT_NE(pa, Bytes(kPingPayloadBytes, 0));
}

TEST(Ping, OneByteChunkingWorksBothWays) {
  Rng rng(3);
  PingInitiator initiator;
  PingResponder responder;
  const Bytes payload = *initiator.start(rng, 10);
  Bytes echo;
  in_chunks(payload, 1, [&](ByteView chunk) {
    ASSERT_TRUE(responder.on_data(chunk).ok());
    const Bytes out = responder.take_output();
    echo.insert(echo.end(), out.begin(), out.end());
    // Nothing is echoed before the 32nd byte.
    EXPECT_TRUE(echo.empty() || echo.size() == kPingPayloadBytes);
  });
  ASSERT_EQ(echo, payload);
  std::size_t fed = 0;
  in_chunks(echo, 1, [&](ByteView chunk) {
    auto rtt = initiator.on_data(chunk, 25);
    ASSERT_TRUE(rtt.ok());
    ++fed;
    EXPECT_EQ(rtt->has_value(), fed == kPingPayloadBytes) << fed;
  });
  EXPECT_EQ(initiator.last_rtt_us(), 15u);
}

TEST(Ping, ResponderHandlesSeveralPayloadsInAnyChunking) {
  for (std::uint64_t seed : property_seeds(16)) {
    Rng rng(seed);
    Bytes stream(kPingPayloadBytes * (1 + rng.below(20)));
    for (std::uint8_t& byte : stream) byte = static_cast<std::uint8_t>(rng.next());
    PingResponder responder;
    Bytes echo;
    std::size_t offset = 0;
    while (offset < stream.size()) {
      const std::size_t take = std::min<std::size_t>(1 + rng.below(70), stream.size() - offset);
      ASSERT_TRUE(responder.on_data(ByteView(stream).subspan(offset, take)).ok()) << seed_note(seed);
      const Bytes out = responder.take_output();
      echo.insert(echo.end(), out.begin(), out.end());
      offset += take;
      EXPECT_EQ(echo.size() % kPingPayloadBytes, 0u) << seed_note(seed);
    }
    ASSERT_TRUE(responder.on_eof().ok()) << seed_note(seed);
    EXPECT_EQ(echo, stream) << seed_note(seed);
    EXPECT_EQ(responder.payloads_echoed(), stream.size() / kPingPayloadBytes) << seed_note(seed);
  }
}

TEST(Ping, MismatchedEchoIsAnError) {
  Rng rng(9);
  PingInitiator initiator;
  Bytes payload = *initiator.start(rng, 0);
  payload[17] ^= 0x01;
  auto prefix = initiator.on_data(ByteView(payload).first(17), 5);
  ASSERT_TRUE(prefix.ok());  // the first 17 bytes still match
  auto mismatch = initiator.on_data(ByteView(payload).subspan(17), 5);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code, Errc::kInvalidInput);
  EXPECT_NE(mismatch.error().message.find("byte 17"), std::string::npos) << mismatch.error().message;
  // Sticky: the stream is done for.
  EXPECT_FALSE(initiator.start(rng, 6).ok());
  EXPECT_FALSE(initiator.on_eof().ok());
}

TEST(Ping, InitiatorRejectsUnsolicitedOrExtraBytes) {
  Rng rng(1);
  PingInitiator idle;
  EXPECT_FALSE(idle.on_data(Bytes{1}, 0).ok());

  PingInitiator extra;
  Bytes payload = *extra.start(rng, 0);
  payload.push_back(0);
  EXPECT_FALSE(extra.on_data(payload, 1).ok());

  PingInitiator twice;
  ASSERT_TRUE(twice.start(rng, 0).ok());
  EXPECT_FALSE(twice.start(rng, 1).ok());  // one payload in flight

  PingInitiator cut;
  const Bytes sent = *cut.start(rng, 0);
  ASSERT_TRUE(cut.on_data(ByteView(sent).first(4), 1).ok());
  auto eof = cut.on_eof();
  ASSERT_FALSE(eof.ok());
  EXPECT_EQ(eof.error().code, Errc::kTruncated);

  PingInitiator backwards;
  const Bytes late = *backwards.start(rng, 100);
  EXPECT_FALSE(backwards.on_data(late, 99).ok());
}

TEST(Ping, ResponderRejectsPartialPayloadAtEofAndUnreadFloods) {
  PingResponder partial;
  ASSERT_TRUE(partial.on_data(Bytes(kPingPayloadBytes + 5, 1)).ok());
  auto eof = partial.on_eof();
  ASSERT_FALSE(eof.ok());
  EXPECT_EQ(eof.error().code, Errc::kTruncated);
  EXPECT_FALSE(partial.finished());

  PingResponder flooded;
  ASSERT_TRUE(flooded.on_data(Bytes(kMaxPingPendingEchoBytes, 2)).ok());  // exactly the bound
  auto over = flooded.on_data(Bytes(kPingPayloadBytes, 3));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::kLimitExceeded);

  PingResponder drained;  // taking the output makes room again
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(drained.on_data(Bytes(kMaxPingPendingEchoBytes, 4)).ok());
    EXPECT_EQ(drained.take_output().size(), kMaxPingPendingEchoBytes);
  }
}

}  // namespace
}  // namespace ff::net
