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

class CounterObject final : public SharedObject {
 public:
  explicit CounterObject(ReplicaId replica) : replica_(replica) {}
  CounterObject(ReplicaId replica, crdt::PNCounter state) : replica_(replica), state_(std::move(state)) {}

  ObjectKind kind() const override { return ObjectKind::kCounter; }

  Result<Bytes> apply_local(const Op& op, std::uint64_t) override {
    if (op.action != Op::Action::kIncrement) return wrong_action(op);
    if (op.amount >= 0) return state_.increment(replica_, static_cast<std::uint64_t>(op.amount)).encode();
    // Negating in unsigned arithmetic keeps INT64_MIN defined.
    const std::uint64_t magnitude = std::uint64_t{0} - static_cast<std::uint64_t>(op.amount);
    return state_.decrement(replica_, magnitude).encode();
  }
  Status apply_delta(ByteView delta) override {
    FF_TRY_ASSIGN(const crdt::PNCounter decoded, crdt::PNCounter::decode(delta));
    state_.apply(decoded);
    return {};
  }
  Status merge_state(ByteView state) override { return apply_delta(state); }
  Bytes encode_state() const override { return state_.encode(); }
  std::string value_json() const override { return std::to_string(state_.value()); }

 private:
  ReplicaId replica_;
  crdt::PNCounter state_;
};

class SetObject final : public SharedObject {
 public:
  using State = crdt::ORSet<std::string>;
  explicit SetObject(ReplicaId replica) : replica_(replica) {}
  SetObject(ReplicaId replica, State state) : replica_(replica), state_(std::move(state)) {}

  ObjectKind kind() const override { return ObjectKind::kSet; }

  Result<Bytes> apply_local(const Op& op, std::uint64_t) override {
    if (op.action == Op::Action::kAdd) return state_.add(replica_, op.value).encode();
    if (op.action == Op::Action::kRemove) return state_.remove(op.value).encode();
    return wrong_action(op);
  }
  Status apply_delta(ByteView delta) override {
    FF_TRY_ASSIGN(const State decoded, State::decode(delta));
    state_.apply(decoded);
    return {};
  }
  Status merge_state(ByteView state) override { return apply_delta(state); }
  Bytes encode_state() const override { return state_.encode(); }
  std::string value_json() const override {
    std::string out = "[";
    bool first = true;
    for (const std::string& element : state_.elements()) {
      if (!first) out += ',';
      first = false;
      out += json_quote(element);
    }
    return out + "]";
  }

 private:
  ReplicaId replica_;
  State state_;
};

class MapObject final : public SharedObject {
 public:
  using Register = crdt::LWWRegister<std::string>;
  using State = crdt::ORMap<std::string, Register>;
  explicit MapObject(ReplicaId replica) : replica_(replica) {}
  MapObject(ReplicaId replica, State state) : replica_(replica), state_(std::move(state)) {}

  ObjectKind kind() const override { return ObjectKind::kMap; }

  Result<Bytes> apply_local(const Op& op, std::uint64_t now_ms) override {
    if (op.action == Op::Action::kPut) {
      const ReplicaId me = replica_;
      return state_.update(me, op.key, [&](Register& reg) { return reg.set(me, op.value, now_ms); }).encode();
    }
    if (op.action == Op::Action::kDelete) return state_.remove(op.key).encode();
    return wrong_action(op);
  }
  Status apply_delta(ByteView delta) override {
    FF_TRY_ASSIGN(const State decoded, State::decode(delta));
    state_.apply(decoded);
    return {};
  }
  Status merge_state(ByteView state) override { return apply_delta(state); }
  Bytes encode_state() const override { return state_.encode(); }
  std::string value_json() const override {
    std::string out = "{";
    bool first = true;
    for (const std::string& key : state_.keys()) {
      const Register* reg = state_.get(key);
      const std::string* value = reg != nullptr ? reg->get() : nullptr;
      if (value == nullptr) continue;  // a key whose register a concurrent remove emptied
      if (!first) out += ',';
      first = false;
      out += json_quote(key) + ":" + json_quote(*value);
    }
    return out + "}";
  }

 private:
  ReplicaId replica_;
  State state_;
};

class ListObject final : public SharedObject {
 public:
  using State = crdt::Rga<std::string>;
  explicit ListObject(ReplicaId replica) : state_(replica) {}
  explicit ListObject(State state) : state_(std::move(state)) {}

  ObjectKind kind() const override { return ObjectKind::kList; }

