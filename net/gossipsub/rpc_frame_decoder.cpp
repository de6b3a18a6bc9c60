#include "net/gossipsub/rpc_frame_decoder.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "core/codec/varint.hpp"

namespace ff::net {
namespace {

// The multiformats unsigned-varint spec caps varints at 9 bytes (63 bits).
constexpr std::size_t kMaxLengthPrefixBytes = 9;

}  // namespace

Result<std::optional<Bytes>> RpcFrameDecoder::next(ByteView& input) {
  if (failure_) return *failure_;
  while (!length_) {
    if (input.empty()) return std::optional<Bytes>();
    prefix_.push_back(input.front());
    input = input.subspan(1);
    if (prefix_.back() & 0x80) {
      if (prefix_.size() >= kMaxLengthPrefixBytes) {
        failure_ = make_error(Errc::kInvalidInput, "gossipsub frame: length prefix longer than 9 bytes");
        return *failure_;
      }
      continue;
    }
    Result<codec::VarintDecoded> decoded = codec::get_varint(prefix_);
    if (!decoded.ok()) {
      failure_ =
          make_error(Errc::kInvalidInput, "gossipsub frame: bad length prefix: " + decoded.error().message);
      return *failure_;
    }
    if (decoded->value > max_frame_bytes_) {
      failure_ = make_error(Errc::kLimitExceeded,
                            "gossipsub frame: announced length " + std::to_string(decoded->value) +
                                " exceeds the limit of " + std::to_string(max_frame_bytes_));
      return *failure_;
    }
    length_ = static_cast<std::size_t>(decoded->value);
    prefix_.clear();
    body_.reserve(std::min<std::size_t>(*length_, 64 * 1024));
  }
  const std::size_t wanted = *length_ - body_.size();
  const std::size_t take = std::min(wanted, input.size());
  body_.insert(body_.end(), input.begin(), input.begin() + static_cast<std::ptrdiff_t>(take));
  input = input.subspan(take);
  if (body_.size() < *length_) return std::optional<Bytes>();
  length_.reset();
  Bytes frame = std::move(body_);
  body_ = Bytes();
  return std::optional<Bytes>(std::move(frame));
}

void RpcFrameDecoder::reset() {
  prefix_.clear();
  length_.reset();
  body_ = Bytes();
  failure_.reset();
}

}  // namespace ff::net
