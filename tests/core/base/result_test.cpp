#include "core/result.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/rng.hpp"

namespace ff {
namespace {

Result<int> parse_positive(int value) {
  if (value <= 0) return make_error(Errc::kInvalidInput, "not positive: " + std::to_string(value));
  return value;
}

Result<int> doubled(int value) {
  FF_TRY_ASSIGN(int checked, parse_positive(value));
  return checked * 2;
}

Status check(int value) {
  FF_TRY(parse_positive(value));
  return {};
}

TEST(Result, ValueAndErrorAreDistinguished) {
  auto good = doubled(21);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  auto bad = doubled(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kInvalidInput);
  EXPECT_EQ(bad.error().message, "not positive: -1");
}

TEST(Result, StatusPropagatesErrors) {
  EXPECT_TRUE(check(3).ok());
  Status failed = check(0);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::kInvalidInput);
}

TEST(Rng, SameSeedSameSequenceDifferentSeedDifferentSequence) {
  Rng a(7), b(7), c(8);
  bool differs = false;
  for (int i = 0; i < 16; ++i) {
    const auto x = a.next();
    EXPECT_EQ(x, b.next());
    differs |= x != c.next();
  }
  EXPECT_TRUE(differs);
}

TEST(Rng, BelowStaysInRangeAndCoversIt) {
  Rng rng(1);
  bool seen[5] = {};
  for (int i = 0; i < 1000; ++i) {
    const auto v = rng.below(5);
    ASSERT_LT(v, 5u);
    seen[v] = true;
  }
  for (bool s : seen) EXPECT_TRUE(s);
}

}  // namespace
}  // namespace ff
