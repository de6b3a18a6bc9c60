// Feeds arbitrary bytes to a multistream-select negotiator, as listener or dialer, whole
// or in 1..16-byte chunks chosen by the input. Checks it never crashes, never buffers
// more than one message while negotiating, and never answers with more than the proposal
// bound allows. See docs/wire/multistream.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "net/multistream/multistream_negotiator.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using ff::net::MultistreamNegotiator;
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const ff::ByteView input(data + 1, size - 1);
  const bool dialer = (mode & 1) != 0;
  const bool chunked = (mode & 2) != 0;
  auto made = dialer ? MultistreamNegotiator::dialer({"/tls/1.0.0", "/noise", "/yamux/1.0.0"})
                     : MultistreamNegotiator::listener({"/noise", "/yamux/1.0.0", "/ipfs/id/1.0.0"});
  check(made.ok());
  MultistreamNegotiator negotiator = std::move(made).value();

  // The listener answers at most the header, kMaxMultistreamProposals messages and the
  // agreeing echo; the dialer sends its header and each of its protocols once.
  constexpr std::size_t kMaxMessageOnWire = ff::net::kMaxMultistreamMessageBytes + 2;
  const std::size_t output_limit = (ff::net::kMaxMultistreamProposals + 2) * kMaxMessageOnWire;
  std::size_t output_total = 0;
  std::size_t leftover_total = 0;
  std::size_t offset = 0;
  while (offset < input.size()) {
    const std::size_t n =
        chunked ? std::min<std::size_t>(1 + (input[offset] & 15), input.size() - offset) : input.size();
    negotiator.feed(input.subspan(offset, n));
    offset += n;
    output_total += negotiator.take_output().size();
    leftover_total += negotiator.take_leftover().size();
    check(output_total <= output_limit);
    if (negotiator.state() == MultistreamNegotiator::State::kNegotiating) {
      check(negotiator.buffered_input_bytes() <= kMaxMessageOnWire);
    }
  }
  check(leftover_total <= input.size());
  if (negotiator.state() == MultistreamNegotiator::State::kAgreed) check(!negotiator.protocol().empty());
  if (negotiator.state() == MultistreamNegotiator::State::kFailed) check(!negotiator.error().message.empty());
  return 0;
}
