// The test echo protocol and /perf/1.0.0, on both ends, for the Swarm.
#include <boost/asio/post.hpp>

#include "net/protocols/perf.hpp"
#include "net/swarm/swarm.hpp"
#include "net/swarm/swarm_log.hpp"

namespace ff::net {

namespace {

double elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}

// The bytes the echo client sends on stream `index`: xorshift32 seeded per stream, the same
// sequence as tests/interop/lib/echo.mjs echoPattern, so a muxer that swaps or reorders data
// between streams is caught.
class EchoPattern {
 public:
  explicit EchoPattern(std::size_t index) {
    state_ = 0x9e3779b9u ^ static_cast<std::uint32_t>((index + 1) * 0x85ebca6bull);
    if (state_ == 0) state_ = 1;
  }
  std::uint8_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return static_cast<std::uint8_t>(state_ & 0xff);
  }

 private:
  std::uint32_t state_;
};

struct EchoRun {
  std::function<void(Result<EchoResult>)> done;
  std::size_t streams = 0;
  std::uint64_t bytes = 0;
  std::size_t finished = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<SwarmStream>> open;

  void fail(const std::string& why) {
    if (!done) return;
    auto callback = std::move(done);
    done = nullptr;
    for (auto& stream : open) {
      if (stream) stream->reset();
    }
    callback(make_error(Errc::kIo, why));
  }
};

struct EchoStreamState {
  EchoPattern writer;
  EchoPattern checker;
  std::uint64_t written = 0;
  std::uint64_t received = 0;
  explicit EchoStreamState(std::size_t index) : writer(index), checker(index) {}
};

}  // namespace

void Swarm::answer_echo(const std::shared_ptr<SwarmStream>& stream) {
  std::weak_ptr<SwarmStream> weak = stream;
  stream->set_handlers({
      .on_data =
          [weak](ByteView bytes) {
            auto stream = weak.lock();
            if (!stream) return;
            if (!stream->write(bytes).ok()) return stream->reset();
            // Echoes go out no faster than the peer reads them.
            if (!stream->below_high_water()) stream->pause_reading();
          },
      .on_eof =
          [weak] {
            if (auto stream = weak.lock()) stream->close_write();
          },
      .on_reset = nullptr,
      .on_drain =
          [weak] {
            if (auto stream = weak.lock()) stream->resume_reading();
          },
  });
}

void Swarm::echo(const PeerId& peer, std::size_t streams, std::uint64_t bytes,
                 std::function<void(Result<EchoResult>)> done) {
  if (streams == 0 || streams > kMaxEchoStreams || bytes > kMaxEchoStreamBytes) {
    boost::asio::post(io_, [done = std::move(done)] {
      done(make_error(Errc::kInvalidInput, "echo: streams must be 1..256 and bytes at most 64 MiB"));
    });
    return;
  }
  auto run = std::make_shared<EchoRun>();
  run->done = std::move(done);
  run->streams = streams;
  run->bytes = bytes;
  run->open.resize(streams);
  for (std::size_t index = 0; index < streams; ++index) {
    open_stream(peer, {std::string(kEchoProtocolId)},
                [run, index](Result<std::shared_ptr<SwarmStream>> opened) {
                  if (!run->done) {
                    if (opened.ok()) (*opened)->reset();
                    return;
                  }
                  if (!opened.ok())
                    return run->fail("echo stream " + std::to_string(index) + ": " + opened.error().message);
                  auto stream = *opened;
                  run->open[index] = stream;
                  auto state = std::make_shared<EchoStreamState>(index);
                  std::weak_ptr<SwarmStream> weak = stream;
                  // Writes the pattern while the stream's queue has room; resumes on drain.
                  auto pump = [run, state, weak] {
                    auto stream = weak.lock();
                    if (!stream || !run->done) return;
                    std::uint8_t chunk[kSwarmWriteChunkBytes];
                    while (state->written < run->bytes && stream->below_high_water()) {
                      const std::size_t n = static_cast<std::size_t>(
                          std::min<std::uint64_t>(sizeof chunk, run->bytes - state->written));
                      for (std::size_t i = 0; i < n; ++i) chunk[i] = state->writer.next();
                      if (!stream->write(ByteView(chunk, n)).ok()) return run->fail("echo: write failed");
                      state->written += n;
                    }
                    if (state->written == run->bytes) stream->close_write();
                  };
                  stream->set_handlers({
                      .on_data =
                          [run, state, index](ByteView data) {
                            if (!run->done) return;
                            for (std::size_t i = 0; i < data.size(); ++i) {
                              if (state->received + i >= run->bytes || data[i] != state->checker.next()) {
                                return run->fail("echo stream " + std::to_string(index) +
                                                 ": first bad offset " + std::to_string(state->received + i));
                              }
                            }
                            state->received += data.size();
                          },
                      .on_eof =
                          [run, state, index] {
                            if (!run->done) return;
                            if (state->received != run->bytes) {
                              return run->fail("echo stream " + std::to_string(index) + ": ended after " +
                                               std::to_string(state->received) + " bytes");
                            }
                            run->open[index].reset();
                            if (++run->finished == run->streams) {
                              auto callback = std::move(run->done);
                              run->done = nullptr;
                              callback(EchoResult{run->streams, run->bytes, elapsed_ms(run->started)});
                            }
                          },
                      .on_reset =
                          [run, index](const std::string& reason) {
                            run->fail("echo stream " + std::to_string(index) + ": " + reason);
                          },
                      .on_drain = pump,
                  });
                  pump();
                });
  }
}

