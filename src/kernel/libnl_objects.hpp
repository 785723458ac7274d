#pragma once
// Decoding recorded rtnetlink bytes with libnl-route's own parsers, so the
// same code decodes a live dump and a fixture.

#include <netlink/addr.h>
#include <netlink/msg.h>
#include <netlink/object.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "whyno/util/ip_address.hpp"
#include "whyno/sys/netlink_messages.hpp"

namespace whyno::kernel::detail {

struct NlMsgFree {
  void operator()(nl_msg* m) const noexcept { nlmsg_free(m); }
};

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
