#include "core/crdt/yata.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/codec/byte_io.hpp"
#include "core/crdt/delta_buffer.hpp"
#include "core/crdt/text_utf8.hpp"
#include "core/rng.hpp"
#include "tests/support/seeds.hpp"

namespace ff::crdt {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;

YataDelta must(Result<YataDelta> delta) {
  EXPECT_TRUE(delta.ok()) << delta.error().message;
  return delta.ok() ? std::move(delta).value() : YataDelta{};
}

void apply_ok(YataText& text, const YataDelta& delta) {
  const Status status = text.apply(delta);
  EXPECT_TRUE(status.ok()) << status.error().message;
}

void merge_ok(YataText& text, const YataText& other) {
  const Status status = text.merge(other);
  EXPECT_TRUE(status.ok()) << status.error().message;
}

std::string invariants(const YataText& text) {
  const Status status = text.check_invariants();
  return status.ok() ? "" : status.error().message;
}

// A replica holding `content`, typed by `replica`, and the delta that made it.
YataText typed(ReplicaId replica, const std::string& content) {
  YataText text(replica);
  must(text.insert(0, content));
  return text;
}

TEST(YataText, InsertAndRemoveEditTheText) {
  YataText text(1);
  must(text.insert(0, "hello"));
  must(text.insert(5, " world"));
  must(text.insert(0, ">"));
  EXPECT_EQ(text.text(), ">hello world");
  EXPECT_EQ(text.length(), 12u);
  must(text.remove(0, 1));
  must(text.remove(5, 6));
  EXPECT_EQ(text.text(), "hello");
  must(text.insert(5, "!"));
  EXPECT_EQ(text.text(), "hello!");
  EXPECT_EQ(invariants(text), "");
}

TEST(YataText, PositionsCountCodePointsNotBytes) {
  YataText text(1);
  must(text.insert(0, "h\xC3\xA9llo \xF0\x9F\x99\x82"));  // "héllo 🙂": 7 code points, 11 bytes
  EXPECT_EQ(text.length(), 7u);
  must(text.insert(2, "\xE6\x97\xA5"));  // "日" after "hé"
  EXPECT_EQ(text.text(), "h\xC3\xA9\xE6\x97\xA5llo \xF0\x9F\x99\x82");
  must(text.remove(1, 2));  // "é日"
  must(text.remove(5, 1));  // the emoji
  EXPECT_EQ(text.text(), "hllo ");
}

TEST(YataText, BadPositionsAndMalformedUtf8AreErrorsThatChangeNothing) {
  YataText text = typed(1, "abc");
  const Bytes before = text.encode();
  auto beyond = text.insert(4, "x");
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.error().code, Errc::kInvalidInput);
  for (const std::string& bad :
       {std::string("\xC0\x80"), std::string("\xED\xA0\x80"), std::string("\xF4\x90\x80\x80"),
        std::string("\xE6\x97"), std::string("\x80")}) {
    auto inserted = text.insert(1, bad);
    ASSERT_FALSE(inserted.ok()) << "accepted malformed UTF-8";
    EXPECT_EQ(inserted.error().code, Errc::kInvalidInput);
  }
  EXPECT_FALSE(text.remove(2, 2).ok());
  EXPECT_FALSE(text.remove(4, 0).ok());
  EXPECT_EQ(text.encode(), before);
  EXPECT_TRUE(must(text.insert(3, "")).empty());
  EXPECT_TRUE(must(text.remove(3, 0)).empty());
}

TEST(YataText, ConcurrentInsertsAtOnePlaceOrderTheSameWhateverTheDeliveryOrder) {
  YataText base = typed(1, "ac");
  YataText a = base;
  a.set_replica(10);
  YataText b = base;
  b.set_replica(20);
  const YataDelta from_a = must(a.insert(1, "X"));
  const YataDelta from_b = must(b.insert(1, "Y"));
  YataText ab = base;
  apply_ok(ab, from_a);
  apply_ok(ab, from_b);
  YataText ba = base;
  apply_ok(ba, from_b);
  apply_ok(ba, from_a);
  apply_ok(a, from_b);
  apply_ok(b, from_a);
  EXPECT_EQ(ab.text(), "aXYc");  // ties break on replica id: 10 before 20
  EXPECT_EQ(ab, ba);
  EXPECT_EQ(a, ab);
  EXPECT_EQ(b, ab);
}

