#include "docker_proxy.hpp"

#include "whyno/model/listeners.hpp"

#include <charconv>
#include <string>
#include <vector>

namespace whyno {

namespace {

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') {
      ++i;
    }
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ') {
      ++i;
    }
    if (i > start) {
      words.push_back(s.substr(start, i - start));
    }
  }
  return words;
}

std::optional<std::uint16_t> parse_port(std::string_view s) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

bool is_docker_proxy(const ProcessRef& p, unsigned owner) {
  if (!runs_as(p, owner)) {
    return false;  // docker-proxy runs as the engine's owner: root, or rootless Docker's user
  }
  if (!p.exe.empty()) {
    return runs_system_program(p, "docker-proxy");
  }
  // A snapshot that predates exe: its comm or command line.
  return p.comm == "docker-proxy" || p.cmdline.find("docker-proxy ") != std::string::npos;
}

std::optional<ProxyForward> parse_docker_proxy(std::string_view cmdline) {
  const auto words = split_words(cmdline);
  ProxyForward f;
  bool have_container_ip = false;
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    std::string_view flag = words[i];
    const std::string_view value = words[i + 1];
    if (flag.starts_with("--")) {
      flag.remove_prefix(1);  // Go's flag package takes -x and --x alike
    }
    if (flag == "-proto") {
      const auto p = parse_protocol(value);
      if (!p) {
        return std::nullopt;  // sctp: not ours to diagnose
      }
      f.protocol = *p;
    } else if (flag == "-host-ip") {
      f.host_ip = IpAddress::parse(value);
    } else if (flag == "-host-port") {
      f.host_port = parse_port(value).value_or(0);
    } else if (flag == "-container-ip") {
      if (const auto ip = IpAddress::parse(value)) {
        f.container_ip = *ip;
        have_container_ip = true;
      }
    } else if (flag == "-container-port") {
      f.container_port = parse_port(value).value_or(0);
    }
  }
  if (!have_container_ip || f.container_port == 0) {
    return std::nullopt;
  }
  return f;
}

std::optional<ProxyForward> proxy_forward(const Listener& l, unsigned owner_uid) {
  for (const auto& owner : l.owners) {
    if (is_docker_proxy(owner, owner_uid)) {
      if (auto f = parse_docker_proxy(owner.cmdline)) {
        return f;
      }
    }
  }
  return std::nullopt;
}

}  // namespace whyno
