// The standard CRDT properties (sequence_properties.hpp) for YataText, with its internal
// invariants checked along the way.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/crdt/yata.hpp"
#include "tests/core/crdt/sequence_properties.hpp"

namespace ff::crdt {
namespace {

// Random local edit. Positions favour the start and the end so concurrent inserts meet at
// the same place; texts mix ASCII, 2-, 3- and 4-byte code points.
YataDelta random_edit(YataText& text, Rng& rng) {
  static const std::vector<std::string> kTexts = {
      "a", "b", "xyz", "\xC3\xA9", "\xE6\x97\xA5\xE6\x9C\xAC", "\xF0\x9F\x99\x82", "hello world", "\n"};
  const std::size_t length = text.length();
  auto pick_position = [&](std::size_t limit) -> std::size_t {
    const std::uint64_t roll = rng.below(4);
    if (roll == 0) return 0;
    if (roll == 1) return limit;
    return rng.below(limit + 1);
  };
  if (length == 0 || rng.chance(2, 3)) {
    auto delta = text.insert(pick_position(length), kTexts[rng.below(kTexts.size())]);
    EXPECT_TRUE(delta.ok()) << delta.error().message;
    return delta.ok() ? std::move(delta).value() : YataDelta{};
  }
  const std::size_t position = pick_position(length - 1);
  const std::size_t count = 1 + rng.below(std::min<std::size_t>(6, length - position));
  auto delta = text.remove(position, count);
  EXPECT_TRUE(delta.ok()) << delta.error().message;
  return delta.ok() ? std::move(delta).value() : YataDelta{};
}

seqtest::SequenceSpec<YataText> spec() {
  return seqtest::SequenceSpec<YataText>{random_edit, [](const YataText& text) -> std::string {
                                           const Status status = text.check_invariants();
                                           return status.ok() ? "" : status.error().message;
                                         }};
}

TEST(YataTextProperties, MergeIsCommutativeAssociativeIdempotentAndInflationary) {
  seqtest::check_lattice(spec(), 40, 80);
}

TEST(YataTextProperties, DeltasInAnyOrderWithDuplicatesEqualTheFullMerge) {
  seqtest::check_delta_delivery(spec(), 40, 80);
}

TEST(YataTextProperties, FiveReplicasWithPartitionsAndLossConvergeByteIdentically) {
  const auto stats = seqtest::check_convergence(spec(), 30, 300);
  // The runs must have exercised loss, out-of-order delivery and every catch-up path.
  EXPECT_GT(stats.deltas_applied, 0u);
  EXPECT_GT(stats.messages_lost, 0u);
  EXPECT_GT(stats.deltas_left_pending, 0u);
  EXPECT_GT(stats.catch_ups_by_delta, 0u);
  EXPECT_GT(stats.catch_ups_by_version, 0u);
  EXPECT_GT(stats.catch_ups_by_full_state, 0u);
}

TEST(YataTextProperties, EncodeDecodeRoundTrips) { seqtest::check_round_trip(spec(), 30, 80); }

TEST(YataTextProperties, TruncatedMutatedAndRandomBytesDecodeToErrorsNotCrashes) {
  seqtest::check_hostile_bytes(spec(), 30, 60);
}

}  // namespace
}  // namespace ff::crdt
