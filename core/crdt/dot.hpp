// Dot: the unique name of one event, (replica, n) = "the n-th event of replica"
// (Almeida, Shoker, Baquero, "Delta State Replicated Data Types", 2018). Counters start
// at 1. Dots tag set elements, register writes and map keys so that a remove can say
// exactly which adds it has seen.
#pragma once

#include <cstdint>
#include <set>

#include "core/codec/byte_io.hpp"
#include "core/crdt/encoding.hpp"
#include "core/crdt/replica_id.hpp"
#include "core/result.hpp"

namespace ff::crdt {

struct Dot {
  ReplicaId replica = 0;
  std::uint64_t counter = 0;  // >= 1 in a valid dot

  bool operator==(const Dot& other) const { return replica == other.replica && counter == other.counter; }
  bool operator!=(const Dot& other) const { return !(*this == other); }
  // Ascending by replica, then counter: the canonical order of dots in every encoding.
  bool operator<(const Dot& other) const {
    return replica != other.replica ? replica < other.replica : counter < other.counter;
  }
};

using DotSet = std::set<Dot>;

// Smallest encoding of a dot: 8 bytes of replica id and a one-byte counter.
inline constexpr std::size_t kMinDotBytes = kReplicaBytes + 1;

inline void write_dot(codec::ByteWriter& out, const Dot& dot) {
  write_replica(out, dot.replica);
  out.varint(dot.counter);
}

inline Result<Dot> read_dot(codec::ByteReader& in) {
  FF_TRY_ASSIGN(const ReplicaId replica, read_replica(in));
  FF_TRY_ASSIGN(const std::uint64_t counter, in.varint());
  if (counter == 0) return make_error(Errc::kInvalidInput, "dot: counter 0 (dot counters start at 1)");
  return Dot{replica, counter};
}

// Count, then the dots in ascending order.
inline void write_dot_set(codec::ByteWriter& out, const DotSet& dots) {
  out.varint(dots.size());
  for (const Dot& dot : dots) write_dot(out, dot);
}

// Reads a dot set written by write_dot_set; rejects unsorted or repeated dots, and an
// empty set when `allow_empty` is false (canonical encodings drop entries without dots).
inline Result<DotSet> read_dot_set(codec::ByteReader& in, bool allow_empty) {
  FF_TRY_ASSIGN(const std::uint64_t dot_count, in.count(kMinDotBytes));
  if (dot_count == 0 && !allow_empty) return make_error(Errc::kInvalidInput, "dot set: empty");
  DotSet dots;
  for (std::uint64_t i = 0; i < dot_count; ++i) {
    FF_TRY_ASSIGN(const Dot dot, read_dot(in));
    if (!dots.empty() && !(*dots.rbegin() < dot)) {
      return make_error(Errc::kInvalidInput, "dot set: dots not strictly ascending");
    }
    dots.emplace_hint(dots.end(), dot);
  }
  return dots;
}

}  // namespace ff::crdt
