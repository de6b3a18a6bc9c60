#include "node/storage/file_storage.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ff::node {
namespace {

// Builds "journal: cannot <what> <path>: <strerror(errno)>" from the current errno.
Error os_error(std::string_view what, std::string_view path, int error_number) {
  const Errc code = error_number == ENOENT ? Errc::kNotFound : Errc::kIo;
  return make_error(code, "journal: cannot " + std::string(what) + " " + std::string(path) + ": " +
                              std::strerror(error_number));
}

class PosixFile final : public journal::StorageFile {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override { ::close(fd_); }
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  Result<std::uint64_t> size() override {
    struct stat status {};
    if (::fstat(fd_, &status) != 0) return os_error("stat", path_, errno);
    return static_cast<std::uint64_t>(status.st_size);
  }

  Result<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    while (true) {
      const ssize_t got = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
      if (got >= 0) return static_cast<std::size_t>(got);
      if (errno != EINTR) return os_error("read", path_, errno);
    }
  }

  Status append(ByteView data) override {
    // O_APPEND: each write lands at the current end. A short write is continued; if the
    // process dies in between, the journal reader sees a torn tail, which it handles.
    std::size_t written = 0;
    while (written < data.size()) {
      const ssize_t count = ::write(fd_, data.data() + written, data.size() - written);
      if (count < 0) {
        if (errno == EINTR) continue;
        return os_error("append to", path_, errno);
      }
      written += static_cast<std::size_t>(count);
    }
    return {};
  }

  Status sync() override {
    // fdatasync also flushes the size change of appends and truncates (the metadata needed
    // to read the data back), which is all the journal needs.
    while (::fdatasync(fd_) != 0) {
      if (errno != EINTR) return os_error("sync", path_, errno);
    }
    return {};
  }

  Status truncate(std::uint64_t size) override {
    while (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      if (errno != EINTR) return os_error("truncate", path_, errno);
    }
    return {};
  }

 private:
  int fd_;
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<FileStorage>> FileStorage::open(std::string directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return os_error("open directory", directory, errno);
  return std::unique_ptr<FileStorage>(new FileStorage(std::move(directory), fd));
}

FileStorage::~FileStorage() { ::close(directory_fd_); }

std::string FileStorage::path_of(std::string_view name) const { return directory_ + "/" + std::string(name); }

Status FileStorage::sync_directory(std::string_view after) {
  while (::fsync(directory_fd_) != 0) {
    if (errno != EINTR)
      return os_error("sync directory after " + std::string(after) + " in", directory_, errno);
  }
  return {};
}

Result<std::unique_ptr<journal::StorageFile>> FileStorage::open(std::string_view name,
                                                                journal::OpenMode mode) {
  FF_TRY(journal::validate_storage_name(name));
  const std::string file_name(name);
  const std::string path = path_of(name);
  constexpr int kFlags = O_RDWR | O_APPEND | O_CLOEXEC;
  if (mode == journal::OpenMode::kCreate) {
    // O_EXCL tells us whether this call created the file, and so whether its name needs a
    // directory sync to survive a crash.
    const int fd = ::openat(directory_fd_, file_name.c_str(), kFlags | O_CREAT | O_EXCL, 0644);
    if (fd >= 0) {
      auto file = std::unique_ptr<journal::StorageFile>(std::make_unique<PosixFile>(fd, path));
      FF_TRY(sync_directory("creating " + file_name));
      return file;
    }
    if (errno != EEXIST) return os_error("create", path, errno);
  }
  const int fd = ::openat(directory_fd_, file_name.c_str(), kFlags);
  if (fd < 0) return os_error("open", path, errno);
  return std::unique_ptr<journal::StorageFile>(std::make_unique<PosixFile>(fd, path));
}

Result<bool> FileStorage::exists(std::string_view name) {
  FF_TRY(journal::validate_storage_name(name));
  struct stat status {};
  if (::fstatat(directory_fd_, std::string(name).c_str(), &status, 0) == 0) return true;
  if (errno == ENOENT) return false;
  return os_error("stat", path_of(name), errno);
}

Status FileStorage::replace(std::string_view source, std::string_view target) {
  FF_TRY(journal::validate_storage_name(source));
  FF_TRY(journal::validate_storage_name(target));
  if (::renameat(directory_fd_, std::string(source).c_str(), directory_fd_, std::string(target).c_str()) !=
      0) {
    return os_error("rename " + path_of(source) + " to", path_of(target), errno);
  }
  return sync_directory("renaming " + std::string(source));
}

Status FileStorage::remove(std::string_view name) {
  FF_TRY(journal::validate_storage_name(name));
  if (::unlinkat(directory_fd_, std::string(name).c_str(), 0) != 0)
    return os_error("remove", path_of(name), errno);
  return sync_directory("removing " + std::string(name));
}

}  // namespace ff::node
