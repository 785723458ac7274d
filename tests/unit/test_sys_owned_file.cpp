// sys::read_owned_file and friends: each refusal, on a real filesystem.
// Cases that need another uid (a user's tree as root sees it) run only as
// root, which can chown; as anyone else they say they were skipped.

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

#include "whyno/sys/owned_file.hpp"

namespace {

using whyno::Error;
using whyno::sys::FileOwner;
using whyno::sys::list_owned_directory;
using whyno::sys::open_owned_path;
using whyno::sys::read_owned_file;

// A uid no account has: the "user" of the root-only cases.
constexpr unsigned k_user = 61234;

unsigned me() { return static_cast<unsigned>(::geteuid()); }

/// A directory of the test's own under /tmp (sticky, so any owner may
/// live in it), removed with everything in it at the end.
class Scratch {
 public:
  Scratch() {
    char pattern[] = "/tmp/whyno-owned-file-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    m_dir = pattern;
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { std::system(("rm -rf '" + m_dir + "'").c_str()); }

  std::string path(const std::string& name) const { return m_dir + "/" + name; }

  std::string file(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
    return path(name);
  }

 private:
  std::string m_dir;
};

bool says(const whyno::Result<std::string>& r, const std::string& words) {
  return !r && r.error().message.find(words) != std::string::npos;
}

}  // namespace

TEST_CASE("owned file: the owner's regular file is read whole") {
  const Scratch s;
  const auto read = read_owned_file(s.file("hosts", "127.0.0.1 localhost\n"), FileOwner{me()}, 1024);
  REQUIRE_MESSAGE(read, read.error().message);
  CHECK(*read == "127.0.0.1 localhost\n");
}

TEST_CASE("owned file: a FIFO is refused at once, never opened for reading") {
  const Scratch s;
  REQUIRE(::mkfifo(s.path("pidfile").c_str(), 0600) == 0);
  const auto started = std::chrono::steady_clock::now();
  const auto read = read_owned_file(s.path("pidfile"), FileOwner{me()}, 1024);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(1));
  CHECK(says(read, "is not read: it is a FIFO"));
}

TEST_CASE("owned file: a device is refused, never opened") {
  const auto read = read_owned_file("/dev/null", FileOwner{0}, 1024);
  CHECK(says(read, "/dev/null is not read: it is a character device"));
}

TEST_CASE("owned file: larger than allowed, by its size or as it grows") {
  const Scratch s;
  const auto read = read_owned_file(s.file("big", std::string(100, 'x')), FileOwner{me()}, 10);
  CHECK(says(read, "holds 100 bytes, more than the 10 allowed"));
  // /proc files say size 0 and then hold more: the read itself is capped.
  const auto grown = read_owned_file("/proc/self/status", FileOwner{me()}, 16);
  CHECK(says(grown, "grew past the 16 bytes allowed"));
}

TEST_CASE("owned file: another owner's file is refused") {
  const Scratch s;
  const unsigned other = me() == 0 ? k_user : 0;
  const auto read = read_owned_file(s.file("shadow", "secret"), FileOwner{other}, 1024);
  CHECK(says(read, "is not read: it belongs to"));
  CHECK(read.error().kind == Error::Kind::permission_denied);
  CHECK(read.error().message.find("secret") == std::string::npos);
}

TEST_CASE("owned file: paths that climb or are not absolute are refused") {
  CHECK(says(read_owned_file("/tmp/../etc/passwd", FileOwner{0}, 1 << 20), "it holds '..'"));
  CHECK(says(read_owned_file("etc/passwd", FileOwner{0}, 1 << 20), "is not an absolute path"));
  CHECK(says(read_owned_file("/", FileOwner{0}, 1 << 20), "names no file"));
  const auto missing = read_owned_file("/nonexistent-whyno/x", FileOwner{0}, 1);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == Error::Kind::not_found);
}