TEST(YataText, TieBreakUsesTheWholeReplicaIdNotItsLowBits) {
  YataText a(0xffffffff00000001ULL);
  YataText b(0x0000000100000002ULL);
  const YataDelta from_a = must(a.insert(0, "A"));
  const YataDelta from_b = must(b.insert(0, "B"));
  apply_ok(a, from_b);
  apply_ok(b, from_a);
  EXPECT_EQ(a.text(), "BA");
  EXPECT_EQ(a, b);
}

// Two users type a word each, one key at a time, at the same spot: their words must not
// interleave letter by letter, whatever order the keystrokes arrive in.
TEST(YataText, ConcurrentlyTypedRunsDoNotInterleave) {
  for (const std::uint64_t seed : property_seeds(20)) {
    Rng rng(seed);
    YataText base = typed(5, "[]");
    YataText a = base;
    a.set_replica(1 + rng.below(3));
    YataText b = base;
    b.set_replica(10 + rng.below(3));
    std::vector<YataDelta> deltas;
    for (int k = 0; k < 3; ++k) {
      deltas.push_back(must(a.insert(1 + k, std::string(1, static_cast<char>('a' + k)))));
      deltas.push_back(must(b.insert(1 + k, std::string(1, static_cast<char>('x' + k)))));
    }
    YataText c = base;
    std::vector<std::size_t> order = {0, 1, 2, 3, 4, 5};
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    for (const std::size_t i : order) apply_ok(c, deltas[i]);
    for (std::size_t i = 0; i < deltas.size(); i += 2) apply_ok(b, deltas[i]);
    for (std::size_t i = 1; i < deltas.size(); i += 2) apply_ok(a, deltas[i]);
    EXPECT_EQ(c.text(), "[abcxyz]") << seed_note(seed);  // a's replica id is lower
    EXPECT_EQ(c.pending_count(), 0u) << seed_note(seed);
    EXPECT_EQ(a, c) << seed_note(seed);
    EXPECT_EQ(b, c) << seed_note(seed);
  }
}

TEST(YataText, RemovingARegionKeepsWhatWasConcurrentlyInsertedInsideIt) {
  const YataText base = typed(1, "hello world");
  YataText remover = base;
  remover.set_replica(2);
  YataText writer = base;
  writer.set_replica(3);
  const YataDelta removed = must(remover.remove(3, 5));     // "lo wo"
  const YataDelta inserted = must(writer.insert(5, "XX"));  // between "hello" and " world"
  apply_ok(remover, inserted);
  apply_ok(writer, removed);
  EXPECT_EQ(remover.text(), "helXXrld");
  EXPECT_EQ(remover, writer);
}

TEST(YataText, ConcurrentRemovalsOfOverlappingRangesRemoveTheUnion) {
  const YataText base = typed(1, "0123456789");
  YataText a = base;
  YataText b = base;
  const YataDelta from_a = must(a.remove(2, 4));  // 2345
  const YataDelta from_b = must(b.remove(4, 4));  // 4567
  apply_ok(a, from_b);
  apply_ok(b, from_a);
  EXPECT_EQ(a.text(), "0189");
  EXPECT_EQ(a, b);
}

TEST(YataText, DeltaArrivingBeforeItsDependenciesWaitsThenIntegrates) {
  YataText a(1);
  const YataDelta first = must(a.insert(0, "ab"));
  const YataDelta second = must(a.insert(1, "X"));  // origins inside the first run
  const YataDelta third = must(a.remove(0, 1));
  YataText c(2);
  apply_ok(c, third);
  apply_ok(c, second);
  EXPECT_EQ(c.text(), "");
  EXPECT_EQ(c.pending_count(), 2u);
  apply_ok(c, first);
  EXPECT_EQ(c.pending_count(), 0u);
  EXPECT_EQ(c.text(), "Xb");
  EXPECT_EQ(c, a);
  EXPECT_EQ(invariants(c), "");
}

TEST(YataText, DuplicateDeltasChangeNothing) {
  YataText a(1);
  std::vector<YataDelta> deltas = {must(a.insert(0, "hello")), must(a.insert(5, "!")), must(a.remove(1, 2))};
  YataText c(2);
  for (int round = 0; round < 3; ++round) {
    for (const YataDelta& delta : deltas) apply_ok(c, delta);
  }
  EXPECT_EQ(c.text(), "hlo!");
  EXPECT_EQ(c, a);
  EXPECT_EQ(c.pending_count(), 0u);
}

