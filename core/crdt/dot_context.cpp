#include "core/crdt/dot_context.hpp"

#include <iterator>
#include <limits>

#include "core/crdt/encoding.hpp"

namespace ff::crdt {

namespace {

constexpr std::uint64_t kMaxCounter = std::numeric_limits<std::uint64_t>::max();

// True when a cloud dot with `counter` is allowed above a prefix of `prefix`: it must
// leave a gap (counter >= prefix + 2), written so it cannot overflow.
bool beyond_gap(std::uint64_t counter, std::uint64_t prefix) {
  return counter > prefix && counter - prefix >= 2;
}

}  // namespace

bool DotContext::contains(const Dot& dot) const {
  return dot.counter <= version_vector_.get(dot.replica) || cloud_.count(dot) != 0;
}

std::uint64_t DotContext::max_counter(ReplicaId replica) const {
  std::uint64_t highest = version_vector_.get(replica);
  auto after = cloud_.upper_bound(Dot{replica, kMaxCounter});
  if (after != cloud_.begin()) {
    const Dot& last = *std::prev(after);
    if (last.replica == replica && last.counter > highest) highest = last.counter;
  }
  return highest;
}

Dot DotContext::make_dot(ReplicaId replica) {
  std::uint64_t counter = max_counter(replica);
  if (counter != kMaxCounter) ++counter;
  const Dot dot{replica, counter};
  add(dot);
  return dot;
}

void DotContext::add(const Dot& dot) {
  std::uint64_t prefix = version_vector_.get(dot.replica);
  if (dot.counter <= prefix) return;
  if (dot.counter - prefix >= 2) {
    cloud_.insert(dot);
    return;
  }
  // The dot extends the prefix; cloud dots right above it may now extend it too.
  prefix = dot.counter;
  while (prefix != kMaxCounter) {
    auto next = cloud_.find(Dot{dot.replica, prefix + 1});
    if (next == cloud_.end()) break;
    cloud_.erase(next);
    ++prefix;
  }
  version_vector_.observe(dot.replica, prefix);
}

void DotContext::merge(const DotContext& other) {
  version_vector_.merge(other.version_vector_);
  cloud_.insert(other.cloud_.begin(), other.cloud_.end());
  compact();
}

void DotContext::compact() {
  // The cloud is sorted by (replica, counter), so one pass folds whole runs.
  for (auto it = cloud_.begin(); it != cloud_.end();) {
    const std::uint64_t prefix = version_vector_.get(it->replica);
    if (it->counter <= prefix) {
      it = cloud_.erase(it);
    } else if (it->counter - prefix == 1) {
      version_vector_.observe(it->replica, it->counter);
      it = cloud_.erase(it);
    } else {
      ++it;
    }
  }
}

Bytes DotContext::encode() const { return encode_state(*this); }

Result<DotContext> DotContext::decode(ByteView bytes) {
  return decode_state<DotContext>(bytes, "DotContext");
}

void DotContext::write_signature(codec::ByteWriter& out) {
  out.u8(static_cast<std::uint8_t>(TypeTag::kDotContext));
}

void DotContext::encode_body(codec::ByteWriter& out) const {
  version_vector_.encode_body(out);
  write_dot_set(out, cloud_);
}

Result<DotContext> DotContext::decode_body(codec::ByteReader& in) {
  DotContext context;
  FF_TRY_ASSIGN(context.version_vector_, VClock::decode_body(in));
  FF_TRY_ASSIGN(context.cloud_, read_dot_set(in, /*allow_empty=*/true));
  for (const Dot& dot : context.cloud_) {
    if (!beyond_gap(dot.counter, context.version_vector_.get(dot.replica))) {
      return make_error(Errc::kInvalidInput, "DotContext: cloud dot not beyond a gap (not compacted)");
    }
  }
  return context;
}

}  // namespace ff::crdt
