// WebJournal: the browser's journal, in the core journal format (docs/journal-format.md),
// written through a ShadowStorage. The runtime hands it the whole journal file when it
// starts (open) and gets back every recovered record for FabricNode::restore, then passes
// each Persist record to append() and writes the returned bytes to the real file (OPFS).
// Nothing here re-implements the format: framing, checksums and recovery are core/journal's.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/journal/journal_writer.hpp"
#include "core/result.hpp"
#include "web/bindings/shadow_storage.hpp"

namespace ff::web {

// The name of the journal inside its ShadowStorage (the runtime names the real file).
inline constexpr const char* kJournalFileName = "journal";

struct OpenResult {
  std::vector<Bytes> records;         // payloads to feed FabricNode::restore, in order
  std::uint64_t corrupt_reports = 0;  // corruption the reader skipped
  std::uint64_t corrupt_bytes = 0;
  std::string corruption;  // first reports, for the log
  ShadowChanges changes;   // bring the runtime's file in line (torn tail, header)
};

class WebJournal {
 public:
  WebJournal();
  ~WebJournal();

  // `file` is the journal file's whole content (empty when there is none). Errors:
  // kInvalidInput (not a journal), kUnsupported (format version), kCorruption (damaged
  // header), or a second open.
  Result<OpenResult> open(Bytes file);
  // Appends one data record with `payload` and commits. Errors: kInvalidInput before open,
  // kLimitExceeded for a payload beyond the format's record limit.
  Result<ShadowChanges> append(ByteView payload);

  std::uint64_t last_sequence() const;
  std::uint64_t file_bytes() const;

 private:
  std::unique_ptr<ShadowStorage> storage_;
  std::optional<journal::JournalWriter> writer_;
};

}  // namespace ff::web
