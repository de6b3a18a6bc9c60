#include "core/fabric/object_store.hpp"

#include <limits>
#include <string>
#include <utility>

#include "core/crdt/lww_register.hpp"
#include "core/crdt/ormap.hpp"
#include "core/crdt/orset.hpp"
#include "core/crdt/pncounter.hpp"
#include "core/crdt/rga.hpp"
#include "core/crdt/yata.hpp"

namespace ff::fabric {

namespace {

using crdt::ReplicaId;

Error wrong_action(const Op& op) {
  return make_error(Errc::kInvalidInput,
                    std::string("this action does not apply to a ") + object_kind_name(op.kind) + " object");
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is not one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  std::uint32_t min = 0;
  std::uint32_t code = 0;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, min = 0x80, code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, min = 0x800, code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, min = 0x10000, code = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

template <typename Range>
std::string json_string_array(const Range& values) {
  std::string out = "[";
  bool first = true;
  for (const std::string& value : values) {
    if (!first) out += ',';
    first = false;
    out += json_quote(value);
  }
  return out + "]";
}

// Counter, set and map: state-based CRDTs, whose deltas are values of the state type, so a
// delta and a full state decode and join alike.
template <typename State, ObjectKind Kind>
class JoinObject : public SharedObject {
 public:
  using StateType = State;
  explicit JoinObject(ReplicaId replica, State state = {}) : replica_(replica), state_(std::move(state)) {}

  ObjectKind kind() const final { return Kind; }
  Status apply_delta(ByteView delta) final {
    FF_TRY_ASSIGN(const State decoded, State::decode(delta));
    state_.apply(decoded);
    return {};
  }
  Status merge_state(ByteView state) final { return apply_delta(state); }
  Bytes encode_state() const final { return state_.encode(); }

 protected:
  ReplicaId replica_;
  State state_;
};

// List and text: operation-based sequences with their own delta type; a full state decodes
// bound to the local replica and merges.
template <typename State, typename Delta, ObjectKind Kind>
class SequenceObject : public SharedObject {
 public:
  using StateType = State;
  explicit SequenceObject(ReplicaId replica) : state_(replica) {}
  explicit SequenceObject(State state) : state_(std::move(state)) {}

  ObjectKind kind() const final { return Kind; }
  Status apply_delta(ByteView delta) final {
    FF_TRY_ASSIGN(const Delta decoded, Delta::decode(delta));
    return state_.apply(decoded);
  }
  Status merge_state(ByteView state) final {
    FF_TRY_ASSIGN(const State decoded, State::decode(state, state_.replica()));
    return state_.merge(decoded);
  }
  Bytes encode_state() const final { return state_.encode(); }

 protected:
  State state_;
};

class CounterObject final : public JoinObject<crdt::PNCounter, ObjectKind::kCounter> {
 public:
  using JoinObject::JoinObject;

  Result<Bytes> apply_local(const Op& op, std::uint64_t) override {
    if (op.action != Op::Action::kIncrement) return wrong_action(op);
    if (op.amount >= 0) return state_.increment(replica_, static_cast<std::uint64_t>(op.amount)).encode();
    // Negating in unsigned arithmetic keeps INT64_MIN defined.
    const std::uint64_t magnitude = std::uint64_t{0} - static_cast<std::uint64_t>(op.amount);
    return state_.decrement(replica_, magnitude).encode();
  }
  std::string value_json() const override { return std::to_string(state_.value()); }
};

class SetObject final : public JoinObject<crdt::ORSet<std::string>, ObjectKind::kSet> {
 public:
  using JoinObject::JoinObject;

  Result<Bytes> apply_local(const Op& op, std::uint64_t) override {
    if (op.action == Op::Action::kAdd) return state_.add(replica_, op.value).encode();
    if (op.action == Op::Action::kRemove) return state_.remove(op.value).encode();
    return wrong_action(op);
  }
  std::string value_json() const override { return json_string_array(state_.elements()); }
};

using MapRegister = crdt::LWWRegister<std::string>;

class MapObject final : public JoinObject<crdt::ORMap<std::string, MapRegister>, ObjectKind::kMap> {
 public:
  using JoinObject::JoinObject;

  Result<Bytes> apply_local(const Op& op, std::uint64_t now_ms) override {
    if (op.action == Op::Action::kPut) {
      const ReplicaId me = replica_;
      return state_.update(me, op.key, [&](MapRegister& reg) { return reg.set(me, op.value, now_ms); })
          .encode();
    }
    if (op.action == Op::Action::kDelete) return state_.remove(op.key).encode();
    return wrong_action(op);
  }
  std::string value_json() const override {
    std::string out = "{";
    bool first = true;
    for (const std::string& key : state_.keys()) {
      const MapRegister* reg = state_.get(key);
      const std::string* value = reg != nullptr ? reg->get() : nullptr;
      if (value == nullptr) continue;  // a key whose register a concurrent remove emptied
      if (!first) out += ',';
      first = false;
      out += json_quote(key) + ":" + json_quote(*value);
    }
    return out + "}";
  }
};

// "erase of N at I is outside the list (size S)" unless [I, I+N) is a non-empty range.
Status check_erase(const char* what, const char* size_name, std::uint64_t index, std::uint64_t count,
                   std::uint64_t size) {
  if (count != 0 && index <= size && count <= size - index) return {};
  return make_error(Errc::kInvalidInput, std::string(what) + " erase of " + std::to_string(count) + " at " +
                                             std::to_string(index) + " is outside the " + what + " (" +
                                             size_name + " " + std::to_string(size) + ")");
}

Status check_insert(const char* what, const char* size_name, std::uint64_t index, std::uint64_t size) {
  if (index <= size) return {};
  return make_error(Errc::kInvalidInput, std::string(what) + " insert at " + std::to_string(index) +
                                             " is beyond the end (" + size_name + " " + std::to_string(size) +
                                             ")");
}

class ListObject final
    : public SequenceObject<crdt::Rga<std::string>, crdt::Rga<std::string>::Delta, ObjectKind::kList> {
 public:
  using SequenceObject::SequenceObject;

  Result<Bytes> apply_local(const Op& op, std::uint64_t) override {
    if (op.action == Op::Action::kInsert) {
      FF_TRY(check_insert("list", "size", op.index, state_.size()));
      FF_TRY_ASSIGN(const auto delta, state_.insert(static_cast<std::size_t>(op.index), op.value));
      return delta.encode();
    }
    if (op.action == Op::Action::kErase) {
      FF_TRY(check_erase("list", "size", op.index, op.count, state_.size()));
      crdt::Rga<std::string>::Delta combined;
      for (std::uint64_t k = 0; k < op.count; ++k) {
        FF_TRY_ASSIGN(const auto delta, state_.remove(static_cast<std::size_t>(op.index)));
        combined.deletes.insert(combined.deletes.end(), delta.deletes.begin(), delta.deletes.end());
      }
      return combined.encode();
    }
    return wrong_action(op);
  }
  std::string value_json() const override { return json_string_array(state_.values()); }
};

class TextObject final : public SequenceObject<crdt::YataText, crdt::YataDelta, ObjectKind::kText> {
 public:
  using SequenceObject::SequenceObject;

  Result<Bytes> apply_local(const Op& op, std::uint64_t) override {
    const std::uint64_t length = state_.length();
    if (op.action == Op::Action::kInsert) {
      FF_TRY(check_insert("text", "length", op.index, length));
      FF_TRY_ASSIGN(const crdt::YataDelta delta, state_.insert(static_cast<std::size_t>(op.index), op.value));
      return delta.encode();
    }
    if (op.action == Op::Action::kErase) {
      FF_TRY(check_erase("text", "length", op.index, op.count, length));
      FF_TRY_ASSIGN(const crdt::YataDelta delta,
                    state_.remove(static_cast<std::size_t>(op.index), static_cast<std::size_t>(op.count)));
      return delta.encode();
    }
    return wrong_action(op);
  }
  std::string value_json() const override { return json_quote(state_.text()); }
};

template <typename Object>
Result<std::unique_ptr<SharedObject>> join_from_state(ReplicaId replica, ByteView state) {
  FF_TRY_ASSIGN(typename Object::StateType decoded, Object::StateType::decode(state));
  return std::unique_ptr<SharedObject>(std::make_unique<Object>(replica, std::move(decoded)));
}

template <typename Object>
Result<std::unique_ptr<SharedObject>> sequence_from_state(ReplicaId replica, ByteView state) {
  FF_TRY_ASSIGN(typename Object::StateType decoded, Object::StateType::decode(state, replica));
  return std::unique_ptr<SharedObject>(std::make_unique<Object>(std::move(decoded)));
}

}  // namespace

std::unique_ptr<SharedObject> SharedObject::make(ObjectKind kind, ReplicaId replica) {
  switch (kind) {
    case ObjectKind::kCounter: return std::make_unique<CounterObject>(replica);
    case ObjectKind::kSet: return std::make_unique<SetObject>(replica);
    case ObjectKind::kMap: return std::make_unique<MapObject>(replica);
    case ObjectKind::kList: return std::make_unique<ListObject>(replica);
    case ObjectKind::kText: return std::make_unique<TextObject>(replica);
  }
  return std::make_unique<CounterObject>(replica);
}

Result<std::unique_ptr<SharedObject>> SharedObject::from_state(ObjectKind kind, ReplicaId replica,
                                                               ByteView state) {
  switch (kind) {
    case ObjectKind::kCounter: return join_from_state<CounterObject>(replica, state);
    case ObjectKind::kSet: return join_from_state<SetObject>(replica, state);
    case ObjectKind::kMap: return join_from_state<MapObject>(replica, state);
    case ObjectKind::kList: return sequence_from_state<ListObject>(replica, state);
    case ObjectKind::kText: return sequence_from_state<TextObject>(replica, state);
  }
  return make_error(Errc::kInvalidInput, "unknown object kind");
}

std::string json_quote(std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x80) {
      const std::size_t length = utf8_sequence_length(text, i);
      if (length == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (byte) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (byte < 0x20 || byte == 0x7F) {
          out += "\\u00";
          out += kHex[byte >> 4];
          out += kHex[byte & 0xF];
        } else {
          out += static_cast<char>(byte);
        }
    }
    ++i;
  }
  out += '"';
  return out;
}

}  // namespace ff::fabric
