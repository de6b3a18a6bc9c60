// DeltaBuffer<Delta>: the recent deltas a replica produced, kept so a peer that missed a
// few can catch up by receiving just those instead of the full state. It is a bounded
// ring (STYLE.md 5): pushing into a full buffer drops the oldest delta, and a peer whose
// last seen delta has been dropped is told to fetch the full state instead.
//
// Sequence numbers count pushes from 1; 0 means "nothing seen yet". They are local to one
// buffer: a runtime that restarts a replica starts a new buffer, so it pairs them with
// something that identifies the buffer (an epoch) when it sends them.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace ff::crdt {

// How many deltas a buffer keeps unless told otherwise: enough to cover a peer that
// blinked through a short disconnect; a longer absence is cheaper to heal with the full
// state than with hundreds of small deltas.
inline constexpr std::size_t kDefaultDeltaBufferCapacity = 256;

template <class Delta>
class DeltaBuffer {
 public:
  // `capacity` is the most deltas kept, at least 1.
  explicit DeltaBuffer(std::size_t capacity = kDefaultDeltaBufferCapacity) : capacity_(capacity) {
    assert(capacity_ >= 1);
    if (capacity_ == 0) capacity_ = 1;  // release builds: a zero-size ring would divide by zero
    ring_.reserve(capacity_ < 64 ? capacity_ : 64);
  }

  // Stores `delta`, dropping the oldest if full; returns its sequence number.
  std::uint64_t push(Delta delta) {
    ++last_seq_;
    const std::size_t slot = static_cast<std::size_t>((last_seq_ - 1) % capacity_);
    if (ring_.size() < capacity_) {
      ring_.push_back(std::move(delta));
    } else {
      ring_[slot] = std::move(delta);
    }
    return last_seq_;
  }

  // The deltas with sequence numbers seq+1 .. last_seq(), oldest first: what a peer that
  // has applied everything up to `seq` is missing (empty when it is up to date).
  // Errors: kNotFound when some of them were dropped ("too old: send the full state");
  // kInvalidInput when `seq` is beyond last_seq() (the peer speaks of deltas this buffer
  // never produced, e.g. from before a restart: also answer with the full state).
  Result<std::vector<Delta>> since(std::uint64_t seq) const {
    if (seq > last_seq_) {
      return make_error(Errc::kInvalidInput, "delta buffer: sequence " + std::to_string(seq) +
                                                 " is beyond the last pushed (" + std::to_string(last_seq_) +
                                                 "): send the full state");
    }
    if (seq + 1 < first_seq()) {
      return make_error(Errc::kNotFound, "delta buffer: deltas after " + std::to_string(seq) +
                                             " were dropped (oldest kept is " + std::to_string(first_seq()) +
                                             "): send the full state");
    }
    std::vector<Delta> result;
    result.reserve(static_cast<std::size_t>(last_seq_ - seq));
    for (std::uint64_t next = seq + 1; next <= last_seq_; ++next) {
      result.push_back(ring_[static_cast<std::size_t>((next - 1) % capacity_)]);
    }
    return result;
  }

  // Sequence number of the newest delta (0 before the first push).
  std::uint64_t last_seq() const { return last_seq_; }
  // Sequence number of the oldest delta kept (last_seq() + 1 while empty).
  std::uint64_t first_seq() const { return last_seq_ - ring_.size() + 1; }
  std::size_t size() const { return ring_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  std::size_t capacity_;
  std::vector<Delta> ring_;  // slot (seq - 1) % capacity_ holds seq
  std::uint64_t last_seq_ = 0;
};

}  // namespace ff::crdt
