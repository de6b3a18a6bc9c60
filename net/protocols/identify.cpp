#include "net/protocols/identify.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "core/codec/varint.hpp"

namespace ff::net {

Result<IdentifyMessage> build_identify_message(const PublicKey& our_key, const IdentifyLocalInfo& local,
                                               const std::optional<Multiaddr>& observed_addr) {
  if (local.listen_addrs.size() > kMaxIdentifyListenAddrs) {
    return make_error(Errc::kLimitExceeded, "identify: " + std::to_string(local.listen_addrs.size()) +
                                                " listen addresses, more than " +
                                                std::to_string(kMaxIdentifyListenAddrs) +
                                                " (peers would reject it)");
  }
  if (local.protocols.size() > kMaxIdentifyProtocols) {
    return make_error(Errc::kLimitExceeded,
                      "identify: " + std::to_string(local.protocols.size()) + " protocols, more than " +
                          std::to_string(kMaxIdentifyProtocols) + " (peers would reject it)");
  }
  IdentifyMessage message;
  message.protocol_version = local.protocol_version;
  message.agent_version = local.agent_version;
  message.public_key = our_key.encode();
  for (const Multiaddr& address : local.listen_addrs) {
    const bool ends_in_peer = !address.empty() && address.components().back().code() == multiaddr_code::kP2p;
    const Multiaddr sent = ends_in_peer ? address.decapsulate_code(multiaddr_code::kP2p) : address;
    if (sent.empty()) continue;  // it was only "/p2p/<us>": nothing to listen on
    message.listen_addrs.push_back(sent.bytes());
  }
  message.protocols = local.protocols;
  if (observed_addr && !observed_addr->empty()) message.observed_addr = observed_addr->bytes();
  FF_TRY(frame_identify_message(message));  // checks the size bound
  return message;
}

Result<Bytes> frame_identify_message(const IdentifyMessage& message) {
  const Bytes body = encode_identify_message(message);
  if (body.size() > kMaxIdentifyMessageBytes) {
    return make_error(Errc::kLimitExceeded, "identify: message of " + std::to_string(body.size()) +
                                                " bytes exceeds " + std::to_string(kMaxIdentifyMessageBytes) +
                                                " (send fewer addresses or protocols)");
  }
  Bytes frame;
  codec::put_varint(frame, body.size());
  frame.insert(frame.end(), body.begin(), body.end());
  return frame;
}

Result<Bytes> build_identify_frame(const PublicKey& our_key, const IdentifyLocalInfo& local,
                                   const std::optional<Multiaddr>& observed_addr) {
  FF_TRY_ASSIGN(IdentifyMessage message, build_identify_message(our_key, local, observed_addr));
  return frame_identify_message(message);
}

void IdentifyReader::feed(ByteView bytes) {
  std::size_t offset = 0;
  while (state_ == State::kReading && offset < bytes.size()) {
    if (!body_size_) {
      prefix_.push_back(bytes[offset++]);
      Result<codec::VarintDecoded> length = codec::get_varint(prefix_);
      if (!length.ok()) {
        if (length.error().code == Errc::kTruncated) continue;  // the prefix goes on
        fail(make_error(Errc::kInvalidInput, "identify: length prefix: " + length.error().message));
        return;
      }
      prefix_.clear();
      if (length->value > kMaxIdentifyMessageBytes) {
        fail(make_error(Errc::kLimitExceeded, "identify: message of " + std::to_string(length->value) +
                                                  " bytes exceeds " +
                                                  std::to_string(kMaxIdentifyMessageBytes)));
        return;
      }
      body_size_ = static_cast<std::size_t>(length->value);
      body_.reserve(*body_size_);
    } else {
      const std::size_t take = std::min(*body_size_ - body_.size(), bytes.size() - offset);
      body_.insert(body_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(offset),
                   bytes.begin() + static_cast<std::ptrdiff_t>(offset + take));
      offset += take;
    }
    if (body_size_ && body_.size() == *body_size_) {
      const Bytes body = std::move(body_);
      body_.clear();
      body_size_.reset();
      handle_message(body);
    }
  }
}

void IdentifyReader::finish() {
  if (state_ != State::kReading) return;
  const bool partial = !prefix_.empty() || body_size_.has_value();
  if (messages_read_ == 0) {
    fail(make_error(Errc::kTruncated, partial ? "identify: stream ended inside the first message"
                                              : "identify: stream ended before any message"));
    return;
  }
  if (partial) tail_dropped_ = true;
  complete();
}

void IdentifyReader::handle_message(ByteView body) {
  Result<IdentifyMessage> decoded = decode_identify_message(body);
  if (!decoded.ok()) {
    fail(decoded.error());
    return;
  }
  IdentifyMessage& message = *decoded;
  if (messages_read_ == 0) {
    merged_ = std::move(message);
  } else {
    std::set<std::string> known(merged_.protocols.begin(), merged_.protocols.end());
    std::vector<std::string> new_protocols;
    for (std::string& protocol : message.protocols) {
      if (known.insert(protocol).second) new_protocols.push_back(std::move(protocol));
    }
    if (merged_.listen_addrs.size() + message.listen_addrs.size() > kMaxIdentifyListenAddrs ||
        merged_.protocols.size() + new_protocols.size() > kMaxIdentifyProtocols) {
      fail(make_error(Errc::kLimitExceeded, "identify: merged messages exceed the list bounds"));
      return;
    }
    if (message.protocol_version) merged_.protocol_version = std::move(message.protocol_version);
    if (message.agent_version) merged_.agent_version = std::move(message.agent_version);
    if (message.public_key) merged_.public_key = std::move(message.public_key);
    if (message.observed_addr) merged_.observed_addr = std::move(message.observed_addr);
    if (message.signed_peer_record) merged_.signed_peer_record = std::move(message.signed_peer_record);
    for (Bytes& address : message.listen_addrs) merged_.listen_addrs.push_back(std::move(address));
    for (std::string& protocol : new_protocols) merged_.protocols.push_back(std::move(protocol));
  }
  ++messages_read_;
  if (messages_read_ == kMaxIdentifyMessages) complete();
}

void IdentifyReader::fail(Error error) {
  if (messages_read_ > 0) {
    // A bad later message ends the reading; what was merged so far stands (see header).
    tail_dropped_ = true;
    complete();
    return;
  }
  state_ = State::kFailed;
  error_ = std::move(error);
  prefix_.clear();
  body_.clear();
  body_size_.reset();
}

Result<IdentifyResult> validate_identify(const IdentifyMessage& message, const PeerId& remote_peer,
                                         IdentifyKind kind) {
  IdentifyResult result(remote_peer);
  result.protocol_version = message.protocol_version;
  result.agent_version = message.agent_version;
  result.had_signed_peer_record = message.signed_peer_record.has_value();
  if (message.public_key) {
    Result<PeerId> key_peer = PeerId::from_encoded_public_key(*message.public_key);
    if (!key_peer.ok())
      return make_error(Errc::kInvalidInput, "identify: publicKey: " + key_peer.error().message);
    if (*key_peer != remote_peer) {
      return make_error(Errc::kInvalidInput, "identify: publicKey belongs to " + key_peer->to_base58() +
                                                 ", but the connection is with " + remote_peer.to_base58());
    }
    result.public_key = *message.public_key;
  } else if (kind == IdentifyKind::kIdentify) {
    return make_error(Errc::kInvalidInput,
                      "identify: publicKey missing (it is mandatory in an identify answer)");
  }

  for (const Bytes& encoded : message.listen_addrs) {
    Result<Multiaddr> address = Multiaddr::from_bytes(encoded);
    if (address.ok()) {
      result.listen_addrs.push_back(std::move(address).value());
    } else {
      ++result.skipped_listen_addrs;
    }
  }
  if (message.observed_addr) {
    Result<Multiaddr> observed = Multiaddr::from_bytes(*message.observed_addr);
    if (observed.ok()) {
      result.observed_addr = std::move(observed).value();
    } else {
      result.observed_addr_invalid = true;
    }
  }
  std::set<std::string_view> seen;
  for (const std::string& protocol : message.protocols) {
    if (seen.insert(protocol).second) result.protocols.push_back(protocol);
  }
  return result;
}

}  // namespace ff::net
