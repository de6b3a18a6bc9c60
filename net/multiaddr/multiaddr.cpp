#include "net/multiaddr/multiaddr.hpp"

#include <algorithm>
#include <utility>

#include "core/codec/base58.hpp"
#include "core/codec/hex.hpp"
#include "core/codec/multibase.hpp"
#include "core/codec/varint.hpp"
#include "net/multiaddr/ip_address.hpp"

namespace ff::net {
namespace {

using codec::hex_number;

using Kind = MultiaddrValueKind;

// Values we quote in error messages are cut here, so a hostile 2 KiB value does not end
// up whole in a log line.
constexpr std::size_t kMaxQuotedValueChars = 80;

std::string quoted(std::string_view text) {
  if (text.size() <= kMaxQuotedValueChars) return std::string(text);
  return std::string(text.substr(0, kMaxQuotedValueChars)) + "...";
}

bool is_length_prefixed(Kind kind) {
  return kind == Kind::kName || kind == Kind::kPeerId || kind == Kind::kCerthash;
}

// Size of a fixed-size value; only meaningful when !is_length_prefixed(kind).
std::size_t fixed_value_bytes(Kind kind) {
  switch (kind) {
    case Kind::kNone: return 0;
    case Kind::kIp4: return kIpv4AddressBytes;
    case Kind::kIp6: return kIpv6AddressBytes;
    case Kind::kPort: return 2;
    case Kind::kCidrMask: return 1;
    case Kind::kName:
    case Kind::kPeerId:
    case Kind::kCerthash: break;
  }
  return 0;
}

// A multihash as the certhash component carries it: uvarint code, uvarint digest length,
// exactly that many digest bytes (multiformats/multihash). We do not restrict the hash
// function: the transport that uses the certhash decides which ones it can check.
Status check_multihash(ByteView bytes) {
  Result<codec::VarintDecoded> code = codec::get_varint(bytes);
  if (!code.ok()) return make_error(code.error().code, "multihash code: " + code.error().message);
  ByteView rest = bytes.subspan(code->length);
  Result<codec::VarintDecoded> length = codec::get_varint(rest);
  if (!length.ok()) return make_error(length.error().code, "multihash length: " + length.error().message);
  rest = rest.subspan(length->length);
  if (length->value != rest.size()) {
    return make_error(Errc::kInvalidInput, "multihash announces " + std::to_string(length->value) +
                                               " digest bytes but " + std::to_string(rest.size()) +
                                               " follow");
  }
  return {};
}

// Checks a binary value whose size already fits the protocol's layout.
Status check_value(const MultiaddrProtocol& protocol, ByteView value) {
  switch (protocol.value_kind) {
    case Kind::kNone:
    case Kind::kIp4:
    case Kind::kIp6:
    case Kind::kPort:
    case Kind::kCidrMask: return {};
    case Kind::kName: {
      if (value.empty()) return make_error(Errc::kInvalidInput, "empty value");
      if (value.size() > kMaxMultiaddrNameBytes) {
        return make_error(Errc::kInvalidInput,
                          "value longer than " + std::to_string(kMaxMultiaddrNameBytes) + " bytes");
      }
      for (std::uint8_t byte : value) {
        // A '/' could not be written in the text form.
        if (byte == '/') return make_error(Errc::kInvalidInput, "value contains '/'");
      }
      return {};
    }
    case Kind::kPeerId: {
      Result<PeerId> id = PeerId::from_bytes(value);
      if (!id.ok()) return make_error(Errc::kInvalidInput, id.error().message);
      return {};
    }
    case Kind::kCerthash: {
      Status status = check_multihash(value);
      if (!status.ok())
        return make_error(Errc::kInvalidInput, "invalid certhash (" + status.error().message + ")");
      return {};
    }
  }
  return make_error(Errc::kInvalidInput, "unknown value kind");
}

Result<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max, const char* what) {
  if (text.empty() || text.size() > 5) {
    return make_error(Errc::kInvalidInput, std::string("invalid ") + what + " (expected a decimal number)");
  }
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return make_error(Errc::kInvalidInput, std::string("invalid ") + what + " (expected a decimal number)");
    }
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > max) {
    return make_error(Errc::kInvalidInput, std::string("invalid ") + what + " (" + std::to_string(value) +
                                               " is above " + std::to_string(max) + ")");
  }
  return value;
}