  Result<Bytes> apply_local(const Op& op, std::uint64_t) override {
    if (op.action == Op::Action::kInsert) {
      if (op.index > state_.size()) return beyond(op.index);
      FF_TRY_ASSIGN(const State::Delta delta, state_.insert(static_cast<std::size_t>(op.index), op.value));
      return delta.encode();
    }
    if (op.action == Op::Action::kErase) {
      if (op.count == 0 || op.index > state_.size() || op.count > state_.size() - op.index) {
        return make_error(Errc::kInvalidInput, "list erase of " + std::to_string(op.count) + " at " +
                                                   std::to_string(op.index) + " is outside the list (size " +
                                                   std::to_string(state_.size()) + ")");
      }
      State::Delta combined;
      for (std::uint64_t k = 0; k < op.count; ++k) {
        FF_TRY_ASSIGN(const State::Delta delta, state_.remove(static_cast<std::size_t>(op.index)));
        combined.deletes.insert(combined.deletes.end(), delta.deletes.begin(), delta.deletes.end());
      }
      return combined.encode();
    }
    return wrong_action(op);
  }
  Status apply_delta(ByteView delta) override {
    FF_TRY_ASSIGN(const State::Delta decoded, State::Delta::decode(delta));
    return state_.apply(decoded);
  }
  Status merge_state(ByteView state) override {
    FF_TRY_ASSIGN(const State decoded, State::decode(state, state_.replica()));
    return state_.merge(decoded);
  }
  Bytes encode_state() const override { return state_.encode(); }
  std::string value_json() const override {
    std::string out = "[";
    bool first = true;
    for (const std::string& value : state_.values()) {
      if (!first) out += ',';
      first = false;
      out += json_quote(value);
    }
    return out + "]";
  }

 private:
  Error beyond(std::uint64_t index) const {
    return make_error(Errc::kInvalidInput, "list insert at " + std::to_string(index) +
                                               " is beyond the end (size " + std::to_string(state_.size()) +
                                               ")");
  }
  State state_;
};

class TextObject final : public SharedObject {
 public:
  explicit TextObject(ReplicaId replica) : state_(replica) {}
  explicit TextObject(crdt::YataText state) : state_(std::move(state)) {}

  ObjectKind kind() const override { return ObjectKind::kText; }

  Result<Bytes> apply_local(const Op& op, std::uint64_t) override {
    const std::uint64_t length = state_.length();
    if (op.action == Op::Action::kInsert) {
      if (op.index > length) {
        return make_error(Errc::kInvalidInput, "text insert at " + std::to_string(op.index) +
                                                   " is beyond the end (length " + std::to_string(length) +
                                                   ")");
      }
      FF_TRY_ASSIGN(const crdt::YataDelta delta, state_.insert(static_cast<std::size_t>(op.index), op.value));
      return delta.encode();
    }
    if (op.action == Op::Action::kErase) {
      if (op.count == 0 || op.index > length || op.count > length - op.index) {
        return make_error(Errc::kInvalidInput,
                          "text erase of " + std::to_string(op.count) + " at " + std::to_string(op.index) +
                              " is outside the text (length " + std::to_string(length) + ")");
      }
      FF_TRY_ASSIGN(const crdt::YataDelta delta,
                    state_.remove(static_cast<std::size_t>(op.index), static_cast<std::size_t>(op.count)));
      return delta.encode();
    }
    return wrong_action(op);
  }
  Status apply_delta(ByteView delta) override {
    FF_TRY_ASSIGN(const crdt::YataDelta decoded, crdt::YataDelta::decode(delta));
    return state_.apply(decoded);
  }
  Status merge_state(ByteView state) override {
    FF_TRY_ASSIGN(const crdt::YataText decoded, crdt::YataText::decode(state, state_.replica()));
    return state_.merge(decoded);
  }
  Bytes encode_state() const override { return state_.encode(); }
  std::string value_json() const override { return json_quote(state_.text()); }

 private:
  crdt::YataText state_;
};

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
  std::unique_ptr<SharedObject> object;
  switch (kind) {
    case ObjectKind::kCounter: {
      FF_TRY_ASSIGN(crdt::PNCounter decoded, crdt::PNCounter::decode(state));
      object = std::make_unique<CounterObject>(replica, std::move(decoded));
      break;
    }
    case ObjectKind::kSet: {
      FF_TRY_ASSIGN(SetObject::State decoded, SetObject::State::decode(state));
      object = std::make_unique<SetObject>(replica, std::move(decoded));
      break;
    }
    case ObjectKind::kMap: {
      FF_TRY_ASSIGN(MapObject::State decoded, MapObject::State::decode(state));
      object = std::make_unique<MapObject>(replica, std::move(decoded));
      break;
    }
    case ObjectKind::kList: {
      FF_TRY_ASSIGN(ListObject::State decoded, ListObject::State::decode(state, replica));
      object = std::make_unique<ListObject>(std::move(decoded));
      break;
    }
    case ObjectKind::kText: {
      FF_TRY_ASSIGN(crdt::YataText decoded, crdt::YataText::decode(state, replica));
      object = std::make_unique<TextObject>(std::move(decoded));
      break;
    }
  }
  if (!object) return make_error(Errc::kInvalidInput, "unknown object kind");
  return object;
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
