#include "net/yamux/yamux_session.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::net {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;
using Kind = YamuxEvent::Kind;

Bytes frame(YamuxType type, std::uint16_t flags, YamuxStreamId id, std::uint32_t length) {
  Bytes out;
  append_yamux_header(out, YamuxHeader{type, flags, id, length});
  return out;
}

Bytes data_frame(std::uint16_t flags, YamuxStreamId id, const Bytes& payload) {
  Bytes out = frame(YamuxType::kData, flags, id, static_cast<std::uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Bytes pattern(std::size_t size, std::uint64_t seed) {
  Rng rng(seed);
  Bytes out(size);
  for (auto& byte : out) byte = static_cast<std::uint8_t>(rng.next());
  return out;
}

std::vector<YamuxEvent> drain(YamuxSession& session) {
  std::vector<YamuxEvent> events;
  while (auto event = session.poll_event()) events.push_back(std::move(*event));
  return events;
}

// Feeds `bytes` whole, or in 1..16-byte chunks when `rng` is given.
Status feed(YamuxSession& session, const Bytes& bytes, Rng* rng = nullptr) {
  std::size_t offset = 0;
  while (offset < bytes.size()) {
    const std::size_t n =
        rng == nullptr ? bytes.size() : std::min<std::size_t>(1 + rng->below(16), bytes.size() - offset);
    Status status = session.feed(ByteView(bytes).subspan(offset, n));
    if (!status.ok()) return status;
    offset += n;
  }
  return {};
}

// A client and a server session wired back to back.
struct Pair {
  explicit Pair(YamuxConfig client_config = {}, YamuxConfig server_config = {})
      : client(YamuxRole::kClient, client_config), server(YamuxRole::kServer, server_config) {}

  // Moves pending output both ways once; returns the number of bytes moved.
  std::size_t transfer() {
    const Bytes to_server = client.take_output();
    const Bytes to_client = server.take_output();
    EXPECT_TRUE(feed(server, to_server).ok());
    EXPECT_TRUE(feed(client, to_client).ok());
    return to_server.size() + to_client.size();
  }

  // Transfers until nothing moves; fails the test if that takes more than `max_steps`.
  void settle(int max_steps = 100) {
    for (int step = 0; step < max_steps; ++step) {
      if (transfer() == 0) return;
    }
    ADD_FAILURE() << "sessions did not go quiet within " << max_steps << " steps";
  }

  YamuxSession client;
  YamuxSession server;
};

std::size_t count_kind(const std::vector<YamuxEvent>& events, Kind kind, YamuxStreamId stream = 0) {
  std::size_t n = 0;
  for (const auto& event : events) {
    if (event.kind == kind && (stream == 0 || event.stream == stream)) ++n;
  }
  return n;
}

Bytes data_of(const std::vector<YamuxEvent>& events, YamuxStreamId stream) {
  Bytes out;
  for (const auto& event : events) {
    if (event.kind == Kind::kData && event.stream == stream)
      out.insert(out.end(), event.data.begin(), event.data.end());
  }
  return out;
}

TEST(YamuxSession, ClientUsesOddAndServerEvenStreamIds) {
  Pair pair;
  auto a = pair.client.open_stream();
  auto b = pair.client.open_stream();
  auto c = pair.server.open_stream();
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, 1u);
  EXPECT_EQ(*b, 3u);
  EXPECT_EQ(*c, 2u);
}

TEST(YamuxSession, OpenSendsWindowUpdateWithSynAndFirstAnswerCarriesAck) {
  YamuxSession client(YamuxRole::kClient);
  YamuxSession server(YamuxRole::kServer);
  auto id = client.open_stream();
  ASSERT_TRUE(id.ok());
  const Bytes syn = client.take_output();
  EXPECT_EQ(syn, frame(YamuxType::kWindowUpdate, kYamuxFlagSyn, 1, 0));
  ASSERT_TRUE(server.feed(syn).ok());
  auto events = drain(server);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kStreamOpened);
  EXPECT_EQ(events[0].stream, 1u);
  EXPECT_TRUE(server.take_output().empty());  // no implicit ACK (spec "ACK backlog")

  const Bytes hello = to_bytes("hello");
  ASSERT_EQ(server.write(1, hello).value(), hello.size());
  EXPECT_EQ(server.take_output(), data_frame(kYamuxFlagAck, 1, hello));
  ASSERT_EQ(server.write(1, hello).value(), hello.size());
  EXPECT_EQ(server.take_output(), data_frame(0, 1, hello));  // ACK only once
}

