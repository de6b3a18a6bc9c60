#include "node/fabric/fabric_runtime.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first
#include <vector>

namespace ff::node {
namespace {

constexpr const char* kPeer = "12D3KooWGC1ir7tYfhkDDnzWNzprdQDreX4HnbDFULaLWGbqe9UN";
constexpr auto kWaitBound = std::chrono::seconds(20);

// What the tests see of, and do to, the journal file's syncs (shared with the journal
// thread, hence the mutex). Until armed, syncs pass straight through (open_journal syncs).
struct SyncProbe {
  std::mutex mutex;
  std::condition_variable changed;
  bool armed = false;
  bool gate_open = true;                         // while false, an armed sync waits before it runs
  bool fail = false;                             // an armed sync fails instead of running
  int syncs_started = 0;                         // armed syncs entered
  std::vector<std::uint64_t> synced_file_bytes;  // file size each armed sync made durable

  void open_gate() {
    {
      std::lock_guard lock(mutex);
      gate_open = true;
    }
    changed.notify_all();
  }
  bool wait_for_syncs_started(int count) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, kWaitBound, [&] { return syncs_started >= count; });
  }
};

class ProbedFile final : public journal::StorageFile {
 public:
  ProbedFile(std::unique_ptr<journal::StorageFile> inner, std::shared_ptr<SyncProbe> probe)
      : inner_(std::move(inner)), probe_(std::move(probe)) {}
  Result<std::uint64_t> size() override { return inner_->size(); }
  Result<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    return inner_->read(offset, out);
  }
  Status append(ByteView data) override { return inner_->append(data); }
  Status truncate(std::uint64_t size) override { return inner_->truncate(size); }
  Status sync() override {
    std::unique_lock lock(probe_->mutex);
    if (!probe_->armed) {
      lock.unlock();
      return inner_->sync();
    }
    ++probe_->syncs_started;
    probe_->changed.notify_all();
    probe_->changed.wait(lock, [&] { return probe_->gate_open; });
    if (probe_->fail) return make_error(Errc::kIo, "injected sync failure");
    FF_TRY(inner_->sync());
    FF_TRY_ASSIGN(const std::uint64_t bytes, inner_->size());
    probe_->synced_file_bytes.push_back(bytes);
    return {};
  }

 private:
  std::unique_ptr<journal::StorageFile> inner_;
  std::shared_ptr<SyncProbe> probe_;
};

class ProbedStorage final : public journal::Storage {
 public:
  ProbedStorage(std::unique_ptr<journal::Storage> inner, std::shared_ptr<SyncProbe> probe)
      : inner_(std::move(inner)), probe_(std::move(probe)) {}
  Result<std::unique_ptr<journal::StorageFile>> open(std::string_view name, journal::OpenMode mode) override {
    FF_TRY_ASSIGN(std::unique_ptr<journal::StorageFile> file, inner_->open(name, mode));
    return std::unique_ptr<journal::StorageFile>(std::make_unique<ProbedFile>(std::move(file), probe_));
  }
  Result<bool> exists(std::string_view name) override { return inner_->exists(name); }
  Status replace(std::string_view source, std::string_view target) override {
    return inner_->replace(source, target);
  }
  Status remove(std::string_view name) override { return inner_->remove(name); }

 private:
  std::unique_ptr<journal::Storage> inner_;
  std::shared_ptr<SyncProbe> probe_;
};

