// DiscoveryHost over this machine: getenv, small file reads, stat(2).

#include <sys/stat.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>

#include "whyno/engine/discovery.hpp"
#include "whyno/sys/owned_file.hpp"

namespace whyno::engine {

namespace {

constexpr std::size_t k_max_file_bytes = 1 << 20;  // a docker config is a few hundred bytes

class LiveDiscoveryHost final : public DiscoveryHost {
 public:
  std::optional<std::string> env(const std::string& name) const override {
    const char* value = std::getenv(name.c_str());
    return value == nullptr ? std::nullopt : std::optional<std::string>(value);
  }

  // The docker CLI's files of whoever runs whyno-port: root reads only
  // root's, so a HOME or DOCKER_CONFIG left pointing at a user's tree
  // cannot hand root a FIFO or a symlink to follow.
  std::optional<std::string> read_file(const std::string& path) const override {
    auto text =
        sys::read_owned_file(path, sys::FileOwner{static_cast<unsigned>(::geteuid())}, k_max_file_bytes);
    return text ? std::optional<std::string>(std::move(*text)) : std::nullopt;
  }

  std::optional<SocketFile> socket_at(const std::string& path) const override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
      return std::nullopt;
    }
    return SocketFile{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                      static_cast<unsigned>(st.st_uid)};
  }

  std::vector<unsigned> runtime_dir_uids() const override {
    std::vector<unsigned> uids;
    std::error_code error;
    for (std::filesystem::directory_iterator it("/run/user", error), end; !error && it != end;
         it.increment(error)) {
      const std::string name = it->path().filename().string();
      unsigned uid = 0;
      const auto [last, ec] = std::from_chars(name.data(), name.data() + name.size(), uid);
      if (!name.empty() && ec == std::errc{} && last == name.data() + name.size()) {
        uids.push_back(uid);
      }
    }
    std::sort(uids.begin(), uids.end());
    return uids;
  }

  bool is_root() const override { return ::geteuid() == 0; }

  unsigned uid() const override { return ::geteuid(); }

  std::optional<std::string> home_of(unsigned uid) const override {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr ||
        found->pw_dir == nullptr || found->pw_dir[0] != '/') {
      return std::nullopt;
    }
    return std::string(found->pw_dir);
  }

  bool exists(const std::string& path) const override {
    std::error_code error;
    return std::filesystem::exists(path, error);
  }
};

}  // namespace

std::unique_ptr<DiscoveryHost> live_discovery_host() { return std::make_unique<LiveDiscoveryHost>(); }

}  // namespace whyno::engine