TEST(YamuxSession, HundredStreamsEchoOneMebibyteEachWithFlowControl) {
  constexpr std::size_t kStreams = 100;
  constexpr std::size_t kBytesPerStream = 1024 * 1024;
  Pair pair;
  pair.client.set_rtt_ms(5);
  pair.server.set_rtt_ms(5);

  struct ClientStream {
    Bytes payload;
    std::size_t sent = 0;
    bool fin_sent = false;
    Bytes received;
    bool remote_closed = false;
  };
  struct ServerStream {
    Bytes backlog;
    std::size_t backlog_offset = 0;
    bool remote_closed = false;
    bool fin_sent = false;
  };
  std::map<YamuxStreamId, ClientStream> client_streams;
  std::map<YamuxStreamId, ServerStream> server_streams;
  for (std::size_t i = 0; i < kStreams; ++i) {
    auto id = pair.client.open_stream();
    ASSERT_TRUE(id.ok()) << id.error().message;
    client_streams[*id].payload = pattern(kBytesPerStream, i);
  }

  std::size_t closed = 0;
  std::uint64_t now_ms = 0;
  std::uint32_t max_window_seen = 0;
  int step = 0;
  for (; step < 20000 && closed < kStreams; ++step) {
    ++now_ms;
    for (auto& [id, s] : client_streams) {
      if (s.sent < s.payload.size()) {
        auto n = pair.client.write(id, ByteView(s.payload).subspan(s.sent));
        ASSERT_TRUE(n.ok()) << n.error().message;
        s.sent += *n;
      }
      if (s.sent == s.payload.size() && !s.fin_sent) {
        ASSERT_TRUE(pair.client.close_write(id).ok());
        s.fin_sent = true;
      }
    }
    ASSERT_TRUE(feed(pair.server, pair.client.take_output()).ok()) << pair.server.error().message;
    while (auto event = pair.server.poll_event()) {
      ServerStream& s = server_streams[event->stream];
      if (event->kind == Kind::kData)
        s.backlog.insert(s.backlog.end(), event->data.begin(), event->data.end());
      if (event->kind == Kind::kRemoteClosed) s.remote_closed = true;
      ASSERT_NE(event->kind, Kind::kStreamReset);
      ASSERT_NE(event->kind, Kind::kSessionError) << event->reason;
    }
    for (auto& [id, s] : server_streams) {
      if (s.backlog_offset < s.backlog.size()) {
        auto n = pair.server.write(id, ByteView(s.backlog).subspan(s.backlog_offset));
        ASSERT_TRUE(n.ok()) << n.error().message;
        s.backlog_offset += *n;
        // The echo server consumes only what it has passed on: backpressure end to end.
        ASSERT_TRUE(pair.server.consume(id, *n, now_ms).ok());
        max_window_seen = std::max(max_window_seen, pair.server.receive_window(id));
        if (s.backlog_offset == s.backlog.size()) {
          s.backlog.clear();
          s.backlog_offset = 0;
        }
      }
      if (s.remote_closed && s.backlog.empty() && !s.fin_sent) {
        ASSERT_TRUE(pair.server.close_write(id).ok());
        s.fin_sent = true;
      }
      ASSERT_LE(s.backlog.size(), kYamuxMaxWindowBytes);  // never more than one window unconsumed
    }
    ASSERT_LE(pair.server.buffered_bytes(), pair.server.buffered_bytes_limit());
    ASSERT_TRUE(feed(pair.client, pair.server.take_output()).ok()) << pair.client.error().message;
    while (auto event = pair.client.poll_event()) {
      ClientStream& s = client_streams.at(event->stream);
      if (event->kind == Kind::kData) {
        s.received.insert(s.received.end(), event->data.begin(), event->data.end());
        ASSERT_TRUE(pair.client.consume(event->stream, event->data.size(), now_ms).ok());
      }
      if (event->kind == Kind::kRemoteClosed) {
        s.remote_closed = true;
        ++closed;
      }
      ASSERT_NE(event->kind, Kind::kStreamReset);
    }
  }
  ASSERT_EQ(closed, kStreams) << "after " << step << " steps";
  for (const auto& [id, s] : client_streams) {
    ASSERT_EQ(s.received.size(), s.payload.size()) << "stream " << id;
    ASSERT_TRUE(s.received == s.payload) << "stream " << id;
  }
  // Both sides closed every stream and polled every event: nothing is left.
  EXPECT_EQ(pair.client.stream_count(), 0u);
  EXPECT_EQ(pair.server.stream_count(), 0u);
  // The reader kept up within 4 RTTs, so windows grew past the initial 256 KiB.
  EXPECT_GT(max_window_seen, kYamuxInitialWindowBytes);
}

TEST(YamuxSession, ReaderThatNeverConsumesStopsTheWriterAtTheWindow) {
  Pair pair;
  const YamuxStreamId id = pair.client.open_stream().value();
  const Bytes payload = pattern(1024 * 1024, 7);
  std::size_t sent = 0;
  std::size_t server_received = 0;
  for (int step = 0; step < 200; ++step) {
    auto n = pair.client.write(id, ByteView(payload).subspan(sent));
    ASSERT_TRUE(n.ok());
    sent += *n;
    pair.transfer();
    for (const auto& event : drain(pair.server)) server_received += event.data.size();  // never consumed
    ASSERT_LE(pair.server.buffered_bytes(), kYamuxInitialWindowBytes + kYamuxHeaderBytes);
  }
  EXPECT_EQ(sent, kYamuxInitialWindowBytes);
  EXPECT_EQ(server_received, kYamuxInitialWindowBytes);
  EXPECT_EQ(pair.client.send_capacity(id), 0u);
  EXPECT_EQ(pair.client.write(id, payload).value(), 0u);
  EXPECT_LE(pair.client.pending_output_bytes(), kYamuxHeaderBytes);

  // Once the reader consumes, a window update arrives and the writer hears it can go on.
  ASSERT_TRUE(pair.server.consume(id, server_received, 0).ok());
  pair.transfer();
  const auto events = drain(pair.client);
  EXPECT_EQ(count_kind(events, Kind::kWritable, id), 1u);
  EXPECT_EQ(pair.client.send_capacity(id), kYamuxInitialWindowBytes);
}

