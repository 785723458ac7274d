// Records raw SOCK_DIAG_BY_FAMILY dumps of the calling process's network
// namespace into fixtures, and prints what the parser makes of them.
//
//   ip netns exec ns-scratch record_sock_diag tests/fixtures/sock_diag/scratch
//   nsenter -t <pid> -n record_sock_diag tests/fixtures/sock_diag/docker_web
//
// Writes tcp4.bin, tcp6.bin, udp4.bin, udp6.bin (the reply messages back to
// back, without NLMSG_DONE), exactly what NetlinkSocket::request returns, and
// tcp4_all.bin / udp4_all.bin: IPv4 sockets in EVERY state, so tests can show
// the parser keeps only listeners even when the kernel sends more.

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <array>

#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "kernel/sock_diag.hpp"

using namespace whyno;

namespace {

Result<std::vector<std::byte>> dump_all_states(sys::NetlinkSocket& socket, Protocol protocol) {
  alignas(nlmsghdr) std::array<std::byte, 256> buffer{};
  nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
  header->nlmsg_type = SOCK_DIAG_BY_FAMILY;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  auto* request =
      static_cast<inet_diag_req_v2*>(mnl_nlmsg_put_extra_header(header, sizeof(inet_diag_req_v2)));
  request->sdiag_family = AF_INET;
  request->sdiag_protocol = ip_protocol_number(protocol);
  request->idiag_states = ~0U;
  return socket.request(header);
}

void save(const std::string& name, const std::vector<std::byte>& bytes) {
  std::ofstream out(name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  fmt::print("{} ({} bytes)\n", name, bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  auto socket = sys::NetlinkSocket::open(NETLINK_SOCK_DIAG);
  if (!socket) {
    std::fprintf(stderr, "%s\n", socket.error().message.c_str());
    return 1;
  }
  for (const Protocol protocol : {Protocol::tcp, Protocol::udp}) {
    for (const IpFamily family : {IpFamily::v4, IpFamily::v6}) {
      const auto reply = kernel::fetch_inet_diag(*socket, family, protocol);
      if (!reply) {
        std::fprintf(stderr, "%s\n", reply.error().message.c_str());
        return 1;
      }
      const std::string name =
          fmt::format("{}/{}{}.bin", dir, to_string(protocol), family == IpFamily::v4 ? 4 : 6);
      save(name, *reply);
      for (const auto& l : kernel::parse_inet_diag(*reply, protocol)) {
        fmt::print("  {} {}:{} v6only={} if={} queue={}/{} inode={}\n", to_string(l.protocol),
                   l.address.to_string_for_port(), l.port, l.v6only, l.bound_ifindex, l.accept_queue,
                   l.backlog, l.inode);
      }
    }
  }
  for (const Protocol protocol : {Protocol::tcp, Protocol::udp}) {
    const auto reply = dump_all_states(*socket, protocol);
    if (!reply) {
      std::fprintf(stderr, "%s\n", reply.error().message.c_str());
      return 1;
    }
    save(fmt::format("{}/{}4_all.bin", dir, to_string(protocol)), *reply);
  }
  return 0;
}
