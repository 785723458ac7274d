// Records raw rtnetlink dumps (links, addresses, routes) of the calling
// process's network namespace into fixtures, and prints what the parsers make
// of them.
//
//   ip netns exec ns-scratch record_rtnl tests/fixtures/rtnl/scratch
//
// Writes links.bin, addrs.bin, routes.bin: the reply messages back to back,
// without NLMSG_DONE, exactly what NetlinkSocket::request returns.

#include <linux/netlink.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "kernel/links.hpp"

using namespace whyno;

namespace {

bool save(const std::string& name, const Result<std::vector<std::byte>>& reply) {
  if (!reply) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), reply.error().message.c_str());
    return false;
  }
  std::ofstream out(name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(reply->data()), static_cast<std::streamsize>(reply->size()));
  fmt::print("{} ({} bytes)\n", name, reply->size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  auto socket = sys::NetlinkSocket::open(NETLINK_ROUTE);
  if (!socket) {
    std::fprintf(stderr, "%s\n", socket.error().message.c_str());
    return 1;
  }
  const auto links = kernel::fetch_links(*socket);
  const auto addresses = kernel::fetch_addresses(*socket);
  const auto routes = kernel::fetch_routes(*socket);
  if (!save(dir + "/links.bin", links) || !save(dir + "/addrs.bin", addresses) ||
      !save(dir + "/routes.bin", routes)) {
    return 1;
  }
  for (const auto& i : kernel::parse_links(*links, *addresses)) {
    fmt::print("  if {} {} kind={} master={} up={} mtu={}\n", i.index, i.name, i.kind, i.master_index, i.up,
               i.mtu);
    for (const auto& a : i.addresses) {
      fmt::print("      {}/{}\n", a.address.to_string(), a.prefix_len);
    }
  }
  for (const auto& r : kernel::parse_routes(*routes)) {
    fmt::print("  route {} dev {} via {} type {} table {}\n", r.destination.to_string(), r.output_index,
               r.has_gateway ? r.gateway.to_string() : "-", r.type, r.table);
  }
  return 0;
}
