#include "net/protocols/perf.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace ff::net {
namespace {

// The payload both sides send: zeros, never written to, shared by every stream.
constexpr std::array<std::uint8_t, kPerfChunkBytes> kZeroBlock{};

std::size_t chunk_size(std::uint64_t remaining, std::size_t max_bytes) {
  const std::uint64_t limit = std::min<std::uint64_t>(max_bytes, kPerfChunkBytes);
  return static_cast<std::size_t>(std::min(remaining, limit));
}

}  // namespace

Result<PerfClient> PerfClient::create(std::uint64_t upload_bytes, std::uint64_t download_bytes,
                                      std::uint64_t max_transfer_bytes) {
  if (upload_bytes > max_transfer_bytes || download_bytes > max_transfer_bytes) {
    return make_error(Errc::kLimitExceeded, "perf: upload " + std::to_string(upload_bytes) + " / download " +
                                                std::to_string(download_bytes) +
                                                " bytes exceeds the bound of " +
                                                std::to_string(max_transfer_bytes));
  }
  return PerfClient(upload_bytes, download_bytes);
}

PerfClient::PerfClient(std::uint64_t upload_bytes, std::uint64_t download_bytes)
    : upload_bytes_(upload_bytes), download_bytes_(download_bytes) {
  for (std::size_t i = 0; i < kPerfHeaderBytes; ++i) {
    header_[i] = static_cast<std::uint8_t>(download_bytes >> (8 * (kPerfHeaderBytes - 1 - i)));
  }
}

Status PerfClient::fail(Errc code, std::string message) {
  state_ = State::kFailed;
  error_ = make_error(code, std::move(message));
  return error_;
}

ByteView PerfClient::next_chunk(std::size_t max_bytes) {
  if (state_ != State::kUploading) return {};
  if (header_sent_ < kPerfHeaderBytes) {
    const std::size_t take = chunk_size(kPerfHeaderBytes - header_sent_, max_bytes);
    const ByteView chunk(header_.data() + header_sent_, take);
    header_sent_ += take;
    if (header_sent_ == kPerfHeaderBytes && upload_bytes_ == 0) state_ = State::kDownloading;
    return chunk;
  }
  const std::size_t take = chunk_size(upload_bytes_ - uploaded_bytes_, max_bytes);
  uploaded_bytes_ += take;
  if (uploaded_bytes_ == upload_bytes_) state_ = State::kDownloading;
  return ByteView(kZeroBlock.data(), take);
}

Status PerfClient::on_data(ByteView bytes) {
  if (state_ == State::kFailed) return error_;
  if (bytes.empty()) return {};
  if (state_ == State::kUploading) {
    return fail(Errc::kInvalidInput, "perf: the server sent data before our upload ended");
  }
  if (state_ == State::kDone) return fail(Errc::kInvalidInput, "perf: data after the server's EOF");
  if (bytes.size() > download_bytes_ - downloaded_bytes_) {
    return fail(Errc::kInvalidInput, "perf: the server sent more than the " +
                                         std::to_string(download_bytes_) + " bytes requested");
  }
  downloaded_bytes_ += bytes.size();
  return {};
}

Status PerfClient::on_eof() {
  if (state_ == State::kFailed) return error_;
  if (state_ == State::kUploading)
    return fail(Errc::kTruncated, "perf: the server closed before our upload ended");
  if (downloaded_bytes_ != download_bytes_) {
    return fail(Errc::kTruncated, "perf: received " + std::to_string(downloaded_bytes_) + " of " +
                                      std::to_string(download_bytes_) + " requested bytes");
  }
  state_ = State::kDone;
  return {};
}

Status PerfServer::fail(Errc code, std::string message) {
  state_ = State::kFailed;
  error_ = make_error(code, std::move(message));
  return error_;
}

Status PerfServer::on_data(ByteView bytes) {
  if (state_ == State::kFailed) return error_;
  if (bytes.empty()) return {};
  if (state_ == State::kSending || state_ == State::kDone) {
    return fail(Errc::kInvalidInput, "perf: data after the client's EOF");
  }
  std::size_t offset = 0;
  if (state_ == State::kReadingHeader) {
    const std::size_t take = std::min(kPerfHeaderBytes - header_received_, bytes.size());
    std::copy_n(bytes.begin(), take, header_.begin() + header_received_);
    header_received_ += take;
    offset = take;
    if (header_received_ < kPerfHeaderBytes) return {};
    std::uint64_t requested = 0;
    for (std::uint8_t byte : header_) requested = (requested << 8) | byte;
    if (requested > max_transfer_bytes_) {
      return fail(Errc::kLimitExceeded, "perf: client asks for " + std::to_string(requested) +
                                            " bytes, more than the bound of " +
                                            std::to_string(max_transfer_bytes_));
    }
    requested_bytes_ = requested;
    state_ = State::kDraining;
  }
  const std::size_t payload = bytes.size() - offset;
  if (payload > max_transfer_bytes_ - received_bytes_) {
    return fail(Errc::kLimitExceeded, "perf: client uploads more than the bound of " +
                                          std::to_string(max_transfer_bytes_) + " bytes");
  }
  received_bytes_ += payload;
  return {};
}

Status PerfServer::on_eof() {
  if (state_ == State::kFailed) return error_;
  if (state_ == State::kReadingHeader) {
    return fail(Errc::kTruncated,
                "perf: stream ended after " + std::to_string(header_received_) + " of 8 request bytes");
  }
  if (state_ != State::kDraining) return fail(Errc::kInvalidInput, "perf: second EOF");
  state_ = requested_bytes_ == 0 ? State::kDone : State::kSending;
  return {};
}

ByteView PerfServer::next_chunk(std::size_t max_bytes) {
  if (state_ != State::kSending) return {};
  const std::size_t take = chunk_size(requested_bytes_ - sent_bytes_, max_bytes);
  sent_bytes_ += take;
  if (sent_bytes_ == requested_bytes_) state_ = State::kDone;
  return ByteView(kZeroBlock.data(), take);
}

}  // namespace ff::net