TEST(YamuxSession, ConsumingLessThanHalfTheWindowSendsNoUpdate) {
  Pair pair;
  const YamuxStreamId id = pair.client.open_stream().value();
  ASSERT_EQ(pair.client.write(id, pattern(200 * 1024, 1)).value(), 200 * 1024u);
  pair.transfer();
  (void)drain(pair.server);
  ASSERT_TRUE(pair.server.consume(id, 100 * 1024, 0).ok());
  EXPECT_TRUE(pair.server.take_output().empty());  // 100 KiB free: less than half of 256 KiB
  ASSERT_TRUE(pair.server.consume(id, 100 * 1024, 0).ok());
  // 200 KiB free now: one update granting all of it.
  EXPECT_EQ(pair.server.take_output(), frame(YamuxType::kWindowUpdate, kYamuxFlagAck, id, 200 * 1024));
}

TEST(YamuxSession, ConsumeMoreThanPolledIsRejected) {
  Pair pair;
  const YamuxStreamId id = pair.client.open_stream().value();
  ASSERT_EQ(pair.client.write(id, pattern(100, 1)).value(), 100u);
  pair.transfer();
  // Not polled yet: consuming it would let the queue outgrow the window.
  EXPECT_FALSE(pair.server.consume(id, 1, 0).ok());
  (void)drain(pair.server);
  EXPECT_FALSE(pair.server.consume(id, 101, 0).ok());
  EXPECT_TRUE(pair.server.consume(id, 100, 0).ok());
}

TEST(YamuxSession, WindowDoesNotGrowWhenReaderIsSlowOrRttUnknown) {
  for (std::uint32_t rtt_ms : {0u, 10u}) {
    Pair pair;
    pair.server.set_rtt_ms(rtt_ms);
    const YamuxStreamId id = pair.client.open_stream().value();
    std::uint64_t now_ms = 0;
    for (int round = 0; round < 8; ++round) {
      auto n = pair.client.write(id, pattern(kYamuxInitialWindowBytes, round));
      ASSERT_TRUE(n.ok());
      pair.transfer();
      std::size_t got = 0;
      for (const auto& event : drain(pair.server)) got += event.data.size();
      now_ms += 1000;  // far more than 4 RTTs between updates
      ASSERT_TRUE(pair.server.consume(id, got, now_ms).ok());
      pair.transfer();
      (void)drain(pair.client);
    }
    EXPECT_EQ(pair.server.receive_window(id), kYamuxInitialWindowBytes) << "rtt " << rtt_ms;
  }
}

TEST(YamuxSession, WindowGrowsUpToTheMaximumWhenReaderKeepsUp) {
  Pair pair;
  pair.server.set_rtt_ms(10);
  const YamuxStreamId id = pair.client.open_stream().value();
  const Bytes source = pattern(kYamuxMaxFramePayloadBytes, 1);
  std::uint64_t now_ms = 0;
  std::vector<std::uint32_t> windows;
  for (int round = 0; round < 12; ++round) {
    // Fill the whole window the server granted, moving output as the budget requires.
    for (int step = 0; step < 1000 && pair.client.send_capacity(id) > 0; ++step) {
      ASSERT_GT(pair.client.write(id, source).value(), 0u);
      pair.transfer();
    }
    pair.transfer();
    std::size_t got = 0;
    for (const auto& event : drain(pair.server)) got += event.data.size();
    now_ms += 1;  // the reader keeps up: well within 4 RTTs
    ASSERT_TRUE(pair.server.consume(id, got, now_ms).ok());
    pair.settle();
    (void)drain(pair.client);
    windows.push_back(pair.server.receive_window(id));
  }
  // The first update only starts the epoch; each later one doubles, up to the maximum.
  EXPECT_EQ(windows[0], kYamuxInitialWindowBytes);
  EXPECT_EQ(windows[1], 2 * kYamuxInitialWindowBytes);
  EXPECT_EQ(windows[2], 4 * kYamuxInitialWindowBytes);
  EXPECT_EQ(windows.back(), kYamuxMaxWindowBytes);
  EXPECT_FALSE(pair.client.failed());
  EXPECT_FALSE(pair.server.failed());
}

TEST(YamuxSession, WindowGrowthStopsAtTheSessionBudget) {
  YamuxConfig config;
  config.max_window_growth_bytes = kYamuxInitialWindowBytes;  // room for one doubling
  Pair pair({}, config);
  pair.server.set_rtt_ms(10);
  const YamuxStreamId a = pair.client.open_stream().value();
  const YamuxStreamId b = pair.client.open_stream().value();
  std::uint64_t now_ms = 0;
  for (int round = 0; round < 10; ++round) {
    for (YamuxStreamId id : {a, b})
      ASSERT_TRUE(pair.client.write(id, pattern(pair.client.send_capacity(id), 1)).ok());
    pair.settle();
    std::map<YamuxStreamId, std::size_t> got;
    for (const auto& event : drain(pair.server)) got[event.stream] += event.data.size();
    now_ms += 1;
    for (auto& [id, n] : got) ASSERT_TRUE(pair.server.consume(id, n, now_ms).ok());
    pair.settle();
    (void)drain(pair.client);
  }
  EXPECT_EQ(std::size_t{pair.server.receive_window(a)} + pair.server.receive_window(b),
            3 * std::size_t{kYamuxInitialWindowBytes});
}

