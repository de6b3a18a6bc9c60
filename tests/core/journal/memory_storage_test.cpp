#include "core/journal/memory_storage.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace ff::journal {
namespace {

TEST(MemoryStorage, AppendReadAndSize) {
  MemoryStorage storage;
  auto file = storage.open("f", OpenMode::kCreate);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->append(as_bytes("hello world")).ok());
  EXPECT_EQ(*(*file)->size(), 11u);
  std::array<std::uint8_t, 5> out{};
  EXPECT_EQ(*(*file)->read(6, out), 5u);
  EXPECT_EQ(as_chars(ByteView(out.data(), 5)), "world");
  EXPECT_EQ(*(*file)->read(9, out), 2u);
  EXPECT_EQ(*(*file)->read(11, out), 0u);
  EXPECT_EQ(*(*file)->read(100, out), 0u);
}

TEST(MemoryStorage, OpenExistingOfAMissingFileIsNotFound) {
  MemoryStorage storage;
  auto file = storage.open("missing", OpenMode::kExisting);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code, Errc::kNotFound);
}

TEST(MemoryStorage, ReplaceMovesTheFileAndOpenHandlesFollowIt) {
  MemoryStorage storage;
  auto source = storage.open("new", OpenMode::kCreate);
  ASSERT_TRUE((*source)->append(as_bytes("new content")).ok());
  storage.set_contents("old", to_bytes("old content"));
  ASSERT_TRUE(storage.replace("new", "old").ok());
  EXPECT_FALSE(*storage.exists("new"));
  EXPECT_EQ(*storage.contents("old"), to_bytes("new content"));
  ASSERT_TRUE((*source)->append(as_bytes("!")).ok());
  EXPECT_EQ(*storage.contents("old"), to_bytes("new content!"));
}

TEST(MemoryStorage, TruncateAndRemove) {
  MemoryStorage storage;
  auto file = storage.open("f", OpenMode::kCreate);
  ASSERT_TRUE((*file)->append(as_bytes("abcdef")).ok());
  ASSERT_TRUE((*file)->truncate(3).ok());
  EXPECT_EQ(*storage.contents("f"), to_bytes("abc"));
  EXPECT_FALSE((*file)->truncate(10).ok());
  ASSERT_TRUE(storage.remove("f").ok());
  EXPECT_FALSE(*storage.exists("f"));
  EXPECT_EQ(storage.remove("f").error().code, Errc::kNotFound);
}

TEST(MemoryStorage, NamesMustBePlainFileNames) {
  MemoryStorage storage;
  for (std::string_view name : {"", ".", "..", "a/b", "/abs"}) {
    auto file = storage.open(name, OpenMode::kCreate);
    ASSERT_FALSE(file.ok()) << name;
    EXPECT_EQ(file.error().code, Errc::kInvalidInput);
  }
  EXPECT_FALSE(storage.open(std::string_view("nul\0byte", 8), OpenMode::kCreate).ok());
  EXPECT_FALSE(storage.open(std::string(kMaxStorageNameBytes + 1, 'n'), OpenMode::kCreate).ok());
  EXPECT_TRUE(storage.open(std::string(kMaxStorageNameBytes, 'n'), OpenMode::kCreate).ok());
}

}  // namespace
}  // namespace ff::journal
