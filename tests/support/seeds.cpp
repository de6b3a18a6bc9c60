#include "tests/support/seeds.hpp"

#include <cstdlib>

namespace ff::testing {

std::vector<std::uint64_t> property_seeds(std::size_t base_count) {
  std::size_t scale = 1;
  if (const char* text = std::getenv("FF_PROPERTY_SCALE")) {
    const long parsed = std::strtol(text, nullptr, 10);
    if (parsed > 0) scale = static_cast<std::size_t>(parsed);
  }
  std::vector<std::uint64_t> seeds;
  seeds.reserve(base_count * scale);
  for (std::size_t i = 0; i < base_count * scale; ++i) seeds.push_back(0x5eed0000ULL + i);
  return seeds;
}

std::string seed_note(std::uint64_t seed) {
  return "seed=" + std::to_string(seed) + " (replay: this seed reproduces the failure)";
}

}  // namespace ff::testing
