// The storage-pressure compaction planner of spec "Adaptive Journal Compaction (OPFS
// Storage Quotas)": from how full the storage is and how much the journal has grown since
// it was last compacted, decide whether to compact now. Pure: the runtime measures the
// used ratio (navigator.storage.estimate() in a browser, statvfs natively), since the core
// cannot read quotas, and calls JournalWriter::compact when the plan says so.
//
// Whatever the policy, compaction keeps every unacknowledged record (docs/journal-format.md
// section 8); the policies differ in how eagerly they trade history for space:
// - Normal (used < 0.70): keep the journal's recent history for replay and compact only
//   after substantial growth (spec: "Keep recent WAL entries for replay").
// - Aggressive (0.70 <= used < 0.85): compact as soon as a modest amount can be reclaimed
//   (spec: "Snapshot + MST root only").
// - Critical (used >= 0.85): compact on any growth and tell the user storage is nearly full
//   (spec: "Snapshot only, discard all history").
#pragma once

#include <cstdint>

#include "core/result.hpp"

namespace ff::journal {

enum class StoragePressure { kNormal, kWarning, kCritical };
enum class CompactionPolicy { kNormal, kAggressive, kCritical };

const char* storage_pressure_name(StoragePressure pressure);
const char* compaction_policy_name(CompactionPolicy policy);

struct CompactionPlannerConfig {
  double warning_ratio = 0.70;   // used ratio from which the policy is Aggressive
  double critical_ratio = 0.85;  // used ratio from which the policy is Critical
  // Growth of the journal since its last compaction that triggers one, per policy.
  std::uint64_t normal_growth_bytes = std::uint64_t{64} << 20;
  std::uint64_t aggressive_growth_bytes = std::uint64_t{1} << 20;
  std::uint64_t critical_growth_bytes = 1;
};

struct CompactionInput {
  double used_ratio = 0;              // storage used / quota; may exceed 1 when over quota
  std::uint64_t journal_bytes = 0;    // JournalWriter::file_bytes()
  std::uint64_t compacted_bytes = 0;  // JournalWriter::compacted_bytes()
};

struct CompactionPlan {
  StoragePressure pressure = StoragePressure::kNormal;
  CompactionPolicy policy = CompactionPolicy::kNormal;
  bool compact_now = false;
  bool warn_user = false;  // Critical: ask the user to free space
};

// used / quota, or 0 when the quota is unknown (0), as the spec treats a missing estimate.
double storage_used_ratio(std::uint64_t used_bytes, std::uint64_t quota_bytes);

// Errors: kInvalidInput when the ratio is NaN or negative, or the thresholds are not
// 0 < warning_ratio < critical_ratio.
Result<CompactionPlan> plan_compaction(const CompactionInput& input,
                                       const CompactionPlannerConfig& config = {});

}  // namespace ff::journal
