// MVRegister<T>: a multi-value register. A write replaces every write its replica has
// seen; writes made concurrently (neither replica had seen the other's) are all kept, and
// a reader sees each of them, until a later write that has seen them replaces them all.
//
// Delta-state construction of the multi-value register of Almeida et al., "Delta State
// Replicated Data Types" (2018): a DotFun (dot -> value) plus the causal context. A write makes a new dot
// and its delta carries, in the context, the dots of the writes it replaces, so any
// replica joining the delta drops exactly those. T needs a ValueCodec (value_codec.hpp).
#pragma once

#include <cstdint>
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
class MVRegister {
 public:
  using Delta = MVRegister;

  MVRegister() = default;

  // Replaces every value this replica sees with `value`; returns the delta.
  MVRegister write(ReplicaId replica, T value) {
    MVRegister delta;
    const Dot dot = context_.make_dot(replica);
    for (const auto& [old_dot, old_value] : store_) delta.context_.add(old_dot);
    delta.context_.add(dot);
    delta.store_.emplace(dot, value);
    store_.clear();
    store_.emplace(dot, std::move(value));
    return delta;
  }

  // Removes every value this replica sees (an ORMap key remove uses it); returns the
  // delta. Concurrent writes this replica has not seen survive the join.
  MVRegister clear() {
    MVRegister delta;
    for (const auto& [dot, value] : store_) delta.context_.add(dot);
    store_.clear();
    return delta;
  }

  // The concurrent values, in ascending order of their dots (so every replica lists them
  // in the same order). Empty before the first write or after clear().
  std::vector<T> values() const {
    std::vector<T> result;
    result.reserve(store_.size());
    for (const auto& [dot, value] : store_) result.push_back(value);
    return result;
  }
  bool empty() const { return store_.empty(); }
  // Each visible value with the dot (replica, n) of the write that made it.
  const std::map<Dot, T>& writes() const { return store_; }
  const DotContext& context() const { return context_; }

  void merge(const MVRegister& other) {
    join_dot_fun(store_, context_, other.store_, other.context_);
    context_.merge(other.context_);
  }
  void apply(const MVRegister& delta) { merge(delta); }

  bool operator==(const MVRegister& other) const {
    return store_ == other.store_ && context_ == other.context_;
  }
  bool operator!=(const MVRegister& other) const { return !(*this == other); }

  // Versioned, canonical binary encoding (docs/crdt-encoding.md "MVRegister").
  Bytes encode() const { return encode_state(*this); }
  static Result<MVRegister> decode(ByteView bytes) { return decode_state<MVRegister>(bytes, "MVRegister"); }

  static void write_signature(codec::ByteWriter& out) {
    out.u8(static_cast<std::uint8_t>(TypeTag::kMvRegister));
    out.u8(ValueCodec<T>::kTag);
  }

  void encode_body(codec::ByteWriter& out) const {
    out.varint(store_.size());
    for (const auto& [dot, value] : store_) {
      write_dot(out, dot);
      ValueCodec<T>::encode(out, value);
    }
    context_.encode_body(out);
  }

  static Result<MVRegister> decode_body(codec::ByteReader& in) {
    MVRegister state;
    FF_TRY_ASSIGN(const std::uint64_t write_count, in.count(kMinDotBytes + 1));
    for (std::uint64_t i = 0; i < write_count; ++i) {
      FF_TRY_ASSIGN(const Dot dot, read_dot(in));
      FF_TRY_ASSIGN(T value, ValueCodec<T>::decode(in));
      if (!state.store_.empty() && !(state.store_.rbegin()->first < dot)) {
        return make_error(Errc::kInvalidInput, "MVRegister: write dots not strictly ascending");
      }
      state.store_.emplace_hint(state.store_.end(), dot, std::move(value));
    }
    FF_TRY_ASSIGN(state.context_, DotContext::decode_body(in));
    for (const auto& [dot, value] : state.store_) {
      if (!state.context_.contains(dot)) {
        return make_error(Errc::kInvalidInput, "MVRegister: a write's dot is missing from the context");
      }
    }
    return state;
  }

 private:
  std::map<Dot, T> store_;  // the visible writes; every dot is also in context_
  DotContext context_;
};

}  // namespace ff::crdt
