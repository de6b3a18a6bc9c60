// Journal throughput on real files (node::FileStorage), one JSON line per measurement:
//   {"bench":"journal_append","record_bytes":64,"mode":"buffered",...,"appends_per_s":...}
//   {"bench":"journal_append","record_bytes":64,"mode":"group_commit_fsync","appends_per_fsync":64,...}
//   {"bench":"journal_append","record_bytes":64,"mode":"fsync_per_record","appends_per_fsync":1,...}
//   {"bench":"journal_recovery","record_bytes":64,"bytes":...,"mb_per_s":...}
// Modes: "buffered" appends with no sync at all (the writer hands 64 KiB buffers to the
// kernel; appends_per_fsync 0); "group_commit_fsync" commits (one fdatasync) after every kGroupCommitBatch
// appends, as a runtime batching concurrent writers does; "fsync_per_record" commits after every append.
// Recovery reopens the buffered journal (page cache warm, as after a process restart rather than a reboot)
// and times open_journal: reading, checking both CRCs of every fragment, decoding entries and building the
// state. MB = 1e6 bytes.
//
// Usage: bench_journal [DIR]   (default: a fresh directory under /tmp, removed afterwards).
// Each measurement runs for at least kMinSeconds or up to its append cap.
//
// The WebAssembly build (Emscripten builds every benchmark) has no node::FileStorage: it
// runs the buffered and recovery measurements over MemoryStorage, with smaller caps, and
// says "fs":"memory"; there is no fsync to measure.
#if !defined(__EMSCRIPTEN__)
#include <sys/vfs.h>
#endif

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>

#include "core/bytes.hpp"
#include "core/journal/journal_writer.hpp"
#include "core/journal/memory_storage.hpp"
#include "core/journal/reporter.hpp"
#include "core/rng.hpp"
#if !defined(__EMSCRIPTEN__)
#include "node/storage/file_storage.hpp"
#endif

namespace {

using Clock = std::chrono::steady_clock;
using ff::journal::CollectingReporter;
using ff::journal::JournalOptions;

constexpr double kMinSeconds = 1.0;
constexpr std::size_t kGroupCommitBatch = 64;
constexpr std::size_t kRecordSizes[] = {64, 4096};
// Caps keep each journal file around 100 MB (16 MB in memory).
#if defined(__EMSCRIPTEN__)
constexpr std::uint64_t kBufferedBytesCap = std::uint64_t{16} << 20;
#else
constexpr std::uint64_t kBufferedBytesCap = std::uint64_t{100} << 20;
#endif
constexpr std::uint64_t kFsyncAppendsCap = 200000;

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "bench_journal: %s\n", message.c_str());
  std::exit(1);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

#if !defined(__EMSCRIPTEN__)
std::string filesystem_name(const std::string& dir) {
  struct statfs info {};
  if (::statfs(dir.c_str(), &info) != 0) return "unknown";
  switch (static_cast<unsigned long>(info.f_type)) {
    case 0xEF53: return "ext4";
    case 0x01021994: return "tmpfs";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x794c7630: return "overlayfs";
    default: return "other";
  }
}
#endif

ff::journal::OpenedJournal open_fresh(ff::journal::Storage& storage, const std::string& name,
                                      const JournalOptions& options) {
  if (*storage.exists(name)) (void)storage.remove(name);
  CollectingReporter reporter;
  auto opened = open_journal(storage, name, options, reporter);
  if (!opened.ok()) die(opened.error().message);
  return std::move(opened).value();
}

