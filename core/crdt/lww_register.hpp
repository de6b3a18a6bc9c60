// LWWRegister<T>: a last-writer-wins register ordered by causality, not by clocks on
// walls (spec "Clock Skew & Causality: VClock Standardization").
//
// Who wins:
//   1. A write that has seen another write (its VClock dominates the other's) wins.
//   2. Of writes made concurrently (neither VClock dominates), the one made by the higher
//      replica id wins. This is deterministic, so every replica picks the same winner.
//   3. Wall time never decides. `wall_time_ms` is carried with each write for display
//      ("edited 2 minutes ago") and is otherwise ignored; time is never read in core, the
//      caller passes it in.
//
// Why the state keeps more than the winner: "dominates, else higher replica id" is not a
// total order (a < b by causality, b < c and c < a by replica id can all hold at once), so
// a register that kept a single write could not merge associatively and replicas could
// diverge. Instead the state is the frontier of writes no other write has seen (exactly an
// MVRegister: a DotFun plus the causal context, after Almeida et al., where the
// context is the register's vector clock, a version vector plus out-of-order dots), and
// the winner is chosen from it on read. A write that has seen the frontier replaces all of
// it, so the frontier is one write except while writes are concurrent.
//
// T needs a ValueCodec (value_codec.hpp).
#pragma once

#include <cstdint>
#include <iterator>
#include <map>
#include <optional>

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
class LWWRegister {
 public:
  using Delta = LWWRegister;

  struct Write {
    T value;
    std::uint64_t wall_time_ms = 0;  // display only: never used to pick a winner

    bool operator==(const Write& other) const {
      return value == other.value && wall_time_ms == other.wall_time_ms;
    }
    // Only breaks ties between two writes under one dot (colliding replica ids).
    bool operator<(const Write& other) const {
      if (ValueLess<T>{}(value, other.value)) return true;
      if (ValueLess<T>{}(other.value, value)) return false;
      return wall_time_ms < other.wall_time_ms;
    }
  };

  LWWRegister() = default;

  // Writes `value`, replacing every write this replica has seen; returns the delta.
  // `wall_time_ms` is the caller's clock reading, stored for display only.
  LWWRegister set(ReplicaId replica, T value, std::uint64_t wall_time_ms) {
    LWWRegister delta;
    const Dot dot = context_.make_dot(replica);
    for (const auto& [old_dot, old_write] : store_) delta.context_.add(old_dot);
    delta.context_.add(dot);
    Write write{std::move(value), wall_time_ms};
    delta.store_.emplace(dot, write);
    store_.clear();
    store_.emplace(dot, std::move(write));
    return delta;
  }

  // Removes every write this replica sees (an ORMap key remove uses it); returns the
  // delta. Concurrent writes this replica has not seen survive the join.
  LWWRegister clear() {
    LWWRegister delta;
    for (const auto& [dot, write] : store_) delta.context_.add(dot);
    store_.clear();
    return delta;
  }

  // The winning value, or nullptr before the first write or after clear().
  const T* get() const { return store_.empty() ? nullptr : &winner()->second.value; }
  std::optional<T> value() const {
    if (store_.empty()) return std::nullopt;
    return winner()->second.value;
  }
  // The winner's wall time (display only) and the replica that wrote it.
  std::optional<std::uint64_t> wall_time_ms() const {
    if (store_.empty()) return std::nullopt;
    return winner()->second.wall_time_ms;
  }
  std::optional<ReplicaId> writer() const {
    if (store_.empty()) return std::nullopt;
    return winner()->first.replica;
  }
  bool empty() const { return store_.empty(); }
  // The frontier of concurrent writes, keyed by the dot (replica, n) of each write.
  const std::map<Dot, Write>& writes() const { return store_; }
  const DotContext& context() const { return context_; }

  void merge(const LWWRegister& other) {
    join_dot_fun(store_, context_, other.store_, other.context_);
    context_.merge(other.context_);
  }
  void apply(const LWWRegister& delta) { merge(delta); }

  bool operator==(const LWWRegister& other) const {
    return store_ == other.store_ && context_ == other.context_;
  }
  bool operator!=(const LWWRegister& other) const { return !(*this == other); }

  // Versioned, canonical binary encoding (docs/crdt-encoding.md "LWWRegister").
  Bytes encode() const { return encode_state(*this); }
  static Result<LWWRegister> decode(ByteView bytes) {
    return decode_state<LWWRegister>(bytes, "LWWRegister");
  }

  static void write_signature(codec::ByteWriter& out) {
    out.u8(static_cast<std::uint8_t>(TypeTag::kLwwRegister));
    out.u8(ValueCodec<T>::kTag);
  }

  void encode_body(codec::ByteWriter& out) const {
    out.varint(store_.size());
    for (const auto& [dot, write] : store_) {
      write_dot(out, dot);
      out.varint(write.wall_time_ms);
      ValueCodec<T>::encode(out, write.value);
    }
    context_.encode_body(out);
  }

  static Result<LWWRegister> decode_body(codec::ByteReader& in) {
    LWWRegister state;
    FF_TRY_ASSIGN(const std::uint64_t write_count, in.count(kMinDotBytes + 2));
    for (std::uint64_t i = 0; i < write_count; ++i) {
      FF_TRY_ASSIGN(const Dot dot, read_dot(in));
      FF_TRY_ASSIGN(const std::uint64_t wall_time_ms, in.varint());
      FF_TRY_ASSIGN(T value, ValueCodec<T>::decode(in));
      if (!state.store_.empty() && !(state.store_.rbegin()->first < dot)) {
        return make_error(Errc::kInvalidInput, "LWWRegister: write dots not strictly ascending");
      }
      state.store_.emplace_hint(state.store_.end(), dot, Write{std::move(value), wall_time_ms});
    }
    FF_TRY_ASSIGN(state.context_, DotContext::decode_body(in));
    for (const auto& [dot, write] : state.store_) {
      if (!state.context_.contains(dot)) {
        return make_error(Errc::kInvalidInput, "LWWRegister: a write's dot is missing from the context");
      }
    }
    return state;
  }

 private:
  // Dots sort by (replica, counter), so the last write in the frontier is the one by the
  // highest replica id: the winner among concurrent writes.
  typename std::map<Dot, Write>::const_iterator winner() const { return std::prev(store_.end()); }

  std::map<Dot, Write> store_;  // the frontier of concurrent writes; dots are in context_
  DotContext context_;
};

}  // namespace ff::crdt
