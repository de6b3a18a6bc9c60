// JavaScript bindings (embind) of the wasm core the browser runtime drives: FabricNode and
// the journal framing (WebJournal). web/src/core.js is the only caller; docs/browser-api.md
// describes what the page sees.
//
// The wasm is built without C++ exceptions, so nothing here throws: every fallible call
// returns an object {ok: true, ...} or {ok: false, code, error}. Byte arguments are
// Uint8Arrays (embind copies them into std::string); byte results are fresh Uint8Arrays
// (copied out of the wasm heap, so they stay valid when the heap grows). 64-bit ids cross
// as 16-digit hex strings; times and tickets as numbers (below 2^53).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "core/fabric/fabric_node.hpp"
#include "web/bindings/web_journal.hpp"

namespace ff::web {
namespace {

using emscripten::val;

// Largest integer a JS number holds exactly.
constexpr double kMaxSafeInteger = 9007199254740991.0;

val bytes_to_js(ByteView bytes) {
  // typed_memory_view aliases the heap; slice() copies it out.
  return val(emscripten::typed_memory_view(bytes.size(), bytes.data())).call<val>("slice");
}

ByteView view_of(const std::string& s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::string hex64(std::uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = digits[v & 0xf];
    v >>= 4;
  }
  return out;
}

// Parses 1..16 hex digits; nullopt otherwise.
std::optional<std::uint64_t> parse_hex64(const std::string& s) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return std::nullopt;
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  return v;
}

// Times from JS are Date.now() style numbers; negative or non-finite ones become 0 rather
// than undefined behaviour in the conversion.
std::uint64_t to_u64(double v) {
  if (!(v >= 0) || !std::isfinite(v)) return 0;
  if (v >= kMaxSafeInteger) return static_cast<std::uint64_t>(kMaxSafeInteger);
  return static_cast<std::uint64_t>(v);
}

val ok_value() {
  val out = val::object();
  out.set("ok", true);
  return out;
}

val error_value(const Error& error) {
  val out = val::object();
  out.set("ok", false);
  out.set("code", std::string(errc_name(error.code)));
  out.set("error", error.message);
  return out;
}

val status_value(const Status& status) { return status.ok() ? ok_value() : error_value(status.error()); }

val write_id(const fabric::MutationId& id) {
  val out = val::object();
  out.set("origin", hex64(id.origin));
  out.set("seq", static_cast<double>(id.seq));
  return out;
}

val changes_value(const ShadowChanges& changes) {
  val out = ok_value();
  out.set("truncate", changes.truncate);
  out.set("truncateBytes", static_cast<double>(changes.truncate_bytes));
  out.set("append", bytes_to_js(changes.append));
  return out;
}

val effect_value(fabric::Effect& effect) {
  val out = val::object();
  if (auto* send = std::get_if<fabric::SendDirect>(&effect)) {
    out.set("type", std::string("send"));
    out.set("peer", send->peer);
    out.set("frame", bytes_to_js(send->frame));
  } else if (auto* publish = std::get_if<fabric::Publish>(&effect)) {
    out.set("type", std::string("publish"));
    out.set("topic", publish->topic);
    out.set("data", bytes_to_js(publish->data));
  } else if (auto* persist = std::get_if<fabric::Persist>(&effect)) {
    out.set("type", std::string("persist"));
    out.set("ticket", static_cast<double>(persist->ticket));
    out.set("record", bytes_to_js(persist->record));
    out.set("sync", persist->sync);
  } else if (auto* disconnect = std::get_if<fabric::Disconnect>(&effect)) {
    out.set("type", std::string("disconnect"));
    out.set("peer", disconnect->peer);
    out.set("reason", disconnect->reason);
  } else {
    const auto& event = std::get<fabric::Event>(effect);
    out.set("type", std::string("event"));
    out.set("kind", std::string(fabric::event_kind_name(event.kind)));
    out.set("peer", event.peer);
    out.set("object", event.object);
    out.set("text", event.text);
    if (event.kind == fabric::EventKind::kWriteDone) {
      out.set("write", write_id(event.write));
      out.set("ok", event.status.ok());
      if (!event.status.ok()) {
        out.set("code", std::string(errc_name(event.status.error().code)));
        out.set("error", event.status.error().message);
      }
      out.set("acks", event.acks);
      out.set("degraded", event.degraded);
    }
  }
  return out;
}

// Builds an Op from the JSON-like fields of docs/browser-api.md (the same vocabulary as the
// native HTTP API: counter increment, set add/remove, map put/delete, list insert/erase,
// text insert/erase).
Result<fabric::Op> make_op(const std::string& kind_name, const std::string& action, const std::string& object,
                           double amount, const std::string& key, const std::string& value, double index,
                           double count) {
  FF_TRY_ASSIGN(const fabric::ObjectKind kind, fabric::parse_object_kind(kind_name));
  auto whole = [](double v, const char* what) -> Result<std::uint64_t> {
    if (!(v >= 0) || v > kMaxSafeInteger || std::floor(v) != v) {
      return make_error(Errc::kInvalidInput, std::string(what) + " must be a whole number >= 0");
    }
    return static_cast<std::uint64_t>(v);
  };
  using K = fabric::ObjectKind;
  if (kind == K::kCounter && action == "increment") {
    if (!(std::fabs(amount) <= kMaxSafeInteger) || std::floor(amount) != amount) {
      return make_error(Errc::kInvalidInput, "amount must be a whole number within +-2^53");
    }
    return fabric::Op::increment(object, static_cast<std::int64_t>(amount));
  }
  if (kind == K::kSet && action == "add") return fabric::Op::set_add(object, value);
  if (kind == K::kSet && action == "remove") return fabric::Op::set_remove(object, value);
  if (kind == K::kMap && action == "put") return fabric::Op::map_put(object, key, value);
  if (kind == K::kMap && action == "delete") return fabric::Op::map_delete(object, key);
  if ((kind == K::kList || kind == K::kText) && action == "insert") {
    FF_TRY_ASSIGN(const std::uint64_t at, whole(index, "index"));
    return kind == K::kList ? fabric::Op::list_insert(object, at, value)
                            : fabric::Op::text_insert(object, at, value);
  }
  if ((kind == K::kList || kind == K::kText) && action == "erase") {
    FF_TRY_ASSIGN(const std::uint64_t at, whole(index, "index"));
    FF_TRY_ASSIGN(const std::uint64_t n, whole(count, "count"));
    return kind == K::kList ? fabric::Op::list_erase(object, at, n) : fabric::Op::text_erase(object, at, n);
  }
  return make_error(Errc::kInvalidInput, "no operation \"" + action + "\" on a " + kind_name);
}

// FabricNode for JavaScript. Constructed empty; init() creates the node so that a bad
// configuration is an error value rather than a failed constructor.
class WebNode {
 public:
  // config: {programId, peerId, sovereignty ("authority"|"citizen"|"ephemeral"),
  //          replicaId? (hex; default derived from peerId), freshReplicaId (hex, random;
  //          required unless ephemeral: the replica after a start that did not follow a
  //          clean shutdown), agent?}
  val init(val config) {
    if (node_) return error_value(make_error(Errc::kInvalidInput, "node already initialised"));
    auto text = [&](const char* field, const std::string& fallback) {
      val v = config[field];
      return v.isString() ? v.as<std::string>() : fallback;
    };
    fabric::NodeConfig cfg;
    cfg.program_id = text("programId", "");
    cfg.peer_id = text("peerId", "");
    cfg.agent = text("agent", cfg.agent);
    Result<fabric::Sovereignty> sovereignty = fabric::parse_sovereignty(text("sovereignty", "citizen"));
    if (!sovereignty.ok()) return error_value(sovereignty.error());
    cfg.sovereignty = *sovereignty;
    cfg.journal = cfg.sovereignty != fabric::Sovereignty::kEphemeral;
    for (const auto& [field, target] :
         {std::pair{"replicaId", &cfg.replica_id}, std::pair{"freshReplicaId", &cfg.fresh_replica_id}}) {
      const std::string hex = text(field, "");
      if (hex.empty()) continue;
      const std::optional<std::uint64_t> parsed = parse_hex64(hex);
      if (!parsed || *parsed == 0) {
        return error_value(
            make_error(Errc::kInvalidInput, std::string(field) + " must be 1..16 hex digits, not zero"));
      }
      *target = *parsed;
    }
    Result<std::unique_ptr<fabric::FabricNode>> created = fabric::FabricNode::create(std::move(cfg));
    if (!created.ok()) return error_value(created.error());
    node_ = std::move(created).value();
    val out = ok_value();
    out.set("replicaId", hex64(node_->replica_id()));
    out.set("topic", node_->topic());
    return out;
  }

