// RetrySchedule: when ReliableBroadcast re-sends one unacked write (docs/fabric.md
// "ReliableBroadcast"): first `initial_ms` after the write became durable, then each wait
// doubles up to `max_ms` (100, 200, 400, ... 30000, 30000 with the defaults).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

namespace ff::fabric {

class RetrySchedule {
 public:
  static constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

  void start(std::uint64_t now_ms, std::uint64_t initial_ms) {
    backoff_ms_ = std::max<std::uint64_t>(1, initial_ms);
    next_ms_ = add(now_ms, backoff_ms_);
  }
  bool due(std::uint64_t now_ms) const { return now_ms >= next_ms_; }
  // After a re-send at `now_ms`: the next one waits twice as long, at most `max_ms`.
  void advance(std::uint64_t now_ms, std::uint64_t max_ms) {
    backoff_ms_ = backoff_ms_ > max_ms / 2 ? max_ms : std::min(backoff_ms_ * 2, max_ms);
    next_ms_ = add(now_ms, backoff_ms_);
  }
  std::uint64_t next_ms() const { return next_ms_; }

 private:
  static std::uint64_t add(std::uint64_t a, std::uint64_t b) { return a > kNever - b ? kNever : a + b; }

  std::uint64_t next_ms_ = kNever;  // not started
  std::uint64_t backoff_ms_ = 0;
};

}  // namespace ff::fabric
