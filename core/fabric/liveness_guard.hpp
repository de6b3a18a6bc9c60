// LivenessGuard: the pulse timer and the staleness of peers (docs/fabric.md "Liveness and
// anti-entropy"). Every pulse_interval_ms the node pulses each peer; a watched peer
// (Citizen or Ephemeral: Authorities are never marked stale) not heard from for more than
// stale_after_missed_pulses intervals becomes stale until it pulses again. Pure
// bookkeeping: the node sends the pulses and emits the events.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <vector>

#include "core/fabric/fabric_types.hpp"

namespace ff::fabric {

class LivenessGuard {
 public:
  static constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

  LivenessGuard(std::uint64_t pulse_interval_ms, std::uint32_t stale_after_missed_pulses)
      : pulse_interval_ms_(pulse_interval_ms), stale_after_missed_pulses_(stale_after_missed_pulses) {}

  // A peer whose Hello was accepted at `now_ms`. The pulse timer starts with the first.
  void add(const PeerKey& peer, bool watched, std::uint64_t now_ms);
  void remove(const PeerKey& peer);
  // The peer pulsed: true when it was stale and is active again.
  bool heard(const PeerKey& peer, std::uint64_t now_ms);
  bool stale(const PeerKey& peer) const;

  // True when a pulse round is due at `now_ms`; the next one is then scheduled.
  bool pulse_due(std::uint64_t now_ms);
  // The watched peers that became stale by `now_ms`.
  std::vector<PeerKey> expire(std::uint64_t now_ms);
  // The earliest pulse or staleness deadline; kNever without peers.
  std::uint64_t next_timeout_ms() const;

 private:
  struct Watch {
    bool watched = false;
    bool stale = false;
    std::uint64_t last_heard_ms = 0;
  };
  std::uint64_t stale_deadline(const Watch& watch) const;

  std::uint64_t pulse_interval_ms_;
  std::uint32_t stale_after_missed_pulses_;
  std::uint64_t next_pulse_ms_ = kNever;
  std::map<PeerKey, Watch> peers_;
};

}  // namespace ff::fabric