  val restore(const std::string& record) {
    if (!node_) return not_ready();
    return status_value(node_->restore(view_of(record)));
  }
  void restored(double now_ms) {
    if (node_) node_->restored(to_u64(now_ms));
  }
  void shutdown(double now_ms) {
    if (node_) node_->shutdown(to_u64(now_ms));
  }
  // The replica own writes are made as (chosen for good by restored()), as hex.
  std::string replica_id() const { return node_ ? hex64(node_->replica_id()) : std::string(); }

  val mount(const std::string& name, const std::string& kind_name, const std::string& policy_name) {
    if (!node_) return not_ready();
    Result<fabric::ObjectKind> kind = fabric::parse_object_kind(kind_name);
    if (!kind.ok()) return error_value(kind.error());
    Result<fabric::DurabilityPolicy> policy = fabric::parse_durability(policy_name);
    if (!policy.ok()) return error_value(policy.error());
    return status_value(node_->mount(name, *kind, *policy));
  }

  val apply(const std::string& kind, const std::string& action, const std::string& object, double amount,
            const std::string& key, const std::string& value, double index, double count, double now_ms) {
    if (!node_) return not_ready();
    Result<fabric::Op> op = make_op(kind, action, object, amount, key, value, index, count);
    if (!op.ok()) return error_value(op.error());
    Result<fabric::MutationId> id = node_->apply(*op, to_u64(now_ms));
    if (!id.ok()) return error_value(id.error());
    val out = ok_value();
    out.set("write", write_id(*id));
    return out;
  }

