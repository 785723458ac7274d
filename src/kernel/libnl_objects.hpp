#pragma once
// Decoding recorded rtnetlink bytes with libnl-route's own parsers, so the
// same code decodes a live dump and a fixture.

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/msg.h>
#include <netlink/object.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "whyno/util/ip_address.hpp"
#include "whyno/sys/netlink_messages.hpp"

namespace whyno::kernel::detail {

struct NlMsgFree {
  void operator()(nl_msg* m) const noexcept { nlmsg_free(m); }
};

/// Rounded up to netlink's 4-byte alignment (NLMSG_ALIGN, NLA_ALIGN and
/// RTNH_ALIGN alike, without their int arithmetic).
constexpr std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

/// Calls `visit(type, payload, length)` for each attribute in `length` bytes
/// at `data`, walking them as libnl's nla_parse does (it stops at the first
/// that does not fit); stops early when `visit` returns false, and returns
/// false then.
template <typename Visit>
bool for_each_attribute(const std::byte* data, std::size_t length, Visit&& visit) {
  std::size_t offset = 0;
  while (offset + sizeof(nlattr) <= length) {
    nlattr attribute{};
    std::memcpy(&attribute, data + offset, sizeof attribute);
    if (attribute.nla_len < sizeof(nlattr) || attribute.nla_len > length - offset) {
      break;
    }
    if (!visit(static_cast<std::uint16_t>(attribute.nla_type & NLA_TYPE_MASK), data + offset + sizeof(nlattr),
               attribute.nla_len - sizeof(nlattr))) {
      return false;
    }
    offset += align4(attribute.nla_len);
  }
  return true;
}

/// An RTA_VIA holds its address family (2 bytes) before the address:
/// libnl-route copies "length - 2" bytes without checking, so a shorter one
/// is a memcpy of (size_t)-1.
inline bool via_ok(std::uint16_t type, std::size_t length) {
  return type != RTA_VIA || length >= sizeof(rtvia);
}

/// Every RTA_MULTIPATH a run of whole next hops: libnl-route never advances
/// past a next hop whose rtnh_len is 0 (it allocates one next hop per turn
/// until memory runs out), and reads on past the attribute when a next
/// hop's length, rounded up, overruns it. RTA_VIA as via_ok says, at the
/// top and in each next hop.
inline bool route_ok(const std::byte* attributes, std::size_t length) {
  return for_each_attribute(
      attributes, length, [](std::uint16_t type, const std::byte* hops, std::size_t rest) {
        if (!via_ok(type, rest)) {
          return false;
        }
        if (type != RTA_MULTIPATH) {
          return true;
        }
        while (rest > 0) {
          rtnexthop next{};
          if (rest < sizeof next) {
            return false;
          }
          std::memcpy(&next, hops, sizeof next);
          const std::size_t step = align4(next.rtnh_len);
          if (next.rtnh_len < sizeof next || step > rest) {
            return false;
          }
          const std::size_t header = align4(sizeof next);
          if (next.rtnh_len > header && !for_each_attribute(hops + header, next.rtnh_len - header,
                                                            [](std::uint16_t t, const std::byte*,
                                                               std::size_t n) { return via_ok(t, n); })) {
            return false;
          }
          hops += step;
          rest -= step;
        }
        return true;
      });
}

/// An IFLA_LINKINFO with a kind and IFLA_INFO_XSTATS must have IFLA_INFO_DATA
/// too: libnl-route then calls the kind's parser with no data, and most (veth,
/// vlan, bridge, ...) dereference it.
inline bool link_ok(const std::byte* attributes, std::size_t length) {
  return for_each_attribute(
      attributes, length, [](std::uint16_t type, const std::byte* info, std::size_t info_length) {
        if (type != IFLA_LINKINFO) {
          return true;
        }
        bool kind = false;
        bool data = false;
        bool xstats = false;
        for_each_attribute(info, info_length, [&](std::uint16_t t, const std::byte*, std::size_t) {
          kind = kind || t == IFLA_INFO_KIND;
          data = data || t == IFLA_INFO_DATA;
          xstats = xstats || t == IFLA_INFO_XSTATS;
          return true;
        });
        return !kind || !xstats || data;
      });
}

/// Whether libnl-route (3.7) can be handed `header`. It trusts the kernel,
/// and crafted bytes found where that is unsafe (tests/fuzz/fuzz_rtnetlink):
/// see route_ok and link_ok. The kernel sends none of these; such a message
/// is skipped like any malformed one.
inline bool libnl_can_parse(const nlmsghdr* header) {
  const auto* message = reinterpret_cast<const std::byte*>(header);
  const auto attributes = [&](std::size_t fixed) {
    const std::size_t offset = align4(sizeof(nlmsghdr)) + align4(fixed);
    return std::pair{message + std::min<std::size_t>(offset, header->nlmsg_len),
                     header->nlmsg_len > offset ? header->nlmsg_len - offset : 0};
  };
  switch (header->nlmsg_type) {
    case RTM_NEWROUTE:
    case RTM_DELROUTE:
    case RTM_GETROUTE: {
      const auto [first, length] = attributes(sizeof(rtmsg));
      return route_ok(first, length);
    }
    case RTM_NEWLINK:
    case RTM_DELLINK:
    case RTM_GETLINK:
    case RTM_SETLINK: {
      const auto [first, length] = attributes(sizeof(ifinfomsg));
      return link_ok(first, length);
    }
    default:
      return true;
  }
}

/// Calls `visit(nl_object*)` for each message of `bytes` that libnl decodes
/// into an object of type `type` ("route/link", "route/addr", "route/route").
/// The object lives only during the call.
template <typename Visit>
void for_each_object(const std::vector<std::byte>& bytes, std::string_view type, Visit&& visit) {
  struct Context {
    std::string_view type;
    Visit* visit;
  } context{type, &visit};
  sys::for_each_message(bytes, [&](const nlmsghdr* header) {
    if (!libnl_can_parse(header)) {
      return;
    }
    // nlmsg_convert only copies the message, despite its non-const parameter.
    std::unique_ptr<nl_msg, NlMsgFree> msg(nlmsg_convert(const_cast<nlmsghdr*>(header)));
    if (!msg) {
      return;
    }
    nlmsg_set_proto(msg.get(), NETLINK_ROUTE);
    nl_msg_parse(
        msg.get(),
        [](nl_object* object, void* arg) {
          auto* c = static_cast<Context*>(arg);
          if (c->type == nl_object_get_type(object)) {
            (*c->visit)(object);
          }
        },
        &context);
  });
}

/// An IPv4 or IPv6 nl_addr as an IpAddress; an empty one (a default route's
/// destination) is the family's wildcard.
inline std::optional<IpAddress> to_ip_address(const nl_addr* a) {
  if (a == nullptr) {
    return std::nullopt;
  }
  const int family = nl_addr_get_family(a);
  const unsigned length = nl_addr_get_len(a);
  std::uint8_t bytes[16] = {};
  if (family == AF_INET && (length == 4 || length == 0)) {
    std::memcpy(bytes, nl_addr_get_binary_addr(a), length);
    return IpAddress::v4_bytes(bytes);
  }
  if (family == AF_INET6 && (length == 16 || length == 0)) {
    std::memcpy(bytes, nl_addr_get_binary_addr(a), length);
    return IpAddress::v6_bytes(bytes);
  }
  return std::nullopt;
}

}  // namespace whyno::kernel::detail
