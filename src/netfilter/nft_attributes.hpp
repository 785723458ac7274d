#pragma once
// A bounds-checked walk over netlink attributes, as libmnl's
// mnl_attr_for_each walks them: for checking a message before libnftnl
// parses it (nft_wellformed.cpp), and for reading a few attributes without
// libnftnl at all (nft_decode.cpp).

#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace whyno::netfilter::nft {

/// MNL_ALIGN without its int arithmetic.
constexpr std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

struct Attribute {
  std::uint16_t type = 0;  // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
  const char* payload = nullptr;
  std::size_t payload_len = 0;
};

/// Visits the attributes at `first` as libmnl's mnl_attr_for_each does,
/// which walks `walked` bytes; false when one of them (header included)
/// reaches past the `readable` bytes there, or when `visit` says so.
template <typename Visit>
inline bool walk(const char* first, std::size_t walked, std::size_t readable, Visit&& visit) {
  for (std::size_t at = 0;;) {
    if (at >= walked || walked - at < sizeof(nlattr)) {
      return true;  // where libmnl stops
    }
    if (at >= readable || readable - at < sizeof(nlattr)) {
      return false;
    }
    nlattr header{};
    std::memcpy(&header, first + at, sizeof header);
    if (header.nla_len < sizeof(nlattr) || header.nla_len > walked - at) {
      return true;  // mnl_attr_ok fails: libmnl stops
    }
    if (header.nla_len > readable - at) {
      return false;
    }
    const Attribute a{static_cast<std::uint16_t>(header.nla_type & NLA_TYPE_MASK),
                      first + at + sizeof(nlattr), header.nla_len - sizeof(nlattr)};
    if (!visit(a)) {
      return false;
    }
    at += align4(header.nla_len);
  }
}

/// mnl_attr_for_each_nested: up to the attribute's own end.
template <typename Visit>
inline bool walk_nested(const Attribute& nest, Visit&& visit) {
  return walk(nest.payload, nest.payload_len, nest.payload_len, visit);
}

/// A NUL-terminated string attribute (libnftnl strdup()s and strcmp()s them).
inline std::optional<std::string_view> terminated(const Attribute& a) {
  const void* nul = std::memchr(a.payload, 0, a.payload_len);
  if (nul == nullptr) {
    return std::nullopt;
  }
  const auto length = static_cast<std::size_t>(static_cast<const char*>(nul) - a.payload);
  return std::string_view(a.payload, length);
}

/// The attributes of a netfilter message, after its nfgenmsg.
template <typename Visit>
inline bool walk_message(const nlmsghdr* nlh, Visit&& visit) {
  if (nlh->nlmsg_len < sizeof(nlmsghdr) + sizeof(nfgenmsg)) {
    return false;  // libnftnl reads nfgen_family regardless
  }
  // mnl_attr_parse(nlh, sizeof(nfgenmsg), ...) walks up to the aligned length.
  const std::size_t offset = align4(sizeof(nlmsghdr)) + align4(sizeof(nfgenmsg));
  const std::size_t walked = align4(nlh->nlmsg_len);
  const std::size_t readable = nlh->nlmsg_len;
  return walk(reinterpret_cast<const char*>(nlh) + offset, walked > offset ? walked - offset : 0,
              readable > offset ? readable - offset : 0, visit);
}

}  // namespace whyno::netfilter::nft