TEST(YamuxSession, FinHalfClosesEachDirection) {
  Pair pair;
  const YamuxStreamId id = pair.client.open_stream().value();
  ASSERT_EQ(pair.client.write(id, to_bytes("request")).value(), 7u);
  ASSERT_TRUE(pair.client.close_write(id).ok());
  pair.settle();
  auto events = drain(pair.server);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, Kind::kStreamOpened);
  EXPECT_EQ(events[1].kind, Kind::kData);
  EXPECT_EQ(events[1].data, to_bytes("request"));
  EXPECT_EQ(events[2].kind, Kind::kRemoteClosed);
  // The client can no longer write, but the server still can, and the client still reads.
  EXPECT_FALSE(pair.client.write(id, to_bytes("x")).ok());
  ASSERT_EQ(pair.server.write(id, to_bytes("response")).value(), 8u);
  ASSERT_TRUE(pair.server.close_write(id).ok());
  EXPECT_EQ(pair.server.stream_count(), 0u);  // both sides closed, all events polled
  pair.settle();
  events = drain(pair.client);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, to_bytes("response"));
  EXPECT_EQ(events[1].kind, Kind::kRemoteClosed);
  EXPECT_EQ(pair.client.stream_count(), 0u);
}

TEST(YamuxSession, FinTravelsAsWindowUpdateOrWithData) {
  YamuxSession server(YamuxRole::kServer);
  // A FIN on the last Data frame: the data is delivered before the close.
  ASSERT_TRUE(server.feed(data_frame(kYamuxFlagSyn | kYamuxFlagFin, 1, to_bytes("bye"))).ok());
  auto events = drain(server);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].data, to_bytes("bye"));
  EXPECT_EQ(events[2].kind, Kind::kRemoteClosed);
  // Our FIN is a WindowUpdate with delta 0, carrying the ACK we still owed.
  ASSERT_TRUE(server.close_write(1).ok());
  EXPECT_EQ(server.take_output(), frame(YamuxType::kWindowUpdate, kYamuxFlagAck | kYamuxFlagFin, 1, 0));
}

TEST(YamuxSession, DataAfterFinIsAProtocolError) {
  YamuxSession server(YamuxRole::kServer);
  ASSERT_TRUE(server.feed(frame(YamuxType::kWindowUpdate, kYamuxFlagSyn | kYamuxFlagFin, 1, 0)).ok());
  EXPECT_FALSE(server.feed(data_frame(0, 1, to_bytes("late"))).ok());
  EXPECT_TRUE(server.failed());
}

TEST(YamuxSession, ResetReachesThePeerAndEndsTheStream) {
  Pair pair;
  const YamuxStreamId id = pair.client.open_stream().value();
  ASSERT_EQ(pair.client.write(id, to_bytes("abc")).value(), 3u);
  pair.settle();
  (void)drain(pair.server);
  ASSERT_TRUE(pair.server.reset(id).ok());
  EXPECT_EQ(pair.server.take_output(), frame(YamuxType::kWindowUpdate, kYamuxFlagRst, id, 0));
  EXPECT_EQ(pair.server.stream_count(), 0u);
  EXPECT_FALSE(pair.server.write(id, to_bytes("x")).ok());

  // The client, racing, sends more before it hears of the reset: the server ignores it.
  ASSERT_EQ(pair.client.write(id, to_bytes("more")).value(), 4u);
  Bytes to_server = pair.client.take_output();
  ASSERT_TRUE(pair.server.feed(to_server).ok());
  EXPECT_TRUE(drain(pair.server).empty());

  ASSERT_TRUE(pair.client.feed(frame(YamuxType::kWindowUpdate, kYamuxFlagRst, id, 0)).ok());
  auto events = drain(pair.client);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kStreamReset);
  EXPECT_EQ(events[0].stream, id);
  EXPECT_EQ(pair.client.stream_count(), 0u);
  auto write = pair.client.write(id, to_bytes("x"));
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().code, Errc::kNotFound);
}

TEST(YamuxSession, PingIsAnsweredWithAckAndTheSameValue) {
  YamuxSession server(YamuxRole::kServer);
  ASSERT_TRUE(server.feed(frame(YamuxType::kPing, kYamuxFlagSyn, 0, 0xcafe0001)).ok());
  EXPECT_EQ(server.take_output(), (Bytes{0x00, 0x02, 0x00, 0x02, 0, 0, 0, 0, 0xca, 0xfe, 0x00, 0x01}));
  EXPECT_TRUE(drain(server).empty());
}

TEST(YamuxSession, PingPongReportsTheOpaqueValue) {
  Pair pair;
  auto first = pair.client.ping();
  auto second = pair.client.ping();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second);
  pair.settle();
  const auto events = drain(pair.client);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Kind::kPong);
  EXPECT_EQ(events[0].value, *first);
  EXPECT_EQ(events[1].value, *second);
  // A pong nobody asked for changes nothing.
  ASSERT_TRUE(pair.client.feed(frame(YamuxType::kPing, kYamuxFlagAck, 0, *first)).ok());
  EXPECT_TRUE(drain(pair.client).empty());
}

TEST(YamuxSession, OutstandingPingsAreBounded) {
  YamuxSession client(YamuxRole::kClient);
  for (std::size_t i = 0; i < kYamuxMaxOutstandingPings; ++i) ASSERT_TRUE(client.ping().ok());
  auto extra = client.ping();
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.error().code, Errc::kLimitExceeded);
}

