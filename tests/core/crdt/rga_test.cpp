#include "core/crdt/rga.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/codec/byte_io.hpp"
#include "core/rng.hpp"
#include "tests/core/crdt/sequence_properties.hpp"
#include "tests/support/seeds.hpp"

namespace ff::crdt {
namespace {

using ff::testing::property_seeds;
using ff::testing::seed_note;
using List = Rga<std::string>;
using IntList = Rga<std::int64_t>;
using BytesList = Rga<Bytes>;

template <class T>
RgaDelta<T> must(Result<RgaDelta<T>> delta) {
  EXPECT_TRUE(delta.ok()) << delta.error().message;
  return delta.ok() ? std::move(delta).value() : RgaDelta<T>{};
}

template <class T>
void apply_ok(Rga<T>& list, const RgaDelta<T>& delta) {
  const Status status = list.apply(delta);
  EXPECT_TRUE(status.ok()) << status.error().message;
}

TEST(Rga, InsertRemoveAndRead) {
  List list(1);
  must(list.insert(0, "b"));
  must(list.insert(0, "a"));
  must(list.insert(2, "d"));
  must(list.insert(2, "c"));
  EXPECT_EQ(list.values(), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(list.at(2), "c");
  must(list.remove(1));
  EXPECT_EQ(list.values(), (std::vector<std::string>{"a", "c", "d"}));
  EXPECT_EQ(list.size(), 3u);
  auto beyond = list.insert(4, "x");
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.error().code, Errc::kInvalidInput);
  EXPECT_FALSE(list.remove(3).ok());
}

TEST(Rga, ConcurrentInsertsAfterOneElementOrderTheSameEverywhere) {
  List base(1);
  must(base.insert(0, "head"));
  List a = base;
  a.set_replica(2);
  List b = base;
  b.set_replica(3);
  // Equal Lamport timestamps (both saw only "head"): the higher replica id goes first.
  const auto from_a = must(a.insert(1, "from a"));
  const auto from_b = must(b.insert(1, "from b"));
  EXPECT_EQ(from_a.inserts[0].timestamp, from_b.inserts[0].timestamp);
  apply_ok(a, from_b);
  apply_ok(b, from_a);
  EXPECT_EQ(a.values(), (std::vector<std::string>{"head", "from b", "from a"}));
  EXPECT_EQ(a, b);
  // A later insert (higher timestamp) after "head" goes before both.
  const auto later = must(a.insert(1, "later"));
  apply_ok(b, later);
  EXPECT_EQ(b.values(), (std::vector<std::string>{"head", "later", "from b", "from a"}));
  EXPECT_EQ(a, b);
}

TEST(Rga, ConcurrentRunsAfterOneElementDoNotInterleave) {
  List base(9);
  must(base.insert(0, "^"));
  List a = base;
  a.set_replica(1);
  List b = base;
  b.set_replica(2);
  std::vector<RgaDelta<std::string>> deltas;
  for (int k = 0; k < 3; ++k) {
    deltas.push_back(
        must(a.insert(1 + static_cast<std::size_t>(k), std::string{'a', static_cast<char>('0' + k)})));
    deltas.push_back(
        must(b.insert(1 + static_cast<std::size_t>(k), std::string{'b', static_cast<char>('0' + k)})));
  }
  List c = base;
  for (std::size_t i = deltas.size(); i-- > 0;) apply_ok(c, deltas[i]);  // newest first: all wait
  EXPECT_EQ(c.pending_count(), 0u);
  EXPECT_EQ(c.values(), (std::vector<std::string>{"^", "b0", "b1", "b2", "a0", "a1", "a2"}));
}

TEST(Rga, RemoveConcurrentWithInsertAfterTheRemovedElement) {
  List base(1);
  must(base.insert(0, "x"));
  must(base.insert(1, "y"));
  List a = base;
  List b = base;
  b.set_replica(2);
  const auto removed = must(a.remove(0));
  const auto inserted = must(b.insert(1, "after x"));
  apply_ok(a, inserted);
  apply_ok(b, removed);
  EXPECT_EQ(a.values(), (std::vector<std::string>{"after x", "y"}));
  EXPECT_EQ(a, b);
}

TEST(Rga, OutOfOrderAndDuplicatedDeltasWaitThenConverge) {
  IntList a(1);
  std::vector<RgaDelta<std::int64_t>> deltas;
  for (std::int64_t k = 0; k < 20; ++k) deltas.push_back(must(a.insert(static_cast<std::size_t>(k / 2), k)));
  deltas.push_back(must(a.remove(3)));
  IntList c(2);
  for (std::size_t i = deltas.size(); i-- > 1;) apply_ok(c, deltas[i]);
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.pending_count(), deltas.size() - 1);
  for (const auto& delta : deltas) apply_ok(c, delta);
  EXPECT_EQ(c.pending_count(), 0u);
  EXPECT_EQ(c, a);
  EXPECT_EQ(c.values(), a.values());
}

TEST(Rga, PendingOverflowIsLimitExceededAndMergeRecovers) {
  List a(1);
  std::vector<RgaDelta<std::string>> deltas;
  for (std::size_t k = 0; k < kRgaMaxPendingEntries + 5; ++k) deltas.push_back(must(a.insert(0, "v")));
  List c(2);
  bool overflowed = false;
  for (std::size_t k = 1; k < deltas.size(); ++k) {
    const Status status = c.apply(deltas[k]);
    if (!status.ok()) {
      EXPECT_EQ(status.error().code, Errc::kLimitExceeded);
      overflowed = true;
    }
  }
  EXPECT_TRUE(overflowed);
  ASSERT_TRUE(c.merge(a).ok());
  EXPECT_EQ(c, a);
  EXPECT_EQ(c.pending_count(), 0u);
}

TEST(Rga, TimestampsThatDoNotRiseAreRejected) {
  List a(1);
  const auto first = must(a.insert(0, "a"));
  RgaDelta<std::string> forged;
  forged.inserts.push_back(
      RgaInsert<std::string>{RgaId{5, 0}, first.inserts[0].timestamp, RgaId{1, 0}, false, "z"});
  List c(2);
  apply_ok(c, first);
  const Status status = c.apply(forged);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kInvalidInput);
  EXPECT_EQ(c.values(), (std::vector<std::string>{"a"}));
  RgaDelta<std::string> too_late;
  too_late.inserts.push_back(
      RgaInsert<std::string>{RgaId{6, 0}, kRgaMaxTimestamp + 1, std::nullopt, false, "z"});
  const Status refused = c.apply(too_late);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kInvalidInput);
}

