// --help, the man page and README.md list the same options and exit
// statuses, and --help reads well on an 80-column terminal.

#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "cli/option_table.hpp"
#include "cli/options.hpp"

namespace {

std::string file_text(const char* path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// `text` from the line starting with `start` up to the next line starting with `next`.
std::string section(const std::string& text, const std::string& start, const std::string& next) {
  const auto from = text.find("\n" + start);
  REQUIRE_MESSAGE(from != std::string::npos, "no section " << start);
  const auto to = text.find("\n" + next, from + 1);
  return text.substr(from, to == std::string::npos ? std::string::npos : to - from);
}

std::set<std::string> long_options_in(const std::string& text, const std::string& pattern) {
  std::set<std::string> names;
  const std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
    names.insert((*it)[1].str());
  }
  return names;
}

std::set<std::string> table_options() {
  std::set<std::string> names;
  for (const whyno::cli::OptionSpec& o : whyno::cli::option_table()) {
    names.insert("--" + std::string(o.name));
  }
  return names;
}

}  // namespace

TEST_SUITE_BEGIN("docs_options");

TEST_CASE("--help fits 80 columns, has no trailing spaces and names every option") {
  const std::string help = whyno::cli::help_text();
  std::istringstream lines(help);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    INFO("line " << number << ": " << line);
    CHECK(line.size() <= 80);
    CHECK((line.empty() || line.back() != ' '));
  }
  for (const std::string& name : table_options()) {
    CHECK_MESSAGE(
        (help.find("  " + name) != std::string::npos || help.find(", " + name) != std::string::npos), name);
  }
  CHECK(help.find("-h, --help") != std::string::npos);
  CHECK(help.find("-V, --version") != std::string::npos);
  // Every limit is given (wrapped text read as one line).
  const std::string flat = std::regex_replace(help, std::regex("\n +"), " ");
  CHECK(flat.find("at most 60s") != std::string::npos);
  CHECK(flat.find("at most 64 MiB") != std::string::npos);
  CHECK(help.find("docker whyno") != std::string::npos);
  CHECK(help.find("[ --") == std::string::npos);  // Boost's "-h [ --help ]"
}

TEST_CASE("README.md, the man page and --help list the same options") {
  const std::set<std::string> expected = table_options();
  const std::string readme = file_text(WHYNO_README);
  const std::string readme_table = section(readme, "| option | |", "\n");
  CHECK(long_options_in(readme_table, R"(`(--[a-z-]+)[ `])") == expected);
  const std::string page = file_text(WHYNO_MAN_SOURCE);
  const std::string options = section(page, "# OPTIONS", "# ");
  // An entry is a line that starts with its names: "*-h*, *--help*".
  std::set<std::string> in_man;
  std::istringstream lines(options);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("*-")) {
      const std::set<std::string> names = long_options_in(line, R"(\*(--[a-z-]+)\*)");
      in_man.insert(names.begin(), names.end());
    }
  }
  CHECK(in_man == expected);
  // The synopsis names the forms --help's usage does.
  const std::string synopsis = section(page, "# SYNOPSIS", "# ");
  for (const char* form :
       {"*--from*", "*--pid*", "*--netns*", "*--all*", "*--metrics*", "*--replay*", "*docker whyno*"}) {
    CHECK_MESSAGE(synopsis.find(form) != std::string::npos, form);
  }
}

TEST_CASE("README.md, the man page and --help give the same exit statuses") {
  const std::string help = whyno::cli::help_text();
  const std::string readme = file_text(WHYNO_README);
  const std::string page = section(file_text(WHYNO_MAN_SOURCE), "# EXIT STATUS", "# ");
  const std::string readme_status = readme.substr(readme.find("Exit status:"), 700);
  const std::string help_status = help.substr(help.find("Exit status:"), 500);
  for (const std::string& words : {std::string("the path works"), std::string("usage error"),
                                   std::string("not running"), std::string("inconclusive")}) {
    CHECK_MESSAGE(help_status.find(words) != std::string::npos, "help: " << words);
  }
  for (const char* status : {"0", "1", "2", "3", "4"}) {
    CHECK(readme_status.find(std::string("`") + status + "`") != std::string::npos);
    CHECK(page.find(std::string("\n*") + status + "*\n") != std::string::npos);
    CHECK(help_status.find(std::string(status) + " ") != std::string::npos);
  }
  // --all's rule, said the same way in all three.
  const std::string rule = "if a published port is broken, else";
  CHECK(help_status.find(rule) != std::string::npos);
  CHECK(readme_status.find(rule) != std::string::npos);
  CHECK(page.find(rule) != std::string::npos);
}

TEST_SUITE_END();
