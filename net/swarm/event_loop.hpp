// Runs an io_context on the calling thread until it stops, in one of two ways of waiting
// for work.
//
// Blocking (spin = 0, the default) parks the thread in epoll and costs nothing while idle,
// but a thread parked on an idle core takes tens of microseconds to wake: on the 2-vCPU
// KVM machine our benchmarks run on, a bare Asio program passing 150 bytes between two
// threads over loopback TCP measured 62 us one way blocking and 20 us spinning. For a
// message that otherwise takes ~50 us end to end that wake-up is the largest single cost.
//
// Spinning (spin > 0) polls for ready work without sleeping for up to `spin` after the last
// handler ran, then parks as usual. While messages keep arriving within `spin` of each
// other the thread never sleeps, so none of them pays the wake-up; the price is one core
// kept busy during that time, and nothing once traffic stops for longer than `spin`.
// Latency-sensitive deployments with a core to spare turn it on (`largo p2p --spin-us`).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first

namespace ff::net {

// The largest spin a runtime accepts: beyond a second, spinning is just a busy core.
inline constexpr std::chrono::microseconds kMaxEventLoopSpin{1'000'000};

void run_event_loop(boost::asio::io_context& io, std::chrono::microseconds spin);

}  // namespace ff::net