// Ten thousand random edits against a std::vector: positions, ids and chunk splits stay
// consistent, and a replica fed the deltas agrees.
TEST(Rga, TenThousandRandomEditsMatchAVector) {
  for (const std::uint64_t seed : property_seeds(2)) {
    Rng rng(seed);
    IntList list(1);
    IntList remote(2);
    std::vector<std::int64_t> model;
    for (std::int64_t step = 0; step < 10000; ++step) {
      if (model.empty() || rng.chance(3, 4)) {
        const std::size_t position = rng.below(model.size() + 1);
        apply_ok(remote, must(list.insert(position, step)));
        model.insert(model.begin() + static_cast<std::ptrdiff_t>(position), step);
      } else {
        const std::size_t position = rng.below(model.size());
        apply_ok(remote, must(list.remove(position)));
        model.erase(model.begin() + static_cast<std::ptrdiff_t>(position));
      }
    }
    ASSERT_EQ(list.values(), model) << seed_note(seed);
    ASSERT_EQ(remote.values(), model) << seed_note(seed);
    ASSERT_EQ(remote, list) << seed_note(seed);
    auto decoded = IntList::decode(list.encode());
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    ASSERT_EQ(decoded->values(), model) << seed_note(seed);
  }
}

TEST(Rga, EncodingNamesTheValueType) {
  List strings(1);
  must(strings.insert(0, "x"));
  auto as_ints = IntList::decode(strings.encode());
  ASSERT_FALSE(as_ints.ok());
  EXPECT_EQ(as_ints.error().code, Errc::kInvalidInput);
  auto as_strings = List::decode(strings.encode());
  ASSERT_TRUE(as_strings.ok());
  EXPECT_EQ(*as_strings, strings);
}

Bytes list_bytes(const std::vector<ReplicaId>& table,
                 const std::vector<std::vector<std::uint64_t>>& elements) {
  // Each element: replica index, seq, timestamp, flags, [after index, after seq], value.
  codec::ByteWriter out;
  out.u8(kEncodingVersion);
  out.u8(static_cast<std::uint8_t>(TypeTag::kRga));
  out.u8(ValueCodec<std::int64_t>::kTag);
  out.varint(table.size());
  for (const ReplicaId id : table) out.fixed64_le(id);
  out.varint(elements.size());
  for (const auto& fields : elements) {
    for (std::size_t k = 0; k < fields.size(); ++k) {
      if (k == 3) {
        out.u8(static_cast<std::uint8_t>(fields[k]));
      } else if (k + 1 == fields.size() && (fields[3] & 1) == 0) {
        out.svarint(static_cast<std::int64_t>(fields[k]));
      } else {
        out.varint(fields[k]);
      }
    }
  }
  return out.take();
}

