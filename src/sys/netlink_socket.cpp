#include "whyno/sys/netlink_socket.hpp"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

namespace whyno::sys {

void MnlSocketClose::operator()(mnl_socket* s) const noexcept { mnl_socket_close(s); }

namespace {

constexpr int k_max_dump_attempts = 5;
// libmnl 1.0.4 has no MNL_SOCKET_DUMP_SIZE; 32 KiB holds any single datagram
// the kernel sends for a dump.
constexpr std::size_t k_receive_buffer = 32 * 1024;

}  // namespace

Result<NetlinkSocket> NetlinkSocket::open(int protocol) {
  MnlSocketPtr socket(mnl_socket_open(protocol));
  if (!socket) {
    return std::unexpected(errno_error(errno, "cannot open netlink socket"));
  }
  if (mnl_socket_bind(socket.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    return std::unexpected(errno_error(errno, "cannot bind netlink socket"));
  }
  const std::uint32_t port_id = mnl_socket_get_portid(socket.get());
  return NetlinkSocket(std::move(socket), port_id);
}

bool NetlinkSocket::strict_dumps() {
  const int on = 1;
  return ::setsockopt(mnl_socket_get_fd(m_socket.get()), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &on,
                      sizeof on) == 0;
}

Result<std::vector<std::byte>> NetlinkSocket::request(nlmsghdr* request) {
  for (int attempt = 0; attempt < k_max_dump_attempts; ++attempt) {
    std::vector<std::byte> replies;
    WHYNO_TRY_ASSIGN(const bool whole, request_streamed(request, [&](std::vector<std::byte> batch) {
                       replies.insert(replies.end(), batch.begin(), batch.end());
                     }));
    if (whole) {
      return replies;
    }
  }
  return fail(Error::Kind::io, "netlink dump kept changing under us; try again");
}

Result<bool> NetlinkSocket::request_streamed(nlmsghdr* request,
                                             const std::function<void(std::vector<std::byte>)>& batch) {
  const std::uint32_t sequence = ++m_sequence;
  request->nlmsg_seq = sequence;
  request->nlmsg_pid = 0;
  if (mnl_socket_sendto(m_socket.get(), request, request->nlmsg_len) < 0) {
    return std::unexpected(errno_error(errno, "cannot send netlink request"));
  }
  std::vector<std::byte> buffer(k_receive_buffer);
  bool interrupted = false;
  bool done = false;
  while (!done) {
    const ssize_t n = mnl_socket_recvfrom(m_socket.get(), buffer.data(), buffer.size());
    if (n < 0) {
      return std::unexpected(errno_error(errno, "cannot read netlink reply"));
    }
    std::vector<std::byte> replies;
    auto remaining = static_cast<int>(n);
    auto* header = reinterpret_cast<nlmsghdr*>(buffer.data());
    while (mnl_nlmsg_ok(header, remaining)) {
      if (header->nlmsg_seq != sequence || header->nlmsg_pid != m_port_id) {
        header = mnl_nlmsg_next(header, &remaining);
        continue;  // a stale reply to an earlier attempt
      }
      if ((header->nlmsg_flags & NLM_F_DUMP_INTR) != 0) {
        interrupted = true;
      }
      if (header->nlmsg_type == NLMSG_DONE) {
        done = true;
        break;
      }
      if (header->nlmsg_type == NLMSG_ERROR) {
        const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(header));
        if (err->error != 0) {
          return std::unexpected(errno_error(-err->error, "netlink request failed"));
        }
        done = true;  // an ACK ends a non-dump request
        break;
      }
      const auto* begin = reinterpret_cast<const std::byte*>(header);
      replies.insert(replies.end(), begin, begin + NLMSG_ALIGN(header->nlmsg_len));
      if ((header->nlmsg_flags & NLM_F_MULTI) == 0) {
        done = true;  // a single-message answer (e.g. NFT_MSG_GETGEN)
        break;
      }
      header = mnl_nlmsg_next(header, &remaining);
    }
    if (!replies.empty()) {
      batch(std::move(replies));
    }
  }
  return !interrupted;
}

}  // namespace whyno::sys
