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

TEST_CASE("the hop table fits the terminal: a detail too long goes under its label, broken at spaces") {
  Diagnosis d;
  d.verdict = Verdict::reachable;
  d.summary = "It works.";
  d.path = {
      {"host :18080", HopState::ok, "rootlessport (pid 8838) listens on *:18080"},
      {"rootlessport (uid 1001) → 10.0.2.100:3000 (container `rweb`)", HopState::ok,
       "slirp4netns, inside the container's namespace, which is where rootlessport's child dials from"}};
  for (const std::size_t width : {std::size_t{80}, std::size_t{60}}) {
    std::ostringstream text;
    render::TextStyle style;
    style.width = width;
    render::render_text(text, Query{}, d, style);
    std::istringstream in(text.str());
    bool seen_detail = false;
    for (std::string line; std::getline(in, line);) {
      if (line.find("rootlessport (uid 1001)") != std::string::npos && line.find("✓") != std::string::npos) {
        CHECK(columns(line) <=
              std::max<std::size_t>(width, 4 + d.path[1].label.size()));  // a label is never cut
      }
      if (line.starts_with("      ") && line.find("slirp4netns") != std::string::npos) {
        seen_detail = true;
      }
      if (line.find("slirp4netns") != std::string::npos ||
          line.find("where rootlessport") != std::string::npos) {
        CHECK(columns(line) <= width);
      }
    }
    CHECK(seen_detail);
  }
  // No limit (a pipe, --color never without a terminal): one row per hop.
  std::ostringstream text;
  render::render_text(text, Query{}, d, render::TextStyle{});
  CHECK(text.str().find("(container `rweb`)  slirp4netns") != std::string::npos);
}