TEST(RgaDecode, AcceptsAValidStateAndRejectsImpossibleOnes) {
  const Bytes valid = list_bytes({4}, {{0, 0, 1, 0, 10}, {0, 1, 2, 2, 0, 0, 11}});
  auto decoded = IntList::decode(valid);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->values(), (std::vector<std::int64_t>{10, 11}));
  EXPECT_EQ(decoded->encode(), valid);

  struct Case {
    const char* what;
    Bytes bytes;
  };
  const std::vector<Case> cases = {
      {"seq gap", list_bytes({4}, {{0, 1, 1, 0, 10}})},
      {"id twice", list_bytes({4}, {{0, 0, 1, 0, 10}, {0, 0, 2, 0, 11}})},
      {"timestamps falling", list_bytes({4}, {{0, 0, 2, 0, 10}, {0, 1, 1, 0, 11}})},
      {"reference after the element", list_bytes({4}, {{0, 0, 1, 2, 0, 1, 10}, {0, 1, 2, 0, 11}})},
      {"reference not older", list_bytes({4, 5}, {{1, 0, 3, 0, 10}, {0, 0, 3, 2, 1, 0, 11}})},
      {"missing reference", list_bytes({4}, {{0, 0, 1, 2, 0, 5, 10}})},
      {"zero timestamp", list_bytes({4}, {{0, 0, 0, 0, 10}})},
      {"unused replica", list_bytes({4, 5}, {{0, 0, 1, 0, 10}})},
      {"unknown flag", list_bytes({4}, {{0, 0, 1, 4, 10}})},
  };
  for (const Case& c : cases) {
    auto rejected = IntList::decode(c.bytes);
    ASSERT_FALSE(rejected.ok()) << c.what << " was accepted";
    EXPECT_EQ(rejected.error().code, Errc::kInvalidInput) << c.what << ": " << rejected.error().message;
  }
}

// ---- the standard properties, for each value type --------------------------------------

template <class T>
T pick(Rng& rng);
template <>
std::string pick<std::string>(Rng& rng) {
  static const std::string kPool[] = {"", "a", "b", "apple", std::string("\0z", 2), "\xff"};
  return kPool[rng.below(6)];
}
template <>
std::int64_t pick<std::int64_t>(Rng& rng) {
  static constexpr std::int64_t kPool[] = {
      0, 1, -1, 300, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()};
  return kPool[rng.below(6)];
}
template <>
Bytes pick<Bytes>(Rng& rng) {
  static const Bytes kPool[] = {{}, {0}, {0xff, 0}, {1, 2, 3}};
  return kPool[rng.below(4)];
}

template <class T>
seqtest::SequenceSpec<Rga<T>> spec() {
  seqtest::SequenceSpec<Rga<T>> result;
  result.op = [](Rga<T>& list, Rng& rng) -> RgaDelta<T> {
    const std::size_t size = list.size();
    if (size == 0 || rng.chance(2, 3)) {
      const std::uint64_t roll = rng.below(4);
      const std::size_t position = roll == 0 ? 0 : roll == 1 ? size : rng.below(size + 1);
      return must(list.insert(position, pick<T>(rng)));
    }
    return must(list.remove(rng.chance(1, 3) ? 0 : rng.below(size)));
  };
  return result;
}

template <class T>
class RgaProperties : public ::testing::Test {};
using ValueTypes = ::testing::Types<std::string, std::int64_t, Bytes>;
TYPED_TEST_SUITE(RgaProperties, ValueTypes);

TYPED_TEST(RgaProperties, MergeIsCommutativeAssociativeIdempotentAndInflationary) {
  seqtest::check_lattice(spec<TypeParam>(), 30, 80);
}

TYPED_TEST(RgaProperties, DeltasInAnyOrderWithDuplicatesEqualTheFullMerge) {
  seqtest::check_delta_delivery(spec<TypeParam>(), 30, 80);
}

TYPED_TEST(RgaProperties, FiveReplicasWithPartitionsAndLossConvergeByteIdentically) {
  const auto stats = seqtest::check_convergence(spec<TypeParam>(), 20, 300);
  EXPECT_GT(stats.deltas_applied, 0u);
  EXPECT_GT(stats.messages_lost, 0u);
  EXPECT_GT(stats.deltas_left_pending, 0u);
  EXPECT_GT(stats.catch_ups_by_delta, 0u);
  EXPECT_GT(stats.catch_ups_by_version, 0u);
  EXPECT_GT(stats.catch_ups_by_full_state, 0u);
}

TYPED_TEST(RgaProperties, EncodeDecodeRoundTrips) { seqtest::check_round_trip(spec<TypeParam>(), 20, 80); }

TYPED_TEST(RgaProperties, TruncatedMutatedAndRandomBytesDecodeToErrorsNotCrashes) {
  seqtest::check_hostile_bytes(spec<TypeParam>(), 20, 60);
}

}  // namespace
}  // namespace ff::crdt
