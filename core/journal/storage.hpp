// Storage: the file abstraction the journal writes through. The core does no IO
// (ARCHITECTURE.md "The one rule"); the runtime passes an implementation: MemoryStorage
// (core, tests and the simulator), FaultyStorage (core, crash tests), the POSIX
// node::FileStorage, and later the browser's OPFS storage.
//
// The model is a flat directory of named, append-only files, with exactly the operations
// the journal needs: append and sync for the log, read for recovery, truncate to cut a torn
// tail, and an atomic replace for compaction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::journal {

// An open file. Like a POSIX file descriptor, a handle keeps naming the same file after the
// name is replaced or removed. Every operation may fail with kIo.
class StorageFile {
 public:
  virtual ~StorageFile() = default;

  // Current size in bytes, including appended bytes not yet synced.
  virtual Result<std::uint64_t> size() = 0;

  // Copies up to out.size() bytes starting at `offset` into `out` and returns how many were
  // copied. Fewer than requested (a short read) is allowed at any point; 0 means `offset` is
  // at or past the end of the file.
  virtual Result<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> out) = 0;

  // Appends `data` at the end. Not durable until sync() returns success.
  virtual Status append(ByteView data) = 0;

  // The durability point: when it returns success, every byte appended before the call and
  // the effect of every earlier truncate survive a crash (power loss).
  virtual Status sync() = 0;

  // Cuts the file to `size` bytes (<= the current size). Durable after the next sync().
  virtual Status truncate(std::uint64_t size) = 0;
};

enum class OpenMode {
  kExisting,  // kNotFound if the file does not exist
  kCreate,    // create an empty file if it does not exist; the new name is durable on return
};

class Storage {
 public:
  virtual ~Storage() = default;

  // Opens `name` for reading and appending. Names are plain file names: 1 to
  // kMaxStorageNameBytes bytes, no '/' or NUL, not "." or ".." (kInvalidInput otherwise).
  virtual Result<std::unique_ptr<StorageFile>> open(std::string_view name, OpenMode mode) = 0;

  virtual Result<bool> exists(std::string_view name) = 0;

  // Atomically renames `source` to `target`, replacing any file called `target`; durable
  // when it returns success. A crash leaves either the old or the new file under `target`,
  // never a mixture and never none (if `target` existed). Open handles keep their files.
  virtual Status replace(std::string_view source, std::string_view target) = 0;

  // Removes `name` (kNotFound if absent); durable when it returns success.
  virtual Status remove(std::string_view name) = 0;
};

// The longest storage file name (POSIX NAME_MAX on common file systems).
inline constexpr std::size_t kMaxStorageNameBytes = 255;

// Shared name validation for implementations (see Storage::open).
Status validate_storage_name(std::string_view name);

}  // namespace ff::journal