// The binary value for a text value; the result is not yet checked by check_value.
Result<Bytes> parse_value_text(const MultiaddrProtocol& protocol, std::string_view text) {
  switch (protocol.value_kind) {
    case Kind::kNone: return Bytes{};
    case Kind::kIp4: {
      FF_TRY_ASSIGN(Ipv4Address address, parse_ipv4(text));
      return Bytes(address.begin(), address.end());
    }
    case Kind::kIp6: {
      FF_TRY_ASSIGN(Ipv6Address address, parse_ipv6(text));
      return Bytes(address.begin(), address.end());
    }
    case Kind::kPort: {
      FF_TRY_ASSIGN(std::uint64_t port, parse_decimal(text, 65535, "port"));
      return Bytes{static_cast<std::uint8_t>(port >> 8), static_cast<std::uint8_t>(port & 0xff)};
    }
    case Kind::kCidrMask: {
      FF_TRY_ASSIGN(std::uint64_t mask, parse_decimal(text, 255, "CIDR mask"));
      return Bytes{static_cast<std::uint8_t>(mask)};
    }
    case Kind::kName: return to_bytes(text);
    case Kind::kPeerId: {
      Result<PeerId> id = PeerId::parse(text);
      if (!id.ok()) return id.error();
      return id->bytes();
    }
    case Kind::kCerthash: {
      Result<codec::MultibaseDecoded> decoded = codec::multibase_decode(text);
      if (!decoded.ok()) {
        return make_error(decoded.error().code,
                          "invalid certhash multibase (" + decoded.error().message + ")");
      }
      return std::move(decoded->data);
    }
  }
  return make_error(Errc::kInvalidInput, "unknown value kind");
}

