#include "whyno/sys/owned_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <deque>
#include <memory>
#include <string_view>

#include <fmt/format.h>

#include "whyno/util/printable.hpp"

namespace whyno::sys {

namespace {

// Linux's own limit on symlinks in one path (MAXSYMLINKS is 40).
constexpr int k_max_symlinks = 32;
// No path an engine writes has more; a longer one is somebody's game.
constexpr std::size_t k_max_components = 128;

std::string whose(unsigned uid) { return uid == 0 ? std::string("root") : fmt::format("uid {}", uid); }

std::deque<std::string> components_of(std::string_view path) {
  std::deque<std::string> out;
  while (!path.empty()) {
    const std::size_t slash = std::min(path.find('/'), path.size());
    const std::string_view part = path.substr(0, slash);
    if (!part.empty() && part != ".") {
      out.emplace_back(part);
    }
    path.remove_prefix(std::min(slash + 1, path.size()));
  }
  return out;
}

/// Where a path led: the directory holding its last component, that
/// component opened O_PATH (not followed), and what fstat(2) says of it.
struct Located {
  Fd parent;
  Fd leaf;
  std::string name;
  struct stat st {};
  bool in_user_tree = false;  // the path entered a directory the user owns
};

Result<Fd> open_root() {
  Fd fd(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    return std::unexpected(errno_error(errno, "cannot open /"));
  }
  return fd;
}

/// A directory may belong to root until the path enters the user's tree,
/// then only to the user; and not everybody may write in it (unless it is
/// sticky, as /tmp is): whoever can rename its entries decides where the
/// path leads.
Result<void> check_directory(const std::string& path, const std::string& name, const struct stat& st,
                             FileOwner owner, bool& in_user_tree) {
  const auto refuse = [&](const std::string& why) {
    return fail(Error::Kind::permission_denied, fmt::format("{} is not read: {}", shown_path(path), why));
  };
  const unsigned uid = static_cast<unsigned>(st.st_uid);
  if (uid == 0 && in_user_tree) {
    return refuse(
        fmt::format("{} belongs to root inside a tree {} owns", excerpt(name, 60), whose(owner.uid)));
  }
  if (uid != 0 && (owner.uid == 0 || uid != owner.uid)) {
    return refuse(fmt::format("the directory {} belongs to uid {}, not to {}", excerpt(name, 60), uid,
                              whose(owner.uid)));
  }
  // Group write is left alone: with user private groups it is the owner's.
  if ((st.st_mode & S_IWOTH) != 0 && (st.st_mode & S_ISVTX) == 0) {
    return refuse(fmt::format("others may write in the directory {}", excerpt(name, 60)));
  }
  if (uid != 0) {
    in_user_tree = true;
  }
  return {};
}

Result<std::string> link_target(int link_fd, const std::string& path) {
  std::array<char, 4096> buffer{};
  const ssize_t n = ::readlinkat(link_fd, "", buffer.data(), buffer.size());
  if (n < 0) {
    return std::unexpected(
        errno_error(errno, fmt::format("cannot read a symbolic link of {}", shown_path(path))));
  }
  if (static_cast<std::size_t>(n) >= buffer.size()) {
    return fail(Error::Kind::invalid,
                fmt::format("{} holds a symbolic link too long to follow", shown_path(path)));
  }
  return std::string(buffer.data(), static_cast<std::size_t>(n));
}

/// Walks `path` from "/" one component at a time (see the header).
Result<Located> locate(const std::string& path, FileOwner owner) {
  if (path.empty() || path.front() != '/') {
    return fail(Error::Kind::invalid, fmt::format("{} is not an absolute path", shown_path(path)));
  }
  std::deque<std::string> todo = components_of(path);
  if (todo.empty()) {
    return fail(Error::Kind::invalid, fmt::format("{} names no file", shown_path(path)));
  }
  WHYNO_TRY_ASSIGN(Fd dir, open_root());
  bool in_user_tree = false;
  int links = 0;
  std::size_t steps = 0;
  while (!todo.empty()) {
    if (++steps > k_max_components) {
      return fail(Error::Kind::invalid, fmt::format("{} is too deep to follow", shown_path(path)));
    }
    const std::string name = std::move(todo.front());
    todo.pop_front();
    if (name == "..") {
      // Engines write clean paths; a ".." would climb out of the owner's tree.
      return fail(Error::Kind::invalid, fmt::format("{} is not read: it holds '..'", shown_path(path)));
    }
    Fd next(::openat(dir.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!next) {
      return std::unexpected(errno_error(errno, fmt::format("cannot open {}", shown_path(path))));
    }
    struct stat st {};
    if (::fstat(next.get(), &st) != 0) {
      return std::unexpected(errno_error(errno, fmt::format("cannot open {}", shown_path(path))));
    }
    if (S_ISLNK(st.st_mode)) {
      // Only a link root made in root's directories is followed (/var/run).
      if (in_user_tree || st.st_uid != 0) {
        return fail(Error::Kind::permission_denied,
                    fmt::format("{} is not read: {} is a symbolic link {} made", shown_path(path),
                                excerpt(name, 60), whose(static_cast<unsigned>(st.st_uid))));
      }
      if (++links > k_max_symlinks) {
        return fail(Error::Kind::invalid, fmt::format("{} has too many symbolic links", shown_path(path)));
      }
      WHYNO_TRY_ASSIGN(const std::string target, link_target(next.get(), path));
      std::deque<std::string> more = components_of(target);
      todo.insert(todo.begin(), more.begin(), more.end());
      if (target.starts_with('/')) {
        WHYNO_TRY_ASSIGN(dir, open_root());
      }
      continue;
    }
    if (todo.empty()) {
      return Located{std::move(dir), std::move(next), name, st, in_user_tree};
    }
    if (!S_ISDIR(st.st_mode)) {
      return fail(Error::Kind::invalid,
                  fmt::format("{} is not read: {} is not a directory", shown_path(path), excerpt(name, 60)));
    }
    WHYNO_TRY(check_directory(path, name, st, owner, in_user_tree));
    dir = std::move(next);
  }
  return fail(Error::Kind::invalid, fmt::format("{} names no file", shown_path(path)));  // only links left
}

std::string_view kind_of(mode_t mode) {
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISSOCK(mode))
    return "a socket";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  if (S_ISDIR(mode))
    return "a directory";
  return "not a regular file";
}

}  // namespace

Result<std::string> read_owned_file(const std::string& path, FileOwner owner, std::size_t max_bytes) {
  WHYNO_TRY_ASSIGN(Located at, locate(path, owner));
  if (!S_ISREG(at.st.st_mode)) {
    // Never opened for reading: a FIFO would block, a device could act.
    return fail(Error::Kind::invalid,
                fmt::format("{} is not read: it is {}", shown_path(path), kind_of(at.st.st_mode)));
  }
  const unsigned uid = static_cast<unsigned>(at.st.st_uid);
  if (uid != owner.uid) {
    return fail(Error::Kind::permission_denied, fmt::format("{} is not read: it belongs to {}, not to {}",
                                                            shown_path(path), whose(uid), whose(owner.uid)));
  }
  if (static_cast<std::uint64_t>(at.st.st_size) > max_bytes) {
    return fail(Error::Kind::invalid,
                fmt::format("{} is not read: it holds {} bytes, more than the {} allowed", shown_path(path),
                            at.st.st_size, max_bytes));
  }
  Fd fd(
      ::openat(at.parent.get(), at.name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  struct stat opened {};
  if (!fd || ::fstat(fd.get(), &opened) != 0) {
    return std::unexpected(errno_error(errno, fmt::format("cannot read {}", shown_path(path))));
  }
  if (opened.st_dev != at.st.st_dev || opened.st_ino != at.st.st_ino) {
    return fail(Error::Kind::io,
                fmt::format("{} is not read: it was replaced while it was opened", shown_path(path)));
  }
  std::string text;
  std::array<char, 16384> buffer{};
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return std::unexpected(errno_error(errno, fmt::format("cannot read {}", shown_path(path))));
    }
    if (n == 0) {
      return text;
    }
    if (text.size() + static_cast<std::size_t>(n) > max_bytes) {
      return fail(Error::Kind::invalid, fmt::format("{} is not read: it grew past the {} bytes allowed",
                                                    shown_path(path), max_bytes));
    }
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
}

Result<std::vector<std::string>> list_owned_directory(const std::string& path, FileOwner owner,
                                                      std::size_t max_entries) {
  WHYNO_TRY_ASSIGN(Located at, locate(path, owner));
  if (!S_ISDIR(at.st.st_mode)) {
    return fail(Error::Kind::invalid,
                fmt::format("{} is not listed: it is {}", shown_path(path), kind_of(at.st.st_mode)));
  }
  bool in_user_tree = at.in_user_tree;
  WHYNO_TRY(check_directory(path, at.name, at.st, owner, in_user_tree));
  const int fd = ::openat(at.parent.get(), at.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return std::unexpected(errno_error(errno, fmt::format("cannot list {}", shown_path(path))));
  }
  const std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd), &::closedir);
  if (!dir) {
    const int error_number = errno;
    ::close(fd);
    return std::unexpected(errno_error(error_number, fmt::format("cannot list {}", shown_path(path))));
  }
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir.get())) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") {
      continue;
    }
    if (names.size() == max_entries) {
      return fail(Error::Kind::invalid, fmt::format("{} is not listed: it holds more than {} entries",
                                                    shown_path(path), max_entries));
    }
    names.emplace_back(name);
  }
  return names;
}

Result<Fd> open_owned_path(const std::string& path, FileOwner owner) {
  WHYNO_TRY_ASSIGN(Located at, locate(path, owner));
  if (S_ISDIR(at.st.st_mode)) {
    bool in_user_tree = at.in_user_tree;
    WHYNO_TRY(check_directory(path, at.name, at.st, owner, in_user_tree));
  } else if (static_cast<unsigned>(at.st.st_uid) != owner.uid) {
    return fail(Error::Kind::permission_denied,
                fmt::format("{} is not used: it belongs to {}, not to {}", shown_path(path),
                            whose(static_cast<unsigned>(at.st.st_uid)), whose(owner.uid)));
  }
  return std::move(at.leaf);
}

}  // namespace whyno::sys
