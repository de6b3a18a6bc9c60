#include "net/protocols/perf.hpp"

#include <gtest/gtest.h>

#include "core/codec/hex.hpp"
#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::net {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;

struct Transfer {
  std::uint64_t client_to_server_bytes = 0;  // on the wire, header included
  std::uint64_t server_to_client_bytes = 0;
  bool all_zero_payload = true;
};

// Wires a client and a server together as a runtime would, with the given chunk sizes,
// until both are done. Bounded: fails the test if it stalls.
Transfer run(PerfClient& client, PerfServer& server, std::size_t client_chunk, std::size_t server_chunk) {
  Transfer transfer;
  bool client_closed_write = false;
  for (int step = 0; step < 1'000'000; ++step) {
    if (!client.upload_done()) {
      const ByteView chunk = client.next_chunk(client_chunk);
      if (transfer.client_to_server_bytes >= kPerfHeaderBytes) {
        for (std::uint8_t byte : chunk) transfer.all_zero_payload = transfer.all_zero_payload && byte == 0;
      }
      transfer.client_to_server_bytes += chunk.size();
      EXPECT_TRUE(server.on_data(chunk).ok()) << server.error().message;
      continue;
    }
    if (!client_closed_write) {
      client_closed_write = true;
      EXPECT_TRUE(server.on_eof().ok()) << server.error().message;
      continue;
    }
    if (server.state() == PerfServer::State::kSending) {
      const ByteView chunk = server.next_chunk(server_chunk);
      for (std::uint8_t byte : chunk) transfer.all_zero_payload = transfer.all_zero_payload && byte == 0;
      transfer.server_to_client_bytes += chunk.size();
      EXPECT_TRUE(client.on_data(chunk).ok()) << client.error().message;
      continue;
    }
    EXPECT_EQ(server.state(), PerfServer::State::kDone);
    EXPECT_TRUE(client.on_eof().ok()) << client.error().message;
    return transfer;
  }
  ADD_FAILURE() << "perf transfer did not finish";
  return transfer;
}

