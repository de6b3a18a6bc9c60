// bench_text_trace FILE...: replays sequential editing traces (../shared/data/editing-traces)
// into YataText one local op per patch, as a user types, and into a plain text buffer
// with no CRDT (the floor: std::string splices for pure-ASCII traces, where positions are
// byte offsets, else a std::u32string; "impl":"plain-buffer" or "plain-buffer-u32"). Prints one JSON line per
// trace and implementation:
//   {"trace":"automerge-paper","impl":"yata","ops":259778,"ms":..,"final_len":104852,
//    "ok":true,"rss_mb":..,"rss_source":"VmHWM"}
// `ms` times the replay only (not loading, not the final text comparison). `ok` says the
// replayed text equals the trace's endContent. `rss_mb` is the peak resident set during
// the replay (Linux VmHWM, reset before each replay when /proc/self/clear_refs allows it,
// so it includes the loaded trace but not the loader's JSON text); under Emscripten it is
// the size of the wasm heap ("rss_source":"wasm-heap"), which only grows. "rss_start_mb" is
// the same measure just before the replay (the loaded trace and the program).
// With no arguments it replays the sequential traces of FF_TRACE_DIR.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#if defined(__GLIBC__) || defined(__EMSCRIPTEN__)
#include <malloc.h>
#endif

#include "core/crdt/text_utf8.hpp"
#include "core/crdt/yata.hpp"
#include "tests/support/editing_trace.hpp"

namespace {

using ff::testing::EditingTrace;
using ff::testing::TracePatch;
using ff::testing::TraceTxn;

#if defined(__EMSCRIPTEN__)
// The wasm heap only grows and starts at INITIAL_MEMORY (cmake/ff_wasm.cmake), so the
// bytes malloc holds at the end of the replay are reported too ("heap_in_use_mb").
constexpr const char* kRssSource = "wasm-heap";
void reset_peak_rss() {}
double current_rss_mb() {
  return static_cast<double>(__builtin_wasm_memory_size(0)) * 65536.0 / (1024.0 * 1024.0);
}
double peak_rss_mb() {
  return static_cast<double>(__builtin_wasm_memory_size(0)) * 65536.0 / (1024.0 * 1024.0);
}
#else
constexpr const char* kRssSource = "VmHWM";
void reset_peak_rss() {
#if defined(__GLIBC__)
  malloc_trim(0);  // hand freed loader memory back first, so it does not count
#endif
  std::ofstream clear_refs("/proc/self/clear_refs");
  if (clear_refs) clear_refs << "5";  // "5" resets VmHWM to the current RSS (Linux >= 4.0)
}
double status_mb(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(status, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(prefix.size())) / 1024.0;  // kB
  }
  return -1;
}
double peak_rss_mb() { return status_mb("VmHWM"); }
double current_rss_mb() { return status_mb("VmRSS"); }
#endif

struct Replay {
  std::size_t ops = 0;
  double ms = 0;
  std::size_t final_len = 0;
  bool ok = false;
  double rss_mb = 0;
  double rss_start_mb = 0;  // before the replay: the process with the trace loaded
  std::size_t items = 0;
  double heap_in_use_mb = 0;  // Emscripten only
  std::string error;
};

#if defined(__EMSCRIPTEN__)
double heap_in_use_mb() { return static_cast<double>(mallinfo().uordblks) / (1024.0 * 1024.0); }
#else
double heap_in_use_mb() { return 0; }
#endif

