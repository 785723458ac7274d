// Every verdict the code can give is documented in the man page.

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "whyno/model/verdict.hpp"

TEST_SUITE_BEGIN("docs_man_page");

TEST_CASE("every verdict code has an entry under VERDICTS") {
  std::ifstream in(WHYNO_MAN_SOURCE);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  const std::string page = text.str();
  const auto start = page.find("# VERDICTS");
  const auto end = page.find("\n# ", start + 1);
  REQUIRE(start != std::string::npos);
  const std::string section = page.substr(start, end - start);
  for (const whyno::Verdict v : whyno::all_verdicts()) {
    const std::string entry = "\n*" + std::string(whyno::code(v)) + "*\n";
    INFO("verdict: " << whyno::code(v));
    CHECK(section.find(entry) != std::string::npos);
  }
}

TEST_SUITE_END();
