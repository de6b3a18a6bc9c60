// FaultyStorage: an in-memory Storage that models power loss, for crash tests and the
// deterministic simulator ("storage that loses unsynced writes", ARCHITECTURE.md).
//
// Each file keeps two images: what reads see now, and what would survive a crash (the
// image at the last successful sync). crash() models power loss: every file falls back
// towards its durable image, keeping a random prefix of the unsynced tail when torn writes
// are enabled (the disk wrote some sectors of an interrupted append). Directory operations
// (creating a file, replace, remove) are durable when they return, as Storage promises.
// Every random choice comes from the Rng passed in, so a seed replays a crash exactly.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/journal/storage.hpp"
#include "core/rng.hpp"

namespace ff::journal {

class FaultyFile;

class FaultyStorage final : public Storage {
 public:
  struct Options {
    // Whether a crash may keep part of the unsynced tail (a torn write) rather than
    // dropping all of it.
    bool torn_writes = true;
  };

  // `rng` must outlive the storage.
  explicit FaultyStorage(Rng& rng) : FaultyStorage(rng, Options{}) {}
  FaultyStorage(Rng& rng, Options options);
  ~FaultyStorage() override;

  Result<std::unique_ptr<StorageFile>> open(std::string_view name, OpenMode mode) override;
  Result<bool> exists(std::string_view name) override;
  Status replace(std::string_view source, std::string_view target) override;
  Status remove(std::string_view name) override;

  // Fault injection. "Mutating operations" are: open that creates a file, append, sync,
  // truncate, replace and remove, counted over the storage and all its files.
  std::uint64_t mutating_operations() const { return operations_; }

  // The `index`-th mutating operation from now (0 = the next one) fails with kIo and has no
  // effect; later operations work.
  void fail_operation(std::uint64_t index);

  // The `index`-th mutating operation from now is interrupted by power loss: an append may
  // have reached the disk in part, a sync, truncate or directory operation may or may not
  // have happened (the rng decides); it and every later operation, reads included, fail
  // with kIo until crash() is called.
  void crash_at_operation(std::uint64_t index);

  // Whether an injected crash has happened and crash() has not yet been called.
  bool halted() const { return halted_; }

  // Power loss now: unsynced data is dropped (or torn), handles opened before become stale
  // (every call on them fails with kIo), pending injections are cleared, and the storage
  // works again.
  void crash();

  // For tests: the bytes reads see now, and the image as of the last successful sync.
  Result<Bytes> contents(std::string_view name) const;
  Result<Bytes> durable_contents(std::string_view name) const;

  struct Inode;  // one file's images; defined in faulty_storage.cpp

 private:
  friend class FaultyFile;
  enum class Step { kProceed, kFail, kInterrupted, kHalted };

  // Counts a mutating operation and says what happens to it.
  Step begin_mutation();
  Error step_error(Step step, std::string_view what) const;
  Status check_alive(std::uint64_t epoch) const;

  Rng& rng_;
  Options options_;
  std::map<std::string, std::shared_ptr<Inode>, std::less<>> files_;
  std::uint64_t operations_ = 0;
  std::optional<std::uint64_t> fail_at_;
  std::optional<std::uint64_t> crash_at_;
  bool halted_ = false;
  std::uint64_t epoch_ = 0;
};

}  // namespace ff::journal
