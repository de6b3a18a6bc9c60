// ORMap<K, V>: an observed-remove map whose values are CRDTs (any type of ours: counters,
// registers, sets, maps). Updating a key changes its value through the value's own
// mutator; removing a key removes what the remover has observed of it; an update made
// concurrently with a remove of the same key wins (the key stays, holding what the
// remover had not seen).
//
// Construction (after the observed-remove map of Almeida et al., "Delta State Replicated
// Data Types", adapted so values keep their own state instead of sharing the map's dot
// store): each entry holds
//   - presence: the dots of the updates that keep the key in the map (an add-wins DotSet
//     in the map's causal context; every update makes a new one), and
//   - value: a V, joined with V::merge.
// A key is in the map while its presence is non-empty. remove(key) puts the presence dots
// in the delta's context and the value's observed reset, V::clear(), in the delta's value
// (for an ORSet that removes the observed adds; for a GCounter it marks the observed
// counts as cleared, see gcounter.hpp). A removed key's cleared value stays as a small
// tombstone (mostly a version vector) so a late, stale copy of the old value cannot
// bring removed content back; an entry is dropped only once it holds nothing at all.
//
// Requirements on V: default-constructible bottom state, `V::Delta` = V, `void merge(const
// V&)`, `V clear()`, `==`, and the encoding trio (write_signature, encode_body,
// decode_body, see encoding.hpp). K needs a ValueCodec and a ValueLess order (value_codec.hpp).
//
// Nesting is fixed by the type (ORMap<K, ORMap<K, V>>), so decoding recursion is bounded
// by the type, never by the input; kMaxOrMapNesting bounds it at compile time.
#pragma once

#include <cstdint>
#include <iterator>
#include <map>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/codec/byte_io.hpp"
#include "core/crdt/dot.hpp"
#include "core/crdt/dot_context.hpp"
#include "core/crdt/dot_store.hpp"
#include "core/crdt/encoding.hpp"
#include "core/crdt/replica_id.hpp"
#include "core/crdt/value_codec.hpp"
#include "core/result.hpp"

namespace ff::crdt {

// Deepest ORMap-in-ORMap nesting a program may declare (the decoder's recursion depth).
inline constexpr int kMaxOrMapNesting = 8;

template <class K, class V>
class ORMap;

// How many ORMaps deep a value type is (0 for a non-map value).
template <class V>
struct OrMapNesting {
  static constexpr int kDepth = 0;
};
template <class K, class V>
struct OrMapNesting<ORMap<K, V>> {
  static constexpr int kDepth = 1 + OrMapNesting<V>::kDepth;
};

template <class K, class V>
class ORMap {
  static_assert(OrMapNesting<V>::kDepth + 1 <= kMaxOrMapNesting, "ORMap nested deeper than kMaxOrMapNesting");

 public:
  using Delta = ORMap;

  ORMap() = default;

  // Applies `mutate` to the value at `key` (a new, empty V if the key was never used) and
  // returns the map delta. `mutate(V&)` must change the value through one of V's
  // mutators and return that mutator's delta, e.g.
  //   map.update(me, "tags", [&](ORSet<std::string>& tags) { return tags.add(me, "red"); });
  // The key is in the map afterwards even if the mutator changed nothing.
  template <class Mutator>
  ORMap update(ReplicaId replica, const K& key, Mutator&& mutate) {
    static_assert(std::is_convertible_v<std::invoke_result_t<Mutator&, V&>, V>,
                  "the mutator must return the value's delta (a V)");
    ORMap delta;
    Entry& entry = entries_[key];
    const Dot dot = context_.make_dot(replica);
    delta.context_.add(entry.presence);
    delta.context_.add(dot);
    entry.presence.clear();
    entry.presence.insert(dot);
    Entry& delta_entry = delta.entries_[key];
    delta_entry.presence.insert(dot);
    delta_entry.value = mutate(entry.value);
    return delta;
  }

  // Removes `key` as far as this replica has observed it (see the file comment); returns
  // the delta (empty when the map holds nothing under `key`).
  ORMap remove(const K& key) {
    ORMap delta;
    auto it = entries_.find(key);
    if (it == entries_.end()) return delta;
    remove_entry(it->first, it->second, delta);
    if (it->second.holds_nothing()) entries_.erase(it);
    return delta;
  }

  // Removes every key this replica observes; returns the delta.
  ORMap clear() {
    ORMap delta;
    for (auto it = entries_.begin(); it != entries_.end();) {
      remove_entry(it->first, it->second, delta);
      it = it->second.holds_nothing() ? entries_.erase(it) : std::next(it);
    }
    return delta;
  }