void append_component(Bytes& out, const MultiaddrProtocol& protocol, ByteView value) {
  codec::put_varint(out, protocol.code);
  if (is_length_prefixed(protocol.value_kind)) codec::put_varint(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

std::vector<std::string_view> split_slashes(std::string_view text) {
  std::vector<std::string_view> pieces;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find('/', start);
    if (end == std::string_view::npos) {
      pieces.push_back(text.substr(start));
      return pieces;
    }
    pieces.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

}  // namespace

std::string MultiaddrComponent::value_text() const {
  switch (protocol_->value_kind) {
    case Kind::kNone: return {};
    case Kind::kIp4: {
      Ipv4Address address{};
      std::copy(value_.begin(), value_.end(), address.begin());
      return format_ipv4(address);
    }
    case Kind::kIp6: {
      Ipv6Address address{};
      std::copy(value_.begin(), value_.end(), address.begin());
      return format_ipv6(address);
    }
    case Kind::kPort: return std::to_string((static_cast<unsigned>(value_[0]) << 8) | value_[1]);
    case Kind::kCidrMask: return std::to_string(value_[0]);
    case Kind::kName: return std::string(as_chars(value_));
    case Kind::kPeerId:
      // The multihash in base58btc, the form every implementation prints.
      return codec::base58_encode(value_);
    case Kind::kCerthash:
      // base64url, the multibase the WebTransport and WebRTC specs write certhashes in.
      return codec::multibase_encode(codec::Multibase::kBase64Url, value_);
  }
  return {};
}

std::string MultiaddrComponent::to_string() const {
  std::string text = "/";
  text += protocol_->name;
  if (protocol_->value_kind != Kind::kNone) {
    text += '/';
    text += value_text();
  }
  return text;
}

Multiaddr Multiaddr::from_components(std::vector<MultiaddrComponent> components) {
  Multiaddr address;
  for (const MultiaddrComponent& component : components) {
    append_component(address.bytes_, component.protocol(), component.value());
  }
  address.components_ = std::move(components);
  return address;
}

Result<Multiaddr> Multiaddr::parse(std::string_view text) {
  if (text.size() > kMaxMultiaddrTextChars) {
    return make_error(Errc::kLimitExceeded, "multiaddr: text longer than " +
                                                std::to_string(kMaxMultiaddrTextChars) + " characters");
  }
  if (text.empty()) return make_error(Errc::kInvalidInput, "multiaddr: empty address");
  if (text[0] != '/')
    return make_error(Errc::kInvalidInput, "multiaddr: \"" + quoted(text) + "\" must begin with '/'");
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  if (text.empty()) return make_error(Errc::kInvalidInput, "multiaddr: empty address");

  const std::vector<std::string_view> pieces = split_slashes(text.substr(1));
  std::vector<MultiaddrComponent> components;
  std::size_t total_bytes = 0;
  for (std::size_t i = 0; i < pieces.size();) {
    const std::string_view name = pieces[i];
    const MultiaddrProtocol* protocol = find_multiaddr_protocol(name);
    if (protocol == nullptr) {
      if (name.empty()) return make_error(Errc::kInvalidInput, "multiaddr: empty component (\"//\")");
      return make_error(Errc::kInvalidInput, "multiaddr: unknown protocol \"" + quoted(name) + "\"");
    }
    if (components.size() == kMaxMultiaddrComponents) {
      return make_error(Errc::kLimitExceeded,
                        "multiaddr: more than " + std::to_string(kMaxMultiaddrComponents) + " components");
    }
    Bytes value;
    if (protocol->value_kind == Kind::kNone) {
      i += 1;
    } else {
      if (i + 1 == pieces.size()) {
        return make_error(Errc::kInvalidInput,
                          "multiaddr: /" + std::string(protocol->name) + ": missing value");
      }
      const std::string_view value_text = pieces[i + 1];
      const std::string where = "multiaddr: /" + std::string(name) + "/" + quoted(value_text) + ": ";
      if (value_text.empty()) return make_error(Errc::kInvalidInput, where + "empty value");
      Result<Bytes> parsed = parse_value_text(*protocol, value_text);
      if (!parsed.ok()) return make_error(parsed.error().code, where + parsed.error().message);
      Status valid = check_value(*protocol, *parsed);
      if (!valid.ok()) return make_error(valid.error().code, where + valid.error().message);
      value = std::move(parsed).value();
      i += 2;
    }
    total_bytes += codec::varint_size(protocol->code) + value.size() +
                   (is_length_prefixed(protocol->value_kind) ? codec::varint_size(value.size()) : 0);
    if (total_bytes > kMaxMultiaddrBytes) {
      return make_error(Errc::kLimitExceeded, "multiaddr: binary form longer than " +
                                                  std::to_string(kMaxMultiaddrBytes) + " bytes");
    }
    components.push_back(MultiaddrComponent(*protocol, std::move(value)));
  }
  return from_components(std::move(components));
}

Result<Multiaddr> Multiaddr::from_bytes(ByteView bytes) {
  if (bytes.empty()) return make_error(Errc::kInvalidInput, "multiaddr: empty address");
  if (bytes.size() > kMaxMultiaddrBytes) {
    return make_error(Errc::kLimitExceeded, "multiaddr: " + std::to_string(bytes.size()) +
                                                " bytes, more than " + std::to_string(kMaxMultiaddrBytes));
  }
  std::vector<MultiaddrComponent> components;
  std::size_t offset = 0;
  while (offset < bytes.size()) {
    const std::string at = "multiaddr: byte " + std::to_string(offset) + ": ";
    if (components.size() == kMaxMultiaddrComponents) {
      return make_error(Errc::kLimitExceeded,
                        at + "more than " + std::to_string(kMaxMultiaddrComponents) + " components");
    }
    ByteView rest = bytes.subspan(offset);
    Result<codec::VarintDecoded> code = codec::get_varint(rest);
    if (!code.ok()) return make_error(code.error().code, at + "protocol code: " + code.error().message);
    const MultiaddrProtocol* protocol = find_multiaddr_protocol(code->value);
    if (protocol == nullptr) {
      return make_error(Errc::kInvalidInput, at + "unknown protocol code " + hex_number(code->value));
    }
    const std::string where = at + "/" + std::string(protocol->name) + ": ";
    rest = rest.subspan(code->length);
    std::size_t header_bytes = code->length;
    std::size_t value_bytes = 0;
    if (is_length_prefixed(protocol->value_kind)) {
      Result<codec::VarintDecoded> length = codec::get_varint(rest);
      if (!length.ok())
        return make_error(length.error().code, where + "value length: " + length.error().message);
      if (length->value == 0) return make_error(Errc::kInvalidInput, where + "empty value");
      rest = rest.subspan(length->length);
      header_bytes += length->length;
      if (length->value > rest.size()) {
        return make_error(Errc::kTruncated, where + "value announces " + std::to_string(length->value) +
                                                " bytes but " + std::to_string(rest.size()) + " remain");
      }
      value_bytes = static_cast<std::size_t>(length->value);
    } else {
      value_bytes = fixed_value_bytes(protocol->value_kind);
      if (value_bytes > rest.size()) {
        return make_error(Errc::kTruncated, where + "value needs " + std::to_string(value_bytes) +
                                                " bytes but " + std::to_string(rest.size()) + " remain");
      }
    }
    const ByteView value = rest.first(value_bytes);
    Status valid = check_value(*protocol, value);
    if (!valid.ok()) return make_error(valid.error().code, where + valid.error().message);
    components.push_back(MultiaddrComponent(*protocol, Bytes(value.begin(), value.end())));
    offset += header_bytes + value_bytes;
  }
  Multiaddr address;
  address.bytes_.assign(bytes.begin(), bytes.end());
  address.components_ = std::move(components);
  return address;
}

Result<Multiaddr> Multiaddr::from_tcp_endpoint(const TcpEndpoint& endpoint) {
  using HostKind = TcpEndpoint::HostKind;
  Bytes bytes;
  switch (endpoint.host_kind) {
    case HostKind::kIp4: {
      Result<Ipv4Address> address = parse_ipv4(endpoint.host);
      if (!address.ok())
        return make_error(Errc::kInvalidInput, "multiaddr: host: " + address.error().message);
      append_component(bytes, *find_multiaddr_protocol(multiaddr_code::kIp4), *address);
      break;
    }
    case HostKind::kIp6: {
      Result<Ipv6Address> address = parse_ipv6(endpoint.host);
      if (!address.ok())
        return make_error(Errc::kInvalidInput, "multiaddr: host: " + address.error().message);
      append_component(bytes, *find_multiaddr_protocol(multiaddr_code::kIp6), *address);
      break;
    }
    case HostKind::kDns:
    case HostKind::kDns4:
    case HostKind::kDns6: {
      const std::uint64_t code = endpoint.host_kind == HostKind::kDns    ? multiaddr_code::kDns
                                 : endpoint.host_kind == HostKind::kDns4 ? multiaddr_code::kDns4
                                                                         : multiaddr_code::kDns6;
      const MultiaddrProtocol& protocol = *find_multiaddr_protocol(code);
      Status valid = check_value(protocol, as_bytes(endpoint.host));
      if (!valid.ok()) return make_error(Errc::kInvalidInput, "multiaddr: host: " + valid.error().message);
      append_component(bytes, protocol, as_bytes(endpoint.host));
      break;
    }
  }
  const std::uint8_t port[2] = {static_cast<std::uint8_t>(endpoint.port >> 8),
                                static_cast<std::uint8_t>(endpoint.port & 0xff)};
  append_component(bytes, *find_multiaddr_protocol(multiaddr_code::kTcp), port);
  if (endpoint.is_ws) {
    append_component(
        bytes, *find_multiaddr_protocol(endpoint.is_secure ? multiaddr_code::kWss : multiaddr_code::kWs), {});
  } else if (endpoint.is_secure) {
    return make_error(Errc::kInvalidInput,
                      "multiaddr: is_secure without is_ws (TLS over raw TCP is not a transport)");
  }
  if (endpoint.peer_id)
    append_component(bytes, *find_multiaddr_protocol(multiaddr_code::kP2p), endpoint.peer_id->bytes());
  return from_bytes(bytes);
}

std::string Multiaddr::to_string() const {
  if (components_.empty()) return "/";
  std::string text;
  for (const MultiaddrComponent& component : components_) text += component.to_string();
  return text;
}

Result<Multiaddr> Multiaddr::encapsulate(const Multiaddr& inner) const {
  if (components_.size() + inner.components_.size() > kMaxMultiaddrComponents) {
    return make_error(Errc::kLimitExceeded, "multiaddr: encapsulating gives more than " +
                                                std::to_string(kMaxMultiaddrComponents) + " components");
  }
  if (bytes_.size() + inner.bytes_.size() > kMaxMultiaddrBytes) {
    return make_error(Errc::kLimitExceeded, "multiaddr: encapsulating gives more than " +
                                                std::to_string(kMaxMultiaddrBytes) + " bytes");
  }
  std::vector<MultiaddrComponent> components = components_;
  components.insert(components.end(), inner.components_.begin(), inner.components_.end());
  return from_components(std::move(components));
}

Multiaddr Multiaddr::decapsulate(const Multiaddr& suffix) const {
  const std::size_t count = suffix.components_.size();
  if (count == 0 || count > components_.size()) return *this;
  for (std::size_t start = components_.size() - count + 1; start-- > 0;) {
    bool match = true;
    for (std::size_t i = 0; i < count && match; ++i) match = components_[start + i] == suffix.components_[i];
    if (match) {
      return from_components(
          std::vector<MultiaddrComponent>(components_.begin(), components_.begin() + start));
    }
  }
  return *this;
}

Multiaddr Multiaddr::decapsulate_code(std::uint64_t code) const {
  for (std::size_t index = components_.size(); index-- > 0;) {
    if (components_[index].code() == code) {
      return from_components(
          std::vector<MultiaddrComponent>(components_.begin(), components_.begin() + index));
    }
  }
  return *this;
}

bool Multiaddr::has_protocol(std::uint64_t code) const {
  for (const MultiaddrComponent& component : components_) {
    if (component.code() == code) return true;
  }
  return false;
}

std::optional<PeerId> Multiaddr::peer_id() const {
  for (std::size_t index = components_.size(); index-- > 0;) {
    const MultiaddrComponent& component = components_[index];
    if (component.code() == multiaddr_code::kP2pCircuit) return std::nullopt;
    if (component.code() == multiaddr_code::kP2p) {
      // Validated when the address was built, so this cannot fail.
      Result<PeerId> id = PeerId::from_bytes(component.value());
      if (!id.ok()) return std::nullopt;
      return std::move(id).value();
    }
  }
  return std::nullopt;
}

Result<TcpEndpoint> Multiaddr::to_tcp_endpoint() const {
  using HostKind = TcpEndpoint::HostKind;
  auto unsupported = [this](std::size_t index, const char* expected) -> Error {
    const std::string found = index < components_.size() ? components_[index].to_string() : "the end";
    return make_error(Errc::kUnsupported, "multiaddr: " + quoted(to_string()) + ": found " + quoted(found) +
                                              ", expected " + expected +
                                              " (a TCP address is <ip4|ip6|dns|dns4|dns6>/tcp/<port>"
                                              "[/ws|/wss|/tls/ws][/p2p/<id>])");
  };

  TcpEndpoint endpoint;
  std::size_t index = 0;
  if (components_.empty()) return unsupported(0, "a host");
  const MultiaddrComponent& host = components_[0];
  switch (host.code()) {
    case multiaddr_code::kIp4: endpoint.host_kind = HostKind::kIp4; break;
    case multiaddr_code::kIp6: endpoint.host_kind = HostKind::kIp6; break;
    case multiaddr_code::kDns: endpoint.host_kind = HostKind::kDns; break;
    case multiaddr_code::kDns4: endpoint.host_kind = HostKind::kDns4; break;
    case multiaddr_code::kDns6: endpoint.host_kind = HostKind::kDns6; break;
    default:
      return unsupported(0, "ip4, ip6, dns, dns4 or dns6 (resolve dnsaddr through its TXT records first)");
  }
  endpoint.host = host.value_text();
  index = 1;
  if (index == components_.size() || components_[index].code() != multiaddr_code::kTcp) {
    return unsupported(index, "/tcp/<port>");
  }
  const Bytes& port = components_[index].value();
  endpoint.port = static_cast<std::uint16_t>((port[0] << 8) | port[1]);
  ++index;
  if (index < components_.size()) {
    const std::uint64_t code = components_[index].code();
    if (code == multiaddr_code::kWs) {
      endpoint.is_ws = true;
      ++index;
    } else if (code == multiaddr_code::kWss) {
      endpoint.is_ws = true;
      endpoint.is_secure = true;
      ++index;
    } else if (code == multiaddr_code::kTls) {
      if (index + 1 == components_.size() || components_[index + 1].code() != multiaddr_code::kWs) {
        return unsupported(index + 1, "/ws after /tls");
      }
      endpoint.is_ws = true;
      endpoint.is_secure = true;
      index += 2;
    }
  }
  if (index < components_.size() && components_[index].code() == multiaddr_code::kP2p) {
    endpoint.peer_id = peer_id();
    ++index;
  }
  if (index != components_.size()) return unsupported(index, "/ws, /wss, /tls/ws, /p2p or the end");
  return endpoint;
}

}  // namespace ff::net
