// ShadowStorage: a one-file journal::Storage that mirrors a file the JavaScript runtime keeps
// (in OPFS, or in memory for tests). The wasm core cannot reach OPFS itself (OPFS is async,
// the journal writer is not), so the writer works against this shadow and the runtime
// replays what it did: drain() returns "truncate to N (maybe), then append these bytes",
// which the runtime carries out on the real file before it reports the records durable.
//
// The file's earlier bytes are only needed while the journal is opened (recovery reads the
// whole file); release_base() then frees them, so memory stays bounded by what was appended
// since the last drain instead of growing with the journal.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/bytes.hpp"
#include "core/journal/storage.hpp"

namespace ff::web {

// What the runtime must do to its copy of the file, in this order.
struct ShadowChanges {
  bool truncate = false;  // cut the file to truncate_bytes first
  std::uint64_t truncate_bytes = 0;
  Bytes append;  // then append these bytes
};

class ShadowStorage final : public journal::Storage {
 public:
  // `name` is the one file this storage holds; `contents` its current bytes (empty and
  // `exists` false for a journal not created yet).
  ShadowStorage(std::string name, Bytes contents, bool exists);
  ~ShadowStorage() override;

  Result<std::unique_ptr<journal::StorageFile>> open(std::string_view name, journal::OpenMode mode) override;
  Result<bool> exists(std::string_view name) override;
  // Compaction is not run in the browser yet: both fail with kUnsupported.
  Status replace(std::string_view source, std::string_view target) override;
  Status remove(std::string_view name) override;

  // The changes since the last drain; the runtime's file equals the shadow afterwards.
  ShadowChanges drain();
  // Frees the bytes the runtime already holds; later reads of them fail with kIo.
  void release_base();

  struct State;  // shared with the open file handles

 private:
  std::string name_;
  std::shared_ptr<State> state_;
};

}  // namespace ff::web
