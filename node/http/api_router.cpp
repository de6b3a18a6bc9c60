#include "node/http/api_router.hpp"

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace ff::node {

namespace {

using json = nlohmann::json;

Error field_error(const std::string& message) { return make_error(Errc::kInvalidInput, message); }

Result<std::string> string_field(const json& body, const char* name) {
  auto found = body.find(name);
  if (found == body.end()) return field_error(std::string("missing \"") + name + "\"");
  if (!found->is_string()) return field_error(std::string("\"") + name + "\" must be a string");
  return found->get<std::string>();
}

Result<std::uint64_t> index_field(const json& body, const char* name, std::optional<std::uint64_t> fallback) {
  auto found = body.find(name);
  if (found == body.end()) {
    if (fallback) return *fallback;
    return field_error(std::string("missing \"") + name + "\"");
  }
  if (!found->is_number_unsigned()) {
    return field_error(std::string("\"") + name + "\" must be a non-negative integer");
  }
  return found->get<std::uint64_t>();
}

std::string error_json(const std::string& message) { return json{{"ok", false}, {"error", message}}.dump(); }

}  // namespace

HttpResponse text_response(int status, std::string text) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(text);
  return response;
}

HttpResponse json_response(int status, std::string json_text) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = std::move(json_text);
  response.body.push_back('\n');
  return response;
}

void split_target(const std::string& target, std::string& path, std::string& query) {
  const std::size_t mark = target.find('?');
  path = target.substr(0, mark);
  query = mark == std::string::npos ? std::string() : target.substr(mark + 1);
}

bool percent_decode(const std::string& in, std::string& out) {
  out.clear();
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int high = hex(in[i + 1]);
    const int low = hex(in[i + 2]);
    if (high < 0 || low < 0) return false;
    const char c = static_cast<char>(high * 16 + low);
    if (c == '\0') return false;
    out.push_back(c);
    i += 2;
  }
  return true;
}

Result<OpRequest> parse_op_request(const std::string& name, const std::string& body) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return field_error("the body is not valid JSON");
  if (!parsed.is_object()) return field_error("the body must be a JSON object");
  FF_TRY_ASSIGN(std::string kind_text, string_field(parsed, "kind"));
  auto kind = fabric::parse_object_kind(kind_text);
  if (!kind.ok())
    return field_error("unknown \"kind\" \"" + kind_text + "\" (counter, set, map, list, text)");
  FF_TRY_ASSIGN(std::string action, string_field(parsed, "op"));

  OpRequest request;
  const auto unknown_op = [&](const char* allowed) {
    return field_error("unknown \"op\" \"" + action + "\" for " + kind_text + " (" + allowed + ")");
  };
  switch (*kind) {
    case fabric::ObjectKind::kCounter: {
      if (action != "increment" && action != "decrement") return unknown_op("increment, decrement");
      std::int64_t amount = 1;
      if (auto found = parsed.find("amount"); found != parsed.end()) {
        if (!found->is_number_integer()) return field_error("\"amount\" must be an integer");
        if (found->is_number_unsigned() &&
            found->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
          return field_error("\"amount\" is out of range");
        }
        amount = found->get<std::int64_t>();
      }
      if (action == "decrement") {
        if (amount == INT64_MIN) return field_error("\"amount\" is out of range");
        amount = -amount;
      }
      request.op = fabric::Op::increment(name, amount);
      break;
    }
    case fabric::ObjectKind::kSet: {
      if (action != "add" && action != "remove") return unknown_op("add, remove");
      FF_TRY_ASSIGN(std::string value, string_field(parsed, "value"));
      request.op = action == "add" ? fabric::Op::set_add(name, value) : fabric::Op::set_remove(name, value);
      break;
    }
    case fabric::ObjectKind::kMap: {
      if (action != "put" && action != "delete") return unknown_op("put, delete");
      FF_TRY_ASSIGN(std::string key, string_field(parsed, "key"));
      if (action == "put") {
        FF_TRY_ASSIGN(std::string value, string_field(parsed, "value"));
        request.op = fabric::Op::map_put(name, key, value);
      } else {
        request.op = fabric::Op::map_delete(name, key);
      }
      break;
    }
    case fabric::ObjectKind::kList:
    case fabric::ObjectKind::kText: {
      const bool text = *kind == fabric::ObjectKind::kText;
      if (action != "insert" && action != "erase") return unknown_op("insert, erase");
      FF_TRY_ASSIGN(std::uint64_t index, index_field(parsed, "index", std::nullopt));
      if (action == "insert") {
        FF_TRY_ASSIGN(std::string value, string_field(parsed, text ? "text" : "value"));
        request.op =
            text ? fabric::Op::text_insert(name, index, value) : fabric::Op::list_insert(name, index, value);
      } else {
        FF_TRY_ASSIGN(std::uint64_t count, index_field(parsed, "count", 1));
        request.op =
            text ? fabric::Op::text_erase(name, index, count) : fabric::Op::list_erase(name, index, count);
      }
      break;
    }
  }
  if (auto found = parsed.find("durability"); found != parsed.end()) {
    if (!found->is_string()) return field_error("\"durability\" must be a string such as \"quorum(2)\"");
    auto policy = fabric::parse_durability(found->get<std::string>());
    if (!policy.ok()) {
      return field_error("bad \"durability\" \"" + found->get<std::string>() +
                         "\" (local, quorum(N), strict_quorum(N), leader)");
    }
    request.durability = *policy;
  }
  return request;
}

