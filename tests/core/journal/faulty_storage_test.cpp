#include "core/journal/faulty_storage.hpp"

#include <gtest/gtest.h>

#include "tests/support/seeds.hpp"

namespace ff::journal {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;

std::unique_ptr<StorageFile> open_file(Storage& storage, std::string_view name) {
  auto file = storage.open(name, OpenMode::kCreate);
  EXPECT_TRUE(file.ok());
  return file.ok() ? std::move(file).value() : nullptr;
}

TEST(FaultyStorage, CrashWithoutTornWritesKeepsExactlyTheSyncedBytes) {
  Rng rng(1);
  FaultyStorage::Options options;
  options.torn_writes = false;
  FaultyStorage storage(rng, options);
  auto file = open_file(storage, "f");
  ASSERT_TRUE(file->append(as_bytes("synced")).ok());
  ASSERT_TRUE(file->sync().ok());
  ASSERT_TRUE(file->append(as_bytes(" lost")).ok());
  EXPECT_EQ(*storage.contents("f"), to_bytes("synced lost"));
  storage.crash();
  EXPECT_EQ(*storage.contents("f"), to_bytes("synced"));
}

TEST(FaultyStorage, TornCrashKeepsAPrefixOfTheUnsyncedTail) {
  bool saw_partial = false;
  for (std::uint64_t seed : property_seeds(50)) {
    Rng rng(seed);
    FaultyStorage storage(rng);
    auto file = open_file(storage, "f");
    ASSERT_TRUE(file->append(as_bytes("durable|")).ok());
    ASSERT_TRUE(file->sync().ok());
    ASSERT_TRUE(file->append(as_bytes("0123456789")).ok());
    storage.crash();
    const Bytes after = *storage.contents("f");
    const Bytes full = to_bytes("durable|0123456789");
    ASSERT_GE(after.size(), 8u) << seed_note(seed);
    ASSERT_TRUE(std::equal(after.begin(), after.end(), full.begin())) << seed_note(seed);
    saw_partial |= after.size() > 8 && after.size() < full.size();
  }
  EXPECT_TRUE(saw_partial);
}

TEST(FaultyStorage, HandlesFromBeforeACrashAreStale) {
  Rng rng(2);
  FaultyStorage storage(rng);
  auto file = open_file(storage, "f");
  storage.crash();
  auto status = file->append(as_bytes("x"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kIo);
  EXPECT_FALSE(file->size().ok());
  auto fresh = storage.open("f", OpenMode::kExisting);
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE((*fresh)->append(as_bytes("x")).ok());
}

TEST(FaultyStorage, FailedOperationHasNoEffectAndLaterOnesWork) {
  Rng rng(3);
  FaultyStorage storage(rng);
  auto file = open_file(storage, "f");
  storage.fail_operation(1);
  EXPECT_TRUE(file->append(as_bytes("a")).ok());
  EXPECT_FALSE(file->append(as_bytes("b")).ok());
  EXPECT_TRUE(file->append(as_bytes("c")).ok());
  EXPECT_EQ(*storage.contents("f"), to_bytes("ac"));
  EXPECT_FALSE(storage.halted());
}

TEST(FaultyStorage, InjectedCrashHaltsEverythingUntilCrashIsCalled) {
  Rng rng(4);
  FaultyStorage storage(rng);
  auto file = open_file(storage, "f");
  ASSERT_TRUE(file->append(as_bytes("a")).ok());
  ASSERT_TRUE(file->sync().ok());
  storage.crash_at_operation(0);
  EXPECT_FALSE(file->append(as_bytes("b")).ok());
  EXPECT_TRUE(storage.halted());
  EXPECT_FALSE(file->size().ok());
  EXPECT_FALSE(storage.exists("f").ok());
  storage.crash();
  EXPECT_FALSE(storage.halted());
  const Bytes after = *storage.contents("f");
  EXPECT_TRUE(after == to_bytes("a") || after == to_bytes("ab"));
}

TEST(FaultyStorage, TruncateIsNotDurableUntilSync) {
  Rng rng(5);
  FaultyStorage::Options options;
  options.torn_writes = false;
  FaultyStorage storage(rng, options);
  auto file = open_file(storage, "f");
  ASSERT_TRUE(file->append(as_bytes("abcdef")).ok());
  ASSERT_TRUE(file->sync().ok());
  ASSERT_TRUE(file->truncate(2).ok());
  storage.crash();
  EXPECT_EQ(*storage.contents("f"), to_bytes("abcdef"));
  auto again = storage.open("f", OpenMode::kExisting);
  ASSERT_TRUE((*again)->truncate(2).ok());
  ASSERT_TRUE((*again)->sync().ok());
  storage.crash();
  EXPECT_EQ(*storage.contents("f"), to_bytes("ab"));
}

TEST(FaultyStorage, RenamingAnUnsyncedFileCanLoseItsContent) {
  // The bug compaction must avoid: rename before sync.
  Rng rng(6);
  FaultyStorage::Options options;
  options.torn_writes = false;
  FaultyStorage storage(rng, options);
  auto file = open_file(storage, "new");
  ASSERT_TRUE(file->append(as_bytes("content")).ok());
  ASSERT_TRUE(storage.replace("new", "target").ok());
  storage.crash();
  EXPECT_TRUE(storage.contents("target")->empty());
  EXPECT_FALSE(*storage.exists("new"));
}

TEST(FaultyStorage, InterruptedReplaceEitherHappenedOrNot) {
  bool saw_done = false;
  bool saw_not_done = false;
  for (std::uint64_t seed : property_seeds(40)) {
    Rng rng(seed);
    FaultyStorage storage(rng);
    auto old_file = open_file(storage, "target");
    ASSERT_TRUE(old_file->append(as_bytes("old")).ok());
    ASSERT_TRUE(old_file->sync().ok());
    auto new_file = open_file(storage, "new");
    ASSERT_TRUE(new_file->append(as_bytes("new")).ok());
    ASSERT_TRUE(new_file->sync().ok());
    storage.crash_at_operation(0);
    EXPECT_FALSE(storage.replace("new", "target").ok());
    storage.crash();
    const Bytes target = *storage.contents("target");
    if (target == to_bytes("new")) {
      saw_done = true;
      EXPECT_FALSE(*storage.exists("new"));
    } else {
      ASSERT_EQ(target, to_bytes("old")) << seed_note(seed);
      saw_not_done = true;
      EXPECT_TRUE(*storage.exists("new"));
    }
  }
  EXPECT_TRUE(saw_done);
  EXPECT_TRUE(saw_not_done);
}

TEST(FaultyStorage, OperationsAreCounted) {
  Rng rng(7);
  FaultyStorage storage(rng);
  auto file = open_file(storage, "f");            // create: 1
  ASSERT_TRUE(file->append(as_bytes("a")).ok());  // 2
  ASSERT_TRUE(file->sync().ok());                 // 3
  ASSERT_TRUE(file->size().ok());                 // reads are not counted
  ASSERT_TRUE(storage.exists("f").ok());
  auto reopened = storage.open("f", OpenMode::kCreate);  // exists already: not a mutation
  EXPECT_EQ(storage.mutating_operations(), 3u);
}

}  // namespace
}  // namespace ff::journal
