#include "core/crdt/pncounter.hpp"

#include <limits>

#include "core/crdt/encoding.hpp"

namespace ff::crdt {

PNCounter PNCounter::increment(ReplicaId replica, std::uint64_t amount) {
  PNCounter delta;
  delta.increments_ = increments_.increment(replica, amount);
  return delta;
}

PNCounter PNCounter::decrement(ReplicaId replica, std::uint64_t amount) {
  PNCounter delta;
  delta.decrements_ = decrements_.increment(replica, amount);
  return delta;
}

PNCounter PNCounter::clear() {
  PNCounter delta;
  delta.increments_ = increments_.clear();
  delta.decrements_ = decrements_.clear();
  return delta;
}

std::int64_t PNCounter::value() const {
  // Both halves are at most 2^64-1, so their difference fits in 65 bits: compute it
  // exactly in 128 bits, then clamp.
  const __int128 difference =
      static_cast<__int128>(increments_.value()) - static_cast<__int128>(decrements_.value());
  constexpr __int128 kMin = std::numeric_limits<std::int64_t>::min();
  constexpr __int128 kMax = std::numeric_limits<std::int64_t>::max();
  if (difference < kMin) return std::numeric_limits<std::int64_t>::min();
  if (difference > kMax) return std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(difference);
}

void PNCounter::merge(const PNCounter& other) {
  increments_.merge(other.increments_);
  decrements_.merge(other.decrements_);
}

Bytes PNCounter::encode() const { return encode_state(*this); }

Result<PNCounter> PNCounter::decode(ByteView bytes) { return decode_state<PNCounter>(bytes, "PNCounter"); }

void PNCounter::write_signature(codec::ByteWriter& out) {
  out.u8(static_cast<std::uint8_t>(TypeTag::kPNCounter));
}

void PNCounter::encode_body(codec::ByteWriter& out) const {
  increments_.encode_body(out);
  decrements_.encode_body(out);
}

Result<PNCounter> PNCounter::decode_body(codec::ByteReader& in) {
  PNCounter counter;
  FF_TRY_ASSIGN(counter.increments_, GCounter::decode_body(in));
  FF_TRY_ASSIGN(counter.decrements_, GCounter::decode_body(in));
  return counter;
}

}  // namespace ff::crdt