void Swarm::answer_perf(const std::shared_ptr<SwarmStream>& stream) {
  auto server = std::make_shared<PerfServer>();
  std::weak_ptr<SwarmStream> weak = stream;
  auto send = [server, weak] {
    auto stream = weak.lock();
    if (!stream) return;
    while (server->state() == PerfServer::State::kSending && stream->below_high_water()) {
      ByteView chunk = server->next_chunk(kPerfChunkBytes);
      if (!stream->write(chunk).ok()) return stream->reset();
    }
    if (server->state() == PerfServer::State::kDone) stream->close_write();
  };
  stream->set_handlers({
      .on_data =
          [server, weak](ByteView bytes) {
            if (!server->on_data(bytes).ok()) {
              if (auto stream = weak.lock()) stream->reset();
            }
          },
      .on_eof =
          [server, weak, send] {
            if (!server->on_eof().ok()) {
              if (auto stream = weak.lock()) stream->reset();
              return;
            }
            send();
          },
      .on_reset = nullptr,
      .on_drain = send,
  });
}

void Swarm::perf(const PeerId& peer, std::uint64_t upload_bytes, std::uint64_t download_bytes,
                 std::function<void(Result<PerfResult>)> done) {
  auto client = PerfClient::create(upload_bytes, download_bytes);
  if (!client.ok()) {
    boost::asio::post(io_, [done = std::move(done), error = client.error()] { done(error); });
    return;
  }
  struct Run {
    PerfClient client;
    std::function<void(Result<PerfResult>)> done;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    double upload_ms = 0;
    void finish(Result<PerfResult> result) {
      if (!done) return;
      auto callback = std::move(done);
      done = nullptr;
      callback(std::move(result));
    }
  };
  auto run = std::make_shared<Run>(Run{std::move(*client), std::move(done)});
  open_stream(peer, {std::string(kPerfProtocolId)}, [run](Result<std::shared_ptr<SwarmStream>> opened) {
    if (!opened.ok()) return run->finish(opened.error());
    auto stream = *opened;
    std::weak_ptr<SwarmStream> weak = stream;
    auto pump = [run, weak] {
      auto stream = weak.lock();
      if (!stream || !run->done) return;
      while (!run->client.upload_done() && stream->below_high_water()) {
        ByteView chunk = run->client.next_chunk(kPerfChunkBytes);
        if (chunk.empty()) break;
        if (!stream->write(chunk).ok()) {
          stream->reset();
          return run->finish(make_error(Errc::kIo, "perf: write failed"));
        }
      }
      if (run->client.upload_done() && run->upload_ms == 0) {
        run->upload_ms = elapsed_ms(run->started);
        stream->close_write();
      }
    };
    stream->set_handlers({
        .on_data =
            [run, weak](ByteView bytes) {
              if (auto status = run->client.on_data(bytes); !status.ok()) {
                if (auto stream = weak.lock()) stream->reset();
                run->finish(status.error());
              }
            },
        .on_eof =
            [run] {
              if (auto status = run->client.on_eof(); !status.ok()) return run->finish(status.error());
              run->finish(PerfResult{run->client.uploaded_bytes(), run->client.downloaded_bytes(),
                                     elapsed_ms(run->started), run->upload_ms});
            },
        .on_reset =
            [run](const std::string& reason) { run->finish(make_error(Errc::kIo, "perf: " + reason)); },
        .on_drain = pump,
    });
    pump();
  });
}

}  // namespace ff::net
