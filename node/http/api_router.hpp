// The node's HTTP routes (docs/api.md): the JSON API over a FabricNode, the Prometheus
// metrics, the Studio page and the static files of the web bundle. The router only parses
// and formats; what it reads and writes comes from an ApiBackend (node/fabric/
// fabric_runtime.cpp in `largo run`, a fake in tests).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/fabric/fabric_types.hpp"
#include "core/result.hpp"
#include "node/http/http_message.hpp"
#include "node/http/static_files.hpp"

namespace ff::node {

// One POST /api/state/NAME body, parsed.
struct OpRequest {
  fabric::Op op;
  std::optional<fabric::DurabilityPolicy> durability;  // "durability": mount with this policy
};

// Parses a JSON op for object `name` (docs/api.md "Operations"): kInvalidInput with a
// message naming the field for bad JSON, unknown kind/op, or a missing/mistyped field.
Result<OpRequest> parse_op_request(const std::string& name, const std::string& body);

struct WriteOutcome {
  Status status;  // the write's completion (kWriteDone) or why it never started
  fabric::MutationId write;
  std::uint32_t acks = 0;
  bool degraded = false;
};

struct MetricsSample {
  fabric::Metrics fabric;
  std::uint64_t connections = 0;
  std::uint64_t journal_file_bytes = 0;
};

class ApiBackend {
 public:
  virtual ~ApiBackend() = default;
  virtual std::string node_json() const = 0;   // GET /api/node
  virtual std::string peers_json() const = 0;  // GET /api/peers
  virtual std::string state_json() const = 0;  // GET /api/state
  virtual Result<std::string> object_json(const std::string& name) const = 0;
  // Mounts (when asked) and applies; `done` runs once, when the write completed.
  virtual void write(const OpRequest& request, std::function<void(WriteOutcome)> done) = 0;
  virtual MetricsSample metrics() const = 0;
  // How many times `name` changed here since the node started (0: never), for
  // GET /api/state/NAME?after=V&wait_ms=W (docs/api.md "Waiting for a change").
  virtual std::uint64_t object_version(const std::string& name) const = 0;
  // Calls `done` once: as soon as object_version(name) > after, or when `wait` has passed,
  // or at shutdown. At most kMaxWatchers wait at a time; beyond, `done` runs at once.
  virtual void watch(const std::string& name, std::uint64_t after, std::chrono::milliseconds wait,
                     std::function<void()> done) = 0;
};

// Bounds of GET /api/state/NAME?wait_ms=W: W is at most kMaxWatchWait, and at most
// kMaxWatchers requests wait at a time (more are answered at once).
inline constexpr std::chrono::milliseconds kMaxWatchWait{30'000};
inline constexpr std::size_t kMaxWatchers = 256;

// Prometheus text exposition format 0.0.4 of `sample`.
std::string metrics_text(const MetricsSample& sample);

// The HTTP status for an error code (kInvalidInput 400, kNotFound 404, kLimitExceeded 429,
// kUnavailable 503, others 500).
int http_status_for(Errc code);

class ApiRouter {
 public:
  ApiRouter(std::string program_id, ApiBackend& backend, StaticFiles files)
      : program_id_(std::move(program_id)), backend_(backend), files_(std::move(files)) {}

  void handle(const HttpRequest& request, HttpRespond respond);

 private:
  void post_state(const std::string& name, const std::string& body, HttpRespond respond);
  void get_state(const std::string& name, const std::string& query, HttpRespond respond);

  std::string program_id_;
  ApiBackend& backend_;
  StaticFiles files_;
};

}  // namespace ff::node
