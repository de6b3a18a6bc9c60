// Byte containers shared by every core module.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ff {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view text) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

inline std::string_view as_chars(ByteView bytes) {
  return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

inline Bytes to_bytes(std::string_view text) {
  ByteView view = as_bytes(text);
  return Bytes(view.begin(), view.end());
}

}  // namespace ff