TEST(YamuxSession, PingWithBothOrNoFlagsIsAProtocolError) {
  for (std::uint16_t flags : {std::uint16_t{0}, std::uint16_t{kYamuxFlagSyn | kYamuxFlagAck}}) {
    YamuxSession server(YamuxRole::kServer);
    EXPECT_FALSE(server.feed(frame(YamuxType::kPing, flags, 0, 1)).ok());
    EXPECT_EQ(server.take_output(), frame(YamuxType::kGoAway, 0, 0, 1));
  }
}

TEST(YamuxSession, GoAwayStopsNewStreamsBothWays) {
  Pair pair;
  const YamuxStreamId open = pair.client.open_stream().value();
  ASSERT_TRUE(pair.client.go_away(YamuxGoAwayCode::kNormal).ok());
  EXPECT_FALSE(pair.client.open_stream().ok());
  pair.settle();
  const auto events = drain(pair.server);
  ASSERT_EQ(count_kind(events, Kind::kGoAway), 1u);
  EXPECT_EQ(events.back().kind, Kind::kGoAway);
  EXPECT_EQ(events.back().value, 0u);
  EXPECT_TRUE(pair.server.remote_went_away());
  EXPECT_FALSE(pair.server.open_stream().ok());
  // A stream the server opens anyway (ignoring the GoAway) is refused by the client.
  ASSERT_TRUE(pair.client.feed(frame(YamuxType::kWindowUpdate, kYamuxFlagSyn, 2, 0)).ok());
  EXPECT_EQ(pair.client.take_output(), frame(YamuxType::kWindowUpdate, kYamuxFlagRst, 2, 0));
  // Streams already open carry on.
  ASSERT_EQ(pair.server.write(open, to_bytes("still here")).value(), 10u);
  pair.settle();
  EXPECT_EQ(data_of(drain(pair.client), open), to_bytes("still here"));
}

TEST(YamuxSession, GoAwayWithErrorCodeIsReportedOnce) {
  YamuxSession client(YamuxRole::kClient);
  ASSERT_TRUE(client.feed(frame(YamuxType::kGoAway, 0, 0, 2)).ok());
  ASSERT_TRUE(client.feed(frame(YamuxType::kGoAway, 0, 0, 2)).ok());
  const auto events = drain(client);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kGoAway);
  EXPECT_EQ(events[0].value, static_cast<std::uint32_t>(YamuxGoAwayCode::kInternalError));
}

TEST(YamuxSession, InboundStreamLimitResetsOnlyTheExcessStream) {
  YamuxConfig server_config;
  server_config.max_inbound_streams = 3;
  Pair pair({}, server_config);
  std::vector<YamuxStreamId> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(pair.client.open_stream().value());
  pair.settle();
  EXPECT_EQ(count_kind(drain(pair.server), Kind::kStreamOpened), 3u);
  const auto client_events = drain(pair.client);
  ASSERT_EQ(client_events.size(), 1u);
  EXPECT_EQ(client_events[0].kind, Kind::kStreamReset);
  EXPECT_EQ(client_events[0].stream, ids[3]);
  EXPECT_FALSE(pair.client.failed());
  EXPECT_FALSE(pair.server.failed());
  // The admitted streams work.
  for (int i = 0; i < 3; ++i) ASSERT_EQ(pair.client.write(ids[i], to_bytes("ok")).value(), 2u);
  pair.settle();
  const auto server_events = drain(pair.server);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(data_of(server_events, ids[i]), to_bytes("ok"));
  // Closing one frees a slot for a new stream.
  ASSERT_TRUE(pair.server.reset(ids[0]).ok());
  const YamuxStreamId next = pair.client.open_stream().value();
  pair.settle();
  const auto later = drain(pair.server);
  EXPECT_EQ(count_kind(later, Kind::kStreamOpened, next), 1u);
}

TEST(YamuxSession, UnacceptedInboundStreamsAreBounded) {
  YamuxConfig server_config;
  server_config.max_unaccepted_inbound_streams = 2;
  Pair pair({}, server_config);
  const YamuxStreamId a = pair.client.open_stream().value();
  pair.client.open_stream().value();
  const YamuxStreamId c = pair.client.open_stream().value();
  pair.settle();
  EXPECT_EQ(count_kind(drain(pair.server), Kind::kStreamOpened), 2u);
  EXPECT_EQ(count_kind(drain(pair.client), Kind::kStreamReset, c), 1u);
  // Accepting one (by answering on it) makes room.
  ASSERT_EQ(pair.server.write(a, to_bytes("hi")).value(), 2u);
  const YamuxStreamId d = pair.client.open_stream().value();
  pair.settle();
  EXPECT_EQ(count_kind(drain(pair.server), Kind::kStreamOpened, d), 1u);
  EXPECT_EQ(count_kind(drain(pair.client), Kind::kStreamReset), 0u);
}

TEST(YamuxSession, OutboundStreamLimitIsAnError) {
  YamuxConfig config;
  config.max_outbound_streams = 2;
  YamuxSession client(YamuxRole::kClient, config);
  ASSERT_TRUE(client.open_stream().ok());
  ASSERT_TRUE(client.open_stream().ok());
  auto third = client.open_stream();
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, Errc::kLimitExceeded);
}

