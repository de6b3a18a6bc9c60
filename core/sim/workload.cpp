#include "core/sim/workload.hpp"

#include <algorithm>

namespace ff::sim {

using fabric::ObjectKind;
using fabric::Op;

std::vector<ObjectSpec> one_of_each_kind(fabric::DurabilityPolicy policy) {
  return {
      {"counter", ObjectKind::kCounter, policy}, {"set", ObjectKind::kSet, policy},
      {"map", ObjectKind::kMap, policy},         {"list", ObjectKind::kList, policy},
      {"text", ObjectKind::kText, policy},
  };
}

std::uint64_t value_length(ObjectKind kind, const std::string& value_json) {
  if (kind == ObjectKind::kList) {
    // random_op's values hold no quotes, so every item is exactly two of them.
    return static_cast<std::uint64_t>(std::count(value_json.begin(), value_json.end(), '"')) / 2;
  }
  if (kind == ObjectKind::kText) {
    // ASCII letters only: one code point per byte between the quotes.
    return value_json.size() >= 2 && value_json.front() == '"' ? value_json.size() - 2 : 0;
  }
  return 0;
}

namespace {

std::string pick(Rng& rng, const char* prefix, std::uint64_t choices) {
  return std::string(prefix) + std::to_string(rng.below(choices));
}

std::string letters(Rng& rng, std::uint64_t max_count) {
  std::string text;
  const std::uint64_t count = 1 + rng.below(max_count);
  for (std::uint64_t i = 0; i < count; ++i) text.push_back(static_cast<char>('a' + rng.below(26)));
  return text;
}

// An index biased towards the ends, where concurrent edits collide most.
std::uint64_t pick_index(Rng& rng, std::uint64_t length_plus_one) {
  switch (rng.below(4)) {
    case 0: return 0;
    case 1: return length_plus_one - 1;
    default: return rng.below(length_plus_one);
  }
}

}  // namespace

Op random_op(Rng& rng, const ObjectSpec& object, const fabric::FabricNode& node) {
  switch (object.kind) {
    case ObjectKind::kCounter: {
      const std::int64_t amount = static_cast<std::int64_t>(rng.below(11)) - 5;
      return Op::increment(object.name, amount == 0 ? 1 : amount);
    }
    case ObjectKind::kSet:
      return rng.chance(2, 3) ? Op::set_add(object.name, pick(rng, "v", 6))
                              : Op::set_remove(object.name, pick(rng, "v", 6));
    case ObjectKind::kMap: {
      // One draw per statement: argument evaluation order differs between compilers, and
      // a seed must give the same ops natively and in WebAssembly.
      const bool put = rng.chance(3, 4);
      const std::string key = pick(rng, "k", 4);
      return put ? Op::map_put(object.name, key, letters(rng, 4)) : Op::map_delete(object.name, key);
    }
    case ObjectKind::kList:
    case ObjectKind::kText: {
      Result<std::string> value = node.object_json(object.name);
      const std::uint64_t length = value.ok() ? value_length(object.kind, value.value()) : 0;
      if (length > 0 && rng.chance(1, 3)) {
        const std::uint64_t index = rng.below(length);
        const std::uint64_t count = 1 + rng.below(std::min<std::uint64_t>(3, length - index));
        return object.kind == ObjectKind::kList ? Op::list_erase(object.name, index, count)
                                                : Op::text_erase(object.name, index, count);
      }
      const std::uint64_t index = pick_index(rng, length + 1);
      return object.kind == ObjectKind::kList ? Op::list_insert(object.name, index, pick(rng, "x", 50))
                                              : Op::text_insert(object.name, index, letters(rng, 3));
    }
  }
  return Op::increment(object.name, 1);
}

}  // namespace ff::sim
