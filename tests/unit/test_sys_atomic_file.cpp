// sys::write_file_atomically: --save-facts and --metrics in a directory
// others may write in.

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "whyno/sys/atomic_file.hpp"

namespace {

std::string text_of(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Dir {
  std::string path;
  Dir() {
    char pattern[] = "/tmp/whyno-atomic-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    path = pattern;
  }
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  ~Dir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

}  // namespace

TEST_CASE("atomic file: written with its mode, replaced whole, nothing left beside it") {
  const Dir d;
  const std::string file = d.path + "/facts.json";
  REQUIRE(whyno::sys::write_file_atomically(file, "one", 0600));
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(whyno::sys::write_file_atomically(file, "two", 0644));
  CHECK(text_of(file) == "two");
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
  CHECK(std::system(("test $(ls -A '" + d.path + "' | wc -l) -eq 1").c_str()) == 0);
}

TEST_CASE("atomic file: a symlink at the path is refused, and its target untouched") {
  const Dir d;
  const std::string target = d.path + "/precious";
  std::ofstream(target) << "keep";
  const std::string link = d.path + "/x.json";
  REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
  const auto written = whyno::sys::write_file_atomically(link, "facts", 0600);
  REQUIRE_FALSE(written);
  CHECK(written.error().message.find("is a symbolic link") != std::string::npos);
  CHECK(text_of(target) == "keep");
}

TEST_CASE("atomic file: a directory or another user's file is not replaced") {
  const Dir d;
  REQUIRE(::mkdir((d.path + "/sub").c_str(), 0700) == 0);
  CHECK_FALSE(whyno::sys::write_file_atomically(d.path + "/sub", "x", 0600));
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root to make a file of another uid");
    return;
  }
  const std::string theirs = d.path + "/theirs.json";
  std::ofstream(theirs) << "theirs";
  REQUIRE(::chown(theirs.c_str(), 61234, 61234) == 0);
  const auto written = whyno::sys::write_file_atomically(theirs, "facts", 0600);
  REQUIRE_FALSE(written);
  CHECK(written.error().message.find("belongs to uid 61234") != std::string::npos);
  CHECK(text_of(theirs) == "theirs");
}
