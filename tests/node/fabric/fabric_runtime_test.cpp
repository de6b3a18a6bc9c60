#include "node/fabric/fabric_runtime.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first
#include <vector>

namespace ff::node {
namespace {

constexpr const char* kPeer = "12D3KooWGC1ir7tYfhkDDnzWNzprdQDreX4HnbDFULaLWGbqe9UN";

class FabricRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ff_fabric_runtime_test_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  Result<std::unique_ptr<FabricRuntime>> make(
      boost::asio::io_context& io, bool journal = true,
      fabric::Sovereignty sovereignty = fabric::Sovereignty::kAuthority) {
    RuntimeOptions options;
    options.node.program_id = "Alpha";
    options.node.peer_id = kPeer;
    options.node.sovereignty = sovereignty;
    if (!journal) options.node.replica_id = 77;
    options.journal_dir = journal ? dir_ + "/journal" : "";
    return FabricRuntime::create(io, std::move(options));
  }

  // Runs the loop until every started write answered (bounded: the test fails otherwise).
  static void run_until(boost::asio::io_context& io, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(std::chrono::milliseconds(10));
    }
  }

  static OpRequest counter_op(const std::string& name, std::int64_t amount) {
    OpRequest request;
    request.op = fabric::Op::increment(name, amount);
    return request;
  }

  std::string dir_;
};

TEST_F(FabricRuntimeTest, ALocalWriteCompletesAfterTheJournalCommitAndSurvivesARestart) {
  {
    boost::asio::io_context io;
    auto runtime = make(io);
    ASSERT_TRUE(runtime.ok()) << runtime.error().message;
    std::optional<WriteOutcome> outcome;
    (*runtime)->write(counter_op("hits", 3), [&](WriteOutcome o) { outcome = std::move(o); });
    EXPECT_FALSE(outcome) << "completed before the journal commit ran";
    run_until(io, [&] { return outcome.has_value(); });
    ASSERT_TRUE(outcome);
    ASSERT_TRUE(outcome->status.ok()) << outcome->status.error().message;
    EXPECT_GT(outcome->write.seq, 0u);
    EXPECT_EQ((*runtime)->object_json("hits").value(), "3");
    EXPECT_GT((*runtime)->metrics().journal_file_bytes, 0u);
    (*runtime)->shutdown();
  }
  boost::asio::io_context io;
  auto again = make(io);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_GE((*again)->recovered_records(), 1u);
  auto value = (*again)->object_json("hits");
  ASSERT_TRUE(value.ok()) << value.error().message;
  EXPECT_EQ(*value, "3");
}

TEST_F(FabricRuntimeTest, ManyWritesInOneTurnAllComplete) {
  boost::asio::io_context io;
  auto runtime = make(io);
  ASSERT_TRUE(runtime.ok()) << runtime.error().message;
  int done = 0;
  for (int i = 0; i < 50; ++i) {
    (*runtime)->write(counter_op("hits", 1), [&](WriteOutcome o) {
      EXPECT_TRUE(o.status.ok());
      ++done;
    });
  }
  run_until(io, [&] { return done == 50; });
  EXPECT_EQ(done, 50);
  EXPECT_EQ((*runtime)->object_json("hits").value(), "50");
  EXPECT_EQ((*runtime)->metrics().fabric.journal_records, 50u);
}

TEST_F(FabricRuntimeTest, AnInvalidOpFailsAtOnceWithoutChangingState) {
  boost::asio::io_context io;
  auto runtime = make(io);
  ASSERT_TRUE(runtime.ok()) << runtime.error().message;
  std::optional<WriteOutcome> first;
  (*runtime)->write(counter_op("hits", 1), [&](WriteOutcome o) { first = std::move(o); });
  run_until(io, [&] { return first.has_value(); });
  OpRequest wrong;
  wrong.op = fabric::Op::set_add("hits", "x");  // hits is a counter
  std::optional<WriteOutcome> outcome;
  (*runtime)->write(wrong, [&](WriteOutcome o) { outcome = std::move(o); });
  ASSERT_TRUE(outcome) << "an invalid op must answer at once";
  ASSERT_FALSE(outcome->status.ok());
  EXPECT_EQ(outcome->status.error().code, Errc::kInvalidInput);
  EXPECT_EQ((*runtime)->object_json("hits").value(), "1");
}

TEST_F(FabricRuntimeTest, StrictQuorumWithoutPeersIsUnavailable) {
  boost::asio::io_context io;
  auto runtime = make(io);
  ASSERT_TRUE(runtime.ok()) << runtime.error().message;
  OpRequest request = counter_op("votes", 1);
  request.durability = fabric::DurabilityPolicy::strict_quorum(2);
  std::optional<WriteOutcome> outcome;
  (*runtime)->write(request, [&](WriteOutcome o) { outcome = std::move(o); });
  run_until(io, [&] { return outcome.has_value(); });
  ASSERT_TRUE(outcome);
  ASSERT_FALSE(outcome->status.ok());
  EXPECT_EQ(outcome->status.error().code, Errc::kUnavailable);
}

TEST_F(FabricRuntimeTest, AnEphemeralNodeWritesWithoutAJournal) {
  boost::asio::io_context io;
  auto runtime = make(io, /*journal=*/false, fabric::Sovereignty::kEphemeral);
  ASSERT_TRUE(runtime.ok()) << runtime.error().message;
  std::optional<WriteOutcome> outcome;
  (*runtime)->write(counter_op("hits", 2), [&](WriteOutcome o) { outcome = std::move(o); });
  run_until(io, [&] { return outcome.has_value(); });
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->status.ok());
  EXPECT_EQ((*runtime)->metrics().journal_file_bytes, 0u);
  EXPECT_EQ(::access((dir_ + "/journal").c_str(), F_OK), -1) << "an ephemeral node created a journal";
}

TEST_F(FabricRuntimeTest, AJournalOfAnotherFormatIsRefusedAndKept) {
  ASSERT_EQ(::mkdir((dir_ + "/journal").c_str(), 0700), 0);
  {
    FILE* file = std::fopen((dir_ + "/journal/" + kJournalFileName).c_str(), "wb");
    ASSERT_NE(file, nullptr);
    std::fputs("this is not a journal file at all, not even its header", file);
    std::fclose(file);
  }
  boost::asio::io_context io;
  auto runtime = make(io);
  EXPECT_FALSE(runtime.ok());
  // Refused, not "repaired": the bytes are still there for a human to look at.
  FILE* file = std::fopen((dir_ + "/journal/" + kJournalFileName).c_str(), "rb");
  ASSERT_NE(file, nullptr);
  char buffer[128] = {};
  const std::size_t n = std::fread(buffer, 1, sizeof(buffer) - 1, file);
  std::fclose(file);
  EXPECT_EQ(std::string(buffer, n), "this is not a journal file at all, not even its header");
}

}  // namespace
}  // namespace ff::node