TEST(YamuxSession, WindowViolationFailsTheSessionWithProtocolError) {
  YamuxSession server(YamuxRole::kServer);
  ASSERT_TRUE(server.feed(frame(YamuxType::kWindowUpdate, kYamuxFlagSyn, 1, 0)).ok());
  ASSERT_TRUE(server.feed(data_frame(0, 1, Bytes(200 * 1024, 1))).ok());
  // 200 KiB + 100 KiB > 256 KiB, refused at the header, before any payload is buffered.
  Status status = server.feed(frame(YamuxType::kData, 0, 1, 100 * 1024));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kLimitExceeded);
  EXPECT_NE(status.error().message.find("receive window"), std::string::npos) << status.error().message;
  EXPECT_TRUE(server.failed());
  EXPECT_EQ(server.take_output(), frame(YamuxType::kGoAway, 0, 0, 1));
  const auto events = drain(server);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind, Kind::kSessionError);
  EXPECT_FALSE(server.feed(Bytes(100, 0)).ok());  // input after failure is refused
  EXPECT_FALSE(server.open_stream().ok());
}

TEST(YamuxSession, ProtocolViolationsFailTheSession) {
  struct Case {
    const char* name;
    Bytes input;
    Errc code;
  };
  Bytes bad_version = frame(YamuxType::kPing, kYamuxFlagSyn, 0, 1);
  bad_version[0] = 1;
  Bytes bad_type = frame(YamuxType::kPing, kYamuxFlagSyn, 0, 1);
  bad_type[1] = 9;
  const std::vector<Case> cases = {
      {"unknown version", bad_version, Errc::kUnsupported},
      {"unknown type", bad_type, Errc::kInvalidInput},
      {"SYN with our parity", frame(YamuxType::kWindowUpdate, kYamuxFlagSyn, 2, 0), Errc::kInvalidInput},
      {"data on stream 0", frame(YamuxType::kData, 0, 0, 0), Errc::kInvalidInput},
      {"ping on a stream", frame(YamuxType::kPing, kYamuxFlagSyn, 1, 0), Errc::kInvalidInput},
      {"go-away on a stream", frame(YamuxType::kGoAway, 0, 1, 0), Errc::kInvalidInput},
  };
  for (const Case& c : cases) {
    YamuxSession server(YamuxRole::kServer);
    Status status = server.feed(c.input);
    ASSERT_FALSE(status.ok()) << c.name;
    EXPECT_EQ(status.error().code, c.code) << c.name;
    EXPECT_EQ(server.take_output(), frame(YamuxType::kGoAway, 0, 0, 1)) << c.name;
  }
}

TEST(YamuxSession, DuplicateSynIsAProtocolError) {
  YamuxSession server(YamuxRole::kServer);
  ASSERT_TRUE(server.feed(frame(YamuxType::kWindowUpdate, kYamuxFlagSyn, 1, 0)).ok());
  EXPECT_FALSE(server.feed(frame(YamuxType::kWindowUpdate, kYamuxFlagSyn, 1, 0)).ok());
}

TEST(YamuxSession, SendWindowOverflowIsAProtocolError) {
  YamuxSession client(YamuxRole::kClient);
  const YamuxStreamId id = client.open_stream().value();
  EXPECT_FALSE(client.feed(frame(YamuxType::kWindowUpdate, kYamuxFlagAck, id, 0xffffffffu)).ok());
}

TEST(YamuxSession, FramesForUnknownStreamsAreIgnored) {
  YamuxSession server(YamuxRole::kServer);
  Bytes input = data_frame(0, 7, Bytes(1000, 3));
  const Bytes update = frame(YamuxType::kWindowUpdate, kYamuxFlagFin, 9, 5);
  input.insert(input.end(), update.begin(), update.end());
  ASSERT_TRUE(server.feed(input).ok());
  EXPECT_TRUE(drain(server).empty());
  EXPECT_TRUE(server.take_output().empty());
  EXPECT_EQ(server.buffered_bytes(), 0u);
}

TEST(YamuxSession, LargeFramePayloadIsPassedThroughWithoutBufferingTheFrame) {
  YamuxSession server(YamuxRole::kServer);
  // js-libp2p sends frames as large as the window; we hand the payload on as it arrives.
  const Bytes payload = pattern(kYamuxInitialWindowBytes, 3);
  const Bytes input = data_frame(kYamuxFlagSyn, 1, payload);
  Bytes received;
  for (std::size_t offset = 0; offset < input.size(); offset += 4096) {
    ASSERT_TRUE(
        server.feed(ByteView(input).subspan(offset, std::min<std::size_t>(4096, input.size() - offset)))
            .ok());
    EXPECT_LE(server.buffered_bytes(), 4096u);
    for (const auto& event : drain(server))
      received.insert(received.end(), event.data.begin(), event.data.end());
  }
  EXPECT_EQ(received, payload);
}

TEST(YamuxSession, WritesAreSplitIntoFramesOfAtMostTheMaximumPayload) {
  YamuxSession client(YamuxRole::kClient);
  const YamuxStreamId id = client.open_stream().value();
  (void)client.take_output();
  const Bytes payload = pattern(kYamuxMaxFramePayloadBytes + 10, 5);
  ASSERT_EQ(client.write(id, payload).value(), payload.size());
  const Bytes out = client.take_output();
  ASSERT_EQ(out.size(), payload.size() + 2 * kYamuxHeaderBytes);
  auto first = decode_yamux_header(out);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->length, kYamuxMaxFramePayloadBytes);
  auto second = decode_yamux_header(ByteView(out).subspan(kYamuxHeaderBytes + kYamuxMaxFramePayloadBytes));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->length, 10u);
}

