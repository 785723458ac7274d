#pragma once
// What the text renderers share: column widths and the colours and marks of
// a TextStyle.

#include <algorithm>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "whyno/model/diagnosis.hpp"
#include "whyno/render/text.hpp"

namespace whyno::render {

/// Columns a UTF-8 string takes: one per code point (no wide characters are
/// printed by whyno-port itself; untrusted text went through printable()).
inline std::size_t display_width(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

inline std::string pad(std::string s, std::size_t width) {
  const std::size_t w = display_width(s);
  if (w < width) {
    s.append(width - w, ' ');
  }
  return s;
}

class Painter {
 public:
  explicit Painter(const TextStyle& style) : m_style(style) {}

  std::string red(std::string_view s) const { return paint("31;1", s); }
  std::string green(std::string_view s) const { return paint("32;1", s); }
  std::string yellow(std::string_view s) const { return paint("33", s); }
  std::string bold(std::string_view s) const { return paint("1", s); }
  std::string dim(std::string_view s) const { return paint("2", s); }

  bool unicode() const { return m_style.unicode; }
  std::string arrow() const { return m_style.unicode ? " → " : " -> "; }
  std::string mark(HopState s) const {
    switch (s) {
      case HopState::ok:
        return green(m_style.unicode ? "✓" : "ok");
      case HopState::failed:
        return red(m_style.unicode ? "✗" : "x");
      case HopState::unknown:
        break;
    }
    return yellow("?");
  }

 private:
  std::string paint(std::string_view code, std::string_view s) const {
    return m_style.color ? fmt::format("\033[{}m{}\033[0m", code, s) : std::string(s);
  }
  const TextStyle& m_style;
};

}  // namespace whyno::render
