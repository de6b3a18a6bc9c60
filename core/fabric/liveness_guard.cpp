#include "core/fabric/liveness_guard.hpp"

#include <algorithm>

namespace ff::fabric {

namespace {

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return a > LivenessGuard::kNever - b ? LivenessGuard::kNever : a + b;
}

}  // namespace

void LivenessGuard::add(const PeerKey& peer, bool watched, std::uint64_t now_ms) {
  peers_[peer] = Watch{watched, false, now_ms};
  if (next_pulse_ms_ == kNever) next_pulse_ms_ = saturating_add(now_ms, pulse_interval_ms_);
}

void LivenessGuard::remove(const PeerKey& peer) {
  peers_.erase(peer);
  if (peers_.empty()) next_pulse_ms_ = kNever;
}

bool LivenessGuard::heard(const PeerKey& peer, std::uint64_t now_ms) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return false;
  it->second.last_heard_ms = std::max(it->second.last_heard_ms, now_ms);
  const bool was_stale = it->second.stale;
  it->second.stale = false;
  return was_stale;
}

bool LivenessGuard::stale(const PeerKey& peer) const {
  auto it = peers_.find(peer);
  return it != peers_.end() && it->second.stale;
}

bool LivenessGuard::pulse_due(std::uint64_t now_ms) {
  if (now_ms < next_pulse_ms_) return false;
  next_pulse_ms_ = saturating_add(now_ms, pulse_interval_ms_);
  return true;
}

std::vector<PeerKey> LivenessGuard::expire(std::uint64_t now_ms) {
  std::vector<PeerKey> expired;
  for (auto& [peer, watch] : peers_) {
    if (watch.watched && !watch.stale && now_ms >= stale_deadline(watch)) {
      watch.stale = true;
      expired.push_back(peer);
    }
  }
  return expired;
}

std::uint64_t LivenessGuard::next_timeout_ms() const {
  std::uint64_t next = next_pulse_ms_;
  for (const auto& [peer, watch] : peers_) {
    if (watch.watched && !watch.stale) next = std::min(next, stale_deadline(watch));
  }
  return next;
}

// Stale once more than `missed` whole intervals passed without a pulse.
std::uint64_t LivenessGuard::stale_deadline(const Watch& watch) const {
  const std::uint64_t window = pulse_interval_ms_ * stale_after_missed_pulses_;
  return saturating_add(saturating_add(watch.last_heard_ms, window), 1);
}

}  // namespace ff::fabric
