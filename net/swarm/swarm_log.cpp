#include "net/swarm/swarm_log.hpp"

#include <cstdarg>
#include <cstdlib>
#include <cstring>

namespace ff::net {

LogLevel swarm_log_level() {
  static const LogLevel level = [] {
    const char* text = std::getenv("FF_LOG");
    if (text == nullptr) return LogLevel::kInfo;
    if (std::strcmp(text, "error") == 0) return LogLevel::kError;
    if (std::strcmp(text, "debug") == 0) return LogLevel::kDebug;
    return LogLevel::kInfo;
  }();
  return level;
}

void swarm_log(LogLevel level, const char* format, ...) {
  static const char* const kNames[] = {"error", "info", "debug"};
  char line[1024];
  va_list args;
  va_start(args, format);
  // clang-analyzer cannot see va_start through the macro pair above.
  std::vsnprintf(line, sizeof line, format, args);  // NOLINT(clang-analyzer-valist.Uninitialized)
  va_end(args);
  std::fprintf(stderr, "[largo %s] %s\n", kNames[static_cast<int>(level)], line);
}

}  // namespace ff::net
