// Static files of the web bundle (build-web/dist, docs/api.md "Static files"): maps a URL
// path to a file under the web root without ever leaving it, and names its content type.
#pragma once

#include <cstddef>
#include <string>

#include "core/result.hpp"
#include "node/http/http_message.hpp"

namespace ff::node {

inline constexpr std::size_t kMaxStaticFileBytes = 64 * 1024 * 1024;

// The file path for `relative` (already percent-decoded, no leading '/') under `root`, or
// kInvalidInput when any segment is empty, "." or "..", or holds a backslash or NUL. Pure
// text check; StaticFiles::serve also confirms the resolved file lies inside the root.
Result<std::string> safe_join(const std::string& root, const std::string& relative);

// "text/html; charset=utf-8" for .html, "text/javascript; charset=utf-8" for .js/.mjs,
// "application/wasm" for .wasm ...; "application/octet-stream" for unknown extensions.
const char* content_type_for(const std::string& path);

class StaticFiles {
 public:
  explicit StaticFiles(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }
  // True when the root exists and is a directory.
  bool available() const;
  // 200 with the file, 404 if absent, 400 for an unsafe path, 503 when the root is missing
  // (with a message saying how to build the bundle).
  HttpResponse serve(const std::string& relative) const;

 private:
  std::string root_;
};

}  // namespace ff::node
