#include "web/bindings/web_journal.hpp"

#include <utility>

#include "core/journal/reporter.hpp"

namespace ff::web {

WebJournal::WebJournal() = default;
WebJournal::~WebJournal() = default;

Result<OpenResult> WebJournal::open(Bytes file) {
  if (writer_) return make_error(Errc::kInvalidInput, "journal: already open");
  const bool exists = !file.empty();
  storage_ = std::make_unique<ShadowStorage>(kJournalFileName, std::move(file), exists);
  journal::CollectingReporter reporter;
  Result<journal::OpenedJournal> opened = journal::open_journal(*storage_, kJournalFileName, {}, reporter);
  if (!opened.ok()) {
    storage_.reset();
    return opened.error();
  }
  OpenResult result;
  journal::JournalState& state = opened->state;
  // FabricNode writes its own compaction snapshots as ordinary records, so the journal-level
  // snapshot is never used here; records it covers would already be folded into it.
  result.records.reserve(state.records.size());
  for (journal::DataRecord& record : state.records) {
    if (state.covered(record)) continue;
    result.records.push_back(std::move(record.payload));
  }
  result.corrupt_reports = reporter.count();
  result.corrupt_bytes = reporter.bytes();
  result.corruption = reporter.summary();
  writer_.emplace(std::move(opened->writer));
  result.changes = storage_->drain();
  storage_->release_base();
  return result;
}

Result<ShadowChanges> WebJournal::append(ByteView payload) {
  if (!writer_) return make_error(Errc::kInvalidInput, "journal: append before open");
  FF_TRY(writer_->append(payload));
  FF_TRY(writer_->commit());
  return storage_->drain();
}

std::uint64_t WebJournal::last_sequence() const { return writer_ ? writer_->last_sequence() : 0; }
std::uint64_t WebJournal::file_bytes() const { return writer_ ? writer_->file_bytes() : 0; }

}  // namespace ff::web
