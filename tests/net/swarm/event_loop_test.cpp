// run_event_loop: the blocking loop is io_context::run; the spinning loop must run every
// handler however it is posted, park once idle for longer than its spin, and return when
// the context stops or runs out of work.
#include "net/swarm/event_loop.hpp"

#include <gtest/gtest.h>
#include <time.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <thread>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first

namespace ff::net {
namespace {

using namespace std::chrono_literals;

std::chrono::nanoseconds thread_cpu_time() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

TEST(EventLoop, WithoutWorkBothWaysReturnAtOnce) {
  for (auto spin : {0us, 1000us}) {
    boost::asio::io_context io;
    run_event_loop(io, spin);
    EXPECT_TRUE(io.stopped());
  }
}

TEST(EventLoop, SpinningLoopRunsHandlersPostedFromAnotherThreadInOrder) {
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  std::vector<int> seen;
  std::thread loop([&] { run_event_loop(io, 200'000us); });
  for (int i = 0; i < 200; ++i) {
    boost::asio::post(io, [&seen, i] { seen.push_back(i); });
    if (i % 50 == 0) std::this_thread::sleep_for(1ms);
  }
  std::atomic<bool> last{false};
  boost::asio::post(io, [&] { last = true; });
  for (int i = 0; i < 2000 && !last; ++i) std::this_thread::sleep_for(1ms);
  io.stop();
  loop.join();
  ASSERT_TRUE(last);
  ASSERT_EQ(seen.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(seen[i], i);
}

// The CPU time the loop's thread uses while nothing happens for `idle`, under `spin`.
std::chrono::nanoseconds cpu_while_idle(std::chrono::microseconds spin, std::chrono::milliseconds idle) {
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  boost::asio::steady_timer timer(io);
  std::chrono::nanoseconds before{};
  std::chrono::nanoseconds used{};
  boost::asio::post(io, [&] {
    before = thread_cpu_time();
    timer.expires_after(idle);
    timer.async_wait([&](boost::system::error_code) {
      used = thread_cpu_time() - before;
      io.stop();
    });
  });
  std::thread loop([&] { run_event_loop(io, spin); });
  loop.join();
  return used;
}

TEST(EventLoop, SpinningLoopParksOnceIdleForLongerThanItsSpin) {
  // 400 ms without events under a 2 ms spin: a parked loop uses a few ms of CPU, one that
  // kept spinning would use most of the 400 ms.
  const auto used = cpu_while_idle(2000us, 400ms);
  EXPECT_GT(used, 0ns);
  EXPECT_LT(used, 100ms);
}

TEST(EventLoop, SpinningLoopKeepsTheThreadAwakeWithinItsSpin) {
  // The same silence inside a 10 s spin: the thread polls instead of sleeping. It yields to
  // other runnable threads, so under load it gets only a share of a core; a parked loop
  // uses a few ms (the test above).
  EXPECT_GT(cpu_while_idle(10'000'000us, 400ms), 40ms);
}

}  // namespace
}  // namespace ff::net
