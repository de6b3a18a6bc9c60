#include "node/storage/file_storage.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/journal/journal_writer.hpp"
#include "core/journal/recovery.hpp"
#include "core/journal/reporter.hpp"

namespace ff::node {
namespace {

using journal::AckState;
using journal::CollectingReporter;
using journal::JournalOptions;
using journal::open_journal;
using journal::OpenMode;

// A fresh directory from mkdtemp, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ff-file-storage-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

std::unique_ptr<FileStorage> open_storage(const TempDir& dir) {
  auto storage = FileStorage::open(dir.path());
  EXPECT_TRUE(storage.ok()) << (storage.ok() ? "" : storage.error().message);
  return storage.ok() ? std::move(storage).value() : nullptr;
}

TEST(FileStorage, AppendedBytesAreReadBackAfterReopening) {
  TempDir dir;
  {
    auto storage = open_storage(dir);
    auto file = storage->open("data", OpenMode::kCreate);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->append(as_bytes("hello ")).ok());
    ASSERT_TRUE((*file)->append(as_bytes("world")).ok());
    ASSERT_TRUE((*file)->sync().ok());
    EXPECT_EQ(*(*file)->size(), 11u);
  }
  auto storage = open_storage(dir);
  auto file = storage->open("data", OpenMode::kExisting);
  ASSERT_TRUE(file.ok());
  std::array<std::uint8_t, 32> out{};
  EXPECT_EQ(*(*file)->read(0, out), 11u);
  EXPECT_EQ(as_chars(ByteView(out.data(), 11)), "hello world");
  EXPECT_EQ(*(*file)->read(6, std::span<std::uint8_t>(out.data(), 3)), 3u);
  EXPECT_EQ(*(*file)->read(11, out), 0u);
  // Opening with kCreate does not truncate an existing file.
  auto again = storage->open("data", OpenMode::kCreate);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->size(), 11u);
}

TEST(FileStorage, TruncateCutsTheFileAndAppendsContinueAtTheNewEnd) {
  TempDir dir;
  auto storage = open_storage(dir);
  auto file = storage->open("data", OpenMode::kCreate);
  ASSERT_TRUE((*file)->append(as_bytes("abcdef")).ok());
  ASSERT_TRUE((*file)->truncate(2).ok());
  ASSERT_TRUE((*file)->append(as_bytes("XY")).ok());
  EXPECT_EQ(std::filesystem::file_size(dir.file("data")), 4u);
  std::array<std::uint8_t, 4> out{};
  ASSERT_EQ(*(*file)->read(0, out), 4u);
  EXPECT_EQ(as_chars(ByteView(out.data(), 4)), "abXY");
}

TEST(FileStorage, MissingFileIsNotFoundAndTheErrorNamesThePath) {
  TempDir dir;
  auto storage = open_storage(dir);
  auto file = storage->open("absent.journal", OpenMode::kExisting);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code, Errc::kNotFound);
  EXPECT_EQ(file.error().message,
            "journal: cannot open " + dir.file("absent.journal") + ": No such file or directory");
  EXPECT_FALSE(*storage->exists("absent.journal"));
}

TEST(FileStorage, OpeningADirectoryAsAFileNamesThePathAndTheReason) {
  TempDir dir;
  ASSERT_EQ(::mkdir(dir.file("sub").c_str(), 0755), 0);
  auto storage = open_storage(dir);
  auto file = storage->open("sub", OpenMode::kCreate);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code, Errc::kIo);
  EXPECT_EQ(file.error().message, "journal: cannot open " + dir.file("sub") + ": Is a directory");
}

TEST(FileStorage, MissingDirectoryIsNotFound) {
  TempDir dir;
  auto storage = FileStorage::open(dir.file("no-such-dir"));
  ASSERT_FALSE(storage.ok());
  EXPECT_EQ(storage.error().code, Errc::kNotFound);
  EXPECT_NE(storage.error().message.find(dir.file("no-such-dir")), std::string::npos);
}

TEST(FileStorage, UnwritableDirectoryReportsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores permission bits";
  TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0500), 0);
  auto storage = open_storage(dir);
  auto file = storage->open("x.journal", OpenMode::kCreate);
  ::chmod(dir.path().c_str(), 0700);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().message, "journal: cannot create " + dir.file("x.journal") + ": Permission denied");
}

TEST(FileStorage, ReplaceSwapsContentAtomicallyAndHandlesKeepTheirFiles) {
  TempDir dir;
  auto storage = open_storage(dir);
  auto old_file = storage->open("journal", OpenMode::kCreate);
  ASSERT_TRUE((*old_file)->append(as_bytes("old")).ok());
  auto new_file = storage->open("journal.compact", OpenMode::kCreate);
  ASSERT_TRUE((*new_file)->append(as_bytes("new")).ok());
  ASSERT_TRUE((*new_file)->sync().ok());
  ASSERT_TRUE(storage->replace("journal.compact", "journal").ok());
  EXPECT_FALSE(*storage->exists("journal.compact"));
  auto reopened = storage->open("journal", OpenMode::kExisting);
  std::array<std::uint8_t, 3> out{};
  ASSERT_EQ(*(*reopened)->read(0, out), 3u);
  EXPECT_EQ(as_chars(ByteView(out.data(), 3)), "new");
  // As with POSIX descriptors: the old handle still reads the replaced file, the new
  // handle appends to what is now "journal".
  ASSERT_EQ(*(*old_file)->read(0, out), 3u);
  EXPECT_EQ(as_chars(ByteView(out.data(), 3)), "old");
  ASSERT_TRUE((*new_file)->append(as_bytes("!")).ok());
  EXPECT_EQ(std::filesystem::file_size(dir.file("journal")), 4u);
  ASSERT_TRUE(storage->remove("journal").ok());
  EXPECT_EQ(storage->remove("journal").error().code, Errc::kNotFound);
}