TEST(Perf, ClientAndServerTransferExactByteCounts) {
  struct Case {
    std::uint64_t upload;
    std::uint64_t download;
    std::size_t client_chunk;
    std::size_t server_chunk;
  };
  for (const Case& c :
       {Case{0, 0, 1, 1}, Case{1, 0, 1, 1}, Case{0, 1, 3, 1}, Case{100'000, 250'000, 70'000, 4096},
        Case{kPerfChunkBytes, kPerfChunkBytes + 1, kPerfChunkBytes * 2, kPerfChunkBytes * 2},
        Case{12345, 54321, 5, 7}}) {
    auto client = PerfClient::create(c.upload, c.download);
    ASSERT_TRUE(client.ok());
    PerfServer server;
    const Transfer transfer = run(*client, server, c.client_chunk, c.server_chunk);
    EXPECT_EQ(client->state(), PerfClient::State::kDone);
    EXPECT_EQ(transfer.client_to_server_bytes, kPerfHeaderBytes + c.upload);
    EXPECT_EQ(transfer.server_to_client_bytes, c.download);
    EXPECT_EQ(client->uploaded_bytes(), c.upload);
    EXPECT_EQ(client->downloaded_bytes(), c.download);
    EXPECT_EQ(server.requested_bytes(), c.download);
    EXPECT_EQ(server.received_bytes(), c.upload);
    EXPECT_EQ(server.sent_bytes(), c.download);
    EXPECT_TRUE(transfer.all_zero_payload);
  }
}

TEST(Perf, RandomSizesAndChunkingTransferExactly) {
  for (std::uint64_t seed : property_seeds(16)) {
    Rng rng(seed);
    const std::uint64_t upload = rng.below(300'000);
    const std::uint64_t download = rng.below(300'000);
    auto client = PerfClient::create(upload, download);
    ASSERT_TRUE(client.ok());
    PerfServer server;
    const Transfer transfer = run(*client, server, 1 + rng.below(100'000), 1 + rng.below(100'000));
    EXPECT_EQ(transfer.client_to_server_bytes, kPerfHeaderBytes + upload) << seed_note(seed);
    EXPECT_EQ(transfer.server_to_client_bytes, download) << seed_note(seed);
    EXPECT_EQ(client->state(), PerfClient::State::kDone) << seed_note(seed);
  }
}

TEST(Perf, HeaderIsBigEndianRequestSize) {
  auto client = PerfClient::create(0, 0x0102030405060708ull, ~std::uint64_t{0});
  ASSERT_TRUE(client.ok());
  const ByteView header = client->next_chunk(100);
  EXPECT_EQ(codec::hex_encode(header), "0102030405060708");
  EXPECT_TRUE(client->upload_done());

  PerfServer server(~std::uint64_t{0});
  for (std::uint8_t byte : header) ASSERT_TRUE(server.on_data(ByteView(&byte, 1)).ok());
  EXPECT_EQ(server.requested_bytes(), 0x0102030405060708ull);
  EXPECT_EQ(server.state(), PerfServer::State::kDraining);
}

TEST(Perf, ChunksRespectTheNamedBlockSize) {
  auto client = PerfClient::create(3 * kPerfChunkBytes, 0);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(client->next_chunk(1'000'000).size(), kPerfHeaderBytes);
  EXPECT_EQ(client->next_chunk(1'000'000).size(), kPerfChunkBytes);
  EXPECT_EQ(client->next_chunk(10).size(), 10u);
  EXPECT_EQ(client->uploaded_bytes(), kPerfChunkBytes + 10);
}

TEST(Perf, ServerEnforcesTheTransferBound) {
  const std::uint64_t bound = 1000;
  PerfServer greedy(bound);
  auto greedy_client = PerfClient::create(0, bound + 1, ~std::uint64_t{0});
  auto status = greedy.on_data(greedy_client->next_chunk(8));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kLimitExceeded);
  EXPECT_EQ(greedy.state(), PerfServer::State::kFailed);

  PerfServer flooded(bound);
  ASSERT_TRUE(flooded.on_data(Bytes(kPerfHeaderBytes, 0)).ok());
  ASSERT_TRUE(flooded.on_data(Bytes(bound, 0)).ok());  // exactly the bound
  auto over = flooded.on_data(Bytes(1, 0));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::kLimitExceeded);

  EXPECT_FALSE(PerfClient::create(kMaxPerfTransferBytes + 1, 0).ok());
  EXPECT_FALSE(PerfClient::create(0, kMaxPerfTransferBytes + 1).ok());
  EXPECT_TRUE(PerfClient::create(kMaxPerfTransferBytes, kMaxPerfTransferBytes).ok());
  EXPECT_EQ(kMaxPerfTransferBytes, 16ull * 1024 * 1024 * 1024);
}

TEST(Perf, ProtocolViolationsAreErrors) {
  PerfServer short_header;
  ASSERT_TRUE(short_header.on_data(Bytes(5, 0)).ok());
  auto eof = short_header.on_eof();
  ASSERT_FALSE(eof.ok());
  EXPECT_EQ(eof.error().code, Errc::kTruncated);

  // The server must not answer before the upload ends.
  auto early = PerfClient::create(10, 10);
  early->next_chunk(8);
  EXPECT_FALSE(early->on_data(Bytes(1, 0)).ok());
  EXPECT_EQ(early->state(), PerfClient::State::kFailed);

  // Too many bytes back, or too few before EOF.
  auto too_many = PerfClient::create(0, 4);
  too_many->next_chunk(8);
  EXPECT_FALSE(too_many->on_data(Bytes(5, 0)).ok());
  auto too_few = PerfClient::create(0, 4);
  too_few->next_chunk(8);
  ASSERT_TRUE(too_few->on_data(Bytes(3, 0)).ok());
  auto short_eof = too_few->on_eof();
  ASSERT_FALSE(short_eof.ok());
  EXPECT_EQ(short_eof.error().code, Errc::kTruncated);

  // Nothing arrives after EOF.
  PerfServer closed;
  ASSERT_TRUE(closed.on_data(Bytes(kPerfHeaderBytes, 0)).ok());
  ASSERT_TRUE(closed.on_eof().ok());
  EXPECT_EQ(closed.state(), PerfServer::State::kDone);  // 0 bytes requested
  EXPECT_FALSE(closed.on_data(Bytes(1, 0)).ok());
}

}  // namespace
}  // namespace ff::net
