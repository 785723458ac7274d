#include "nft_loads.hpp"

#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>

#include <array>
#include <utility>

#include <fmt/format.h>

namespace whyno::netfilter::nft {

namespace {

constexpr std::uint32_t k_ifname_len = 16;  // IFNAMSIZ

RegValue field(nf::Field f, std::uint32_t len, std::string text, bool host_order = false) {
  RegValue v;
  v.source = Source::field;
  v.field = f;
  v.len = len;
  v.host_order = host_order;
  v.text = std::move(text);
  return v;
}

// IPPROTO_ROUTING: the IPv6 extension header `rt` reads.
constexpr std::uint8_t k_ipv6_routing_header = 43;

std::uint32_t expr_u32_or(const nftnl_expr* e, std::uint16_t attr, std::uint32_t fallback) {
  return nftnl_expr_is_set(e, attr) ? nftnl_expr_get_u32(e, attr) : fallback;
}

RegValue unknown(std::string text) {
  RegValue v;
  v.source = Source::unknown;
  v.text = std::move(text);
  return v;
}

std::string meta_name(std::uint32_t key) {
  static constexpr std::array<const char*, 37> k_names = {
      "len",     "protocol", "priority", "mark",    "iif",     "oif",       "iifname",  "oifname",
      "iiftype", "oiftype",  "skuid",    "skgid",   "nftrace", "rtclassid", "secmark",  "nfproto",
      "l4proto", "ibrname",  "obrname",  "pkttype", "cpu",     "iifgroup",  "oifgroup", "cgroup",
      "random",  "secpath",  "iifkind",  "oifkind", "ibrpvid", "ibrvproto", "time",     "day",
      "hour",    "sdif",     "sdifname", "?",       "?"};
  return key < k_names.size() ? fmt::format("meta {}", k_names[key]) : fmt::format("meta key {}", key);
}

std::string ct_name(std::uint32_t key) {
  static constexpr std::array<const char*, 24> k_names = {
      "state",  "direction", "status",   "mark",      "secmark",   "expiration", "helper",    "l3proto",
      "saddr",  "daddr",     "protocol", "proto-src", "proto-dst", "label",      "packets",   "bytes",
      "avgpkt", "zone",      "event",    "ip saddr",  "ip daddr",  "ip6 saddr",  "ip6 daddr", "id"};
  return key < k_names.size() ? fmt::format("ct {}", k_names[key]) : fmt::format("ct key {}", key);
}

RegValue meta_load(std::uint32_t key) {
  switch (key) {
    case NFT_META_IIFNAME:
      return field(nf::Field::iifname, k_ifname_len, "iifname");
    case NFT_META_OIFNAME:
      return field(nf::Field::oifname, k_ifname_len, "oifname");
    case NFT_META_L4PROTO:
      return field(nf::Field::l4proto, 1, "meta l4proto");
    case NFT_META_NFPROTO:
      return field(nf::Field::nfproto, 1, "meta nfproto");
    case NFT_META_MARK:
      return field(nf::Field::mark, 4, "meta mark", true);
    default: {
      RegValue v = unknown(meta_name(key));
      // Most meta keys are host-order words; the string ones are not.
      v.host_order = key != NFT_META_BRI_IIFNAME && key != NFT_META_BRI_OIFNAME && key != NFT_META_IIFKIND &&
                     key != NFT_META_OIFKIND && key != NFT_META_SDIFNAME;
      return v;
    }
  }
}

std::optional<IpFamily> l3_of(const LoadContext& ctx) {
  switch (ctx.family) {
    case nf::Family::ip:
      return IpFamily::v4;
    case nf::Family::ip6:
      return IpFamily::v6;
    default:
      return ctx.l3;
  }
}

RegValue network_load(std::uint32_t offset, std::uint32_t len, const LoadContext& ctx) {
  std::optional<IpFamily> family = l3_of(ctx);
  if (!family) {
    // No family dependency seen: guess from where the load sits.
    family = (offset == 8 || offset == 24 || offset == 6) ? IpFamily::v6 : IpFamily::v4;
  }
  // Named only when it is not modelled: formatting it for every load cost
  // more than the load's decoding.
  const auto at = [&] {
    return fmt::format("{} header @{}/{}", *family == IpFamily::v4 ? "ip" : "ip6", offset, len);
  };
  if (*family == IpFamily::v4) {
    if (offset == 9 && len == 1) {
      return field(nf::Field::l4proto, 1, "ip protocol");
    }
    if ((offset == 12 || offset == 16) && len >= 1 && len <= 4) {
      RegValue v = field(offset == 12 ? nf::Field::saddr : nf::Field::daddr, len,
                         offset == 12 ? "ip saddr" : "ip daddr");
      v.family = IpFamily::v4;
      return v;
    }
    return unknown(at());
  }
  if (offset == 6 && len == 1) {
    return field(nf::Field::l4proto, 1, "ip6 nexthdr");
  }
  if ((offset == 8 || offset == 24) && len >= 1 && len <= 16) {
    RegValue v = field(offset == 8 ? nf::Field::saddr : nf::Field::daddr, len,
                       offset == 8 ? "ip6 saddr" : "ip6 daddr");
    v.family = IpFamily::v6;
    return v;
  }
  return unknown(at());
}

RegValue payload_load(const nftnl_expr* e, const LoadContext& ctx) {
  const std::uint32_t base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
  const std::uint32_t offset = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
  const std::uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
  switch (base) {
    case NFT_PAYLOAD_NETWORK_HEADER:
      return network_load(offset, len, ctx);
    case NFT_PAYLOAD_TRANSPORT_HEADER:
      if (offset == 0 && len == 2) {
        return field(nf::Field::sport, 2, "th sport");
      }
      if (offset == 2 && len == 2) {
        return field(nf::Field::dport, 2, "th dport");
      }
      if (offset == 0 && len == 4) {
        return field(nf::Field::port_pair, 4, "th sport . th dport");  // iptables-nft's --sport A --dport B
      }
      if (offset == 13 && len == 1) {
        return field(nf::Field::tcp_flags, 1, "tcp flags");
      }
      return unknown(fmt::format("transport header @{}/{}", offset, len));
    case NFT_PAYLOAD_LL_HEADER:
      return unknown(fmt::format("link header @{}/{}", offset, len));
    default:
      return unknown(fmt::format("payload base {} @{}/{}", base, offset, len));
  }
}

RegValue fib_load(const nftnl_expr* e) {
  const std::uint32_t result = nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_RESULT);
  const std::uint32_t flags = nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_FLAGS);
  // `fib saddr . iif oif missing` (firewalld's rpfilter, with `. mark` too):
  // no route back to the source by the interface it came in on.
  if (result == NFT_FIB_RESULT_OIF && (flags & NFTA_FIB_F_SADDR) != 0 && (flags & NFTA_FIB_F_IIF) != 0) {
    return field(nf::Field::rpfilter, 4, "fib saddr . iif oif", true);
  }
  if (result == NFT_FIB_RESULT_ADDRTYPE) {
    if (flags == NFTA_FIB_F_DADDR) {
      return field(nf::Field::daddr_type, 4, "fib daddr type", true);
    }
    if (flags == NFTA_FIB_F_SADDR) {
      return field(nf::Field::saddr_type, 4, "fib saddr type", true);
    }
  }
  // Lookups restricted to an interface (`. iif`), or results other than the
  // address type: not modelled.
  return unknown(fmt::format("fib (flags {:#x}) result {}", flags, result));
}