  void peer_connected(const std::string& peer, double now_ms) {
    if (node_) node_->peer_connected(peer, to_u64(now_ms));
  }
  void peer_disconnected(const std::string& peer, double now_ms) {
    if (node_) node_->peer_disconnected(peer, to_u64(now_ms));
  }
  void handle_direct(const std::string& peer, const std::string& frame, double now_ms) {
    if (node_) node_->handle_direct(peer, view_of(frame), to_u64(now_ms));
  }
  void handle_gossip(const std::string& peer, const std::string& data, double now_ms) {
    if (node_) node_->handle_gossip(peer, view_of(data), to_u64(now_ms));
  }
  void persisted(double ticket, double now_ms) {
    if (node_) node_->persisted(to_u64(ticket), to_u64(now_ms));
  }
  void handle_timeout(double now_ms) {
    if (node_) node_->handle_timeout(to_u64(now_ms));
  }
  // -1 when idle (UINT64_MAX in C++).
  double next_timeout_ms() const {
    if (!node_) return -1;
    const std::uint64_t t = node_->next_timeout_ms();
    return t == std::numeric_limits<std::uint64_t>::max()
               ? -1.0
               : static_cast<double>(std::min<std::uint64_t>(t, static_cast<std::uint64_t>(kMaxSafeInteger)));
  }

  // The next effect, or null.
  val poll_effect() {
    if (!node_) return val::null();
    std::optional<fabric::Effect> effect = node_->poll_effect();
    if (!effect) return val::null();
    return effect_value(*effect);
  }

  val peers() const {
    val out = val::array();
    if (!node_) return out;
    for (const fabric::PeerInfo& info : node_->peers()) {
      val p = val::object();
      p.set("peerId", info.peer);
      p.set("replicaId", hex64(info.replica));
      p.set("sovereignty", std::string(fabric::sovereignty_name(info.sovereignty)));
      p.set("capabilityTier", info.capability_tier);
      p.set("agent", info.agent);
      p.set("stale", info.stale);
      p.set("lastPulseMs", static_cast<double>(info.last_pulse_ms));
      out.call<void>("push", p);
    }
    return out;
  }

  val objects() const {
    val out = val::array();
    if (!node_) return out;
    for (const fabric::ObjectInfo& info : node_->objects()) {
      val o = val::object();
      o.set("name", info.name);
      o.set("kind", std::string(fabric::object_kind_name(info.kind)));
      o.set("policy", fabric::durability_name(info.policy));
      o.set("valueJson", info.value_json);
      out.call<void>("push", o);
    }
    return out;
  }

  val object_json(const std::string& name) const {
    if (!node_) return not_ready();
    Result<std::string> json = node_->object_json(name);
    if (!json.ok()) return error_value(json.error());
    val out = ok_value();
    out.set("json", *json);
    return out;
  }

  std::string state_json() const { return node_ ? node_->state_json() : std::string("{}"); }

