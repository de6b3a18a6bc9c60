// ORSet<T>: an observed-remove set with add-wins semantics. A remove takes out only the
// adds its replica has seen; an add made concurrently with a remove of the same element
// survives it.
//
// Delta-state construction of the add-wins set of Almeida et al., "Delta State Replicated
// Data Types" (2018): a DotMap from element to the dots of the adds that put it
// there, plus the causal context. An add makes a new dot and its delta also names the
// element's older dots in the context (they are superseded, keeping one dot per element
// per concurrent adder); a remove's delta is just the context holding the element's dots.
// T needs a ValueCodec and a ValueLess order (value_codec.hpp).
#pragma once

#include <cstdint>
#include <iterator>
#include <map>
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

template <class T>
class ORSet {
 public:
  using Delta = ORSet;

  ORSet() = default;

  // Adds `element`; returns the delta.
  ORSet add(ReplicaId replica, const T& element) {
    ORSet delta;
    const Dot dot = context_.make_dot(replica);
    DotSet& dots = entries_[element];
    delta.context_.add(dots);
    delta.context_.add(dot);
    dots.clear();
    dots.insert(dot);
    delta.entries_[element].insert(dot);
    return delta;
  }

  // Removes `element` as far as this replica has seen it added; returns the delta (empty
  // when the element is absent).
  ORSet remove(const T& element) {
    ORSet delta;
    auto it = entries_.find(element);
    if (it == entries_.end()) return delta;
    delta.context_.add(it->second);
    entries_.erase(it);
    return delta;
  }

  // Removes every element this replica sees; returns the delta.
  ORSet clear() {
    ORSet delta;
    for (const auto& [element, dots] : entries_) delta.context_.add(dots);
    entries_.clear();
    return delta;
  }

  bool contains(const T& element) const { return entries_.count(element) != 0; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // The elements in ascending order.
  std::vector<T> elements() const {
    std::vector<T> result;
    result.reserve(entries_.size());
    for (const auto& [element, dots] : entries_) result.push_back(element);
    return result;
  }
  // Each element with the dots of the adds that keep it in the set.
  const std::map<T, DotSet, ValueLess<T>>& entries() const { return entries_; }
  const DotContext& context() const { return context_; }

  void merge(const ORSet& other) {
    // Elements only we hold lose the dots the other side has seen removed.
    for (auto it = entries_.begin(); it != entries_.end();) {
      auto match = other.entries_.find(it->first);
      join_dot_set(it->second, context_, match == other.entries_.end() ? kNoDots : match->second,
                   other.context_);
      it = it->second.empty() ? entries_.erase(it) : std::next(it);
    }
    // Elements only the other side holds keep the dots we have not seen.
    for (const auto& [element, dots] : other.entries_) {
      if (entries_.count(element) != 0) continue;
      DotSet kept;
      for (const Dot& dot : dots) {
        if (!context_.contains(dot)) kept.insert(dot);
      }
      if (!kept.empty()) entries_.emplace(element, std::move(kept));
    }
    context_.merge(other.context_);
  }
  void apply(const ORSet& delta) { merge(delta); }

  bool operator==(const ORSet& other) const {
    return entries_ == other.entries_ && context_ == other.context_;
  }
  bool operator!=(const ORSet& other) const { return !(*this == other); }

  // Versioned, canonical binary encoding (docs/crdt-encoding.md "ORSet").
  Bytes encode() const { return encode_state(*this); }
  static Result<ORSet> decode(ByteView bytes) { return decode_state<ORSet>(bytes, "ORSet"); }

  static void write_signature(codec::ByteWriter& out) {
    out.u8(static_cast<std::uint8_t>(TypeTag::kOrSet));
    out.u8(ValueCodec<T>::kTag);
  }

  void encode_body(codec::ByteWriter& out) const {
    out.varint(entries_.size());
    for (const auto& [element, dots] : entries_) {
      ValueCodec<T>::encode(out, element);
      write_dot_set(out, dots);
    }
    context_.encode_body(out);
  }

  static Result<ORSet> decode_body(codec::ByteReader& in) {
    ORSet state;
    FF_TRY_ASSIGN(const std::uint64_t element_count, in.count(1 + 1 + kMinDotBytes));
    for (std::uint64_t i = 0; i < element_count; ++i) {
      FF_TRY_ASSIGN(T element, ValueCodec<T>::decode(in));
      FF_TRY_ASSIGN(DotSet dots, read_dot_set(in, /*allow_empty=*/false));
      if (!state.entries_.empty() && !ValueLess<T>{}(state.entries_.rbegin()->first, element)) {
        return make_error(Errc::kInvalidInput, "ORSet: elements not strictly ascending");
      }
      state.entries_.emplace_hint(state.entries_.end(), std::move(element), std::move(dots));
    }
    FF_TRY_ASSIGN(state.context_, DotContext::decode_body(in));
    for (const auto& [element, dots] : state.entries_) {
      if (!covered_by(dots, state.context_)) {
        return make_error(Errc::kInvalidInput, "ORSet: an element's dot is missing from the context");
      }
    }
    return state;
  }

 private:
  static inline const DotSet kNoDots{};

  std::map<T, DotSet, ValueLess<T>> entries_;  // never holds an empty dot set; every dot is in context_
  DotContext context_;
};

}  // namespace ff::crdt
