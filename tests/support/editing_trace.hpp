// Editing traces (../shared/data/editing-traces, format in that folder's README): real
// keystroke histories used to test and benchmark the text CRDT. Loaded into compact
// arrays (not a JSON tree) so the 260k-edit automerge-paper trace costs a few MB and the
// benchmark's peak RSS measures the CRDT, not the loader.
//
// Natively .json.gz files are read with zlib. The Emscripten build has no zlib: there
// FF_TRACE_DIR names a folder of already decompressed NAME.json files (cmake/ff_wasm.cmake).
// Test-and-benchmark support: reads files, so it lives outside core/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ff::testing {

// One splice: at code point `position`, remove `removed` code points, then insert text.
struct TracePatch {
  std::uint32_t position = 0;
  std::uint32_t removed = 0;
  std::uint32_t text_offset = 0;  // into EditingTrace::text_pool (UTF-8)
  std::uint32_t text_bytes = 0;
};

struct TraceTxn {
  std::uint32_t first_patch = 0;  // into EditingTrace::patches
  std::uint32_t patch_count = 0;
  std::uint32_t first_parent = 0;  // into EditingTrace::parents (concurrent traces)
  std::uint32_t parent_count = 0;
  std::uint32_t agent = 0;  // concurrent traces: who made the edit
};

struct EditingTrace {
  std::string name;  // file name without .json / .json.gz
  bool concurrent = false;
  std::uint32_t agent_count = 0;
  std::string start_content;
  std::string end_content;
  std::vector<TraceTxn> txns;
  std::vector<TracePatch> patches;
  std::vector<std::uint32_t> parents;  // txn indices
  std::string text_pool;

  std::string_view inserted(const TracePatch& patch) const {
    return std::string_view(text_pool).substr(patch.text_offset, patch.text_bytes);
  }
};

// Loads a trace given a NAME ("automerge-paper": FF_TRACE_DIR/NAME.json, else
// FF_TRACE_DIR/NAME.json.gz) or a path to a .json or (native only) .json.gz file.
// Errors: kNotFound (no such file), kUnsupported (.gz without zlib), kInvalidInput (not a
// trace), kIo (read failed).
Result<EditingTrace> load_editing_trace(const std::string& name_or_path);

// Path of the trace NAME as load_editing_trace would open it (for messages).
std::string editing_trace_path(const std::string& name);

// The sequential traces in the shared folder, in benchmark order.
std::vector<std::string> sequential_trace_names();

}  // namespace ff::testing
