// Fixed seeds for property tests (STYLE.md 10). CI runs the default count; set
// FF_PROPERTY_SCALE=N to run N times as many seeds (the soak flag, see README).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ff::testing {

// `base_count` seeds, multiplied by FF_PROPERTY_SCALE when set. Deterministic.
std::vector<std::uint64_t> property_seeds(std::size_t base_count);

// Text to attach to assertions so a failing seed can be replayed:
//   ASSERT_TRUE(x) << seed_note(seed);
std::string seed_note(std::uint64_t seed);

}  // namespace ff::testing
