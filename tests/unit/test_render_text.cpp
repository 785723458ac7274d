#include <doctest/doctest.h>

#include <sstream>

#include <fmt/format.h>

#include "whyno/render/text.hpp"

using namespace whyno;

namespace {

/// The lines of the path: after the title and its blank line, up to the
/// next blank line.
std::vector<std::string> path_lines(const Diagnosis& d, std::size_t width) {
  std::ostringstream text;
  render::TextStyle style;
  style.width = width;
  render::render_text(text, Query{}, d, style);
  std::istringstream in(text.str());
  std::string line;
  std::getline(in, line);  // title
  std::getline(in, line);  // blank
  std::vector<std::string> out;
  while (std::getline(in, line) && !line.empty()) {
    out.push_back(line);
  }
  return out;
}

std::size_t columns(const std::string& s) {
  std::size_t n = 0;
  for (const char c : s) {
    n += (static_cast<unsigned char>(c) & 0xc0) != 0x80 ? 1 : 0;
  }
  return n;
}

}  // namespace

TEST_SUITE_BEGIN("render_text");

TEST_CASE("the path line breaks before an arrow to fit the terminal, and not without one") {
  Diagnosis d;
  d.verdict = Verdict::bound_to_loopback;
  for (int i = 0; i < 8; ++i) {
    d.path.push_back({fmt::format("hop number {}", i), HopState::ok, ""});
  }
  d.path.back().state = HopState::failed;
  const auto whole = path_lines(d, 0);
  REQUIRE(whole.size() == 1);
  CHECK(columns(whole[0]) > 100);
  const auto narrow = path_lines(d, 40);
  REQUIRE(narrow.size() == 4);
  CHECK(narrow[0] == "  hop number 0 → hop number 1");
  CHECK(narrow[1] == "    → hop number 2 → hop number 3");
  std::string joined;
  for (const std::string& line : narrow) {
    CHECK(columns(line) <= 40);
    joined += line;
  }
  CHECK(narrow.back().ends_with("✗ hop number 7"));
  // The same hops, only broken into lines.
  std::string unbroken = whole[0];
  std::erase(unbroken, ' ');
  std::erase(joined, ' ');
  CHECK(joined == unbroken);
}