/// `numgen random mod N` (and `numgen inc`, round robin): a number the
/// kernel picks per packet, in host order. kube-proxy's nftables mode
/// spreads a Service over its endpoints with `numgen random mod N vmap`.
RegValue numgen_load(const nftnl_expr* e) {
  const std::uint32_t type = expr_u32_or(e, NFTNL_EXPR_NG_TYPE, NFT_NG_RANDOM);
  const std::uint32_t modulus = expr_u32_or(e, NFTNL_EXPR_NG_MODULUS, 0);
  const std::uint32_t offset = expr_u32_or(e, NFTNL_EXPR_NG_OFFSET, 0);
  std::string text = fmt::format("numgen {} mod {}", type == NFT_NG_INCREMENTAL ? "inc" : "random", modulus);
  if (offset != 0) {
    text += fmt::format(" offset {}", offset);
  }
  return field(nf::Field::random, 4, std::move(text), true);
}

/// Loads we do not model, by expression name and their dreg attribute.
constexpr std::array<std::pair<std::string_view, std::uint16_t>, 8> k_other_loads = {{
    {"exthdr", NFTNL_EXPR_EXTHDR_DREG},
    {"rt", NFTNL_EXPR_RT_DREG},
    {"socket", NFTNL_EXPR_SOCKET_DREG},
    {"osf", NFTNL_EXPR_OSF_DREG},
    {"hash", NFTNL_EXPR_HASH_DREG},
    {"xfrm", NFTNL_EXPR_XFRM_DREG},
    {"tunnel", NFTNL_EXPR_TUNNEL_DREG},
    {"byteorder", NFTNL_EXPR_BYTEORDER_DREG},
}};

}  // namespace

