#include "core/fabric/fabric_types.hpp"

#include <cstddef>
#include <string>
#include <utility>

namespace ff::fabric {

namespace {

bool is_program_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

std::string describe_byte(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7F) return std::string("'") + c + "'";
  static const char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 0xF];
}

// Parses the decimal count inside "quorum(N)" / "strict_quorum(N)"; N in 1..2^32-1.
Result<std::uint32_t> parse_count(const std::string& text, const std::string& whole) {
  if (text.empty() || text.size() > 10) {
    return make_error(Errc::kInvalidInput,
                      "durability '" + whole + "': expected a count from 1 to 4294967295");
  }
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return make_error(Errc::kInvalidInput, "durability '" + whole + "': the count is not a decimal number");
    }
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value == 0 || value > 0xFFFFFFFFu || text[0] == '0') {
    return make_error(Errc::kInvalidInput,
                      "durability '" + whole + "': expected a count from 1 to 4294967295");
  }
  return static_cast<std::uint32_t>(value);
}

// Each enum's names, one table for both directions.
template <typename Enum>
struct Named {
  Enum value;
  const char* name;
};

constexpr Named<Sovereignty> kSovereigntyNames[] = {
    {Sovereignty::kAuthority, "authority"},
    {Sovereignty::kCitizen, "citizen"},
    {Sovereignty::kEphemeral, "ephemeral"},
};

constexpr Named<ObjectKind> kObjectKindNames[] = {
    {ObjectKind::kCounter, "counter"}, {ObjectKind::kSet, "set"},   {ObjectKind::kMap, "map"},
    {ObjectKind::kList, "list"},       {ObjectKind::kText, "text"},
};

template <typename Enum, std::size_t N>
const char* name_of(const Named<Enum> (&table)[N], Enum value) {
  for (const Named<Enum>& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return "unknown";
}

// kInvalidInput "<what> '<text>' is not one of a, b, c" for a name not in `table`.
template <typename Enum, std::size_t N>
Result<Enum> parse_named(const Named<Enum> (&table)[N], const std::string& text, const char* what) {
  std::string names;
  for (const Named<Enum>& entry : table) {
    if (text == entry.name) return entry.value;
    names += names.empty() ? "" : ", ";
    names += entry.name;
  }
  return make_error(Errc::kInvalidInput, std::string(what) + " '" + text + "' is not one of " + names);
}

}  // namespace

std::string sync_topic(const std::string& program_id) { return "fabric/" + program_id + "/sync"; }

Status validate_program_id(const std::string& program_id) {
  if (program_id.empty() || program_id.size() > kMaxProgramIdBytes) {
    return make_error(Errc::kInvalidInput, "program id must be 1.." + std::to_string(kMaxProgramIdBytes) +
                                               " bytes, got " + std::to_string(program_id.size()));
  }
  for (std::size_t i = 0; i < program_id.size(); ++i) {
    if (!is_program_id_char(program_id[i])) {
      return make_error(Errc::kInvalidInput, "program id: " + describe_byte(program_id[i]) + " at offset " +
                                                 std::to_string(i) + " is not one of [A-Za-z0-9._-]");
    }
  }
  return {};
}

Status validate_object_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxObjectNameBytes) {
    return make_error(Errc::kInvalidInput, "object name must be 1.." + std::to_string(kMaxObjectNameBytes) +
                                               " bytes, got " + std::to_string(name.size()));
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto byte = static_cast<unsigned char>(name[i]);
    if (byte < 0x20 || byte >= 0x7F) {
      return make_error(Errc::kInvalidInput, "object name: " + describe_byte(name[i]) + " at offset " +
                                                 std::to_string(i) + " is not printable ASCII");
    }
  }
  if (name.front() == '/' || name.back() == '/') {
    return make_error(Errc::kInvalidInput, "object name '" + name + "' must not start or end with '/'");
  }
  return {};
}

const char* sovereignty_name(Sovereignty s) { return name_of(kSovereigntyNames, s); }

Result<Sovereignty> parse_sovereignty(const std::string& s) {
  return parse_named(kSovereigntyNames, s, "sovereignty");
}

const char* object_kind_name(ObjectKind kind) { return name_of(kObjectKindNames, kind); }