// Opens the gate when a test ends, even on a failed assertion: the runtime's destructor
// joins the journal thread, which would otherwise wait at the gate forever.
struct GateOpener {
  std::shared_ptr<SyncProbe> probe;
  ~GateOpener() { probe->open_gate(); }
};

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
      fabric::Sovereignty sovereignty = fabric::Sovereignty::kAuthority,
      std::shared_ptr<SyncProbe> probe = nullptr) {
    RuntimeOptions options;
    if (probe) {
      options.wrap_journal_storage = [probe](std::unique_ptr<journal::Storage> inner) {
        return std::unique_ptr<journal::Storage>(std::make_unique<ProbedStorage>(std::move(inner), probe));
      };
    }
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

  std::uint64_t journal_file_bytes_on_disk() const {
    struct stat status {};
    if (::stat((dir_ + "/journal/" + kJournalFileName).c_str(), &status) != 0) return 0;
    return static_cast<std::uint64_t>(status.st_size);
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
  // One record per write, after the start's Session record.
  EXPECT_EQ((*runtime)->metrics().fabric.journal_records, 51u);
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

TEST_F(FabricRuntimeTest, TheLoopKeepsRunningDuringASlowSyncAndTheNextSyncCoversEveryWriteMadeMeanwhile) {
  auto probe = std::make_shared<SyncProbe>();
  boost::asio::io_context io;
  auto runtime = make(io, true, fabric::Sovereignty::kAuthority, probe);
  ASSERT_TRUE(runtime.ok()) << runtime.error().message;
  GateOpener opener{probe};
  {
    std::lock_guard lock(probe->mutex);
    probe->armed = true;
    probe->gate_open = false;
  }
  int done = 0;
  auto count_ok = [&](WriteOutcome o) {
    EXPECT_TRUE(o.status.ok()) << o.status.error().message;
    ++done;
  };
  (*runtime)->write(counter_op("hits", 1), count_ok);
  // The first sync starts on its own thread, with no help from the loop, and hangs there.
  ASSERT_TRUE(probe->wait_for_syncs_started(1)) << "the journal was never synced off the loop";
  constexpr int kDuringSync = 40;
  for (int i = 0; i < kDuringSync; ++i) (*runtime)->write(counter_op("hits", 1), count_ok);
  bool loop_ran = false;
  boost::asio::post(io, [&] { loop_ran = true; });
  io.run_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(loop_ran) << "the event loop is blocked by the sync";
  EXPECT_EQ(done, 0) << "a write completed before the journal held it durably";
  EXPECT_EQ((*runtime)->object_json("hits").value(), std::to_string(1 + kDuringSync));

  probe->open_gate();
  run_until(io, [&] { return done == 1 + kDuringSync; });
  EXPECT_EQ(done, 1 + kDuringSync);
  std::lock_guard lock(probe->mutex);
  // Group commit: the writes made during the slow sync wait for one more sync, not one each.
  ASSERT_EQ(probe->synced_file_bytes.size(), 2u);
  EXPECT_LT(probe->synced_file_bytes[0], probe->synced_file_bytes[1]);
  EXPECT_EQ(probe->synced_file_bytes[1], journal_file_bytes_on_disk()) << "the last sync missed records";
  EXPECT_EQ(probe->synced_file_bytes[1], (*runtime)->metrics().journal_file_bytes);
}

TEST_F(FabricRuntimeTest, ShutdownWithWritesInFlightSyncsThemBeforeItReturns) {
  auto probe = std::make_shared<SyncProbe>();
  constexpr int kInFlight = 25;
  std::string first_replica;
  {
    boost::asio::io_context io;
    auto runtime = make(io, true, fabric::Sovereignty::kAuthority, probe);
    ASSERT_TRUE(runtime.ok()) << runtime.error().message;
    first_replica = nlohmann::json::parse((*runtime)->node_json())["replica_id"];
    GateOpener opener{probe};
    {
      std::lock_guard lock(probe->mutex);
      probe->armed = true;
      probe->gate_open = false;
    }
    int failed = 0;
    auto count_failed = [&](WriteOutcome o) {
      if (!o.status.ok()) ++failed;
    };
    (*runtime)->write(counter_op("hits", 1), count_failed);
    ASSERT_TRUE(probe->wait_for_syncs_started(1));
    for (int i = 1; i < kInFlight; ++i) (*runtime)->write(counter_op("hits", 1), count_failed);
    // Shutdown must wait for the slow sync and then sync the records queued behind it; the
    // gate opens from another thread while it waits (or before it starts: either way the
    // records must be durable when it returns).
    std::thread releaser([probe] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      probe->open_gate();
    });
    (*runtime)->shutdown();
    releaser.join();
    EXPECT_EQ(failed, kInFlight) << "shutdown answers every waiting write";
    std::lock_guard lock(probe->mutex);
    ASSERT_FALSE(probe->synced_file_bytes.empty());
    EXPECT_EQ(probe->synced_file_bytes.back(), journal_file_bytes_on_disk())
        << "records were left unsynced at shutdown";
  }
  boost::asio::io_context io;
  auto again = make(io);
  ASSERT_TRUE(again.ok()) << again.error().message;
  // The writes between the first start's Session record and the clean stop's Shutdown.
  EXPECT_EQ((*again)->recovered_records(), static_cast<std::size_t>(kInFlight) + 2);
  EXPECT_EQ((*again)->object_json("hits").value(), std::to_string(kInFlight));
  EXPECT_EQ(nlohmann::json::parse((*again)->node_json())["replica_id"], first_replica)
      << "a clean stop keeps the replica";
}

TEST_F(FabricRuntimeTest, AFailedSyncGoesToTheFatalHandlerAndTheWriteNeverCompletes) {
  auto probe = std::make_shared<SyncProbe>();
  boost::asio::io_context io;
  auto runtime = make(io, true, fabric::Sovereignty::kAuthority, probe);
  ASSERT_TRUE(runtime.ok()) << runtime.error().message;
  {
    std::lock_guard lock(probe->mutex);
    probe->armed = true;
    probe->fail = true;
  }
  std::optional<std::string> fatal;
  (*runtime)->set_fatal_handler([&](const std::string& message) { fatal = message; });
  std::optional<WriteOutcome> outcome;
  (*runtime)->write(counter_op("hits", 1), [&](WriteOutcome o) { outcome = std::move(o); });
  run_until(io, [&] { return fatal.has_value(); });
  ASSERT_TRUE(fatal) << "the journal failure never reached the fatal handler";
  EXPECT_NE(fatal->find("injected sync failure"), std::string::npos) << *fatal;
  EXPECT_FALSE(outcome && outcome->status.ok()) << "a write completed though its sync failed";
  std::optional<WriteOutcome> later;
  (*runtime)->write(counter_op("hits", 1), [&](WriteOutcome o) { later = std::move(o); });
  ASSERT_TRUE(later) << "a write after the journal failed must be refused at once";
  ASSERT_FALSE(later->status.ok());
  EXPECT_EQ(later->status.error().code, Errc::kUnavailable);
}

TEST_F(FabricRuntimeTest, AWatchAnswersAtTheObjectsNextChangeOrAtItsDeadline) {
  boost::asio::io_context io;
  auto runtime = make(io);
  ASSERT_TRUE(runtime.ok()) << runtime.error().message;
  int done = 0;
  (*runtime)->write(counter_op("hits", 1), [&](WriteOutcome) { ++done; });
  run_until(io, [&] { return done == 1; });
  const std::uint64_t version = (*runtime)->object_version("hits");
  EXPECT_GE(version, 1u);
  EXPECT_EQ((*runtime)->object_version("never-written"), 0u);

  bool changed = false;
  (*runtime)->watch("hits", version, std::chrono::milliseconds(10'000), [&] { changed = true; });
  bool other = false;
  (*runtime)->watch("other", 0, std::chrono::milliseconds(10'000), [&] { other = true; });
  io.poll();
  EXPECT_FALSE(changed) << "nothing changed yet";
  (*runtime)->write(counter_op("hits", 1), [&](WriteOutcome) { ++done; });
  run_until(io, [&] { return changed; });
  EXPECT_TRUE(changed);
  EXPECT_GT((*runtime)->object_version("hits"), version);
  EXPECT_FALSE(other) << "a change of another object does not answer";

  // Already newer than `after`: at once. No change before the deadline: at the deadline.
  bool at_once = false;
  (*runtime)->watch("hits", 0, std::chrono::milliseconds(10'000), [&] { at_once = true; });
  EXPECT_TRUE(at_once);
  bool timed_out = false;
  const auto start = std::chrono::steady_clock::now();
  (*runtime)->watch("hits", (*runtime)->object_version("hits"), std::chrono::milliseconds(30),
                    [&] { timed_out = true; });
  run_until(io, [&] { return timed_out; });
  EXPECT_TRUE(timed_out);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(30));
  // Shutdown answers whoever still waits.
  (*runtime)->shutdown();
  EXPECT_TRUE(other);
}

}  // namespace
}  // namespace ff::node