TEST(YamuxSession, OutputBudgetLimitsWritesUntilOutputIsTaken) {
  YamuxConfig config;
  config.max_pending_output_bytes = 64 * 1024;
  YamuxSession client(YamuxRole::kClient, config);
  const YamuxStreamId id = client.open_stream().value();
  const Bytes payload = pattern(200 * 1024, 9);
  const std::size_t first = client.write(id, payload).value();
  EXPECT_LT(first, payload.size());
  EXPECT_LE(client.pending_output_bytes(), config.max_pending_output_bytes);
  EXPECT_EQ(client.write(id, ByteView(payload).subspan(first)).value(), 0u);
  (void)client.take_output();
  const auto events = drain(client);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kWritable);
  EXPECT_GT(client.write(id, ByteView(payload).subspan(first)).value(), 0u);
}

TEST(YamuxSession, DiscardingTheOutputViewActsLikeTakingIt) {
  YamuxConfig config;
  config.max_pending_output_bytes = 64 * 1024;
  YamuxSession viewed(YamuxRole::kClient, config);
  YamuxSession taken(YamuxRole::kClient, config);
  YamuxSession server(YamuxRole::kServer);
  const YamuxStreamId id = viewed.open_stream().value();
  ASSERT_EQ(taken.open_stream().value(), id);
  const Bytes payload = pattern(200 * 1024, 10);
  std::size_t written = 0;
  Bytes received;
  for (int round = 0; round < 8 && written < payload.size(); ++round) {
    const std::size_t n = viewed.write(id, ByteView(payload).subspan(written)).value();
    ASSERT_EQ(taken.write(id, ByteView(payload).subspan(written)).value(), n);
    written += n;
    const Bytes expected = taken.take_output();
    const ByteView view = viewed.output();
    ASSERT_EQ(Bytes(view.begin(), view.end()), expected) << "round " << round;
    ASSERT_TRUE(server.feed(view).ok());
    viewed.discard_output();
    EXPECT_EQ(viewed.pending_output_bytes(), 0u);
    EXPECT_TRUE(viewed.output().empty());
    // Freeing the budget wakes the blocked writer in both forms.
    const auto viewed_events = drain(viewed);
    const auto taken_events = drain(taken);
    EXPECT_EQ(count_kind(viewed_events, Kind::kWritable, id), count_kind(taken_events, Kind::kWritable, id));
    const auto delivered = drain(server);
    const Bytes data = data_of(delivered, id);
    received.insert(received.end(), data.begin(), data.end());
  }
  EXPECT_EQ(written, payload.size());
  EXPECT_EQ(received, payload);
}

TEST(YamuxSession, DataArrivingInPiecesIsOneEventWithAllOfIt) {
  YamuxSession server(YamuxRole::kServer);
  const Bytes payload = pattern(100 * 1024, 11);
  Bytes wire = frame(YamuxType::kWindowUpdate, kYamuxFlagSyn, 1, 0);
  const Bytes data = data_frame(0, 1, payload);
  wire.insert(wire.end(), data.begin(), data.end());
  Rng rng(3);
  std::size_t offset = 0;
  while (offset < wire.size()) {
    const std::size_t n = std::min<std::size_t>(1 + rng.below(9000), wire.size() - offset);
    ASSERT_TRUE(server.feed(ByteView(wire).subspan(offset, n)).ok());
    offset += n;
  }
  const auto events = drain(server);
  ASSERT_EQ(count_kind(events, Kind::kData, 1), 1u);
  EXPECT_EQ(data_of(events, 1), payload);
}

TEST(YamuxSession, ControlFloodWhileOutputIsNotTakenFailsTheSession) {
  YamuxConfig config;
  config.max_pending_output_bytes = 1024;
  YamuxSession server(YamuxRole::kServer, config);
  Bytes pings;
  for (int i = 0; i < 1000; ++i) {
    const Bytes ping = frame(YamuxType::kPing, kYamuxFlagSyn, 0, static_cast<std::uint32_t>(i));
    pings.insert(pings.end(), ping.begin(), ping.end());
  }
  Status status = server.feed(pings);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kLimitExceeded);
  EXPECT_LE(server.buffered_bytes(), server.buffered_bytes_limit());
}

// A fixed client transcript exercising most frame kinds, replayed into fresh servers.
Bytes client_transcript() {
  YamuxSession client(YamuxRole::kClient);
  Bytes out;
  auto take = [&] {
    const Bytes chunk = client.take_output();
    out.insert(out.end(), chunk.begin(), chunk.end());
  };
  std::vector<YamuxStreamId> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(client.open_stream().value());
  take();
  for (int round = 0; round < 4; ++round) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      (void)client.write(ids[i], pattern(1000 * (i + 1) + 37 * round, i * 10 + round)).value();
      take();
    }
  }
  (void)client.ping().value();
  EXPECT_TRUE(client.close_write(ids[0]).ok());
  EXPECT_TRUE(client.reset(ids[1]).ok());
  (void)client.write(ids[2], pattern(100 * 1024, 99)).value();
  EXPECT_TRUE(client.close_write(ids[2]).ok());
  take();
  Bytes stray_ping = frame(YamuxType::kPing, kYamuxFlagSyn, 0, 0xabcdef);
  out.insert(out.end(), stray_ping.begin(), stray_ping.end());
  EXPECT_TRUE(client.go_away(YamuxGoAwayCode::kNormal).ok());
  take();
  return out;
}

