#include "web/bindings/shadow_storage.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace ff::web {

struct ShadowStorage::State {
  bool exists = false;
  Bytes base;  // the runtime's bytes [0, base_bytes) unless released
  bool base_released = false;
  std::uint64_t base_bytes = 0;  // size of the runtime's file after the pending truncate
  Bytes pending;                 // appended after base_bytes since the last drain
  bool truncated = false;
  std::uint64_t truncate_bytes = 0;

  std::uint64_t size() const { return base_bytes + pending.size(); }
};

namespace {

class ShadowFile final : public journal::StorageFile {
 public:
  explicit ShadowFile(std::shared_ptr<ShadowStorage::State> state) : state_(std::move(state)) {}

  Result<std::uint64_t> size() override { return state_->size(); }

  Result<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    State& s = *state_;
    if (offset >= s.size() || out.empty()) return std::size_t{0};
    if (offset < s.base_bytes) {
      if (s.base_released) {
        return make_error(Errc::kIo, "shadow storage: bytes before the last drain were released");
      }
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), s.base_bytes - offset));
      std::memcpy(out.data(), s.base.data() + offset, n);
      return n;
    }
    const std::size_t at = static_cast<std::size_t>(offset - s.base_bytes);
    const std::size_t n = std::min(out.size(), s.pending.size() - at);
    std::memcpy(out.data(), s.pending.data() + at, n);
    return n;
  }

  Status append(ByteView data) override {
    state_->pending.insert(state_->pending.end(), data.begin(), data.end());
    return {};
  }

  // The runtime makes the bytes durable when it replays them; nothing to do here.
  Status sync() override { return {}; }

  Status truncate(std::uint64_t size) override {
    State& s = *state_;
    if (size > s.size()) return make_error(Errc::kInvalidInput, "shadow storage: truncate beyond the end");
    if (size >= s.base_bytes) {
      s.pending.resize(static_cast<std::size_t>(size - s.base_bytes));
      return {};
    }
    s.pending.clear();
    s.base_bytes = size;
    if (!s.base_released) s.base.resize(static_cast<std::size_t>(size));
    s.truncated = true;
    s.truncate_bytes = size;
    return {};
  }

 private:
  using State = ShadowStorage::State;
  std::shared_ptr<State> state_;
};

}  // namespace

ShadowStorage::ShadowStorage(std::string name, Bytes contents, bool exists)
    : name_(std::move(name)), state_(std::make_shared<State>()) {
  state_->exists = exists || !contents.empty();
  state_->base_bytes = contents.size();
  state_->base = std::move(contents);
}

ShadowStorage::~ShadowStorage() = default;

Result<std::unique_ptr<journal::StorageFile>> ShadowStorage::open(std::string_view name,
                                                                  journal::OpenMode mode) {
  FF_TRY(journal::validate_storage_name(name));
  if (name != name_) {
    // Only compaction asks for another file, and compaction is not run here.
    return make_error(Errc::kUnsupported, "shadow storage holds only \"" + name_ + "\"");
  }
  if (!state_->exists) {
    if (mode == journal::OpenMode::kExisting)
      return make_error(Errc::kNotFound, "shadow storage: no file yet");
    state_->exists = true;
  }
  return std::unique_ptr<journal::StorageFile>(std::make_unique<ShadowFile>(state_));
}

Result<bool> ShadowStorage::exists(std::string_view name) {
  FF_TRY(journal::validate_storage_name(name));
  return name == name_ && state_->exists;
}

Status ShadowStorage::replace(std::string_view, std::string_view) {
  return make_error(Errc::kUnsupported, "shadow storage: replace (compaction) is not supported");
}

Status ShadowStorage::remove(std::string_view) {
  return make_error(Errc::kUnsupported, "shadow storage: remove is not supported");
}

ShadowChanges ShadowStorage::drain() {
  State& s = *state_;
  ShadowChanges changes;
  changes.truncate = s.truncated;
  changes.truncate_bytes = s.truncate_bytes;
  changes.append = std::move(s.pending);
  if (!s.base_released) s.base.insert(s.base.end(), changes.append.begin(), changes.append.end());
  s.base_bytes += changes.append.size();
  s.pending = Bytes();
  s.truncated = false;
  s.truncate_bytes = 0;
  return changes;
}

void ShadowStorage::release_base() {
  state_->base = Bytes();
  state_->base_released = true;
}

}  // namespace ff::web
