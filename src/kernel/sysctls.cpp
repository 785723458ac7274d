#include "sysctls.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>

#include "whyno/kernel/netns_reader.hpp"
#include "whyno/sys/fd.hpp"

namespace whyno::kernel {

namespace {

std::string_view trim(std::string_view text) {
  constexpr std::string_view space = " \t\n";
  const auto first = text.find_first_not_of(space);
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(space) - first + 1);
}

std::optional<std::string> read_file(const std::string& path) {
  sys::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return std::nullopt;
  }
  char buffer[64];
  const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
  if (n < 0) {
    return std::nullopt;
  }
  return std::string(buffer, static_cast<std::size_t>(n));
}

std::optional<bool> read_bool(const std::string& path) {
  const auto text = read_file(path);
  return text ? parse_sysctl_bool(*text) : std::nullopt;
}

// Interface names come from the kernel, which already forbids '/', but the
// names may also come from a snapshot or the engine.
bool safe_component(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

}  // namespace

std::optional<bool> parse_sysctl_bool(std::string_view text) {
  const auto value = parse_sysctl_int(text);
  if (!value || (*value != 0 && *value != 1)) {
    return std::nullopt;
  }
  return *value == 1;
}

std::optional<int> parse_sysctl_int(std::string_view text) {
  text = trim(text);
  int value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return value;
}

Sysctls read_sysctls_at(const std::string& proc_sys_root, std::span<const std::string> interface_names) {
  Sysctls s;
  const std::string net = proc_sys_root + "/net/";
  s.ipv4_forward = read_bool(net + "ipv4/ip_forward");
  s.ipv6_forward = read_bool(net + "ipv6/conf/all/forwarding");
  for (const auto& name : interface_names) {
    if (!safe_component(name)) {
      continue;
    }
    const std::string dir = net + "ipv4/conf/" + name + "/";
    if (const auto forwarding = read_bool(dir + "forwarding")) {
      s.ipv4_iface_forward[name] = *forwarding;
    }
    if (const auto localnet = read_bool(dir + "route_localnet")) {
      s.route_localnet[name] = *localnet;
    }
  }
  // The kernel reads conf.all's route_localnet or the interface's (IN_DEV_ORCONF).
  if (const auto localnet = read_bool(net + "ipv4/conf/all/route_localnet")) {
    s.route_localnet["all"] = *localnet;
  }
  s.bridge_nf_call_iptables = read_bool(net + "bridge/bridge-nf-call-iptables");
  s.bridge_nf_call_ip6tables = read_bool(net + "bridge/bridge-nf-call-ip6tables");
  if (const auto text = read_file(net + "core/somaxconn")) {
    s.somaxconn = parse_sysctl_int(*text);
  }
  if (const auto text = read_file(net + "ipv4/ip_unprivileged_port_start")) {
    s.unprivileged_port_start = parse_sysctl_int(*text);
  }
  return s;
}

Sysctls read_sysctls(std::span<const std::string> interface_names) {
  return read_sysctls_at("/proc/sys", interface_names);
}

}  // namespace whyno::kernel
