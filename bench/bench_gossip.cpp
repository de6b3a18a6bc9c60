// GossipSub between two native nodes over TCP on 127.0.0.1 (Noise + Yamux), each on its own
// thread and io_context, 100-byte messages; the same method as bench/js/gossip_anchor.mjs:
//   latency:    --count messages at --rate per second after 300 warm-up messages. The clock
//               starts on the publisher's event-loop thread immediately before
//               Swarm::publish (after the bench's hand-off to that thread, so the bench's
//               own queueing is not counted) and stops in the receiver's on_message on the
//               receiver's event-loop thread; the start time travels in the payload and both
//               threads read the same steady_clock. Messages are paced one per tick, so none
//               waits behind another one the bench queued: this is publish-to-delivery
//               latency of a lone message (signing, framing, encryption, loopback TCP,
//               thread wake-ups, decryption, verification, delivery).
//   throughput: --throughput-count messages published as fast as possible with at most
//               --window published but not yet received (these are not in the latency).
// --spin-us N runs the receiving node's event loop with net::run_event_loop's spin (default
// 0: it blocks in epoll and each paced message pays a thread wake-up; see
// net/swarm/event_loop.hpp). The publisher's loop always blocks: its wake-up is outside the
// measured interval (the clock starts on its thread), so spinning it could only take CPU
// from the receiver's verification workers.
// --verify-threads N sets SwarmConfig::gossip_verify_threads (0: signatures verified on the
// receiver's event loop); the signed line reports how many verifications ran on the worker
// threads and how many on the event loop under back-pressure. --mode runs one mode only.
// One JSON line per mode (signed = StrictSign, the js default; unsigned = StrictNoSign):
//   {"bench":"gossip","impl":"fluid-fabric","mode":"signed","p50_ms":..,"p99_ms":..,"msgs_per_s":..}
// then libsodium's Ed25519 sign/verify rates on one core, the loopback-TCP floor (bare Asio,
// no libp2p; the reader blocking and spinning), then (unless --no-js, and if
// tests/interop/node_modules exists) the js-libp2p anchor lines from gossip_anchor.mjs.
#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>  // before Boost.Asio: g++ 12 in C++20 mode needs it first
#include <vector>

#include "net/swarm/event_loop.hpp"
#include "net/swarm/swarm.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMessageBytes = 100;
constexpr std::size_t kWarmupMessages = 300;
const char* const kTopic = "ff-bench";

struct Options {
  std::size_t count = 2000;
  std::size_t rate = 200;
  std::size_t throughput_count = 20000;
  std::size_t window = 1000;
  std::size_t verify_threads = ff::net::kDefaultVerifyThreads;
  std::chrono::microseconds spin{0};
  std::string mode = "both";  // signed, unsigned or both
  bool js = true;
};

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

double loadavg_1m() {
  std::ifstream in("/proc/loadavg");
  double value = 0;
  in >> value;
  return value;
}

double percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t index =
      std::min(values.size() - 1, static_cast<std::size_t>(fraction * (values.size() - 1) + 0.5));
  return values[index];
}

// A node on its own thread.
struct Peer {
  boost::asio::io_context io{1};
  std::unique_ptr<ff::net::Swarm> swarm;
  std::thread thread;
  std::atomic<bool> saw_subscription{false};
  std::atomic<std::uint64_t> received{0};
  std::vector<double> latencies_ms;                   // receiver thread only; read after join
  std::uint64_t latency_first = 0, latency_last = 0;  // message indexes measured

