// Perf (`/perf/1.0.0`, libp2p specs perf/perf.md), IO-free: the throughput benchmark
// protocol libp2p implementations are compared with (libp2p/test-plans perf).
//
//   client                                        server
//     u64 big-endian N (bytes wanted back)   ->
//     upload: any number of bytes            ->     drained and counted
//     close write side (EOF)                 ->
//                                            <-     N bytes (after EOF, never before)
//                                            <-     close
//
// The payload bytes are zeros (the spec allows any predetermined bytes). Neither side
// buffers payload: next_chunk() hands out views of a static zero block, and received
// payload is only counted. The runtime reads the progress counters together with its own
// clock to report throughput. The spec says perf must not be enabled by default on public
// nodes: a client can ask for a lot of work.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::net {

inline constexpr std::string_view kPerfProtocolId = "/perf/1.0.0";
inline constexpr std::size_t kPerfHeaderBytes = 8;
// Default bound on each direction of one perf stream, upload and download: 16 GiB, a
// minute and a half at the 1.4 Gbit/s the best TCP stack in the published libp2p results
// reaches. The spec allows up to 2^64-1 (timer-based runs); a server with this bound
// rejects such a request (kLimitExceeded) instead of streaming zeros forever.
inline constexpr std::uint64_t kMaxPerfTransferBytes = std::uint64_t{16} << 30;
// Largest chunk next_chunk() returns: js-libp2p's perf WRITE_BLOCK_SIZE (64 KiB).
inline constexpr std::size_t kPerfChunkBytes = 64 * 1024;

class PerfClient {
 public:
  enum class State {
    kUploading,    // write next_chunk() output; when upload_done(), close the write side
    kDownloading,  // the upload is written: read until EOF
    kDone,         // exactly the requested bytes arrived, then EOF
    kFailed,       // error() says why; reset the stream
  };

  // A client that uploads `upload_bytes` and asks for `download_bytes` back.
  // kLimitExceeded if either is above `max_transfer_bytes`.
  static Result<PerfClient> create(std::uint64_t upload_bytes, std::uint64_t download_bytes,
                                   std::uint64_t max_transfer_bytes = kMaxPerfTransferBytes);

  // The next bytes to write, at most min(max_bytes, kPerfChunkBytes): the 8-byte header
  // first, then upload payload. Empty once everything is handed out (upload_done()). The
  // view stays valid until the next call on this object.
  ByteView next_chunk(std::size_t max_bytes);
  bool upload_done() const { return state_ != State::kUploading; }

  // Received bytes. kInvalidInput for bytes before the upload is done (the server must
  // not answer before our EOF) or beyond the requested count.
  Status on_data(ByteView bytes);
  // The server closed the stream. kTruncated if fewer bytes than requested arrived.
  Status on_eof();

  State state() const { return state_; }
  const Error& error() const { return error_; }
  // Progress, payload only (the header is not counted).
  std::uint64_t uploaded_bytes() const { return uploaded_bytes_; }
  std::uint64_t downloaded_bytes() const { return downloaded_bytes_; }
  std::uint64_t upload_target_bytes() const { return upload_bytes_; }
  std::uint64_t download_target_bytes() const { return download_bytes_; }

 private:
  PerfClient(std::uint64_t upload_bytes, std::uint64_t download_bytes);
  Status fail(Errc code, std::string message);

  State state_ = State::kUploading;
  Error error_{Errc::kInvalidInput, {}};
  std::uint64_t upload_bytes_;
  std::uint64_t download_bytes_;
  std::array<std::uint8_t, kPerfHeaderBytes> header_{};
  std::size_t header_sent_ = 0;
  std::uint64_t uploaded_bytes_ = 0;
  std::uint64_t downloaded_bytes_ = 0;
};

class PerfServer {
 public:
  enum class State {
    kReadingHeader,  // waiting for the 8-byte request
    kDraining,       // counting upload bytes until EOF
    kSending,        // write next_chunk() output until it is empty
    kDone,           // everything sent: close the stream
    kFailed,         // error() says why; reset the stream
  };

  // `max_transfer_bytes` bounds both the requested download and the upload we drain.
  explicit PerfServer(std::uint64_t max_transfer_bytes = kMaxPerfTransferBytes)
      : max_transfer_bytes_(max_transfer_bytes) {}

  // Received bytes: the header, then upload payload. kLimitExceeded for a request or an
  // upload above the bound; kInvalidInput for bytes after EOF.
  Status on_data(ByteView bytes);
  // The client closed its write side. kTruncated if the header is incomplete; otherwise
  // sending starts (or the server is done at once for a request of 0 bytes).
  Status on_eof();

  // The next bytes to write in kSending, at most min(max_bytes, kPerfChunkBytes); the view
  // points into a static zero block. Once the last byte is handed out the state is kDone.
  ByteView next_chunk(std::size_t max_bytes);

  State state() const { return state_; }
  const Error& error() const { return error_; }
  // The client's request; 0 until the header is complete.
  std::uint64_t requested_bytes() const { return requested_bytes_; }
  std::uint64_t received_bytes() const { return received_bytes_; }  // upload payload
  std::uint64_t sent_bytes() const { return sent_bytes_; }

 private:
  Status fail(Errc code, std::string message);

  std::uint64_t max_transfer_bytes_;
  State state_ = State::kReadingHeader;
  Error error_{Errc::kInvalidInput, {}};
  std::array<std::uint8_t, kPerfHeaderBytes> header_{};
  std::size_t header_received_ = 0;
  std::uint64_t requested_bytes_ = 0;
  std::uint64_t received_bytes_ = 0;
  std::uint64_t sent_bytes_ = 0;
};

}  // namespace ff::net