TEST(FileStorage, JournalSurvivesReopeningTheProcessStorage) {
  TempDir dir;
  {
    auto storage = open_storage(dir);
    CollectingReporter reporter;
    auto opened = open_journal(*storage, "alpha.journal", JournalOptions{}, reporter);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(opened->writer
                      .append(as_bytes("record " + std::to_string(i)),
                              i % 10 == 0 ? AckState::kUnacknowledged : AckState::kAcknowledged)
                      .ok());
    }
    ASSERT_EQ(*opened->writer.commit(), 100u);
  }
  auto storage = open_storage(dir);
  CollectingReporter reporter;
  auto opened = open_journal(*storage, "alpha.journal", JournalOptions{}, reporter);
  ASSERT_TRUE(opened.ok());
  ASSERT_EQ(opened->state.records.size(), 100u);
  EXPECT_EQ(as_chars(opened->state.records[42].payload), "record 42");
  EXPECT_EQ(opened->state.unacknowledged().size(), 10u);
  EXPECT_EQ(reporter.count(), 0u);
}

TEST(FileStorage, TornTailMadeByTruncatingTheRealFileIsIgnoredAndCutOff) {
  TempDir dir;
  std::uint64_t second_end = 0;
  {
    auto storage = open_storage(dir);
    CollectingReporter reporter;
    auto opened = open_journal(*storage, "j", JournalOptions{}, reporter);
    ASSERT_TRUE(opened.ok());
    ASSERT_TRUE(opened->writer.append(Bytes(100, 1)).ok());
    ASSERT_TRUE(opened->writer.append(Bytes(100, 2)).ok());
    second_end = opened->writer.file_bytes();
    ASSERT_TRUE(opened->writer.append(Bytes(100, 3)).ok());
    ASSERT_TRUE(opened->writer.commit().ok());
  }
  // The writer "died" 40 bytes into the third record.
  ASSERT_EQ(::truncate(dir.file("j").c_str(), static_cast<off_t>(second_end + 40)), 0);

  auto storage = open_storage(dir);
  CollectingReporter reporter;
  {
    auto opened = open_journal(*storage, "j", JournalOptions{}, reporter);
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(reporter.count(), 0u) << reporter.summary();
    ASSERT_EQ(opened->state.records.size(), 2u);
    EXPECT_EQ(std::filesystem::file_size(dir.file("j")), second_end);  // the tear is cut off
    ASSERT_EQ(*opened->writer.append(Bytes(7, 9)), 3u);
    ASSERT_TRUE(opened->writer.commit().ok());
  }
  auto opened = open_journal(*storage, "j", JournalOptions{}, reporter);
  ASSERT_TRUE(opened.ok());
  ASSERT_EQ(opened->state.records.size(), 3u);
  EXPECT_EQ(opened->state.records[2].payload, Bytes(7, 9));
  EXPECT_EQ(reporter.count(), 0u) << reporter.summary();
}

TEST(FileStorage, CompactionReplacesTheJournalFile) {
  TempDir dir;
  auto storage = open_storage(dir);
  CollectingReporter reporter;
  auto opened = open_journal(*storage, "j", JournalOptions{}, reporter);
  ASSERT_TRUE(opened.ok());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(opened->writer.append(Bytes(200, 1)).ok());
  ASSERT_TRUE(opened->writer.append(as_bytes("unacked"), AckState::kUnacknowledged).ok());
  ASSERT_TRUE(opened->writer.append(as_bytes("last")).ok());
  ASSERT_TRUE(opened->writer.compact(51, as_bytes("state"), reporter).ok());
  EXPECT_LT(std::filesystem::file_size(dir.file("j")), 200u);
  EXPECT_FALSE(std::filesystem::exists(dir.file("j.compact")));
  ASSERT_TRUE(opened->writer.append(as_bytes("after")).ok());
  ASSERT_TRUE(opened->writer.commit().ok());

  auto reopened = open_journal(*storage, "j", JournalOptions{}, reporter);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(as_chars(reopened->state.snapshot->state), "state");
  ASSERT_EQ(reopened->state.records.size(), 3u);  // 51 unacked, 52, 53
  EXPECT_EQ(reopened->state.records[0].sequence, 51u);
  EXPECT_EQ(reopened->state.records[2].sequence, 53u);
  EXPECT_EQ(reporter.count(), 0u);
}

}  // namespace
}  // namespace ff::node
