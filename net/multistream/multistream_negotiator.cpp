#include "net/multistream/multistream_negotiator.hpp"

#include <algorithm>
#include <utility>

#include "core/codec/varint.hpp"

namespace ff::net {
namespace {

// Peer text quoted in an error message: short, and only printable ASCII, so a hostile
// peer cannot put control characters or kilobytes into our logs.
std::string quote(std::string_view text) {
  constexpr std::size_t kMaxQuotedChars = 64;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxQuotedChars; ++i) {
    const char c = text[i];
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  if (text.size() > kMaxQuotedChars) out += "...";
  out += "\"";
  return out;
}

Status validate_protocols(const std::vector<std::string>& protocols) {
  if (protocols.empty()) {
    return make_error(Errc::kInvalidInput, "multistream-select: at least one protocol is required");
  }
  if (protocols.size() > kMaxMultistreamLocalProtocols) {
    return make_error(Errc::kInvalidInput, "multistream-select: more than " +
                                               std::to_string(kMaxMultistreamLocalProtocols) +
                                               " protocols configured");
  }
  for (const std::string& protocol : protocols) {
    if (protocol.empty() || protocol.size() + 1 > kMaxMultistreamMessageBytes ||
        protocol.find('\n') != std::string::npos || protocol == kMultistreamNotAvailable ||
        protocol == kMultistreamList || protocol == kMultistreamProtocolId) {
      return make_error(Errc::kInvalidInput, "multistream-select: invalid protocol name " + quote(protocol) +
                                                 " (must be 1.." +
                                                 std::to_string(kMaxMultistreamMessageBytes - 1) +
                                                 " bytes without newline, and not na, ls or the header)");
    }
  }
  return {};
}

}  // namespace

void append_multistream_message(Bytes& out, std::string_view text) {
  codec::put_varint(out, text.size() + 1);
  const ByteView bytes = as_bytes(text);
  out.insert(out.end(), bytes.begin(), bytes.end());
  out.push_back('\n');
}

MultistreamNegotiator::MultistreamNegotiator(bool is_dialer, std::vector<std::string> protocols)
    : is_dialer_(is_dialer), protocols_(std::move(protocols)) {}

Result<MultistreamNegotiator> MultistreamNegotiator::dialer(std::vector<std::string> protocols) {
  FF_TRY(validate_protocols(protocols));
  MultistreamNegotiator negotiator(/*is_dialer=*/true, std::move(protocols));
  // js-libp2p's select writes the header and the first proposal in one write; doing the
  // same saves a round trip and keeps the first batch identical to what peers expect.
  negotiator.send_message(kMultistreamProtocolId);
  negotiator.send_message(negotiator.protocols_.front());
  return negotiator;
}

Result<MultistreamNegotiator> MultistreamNegotiator::listener(std::vector<std::string> supported) {
  FF_TRY(validate_protocols(supported));
  // The listener answers the header when it arrives, as js-libp2p's handle does, rather
  // than sending it unprompted: either order is allowed and this one never wastes bytes
  // on a connection that turns out not to speak multistream-select.
  return MultistreamNegotiator(/*is_dialer=*/false, std::move(supported));
}

void MultistreamNegotiator::feed(ByteView bytes) {
  if (state_ == State::kFailed) return;
  if (state_ == State::kAgreed) {
    leftover_.insert(leftover_.end(), bytes.begin(), bytes.end());
    return;
  }
  input_.insert(input_.end(), bytes.begin(), bytes.end());

  std::size_t offset = 0;
  while (state_ == State::kNegotiating && offset < input_.size()) {
    const ByteView rest(input_.data() + offset, input_.size() - offset);
    auto length = codec::get_varint(rest);
    if (!length.ok()) {
      if (length.error().code != Errc::kTruncated) {
        fail(Errc::kInvalidInput, "multistream-select: bad length prefix: " + length.error().message);
      } else if (rest.size() >= codec::varint_size(kMaxMultistreamMessageBytes)) {
        // Two bytes that both continue already mean a length of at least 2^14.
        fail(Errc::kLimitExceeded, "multistream-select: message length prefix exceeds the " +
                                       std::to_string(kMaxMultistreamMessageBytes) + "-byte limit");
      }
      break;
    }
    if (length->value > kMaxMultistreamMessageBytes) {
      fail(Errc::kLimitExceeded, "multistream-select: message of " + std::to_string(length->value) +
                                     " bytes exceeds the " + std::to_string(kMaxMultistreamMessageBytes) +
                                     "-byte limit");
      break;
    }
    if (length->value == 0) {
      fail(Errc::kInvalidInput, "multistream-select: empty message (missing newline)");
      break;
    }
    const std::size_t message_bytes = static_cast<std::size_t>(length->value);
    if (rest.size() - length->length < message_bytes) break;  // wait for the rest of the message
    const ByteView message = rest.subspan(length->length, message_bytes);
    offset += length->length + message_bytes;
    if (message.back() != '\n') {
      fail(Errc::kInvalidInput,
           "multistream-select: message " + quote(as_chars(message)) + " does not end with a newline");
      break;
    }
    handle_message(as_chars(message.first(message.size() - 1)));
  }

  if (state_ == State::kAgreed) {
    leftover_.assign(input_.begin() + static_cast<std::ptrdiff_t>(offset), input_.end());
    input_.clear();
  } else if (state_ == State::kFailed) {
    input_.clear();
  } else {
    input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(offset));
  }
}

