#include "core/journal/storage.hpp"

#include <string>

namespace ff::journal {

Status validate_storage_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxStorageNameBytes || name == "." || name == ".." ||
      name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
    return make_error(Errc::kInvalidInput, "journal: invalid storage file name \"" + std::string(name) +
                                               "\" (want a plain file name)");
  }
  return {};
}

}  // namespace ff::journal
