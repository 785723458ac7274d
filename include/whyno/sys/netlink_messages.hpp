#pragma once
// Walking a buffer of netlink messages (header-only so parsers need no socket).

#include <linux/netlink.h>

#include <cstddef>
#include <vector>

namespace whyno::sys {

template <typename Visit>
void for_each_message(const std::vector<std::byte>& bytes, Visit&& visit) {
  std::size_t offset = 0;
  while (offset + sizeof(nlmsghdr) <= bytes.size()) {
    // Vector storage comes from operator new (16-byte aligned) and messages
    // are NLMSG_ALIGNed within it, so every header is suitably aligned.
    const auto* header = reinterpret_cast<const nlmsghdr*>(bytes.data() + offset);
    if (header->nlmsg_len < sizeof(nlmsghdr) || offset + header->nlmsg_len > bytes.size()) {
      return;
    }
    visit(header);
    offset += NLMSG_ALIGN(header->nlmsg_len);
  }
}

}  // namespace whyno::sys