double elapsed_ms(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

Replay replay_yata(const EditingTrace& trace) {
  Replay result;
  reset_peak_rss();
  result.rss_start_mb = current_rss_mb();
  ff::crdt::YataText doc(/*replica=*/1);
  const auto start = std::chrono::steady_clock::now();
  for (const TraceTxn& txn : trace.txns) {
    for (std::uint32_t p = 0; p < txn.patch_count; ++p) {
      const TracePatch& patch = trace.patches[txn.first_patch + p];
      if (patch.removed > 0) {
        auto delta = doc.remove(patch.position, patch.removed);
        if (!delta.ok()) {
          result.error = delta.error().message;
          return result;
        }
      }
      if (patch.text_bytes > 0) {
        auto delta = doc.insert(patch.position, trace.inserted(patch));
        if (!delta.ok()) {
          result.error = delta.error().message;
          return result;
        }
      }
      ++result.ops;
    }
  }
  result.ms = elapsed_ms(start);
  result.rss_mb = peak_rss_mb();
  result.heap_in_use_mb = heap_in_use_mb();
  result.final_len = doc.length();
  result.items = doc.item_count();
  result.ok = doc.text() == trace.end_content;
  return result;
}

bool all_ascii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// The floor: the same splices on a flat buffer, no CRDT. A pure-ASCII trace (positions
// are then byte offsets) uses a byte string, anything else a vector of code points.
template <class Char>
Replay replay_plain(const EditingTrace& trace) {
  Replay result;
  reset_peak_rss();
  result.rss_start_mb = current_rss_mb();
  std::basic_string<Char> buffer;
  std::vector<char32_t> decoded;
  const auto start = std::chrono::steady_clock::now();
  for (const TraceTxn& txn : trace.txns) {
    for (std::uint32_t p = 0; p < txn.patch_count; ++p) {
      const TracePatch& patch = trace.patches[txn.first_patch + p];
      if (patch.position + static_cast<std::size_t>(patch.removed) > buffer.size()) {
        result.error = "patch beyond the end of the text";
        return result;
      }
      buffer.erase(patch.position, patch.removed);
      if constexpr (sizeof(Char) == 1) {
        buffer.insert(patch.position, trace.inserted(patch));
      } else {
        decoded.clear();
        if (!ff::crdt::utf8_decode_append(trace.inserted(patch), decoded).ok()) {
          result.error = "invalid UTF-8 in the trace";
          return result;
        }
        buffer.insert(buffer.begin() + patch.position, decoded.begin(), decoded.end());
      }
      ++result.ops;
    }
  }
  result.ms = elapsed_ms(start);
  result.rss_mb = peak_rss_mb();
  result.heap_in_use_mb = heap_in_use_mb();
  result.final_len = buffer.size();
  if constexpr (sizeof(Char) == 1) {
    result.ok = buffer == trace.end_content;
  } else {
    std::string text;
    ff::crdt::utf8_encode_append(buffer.data(), buffer.size(), text);
    result.ok = text == trace.end_content;
  }
  return result;
}

void print(const EditingTrace& trace, const char* impl, const Replay& replay) {
  if (!replay.error.empty()) {
    std::printf("{\"trace\":\"%s\",\"impl\":\"%s\",\"ok\":false,\"error\":\"%s\"}\n", trace.name.c_str(),
                impl, replay.error.c_str());
    return;
  }
  std::printf(
      "{\"trace\":\"%s\",\"impl\":\"%s\",\"ops\":%zu,\"ms\":%.2f,\"final_len\":%zu,\"ok\":%s,\"rss_mb\":%.1f,"
      "\"rss_source\":\"%s\",\"rss_start_mb\":%.1f",
      trace.name.c_str(), impl, replay.ops, replay.ms, replay.final_len, replay.ok ? "true" : "false",
      replay.rss_mb, kRssSource, replay.rss_start_mb);
  if (replay.items > 0) std::printf(",\"items\":%zu", replay.items);
#if defined(__EMSCRIPTEN__)
  std::printf(",\"heap_in_use_mb\":%.1f", replay.heap_in_use_mb);
#endif
  std::printf("}\n");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files(argv + 1, argv + argc);
  if (files.empty()) files = ff::testing::sequential_trace_names();
  int status = 0;
  for (const std::string& file : files) {
    auto trace = ff::testing::load_editing_trace(file);
    if (!trace.ok()) {
      std::fprintf(stderr, "bench_text_trace: %s\n", trace.error().message.c_str());
      status = 1;
      continue;
    }
    if (trace->concurrent) {
      std::fprintf(stderr,
                   "bench_text_trace: %s is a concurrent trace; this benchmark replays sequential ones\n",
                   file.c_str());
      status = 1;
      continue;
    }
    const Replay yata = replay_yata(*trace);
    print(*trace, "yata", yata);
    const bool ascii = all_ascii(trace->text_pool) && all_ascii(trace->end_content);
    const Replay plain = ascii ? replay_plain<char>(*trace) : replay_plain<char32_t>(*trace);
    print(*trace, ascii ? "plain-buffer" : "plain-buffer-u32", plain);
    if (!yata.ok || !plain.ok) status = 1;
  }
  return status;
}
