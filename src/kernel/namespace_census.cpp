#include "namespace_census.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "whyno/sys/fd.hpp"

namespace whyno::kernel {

namespace {

struct CensusDirClose {
  void operator()(DIR* d) const noexcept { closedir(d); }
};

/// The nsfs inode of "net:[4026532281]", the target of /proc/PID/ns/net.
std::uint64_t inode_of_link(std::string_view target) {
  constexpr std::string_view k_prefix = "net:[";
  if (!target.starts_with(k_prefix) || !target.ends_with(']')) {
    return 0;
  }
  std::uint64_t inode = 0;
  const auto digits = target.substr(k_prefix.size(), target.size() - k_prefix.size() - 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), inode);
  return ec == std::errc() && end == digits.data() + digits.size() ? inode : 0;
}

std::string read_text(int dir, const std::string& path, std::size_t limit) {
  const sys::Fd fd(::openat(dir, path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd) {
    return {};
  }
  std::string text(limit, '\0');
  const ssize_t n = ::read(fd.get(), text.data(), limit);
  text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return text;
}

/// A 64-hex id after `marker` in `text`, or "".
std::string hex_id_after(std::string_view text, std::string_view marker, std::size_t length = 64) {
  for (auto at = text.find(marker); at != std::string_view::npos; at = text.find(marker, at + 1)) {
    const std::string_view id = text.substr(at + marker.size()).substr(0, length);
    if (id.size() == length && id.find_first_not_of("0123456789abcdef") == std::string_view::npos) {
      return std::string(id);
    }
  }
  return {};
}

/// The path component after `marker` ("lxc.payload.c1/" -> "c1").
std::string component_after(std::string_view text, std::string_view marker) {
  const auto at = text.find(marker);
  if (at == std::string_view::npos) {
    return {};
  }
  std::string_view rest = text.substr(at + marker.size());
  rest = rest.substr(0, rest.find_first_of("/\n"));
  return std::string(rest.substr(0, 80));
}

/// "default/web" from the kubelet's "default_web_<uid>" for the pod `uid`;
/// empty when none is there. Namespace and pod names hold no "_".
std::string pod_from_log_dirs(const std::vector<std::string>& dirs, std::string_view uid) {
  for (const std::string& d : dirs) {
    const auto first = d.find('_');
    const auto last = d.rfind('_');
    if (first == std::string::npos || first == last || std::string_view(d).substr(last + 1) != uid) {
      continue;
    }
    return fmt::format("{}/{}", std::string_view(d).substr(0, first),
                       std::string_view(d).substr(first + 1, last - first - 1));
  }
  return {};
}

/// The entries of the kubelet's pod log directory, at most k_max_pods.
std::vector<std::string> list_pod_log_dirs(const std::string& root) {
  constexpr std::size_t k_max_pods = 4096;
  std::vector<std::string> out;
  std::unique_ptr<DIR, CensusDirClose> d(::opendir(root.c_str()));
  while (d && out.size() < k_max_pods) {
    const dirent* e = ::readdir(d.get());
    if (e == nullptr) {
      break;
    }
    if (e->d_name[0] != '.' && std::strlen(e->d_name) <= 253 + 63 + 37 + 2) {
      out.emplace_back(e->d_name);
    }
  }
  return out;
}

}  // namespace

std::string containerd_id_of_cgroup(std::string_view cgroup) {
  for (const std::string_view marker : {"cri-containerd-", "/containerd/", "/k8s.io/"}) {
    if (std::string id = hex_id_after(cgroup, marker); !id.empty()) {
      return id;
    }
  }
  return {};
}

std::string namespace_label(std::string_view cgroup, int pid, std::string_view comm,
                            const std::vector<std::string>& pod_log_dirs) {
  // The v2 line, or the systemd one on v1: the path the process's unit is.
  if (const auto pods = cgroup.find("kubepods"); pods != std::string_view::npos) {
    // ".../kubepods-besteffort-pod5f1c_..._slice" (systemd) or ".../pod5f1c-.../" (cgroupfs)
    for (auto at = cgroup.find("pod", pods + 8); at != std::string_view::npos;
         at = cgroup.find("pod", at + 3)) {
      std::string uid(cgroup.substr(at + 3, 36));
      std::replace(uid.begin(), uid.end(), '_', '-');
      if (uid.size() == 36 && uid.find_first_not_of("0123456789abcdef-") == std::string::npos) {
        if (std::string named = pod_from_log_dirs(pod_log_dirs, uid); !named.empty()) {
          return fmt::format("pod {} (Kubernetes)", named);
        }
        return fmt::format("pod {} (Kubernetes)", uid);
      }
    }
  }
  for (const std::string_view marker : {"cri-containerd-", "crio-", "/containerd/", "/k8s.io/"}) {
    if (std::string id = hex_id_after(cgroup, marker); !id.empty()) {
      return fmt::format("{} {}", marker == "crio-" ? "CRI-O container" : "containerd container",
                         id.substr(0, 12));
    }
  }
  if (std::string name = component_after(cgroup, "lxc.payload."); !name.empty()) {
    return fmt::format("LXC container {}", name);
  }
  if (std::string name = component_after(cgroup, "/lxc/"); !name.empty()) {
    return fmt::format("LXC container {}", name);
  }
  if (std::string name = component_after(cgroup, "machine-qemu"); !name.empty()) {
    return fmt::format("libvirt machine {}", name.substr(0, name.rfind(".scope")));
  }
  for (auto at = cgroup.rfind('/'); at != std::string_view::npos && at > 0; at = cgroup.rfind('/', at - 1)) {
    std::string_view unit = cgroup.substr(at + 1);
    unit = unit.substr(0, unit.find('\n'));
    if (unit.ends_with(".service") || unit.ends_with(".scope")) {
      if (!unit.starts_with("session-") && !unit.starts_with("user@")) {
        return fmt::format("systemd unit {}", unit.substr(0, 80));
      }
    }
    break;  // only the process's own (innermost) cgroup names it
  }
  return fmt::format("process {} ({})", pid, comm.substr(0, 64));
}

std::vector<NamespaceCandidate> list_network_namespaces(const std::string& proc_root,
                                                        const std::vector<std::string>& named_dirs,
                                                        const std::string& pod_logs) {
  const std::vector<std::string> pod_log_dirs = list_pod_log_dirs(pod_logs);
  std::vector<NamespaceCandidate> found;
  std::set<std::uint64_t> seen;
  // Named namespaces by inode: a root process found in one names its container.
  std::map<std::uint64_t, std::size_t> named;
  struct stat own {};
  if (::stat(fmt::format("{}/self/ns/net", proc_root).c_str(), &own) == 0) {
    seen.insert(static_cast<std::uint64_t>(own.st_ino));  // the host's
  }
  for (const std::string& dir : named_dirs) {
    std::unique_ptr<DIR, CensusDirClose> d(::opendir(dir.c_str()));
    if (!d) {
      continue;
    }
    while (const dirent* e = ::readdir(d.get())) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") {
        continue;
      }
      struct stat st {};
      const std::string path = fmt::format("{}/{}", dir, name);
      // A bind mount of an nsfs file; an ordinary file someone left there is no namespace.
      if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != 0 ||
          !seen.insert(static_cast<std::uint64_t>(st.st_ino)).second) {
        continue;
      }
      named.emplace(static_cast<std::uint64_t>(st.st_ino), found.size());
      found.push_back({path, static_cast<std::uint64_t>(st.st_ino), 0, 0, name, {}});
    }
  }
  const sys::Fd proc(::open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  std::unique_ptr<DIR, CensusDirClose> d(proc ? ::opendir(proc_root.c_str()) : nullptr);
  if (!d) {
    return found;
  }
  std::vector<NamespaceCandidate> users;
  while (const dirent* e = ::readdir(d.get())) {
    int pid = 0;
    const std::string_view name = e->d_name;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec != std::errc() || end != name.data() + name.size() || pid <= 0) {
      continue;
    }
    std::array<char, 64> target{};
    const std::string link = fmt::format("{}/ns/net", pid);
    const ssize_t n = ::readlinkat(proc.get(), link.c_str(), target.data(), target.size() - 1);
    const std::uint64_t inode =
        n > 0 ? inode_of_link(std::string_view(target.data(), static_cast<std::size_t>(n))) : 0;
    if (inode == 0) {
      continue;
    }
    if (!seen.insert(inode).second) {
      // A named namespace (a CRI pod's /run/netns/cni-...) is named by the
      // containerd container of the first root process found in it.
      const auto it = named.find(inode);
      struct stat process {};
      if (it != named.end() && found[it->second].containerd_id.empty() &&
          ::fstatat(proc.get(), name.data(), &process, 0) == 0 && process.st_uid == 0) {
        found[it->second].containerd_id =
            containerd_id_of_cgroup(read_text(proc.get(), fmt::format("{}/cgroup", pid), 4096));
      }
      continue;
    }
    struct stat process {};
    if (::fstatat(proc.get(), name.data(), &process, 0) != 0) {
      continue;
    }
    std::string comm = read_text(proc.get(), fmt::format("{}/comm", pid), 64);
    while (!comm.empty() && comm.back() == '\n') {
      comm.pop_back();
    }
    const std::string cgroup = read_text(proc.get(), fmt::format("{}/cgroup", pid), 4096);
    NamespaceCandidate c{fmt::format("{}/{}", proc_root, link),
                         inode,
                         pid,
                         static_cast<unsigned>(process.st_uid),
                         namespace_label(cgroup, pid, comm, pod_log_dirs),
                         process.st_uid == 0 ? containerd_id_of_cgroup(cgroup) : std::string()};
    (c.uid == 0 ? found : users).push_back(std::move(c));
  }
  found.insert(found.end(), users.begin(), users.end());
  return found;
}

}  // namespace whyno::kernel
