#include "core/journal/faulty_storage.hpp"

#include <algorithm>
#include <cstring>

namespace ff::journal {

struct FaultyStorage::Inode {
  Bytes current;  // what reads see
  Bytes durable;  // what survives a crash for certain
  // current and durable agree on their first `common` bytes: the smallest size the file
  // has had since the last sync (a truncate lowers it, appends do not).
  std::size_t common = 0;
};

class FaultyFile final : public StorageFile {
 public:
  FaultyFile(FaultyStorage& storage, std::shared_ptr<FaultyStorage::Inode> inode)
      : storage_(storage), inode_(std::move(inode)), epoch_(storage.epoch_) {}

  Result<std::uint64_t> size() override {
    FF_TRY(storage_.check_alive(epoch_));
    return static_cast<std::uint64_t>(inode_->current.size());
  }

  Result<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    FF_TRY(storage_.check_alive(epoch_));
    const Bytes& bytes = inode_->current;
    if (offset >= bytes.size()) return std::size_t{0};
    const std::size_t count = std::min<std::size_t>(out.size(), bytes.size() - offset);
    std::memcpy(out.data(), bytes.data() + offset, count);
    return count;
  }

  Status append(ByteView data) override {
    FF_TRY(storage_.check_alive(epoch_));
    const auto step = storage_.begin_mutation();
    if (step == FaultyStorage::Step::kFail || step == FaultyStorage::Step::kHalted) {
      return storage_.step_error(step, "append");
    }
    // An interrupted append is applied in full here; crash() then keeps a random prefix of
    // the unsynced tail, which is how part of it reaches the disk.
    inode_->current.insert(inode_->current.end(), data.begin(), data.end());
    if (step == FaultyStorage::Step::kInterrupted) return storage_.step_error(step, "append");
    return {};
  }

  Status sync() override {
    FF_TRY(storage_.check_alive(epoch_));
    const auto step = storage_.begin_mutation();
    if (step == FaultyStorage::Step::kFail || step == FaultyStorage::Step::kHalted) {
      return storage_.step_error(step, "sync");
    }
    if (step == FaultyStorage::Step::kInterrupted && !storage_.rng_.chance(1, 2)) {
      return storage_.step_error(step, "sync");
    }
    inode_->durable = inode_->current;
    inode_->common = inode_->current.size();
    if (step == FaultyStorage::Step::kInterrupted) return storage_.step_error(step, "sync");
    return {};
  }

  Status truncate(std::uint64_t size) override {
    FF_TRY(storage_.check_alive(epoch_));
    if (size > inode_->current.size()) {
      return make_error(Errc::kInvalidInput, "journal: truncate beyond the end of a file");
    }
    const auto step = storage_.begin_mutation();
    if (step == FaultyStorage::Step::kFail || step == FaultyStorage::Step::kHalted) {
      return storage_.step_error(step, "truncate");
    }
    // Unsynced either way: crash() decides whether it reached the disk.
    inode_->current.resize(size);
    inode_->common = std::min<std::size_t>(inode_->common, size);
    if (step == FaultyStorage::Step::kInterrupted) return storage_.step_error(step, "truncate");
    return {};
  }

 private:
  FaultyStorage& storage_;
  std::shared_ptr<FaultyStorage::Inode> inode_;
  std::uint64_t epoch_;
};

FaultyStorage::FaultyStorage(Rng& rng, Options options) : rng_(rng), options_(options) {}

FaultyStorage::~FaultyStorage() = default;

FaultyStorage::Step FaultyStorage::begin_mutation() {
  if (halted_) return Step::kHalted;
  const std::uint64_t index = operations_++;
  if (fail_at_ && *fail_at_ == index) {
    fail_at_.reset();
    return Step::kFail;
  }
  if (crash_at_ && *crash_at_ == index) {
    crash_at_.reset();
    halted_ = true;
    return Step::kInterrupted;
  }
  return Step::kProceed;
}

Error FaultyStorage::step_error(Step step, std::string_view what) const {
  switch (step) {
    case Step::kFail:
      return make_error(Errc::kIo, "faulty storage: injected failure of " + std::string(what));
    case Step::kInterrupted:
      return make_error(Errc::kIo, "faulty storage: power lost during " + std::string(what));
    case Step::kHalted:
    case Step::kProceed: break;
  }
  return make_error(Errc::kIo, "faulty storage: " + std::string(what) + " after power loss");
}