  val metrics() const {
    val out = val::object();
    if (!node_) return out;
    const fabric::Metrics m = node_->metrics();
    auto put = [&](const char* name, std::uint64_t v) { out.set(name, static_cast<double>(v)); };
    put("peers", m.peers);
    put("deltasSent", m.deltas_sent);
    put("deltasReceived", m.deltas_received);
    put("duplicatesDropped", m.duplicates_dropped);
    put("acksSent", m.acks_sent);
    put("acksReceived", m.acks_received);
    put("pendingBroadcasts", m.pending_broadcasts);
    put("causalBuffered", m.causal_buffered);
    put("journalRecords", m.journal_records);
    put("journalBytes", m.journal_bytes);
    put("rejectedInputs", m.rejected_inputs);
    return out;
  }

 private:
  static val not_ready() { return error_value(make_error(Errc::kInvalidInput, "node not initialised")); }

  std::unique_ptr<fabric::FabricNode> node_;
};

// WebJournal for JavaScript.
class JsJournal {
 public:
  // {ok, records: [Uint8Array], corruptReports, corruptBytes, corruption, truncate,
  //  truncateBytes, append} or an error.
  val open(const std::string& file) {
    Result<OpenResult> opened = journal_.open(Bytes(file.begin(), file.end()));
    if (!opened.ok()) return error_value(opened.error());
    val out = changes_value(opened->changes);
    val records = val::array();
    for (const Bytes& record : opened->records) records.call<void>("push", bytes_to_js(record));
    out.set("records", records);
    out.set("corruptReports", static_cast<double>(opened->corrupt_reports));
    out.set("corruptBytes", static_cast<double>(opened->corrupt_bytes));
    out.set("corruption", opened->corruption);
    return out;
  }
  // {ok, truncate, truncateBytes, append: Uint8Array} or an error.
  val append(const std::string& payload) {
    Result<ShadowChanges> changes = journal_.append(view_of(payload));
    if (!changes.ok()) return error_value(changes.error());
    return changes_value(*changes);
  }
  double last_sequence() const { return static_cast<double>(journal_.last_sequence()); }
  double file_bytes() const { return static_cast<double>(journal_.file_bytes()); }

 private:
  WebJournal journal_;
};

val sync_topic_js(const std::string& program_id) {
  Status valid = fabric::validate_program_id(program_id);
  if (!valid.ok()) return error_value(valid.error());
  val out = ok_value();
  out.set("topic", fabric::sync_topic(program_id));
  return out;
}

val validate_object_name_js(const std::string& name) {
  return status_value(fabric::validate_object_name(name));
}

}  // namespace
}  // namespace ff::web

EMSCRIPTEN_BINDINGS(fluid_fabric) {
  using namespace emscripten;
  using ff::web::JsJournal;
  using ff::web::WebNode;
  class_<WebNode>("FabricNode")
      .constructor<>()
      .function("init", &WebNode::init)
      .function("restore", &WebNode::restore)
      .function("restored", &WebNode::restored)
      .function("shutdown", &WebNode::shutdown)
      .function("replicaId", &WebNode::replica_id)
      .function("mount", &WebNode::mount)
      .function("apply", &WebNode::apply)
      .function("peerConnected", &WebNode::peer_connected)
      .function("peerDisconnected", &WebNode::peer_disconnected)
      .function("handleDirect", &WebNode::handle_direct)
      .function("handleGossip", &WebNode::handle_gossip)
      .function("persisted", &WebNode::persisted)
      .function("handleTimeout", &WebNode::handle_timeout)
      .function("nextTimeoutMs", &WebNode::next_timeout_ms)
      .function("pollEffect", &WebNode::poll_effect)
      .function("peers", &WebNode::peers)
      .function("objects", &WebNode::objects)
      .function("objectJson", &WebNode::object_json)
      .function("stateJson", &WebNode::state_json)
      .function("metrics", &WebNode::metrics);
  class_<JsJournal>("Journal")
      .constructor<>()
      .function("open", &JsJournal::open)
      .function("append", &JsJournal::append)
      .function("lastSequence", &JsJournal::last_sequence)
      .function("fileBytes", &JsJournal::file_bytes);
  function("syncTopic", &ff::web::sync_topic_js);
  function("validateObjectName", &ff::web::validate_object_name_js);
  constant("maxDirectFrameBytes", static_cast<double>(ff::fabric::kMaxDirectFrameBytes));
  constant("maxGossipMessageBytes", static_cast<double>(ff::fabric::kMaxGossipMessageBytes));
}
