// RetrySchedule and LivenessGuard on their own: schedules, caps and overflow edges.
#include "core/fabric/retry_schedule.hpp"

#include <gtest/gtest.h>

#include "core/fabric/liveness_guard.hpp"

namespace ff::fabric {
namespace {

TEST(RetrySchedule, DoublesFromTheInitialWaitUpToTheCap) {
  RetrySchedule retry;
  EXPECT_FALSE(retry.due(1000000));  // not started
  retry.start(50, 100);
  EXPECT_EQ(retry.next_ms(), 150u);
  EXPECT_FALSE(retry.due(149));
  EXPECT_TRUE(retry.due(150));
  std::vector<std::uint64_t> waits;
  std::uint64_t now = 150;
  for (int k = 0; k < 6; ++k) {
    retry.advance(now, 1000);
    waits.push_back(retry.next_ms() - now);
    now = retry.next_ms();
  }
  EXPECT_EQ(waits, (std::vector<std::uint64_t>{200, 400, 800, 1000, 1000, 1000}));
}

TEST(RetrySchedule, SaturatesInsteadOfWrapping) {
  RetrySchedule retry;
  retry.start(RetrySchedule::kNever - 10, 100);
  EXPECT_EQ(retry.next_ms(), RetrySchedule::kNever);
  retry.start(0, std::uint64_t{1} << 63);
  retry.advance(0, RetrySchedule::kNever);
  EXPECT_EQ(retry.next_ms(), RetrySchedule::kNever);
}

TEST(LivenessGuard, WatchedPeersGoStaleAndComeBack) {
  LivenessGuard guard(1000, 3);
  EXPECT_EQ(guard.next_timeout_ms(), LivenessGuard::kNever);
  guard.add("citizen", /*watched=*/true, 0);
  guard.add("authority", /*watched=*/false, 0);
  EXPECT_EQ(guard.next_timeout_ms(), 1000u);
  EXPECT_TRUE(guard.pulse_due(1000));
  EXPECT_FALSE(guard.pulse_due(1999));
  EXPECT_TRUE(guard.expire(3000).empty());
  EXPECT_EQ(guard.expire(3001), (std::vector<PeerKey>{"citizen"}));
  EXPECT_TRUE(guard.expire(99999).empty()) << "reported once";
  EXPECT_TRUE(guard.stale("citizen"));
  EXPECT_FALSE(guard.stale("authority"));
  EXPECT_TRUE(guard.heard("citizen", 5000));
  EXPECT_FALSE(guard.heard("citizen", 5001));
  EXPECT_FALSE(guard.stale("citizen"));
  guard.remove("citizen");
  guard.remove("authority");
  EXPECT_EQ(guard.next_timeout_ms(), LivenessGuard::kNever);
}

}  // namespace
}  // namespace ff::fabric