std::optional<Load> decode_load(const nftnl_expr* e, std::string_view name, const LoadContext& ctx) {
  Load load;
  if (name == "meta") {
    if (!nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG)) {
      return std::nullopt;  // meta set
    }
    load.dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_META_DREG);
    const std::uint32_t key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);
    load.value = meta_load(key);
    if (key == NFT_META_PROTOCOL) {
      load.ethertype = true;
      load.value.len = 2;
    }
    return load;
  }
  if (name == "payload") {
    if (!nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG)) {
      return std::nullopt;  // payload write
    }
    load.dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG);
    load.value = payload_load(e, ctx);
    return load;
  }
  if (name == "ct") {
    if (!nftnl_expr_is_set(e, NFTNL_EXPR_CT_DREG)) {
      return std::nullopt;  // ct set
    }
    load.dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_CT_DREG);
    const std::uint32_t key = nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY);
    const bool directed = nftnl_expr_is_set(e, NFTNL_EXPR_CT_DIR);
    if (key == NFT_CT_STATE && !directed) {
      load.value = field(nf::Field::ct_state, 4, "ct state", true);
    } else if (key == NFT_CT_STATUS && !directed) {
      load.value = field(nf::Field::ct_status, 4, "ct status", true);
    } else if (key == NFT_CT_MARK && !directed) {
      load.value = field(nf::Field::ct_mark, 4, "ct mark", true);
    } else {
      load.value = unknown(ct_name(key));
      load.value.host_order = key == NFT_CT_MARK || key == NFT_CT_STATUS || key == NFT_CT_SECMARK ||
                              key == NFT_CT_EXPIRATION || key == NFT_CT_STATE;
    }
    return load;
  }
  if (name == "fib") {
    load.dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_FIB_DREG);
    load.value = fib_load(e);
    return load;
  }
  if (name == "exthdr" && nftnl_expr_is_set(e, NFTNL_EXPR_EXTHDR_DREG) &&
      expr_u32_or(e, NFTNL_EXPR_EXTHDR_OP, NFT_EXTHDR_OP_IPV6) == NFT_EXTHDR_OP_IPV6 &&
      nftnl_expr_get_u8(e, NFTNL_EXPR_EXTHDR_TYPE) == k_ipv6_routing_header &&
      (expr_u32_or(e, NFTNL_EXPR_EXTHDR_FLAGS, 0) & NFT_EXTHDR_F_PRESENT) == 0) {
    // `rt type 0`: a field of the routing header, which the packet lacks.
    load.dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_EXTHDR_DREG);
    load.value = field(nf::Field::ip6_routing_header, nftnl_expr_get_u32(e, NFTNL_EXPR_EXTHDR_LEN), "rt");
    return load;
  }
  if (name == "numgen") {
    load.dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_NG_DREG);
    load.value = numgen_load(e);
    return load;
  }
  for (const auto& [other, dreg] : k_other_loads) {
    if (name == other) {
      if (!nftnl_expr_is_set(e, dreg)) {
        return std::nullopt;
      }
      load.dreg = nftnl_expr_get_u32(e, dreg);
      load.value = unknown(std::string(name));
      return load;
    }
  }
  return std::nullopt;
}

}  // namespace whyno::netfilter::nft