int http_status_for(Errc code) {
  switch (code) {
    case Errc::kInvalidInput: return 400;
    case Errc::kNotFound: return 404;
    case Errc::kLimitExceeded: return 429;
    case Errc::kUnavailable: return 503;
    default: return 500;
  }
}

std::string metrics_text(const MetricsSample& sample) {
  std::string out;
  const auto metric = [&out](const char* name, const char* type, const char* help, std::uint64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
           std::to_string(value) + "\n";
  };
  const fabric::Metrics& m = sample.fabric;
  metric("fabric_peers", "gauge", "Peers whose Hello was accepted.", m.peers);
  metric("fabric_connections", "gauge", "Open libp2p connections.", sample.connections);
  metric("fabric_deltas_sent_total", "counter", "Mutations published or re-sent.", m.deltas_sent);
  metric("fabric_deltas_received_total", "counter", "Mutations applied from other nodes.", m.deltas_received);
  metric("fabric_duplicates_dropped_total", "counter", "Mutations received twice and dropped.",
         m.duplicates_dropped);
  metric("fabric_acks_sent_total", "counter", "Authority acks sent.", m.acks_sent);
  metric("fabric_acks_received_total", "counter", "Authority acks received.", m.acks_received);
  metric("fabric_pending_broadcasts", "gauge", "Writes still waiting for acks.", m.pending_broadcasts);
  metric("fabric_causal_buffered", "gauge", "Mutations waiting for their dependencies.", m.causal_buffered);
  metric("fabric_journal_records_total", "counter", "Journal records written by the fabric.",
         m.journal_records);
  metric("fabric_journal_bytes", "gauge", "Size of the journal file in bytes.", sample.journal_file_bytes);
  metric("fabric_rejected_inputs_total", "counter", "Inputs dropped as invalid.", m.rejected_inputs);
  return out;
}

void ApiRouter::handle(const HttpRequest& request, HttpRespond respond) {
  std::string raw_path;
  std::string query;
  split_target(request.target, raw_path, query);
  std::string path;
  if (!percent_decode(raw_path, path))
    return respond(text_response(400, "bad percent-encoding in the path\n"));
  const bool get = request.method == "GET" || request.method == "HEAD";
  const auto method_not_allowed = [&] { respond(text_response(405, "method not allowed\n")); };

  if (path == "/") {
    if (!get) return method_not_allowed();
    HttpResponse response = text_response(302, "see /studio?id=" + program_id_ + "\n");
    response.headers.emplace_back("Location", "/studio?id=" + program_id_);
    return respond(std::move(response));
  }
  if (path == "/studio" || path == "/studio/") {
    if (!get) return method_not_allowed();
    return respond(files_.serve("studio/index.html"));
  }
  if (path.rfind("/studio/", 0) == 0) {
    if (!get) return method_not_allowed();
    return respond(files_.serve(path.substr(1)));
  }
  if (path.rfind("/web/", 0) == 0) {
    if (!get) return method_not_allowed();
    return respond(files_.serve(path.substr(5)));
  }
  if (path == "/metrics") {
    if (!get) return method_not_allowed();
    HttpResponse response = text_response(200, metrics_text(backend_.metrics()));
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return respond(std::move(response));
  }
  if (path == "/api/node" || path == "/api/peers" || path == "/api/state") {
    if (!get) return method_not_allowed();
    if (path == "/api/node") return respond(json_response(200, backend_.node_json()));
    if (path == "/api/peers") return respond(json_response(200, backend_.peers_json()));
    return respond(json_response(200, backend_.state_json()));
  }
  if (path.rfind("/api/state/", 0) == 0) {
    const std::string name = path.substr(11);
    if (request.method == "POST") return post_state(name, request.body, std::move(respond));
    if (!get) return method_not_allowed();
    return get_state(name, query, std::move(respond));
  }
  respond(text_response(404, "not found\n"));
}

