#include "core/journal/memory_storage.hpp"

#include <algorithm>
#include <cstring>

namespace ff::journal {
namespace {

class MemoryFile final : public StorageFile {
 public:
  explicit MemoryFile(std::shared_ptr<Bytes> bytes) : bytes_(std::move(bytes)) {}

  Result<std::uint64_t> size() override { return static_cast<std::uint64_t>(bytes_->size()); }

  Result<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    if (offset >= bytes_->size()) return std::size_t{0};
    const std::size_t count = std::min<std::size_t>(out.size(), bytes_->size() - offset);
    std::memcpy(out.data(), bytes_->data() + offset, count);
    return count;
  }

  Status append(ByteView data) override {
    bytes_->insert(bytes_->end(), data.begin(), data.end());
    return {};
  }

  Status sync() override { return {}; }

  Status truncate(std::uint64_t size) override {
    if (size > bytes_->size()) {
      return make_error(Errc::kInvalidInput, "journal: truncate beyond the end of a memory file");
    }
    bytes_->resize(size);
    return {};
  }

 private:
  std::shared_ptr<Bytes> bytes_;
};

}  // namespace

Result<std::unique_ptr<StorageFile>> MemoryStorage::open(std::string_view name, OpenMode mode) {
  FF_TRY(validate_storage_name(name));
  auto found = files_.find(name);
  if (found == files_.end()) {
    if (mode == OpenMode::kExisting) {
      return make_error(Errc::kNotFound, "journal: no file named " + std::string(name));
    }
    found = files_.emplace(std::string(name), std::make_shared<Bytes>()).first;
  }
  return std::unique_ptr<StorageFile>(std::make_unique<MemoryFile>(found->second));
}

Result<bool> MemoryStorage::exists(std::string_view name) {
  FF_TRY(validate_storage_name(name));
  return files_.find(name) != files_.end();
}

Status MemoryStorage::replace(std::string_view source, std::string_view target) {
  FF_TRY(validate_storage_name(source));
  FF_TRY(validate_storage_name(target));
  auto found = files_.find(source);
  if (found == files_.end())
    return make_error(Errc::kNotFound, "journal: no file named " + std::string(source));
  std::shared_ptr<Bytes> bytes = found->second;
  files_.erase(found);
  files_[std::string(target)] = std::move(bytes);
  return {};
}

Status MemoryStorage::remove(std::string_view name) {
  FF_TRY(validate_storage_name(name));
  auto found = files_.find(name);
  if (found == files_.end())
    return make_error(Errc::kNotFound, "journal: no file named " + std::string(name));
  files_.erase(found);
  return {};
}

Result<Bytes> MemoryStorage::contents(std::string_view name) const {
  auto found = files_.find(name);
  if (found == files_.end())
    return make_error(Errc::kNotFound, "journal: no file named " + std::string(name));
  return *found->second;
}

void MemoryStorage::set_contents(std::string_view name, ByteView bytes) {
  auto found = files_.find(name);
  if (found == files_.end()) {
    files_.emplace(std::string(name), std::make_shared<Bytes>(bytes.begin(), bytes.end()));
  } else {
    found->second->assign(bytes.begin(), bytes.end());
  }
}

}  // namespace ff::journal