Bytes MultistreamNegotiator::take_output() { return std::exchange(output_, Bytes{}); }

Bytes MultistreamNegotiator::take_leftover() { return std::exchange(leftover_, Bytes{}); }

void MultistreamNegotiator::handle_message(std::string_view message) {
  if (is_dialer_) {
    handle_as_dialer(message);
  } else {
    handle_as_listener(message);
  }
}

void MultistreamNegotiator::handle_as_dialer(std::string_view message) {
  if (!header_received_) {
    if (message != kMultistreamProtocolId) {
      fail(Errc::kInvalidInput, "multistream-select: expected the header " + quote(kMultistreamProtocolId) +
                                    " from the listener, got " + quote(message));
      return;
    }
    header_received_ = true;
    return;
  }
  const std::string& proposal = protocols_[next_proposal_];
  if (message == proposal) {
    agree(proposal);
    return;
  }
  if (message != kMultistreamNotAvailable) {
    fail(Errc::kInvalidInput, "multistream-select: listener answered " + quote(message) + " to proposal " +
                                  quote(proposal) + " (expected the echo or na)");
    return;
  }
  ++next_proposal_;
  if (next_proposal_ == protocols_.size()) {
    std::string offered;
    for (const std::string& protocol : protocols_) {
      if (!offered.empty()) offered += ", ";
      offered += protocol;
    }
    fail(Errc::kUnsupported,
         "multistream-select: peer supports none of the protocols we offered: " + offered);
    return;
  }
  send_message(protocols_[next_proposal_]);
}

void MultistreamNegotiator::handle_as_listener(std::string_view message) {
  if (!header_received_) {
    // connections/README.md: anything but the header as the first message aborts.
    if (message != kMultistreamProtocolId) {
      fail(Errc::kInvalidInput, "multistream-select: expected the header " + quote(kMultistreamProtocolId) +
                                    " as the dialer's first message, got " + quote(message));
      return;
    }
    header_received_ = true;
    send_message(kMultistreamProtocolId);
    return;
  }
  if (std::find(protocols_.begin(), protocols_.end(), message) != protocols_.end()) {
    send_message(message);
    agree(message);
    return;
  }
  if (++remote_messages_ > kMaxMultistreamProposals) {
    fail(Errc::kLimitExceeded, "multistream-select: dialer sent more than " +
                                   std::to_string(kMaxMultistreamProposals) + " messages without agreeing");
    return;
  }
  if (message == kMultistreamProtocolId) {
    send_message(kMultistreamProtocolId);  // js-libp2p echoes a repeated header too
  } else if (message == kMultistreamList) {
    send_list();
  } else {
    send_message(kMultistreamNotAvailable);
  }
}

void MultistreamNegotiator::send_message(std::string_view text) { append_multistream_message(output_, text); }

void MultistreamNegotiator::send_list() {
  // One message whose body is each protocol as its own message, then a final '\n' (the
  // layout js-libp2p and go-multistream use). Protocols that would push the body past
  // kMaxMultistreamMessageBytes are left out: the reader would reject the whole answer.
  Bytes body;
  for (const std::string& protocol : protocols_) {
    Bytes entry;
    append_multistream_message(entry, protocol);
    if (body.size() + entry.size() + 1 > kMaxMultistreamMessageBytes) break;
    body.insert(body.end(), entry.begin(), entry.end());
  }
  append_multistream_message(output_, as_chars(body));
}

void MultistreamNegotiator::fail(Errc code, std::string message) {
  state_ = State::kFailed;
  error_ = make_error(code, std::move(message));
}

void MultistreamNegotiator::agree(std::string_view protocol) {
  state_ = State::kAgreed;
  agreed_ = std::string(protocol);
}

}  // namespace ff::net
