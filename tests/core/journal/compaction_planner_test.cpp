#include "core/journal/compaction_planner.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ff::journal {
namespace {

CompactionPlan plan(double ratio, std::uint64_t journal_bytes = 0, std::uint64_t compacted_bytes = 0) {
  auto result = plan_compaction(CompactionInput{ratio, journal_bytes, compacted_bytes});
  EXPECT_TRUE(result.ok());
  return result.ok() ? *result : CompactionPlan{};
}

TEST(CompactionPlanner, PolicyFollowsTheSpecThresholdsAtTheirBoundaries) {
  EXPECT_EQ(plan(0.0).policy, CompactionPolicy::kNormal);
  EXPECT_EQ(plan(0.6999).policy, CompactionPolicy::kNormal);
  EXPECT_EQ(plan(0.70).policy, CompactionPolicy::kAggressive);
  EXPECT_EQ(plan(0.70).pressure, StoragePressure::kWarning);
  EXPECT_EQ(plan(0.8499).policy, CompactionPolicy::kAggressive);
  EXPECT_EQ(plan(0.85).policy, CompactionPolicy::kCritical);
  EXPECT_EQ(plan(0.85).pressure, StoragePressure::kCritical);
  EXPECT_EQ(plan(1.7).policy, CompactionPolicy::kCritical);  // over quota
}

TEST(CompactionPlanner, OnlyCriticalWarnsTheUser) {
  EXPECT_FALSE(plan(0.5).warn_user);
  EXPECT_FALSE(plan(0.8).warn_user);
  EXPECT_TRUE(plan(0.9).warn_user);
}

TEST(CompactionPlanner, GrowthNeededToCompactShrinksWithPressure) {
  const CompactionPlannerConfig config;
  const std::uint64_t base = 1000;
  // Normal: only after normal_growth_bytes of growth.
  EXPECT_FALSE(plan(0.1, base + config.normal_growth_bytes - 1, base).compact_now);
  EXPECT_TRUE(plan(0.1, base + config.normal_growth_bytes, base).compact_now);
  // Aggressive: after aggressive_growth_bytes.
  EXPECT_FALSE(plan(0.75, base + config.aggressive_growth_bytes - 1, base).compact_now);
  EXPECT_TRUE(plan(0.75, base + config.aggressive_growth_bytes, base).compact_now);
  // Critical: any growth, but not when nothing can be reclaimed.
  EXPECT_TRUE(plan(0.95, base + 1, base).compact_now);
  EXPECT_FALSE(plan(0.95, base, base).compact_now);
  EXPECT_FALSE(plan(0.95, base - 10, base).compact_now);
}

TEST(CompactionPlanner, CustomThresholdsAreUsed) {
  CompactionPlannerConfig config;
  config.warning_ratio = 0.5;
  config.critical_ratio = 0.6;
  auto result = plan_compaction(CompactionInput{0.55, 0, 0}, config);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->policy, CompactionPolicy::kAggressive);
}

TEST(CompactionPlanner, InvalidInputsAreRejected) {
  EXPECT_EQ(plan_compaction(CompactionInput{std::nan(""), 0, 0}).error().code, Errc::kInvalidInput);
  EXPECT_EQ(plan_compaction(CompactionInput{-0.1, 0, 0}).error().code, Errc::kInvalidInput);
  CompactionPlannerConfig inverted;
  inverted.warning_ratio = 0.9;
  inverted.critical_ratio = 0.8;
  EXPECT_EQ(plan_compaction(CompactionInput{0.5, 0, 0}, inverted).error().code, Errc::kInvalidInput);
}

TEST(CompactionPlanner, UsedRatioTreatsAnUnknownQuotaAsNoPressure) {
  EXPECT_DOUBLE_EQ(storage_used_ratio(50, 100), 0.5);
  EXPECT_DOUBLE_EQ(storage_used_ratio(50, 0), 0.0);
  EXPECT_DOUBLE_EQ(storage_used_ratio(0, std::numeric_limits<std::uint64_t>::max()), 0.0);
}

TEST(CompactionPlanner, NamesAreStable) {
  EXPECT_STREQ(compaction_policy_name(CompactionPolicy::kAggressive), "aggressive");
  EXPECT_STREQ(storage_pressure_name(StoragePressure::kCritical), "critical");
}

}  // namespace
}  // namespace ff::journal
