#include "whyno/util/printable.hpp"

#include <cstdint>

#include <fmt/format.h>

namespace whyno {

namespace {

struct CodePoint {
  std::uint32_t value = 0;
  std::size_t length = 0;  // 0: not valid UTF-8 at this position
};

/// The code point of the valid UTF-8 sequence at s[i] (ASCII included).
CodePoint decode(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b = byte(i);
  if (b < 0x80) {
    return {b, 1};
  }
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (b >= 0xc2 && b <= 0xdf) {
    n = 2;
    cp = b & 0x1fu;
  } else if (b >= 0xe0 && b <= 0xef) {
    n = 3;
    cp = b & 0x0fu;
  } else if (b >= 0xf0 && b <= 0xf4) {
    n = 4;
    cp = b & 0x07u;
  } else {
    return {};
  }
  if (i + n > s.size()) {
    return {};
  }
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) {
      return {};
    }
    cp = (cp << 6) | (byte(i + k) & 0x3fu);
  }
  const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  const bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
  if (overlong || surrogate || cp > 0x10ffff) {
    return {};
  }
  return {cp, n};
}

/// Code points that move the cursor, change colours or reorder what a
/// terminal shows: C0, DEL, C1 (U+009B alone is a CSI), and the invisible
/// format and bidi controls that make text read other than it is.
bool drives_display(std::uint32_t cp) {
  return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x180e ||
         (cp >= 0x200b && cp <= 0x200f) || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const CodePoint cp = decode(text, i);
    if (cp.length == 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i]));
      ++i;
      continue;
    }
    if (!drives_display(cp.value)) {
      out.append(text.substr(i, cp.length));
    } else if (cp.value < 0x80) {
      out += fmt::format("\\x{:02x}", cp.value);
    } else if (cp.value <= 0x9f) {
      // C1 as the bytes that carry it, as for invalid UTF-8.
      for (std::size_t k = 0; k < cp.length; ++k) {
        out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i + k]));
      }
    } else {
      out += fmt::format("\\u{{{:04x}}}", cp.value);
    }
    i += cp.length;
  }
  return out;
}

std::string excerpt(std::string_view text, std::size_t max_chars) {
  std::string shown = printable(text);
  // Count code points, not bytes, and never cut one in half.
  std::size_t chars = 0;
  for (std::size_t i = 0; i < shown.size(); ++i) {
    if ((static_cast<unsigned char>(shown[i]) & 0xc0) == 0x80) {
      continue;
    }
    if (chars == max_chars) {
      shown.resize(i);
      shown += "…";
      return shown;
    }
    ++chars;
  }
  return shown;
}

std::string escape_display_controls_in_json(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  std::size_t i = 0;
  while (i < json.size()) {
    const CodePoint cp = decode(json, i);
    if (cp.length == 0) {
      out += "\\ufffd";  // cannot happen after a dump that replaces invalid UTF-8
      ++i;
      continue;
    }
    // Below 0x20 the dumper escaped already; those bytes are structure here.
    if (cp.value >= 0x7f && drives_display(cp.value)) {
      out += fmt::format("\\u{:04x}", cp.value);
    } else {
      out.append(json.substr(i, cp.length));
    }
    i += cp.length;
  }
  return out;
}

}  // namespace whyno
