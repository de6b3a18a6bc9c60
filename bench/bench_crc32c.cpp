// CRC32C throughput of every implementation this CPU supports. One JSON line per path and
// buffer size, e.g.
//   {"bench":"crc32c","path":"sse4.2+pclmul","buffer_bytes":1048576,"gb_per_s":23.4,...}
// GB = 1e9 bytes. Each figure is measured over at least kMinSeconds of repeated runs over
// one buffer (so it sits in cache, as a journal block being checksummed does); every call
// takes the previous CRC as input and the final CRC is printed, so the compiler cannot
// drop the work. gb_per_s uses wall time; cpu_gb_per_s uses this process's CPU time,
// which is steadier on a machine shared with other work.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <vector>

#include "core/bytes.hpp"
#include "core/hash/crc32c.hpp"
#include "core/rng.hpp"

namespace {

constexpr double kMinSeconds = 0.5;
constexpr std::size_t kBufferSizes[] = {64, 256, 512, 1024, 4096, 65536, 1048576};

struct Measurement {
  double gb_per_s;
  double cpu_gb_per_s;
  std::uint64_t repetitions;
  std::uint32_t checksum;
};

Measurement measure(ff::hash::Crc32cPath path, ff::ByteView data) {
  using Clock = std::chrono::steady_clock;
  // Warm up caches and the branch predictor; also the CPU's clock if it ramps.
  std::uint32_t checksum = 0;
  for (int i = 0; i < 16; ++i) checksum ^= ff::hash::crc32c_extend_with(path, checksum, data);

  std::uint64_t repetitions = 0;
  // Check the clock only every batch so timing does not dominate tiny buffers.
  const std::uint64_t batch = data.size() >= 65536 ? 16 : 4096;
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  double elapsed_s = 0;
  do {
    for (std::uint64_t i = 0; i < batch; ++i) {
      // Feeding the previous result back in makes each call depend on the last one.
      checksum = ff::hash::crc32c_extend_with(path, checksum, data);
    }
    repetitions += batch;
    elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed_s < kMinSeconds);
  const double cpu_s = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  const double bytes = static_cast<double>(repetitions) * static_cast<double>(data.size());
  return Measurement{bytes / elapsed_s / 1e9, bytes / cpu_s / 1e9, repetitions, checksum};
}

}  // namespace

int main() {
  ff::Rng rng(0xc0ffee);
  std::vector<std::uint8_t> buffer(kBufferSizes[sizeof kBufferSizes / sizeof kBufferSizes[0] - 1]);
  for (auto& byte : buffer) byte = static_cast<std::uint8_t>(rng.next());

  for (ff::hash::Crc32cPath path : ff::hash::kAllCrc32cPaths) {
    if (!ff::hash::crc32c_path_available(path)) continue;
    for (std::size_t size : kBufferSizes) {
      const ff::ByteView data(buffer.data(), size);
      const Measurement m = measure(path, data);
      std::printf(
          "{\"bench\":\"crc32c\",\"path\":\"%s\",\"chosen\":%s,\"buffer_bytes\":%zu,\"gb_per_s\":%.2f,"
          "\"cpu_gb_per_s\":%.2f,\"repetitions\":%llu,\"checksum\":\"%08x\"}\n",
          ff::hash::crc32c_path_name(path), path == ff::hash::crc32c_chosen_path() ? "true" : "false", size,
          m.gb_per_s, m.cpu_gb_per_s, static_cast<unsigned long long>(m.repetitions), m.checksum);
      std::fflush(stdout);
    }
  }
  return 0;
}