TEST(YataText, RemoteKeystrokesExtendOneItem) {
  YataText a(1);
  YataText b(2);
  for (int k = 0; k < 200; ++k) apply_ok(b, must(a.insert(static_cast<std::size_t>(k), "x")));
  EXPECT_EQ(b.text(), std::string(200, 'x'));
  EXPECT_EQ(b.item_count(), 1u);
  EXPECT_EQ(a.item_count(), 1u);
}

TEST(YataText, PendingOverflowIsLimitExceededAndAFullStateMergeRecovers) {
  YataText a(1);
  std::vector<YataDelta> deltas;
  for (std::size_t k = 0; k < kYataMaxPendingEntries + 10; ++k) deltas.push_back(must(a.insert(0, "z")));
  YataText c(2);
  bool overflowed = false;
  for (std::size_t k = 1; k < deltas.size(); ++k) {  // the first never arrives
    const Status status = c.apply(deltas[k]);
    if (!status.ok()) {
      EXPECT_EQ(status.error().code, Errc::kLimitExceeded);
      overflowed = true;
    }
  }
  EXPECT_TRUE(overflowed);
  EXPECT_LE(c.pending_count(), kYataMaxPendingEntries);
  merge_ok(c, a);
  EXPECT_EQ(c.pending_count(), 0u);
  EXPECT_EQ(c, a);
}

TEST(YataText, DeltaSinceVersionCatchesAPeerUp) {
  YataText a(1);
  YataText b(2);
  apply_ok(b, must(a.insert(0, "shared ")));
  must(b.insert(7, "b-only "));
  must(a.insert(7, "a-only"));
  must(a.remove(0, 1));
  YataText b_copy = b;
  apply_ok(b, a.delta_since(b.version()));
  merge_ok(b_copy, a);
  EXPECT_EQ(b, b_copy);
  apply_ok(a, b.delta_since(a.version()));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.text(), "hared a-onlyb-only ");
  EXPECT_TRUE(a.delta_since(b.version()).runs.empty());  // (removals are not versioned: always listed)
  EXPECT_EQ(a.version().get(1), 13u);
}

TEST(YataText, ForksEditIndependentlyAndMergeBack) {
  YataText original = typed(1, "fork");
  YataText fork = original;
  fork.set_replica(2);
  must(fork.insert(4, "ed"));
  must(original.insert(0, "a "));
  EXPECT_EQ(original.text(), "a fork");
  EXPECT_EQ(fork.text(), "forked");
  merge_ok(original, fork);
  merge_ok(fork, original);
  EXPECT_EQ(original.text(), "a forked");
  EXPECT_EQ(original, fork);
}

TEST(YataText, EqualStatesEncodeEquallyHoweverTheirItemsAreSplit) {
  YataText a(1);
  YataText by_keystroke(2);
  for (int k = 0; k < 10; ++k) apply_ok(by_keystroke, must(a.insert(static_cast<std::size_t>(k), "k")));
  must(a.remove(3, 1));
  apply_ok(by_keystroke, a.delta_since(by_keystroke.version()));
  YataText by_state(3);
  merge_ok(by_state, a);
  EXPECT_EQ(by_state.encode(), a.encode());
  EXPECT_EQ(by_keystroke.encode(), a.encode());
  EXPECT_EQ(a.replica(), 1u);  // the local replica id is not part of the state
}

TEST(YataText, ReplicaIdMattersOnlyToLocalInserts) {
  YataText text = typed(7, "abc");
  auto decoded = YataText::decode(text.encode(), 9);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->replica(), 9u);
  const YataDelta delta = must(decoded->insert(3, "d"));
  ASSERT_EQ(delta.runs.size(), 1u);
  EXPECT_EQ(delta.runs[0].id, (YataId{9, 0}));
  EXPECT_EQ(delta.runs[0].origin_left, (YataId{7, 2}));
  EXPECT_FALSE(delta.runs[0].origin_right.has_value());
}

