#include "core/journal/compaction_planner.hpp"

#include <cmath>

namespace ff::journal {

const char* storage_pressure_name(StoragePressure pressure) {
  switch (pressure) {
    case StoragePressure::kNormal: return "normal";
    case StoragePressure::kWarning: return "warning";
    case StoragePressure::kCritical: return "critical";
  }
  return "unknown";
}

const char* compaction_policy_name(CompactionPolicy policy) {
  switch (policy) {
    case CompactionPolicy::kNormal: return "normal";
    case CompactionPolicy::kAggressive: return "aggressive";
    case CompactionPolicy::kCritical: return "critical";
  }
  return "unknown";
}

double storage_used_ratio(std::uint64_t used_bytes, std::uint64_t quota_bytes) {
  if (quota_bytes == 0) return 0.0;
  return static_cast<double>(used_bytes) / static_cast<double>(quota_bytes);
}

Result<CompactionPlan> plan_compaction(const CompactionInput& input, const CompactionPlannerConfig& config) {
  if (std::isnan(input.used_ratio) || input.used_ratio < 0) {
    return make_error(Errc::kInvalidInput, "journal: storage used ratio must be a number >= 0");
  }
  if (!(config.warning_ratio > 0 && config.warning_ratio < config.critical_ratio)) {
    return make_error(Errc::kInvalidInput,
                      "journal: compaction thresholds must satisfy 0 < warning < critical");
  }
  CompactionPlan plan;
  std::uint64_t trigger_bytes = config.normal_growth_bytes;
  if (input.used_ratio >= config.critical_ratio) {
    plan.pressure = StoragePressure::kCritical;
    plan.policy = CompactionPolicy::kCritical;
    plan.warn_user = true;
    trigger_bytes = config.critical_growth_bytes;
  } else if (input.used_ratio >= config.warning_ratio) {
    plan.pressure = StoragePressure::kWarning;
    plan.policy = CompactionPolicy::kAggressive;
    trigger_bytes = config.aggressive_growth_bytes;
  }
  // A journal smaller than at its last compaction (it was reopened) has not grown.
  const std::uint64_t growth =
      input.journal_bytes > input.compacted_bytes ? input.journal_bytes - input.compacted_bytes : 0;
  plan.compact_now = growth > 0 && growth >= trigger_bytes;
  return plan;
}

}  // namespace ff::journal