// Events reduced to what chunking must not change: per stream, the kinds in order with
// adjacent data merged, and the session events in order.
std::map<YamuxStreamId, std::vector<std::pair<Kind, Bytes>>> normalize(
    const std::vector<YamuxEvent>& events) {
  std::map<YamuxStreamId, std::vector<std::pair<Kind, Bytes>>> out;
  for (const auto& event : events) {
    auto& list = out[event.stream];
    if (event.kind == Kind::kData && !list.empty() && list.back().first == Kind::kData) {
      list.back().second.insert(list.back().second.end(), event.data.begin(), event.data.end());
    } else {
      list.emplace_back(event.kind, event.kind == Kind::kData ? event.data : Bytes{});
    }
  }
  return out;
}

struct Replay {
  std::vector<YamuxEvent> events;
  Bytes output;
  bool failed = false;
};

Replay replay(const Bytes& transcript, Rng* chunk_rng, bool consume) {
  YamuxSession server(YamuxRole::kServer);
  Replay result;
  std::size_t offset = 0;
  while (offset < transcript.size() && !server.failed()) {
    const std::size_t n = chunk_rng == nullptr
                              ? transcript.size()
                              : std::min<std::size_t>(1 + chunk_rng->below(16), transcript.size() - offset);
    (void)server.feed(ByteView(transcript).subspan(offset, n));
    offset += n;
    while (auto event = server.poll_event()) {
      if (consume && event->kind == Kind::kData) {
        EXPECT_TRUE(server.consume(event->stream, event->data.size(), 0).ok());
      }
      result.events.push_back(std::move(*event));
    }
    const Bytes out = server.take_output();
    result.output.insert(result.output.end(), out.begin(), out.end());
  }
  result.failed = server.failed();
  return result;
}

TEST(YamuxSession, ChunkedFeedingGivesIdenticalResults) {
  const Bytes transcript = client_transcript();
  for (bool consume : {false, true}) {
    const Replay whole = replay(transcript, nullptr, consume);
    ASSERT_FALSE(whole.failed);
    const auto expected = normalize(whole.events);
    // Sanity: the transcript reached every kind of event we care about.
    ASSERT_EQ(expected.at(1).back().first, Kind::kRemoteClosed);
    ASSERT_EQ(expected.at(3).back().first, Kind::kStreamReset);
    ASSERT_EQ(expected.at(0).back().first, Kind::kGoAway);
    for (std::uint64_t seed : property_seeds(20)) {
      Rng rng(seed);
      const Replay chunked = replay(transcript, &rng, consume);
      ASSERT_FALSE(chunked.failed) << seed_note(seed);
      EXPECT_TRUE(normalize(chunked.events) == expected) << seed_note(seed);
      // Without consume() the output is only answers to the peer's frames, byte for byte.
      if (!consume) {
        EXPECT_EQ(chunked.output, whole.output) << seed_note(seed);
      }
    }
  }
}

TEST(YamuxSession, ChunkedEchoBetweenSessionsDeliversIntactData) {
  for (std::uint64_t seed : property_seeds(5)) {
    Rng rng(seed);
    Pair pair;
    std::vector<YamuxStreamId> ids;
    std::map<YamuxStreamId, Bytes> sent;
    std::map<YamuxStreamId, Bytes> received;
    for (int i = 0; i < 4; ++i) {
      const YamuxStreamId id = pair.client.open_stream().value();
      ids.push_back(id);
      sent[id] = pattern(20000 + rng.below(20000), seed + i);
      ASSERT_EQ(pair.client.write(id, sent[id]).value(), sent[id].size());
      ASSERT_TRUE(pair.client.close_write(id).ok());
    }
    for (int step = 0; step < 100; ++step) {
      const Bytes to_server = pair.client.take_output();
      const Bytes to_client = pair.server.take_output();
      if (to_server.empty() && to_client.empty()) break;
      ASSERT_TRUE(feed(pair.server, to_server, &rng).ok()) << seed_note(seed);
      ASSERT_TRUE(feed(pair.client, to_client, &rng).ok()) << seed_note(seed);
      while (auto event = pair.server.poll_event()) {
        if (event->kind == Kind::kData) {
          ASSERT_EQ(pair.server.write(event->stream, event->data).value(), event->data.size());
          ASSERT_TRUE(pair.server.consume(event->stream, event->data.size(), 0).ok());
        } else if (event->kind == Kind::kRemoteClosed) {
          ASSERT_TRUE(pair.server.close_write(event->stream).ok());
        }
      }
      while (auto event = pair.client.poll_event()) {
        if (event->kind == Kind::kData) {
          auto& r = received[event->stream];
          r.insert(r.end(), event->data.begin(), event->data.end());
          ASSERT_TRUE(pair.client.consume(event->stream, event->data.size(), 0).ok());
        }
      }
    }
    for (YamuxStreamId id : ids)
      EXPECT_TRUE(received[id] == sent[id]) << "stream " << id << " " << seed_note(seed);
    EXPECT_EQ(pair.client.stream_count(), 0u) << seed_note(seed);
    EXPECT_EQ(pair.server.stream_count(), 0u) << seed_note(seed);
  }
}

}  // namespace
}  // namespace ff::net
