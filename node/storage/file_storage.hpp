// FileStorage: the journal's Storage over POSIX files in one directory (the native node's
// journal storage; the browser uses OPFS). Durability follows docs/journal-format.md
// section 7: appends go through O_APPEND writes, sync() is fdatasync, a newly created file
// and every replace or remove are made durable by fsyncing the directory, and replace is
// rename(2), which POSIX makes atomic.
//
// Errors say what failed, on which path, and why, e.g.
//   "journal: cannot open /var/lib/largo/alpha.journal: Permission denied"
// with Errc::kNotFound for a missing file or directory and Errc::kIo otherwise.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/journal/storage.hpp"
#include "core/result.hpp"

namespace ff::node {

class FileStorage final : public journal::Storage {
 public:
  // Opens the existing directory `directory`. Errors: kNotFound if it does not exist,
  // kIo if it is not a directory or cannot be opened.
  static Result<std::unique_ptr<FileStorage>> open(std::string directory);

  ~FileStorage() override;
  FileStorage(const FileStorage&) = delete;
  FileStorage& operator=(const FileStorage&) = delete;

  Result<std::unique_ptr<journal::StorageFile>> open(std::string_view name, journal::OpenMode mode) override;
  Result<bool> exists(std::string_view name) override;
  Status replace(std::string_view source, std::string_view target) override;
  Status remove(std::string_view name) override;

  const std::string& directory() const { return directory_; }

 private:
  FileStorage(std::string directory, int directory_fd)
      : directory_(std::move(directory)), directory_fd_(directory_fd) {}

  std::string path_of(std::string_view name) const;
  // fsync on the directory: makes a created, renamed or removed name durable.
  Status sync_directory(std::string_view after);

  std::string directory_;
  int directory_fd_;
};

}  // namespace ff::node