Status FaultyStorage::check_alive(std::uint64_t epoch) const {
  if (halted_) return make_error(Errc::kIo, "faulty storage: access after power loss");
  if (epoch != epoch_) return make_error(Errc::kIo, "faulty storage: stale handle from before a crash");
  return {};
}

void FaultyStorage::fail_operation(std::uint64_t index) { fail_at_ = operations_ + index; }

void FaultyStorage::crash_at_operation(std::uint64_t index) { crash_at_ = operations_ + index; }

Result<std::unique_ptr<StorageFile>> FaultyStorage::open(std::string_view name, OpenMode mode) {
  FF_TRY(validate_storage_name(name));
  if (halted_) return step_error(Step::kHalted, "open");
  auto found = files_.find(name);
  if (found == files_.end()) {
    if (mode == OpenMode::kExisting) {
      return make_error(Errc::kNotFound, "journal: no file named " + std::string(name));
    }
    const auto step = begin_mutation();
    if (step == Step::kFail) return step_error(step, "create");
    if (step == Step::kInterrupted) {
      if (rng_.chance(1, 2)) files_.emplace(std::string(name), std::make_shared<Inode>());
      return step_error(step, "create");
    }
    found = files_.emplace(std::string(name), std::make_shared<Inode>()).first;
  }
  return std::unique_ptr<StorageFile>(std::make_unique<FaultyFile>(*this, found->second));
}

Result<bool> FaultyStorage::exists(std::string_view name) {
  FF_TRY(validate_storage_name(name));
  if (halted_) return step_error(Step::kHalted, "exists");
  return files_.find(name) != files_.end();
}

Status FaultyStorage::replace(std::string_view source, std::string_view target) {
  FF_TRY(validate_storage_name(source));
  FF_TRY(validate_storage_name(target));
  if (halted_) return step_error(Step::kHalted, "replace");
  auto found = files_.find(source);
  if (found == files_.end())
    return make_error(Errc::kNotFound, "journal: no file named " + std::string(source));
  const auto step = begin_mutation();
  if (step == Step::kFail) return step_error(step, "replace");
  if (step == Step::kInterrupted && !rng_.chance(1, 2)) return step_error(step, "replace");
  std::shared_ptr<Inode> inode = found->second;
  files_.erase(found);
  files_[std::string(target)] = std::move(inode);
  if (step == Step::kInterrupted) return step_error(step, "replace");
  return {};
}

Status FaultyStorage::remove(std::string_view name) {
  FF_TRY(validate_storage_name(name));
  if (halted_) return step_error(Step::kHalted, "remove");
  auto found = files_.find(name);
  if (found == files_.end())
    return make_error(Errc::kNotFound, "journal: no file named " + std::string(name));
  const auto step = begin_mutation();
  if (step == Step::kFail) return step_error(step, "remove");
  if (step == Step::kInterrupted && !rng_.chance(1, 2)) return step_error(step, "remove");
  files_.erase(found);
  if (step == Step::kInterrupted) return step_error(step, "remove");
  return {};
}

void FaultyStorage::crash() {
  for (auto& [name, inode] : files_) {
    Bytes& current = inode->current;
    const bool truncated = inode->common < inode->durable.size();
    if (!options_.torn_writes || (truncated && rng_.chance(1, 2))) {
      current = inode->durable;
    } else {
      // Keep current[0..keep) with keep in [common, current.size()]: the unsynced tail
      // reached the disk in part. The ends (nothing, everything) get extra weight because
      // they are the cases code most often gets wrong.
      const std::size_t low = inode->common;
      const std::size_t high = current.size();
      std::size_t keep = low;
      const std::uint64_t pick = rng_.below(4);
      if (pick == 1) {
        keep = high;
      } else if (pick >= 2) {
        keep = low + static_cast<std::size_t>(rng_.below(high - low + 1));
      }
      current.resize(keep);
    }
    inode->durable = current;
    inode->common = current.size();
  }
  halted_ = false;
  fail_at_.reset();
  crash_at_.reset();
  ++epoch_;
}

Result<Bytes> FaultyStorage::contents(std::string_view name) const {
  auto found = files_.find(name);
  if (found == files_.end())
    return make_error(Errc::kNotFound, "journal: no file named " + std::string(name));
  return found->second->current;
}

Result<Bytes> FaultyStorage::durable_contents(std::string_view name) const {
  auto found = files_.find(name);
  if (found == files_.end())
    return make_error(Errc::kNotFound, "journal: no file named " + std::string(name));
  return found->second->durable;
}

}  // namespace ff::journal
