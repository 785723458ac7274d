#include "sock_diag.hpp"

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>

#include "whyno/sys/netlink_messages.hpp"

namespace whyno::kernel {

namespace {

// TCP_LISTEN and TCP_CLOSE from the kernel's enum (include/net/tcp_states.h);
// <netinet/tcp.h> spells them as an enum without a stable name.
constexpr std::uint8_t k_state_close = 7;
constexpr std::uint8_t k_state_listen = 10;

std::uint8_t wanted_state(Protocol protocol) {
  return protocol == Protocol::tcp ? k_state_listen : k_state_close;
}

std::uint16_t from_network_order(std::uint16_t value) { return ntohs(value); }

IpAddress address_of(std::uint8_t family, const std::uint32_t (&words)[4]) {
  std::array<std::uint8_t, 16> bytes{};
  std::memcpy(bytes.data(), words, bytes.size());
  return family == AF_INET ? IpAddress::v4_bytes(bytes.data()) : IpAddress::v6_bytes(bytes.data());
}

bool is_zero(const std::uint32_t (&words)[4]) {
  return words[0] == 0 && words[1] == 0 && words[2] == 0 && words[3] == 0;
}

/// The value of a one-byte attribute after the inet_diag_msg, if present.
std::optional<std::uint8_t> u8_attribute(const std::byte* attributes, std::size_t length,
                                         std::uint16_t wanted) {
  std::size_t offset = 0;
  while (offset + sizeof(nlattr) <= length) {
    nlattr header{};
    std::memcpy(&header, attributes + offset, sizeof header);
    if (header.nla_len < sizeof(nlattr) || offset + header.nla_len > length) {
      return std::nullopt;
    }
    if ((header.nla_type & NLA_TYPE_MASK) == wanted && header.nla_len >= sizeof(nlattr) + 1) {
      return static_cast<std::uint8_t>(attributes[offset + sizeof(nlattr)]);
    }
    offset += NLA_ALIGN(header.nla_len);
  }
  return std::nullopt;
}

std::optional<Listener> to_listener(const nlmsghdr* header, Protocol protocol) {
  if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY || header->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) {
    return std::nullopt;
  }
  const auto* payload = static_cast<const std::byte*>(mnl_nlmsg_get_payload(header));
  inet_diag_msg msg{};
  std::memcpy(&msg, payload, sizeof msg);
  if ((msg.idiag_family != AF_INET && msg.idiag_family != AF_INET6) ||
      msg.idiag_state != wanted_state(protocol)) {
    return std::nullopt;
  }
  Listener l;
  l.protocol = protocol;
  l.address = address_of(msg.idiag_family, msg.id.idiag_src);
  l.port = from_network_order(msg.id.idiag_sport);
  l.bound_ifindex = msg.id.idiag_if;
  l.inode = msg.idiag_inode;
  if (protocol == Protocol::udp) {
    // An unbound or connected UDP socket takes no new peers.
    if (l.port == 0 || msg.id.idiag_dport != 0 || !is_zero(msg.id.idiag_dst)) {
      return std::nullopt;
    }
  } else {
    // For a listener the kernel reports sk_ack_backlog / sk_max_ack_backlog.
    l.accept_queue = msg.idiag_rqueue;
    l.backlog = msg.idiag_wqueue;
  }
  if (msg.idiag_family == AF_INET6) {
    const std::size_t start = NLMSG_ALIGN(sizeof(inet_diag_msg));
    const std::size_t length = mnl_nlmsg_get_payload_len(header);
    if (length > start) {
      l.v6only = u8_attribute(payload + start, length - start, INET_DIAG_SKV6ONLY).value_or(0) != 0;
    }
  }
  return l;
}

}  // namespace

