#include "node/http/static_files.hpp"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace ff::node {

Result<std::string> safe_join(const std::string& root, const std::string& relative) {
  if (relative.empty()) return make_error(Errc::kInvalidInput, "empty path");
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = relative.find('/', start);
    const std::string segment =
        relative.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return make_error(Errc::kInvalidInput, "path segment '" + segment + "' is not allowed");
    }
    if (segment.find('\\') != std::string::npos || segment.find('\0') != std::string::npos) {
      return make_error(Errc::kInvalidInput, "path holds a backslash or NUL");
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return root + "/" + relative;
}

const char* content_type_for(const std::string& path) {
  struct Type {
    const char* extension;
    const char* type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".wasm", "application/wasm"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".ts", "text/plain; charset=utf-8"},
      {".md", "text/plain; charset=utf-8"},
  };
  for (const Type& type : kTypes) {
    const std::size_t n = std::strlen(type.extension);
    if (path.size() > n && path.compare(path.size() - n, n, type.extension) == 0) return type.type;
  }
  return "application/octet-stream";
}

bool StaticFiles::available() const {
  struct stat info {};
  return ::stat(root_.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

HttpResponse StaticFiles::serve(const std::string& relative) const {
  if (!available()) {
    return text_response(503, "The Studio web bundle is not built: no directory " + root_ +
                                  ". Build it with `scripts/build.sh web`, or pass --web-root DIR.\n");
  }
  auto joined = safe_join(root_, relative);
  if (!joined.ok()) return text_response(400, "bad path: " + joined.error().message + "\n");
  // Symlinks inside the bundle must not lead outside it either.
  char root_real[PATH_MAX];
  char file_real[PATH_MAX];
  if (::realpath(root_.c_str(), root_real) == nullptr || ::realpath(joined->c_str(), file_real) == nullptr) {
    return text_response(404, "not found\n");
  }
  const std::string root_prefix = std::string(root_real) + "/";
  if (std::string(file_real).compare(0, root_prefix.size(), root_prefix) != 0) {
    return text_response(404, "not found\n");
  }
  const int fd = ::open(file_real, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text_response(404, "not found\n");
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return text_response(404, "not found\n");
  }
  if (static_cast<std::uint64_t>(info.st_size) > kMaxStaticFileBytes) {
    ::close(fd);
    return text_response(500, "file too large to serve\n");
  }
  HttpResponse response;
  response.content_type = content_type_for(joined.value());
  response.body.resize(static_cast<std::size_t>(info.st_size));
  std::size_t done = 0;
  while (done < response.body.size()) {
    const ssize_t n = ::read(fd, response.body.data() + done, response.body.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  response.body.resize(done);
  // The bundle changes with every build; never let a browser keep a stale copy.
  response.headers.emplace_back("Cache-Control", "no-cache");
  return response;
}

}  // namespace ff::node
