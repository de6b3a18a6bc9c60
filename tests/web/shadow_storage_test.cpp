// ShadowStorage: what the journal writer does to the shadow must come out of drain() as the
// "truncate, then append" the runtime replays on its copy, so the two files stay equal.
#include "web/bindings/shadow_storage.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::web {
namespace {

Bytes bytes_of(std::initializer_list<int> values) {
  Bytes out;
  for (int v : values) out.push_back(static_cast<std::uint8_t>(v));
  return out;
}

// The runtime's side: applies drained changes to its own copy.
void replay(const ShadowChanges& changes, Bytes& file) {
  if (changes.truncate) file.resize(static_cast<std::size_t>(changes.truncate_bytes));
  file.insert(file.end(), changes.append.begin(), changes.append.end());
}

TEST(ShadowStorageTest, ReadsTheInitialBytesAndAppendsAfterThem) {
  ShadowStorage storage("journal", bytes_of({1, 2, 3}), true);
  auto file = storage.open("journal", journal::OpenMode::kExisting);
  ASSERT_TRUE(file.ok());
  std::array<std::uint8_t, 8> buffer{};
  auto n = (*file)->read(1, buffer);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(buffer[0], 2);
  ASSERT_TRUE((*file)->append(bytes_of({4, 5})).ok());
  EXPECT_EQ(*(*file)->size(), 5u);
  const ShadowChanges changes = storage.drain();
  EXPECT_FALSE(changes.truncate);
  EXPECT_EQ(changes.append, bytes_of({4, 5}));
  EXPECT_TRUE(storage.drain().append.empty()) << "a second drain has nothing new";
}

TEST(ShadowStorageTest, TruncateBelowTheDrainedBytesIsReported) {
  ShadowStorage storage("journal", bytes_of({1, 2, 3, 4}), true);
  auto file = storage.open("journal", journal::OpenMode::kExisting);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->append(bytes_of({5})).ok());
  ASSERT_TRUE((*file)->truncate(2).ok());
  ASSERT_TRUE((*file)->append(bytes_of({9})).ok());
  const ShadowChanges changes = storage.drain();
  EXPECT_TRUE(changes.truncate);
  EXPECT_EQ(changes.truncate_bytes, 2u);
  EXPECT_EQ(changes.append, bytes_of({9}));
}

TEST(ShadowStorageTest, TruncateWithinTheUndrainedTailNeedsNoTruncateOnTheRuntimeSide) {
  ShadowStorage storage("journal", bytes_of({1, 2}), true);
  auto file = storage.open("journal", journal::OpenMode::kExisting);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->append(bytes_of({3, 4, 5})).ok());
  ASSERT_TRUE((*file)->truncate(3).ok());
  const ShadowChanges changes = storage.drain();
  EXPECT_FALSE(changes.truncate);
  EXPECT_EQ(changes.append, bytes_of({3}));
}

TEST(ShadowStorageTest, TruncateBeyondTheEndIsAnError) {
  ShadowStorage storage("journal", bytes_of({1}), true);
  auto file = storage.open("journal", journal::OpenMode::kExisting);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->truncate(2).error().code, Errc::kInvalidInput);
}

TEST(ShadowStorageTest, ReleasedBytesCannotBeReadButTheTailCan) {
  ShadowStorage storage("journal", bytes_of({1, 2, 3}), true);
  auto file = storage.open("journal", journal::OpenMode::kExisting);
  ASSERT_TRUE(file.ok());
  storage.release_base();
  std::array<std::uint8_t, 4> buffer{};
  EXPECT_EQ((*file)->read(0, buffer).error().code, Errc::kIo);
  ASSERT_TRUE((*file)->append(bytes_of({7})).ok());
  auto n = (*file)->read(3, buffer);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(buffer[0], 7);
}

TEST(ShadowStorageTest, OnlyItsOneFileExists) {
  ShadowStorage storage("journal", {}, false);
  EXPECT_FALSE(*storage.exists("journal"));
  EXPECT_EQ(storage.open("journal", journal::OpenMode::kExisting).error().code, Errc::kNotFound);
  ASSERT_TRUE(storage.open("journal", journal::OpenMode::kCreate).ok());
  EXPECT_TRUE(*storage.exists("journal"));
  EXPECT_FALSE(*storage.exists("journal.compact"));
  EXPECT_EQ(storage.open("other", journal::OpenMode::kCreate).error().code, Errc::kUnsupported);
  EXPECT_EQ(storage.replace("a", "journal").error().code, Errc::kUnsupported);
}

// Property: any sequence of appends and truncates, drained at random points and replayed,
// leaves the runtime's copy equal to what the shadow's reads return.
TEST(ShadowStorageTest, ReplayedDrainsMatchTheShadowProperty) {
  for (const std::uint64_t seed : ff::testing::property_seeds(200)) {
    Rng rng(seed);
    Bytes runtime_file = bytes_of({10, 11, 12});
    ShadowStorage storage("journal", runtime_file, true);
    auto opened = storage.open("journal", journal::OpenMode::kExisting);
    ASSERT_TRUE(opened.ok());
    journal::StorageFile& file = **opened;
    for (int step = 0; step < 60; ++step) {
      const std::uint64_t size = *file.size();
      switch (rng.below(3)) {
        case 0: {
          Bytes data(static_cast<std::size_t>(rng.below(5)) + 1, static_cast<std::uint8_t>(step));
          ASSERT_TRUE(file.append(data).ok()) << ff::testing::seed_note(seed);
          break;
        }
        case 1: ASSERT_TRUE(file.truncate(rng.below(size + 1)).ok()) << ff::testing::seed_note(seed); break;
        default: replay(storage.drain(), runtime_file); break;
      }
    }
    replay(storage.drain(), runtime_file);
    Bytes shadow(static_cast<std::size_t>(*file.size()));
    std::size_t at = 0;
    while (at < shadow.size()) {
      auto n = file.read(at, std::span<std::uint8_t>(shadow).subspan(at));
      ASSERT_TRUE(n.ok()) << ff::testing::seed_note(seed);
      ASSERT_GT(*n, 0u) << ff::testing::seed_note(seed);
      at += *n;
    }
    EXPECT_EQ(runtime_file, shadow) << ff::testing::seed_note(seed);
  }
}

}  // namespace
}  // namespace ff::web