  void start(std::chrono::microseconds spin) {
    thread = std::thread([this, spin] {
      auto guard = boost::asio::make_work_guard(io);
      ff::net::run_event_loop(io, spin);
    });
  }
  template <class F>
  void run_on(F f) {
    boost::asio::post(io, std::move(f));
  }
  void stop() {
    std::atomic<bool> done{false};
    run_on([&] { swarm->shutdown([&] { done = true; }); });
    for (int i = 0; i < 500 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    io.stop();
    thread.join();
  }
};

bool wait_for(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

// Publishes message `index` from the publisher thread.
void publish_one(Peer& publisher, std::uint64_t index) {
  std::uint8_t payload[kMessageBytes] = {};
  const std::uint64_t sent = now_ns();
  std::memcpy(payload, &index, 8);
  std::memcpy(payload + 8, &sent, 8);
  auto result = publisher.swarm->publish(kTopic, ff::ByteView(payload, sizeof payload));
  if (!result.ok())
    std::fprintf(stderr, "bench_gossip: publish %llu: %s\n", static_cast<unsigned long long>(index),
                 result.error().message.c_str());
}

int run_mode(const Options& options, bool sign) {
  Peer receiver;
  Peer publisher;
  for (Peer* peer : {&receiver, &publisher}) {
    auto key = ff::net::PrivateKey::generate_ed25519();
    ff::net::SwarmConfig config;
    config.gossip_sign = sign;
    config.gossip_verify_threads = options.verify_threads;
    ff::net::SwarmObserver observer;
    observer.on_subscription = [peer](const ff::net::PeerId&, const std::string&, bool subscribed) {
      if (subscribed) peer->saw_subscription = true;
    };
    if (peer == &receiver) {
      observer.on_message = [peer](const ff::net::Deliver& message) {
        if (message.data.size() < 16) return;
        std::uint64_t index = 0;
        std::uint64_t sent = 0;
        std::memcpy(&index, message.data.data(), 8);
        std::memcpy(&sent, message.data.data() + 8, 8);
        if (index >= peer->latency_first && index < peer->latency_last) {
          peer->latencies_ms.push_back(static_cast<double>(now_ns() - sent) / 1e6);
        }
        peer->received.fetch_add(1, std::memory_order_release);
      };
    }
    auto swarm = ff::net::Swarm::create(peer->io, std::move(*key), config, std::move(observer));
    if (!swarm.ok()) {
      std::fprintf(stderr, "bench_gossip: %s\n", swarm.error().message.c_str());
      return 1;
    }
    peer->swarm = std::move(*swarm);
    (void)peer->swarm->subscribe(kTopic);
  }
  auto bound = receiver.swarm->listen(*ff::net::Multiaddr::parse("/ip4/127.0.0.1/tcp/0"));
  if (!bound.ok()) return 1;
  receiver.latency_first = kWarmupMessages;
  receiver.latency_last = kWarmupMessages + options.count;
  receiver.start(options.spin);
  publisher.start(std::chrono::microseconds(0));  // see --spin-us above
  publisher.run_on([&] { publisher.swarm->dial(*bound, [](auto) {}); });
  if (!wait_for([&] { return receiver.saw_subscription && publisher.saw_subscription; },
                std::chrono::seconds(20))) {
    std::fprintf(stderr, "bench_gossip: the nodes did not connect\n");
    return 1;
  }
  // Warm-up, then the paced latency phase: one publish per tick on the publisher thread.
  std::uint64_t next = 0;
  const auto publish_paced = [&](std::uint64_t until, std::chrono::nanoseconds period) {
    auto start = Clock::now();
    for (std::uint64_t i = 0; next < until; ++i) {
      std::this_thread::sleep_until(start + period * i);
      const std::uint64_t index = next++;
      publisher.run_on([&publisher, index] { publish_one(publisher, index); });
    }
  };
  publish_paced(kWarmupMessages, std::chrono::milliseconds(2));
  publish_paced(kWarmupMessages + options.count, std::chrono::nanoseconds(1'000'000'000 / options.rate));
  if (!wait_for([&] { return receiver.received.load() >= next; }, std::chrono::seconds(60))) {
    std::fprintf(stderr, "bench_gossip: latency phase lost messages (%llu of %llu)\n",
                 static_cast<unsigned long long>(receiver.received.load()),
                 static_cast<unsigned long long>(next));
    return 1;
  }
  // Throughput: keep at most `window` in flight.
  const std::uint64_t base = next;
  const std::uint64_t target = base + options.throughput_count;
  const auto started = Clock::now();
  while (next < target) {
    const std::uint64_t in_flight = next - receiver.received.load(std::memory_order_acquire);
    if (in_flight >= options.window) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      continue;
    }
    const std::uint64_t batch = std::min<std::uint64_t>(options.window - in_flight, target - next);
    const std::uint64_t first = next;
    next += batch;
    publisher.run_on([&publisher, first, batch] {
      for (std::uint64_t i = 0; i < batch; ++i) publish_one(publisher, first + i);
    });
  }
  if (!wait_for([&] { return receiver.received.load() >= target; }, std::chrono::seconds(120))) {
    std::fprintf(stderr, "bench_gossip: throughput phase lost messages\n");
    return 1;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::atomic<bool> got_stats{false};
  ff::net::VerificationWorkerStats verify_stats;
  receiver.run_on([&] {
    verify_stats = receiver.swarm->gossip_verification_stats();
    got_stats = true;
  });
  (void)wait_for([&] { return got_stats.load(); }, std::chrono::seconds(5));
  publisher.stop();
  receiver.stop();
  std::printf(
      "{\"bench\":\"gossip\",\"impl\":\"fluid-fabric\",\"mode\":\"%s\",\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
      "\"msgs_per_s\":%.0f,\"messages\":%zu,\"message_bytes\":%zu,\"spin_us\":%lld,\"verify_threads\":%zu,"
      "\"verified_on_workers\":%llu,\"verified_on_loop\":%llu,\"loadavg_1m\":%.2f}\n",
      sign ? "signed" : "unsigned", percentile(receiver.latencies_ms, 0.50),
      percentile(receiver.latencies_ms, 0.99), static_cast<double>(options.throughput_count) / seconds,
      options.count, kMessageBytes, static_cast<long long>(options.spin.count()),
      sign ? options.verify_threads : 0,
      static_cast<unsigned long long>(verify_stats.verifications_on_workers),
      static_cast<unsigned long long>(verify_stats.verifications_on_owner), loadavg_1m());
  std::fflush(stdout);
  return 0;
}

// The floor under the latency figures: what the machine's loopback TCP and thread wake-ups
// cost without any libp2p. Bare Asio, one 150-byte write (about a framed, encrypted 100-byte
// message) per tick, paced like the latency phase, from one thread to a reader on another,
// the clock read the same way (after the writer thread woke, on the reader's thread). The
// reader's loop runs with run_event_loop(spin). Median one-way ms, or a negative on failure.
double tcp_floor_p50_ms(const Options& options, std::chrono::microseconds spin) {
  using boost::asio::ip::tcp;
  boost::asio::io_context reader_io{1};
  boost::asio::io_context writer_io{1};
  boost::system::error_code ec;
  tcp::acceptor acceptor(reader_io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket reader(reader_io);
  tcp::socket writer(writer_io);
  writer.connect(acceptor.local_endpoint(), ec);
  if (!ec) acceptor.accept(reader, ec);
  if (ec) return -1;
  reader.set_option(tcp::no_delay(true));
  writer.set_option(tcp::no_delay(true));
  std::vector<double> latencies;
  std::atomic<std::size_t> received{0};
  std::array<std::uint8_t, 150> incoming{};
  std::size_t filled = 0;
  std::function<void()> read_next = [&] {
    reader.async_read_some(boost::asio::buffer(incoming.data() + filled, incoming.size() - filled),
                           [&](boost::system::error_code error, std::size_t n) {
                             if (error) return;
                             filled += n;
                             if (filled == incoming.size()) {
                               std::uint64_t sent = 0;
                               std::memcpy(&sent, incoming.data(), 8);
                               latencies.push_back(static_cast<double>(now_ns() - sent) / 1e6);
                               filled = 0;
                               received.fetch_add(1, std::memory_order_release);
                             }
                             read_next();
                           });
  };
  read_next();
  auto reader_guard = boost::asio::make_work_guard(reader_io);
  auto writer_guard = boost::asio::make_work_guard(writer_io);
  std::thread reader_thread([&] { ff::net::run_event_loop(reader_io, spin); });
  std::thread writer_thread([&] { writer_io.run(); });
  std::array<std::uint8_t, 150> outgoing{};
  const auto period = std::chrono::nanoseconds(1'000'000'000 / options.rate);
  const auto start = Clock::now();
  for (std::size_t i = 0; i < options.count; ++i) {
    std::this_thread::sleep_until(start + period * i);
    boost::asio::post(writer_io, [&] {
      const std::uint64_t sent = now_ns();
      std::memcpy(outgoing.data(), &sent, 8);
      boost::system::error_code ignored;
      boost::asio::write(writer, boost::asio::buffer(outgoing), ignored);
    });
  }
  const bool complete = wait_for([&] { return received.load() >= options.count; }, std::chrono::seconds(30));
  reader_io.stop();
  writer_io.stop();
  reader_thread.join();
  writer_thread.join();
  return complete ? percentile(latencies, 0.50) : -1;
}

void tcp_floor(const Options& options) {
  const double block = tcp_floor_p50_ms(options, std::chrono::microseconds(0));
  const double spin = tcp_floor_p50_ms(options, std::chrono::microseconds(20'000));
  std::printf(
      "{\"bench\":\"gossip\",\"impl\":\"asio-tcp\",\"mode\":\"floor\",\"p50_ms_blocking\":%.3f,"
      "\"p50_ms_spinning\":%.3f,\"messages\":%zu,\"message_bytes\":150,\"loadavg_1m\":%.2f}\n",
      block, spin, options.count, loadavg_1m());
  std::fflush(stdout);
}

void ed25519_rates() {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  // About what a signed 100-byte message is: "libp2p-pubsub:" + protobuf{from, data, seqno, topic}.
  unsigned char message[170];
  randombytes_buf(message, sizeof message);
  unsigned char signature[crypto_sign_BYTES];
  const auto measure = [](const auto& op) {
    std::uint64_t n = 0;
    const auto start = Clock::now();
    while (Clock::now() - start < std::chrono::seconds(1)) {
      for (int i = 0; i < 64; ++i) op();
      n += 64;
    }
    return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - start).count();
  };
  const double sign_rate =
      measure([&] { crypto_sign_detached(signature, nullptr, message, sizeof message, sk); });
  int bad = 0;
  const double verify_rate =
      measure([&] { bad += crypto_sign_verify_detached(signature, message, sizeof message, pk) != 0; });
  std::printf(
      "{\"bench\":\"gossip\",\"impl\":\"libsodium\",\"mode\":\"ed25519\",\"sign_per_s\":%.0f,\"verify_per_"
      "s\":%.0f,"
      "\"message_bytes\":%zu,\"failed_verifies\":%d,\"loadavg_1m\":%.2f}\n",
      sign_rate, verify_rate, sizeof message, bad, loadavg_1m());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const auto value = [&]() -> std::size_t {
      return i + 1 < argc ? std::strtoull(argv[++i], nullptr, 10) : 0;
    };
    if (flag == "--count")
      options.count = value();
    else if (flag == "--rate")
      options.rate = std::max<std::size_t>(1, value());
    else if (flag == "--throughput-count")
      options.throughput_count = value();
    else if (flag == "--window")
      options.window = std::max<std::size_t>(1, value());
    else if (flag == "--verify-threads")
      options.verify_threads = value();
    else if (flag == "--spin-us")
      options.spin = std::min(std::chrono::microseconds(value()), ff::net::kMaxEventLoopSpin);
    else if (flag == "--mode" && i + 1 < argc)
      options.mode = argv[++i];
    else if (flag == "--no-js")
      options.js = false;
    else {
      std::fprintf(stderr,
                   "usage: bench_gossip [--count N] [--rate N] [--throughput-count N] [--window N] "
                   "[--verify-threads N] [--spin-us N] "
                   "[--mode signed|unsigned|both] [--no-js]\n");
      return 2;
    }
  }
  if (sodium_init() < 0) return 1;
  for (bool sign : {true, false}) {
    if (options.mode != "both" && options.mode != (sign ? "signed" : "unsigned")) continue;
    if (run_mode(options, sign) != 0) return 1;
  }
  ed25519_rates();
  tcp_floor(options);
#ifdef FF_SOURCE_DIR
  const std::string root = FF_SOURCE_DIR;
  struct stat info {};
  if (options.js && ::stat((root + "/tests/interop/node_modules").c_str(), &info) == 0) {
    const std::string command = "node " + root + "/bench/js/gossip_anchor.mjs --mode both";
    if (std::system(command.c_str()) != 0) std::fprintf(stderr, "bench_gossip: the js anchor failed\n");
  }
#endif
  return 0;
}
