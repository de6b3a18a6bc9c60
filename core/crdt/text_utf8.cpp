#include "core/crdt/text_utf8.hpp"

#include <cstdint>

namespace ff::crdt {
namespace {

// Decodes one code point starting at text[i] (a non-ASCII lead byte); returns its length in
// bytes, or 0 when the sequence is malformed.
std::size_t decode_multibyte(std::string_view text, std::size_t i, char32_t& code_point) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  const std::uint8_t lead = byte(i);
  std::size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    value = lead & 0x1F;
    minimum = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    value = lead & 0x0F;
    minimum = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    value = lead & 0x07;
    minimum = 0x10000;
  } else {
    return 0;  // a continuation byte, an overlong 2-byte lead (C0, C1) or beyond U+10FFFF
  }
  if (text.size() - i < length) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const std::uint8_t continuation = byte(i + k);
    if ((continuation & 0xC0) != 0x80) return 0;
    value = (value << 6) | (continuation & 0x3F);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  code_point = value;
  return length;
}

}  // namespace

Status utf8_decode_append(std::string_view text, std::vector<char32_t>& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<std::uint8_t>(text[i]);
    if (lead < 0x80) {
      out.push_back(lead);
      ++i;
      continue;
    }
    char32_t code_point = 0;
    const std::size_t length = decode_multibyte(text, i, code_point);
    if (length == 0) {
      return make_error(Errc::kInvalidInput, "text: invalid UTF-8 at byte " + std::to_string(i));
    }
    out.push_back(code_point);
    i += length;
  }
  return {};
}

Result<std::size_t> utf8_count(std::string_view text) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (static_cast<std::uint8_t>(text[i]) < 0x80) {
      ++i;
    } else {
      char32_t ignored = 0;
      const std::size_t length = decode_multibyte(text, i, ignored);
      if (length == 0) {
        return make_error(Errc::kInvalidInput, "text: invalid UTF-8 at byte " + std::to_string(i));
      }
      i += length;
    }
    ++count;
  }
  return count;
}

void utf8_encode_append(const char32_t* code_points, std::size_t count, std::string& out) {
  for (std::size_t k = 0; k < count; ++k) {
    const char32_t c = code_points[k];
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
}

}  // namespace ff::crdt
