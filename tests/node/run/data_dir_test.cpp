#include "node/run/data_dir.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "net/identity/peer_id.hpp"

namespace ff::node {
namespace {

class DataDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ff_data_dir_test_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  static std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }

  std::string dir_;
};

TEST_F(DataDirTest, CreatesTheIdentityWithMode0600AndLoadsTheSameKeyAgain) {
  const std::string path = dir_ + "/identity.key";
  auto created = load_or_create_identity(path);
  ASSERT_TRUE(created.ok()) << created.error().message;
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(read_file(path).size(), 68u);  // 08 01 12 40 <seed 32> <public 32>
  auto loaded = load_or_create_identity(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(net::PeerId::from_public_key(loaded->public_key()),
            net::PeerId::from_public_key(created->public_key()));
}

TEST_F(DataDirTest, ACorruptIdentityIsAnErrorAndIsLeftUntouched) {
  const std::string path = dir_ + "/identity.key";
  {
    std::ofstream out(path, std::ios::binary);
    out << "not a key";
  }
  auto loaded = load_or_create_identity(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, Errc::kInvalidInput);
  EXPECT_NE(loaded.error().message.find("identity.key"), std::string::npos) << loaded.error().message;
  EXPECT_EQ(read_file(path), "not a key");
}

TEST_F(DataDirTest, AnEmptyIdentityFileIsAnErrorNotReplaced) {
  const std::string path = dir_ + "/identity.key";
  { std::ofstream out(path, std::ios::binary); }
  EXPECT_FALSE(load_or_create_identity(path).ok());
  EXPECT_EQ(read_file(path), "");
}

TEST_F(DataDirTest, EnsureDirectoryCreatesNestedDirectories) {
  const std::string nested = dir_ + "/a/b/c";
  ASSERT_TRUE(ensure_directory(nested).ok());
  struct stat info {};
  ASSERT_EQ(::stat(nested.c_str(), &info), 0);
  EXPECT_TRUE(S_ISDIR(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  EXPECT_TRUE(ensure_directory(nested).ok());  // idempotent
}

TEST_F(DataDirTest, EnsureDirectoryRejectsAFileInThePath) {
  const std::string file = dir_ + "/plain";
  { std::ofstream out(file); }
  auto status = ensure_directory(file);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kIo);
  EXPECT_FALSE(ensure_directory(file + "/below").ok());
}

TEST_F(DataDirTest, IdentityInAMissingDirectoryIsAnIoError) {
  auto loaded = load_or_create_identity(dir_ + "/missing/identity.key");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, Errc::kIo);
}

TEST(DefaultDataDir, IsUnderHomeDotLsf) {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') GTEST_SKIP() << "HOME is not set";
  auto dir = default_data_dir("Alpha");
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(*dir, std::string(home) + "/.lsf/Alpha");
}

}  // namespace
}  // namespace ff::node
