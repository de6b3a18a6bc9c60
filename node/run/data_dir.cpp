#include "node/run/data_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace ff::node {

namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

Result<std::string> default_data_dir(const std::string& program_id) {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    return make_error(Errc::kNotFound, "HOME is not set; pass --data-dir DIR");
  }
  return std::string(home) + "/.lsf/" + program_id;
}

Status ensure_directory(const std::string& path) {
  if (path.empty()) return make_error(Errc::kInvalidInput, "data dir: empty path");
  // Create each missing component in turn (mkdir -p), parents first.
  for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = slash == std::string::npos ? path : path.substr(0, slash);
    if (!prefix.empty() && ::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      return make_error(Errc::kIo, "cannot create directory " + prefix + ": " + errno_text());
    }
    if (slash == std::string::npos) break;
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return make_error(Errc::kIo, path + ": " + errno_text());
  if (!S_ISDIR(info.st_mode)) return make_error(Errc::kIo, path + " is not a directory");
  if (::access(path.c_str(), R_OK | W_OK | X_OK) != 0) {
    return make_error(Errc::kIo, "directory " + path + " is not usable: " + errno_text());
  }
  return {};
}

Result<net::PrivateKey> load_or_create_identity(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0) {
    // A valid key file is at most kMaxKeyDataBytes plus a few protobuf header bytes; read
    // one more byte than that so an oversized file is rejected rather than truncated.
    Bytes bytes(net::kMaxKeyDataBytes + 65);
    std::size_t size = 0;
    bool read_failed = false;
    while (size < bytes.size()) {
      const ssize_t n = ::read(fd, bytes.data() + size, bytes.size() - size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) read_failed = true;
      if (n <= 0) break;
      size += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (read_failed) return make_error(Errc::kIo, path + ": cannot read: " + errno_text());
    if (size == bytes.size())
      return make_error(Errc::kInvalidInput, path + ": too large to be an identity key");
    bytes.resize(size);
    auto key = net::PrivateKey::decode(bytes);
    if (!key.ok()) {
      return make_error(Errc::kInvalidInput,
                        path + " is not a valid identity key (" + key.error().message + "); left untouched");
    }
    return key;
  }
  if (errno != ENOENT) return make_error(Errc::kIo, path + ": cannot open: " + errno_text());
  FF_TRY_ASSIGN(net::PrivateKey key, net::PrivateKey::generate_ed25519());
  const Bytes encoded = key.encode();
  // O_EXCL: never overwrite a key another process created meanwhile.
  const int out = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (out < 0) return make_error(Errc::kIo, path + ": cannot create: " + errno_text());
  std::size_t written = 0;
  while (written < encoded.size()) {
    const ssize_t n = ::write(out, encoded.data() + written, encoded.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(out) == 0;
  ::close(out);
  if (written != encoded.size() || !synced) {
    // A partial file would make every later start fail; it holds no key anyone used yet.
    ::unlink(path.c_str());
    return make_error(Errc::kIo, path + ": write failed");
  }
  // Make the new name durable.
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return key;
}

}  // namespace ff::node
