// The Identify protobuf message (libp2p specs identify/README.md; schema and field notes in
// docs/wire/identify.proto), as plain data. This layer only encodes and decodes: it does
// not interpret keys or addresses. Validation against a connection (key matches the peer,
// addresses parse) is validate_identify() in identify.hpp.
//
//   message Identify {
//     optional bytes  publicKey        = 1;   // libp2p PublicKey protobuf
//     repeated bytes  listenAddrs      = 2;   // binary multiaddrs
//     repeated string protocols        = 3;
//     optional bytes  observedAddr     = 4;   // binary multiaddr
//     optional string protocolVersion  = 5;
//     optional string agentVersion     = 6;
//     optional bytes  signedPeerRecord = 8;   // signed envelope; we never send it
//   }
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace ff::net {

// Largest encoded Identify message we send or accept, excluding its length prefix: the
// MAX_IDENTIFY_MESSAGE_SIZE of js-libp2p and go-libp2p (8 KiB).
inline constexpr std::size_t kMaxIdentifyMessageBytes = 8 * 1024;
// Bounds on the repeated fields of one message, and of the merge of several (see
// IdentifyReader). 8 KiB already caps each list near 4000 entries; these tighter bounds keep
// what one peer can make us store small, and are far above real use (js-libp2p sends a
// handful of addresses and about ten protocols).
inline constexpr std::size_t kMaxIdentifyListenAddrs = 128;
inline constexpr std::size_t kMaxIdentifyProtocols = 256;

struct IdentifyMessage {
  std::optional<std::string> protocol_version;
  std::optional<std::string> agent_version;
  std::optional<Bytes> public_key;
  std::vector<Bytes> listen_addrs;
  std::optional<Bytes> observed_addr;
  std::vector<std::string> protocols;
  std::optional<Bytes> signed_peer_record;

  friend bool operator==(const IdentifyMessage& a, const IdentifyMessage& b);
  friend bool operator!=(const IdentifyMessage& a, const IdentifyMessage& b) { return !(a == b); }
};

// The protobuf encoding, fields in field-number order (1, 2, 3, 4, 5, 6, 8), absent
// optionals omitted. No length prefix.
Bytes encode_identify_message(const IdentifyMessage& message);

// Decodes one message (no length prefix). Unknown fields are skipped, as protobuf
// requires; a repeated optional field keeps its last value (protobuf's merge rule).
// kLimitExceeded above kMaxIdentifyMessageBytes, kMaxIdentifyListenAddrs or
// kMaxIdentifyProtocols; kInvalidInput / kTruncated for malformed protobuf or a known field
// with the wrong wire type. Strings are not checked for UTF-8 (js-libp2p decodes leniently
// too); they are text to show, never to interpret.
Result<IdentifyMessage> decode_identify_message(ByteView encoded);

}  // namespace ff::net