namespace {

/// One SOCK_DIAG_BY_FAMILY dump of the sockets of `family` and `protocol`
/// in the TCP states `states` (a bit per state), on `ports` if any.
Result<std::vector<std::byte>> dump_sockets(sys::NetlinkSocket& socket, IpFamily family, Protocol protocol,
                                            std::uint32_t states, std::span<const std::uint16_t> ports) {
  const std::vector<std::byte> filter = ports.size() <= ListenerScope::k_max_filtered_ports
                                            ? local_port_filter(ports)
                                            : std::vector<std::byte>();
  // Header, request, one attribute: aligned, in nlmsghdr-aligned storage.
  std::vector<nlmsghdr> buffer((256 + filter.size()) / sizeof(nlmsghdr) + 1);
  nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
  header->nlmsg_type = SOCK_DIAG_BY_FAMILY;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  auto* request =
      static_cast<inet_diag_req_v2*>(mnl_nlmsg_put_extra_header(header, sizeof(inet_diag_req_v2)));
  request->sdiag_family = family == IpFamily::v4 ? AF_INET : AF_INET6;
  request->sdiag_protocol = ip_protocol_number(protocol);
  // No idiag_ext bits: SKV6ONLY comes unasked for AF_INET6 sockets, and the
  // queue figures are in the fixed header.
  request->idiag_states = states;
  if (!filter.empty()) {
    mnl_attr_put(header, INET_DIAG_REQ_BYTECODE, filter.size(), filter.data());
  }
  return socket.request(header);
}

/// One instruction of the kernel's inet_diag bytecode (struct inet_diag_bc_op).
void put_op(std::vector<std::byte>& out, std::uint8_t code, std::uint8_t yes, std::uint16_t no) {
  const inet_diag_bc_op op{code, yes, no};
  const auto* bytes = reinterpret_cast<const std::byte*>(&op);
  out.insert(out.end(), bytes, bytes + sizeof op);
}

}  // namespace

std::vector<std::byte> local_port_filter(std::span<const std::uint16_t> ports) {
  std::vector<std::byte> out;
  if (ports.empty()) {
    return out;
  }
  // A port's test is 8 bytes (the op and the port in the next op's `no`),
  // the jump to the end 4; the last port needs no jump. The kernel's audit
  // (inet_diag_bc_audit) wants every `no` to land on an instruction the
  // chain of `yes` reaches, or 4 past the end (reject).
  constexpr std::size_t k_test = 2 * sizeof(inet_diag_bc_op);
  constexpr std::size_t k_jump = sizeof(inet_diag_bc_op);
  const std::size_t length = ports.size() * (k_test + k_jump) - k_jump;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    const std::size_t at = out.size();
    const bool last = i + 1 == ports.size();
    put_op(out, INET_DIAG_BC_S_EQ, k_test,
           static_cast<std::uint16_t>(last ? length - at + 4 : k_test + k_jump));
    put_op(out, 0, 0, ports[i]);
    if (!last) {
      put_op(out, INET_DIAG_BC_JMP, k_jump, static_cast<std::uint16_t>(length - out.size()));
    }
  }
  return out;
}

Result<std::vector<std::byte>> fetch_inet_diag(sys::NetlinkSocket& socket, IpFamily family, Protocol protocol,
                                               std::span<const std::uint16_t> ports) {
  return dump_sockets(socket, family, protocol, std::uint32_t{1} << wanted_state(protocol), ports);
}

Result<std::vector<std::byte>> fetch_tcp_connections(sys::NetlinkSocket& socket, IpFamily family,
                                                     std::span<const std::uint16_t> ports) {
  // States 1 (ESTABLISHED) to 11 (CLOSING), but LISTEN (10) and CLOSE (7).
  constexpr std::uint32_t k_all = 0xFFEU;
  return dump_sockets(socket, family, Protocol::tcp,
                      k_all & ~(std::uint32_t{1} << k_state_listen) & ~(std::uint32_t{1} << k_state_close),
                      ports);
}

std::vector<std::uint16_t> parse_connection_ports(const std::vector<std::byte>& reply) {
  std::vector<std::uint16_t> ports;
  sys::for_each_message(reply, [&](const nlmsghdr* header) {
    if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
        header->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) {
      return;
    }
    inet_diag_msg msg{};
    std::memcpy(&msg, mnl_nlmsg_get_payload(header), sizeof msg);
    if (msg.idiag_state != k_state_listen && msg.idiag_state != k_state_close) {
      ports.push_back(from_network_order(msg.id.idiag_sport));
    }
  });
  return ports;
}

std::vector<Listener> parse_inet_diag(const std::vector<std::byte>& reply, Protocol protocol) {
  std::vector<Listener> listeners;
  sys::for_each_message(reply, [&](const nlmsghdr* header) {
    if (auto l = to_listener(header, protocol)) {
      listeners.push_back(std::move(*l));
    }
  });
  return listeners;
}

}  // namespace whyno::kernel