// Appends `record` in batches of `batch` (commit after each batch when `sync` is set) until
// kMinSeconds have passed and at least one batch ran, or `max_appends` is reached.
void bench_appends(ff::journal::Storage& storage, const std::string& fs, std::size_t record_bytes,
                   const char* mode, std::size_t batch, bool sync, std::uint64_t max_appends) {
  JournalOptions options;
  options.max_unsynced_bytes = std::size_t{1} << 30;  // "buffered" never syncs
  const std::string name = std::string("bench-") + mode + "-" + std::to_string(record_bytes) + ".journal";
  auto opened = open_fresh(storage, name, options);
  ff::Rng rng(record_bytes);
  ff::Bytes record(record_bytes);
  for (auto& byte : record) byte = static_cast<std::uint8_t>(rng.next());

  std::uint64_t appends = 0;
  std::uint64_t commits = 0;
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  while (appends < max_appends) {
    for (std::size_t i = 0; i < batch; ++i) {
      auto sequence = opened.writer.append(record);
      if (!sequence.ok()) die(sequence.error().message);
    }
    appends += batch;
    if (sync) {
      auto durable = opened.writer.commit();
      if (!durable.ok()) die(durable.error().message);
      ++commits;
    }
    // Buffered runs are bounded by bytes, not time: they measure the write path.
    if (sync && seconds_since(start) >= kMinSeconds) break;
  }
  if (!sync) {
    auto flushed = opened.writer.flush();  // hand the tail to the kernel, still no sync
    if (!flushed.ok()) die(flushed.error().message);
  }
  const double elapsed_s = seconds_since(start);
  const double cpu_s = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  std::printf(
      "{\"bench\":\"journal_append\",\"record_bytes\":%zu,\"mode\":\"%s\",\"appends_per_fsync\":%zu,"
      "\"appends\":%llu,"
      "\"commits\":%llu,\"seconds\":%.3f,\"appends_per_s\":%.0f,\"mb_per_s\":%.1f,\"cpu_appends_per_s\":%.0f,"
      "\"file_bytes\":%llu,\"fs\":\"%s\"}\n",
      record_bytes, mode, sync ? batch : 0, static_cast<unsigned long long>(appends),
      static_cast<unsigned long long>(commits), elapsed_s, static_cast<double>(appends) / elapsed_s,
      static_cast<double>(appends * record_bytes) / elapsed_s / 1e6,
      cpu_s > 0 ? static_cast<double>(appends) / cpu_s : 0.0,
      static_cast<unsigned long long>(opened.writer.file_bytes()), fs.c_str());
  std::fflush(stdout);
}

void bench_recovery(ff::journal::Storage& storage, std::size_t record_bytes) {
  const std::string name = "bench-buffered-" + std::to_string(record_bytes) + ".journal";
  CollectingReporter reporter;
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  auto opened = open_journal(storage, name, JournalOptions{}, reporter);
  const double elapsed_s = seconds_since(start);
  const double cpu_s = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  if (!opened.ok()) die(opened.error().message);
  if (reporter.count() != 0) die("recovery reported corruption: " + reporter.summary());
  const double bytes = static_cast<double>(opened->writer.file_bytes());
  std::printf(
      "{\"bench\":\"journal_recovery\",\"record_bytes\":%zu,\"records\":%zu,\"bytes\":%.0f,\"seconds\":%.3f,"
      "\"mb_per_s\":%.1f,\"cpu_mb_per_s\":%.1f,\"records_per_s\":%.0f}\n",
      record_bytes, opened->state.records.size(), bytes, elapsed_s, bytes / elapsed_s / 1e6,
      cpu_s > 0 ? bytes / cpu_s / 1e6 : 0.0, static_cast<double>(opened->state.records.size()) / elapsed_s);
  std::fflush(stdout);
}

void run_all(ff::journal::Storage& storage, const std::string& fs, bool can_sync) {
  for (std::size_t record_bytes : kRecordSizes) {
    bench_appends(storage, fs, record_bytes, "buffered", 1024, false, kBufferedBytesCap / record_bytes);
    if (can_sync) {
      bench_appends(storage, fs, record_bytes, "group_commit_fsync", kGroupCommitBatch, true,
                    kFsyncAppendsCap);
      bench_appends(storage, fs, record_bytes, "fsync_per_record", 1, true, kFsyncAppendsCap);
    }
    bench_recovery(storage, record_bytes);
  }
}

}  // namespace

#if defined(__EMSCRIPTEN__)
int main() {
  ff::journal::MemoryStorage storage;
  run_all(storage, "memory", false);
  return 0;
}
#else
int main(int argc, char** argv) {
  std::string dir;
  bool remove_dir = false;
  if (argc > 1) {
    dir = argv[1];
  } else {
    std::string pattern = "/tmp/ff-bench-journal-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) die("cannot create a directory under /tmp");
    dir = pattern;
    remove_dir = true;
  }
  {
    auto storage = ff::node::FileStorage::open(dir);
    if (!storage.ok()) die(storage.error().message);
    run_all(**storage, filesystem_name(dir), true);
  }
  std::error_code ignored;
  if (remove_dir) {
    std::filesystem::remove_all(dir, ignored);
  } else {
    for (const auto& entry : std::filesystem::directory_iterator(dir, ignored)) {
      const std::string file = entry.path().filename().string();
      if (file.rfind("bench-", 0) == 0) std::filesystem::remove(entry.path(), ignored);
    }
  }
  return 0;
}
#endif
