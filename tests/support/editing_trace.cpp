#include "tests/support/editing_trace.hpp"

#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#ifdef FF_HAVE_ZLIB
#include <zlib.h>
#endif

#ifndef FF_TRACE_DIR
#define FF_TRACE_DIR "."
#endif

namespace ff::testing {
namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool file_exists(const std::string& path) { return std::ifstream(path, std::ios::binary).good(); }

Result<std::string> read_whole_file(const std::string& path) {
  if (ends_with(path, ".gz")) {
#ifdef FF_HAVE_ZLIB
    gzFile file = gzopen(path.c_str(), "rb");
    if (file == nullptr) return make_error(Errc::kNotFound, "editing trace: cannot open " + path);
    std::string text;
    char buffer[1 << 16];
    for (;;) {
      const int got = gzread(file, buffer, sizeof buffer);
      if (got < 0) {
        gzclose(file);
        return make_error(Errc::kIo, "editing trace: " + path + " is not valid gzip");
      }
      if (got == 0) break;
      text.append(buffer, static_cast<std::size_t>(got));
    }
    gzclose(file);
    return text;
#else
    return make_error(
        Errc::kUnsupported,
        "editing trace: " + path + " is gzip-compressed and this build has no zlib; pass the .json");
#endif
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return make_error(Errc::kNotFound, "editing trace: cannot open " + path);
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return make_error(Errc::kIo, "editing trace: reading " + path + " failed");
  return text.str();
}

// Streams the JSON into EditingTrace without building a document tree.
class TraceSax {
 public:
  using json = nlohmann::json;

  explicit TraceSax(EditingTrace& trace) : trace_(trace) {}

  const std::string& error() const { return error_; }

  bool null() { return scalar_ok(); }
  bool boolean(bool) { return scalar_ok(); }
  bool binary(json::binary_t&) { return scalar_ok(); }
  bool number_float(json::number_float_t, const json::string_t&) { return scalar_ok(); }
  bool number_integer(json::number_integer_t value) {
    if (value < 0) return scalar_ok() || fail("negative number where a count is expected");
    return number(static_cast<std::uint64_t>(value));
  }
  bool number_unsigned(json::number_unsigned_t value) { return number(value); }

  bool string(json::string_t& value) {
    switch (top()) {
      case Ctx::kTop:
        if (key_ == "startContent") trace_.start_content = value;
        if (key_ == "endContent") trace_.end_content = value;
        if (key_ == "kind") trace_.concurrent = value == "concurrent";
        return true;
      case Ctx::kPatch:
        if (field_ != 2) return fail("patch text in the wrong place");
        patch_.text_offset = static_cast<std::uint32_t>(trace_.text_pool.size());
        patch_.text_bytes = static_cast<std::uint32_t>(value.size());
        trace_.text_pool += value;
        ++field_;
        return true;
      case Ctx::kParents:
      case Ctx::kPatches:
      case Ctx::kTxns: return fail("unexpected string");
      default: return true;
    }
  }

  bool key(json::string_t& value) {
    key_ = value;
    return true;
  }

  bool start_object(std::size_t) {
    if (stack_.empty()) {
      stack_.push_back(Ctx::kTop);
      return true;
    }
    switch (top()) {
      case Ctx::kTxns: {
        TraceTxn txn;
        txn.first_patch = static_cast<std::uint32_t>(trace_.patches.size());
        txn.first_parent = static_cast<std::uint32_t>(trace_.parents.size());
        trace_.txns.push_back(txn);
        stack_.push_back(Ctx::kTxn);
        return true;
      }
      case Ctx::kTop:
      case Ctx::kTxn:
      case Ctx::kSkip: stack_.push_back(Ctx::kSkip); return true;
      default: return fail("unexpected object");
    }
  }

  bool end_object() {
    stack_.pop_back();
    return true;
  }

  bool start_array(std::size_t) {
    if (stack_.empty()) return fail("a trace is a JSON object");
    switch (top()) {
      case Ctx::kTop: stack_.push_back(key_ == "txns" ? Ctx::kTxns : Ctx::kSkip); return true;
      case Ctx::kTxn:
        stack_.push_back(key_ == "parents" ? Ctx::kParents : key_ == "patches" ? Ctx::kPatches : Ctx::kSkip);
        return true;
      case Ctx::kPatches:
        patch_ = TracePatch{};
        field_ = 0;
        stack_.push_back(Ctx::kPatch);
        return true;
      case Ctx::kSkip: stack_.push_back(Ctx::kSkip); return true;
      default: return fail("unexpected array");
    }
  }

  bool end_array() {
    const Ctx closed = top();
    stack_.pop_back();
    if (closed == Ctx::kPatch) {
      if (field_ != 3) return fail("a patch is [position, removed, text]");
      trace_.patches.push_back(patch_);
      ++trace_.txns.back().patch_count;
    }
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& error) {
    return fail("JSON error at byte " + std::to_string(position) + ": " + error.what());
  }

 private:
  enum class Ctx { kTop, kTxns, kTxn, kParents, kPatches, kPatch, kSkip };

  Ctx top() const { return stack_.empty() ? Ctx::kSkip : stack_.back(); }

  bool fail(const std::string& message) {
    if (error_.empty()) error_ = message;
    return false;
  }

  // Scalars we do not read are fine anywhere except inside patches and parent lists.
  bool scalar_ok() {
    const Ctx where = top();
    if (where == Ctx::kPatch || where == Ctx::kParents || where == Ctx::kPatches || where == Ctx::kTxns) {
      return fail("unexpected value in a patch or parent list");
    }
    return true;
  }

  bool number(std::uint64_t value) {
    if (value > std::numeric_limits<std::uint32_t>::max()) return fail("number out of range");
    const auto small = static_cast<std::uint32_t>(value);
    switch (top()) {
      case Ctx::kTop:
        if (key_ == "numAgents") trace_.agent_count = small;
        return true;
      case Ctx::kTxn:
        if (key_ == "agent") trace_.txns.back().agent = small;
        return true;
      case Ctx::kParents:
        trace_.parents.push_back(small);
        ++trace_.txns.back().parent_count;
        return true;
      case Ctx::kPatch:
        if (field_ == 0) {
          patch_.position = small;
        } else if (field_ == 1) {
          patch_.removed = small;
        } else {
          return fail("patch fields out of order");
        }
        ++field_;
        return true;
      case Ctx::kPatches:
      case Ctx::kTxns: return fail("unexpected number");
      default: return true;
    }
  }

  EditingTrace& trace_;
  std::vector<Ctx> stack_;
  std::string key_;
  TracePatch patch_;
  int field_ = 0;
  std::string error_;
};

std::string base_name(const std::string& path) {
  std::string name =
      path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  for (std::string_view suffix : {".json.gz", ".json"}) {
    if (ends_with(name, suffix)) return name.substr(0, name.size() - suffix.size());
  }
  return name;
}

}  // namespace

std::string editing_trace_path(const std::string& name) {
  const std::string base = std::string(FF_TRACE_DIR) + "/" + name;
  if (file_exists(base + ".json")) return base + ".json";
  if (file_exists(base + ".json.gz")) return base + ".json.gz";
  return base + ".json";
}

std::vector<std::string> sequential_trace_names() { return {"automerge-paper", "seph-blog1"}; }

Result<EditingTrace> load_editing_trace(const std::string& name_or_path) {
  const bool is_path = name_or_path.find('/') != std::string::npos || ends_with(name_or_path, ".json") ||
                       ends_with(name_or_path, ".json.gz");
  const std::string path = is_path ? name_or_path : editing_trace_path(name_or_path);
  if (!is_path && !file_exists(path)) {
    return make_error(Errc::kNotFound, "editing trace: no " + name_or_path + ".json or " + name_or_path +
                                           ".json.gz in " + FF_TRACE_DIR);
  }
  FF_TRY_ASSIGN(std::string json_text, read_whole_file(path));
  EditingTrace trace;
  trace.name = base_name(path);
  TraceSax sax(trace);
  bool parsed = false;
  try {
    parsed = nlohmann::json::sax_parse(json_text, &sax);
  } catch (const std::exception& error) {
    return make_error(Errc::kInvalidInput, "editing trace " + path + ": " + error.what());
  }
  if (!parsed) {
    return make_error(Errc::kInvalidInput,
                      "editing trace " + path + ": " + (sax.error().empty() ? "not a trace" : sax.error()));
  }
  for (std::size_t t = 0; t < trace.txns.size(); ++t) {
    const TraceTxn& txn = trace.txns[t];
    for (std::uint32_t p = 0; p < txn.parent_count; ++p) {
      if (trace.parents[txn.first_parent + p] >= t) {
        return make_error(Errc::kInvalidInput, "editing trace " + path + ": txn " + std::to_string(t) +
                                                   " names a parent that is not earlier");
      }
    }
    if (trace.concurrent && txn.agent >= trace.agent_count) {
      return make_error(Errc::kInvalidInput, "editing trace " + path + ": agent beyond numAgents");
    }
  }
  return trace;
}

}  // namespace ff::testing
