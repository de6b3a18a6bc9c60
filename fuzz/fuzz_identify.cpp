// Fuzzes Identify decoding: the message codec, the stream reader (in a chunking the input
// chooses) and validation. Never crash; a decoded message re-encodes to bytes that decode
// to the same message; the reader agrees with the codec on a single framed message and
// never buffers more than one message.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/codec/varint.hpp"
#include "net/protocols/identify.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

// The libp2p specs Ed25519 test key's peer; validation against it exercises both the
// matching and the mismatching path.
const ff::net::PeerId& spec_peer() {
  static const ff::net::PeerId peer =
      *ff::net::PeerId::parse("12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq");
  return peer;
}

void check_message(const ff::net::IdentifyMessage& message) {
  // A message merged from several frames may encode larger than one frame may be.
  const ff::Bytes encoded = ff::net::encode_identify_message(message);
  if (encoded.size() <= ff::net::kMaxIdentifyMessageBytes) {
    auto again = ff::net::decode_identify_message(encoded);
    check(again.ok() && *again == message);
  }
  for (ff::net::IdentifyKind kind : {ff::net::IdentifyKind::kIdentify, ff::net::IdentifyKind::kPush}) {
    auto result = ff::net::validate_identify(message, spec_peer(), kind);
    if (!result.ok()) continue;
    check(result->listen_addrs.size() + result->skipped_listen_addrs == message.listen_addrs.size());
    check(result->protocols.size() <= message.protocols.size());
    check(kind == ff::net::IdentifyKind::kPush || result->public_key.has_value());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ff::ByteView input(data, size);

  // The whole input as one message body.
  auto message = ff::net::decode_identify_message(input);
  if (message.ok()) {
    check_message(*message);
    // Framed, it reads back the same through the stream reader.
    ff::Bytes framed;
    ff::codec::put_varint(framed, input.size());
    framed.insert(framed.end(), input.begin(), input.end());
    ff::net::IdentifyReader reader;
    reader.feed(framed);
    reader.finish();
    check(reader.state() == ff::net::IdentifyReader::State::kComplete);
    check(reader.message() == *message);
  }

  // The whole input as a stream: the first byte picks the chunk size.
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  ff::net::IdentifyReader reader;
  for (std::size_t offset = 1; offset < size; offset += chunk) {
    reader.feed(input.subspan(offset, std::min(chunk, size - offset)));
    check(reader.buffered_bytes() <= ff::net::kMaxIdentifyMessageBytes + ff::codec::kMaxVarintBytes);
  }
  reader.finish();
  check(reader.state() != ff::net::IdentifyReader::State::kReading);
  if (reader.state() == ff::net::IdentifyReader::State::kComplete) {
    check(reader.messages_read() >= 1 && reader.messages_read() <= ff::net::kMaxIdentifyMessages);
    check(reader.message().listen_addrs.size() <= ff::net::kMaxIdentifyListenAddrs);
    check(reader.message().protocols.size() <= ff::net::kMaxIdentifyProtocols);
    check_message(reader.message());
  }
  return 0;
}
