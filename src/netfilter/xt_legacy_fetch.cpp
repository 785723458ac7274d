#include "xt_legacy_fetch.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "whyno/sys/fd.hpp"

namespace whyno::netfilter {

namespace {

constexpr int k_max_get_attempts = 5;  // the table may grow between the two calls

struct FamilyCalls {
  nf::Family family;
  const char* names_file;
  const char* tool;
  int domain;
  int level;
  int get_info;
  int get_entries;
};

constexpr FamilyCalls k_ipv4{nf::Family::ip,    "/proc/thread-self/net/ip_tables_names",
                             "iptables-legacy", AF_INET,
                             IPPROTO_IP,        IPT_SO_GET_INFO,
                             IPT_SO_GET_ENTRIES};
constexpr FamilyCalls k_ipv6{nf::Family::ip6,    "/proc/thread-self/net/ip6_tables_names",
                             "ip6tables-legacy", AF_INET6,
                             IPPROTO_IPV6,       IP6T_SO_GET_INFO,
                             IP6T_SO_GET_ENTRIES};

std::vector<std::string> table_names(const char* path) {
  std::vector<std::string> names;
  std::ifstream in(path);  // missing: ip_tables is not loaded, so no tables
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) {
      names.push_back(line);
    }
  }
  return names;
}

std::string reason(int error_number) {
  if (error_number == EPERM || error_number == EACCES) {
    return "permission denied (needs CAP_NET_RAW and CAP_NET_ADMIN)";
  }
  return std::strerror(error_number);
}

/// GetInfo/GetEntries: ipt_getinfo/ipt_get_entries or the ip6t_ twins,
/// which have the same layout.
template <typename GetInfo, typename GetEntries>
std::optional<std::string> read_table(const sys::Fd& fd, const FamilyCalls& calls, LegacyTableDump& out) {
  for (int attempt = 0; attempt < k_max_get_attempts; ++attempt) {
    GetInfo info{};
    std::strncpy(info.name, out.table.c_str(), sizeof info.name - 1);
    socklen_t len = sizeof info;
    if (getsockopt(fd.get(), calls.level, calls.get_info, &info, &len) != 0) {
      return reason(errno);
    }
    // The header is written field by field: GetEntries ends in a
    // zero-length array, which C++ does not have, so no object of it is made.
    std::vector<std::byte> entries(sizeof(GetEntries) + info.size);
    constexpr std::size_t name_size = sizeof(GetEntries::name);
    std::memcpy(entries.data() + offsetof(GetEntries, name), out.table.c_str(),
                std::min(out.table.size(), name_size - 1));
    const decltype(info.size) size = info.size;
    std::memcpy(entries.data() + offsetof(GetEntries, size), &size, sizeof size);
    len = static_cast<socklen_t>(entries.size());
    if (getsockopt(fd.get(), calls.level, calls.get_entries, entries.data(), &len) != 0) {
      if (errno == EAGAIN) {
        continue;  // the table changed size between the two calls
      }
      return reason(errno);
    }
    out.info.resize(sizeof info);
    std::memcpy(out.info.data(), &info, sizeof info);
    out.entries = std::move(entries);
    return std::nullopt;
  }
  return "the table kept changing while being read";
}

void fetch_family(const FamilyCalls& calls, LegacyDump& out) {
  const std::vector<std::string> names = table_names(calls.names_file);
  if (names.empty()) {
    return;
  }
  sys::Fd fd(socket(calls.domain, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW));
  const int socket_errno = errno;
  for (const std::string& name : names) {
    const std::string source = fmt::format("{} table {}", calls.tool, name);
    if (!fd) {
      out.unread.push_back({source, reason(socket_errno)});
      continue;
    }
    LegacyTableDump table;
    table.family = calls.family;
    table.table = name;
    const auto problem = calls.family == nf::Family::ip6
                             ? read_table<ip6t_getinfo, ip6t_get_entries>(fd, calls, table)
                             : read_table<ipt_getinfo, ipt_get_entries>(fd, calls, table);
    if (problem) {
      out.unread.push_back({source, *problem});
      continue;
    }
    out.tables.push_back(std::move(table));
  }
}

}  // namespace

LegacyDump fetch_legacy_tables() {
  LegacyDump out;
  fetch_family(k_ipv4, out);
  fetch_family(k_ipv6, out);
  return out;
}

}  // namespace whyno::netfilter
