// Random operations for simulator runs (docs/simulator.md): a fixed set of objects, one or
// more of each kind, and ops over them that deliberately collide (few set values and map
// keys, edits at the ends and in the middle of short lists and texts).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/fabric/fabric_node.hpp"
#include "core/fabric/fabric_types.hpp"
#include "core/rng.hpp"

namespace ff::sim {

struct ObjectSpec {
  std::string name;
  fabric::ObjectKind kind = fabric::ObjectKind::kCounter;
  fabric::DurabilityPolicy policy;
};

// One object of each of the five kinds, all with `policy`: "counter", "set", "map",
// "list", "text".
std::vector<ObjectSpec> one_of_each_kind(fabric::DurabilityPolicy policy);

// A random op on `object`, valid against `node`'s current value (an index within the
// list or text it holds now). Values are ASCII without quotes or backslashes.
fabric::Op random_op(Rng& rng, const ObjectSpec& object, const fabric::FabricNode& node);

// Items in a list value ["a","b"] or code points in a text value "ab" as object_json gives
// them, for values random_op produces; 0 for anything else (absent object included).
std::uint64_t value_length(fabric::ObjectKind kind, const std::string& value_json);

}  // namespace ff::sim
