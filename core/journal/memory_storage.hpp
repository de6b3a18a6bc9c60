// MemoryStorage: Storage held in memory. Every operation succeeds and sync() is a no-op
// (nothing is lost, because nothing crashes); for crash behaviour use FaultyStorage.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/journal/storage.hpp"

namespace ff::journal {

class MemoryStorage final : public Storage {
 public:
  Result<std::unique_ptr<StorageFile>> open(std::string_view name, OpenMode mode) override;
  Result<bool> exists(std::string_view name) override;
  Status replace(std::string_view source, std::string_view target) override;
  Status remove(std::string_view name) override;

  // For tests and tools: a copy of the file's bytes, or kNotFound.
  Result<Bytes> contents(std::string_view name) const;
  // Creates or overwrites `name` with `bytes` (tests build damaged journals this way).
  void set_contents(std::string_view name, ByteView bytes);

 private:
  std::map<std::string, std::shared_ptr<Bytes>, std::less<>> files_;
};

}  // namespace ff::journal
