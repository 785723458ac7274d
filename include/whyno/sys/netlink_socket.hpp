#pragma once
// A libmnl netlink socket that sends one request and returns every reply as
// raw bytes. Keeping the bytes lets parsers be pure functions over a span,
// tested against dumps recorded from a real kernel (tests/fixtures/).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "whyno/util/result.hpp"

struct mnl_socket;
struct nlmsghdr;

namespace whyno::sys {

struct MnlSocketClose {
  void operator()(mnl_socket* s) const noexcept;
};
using MnlSocketPtr = std::unique_ptr<mnl_socket, MnlSocketClose>;

class NetlinkSocket {
 public:
  /// Opens and binds a socket in the calling thread's network namespace;
  /// the socket stays in that namespace for its whole life.
  static Result<NetlinkSocket> open(int protocol);

  /// Sends `request` (its nlmsg_seq and nlmsg_pid are set here) and returns
  /// the reply messages, back to back, up to and without NLMSG_DONE. A dump
  /// interrupted by a concurrent change (NLM_F_DUMP_INTR) is retried.
  /// NLMSG_ERROR becomes an Error (EPERM/EACCES -> permission_denied).
  Result<std::vector<std::byte>> request(nlmsghdr* request);

  /// As request(), but each received datagram's reply messages go to
  /// `batch` as they arrive (a big dump is decoded while the kernel still
  /// writes it). Not retried: false when the dump was interrupted by a
  /// concurrent change (NLM_F_DUMP_INTR), and what `batch` saw is stale.
  Result<bool> request_streamed(nlmsghdr* request, const std::function<void(std::vector<std::byte>)>& batch);

  /// Asks the kernel to check dump requests strictly (NETLINK_GET_STRICT_CHK,
  /// Linux 4.20), which is also what makes it filter a dump by the header's
  /// fields (a route table, say). false where the kernel has no such mode:
  /// it then sends everything, as before.
  bool strict_dumps();

 private:
  NetlinkSocket(MnlSocketPtr socket, std::uint32_t port_id)
      : m_socket(std::move(socket)), m_port_id(port_id) {}

  MnlSocketPtr m_socket;
  std::uint32_t m_port_id = 0;
  std::uint32_t m_sequence = 0;
};

/// Calls `visit(const nlmsghdr*)` for each message in bytes returned by
/// NetlinkSocket::request or read from a fixture. Stops at a truncated one.
template <typename Visit>
void for_each_message(const std::vector<std::byte>& bytes, Visit&& visit);

}  // namespace whyno::sys

#include "whyno/sys/netlink_messages.hpp"