namespace {

// The value of `key` in a query string "a=1&b=2" (no decoding: the keys used are plain).
std::optional<std::string> query_param(const std::string& query, const std::string& key) {
  std::size_t start = 0;
  while (start <= query.size()) {
    const std::size_t end = std::min(query.find('&', start), query.size());
    const std::string pair = query.substr(start, end - start);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) return eq == std::string::npos ? std::string() : pair.substr(eq + 1);
    start = end + 1;
  }
  return std::nullopt;
}

// A decimal in 0..max, or nullopt.
std::optional<std::uint64_t> parse_decimal(const std::string& text, std::uint64_t max) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

}  // namespace

void ApiRouter::get_state(const std::string& name, const std::string& query, HttpRespond respond) {
  ApiBackend* backend = &backend_;
  const auto answer = [backend, name](const HttpRespond& reply) {
    auto value = backend->object_json(name);
    if (!value.ok())
      return reply(json_response(http_status_for(value.error().code), error_json(value.error().message)));
    HttpResponse response = json_response(200, *value);
    response.headers.emplace_back("X-Fabric-Version", std::to_string(backend->object_version(name)));
    reply(std::move(response));
  };
  const std::optional<std::string> wait_text = query_param(query, "wait_ms");
  if (!wait_text) return answer(respond);
  const auto wait_ms = parse_decimal(*wait_text, static_cast<std::uint64_t>(kMaxWatchWait.count()));
  const auto after = parse_decimal(query_param(query, "after").value_or(""), UINT64_MAX / 2);
  if (!wait_ms || !after) {
    return respond(
        json_response(400, error_json("wait_ms must be 0.." + std::to_string(kMaxWatchWait.count()) +
                                      " and after a version (the X-Fabric-Version of an earlier answer)")));
  }
  if (auto valid = fabric::validate_object_name(name); !valid.ok()) {
    return respond(json_response(400, error_json(valid.error().message)));
  }
  backend_.watch(name, *after, std::chrono::milliseconds(*wait_ms),
                 [answer, respond = std::move(respond)] { answer(respond); });
}

void ApiRouter::post_state(const std::string& name, const std::string& body, HttpRespond respond) {
  if (auto valid = fabric::validate_object_name(name); !valid.ok()) {
    return respond(json_response(400, error_json(valid.error().message)));
  }
  auto request = parse_op_request(name, body);
  if (!request.ok()) return respond(json_response(400, error_json(request.error().message)));
  ApiBackend* backend = &backend_;
  backend_.write(*request, [backend, name, respond = std::move(respond)](WriteOutcome outcome) {
    if (!outcome.status.ok()) {
      json error = {{"ok", false},
                    {"error", outcome.status.error().message},
                    {"code", errc_name(outcome.status.error().code)}};
      if (outcome.write.seq != 0)
        error["write"] = {{"origin", std::to_string(outcome.write.origin)}, {"seq", outcome.write.seq}};
      return respond(json_response(http_status_for(outcome.status.error().code), error.dump()));
    }
    auto value = backend->object_json(name);
    json reply = {{"ok", true},
                  {"write", {{"origin", std::to_string(outcome.write.origin)}, {"seq", outcome.write.seq}}},
                  {"acks", outcome.acks},
                  {"degraded", outcome.degraded},
                  {"value", value.ok() ? json::parse(*value, nullptr, false) : json(nullptr)}};
    respond(json_response(200, reply.dump()));
  });
}

}  // namespace ff::node
