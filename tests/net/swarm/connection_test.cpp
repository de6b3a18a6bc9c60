// The connection's byte path under load, through two swarms on loopback: socket reads that
// end inside Noise frames (decrypted in place in the read buffer), Yamux output batched
// into one encrypted write, and stream writes that go straight into Yamux.
#include "net/swarm/connection.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first

#include "net/swarm/swarm.hpp"

namespace ff::net {
namespace {

using namespace std::chrono_literals;

bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 60s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_for(10ms);
  return done();
}

struct Pair {
  boost::asio::io_context io;
  std::unique_ptr<Swarm> a;
  std::unique_ptr<Swarm> b;
  Multiaddr b_addr;

  // Two swarms, a dialled to b over TCP; false (with a test failure) if that fails.
  bool connect(SwarmConfig config = {}) {
    for (auto* swarm : {&a, &b}) {
      auto key = PrivateKey::generate_ed25519();
      if (!key.ok()) return false;
      auto created = Swarm::create(io, std::move(*key), config, SwarmObserver{});
      EXPECT_TRUE(created.ok()) << created.error().message;
      if (!created.ok()) return false;
      *swarm = std::move(*created);
    }
    auto bound = b->listen(Multiaddr::parse("/ip4/127.0.0.1/tcp/0").value());
    EXPECT_TRUE(bound.ok());
    if (!bound.ok()) return false;
    b_addr = *bound;
    std::optional<Result<ConnectionInfo>> dialled;
    a->dial(b_addr, [&](Result<ConnectionInfo> result) { dialled = std::move(result); });
    EXPECT_TRUE(run_until(io, [&] { return dialled.has_value(); }));
    EXPECT_TRUE(dialled && dialled->ok());
    return dialled && dialled->ok();
  }
};

TEST(Connection, EchoesOneLargeStreamIntact) {
  Pair pair;
  ASSERT_TRUE(pair.connect());
  // 8 MiB each way on one stream: far more than one read buffer and one write batch, so
  // frames straddle reads and the window grows; the echo client checks every byte.
  std::optional<Result<EchoResult>> result;
  pair.a->echo(pair.b->peer_id(), 1, 8 * 1024 * 1024, [&](Result<EchoResult> r) { result = std::move(r); });
  ASSERT_TRUE(run_until(pair.io, [&] { return result.has_value(); }));
  ASSERT_TRUE(result->ok()) << result->error().message;
  EXPECT_EQ((*result)->streams, 1u);
  EXPECT_EQ((*result)->bytes, 8u * 1024 * 1024);
}

TEST(Connection, PerfBothWaysInARowOnOneConnection) {
  Pair pair;
  ASSERT_TRUE(pair.connect());
  // Back-to-back bulk transfers in both directions reuse (and after the big one, shrink)
  // the connection's buffers; byte counts must stay exact.
  for (const auto& [up, down] : {std::pair<std::uint64_t, std::uint64_t>{16u << 20, 0},
                                 {0, 16u << 20},
                                 {1, 1},
                                 {(4u << 20) + 1, (4u << 20) + 3}}) {
    std::optional<Result<PerfResult>> result;
    pair.a->perf(pair.b->peer_id(), up, down, [&](Result<PerfResult> r) { result = std::move(r); });
    ASSERT_TRUE(run_until(pair.io, [&] { return result.has_value(); }));
    ASSERT_TRUE(result->ok()) << result->error().message;
    EXPECT_EQ((*result)->upload_bytes, up);
    EXPECT_EQ((*result)->download_bytes, down);
  }
}

TEST(Connection, PausedReaderHoldsTheWriterAtItsWindowUntilResumed) {
  Pair pair;
  ASSERT_TRUE(pair.connect());
  std::shared_ptr<SwarmStream> reader;
  std::uint64_t received = 0;
  bool eof = false;
  pair.b->handle("/test/sink/1", [&](const std::shared_ptr<SwarmStream>& stream) {
    reader = stream;
    stream->pause_reading();
    stream->set_handlers({.on_data = [&](ByteView bytes) { received += bytes.size(); },
                          .on_eof = [&] { eof = true; },
                          .on_reset = nullptr,
                          .on_drain = nullptr});
  });
  std::shared_ptr<SwarmStream> writer;
  pair.a->open_stream(pair.b->peer_id(), {"/test/sink/1"}, [&](Result<std::shared_ptr<SwarmStream>> opened) {
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    writer = *opened;
  });
  ASSERT_TRUE(run_until(pair.io, [&] { return writer != nullptr; }));
  const Bytes chunk(1024 * 1024, 0x5a);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(writer->write(chunk).ok());
  writer->close_write();
  // A paused reader grants nothing: the writer stops at the initial window.
  run_until(
      pair.io, [] { return false; }, 300ms);
  EXPECT_GT(received, 0u);
  EXPECT_LE(received, kYamuxInitialWindowBytes);
  EXPECT_GT(writer->queued_bytes(), 0u);
  reader->resume_reading();
  ASSERT_TRUE(run_until(pair.io, [&] { return eof; }));
  EXPECT_EQ(received, 4u * 1024 * 1024);
}

TEST(Connection, KnowsItsRoundTripBeforeThePingMonitorRuns) {
  // Yamux grows receive windows only with a known round-trip time. Without the Yamux ping
  // at session start, a transfer in a connection's first seconds (before the libp2p ping
  // monitor's first run) was held to the initial 256 KiB window.
  SwarmConfig config;
  config.ping_interval = std::chrono::hours(1);
  Pair pair;
  ASSERT_TRUE(pair.connect(config));
  auto rtt_known = [](const Swarm& swarm) {
    auto connections = swarm.connections();
    return connections.size() == 1 && connections[0].rtt_ms >= 1;
  };
  EXPECT_TRUE(run_until(
      pair.io, [&] { return rtt_known(*pair.a) && rtt_known(*pair.b); }, 10s));
}

TEST(OutgoingBuffer, AppendKeepsEarlierBytesAndClearKeepsOrReleasesStorage) {
  OutgoingBuffer buffer;
  auto first = buffer.append(3);
  first[0] = 1, first[1] = 2, first[2] = 3;
  auto second = buffer.append(kRetainedWriteBufferBytes);  // forces growth
  std::fill(second.begin(), second.end(), 9);
  ASSERT_EQ(buffer.size(), 3 + kRetainedWriteBufferBytes);
  EXPECT_EQ(buffer.view()[0], 1);
  EXPECT_EQ(buffer.view()[2], 3);
  EXPECT_EQ(buffer.view()[3], 9);
  buffer.truncate(2);
  EXPECT_EQ(buffer.size(), 2u);
  buffer.truncate(10);  // never grows
  EXPECT_EQ(buffer.size(), 2u);
  buffer.clear();
  EXPECT_TRUE(buffer.empty());
  // A batch that filled the storage keeps it for the next one...
  auto full = buffer.append(kRetainedWriteBufferBytes + 3);
  EXPECT_EQ(full.size(), kRetainedWriteBufferBytes + 3);
  const std::size_t grown = buffer.capacity();
  EXPECT_GT(grown, kRetainedWriteBufferBytes);
  buffer.clear();
  EXPECT_EQ(buffer.capacity(), grown);
  // ...a small batch in large storage gives it back; appending afterwards still works.
  buffer.append(1)[0] = 6;
  buffer.clear();
  EXPECT_EQ(buffer.capacity(), 0u);
  auto third = buffer.append(1);
  third[0] = 7;
  EXPECT_EQ(buffer.view().size(), 1u);
  EXPECT_EQ(buffer.view()[0], 7);
  OutgoingBuffer other;
  other.swap(buffer);
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(other.view()[0], 7);
}

}  // namespace
}  // namespace ff::net
