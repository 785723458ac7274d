#include "whyno/sys/capabilities.hpp"

#include <cstdint>
#include <fstream>
#include <string>

namespace whyno::sys {

namespace {

struct Required {
  unsigned bit;
  const char* name;
};

// setns(2) into another network namespace needs CAP_SYS_ADMIN; dumping
// nftables and iptables needs CAP_NET_ADMIN; reading other users'
// /proc/PID/fd and ns/net needs CAP_SYS_PTRACE.
constexpr Required k_required[] = {
    {21, "CAP_SYS_ADMIN"},
    {12, "CAP_NET_ADMIN"},
    {19, "CAP_SYS_PTRACE"},
};

std::uint64_t effective_capabilities() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("CapEff:")) {
      return std::stoull(line.substr(7), nullptr, 16);
    }
  }
  return 0;
}

}  // namespace

std::vector<std::string> missing_capabilities() {
  const std::uint64_t effective = effective_capabilities();
  std::vector<std::string> missing;
  for (const auto& r : k_required) {
    if ((effective & (std::uint64_t{1} << r.bit)) == 0) {
      missing.emplace_back(r.name);
    }
  }
  return missing;
}

}  // namespace whyno::sys