Result<ObjectKind> parse_object_kind(const std::string& s) {
  return parse_named(kObjectKindNames, s, "object kind");
}

std::string durability_name(const DurabilityPolicy& p) {
  switch (p.kind) {
    case DurabilityPolicy::Kind::kLocal: return "local";
    case DurabilityPolicy::Kind::kQuorum: return "quorum(" + std::to_string(p.n) + ")";
    case DurabilityPolicy::Kind::kStrictQuorum: return "strict_quorum(" + std::to_string(p.n) + ")";
    case DurabilityPolicy::Kind::kLeader: return "leader";
  }
  return "unknown";
}

Result<DurabilityPolicy> parse_durability(const std::string& s) {
  if (s == "local") return DurabilityPolicy::local();
  if (s == "leader") return DurabilityPolicy::leader();
  const auto with_count = [&](const std::string& prefix) -> std::optional<std::string> {
    if (s.size() < prefix.size() + 2 || s.compare(0, prefix.size(), prefix) != 0 || s.back() != ')') {
      return std::nullopt;
    }
    return s.substr(prefix.size(), s.size() - prefix.size() - 1);
  };
  if (auto count = with_count("quorum(")) {
    FF_TRY_ASSIGN(const std::uint32_t n, parse_count(*count, s));
    return DurabilityPolicy::quorum(n);
  }
  if (auto count = with_count("strict_quorum(")) {
    FF_TRY_ASSIGN(const std::uint32_t n, parse_count(*count, s));
    return DurabilityPolicy::strict_quorum(n);
  }
  return make_error(Errc::kInvalidInput,
                    "durability '" + s + "' is not one of local, quorum(N), strict_quorum(N), leader");
}

const char* event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::kPeerJoined: return "peer_joined";
    case EventKind::kPeerLeft: return "peer_left";
    case EventKind::kPeerStale: return "peer_stale";
    case EventKind::kPeerActive: return "peer_active";
    case EventKind::kObjectChanged: return "object_changed";
    case EventKind::kWriteDone: return "write_done";
    case EventKind::kWarning: return "warning";
    case EventKind::kRejected: return "rejected";
  }
  return "unknown";
}

Op Op::increment(std::string object, std::int64_t amount) {
  Op op;
  op.kind = ObjectKind::kCounter;
  op.action = Action::kIncrement;
  op.object = std::move(object);
  op.amount = amount;
  return op;
}

Op Op::set_add(std::string object, std::string value) {
  Op op;
  op.kind = ObjectKind::kSet;
  op.action = Action::kAdd;
  op.object = std::move(object);
  op.value = std::move(value);
  return op;
}

Op Op::set_remove(std::string object, std::string value) {
  Op op = set_add(std::move(object), std::move(value));
  op.action = Action::kRemove;
  return op;
}

Op Op::map_put(std::string object, std::string key, std::string value) {
  Op op;
  op.kind = ObjectKind::kMap;
  op.action = Action::kPut;
  op.object = std::move(object);
  op.key = std::move(key);
  op.value = std::move(value);
  return op;
}

Op Op::map_delete(std::string object, std::string key) {
  Op op = map_put(std::move(object), std::move(key), {});
  op.action = Action::kDelete;
  return op;
}

Op Op::list_insert(std::string object, std::uint64_t index, std::string value) {
  Op op;
  op.kind = ObjectKind::kList;
  op.action = Action::kInsert;
  op.object = std::move(object);
  op.index = index;
  op.value = std::move(value);
  return op;
}

Op Op::list_erase(std::string object, std::uint64_t index, std::uint64_t count) {
  Op op;
  op.kind = ObjectKind::kList;
  op.action = Action::kErase;
  op.object = std::move(object);
  op.index = index;
  op.count = count;
  return op;
}

Op Op::text_insert(std::string object, std::uint64_t index, std::string text) {
  Op op = list_insert(std::move(object), index, std::move(text));
  op.kind = ObjectKind::kText;
  return op;
}

Op Op::text_erase(std::string object, std::uint64_t index, std::uint64_t count) {
  Op op = list_erase(std::move(object), index, count);
  op.kind = ObjectKind::kText;
  return op;
}

}  // namespace ff::fabric
