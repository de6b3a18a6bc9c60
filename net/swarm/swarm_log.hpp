// Logging for the swarm runtime: one line per event on stderr (stdout belongs to the
// JSON-lines protocol of `largo p2p`). The level comes from FF_LOG=error|info|debug
// (default info), read once.
#pragma once

#include <cstdio>

namespace ff::net {

enum class LogLevel { kError = 0, kInfo = 1, kDebug = 2 };
LogLevel swarm_log_level();
void swarm_log(LogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace ff::net

#define FF_LOG_AT_(level, ...)                                                       \
  do {                                                                               \
    if (static_cast<int>(level) <= static_cast<int>(::ff::net::swarm_log_level())) { \
      ::ff::net::swarm_log(level, __VA_ARGS__);                                      \
    }                                                                                \
  } while (0)
#define FF_LOG_ERROR(...) FF_LOG_AT_(::ff::net::LogLevel::kError, __VA_ARGS__)
#define FF_LOG_INFO(...) FF_LOG_AT_(::ff::net::LogLevel::kInfo, __VA_ARGS__)
#define FF_LOG_DEBUG(...) FF_LOG_AT_(::ff::net::LogLevel::kDebug, __VA_ARGS__)
