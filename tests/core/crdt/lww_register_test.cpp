#include "core/crdt/lww_register.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/core/crdt/crdt_generators.hpp"
#include "tests/core/crdt/crdt_properties.hpp"

namespace ff::crdt {
namespace {

using Register = LWWRegister<std::string>;
using IntRegister = LWWRegister<std::int64_t>;

TEST(LWWRegister, EmptyUntilTheFirstWrite) {
  Register reg;
  EXPECT_EQ(reg.get(), nullptr);
  EXPECT_FALSE(reg.value().has_value());
  reg.set(1, "x", 10);
  ASSERT_NE(reg.get(), nullptr);
  EXPECT_EQ(*reg.get(), "x");
  EXPECT_EQ(reg.wall_time_ms(), 10u);
  EXPECT_EQ(reg.writer(), 1u);
}

TEST(LWWRegister, ConcurrentWritesAreWonByTheHigherReplicaIdWhateverTheWallTime) {
  for (const bool low_writes_later_in_wall_time : {false, true}) {
    Register low;
    Register high;
    // The low replica's clock reads far in the future in one round, far in the past in
    // the other: the winner must not change.
    const Register from_low = low.set(1, "low", low_writes_later_in_wall_time ? 9'000'000 : 1);
    const Register from_high = high.set(2, "high", 5000);
    low.apply(from_high);
    high.apply(from_low);
    EXPECT_EQ(low.value(), "high");
    EXPECT_EQ(high.value(), "high");
    EXPECT_EQ(low, high);
    EXPECT_EQ(low.wall_time_ms(), 5000u);  // carried for display with the winner
  }
}

TEST(LWWRegister, AWriteThatSawAnotherWinsEvenFromALowerIdWithAnOlderWallTime) {
  Register high;
  const Register first = high.set(9, "first", 5000);
  Register low;
  low.apply(first);
  const Register second = low.set(1, "second", 10);  // clock behind, id lower, but it saw "first"
  high.apply(second);
  EXPECT_EQ(high.value(), "second");
  EXPECT_EQ(low.value(), "second");
  EXPECT_EQ(high.writes().size(), 1u);  // "first" is gone, not merely hidden
}

TEST(LWWRegister, CausalAndReplicaIdOrdersTogetherStillConvergeInEveryMergeOrder) {
  // a (by 3) < b (by 1) causally; c (by 2) is concurrent with both. "Dominates, else
  // higher id" is not transitive here (a beats c by id, c beats b by id, b beats a), so
  // the register keeps the frontier {b, c} and reads c, whatever the merge order.
  Register r3;
  const Register a = r3.set(3, "a", 0);
  Register r1;
  r1.apply(a);
  const Register b = r1.set(1, "b", 0);
  Register r2;
  const Register c = r2.set(2, "c", 0);
  const Register orders[][3] = {{a, b, c}, {a, c, b}, {b, a, c}, {b, c, a}, {c, a, b}, {c, b, a}};
  for (const auto& order : orders) {
    Register reg;
    for (const Register& delta : order) reg.apply(delta);
    EXPECT_EQ(reg.value(), "c");
    EXPECT_EQ(reg.writes().size(), 2u);
  }
}

TEST(LWWRegister, ALaterWriteReplacesTheWholeConcurrentFrontier) {
  Register a;
  Register b;
  const Register from_a = a.set(1, "a", 0);
  const Register from_b = b.set(2, "b", 0);
  a.apply(from_b);
  b.apply(from_a);
  ASSERT_EQ(a.writes().size(), 2u);
  const Register later = a.set(1, "later", 0);
  b.apply(later);
  EXPECT_EQ(b.value(), "later");
  EXPECT_EQ(b.writes().size(), 1u);
}

TEST(LWWRegister, ClearRemovesObservedWritesButNotConcurrentOnes) {
  Register a;
  Register b;
  const Register first = a.set(1, "first", 0);
  b.apply(first);
  const Register cleared = b.clear();
  EXPECT_EQ(b.get(), nullptr);
  const Register concurrent = a.set(1, "concurrent", 0);
  a.apply(cleared);
  b.apply(concurrent);
  EXPECT_EQ(a.value(), "concurrent");
  EXPECT_EQ(a, b);
}

TEST(LWWRegister, DecodeRejectsAWriteWhoseDotIsNotInTheContext) {
  Register reg;
  reg.set(1, "x", 0);
  Bytes bytes = reg.encode();
  // The encoding ends with the context: version vector {1: 1} (count, 8-byte id, count)
  // and an empty cloud. Replace it with an empty context (two zero counts).
  const std::size_t context_bytes = 1 + 9 + 1;
  bytes.resize(bytes.size() - context_bytes);
  bytes.push_back(0);
  bytes.push_back(0);
  auto decoded = Register::decode(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kInvalidInput);
}

TEST(LWWRegister, DecodeRejectsAnotherValueType) {
  Register reg;
  reg.set(1, "x", 0);
  auto decoded = IntRegister::decode(reg.encode());
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, Errc::kInvalidInput);
}

FF_CRDT_PROPERTY_TESTS(LWWRegisterStringProperties, Register, proptest::lww_op<std::string>(), 300, 40)
FF_CRDT_PROPERTY_TESTS(LWWRegisterInt64Properties, IntRegister, proptest::lww_op<std::int64_t>(), 150, 40)

}  // namespace
}  // namespace ff::crdt