TEST(YataText, DeltasFitADeltaBuffer) {
  YataText a(1);
  DeltaBuffer<YataDelta> buffer(4);
  for (int k = 0; k < 6; ++k) buffer.push(must(a.insert(0, "q")));
  YataText b(2);
  auto too_old = buffer.since(0);
  ASSERT_FALSE(too_old.ok());
  merge_ok(b, a);
  must(a.insert(0, "r"));  // not pushed: lost
  buffer.push(must(a.remove(0, 1)));
  auto recent = buffer.since(buffer.last_seq() - 1);
  ASSERT_TRUE(recent.ok());
  for (const YataDelta& delta : *recent) apply_ok(b, delta);
  EXPECT_EQ(b.pending_count(), 1u);  // the "r" delta was not pushed: its removal waits
  merge_ok(b, a);
  EXPECT_EQ(b, a);
}

// Random local edits against a plain code point string, with the internal invariants
// checked as the tree grows through several levels.
TEST(YataText, RandomLocalEditsMatchAPlainBuffer) {
  static const std::vector<std::string> kPieces = {
      "a", "bc", "\xC3\xA9", "\xF0\x9F\x99\x82", "longer piece of text", "\n"};
  for (const std::uint64_t seed : property_seeds(6)) {
    Rng rng(seed);
    YataText text(seed);
    std::u32string model;
    for (int step = 0; step < 3000; ++step) {
      if (model.empty() || rng.chance(3, 5)) {
        const std::size_t position = rng.chance(1, 4) ? model.size() : rng.below(model.size() + 1);
        const std::string& piece = kPieces[rng.below(kPieces.size())];
        must(text.insert(position, piece));
        std::vector<char32_t> code_points;
        ASSERT_TRUE(utf8_decode_append(piece, code_points).ok());
        model.insert(position, std::u32string(code_points.begin(), code_points.end()));
      } else {
        const std::size_t position = rng.below(model.size());
        const std::size_t count = 1 + rng.below(std::min<std::size_t>(8, model.size() - position));
        must(text.remove(position, count));
        model.erase(position, count);
      }
      if (step % 250 == 0) {
        ASSERT_EQ(invariants(text), "") << "step " << step << "; " << seed_note(seed);
      }
    }
    std::string expected;
    utf8_encode_append(model.data(), model.size(), expected);
    ASSERT_EQ(text.text(), expected) << seed_note(seed);
    ASSERT_EQ(text.length(), model.size()) << seed_note(seed);
    ASSERT_EQ(invariants(text), "") << seed_note(seed);
    auto decoded = YataText::decode(text.encode());
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    ASSERT_EQ(decoded->text(), expected) << seed_note(seed);
    ASSERT_EQ(invariants(*decoded), "") << seed_note(seed);
  }
}

// ---- hand-made encodings ----------------------------------------------------------------

struct RunSpec {
  std::uint64_t replica_index;
  std::uint64_t clock;
  std::uint64_t length;
  std::uint8_t flags;
  std::vector<std::uint64_t> origins;  // replica, clock pairs as the flags say
  std::string text;
};

Bytes state_bytes(const std::vector<ReplicaId>& table, const std::vector<RunSpec>& runs) {
  codec::ByteWriter out;
  out.u8(kEncodingVersion);
  out.u8(static_cast<std::uint8_t>(TypeTag::kYata));
  out.varint(table.size());
  for (const ReplicaId id : table) out.fixed64_le(id);
  out.varint(runs.size());
  for (const RunSpec& run : runs) {
    out.varint(run.replica_index);
    out.varint(run.clock);
    out.varint(run.length);
    out.u8(run.flags);
    for (const std::uint64_t value : run.origins) out.varint(value);
    if ((run.flags & 1) == 0) out.text(run.text);
  }
  return out.take();
}

constexpr std::uint8_t kDeleted = 1;
constexpr std::uint8_t kLeft = 2;
constexpr std::uint8_t kRight = 4;

TEST(YataTextDecode, AcceptsAHandWrittenState) {
  // "ab" by replica 5, then "X" by replica 9 between them, then "b" removed.
  const Bytes bytes = state_bytes({5, 9}, {{0, 0, 1, 0, {}, "a"},
                                           {1, 0, 1, kLeft | kRight, {0, 0, 0, 1}, "X"},
                                           {0, 1, 1, kDeleted | kLeft, {0, 0}, ""}});
  auto decoded = YataText::decode(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->text(), "aX");
  EXPECT_EQ(decoded->encode(), bytes);
  YataText built(5);
  must(built.insert(0, "ab"));
  YataText other = built;
  other.set_replica(9);
  apply_ok(built, must(other.insert(1, "X")));
  must(built.remove(2, 1));
  EXPECT_EQ(built.encode(), bytes);
}

