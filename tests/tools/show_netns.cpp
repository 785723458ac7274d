// Live check of the netns collector, run by hand as root:
//
//   show_netns                         the host namespace, plus sysctls
//   show_netns /run/netns/ns-scratch   another namespace, entered the way the
//                                      tool does it (a setns'd thread)
//
// Prints interfaces, routes and listeners with their owners, and how long
// each step took.

#include <time.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "whyno/kernel/netns_reader.hpp"
#include "whyno/sys/netns.hpp"

using namespace whyno;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// CPU time tells the scan's own cost apart from waiting on a busy machine.
double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

void print(const NetnsFacts& ns) {
  fmt::print("netns inode {}\n", ns.inode);
  for (const auto& i : ns.interfaces) {
    fmt::print("  if {} {} kind={} master={} up={} mtu={}\n", i.index, i.name, i.kind, i.master_index, i.up,
               i.mtu);
    for (const auto& a : i.addresses) {
      fmt::print("      {}/{}\n", a.address.to_string(), a.prefix_len);
    }
  }
  for (const auto& r : ns.routes) {
    fmt::print("  route {} dev {} via {} type {} table {}\n", r.destination.to_string(), r.output_index,
               r.has_gateway ? r.gateway.to_string() : "-", r.type, r.table);
  }
  for (const auto& l : ns.listeners) {
    std::string owners;
    for (const auto& p : l.owners) {
      owners += fmt::format(" [{} {} \"{}\"]", p.pid, p.comm, p.cmdline);
    }
    fmt::print("  {} {}:{} v6only={} if={} queue={}/{} inode={}{}\n", to_string(l.protocol),
               l.address.to_string_for_port(), l.port, l.v6only, l.bound_ifindex, l.accept_queue, l.backlog,
               l.inode, owners);
  }
  for (const auto& u : ns.unread) {
    fmt::print("  UNREAD {}: {}\n", u.source, u.reason);
  }
}

}  // namespace

int main(int argc, char** argv) {
  NetnsFacts ns;
  auto start = Clock::now();
  if (argc > 1) {
    auto handle = sys::open_netns(argv[1]);
    if (!handle) {
      std::fprintf(stderr, "%s\n", handle.error().message.c_str());
      return 1;
    }
    const auto entered =
        sys::run_in_netns(*handle, [&] { ns = kernel::read_netns(ListenerScope::everything()); });
    if (!entered) {
      std::fprintf(stderr, "%s\n", entered.error().message.c_str());
      return 1;
    }
  } else {
    ns = kernel::read_netns(ListenerScope::everything());
  }
  const double read_ms = ms_since(start);

  start = Clock::now();
  const double cpu_start = cpu_ms();
  NetnsFacts* namespaces[] = {&ns};
  kernel::attach_socket_owners(namespaces);
  const double owners_ms = ms_since(start);
  const double owners_cpu_ms = cpu_ms() - cpu_start;

  start = Clock::now();
  std::vector<std::string> names;
  for (const auto& i : ns.interfaces) {
    names.push_back(i.name);
  }
  const Sysctls s = kernel::read_sysctls(names);
  const double sysctl_ms = ms_since(start);

  print(ns);
  auto show = [](const auto& v) { return v ? fmt::format("{}", *v) : std::string("unset"); };
  fmt::print(
      "sysctls (this process's namespace): ip_forward={} ipv6_forward={} "
      "bridge-nf-call-iptables={} -ip6tables={} somaxconn={}\n",
      show(s.ipv4_forward), show(s.ipv6_forward), show(s.bridge_nf_call_iptables),
      show(s.bridge_nf_call_ip6tables), show(s.somaxconn));
  for (const auto& [name, on] : s.ipv4_iface_forward) {
    fmt::print("  {}: forwarding={} route_localnet={}\n", name, on,
               s.route_localnet.contains(name) ? fmt::format("{}", s.route_localnet.at(name)) : "unset");
  }
  fmt::print(
      "timing: read_netns {:.2f} ms, attach_socket_owners {:.2f} ms ({:.2f} ms CPU), "
      "read_sysctls {:.2f} ms\n",
      read_ms, owners_ms, owners_cpu_ms, sysctl_ms);
  return 0;
}
