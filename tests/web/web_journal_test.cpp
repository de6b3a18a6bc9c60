// WebJournal: the browser journal is the core journal format, byte for byte, so a journal
// written natively opens in the browser and the other way round; torn tails and junk are
// handled as core/journal's recovery says.
#include "web/bindings/web_journal.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/journal/memory_storage.hpp"
#include "core/journal/recovery.hpp"
#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::web {
namespace {

Bytes text_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

void replay(const ShadowChanges& changes, Bytes& file) {
  if (changes.truncate) file.resize(static_cast<std::size_t>(changes.truncate_bytes));
  file.insert(file.end(), changes.append.begin(), changes.append.end());
}

// Writes `payloads` through a WebJournal and returns the runtime's file.
Bytes write_web_journal(const std::vector<Bytes>& payloads) {
  WebJournal journal;
  auto opened = journal.open({});
  EXPECT_TRUE(opened.ok());
  Bytes file;
  replay(opened->changes, file);
  for (const Bytes& payload : payloads) {
    auto changes = journal.append(payload);
    EXPECT_TRUE(changes.ok());
    replay(*changes, file);
  }
  return file;
}

TEST(WebJournalTest, ANewJournalIsJustAFileHeader) {
  WebJournal journal;
  auto opened = journal.open({});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_TRUE(opened->records.empty());
  EXPECT_FALSE(opened->changes.truncate);
  EXPECT_EQ(opened->changes.append.size(), journal::kFileHeaderBytes);
}

TEST(WebJournalTest, BrowserBytesRecoverWithTheCoreReader) {
  std::vector<Bytes> payloads;
  for (int i = 0; i < 40; ++i)
    payloads.push_back(Bytes(static_cast<std::size_t>(i) * 997, static_cast<std::uint8_t>(i)));
  const Bytes file = write_web_journal(payloads);

  journal::MemoryStorage storage;
  storage.set_contents("fabric.journal", file);
  auto handle = storage.open("fabric.journal", journal::OpenMode::kExisting);
  ASSERT_TRUE(handle.ok());
  journal::CollectingReporter reporter;
  auto recovered = journal::recover_journal(**handle, reporter);
  ASSERT_TRUE(recovered.ok()) << recovered.error().message;
  EXPECT_EQ(reporter.count(), 0u) << reporter.summary();
  ASSERT_EQ(recovered->state.records.size(), payloads.size());
  for (std::size_t i = 0; i < payloads.size(); ++i)
    EXPECT_EQ(recovered->state.records[i].payload, payloads[i]);
}

TEST(WebJournalTest, ANativeJournalOpensInTheBrowser) {
  journal::MemoryStorage storage;
  journal::CollectingReporter reporter;
  auto native = journal::open_journal(storage, "fabric.journal", {}, reporter);
  ASSERT_TRUE(native.ok());
  for (const char* text : {"alpha", "beta", "gamma"})
    ASSERT_TRUE(native->writer.append(text_bytes(text)).ok());
  ASSERT_TRUE(native->writer.commit().ok());

  WebJournal journal;
  auto opened = journal.open(*storage.contents("fabric.journal"));
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ASSERT_EQ(opened->records.size(), 3u);
  EXPECT_EQ(opened->records[2], text_bytes("gamma"));
  EXPECT_FALSE(opened->changes.truncate);
  EXPECT_TRUE(opened->changes.append.empty());
  EXPECT_EQ(journal.last_sequence(), 3u);
}

TEST(WebJournalTest, JunkIsAnErrorAndAppendBeforeOpenToo) {
  WebJournal journal;
  EXPECT_EQ(journal.append(text_bytes("x")).error().code, Errc::kInvalidInput);
  auto opened = journal.open(text_bytes("this is not a journal file at all"));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, Errc::kInvalidInput);
}

// Property: cutting the file anywhere keeps exactly a prefix of the records, the runtime's
// file after replaying the returned changes equals the valid prefix, and appends after it
// are recovered next time.
TEST(WebJournalTest, TornFilesKeepAPrefixProperty) {
  for (const std::uint64_t seed : ff::testing::property_seeds(60)) {
    Rng rng(seed);
    std::vector<Bytes> payloads;
    const std::size_t count = static_cast<std::size_t>(rng.below(12)) + 1;
    for (std::size_t i = 0; i < count; ++i) {
      payloads.push_back(Bytes(static_cast<std::size_t>(rng.below(3000)) + 1, static_cast<std::uint8_t>(i)));
    }
    const Bytes full = write_web_journal(payloads);
    Bytes file(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(rng.below(full.size() + 1)));

    WebJournal journal;
    auto opened = journal.open(file);
    ASSERT_TRUE(opened.ok()) << opened.error().message << ff::testing::seed_note(seed);
    ASSERT_LE(opened->records.size(), payloads.size()) << ff::testing::seed_note(seed);
    for (std::size_t i = 0; i < opened->records.size(); ++i) {
      ASSERT_EQ(opened->records[i], payloads[i]) << ff::testing::seed_note(seed);
    }
    replay(opened->changes, file);
    auto changes = journal.append(text_bytes("after"));
    ASSERT_TRUE(changes.ok()) << ff::testing::seed_note(seed);
    replay(*changes, file);

    WebJournal again;
    auto reopened = again.open(file);
    ASSERT_TRUE(reopened.ok()) << ff::testing::seed_note(seed);
    ASSERT_EQ(reopened->records.size(), opened->records.size() + 1) << ff::testing::seed_note(seed);
    EXPECT_EQ(reopened->records.back(), text_bytes("after")) << ff::testing::seed_note(seed);
  }
}

}  // namespace
}  // namespace ff::web