TEST(YataTextDecode, RejectsStatesNoReplicaCouldHold) {
  struct Case {
    const char* what;
    Bytes bytes;
  };
  const std::vector<Case> cases = {
      {"gap in clocks", state_bytes({5}, {{0, 1, 1, 0, {}, "a"}})},
      {"overlapping ids",
       state_bytes({5}, {{0, 0, 2, 0, {}, "ab"}, {0, 1, 1, kDeleted | kRight, {0, 0}, ""}})},
      {"unused replica", state_bytes({5, 6}, {{0, 0, 1, 0, {}, "a"}})},
      {"table not ascending", state_bytes({6, 5}, {{0, 0, 1, 0, {}, "a"}, {1, 0, 1, kLeft, {0, 0}, "b"}})},
      {"missing origin", state_bytes({5}, {{0, 0, 1, kLeft, {0, 7}, "a"}})},
      {"origin-left to the right", state_bytes({5}, {{0, 0, 1, kLeft, {0, 1}, "a"}, {0, 1, 1, 0, {}, "b"}})},
      {"origin-right to the left", state_bytes({5}, {{0, 0, 1, 0, {}, "a"}, {0, 1, 1, kRight, {0, 0}, "b"}})},
      {"runs not maximal", state_bytes({5}, {{0, 0, 1, 0, {}, "a"}, {0, 1, 1, kLeft, {0, 0}, "b"}})},
      {"text shorter than length", state_bytes({5}, {{0, 0, 2, 0, {}, "a"}})},
      {"overlong UTF-8", state_bytes({5}, {{0, 0, 1, 0, {}, std::string("\xC1\x81")}})},
      {"surrogate", state_bytes({5}, {{0, 0, 1, 0, {}, std::string("\xED\xB0\x80")}})},
      {"zero length", state_bytes({5}, {{0, 0, 0, 0, {}, ""}})},
      {"unknown flag", state_bytes({5}, {{0, 0, 1, 8, {}, "a"}})},
      {"replica index beyond table", state_bytes({5}, {{1, 0, 1, 0, {}, "a"}})},
      // Replica 6's run needs its origin-right (5, 1); (5, 1) needs its predecessor (5, 0),
      // whose origin-right is (6, 0): a cycle, though each origin lies on its proper side.
      {"cyclic dependencies", state_bytes({5, 6}, {{0, 0, 1, kRight, {1, 0}, "a"},
                                                   {1, 0, 1, kLeft | kRight, {0, 0, 0, 1}, "x"},
                                                   {0, 1, 1, kLeft, {1, 0}, "b"}})},
  };
  for (const Case& c : cases) {
    auto decoded = YataText::decode(c.bytes);
    ASSERT_FALSE(decoded.ok()) << c.what << " was accepted";
    EXPECT_EQ(decoded.error().code, Errc::kInvalidInput) << c.what << ": " << decoded.error().message;
  }
}

TEST(YataTextDecode, TombstonesBeyondTheDocumentLimitAreRefusedBeforeAllocating) {
  // A few bytes claiming 2^24 + 2 deleted code points: refused while reading.
  const std::uint64_t half = kYataMaxChars / 2 + 1;
  auto decoded =
      YataText::decode(state_bytes({5, 6}, {{0, 0, half, kDeleted, {}, ""}, {1, 0, half, kDeleted, {}, ""}}));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kLimitExceeded);
  auto huge = YataText::decode(state_bytes({5}, {{0, 0, kYataMaxChars + 1, kDeleted, {}, ""}}));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, Errc::kInvalidInput);
  YataDelta delta;
  delta.runs.push_back(YataRun{YataId{1, 0}, std::nullopt, std::nullopt, kYataMaxChars + 1, true, ""});
  YataText text(2);
  const Status refused = text.apply(delta);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kInvalidInput);
}