  bool contains(const K& key) const {
    auto it = entries_.find(key);
    return it != entries_.end() && !it->second.presence.empty();
  }
  // The value at `key`, or nullptr when the key is not in the map.
  const V* get(const K& key) const {
    auto it = entries_.find(key);
    return it != entries_.end() && !it->second.presence.empty() ? &it->second.value : nullptr;
  }
  // The keys in the map, ascending.
  std::vector<K> keys() const {
    std::vector<K> result;
    for (const auto& [key, entry] : entries_) {
      if (!entry.presence.empty()) result.push_back(key);
    }
    return result;
  }
  std::size_t size() const {
    std::size_t present = 0;
    for (const auto& [key, entry] : entries_) present += entry.presence.empty() ? 0 : 1;
    return present;
  }
  bool empty() const { return size() == 0; }
  const DotContext& context() const { return context_; }

  void merge(const ORMap& other) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      auto match = other.entries_.find(it->first);
      if (match == other.entries_.end()) {
        join_dot_set(it->second.presence, context_, kNoDots, other.context_);
      } else {
        join_dot_set(it->second.presence, context_, match->second.presence, other.context_);
        it->second.value.merge(match->second.value);
      }
      it = it->second.holds_nothing() ? entries_.erase(it) : std::next(it);
    }
    for (const auto& [key, theirs] : other.entries_) {
      if (entries_.count(key) != 0) continue;
      Entry entry;
      for (const Dot& dot : theirs.presence) {
        if (!context_.contains(dot)) entry.presence.insert(dot);
      }
      entry.value = theirs.value;
      if (!entry.holds_nothing()) entries_.emplace(key, std::move(entry));
    }
    context_.merge(other.context_);
  }
  void apply(const ORMap& delta) { merge(delta); }

  bool operator==(const ORMap& other) const {
    return entries_ == other.entries_ && context_ == other.context_;
  }
  bool operator!=(const ORMap& other) const { return !(*this == other); }

  // Versioned, canonical binary encoding (docs/crdt-encoding.md "ORMap").
  Bytes encode() const { return encode_state(*this); }
  static Result<ORMap> decode(ByteView bytes) { return decode_state<ORMap>(bytes, "ORMap"); }

  static void write_signature(codec::ByteWriter& out) {
    out.u8(static_cast<std::uint8_t>(TypeTag::kOrMap));
    out.u8(ValueCodec<K>::kTag);
    V::write_signature(out);
  }

  void encode_body(codec::ByteWriter& out) const {
    out.varint(entries_.size());
    for (const auto& [key, entry] : entries_) {
      ValueCodec<K>::encode(out, key);
      write_dot_set(out, entry.presence);
      entry.value.encode_body(out);
    }
    context_.encode_body(out);
  }

  static Result<ORMap> decode_body(codec::ByteReader& in) {
    ORMap state;
    // Each entry is at least a key byte, a presence count byte and a value byte.
    FF_TRY_ASSIGN(const std::uint64_t entry_count, in.count(3));
    for (std::uint64_t i = 0; i < entry_count; ++i) {
      FF_TRY_ASSIGN(K key, ValueCodec<K>::decode(in));
      Entry entry;
      FF_TRY_ASSIGN(entry.presence, read_dot_set(in, /*allow_empty=*/true));
      FF_TRY_ASSIGN(entry.value, V::decode_body(in));
      if (entry.holds_nothing()) {
        return make_error(Errc::kInvalidInput, "ORMap: entry with no presence and an empty value");
      }
      if (!state.entries_.empty() && !ValueLess<K>{}(state.entries_.rbegin()->first, key)) {
        return make_error(Errc::kInvalidInput, "ORMap: keys not strictly ascending");
      }
      state.entries_.emplace_hint(state.entries_.end(), std::move(key), std::move(entry));
    }
    FF_TRY_ASSIGN(state.context_, DotContext::decode_body(in));
    for (const auto& [key, entry] : state.entries_) {
      if (!covered_by(entry.presence, state.context_)) {
        return make_error(Errc::kInvalidInput, "ORMap: a presence dot is missing from the context");
      }
    }
    return state;
  }

 private:
  struct Entry {
    DotSet presence;  // in the map while non-empty; every dot is in the map's context
    V value;          // kept (cleared) after a remove, see the file comment

    bool holds_nothing() const { return presence.empty() && value == V{}; }
    bool operator==(const Entry& other) const { return presence == other.presence && value == other.value; }
  };

  // Removes the observed presence and value of one entry, recording both in `delta`.
  void remove_entry(const K& key, Entry& entry, ORMap& delta) {
    delta.context_.add(entry.presence);
    entry.presence.clear();
    V value_delta = entry.value.clear();
    if (!(value_delta == V{})) delta.entries_[key].value = std::move(value_delta);
  }

  static inline const DotSet kNoDots{};

  std::map<K, Entry, ValueLess<K>> entries_;  // never holds an entry that holds nothing
  DotContext context_;
};

}  // namespace ff::crdt
