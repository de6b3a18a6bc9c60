#include "net/swarm/event_loop.hpp"

#include <thread>

namespace ff::net {

void run_event_loop(boost::asio::io_context& io, std::chrono::microseconds spin) {
  if (spin.count() <= 0) {
    io.run();
    return;
  }
  using Clock = std::chrono::steady_clock;
  auto last_work = Clock::now();
  while (!io.stopped()) {
    if (io.poll() > 0) {
      last_work = Clock::now();
      continue;
    }
    if (Clock::now() - last_work < spin) {
      // Runnable threads on this core (a verification worker, another node) go first: the
      // spin is meant to skip the wake-up, not to take the core from work.
      std::this_thread::yield();
      continue;
    }
    // Idle for longer than the spin: park until the next handler, as run() would.
    if (io.run_one() == 0) break;  // stopped, or out of work
    last_work = Clock::now();
  }
}

}  // namespace ff::net