TEST_CASE("owned file: a symlink not made by root in root's directories is not followed") {
  const Scratch s;
  const std::string target = s.file("real", "x");
  REQUIRE(::symlink(target.c_str(), s.path("link").c_str()) == 0);
  if (me() != 0) {
    // Our own symlink: a user's, never followed.
    CHECK(says(read_owned_file(s.path("link"), FileOwner{me()}, 1024), "is a symbolic link uid"));
    return;
  }
  // Root's own link in root's tree is followed (as /var/run -> /run).
  const auto followed = read_owned_file(s.path("link"), FileOwner{0}, 1024);
  REQUIRE_MESSAGE(followed, followed.error().message);
  CHECK(*followed == "x");
  // A user's link to root's file, in the user's tree: refused.
  REQUIRE(::mkdir(s.path("home").c_str(), 0755) == 0);
  REQUIRE(::symlink("/etc/shadow", s.path("home/hosts").c_str()) == 0);
  REQUIRE(::lchown(s.path("home/hosts").c_str(), k_user, k_user) == 0);
  REQUIRE(::chown(s.path("home").c_str(), k_user, k_user) == 0);
  const auto planted = read_owned_file(s.path("home/hosts"), FileOwner{k_user}, 1 << 20);
  CHECK(says(planted, "is a symbolic link uid 61234 made"));
  // Even root's own link, once inside the user's tree.
  REQUIRE(::symlink(target.c_str(), s.path("home/rootlink").c_str()) == 0);
  CHECK(says(read_owned_file(s.path("home/rootlink"), FileOwner{k_user}, 1024),
             "is a symbolic link root made"));
}

TEST_CASE("owned file: a user's tree holds only the user's directories and files") {
  if (me() != 0) {
    MESSAGE("skipped: needs root to hand a tree to another uid");
    return;
  }
  const Scratch s;
  REQUIRE(::mkdir(s.path("home").c_str(), 0755) == 0);
  REQUIRE(::mkdir(s.path("home/rootdir").c_str(), 0755) == 0);
  const std::string file = s.file("home/rootdir/config.json", "{}");
  REQUIRE(::chown(s.path("home").c_str(), k_user, k_user) == 0);
  REQUIRE(::chown(file.c_str(), k_user, k_user) == 0);
  // root's directory inside the user's: a transition the user arranged.
  CHECK(says(read_owned_file(file, FileOwner{k_user}, 1024),
             "rootdir belongs to root inside a tree uid 61234 owns"));
  // The user's file in root's directory, for a user's engine: fine.
  const std::string users = s.file("users-file", "ok");
  REQUIRE(::chown(users.c_str(), k_user, k_user) == 0);
  const auto read = read_owned_file(users, FileOwner{k_user}, 1024);
  REQUIRE_MESSAGE(read, read.error().message);
  CHECK(*read == "ok");
  // A user's directory on root's path: refused for root's files.
  CHECK(says(read_owned_file(s.path("home/x"), FileOwner{0}, 1024),
             "the directory home belongs to uid 61234, not to root"));
}

TEST_CASE("owned file: a directory anybody may write in is not trusted unless sticky") {
  const Scratch s;
  REQUIRE(::mkdir(s.path("open").c_str(), 0777) == 0);
  REQUIRE(::chmod(s.path("open").c_str(), 0777) == 0);  // past the umask
  const std::string file = s.file("open/f", "x");
  CHECK(says(read_owned_file(file, FileOwner{me()}, 1024), "others may write in the directory open"));
}

TEST_CASE("owned directory: listed, within a cap") {
  const Scratch s;
  s.file("a.json", "{}");
  s.file("b.json", "{}");
  s.file("c.json", "{}");
  const auto names = list_owned_directory(s.path(""), FileOwner{me()}, 10);
  REQUIRE_MESSAGE(names, names.error().message);
  CHECK(names->size() == 3);
  const auto capped = list_owned_directory(s.path(""), FileOwner{me()}, 2);
  REQUIRE_FALSE(capped);
  CHECK(capped.error().message.find("more than 2 entries") != std::string::npos);
  CHECK_FALSE(list_owned_directory(s.path("a.json"), FileOwner{me()}, 10));
}

TEST_CASE("owned path: an O_PATH handle of the owner's file") {
  const Scratch s;
  const auto fd = open_owned_path(s.file("bolt_state.db", "x"), FileOwner{me()});
  REQUIRE_MESSAGE(fd, fd.error().message);
  CHECK(fd->get() >= 0);
}