TEST(YataDelta, ApplyRejectsMalformedRunsBeforeChangingAnything) {
  YataText text = typed(1, "abc");
  const Bytes before = text.encode();
  std::vector<YataDelta> bad(4);
  bad[0].runs.push_back(YataRun{YataId{2, 0}, std::nullopt, std::nullopt, 2, false, "x"});  // length mismatch
  bad[1].runs.push_back(
      YataRun{YataId{2, 0}, std::nullopt, std::nullopt, 1, true, "x"});  // deleted with text
  bad[2].runs.push_back(YataRun{YataId{2, 0}, std::nullopt, std::nullopt, 0, false, ""});  // empty
  bad[3].deletes.push_back(YataDeleteRange{1, 0, 0});
  for (const YataDelta& delta : bad) {
    const Status status = text.apply(delta);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, Errc::kInvalidInput);
  }
  EXPECT_EQ(text.encode(), before);
}

TEST(YataDelta, CyclicRunsAreAnErrorAndTheRestStillApplies) {
  YataDelta delta;
  // (2,0) waits for (3,0) as origin-right and (3,0) for (2,0): a cycle.
  delta.runs.push_back(YataRun{YataId{2, 0}, std::nullopt, YataId{3, 0}, 1, false, "p"});
  delta.runs.push_back(YataRun{YataId{3, 0}, YataId{2, 0}, std::nullopt, 1, false, "q"});
  delta.runs.push_back(YataRun{YataId{4, 0}, std::nullopt, std::nullopt, 1, false, "r"});
  YataText text(1);
  const Status status = text.apply(delta);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kInvalidInput);
  EXPECT_EQ(text.text(), "r");
  EXPECT_EQ(invariants(text), "");
}

// Found by fuzz_yata_decode: a run placed between origins in the wrong order would leave
// a state that no longer decodes (every replica must be able to load every state).
TEST(YataDelta, RunsWhoseOriginRightDoesNotFollowOriginLeftAreRejected) {
  YataText text = typed(1, "abc");
  const std::vector<std::pair<YataId, YataId>> origins = {
      {YataId{1, 1}, YataId{1, 1}},  // the same code point on both sides
      {YataId{1, 2}, YataId{1, 0}},  // right before left
  };
  for (const auto& [left, right] : origins) {
    YataDelta delta;
    delta.runs.push_back(YataRun{YataId{9, 0}, left, right, 1, false, "!"});
    YataText target = text;
    const Status status = target.apply(delta);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, Errc::kInvalidInput);
    EXPECT_EQ(target.text(), "abc");
    auto reread = YataText::decode(target.encode());
    ASSERT_TRUE(reread.ok()) << reread.error().message;
    EXPECT_EQ(invariants(target), "");
  }
}

TEST(YataDelta, DecodeRejectsNonCanonicalOrder) {
  YataDelta delta;
  delta.runs.push_back(YataRun{YataId{1, 0}, std::nullopt, std::nullopt, 1, false, "a"});
  delta.runs.push_back(YataRun{YataId{1, 1}, YataId{1, 0}, std::nullopt, 1, false, "b"});
  delta.deletes.push_back(YataDeleteRange{1, 0, 1});
  delta.deletes.push_back(YataDeleteRange{1, 5, 1});
  const Bytes bytes = delta.encode();
  auto decoded = YataDelta::decode(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, delta);

  // Swap the two runs in the encoding: the canonical order is by id.
  YataDelta swapped = delta;
  std::swap(swapped.runs[0], swapped.runs[1]);
  EXPECT_EQ(swapped.encode(), bytes);  // encode sorts
  codec::ByteWriter out;
  out.u8(kEncodingVersion);
  out.u8(static_cast<std::uint8_t>(TypeTag::kYataDelta));
  out.varint(1);
  out.fixed64_le(1);
  out.varint(2);
  for (const int k : {1, 0}) {
    out.varint(0);
    out.varint(static_cast<std::uint64_t>(k));
    out.varint(1);
    out.u8(k == 1 ? kLeft : 0);
    if (k == 1) {
      out.varint(0);
      out.varint(0);
    }
    out.text(k == 1 ? "b" : "a");
  }
  out.varint(0);
  auto unsorted = YataDelta::decode(out.bytes());
  ASSERT_FALSE(unsorted.ok());
  EXPECT_EQ(unsorted.error().code, Errc::kInvalidInput);
}

}  // namespace
}  // namespace ff::crdt
