#include "whyno/snapshot/snapshot.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "whyno/util/printable.hpp"

// A snapshot is input: every field is checked as it is read, and anything
// out of range or unknown is an error rather than a silently different fact.

namespace whyno::snapshot_detail {

/// A JSON integer into T, or a type_error naming the value.
template <typename T>
T checked_integer(const nlohmann::json& j) {
  static_assert(std::is_integral_v<T>);
  if (const auto* u = j.get_ptr<const nlohmann::json::number_unsigned_t*>()) {
    if (*u <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
      return static_cast<T>(*u);
    }
  } else if (const auto* i = j.get_ptr<const nlohmann::json::number_integer_t*>()) {
    const bool fits = std::is_signed_v<T>
                          ? *i >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
                                (*i < 0 || static_cast<std::uint64_t>(*i) <=
                                               static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
                          : *i >= 0 && static_cast<std::uint64_t>(*i) <=
                                           static_cast<std::uint64_t>(std::numeric_limits<T>::max());
    if (fits) {
      return static_cast<T>(*i);
    }
  } else {
    throw nlohmann::json::type_error::create(302, "expected an integer, got " + excerpt(j.dump(), 40), &j);
  }
  throw nlohmann::json::out_of_range::create(406, "integer out of range: " + excerpt(j.dump(), 40), &j);
}

}  // namespace whyno::snapshot_detail

namespace nlohmann {

template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& value) { j = value ? json(*value) : json(nullptr); }
  static void from_json(const json& j, std::optional<T>& value) {
    value = j.is_null() ? std::nullopt : std::optional<T>(j.get<T>());
  }
};

// Range-checked integers: nlohmann alone would cast 70000 into a port of 4464.
#define WHYNO_CHECKED_INTEGER(T)                                                                            \
  template <>                                                                                               \
  struct adl_serializer<T> {                                                                                \
    static void to_json(json& j, T value) {                                                                 \
      j = static_cast<                                                                                      \
          std::conditional_t<std::is_signed_v<T>, json::number_integer_t, json::number_unsigned_t>>(value); \
    }                                                                                                       \
    static void from_json(const json& j, T& value) {                                                        \
      value = whyno::snapshot_detail::checked_integer<T>(j);                                                \
    }                                                                                                       \
  };
WHYNO_CHECKED_INTEGER(std::uint8_t)
WHYNO_CHECKED_INTEGER(std::uint16_t)
WHYNO_CHECKED_INTEGER(std::uint32_t)
WHYNO_CHECKED_INTEGER(std::int32_t)
#undef WHYNO_CHECKED_INTEGER

}  // namespace nlohmann

// Like NLOHMANN_JSON_SERIALIZE_ENUM, but an unknown name is an error instead
// of the first value.
#define WHYNO_JSON_ENUM(ENUM_TYPE, ...)                                                                     \
  inline void to_json(nlohmann::json& j, const ENUM_TYPE& e) {                                              \
    static const std::pair<ENUM_TYPE, const char*> k_names[] = __VA_ARGS__;                                 \
    for (const auto& [value, name] : k_names) {                                                             \
      if (value == e) {                                                                                     \
        j = name;                                                                                           \
        return;                                                                                             \
      }                                                                                                     \
    }                                                                                                       \
    j = nullptr;                                                                                            \
  }                                                                                                         \
  inline void from_json(const nlohmann::json& j, ENUM_TYPE& e) {                                            \
    static const std::pair<ENUM_TYPE, const char*> k_names[] = __VA_ARGS__;                                 \
    if (j.is_string()) {                                                                                    \
      for (const auto& [value, name] : k_names) {                                                           \
        if (j.get_ref<const std::string&>() == name) {                                                      \
          e = value;                                                                                        \
          return;                                                                                           \
        }                                                                                                   \
      }                                                                                                     \
    }                                                                                                       \
    throw nlohmann::json::type_error::create(302, "unknown " #ENUM_TYPE " " + whyno::excerpt(j.dump(), 40), \
                                             &j);                                                           \
  }

namespace whyno {

void to_json(nlohmann::json& j, const IpAddress& a) { j = a.to_string(); }
void from_json(const nlohmann::json& j, IpAddress& a) {
  const auto parsed = IpAddress::parse(j.get<std::string>());
  if (!parsed) {
    throw nlohmann::json::other_error::create(501, "bad address " + excerpt(j.dump(), 60), &j);
  }
  a = *parsed;
}
void to_json(nlohmann::json& j, const IpPrefix& p) { j = p.to_string(); }
void from_json(const nlohmann::json& j, IpPrefix& p) {
  const auto text = j.get<std::string>();
  const auto slash = text.find('/');
  from_json(nlohmann::json(text.substr(0, slash)), p.address);
  const unsigned longest = p.address.is_v4() ? 32u : 128u;
  if (slash == std::string::npos) {
    p.length = longest;
    return;
  }
  const std::string_view digits = std::string_view(text).substr(slash + 1);
  unsigned length = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || length > longest) {
    throw nlohmann::json::other_error::create(501, "bad prefix " + excerpt(j.dump(), 60), &j);
  }
  p.length = length;
}

WHYNO_JSON_ENUM(Protocol, {{Protocol::tcp, "tcp"}, {Protocol::udp, "udp"}})
WHYNO_JSON_ENUM(ProbeResult::Outcome, {{ProbeResult::Outcome::error, "error"},
                                       {ProbeResult::Outcome::answered, "answered"},
                                       {ProbeResult::Outcome::connected, "connected"},
                                       {ProbeResult::Outcome::refused, "refused"},
                                       {ProbeResult::Outcome::reset_or_closed, "reset-or-closed"},
                                       {ProbeResult::Outcome::timed_out, "timed-out"},
                                       {ProbeResult::Outcome::unresolved, "unresolved"},
                                       {ProbeResult::Outcome::unreachable, "unreachable"},
                                       {ProbeResult::Outcome::skipped, "skipped"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Unread, source, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ProcessRef, pid, comm, cmdline, container_id, uid, exe,
                                                system_binary, run_state, frozen, thaw_file)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Listener, protocol, address, port, v6only, bound_ifindex,
                                                accept_queue, backlog, connections, inode, owners)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(InterfaceAddress, address, prefix_len)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Interface, index, name, kind, master_index, up, mtu,
                                                addresses)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Route, destination, output_index, gateway, has_gateway, type,
                                                table)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NetnsFacts, inode, interfaces, routes, listeners,
                                                listeners_only_on, listeners_left_out, unread)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PortBinding, protocol, container_port, host_ip, host_port)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ExposedPort, protocol, port)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ContainerNetwork, name, network_id, ipv4, ipv4_prefix_len,
                                                ipv6, gateway, aliases, dns_names)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ContainerState, status, running, paused, restarting,
                                                oom_killed, dead, pid, exit_code, error, started_at,
                                                finished_at, restart_count)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PodContainer, name, id, running)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Pod, namespace_name, name, uid, containers)
WHYNO_JSON_ENUM(Container::Kind,
                {{Container::Kind::container, "container"}, {Container::Kind::namespace_only, "namespace"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Container, kind, id, name, image, created, state,
                                                network_mode, intended, publish_all, actual, exposed,
                                                networks, sandbox_key, hosts_path, links, hostname,
                                                compose_project, compose_service, engine, engine_kind,
                                                inspected, engine_uid, pod)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Network, id, name, driver, scope, internal, enable_ipv6,
                                                subnets, gateways, options, engine)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EngineIdentity, kind, version, api_version, endpoint,
                                                rootless, uid, from_files)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DaemonConfig, read, path, userland_proxy, iptables, ip6tables,
                                                ip_forward, ip_masq, icc, ip, firewall_backend, problem)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NotBelieved, uid, engine, claim)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Engine, product, version, api_version, socket, containers,
                                                networks, warnings, config, engines, unread, not_believed,
                                                absent)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Sysctls, ipv4_forward, ipv6_forward, ipv4_iface_forward,
                                                route_localnet, bridge_nf_call_iptables,
                                                bridge_nf_call_ip6tables, somaxconn, unprivileged_port_start)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ListenerAfterProbe, socket, waiting, connections)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ProbeResult, outcome, from, target, detail, milliseconds,
                                                listeners_after)
// The query as it is typed, so snapshots keep the layout of format 1.
void to_json(nlohmann::json& j, const Query& q) {
  j = {{"address", q.target.text},
       {"port", q.port},
       {"protocol", q.protocol},
       {"from", q.from ? nlohmann::json(q.from->text) : nlohmann::json(nullptr)},
       {"container", q.container ? nlohmann::json(*q.container) : nlohmann::json(nullptr)}};
  if (q.netns) {
    j["netns"] = {{"path", q.netns->path}, {"pid", q.netns->pid}, {"label", q.netns->label}};
  }
  // --from NAMESPACE/POD, resolved to the pod's address when it was read.
  if (q.from && q.from->is_remote() && q.from->ip && q.from->text != q.from->ip->to_string()) {
    j["from_address"] = q.from->ip->to_string();
  }
}
void from_json(const nlohmann::json& j, Query& q) {
  q.target = Target::parse(j.value("address", std::string("localhost")));
  q.port = j.value("port", std::uint16_t{0});
  q.protocol = j.value("protocol", Protocol::tcp);
  const auto from = j.value("from", std::optional<std::string>());
  q.from = from ? Client::parse(*from) : std::nullopt;
  if (const auto address = IpAddress::parse(j.value("from_address", std::string())); address && q.from) {
    q.from->kind = Client::Kind::remote;
    q.from->ip = address;
  }
  q.container = j.value("container", std::optional<std::string>());
  if (const auto it = j.find("netns"); it != j.end() && !it->is_null()) {
    q.netns = NamespaceChoice{it->at("path").get<std::string>(), it->value("pid", 0),
                              it->at("label").get<std::string>()};
    if (q.target.text == q.netns->label) {
      q.target.kind = Target::Kind::netns;
    }
  }
}

namespace nf {

WHYNO_JSON_ENUM(Backend, {{Backend::nftables, "nftables"}, {Backend::legacy, "legacy"}})
WHYNO_JSON_ENUM(Writer, {{Writer::unknown, "unknown"}, {Writer::iptables, "iptables"}, {Writer::nft, "nft"}})
WHYNO_JSON_ENUM(Family, {{Family::other, "other"},
                         {Family::ip, "ip"},
                         {Family::ip6, "ip6"},
                         {Family::inet, "inet"},
                         {Family::arp, "arp"},
                         {Family::bridge, "bridge"},
                         {Family::netdev, "netdev"}})
WHYNO_JSON_ENUM(Hook, {{Hook::other, "other"},
                       {Hook::prerouting, "prerouting"},
                       {Hook::input, "input"},
                       {Hook::forward, "forward"},
                       {Hook::output, "output"},
                       {Hook::postrouting, "postrouting"},
                       {Hook::ingress, "ingress"}})
WHYNO_JSON_ENUM(ChainType,
                {{ChainType::filter, "filter"}, {ChainType::nat, "nat"}, {ChainType::route, "route"}})
WHYNO_JSON_ENUM(Field, {{Field::unknown, "unknown"},       {Field::iifname, "iifname"},
                        {Field::oifname, "oifname"},       {Field::l4proto, "l4proto"},
                        {Field::nfproto, "nfproto"},       {Field::saddr, "saddr"},
                        {Field::daddr, "daddr"},           {Field::sport, "sport"},
                        {Field::dport, "dport"},           {Field::saddr_type, "saddr_type"},
                        {Field::daddr_type, "daddr_type"}, {Field::ct_state, "ct_state"},
                        {Field::ct_status, "ct_status"},   {Field::mark, "mark"},
                        {Field::tcp_flags, "tcp_flags"},   {Field::port_pair, "port_pair"},
                        {Field::any_port, "any_port"},     {Field::ct_mark, "ct_mark"},
                        {Field::rpfilter, "rpfilter"},     {Field::ip6_routing_header, "ip6_routing_header"},
                        {Field::always, "always"},         {Field::random, "random"},
                        {Field::rate_limit, "rate_limit"}})
WHYNO_JSON_ENUM(MarkSet::Slot, {{MarkSet::Slot::value, "value"},
                                {MarkSet::Slot::packet, "packet"},
                                {MarkSet::Slot::connection, "connection"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MarkSet, target, from, and_mask, xor_value)
WHYNO_JSON_ENUM(ActionKind, {{ActionKind::unknown, "unknown"},
                             {ActionKind::next, "next"},
                             {ActionKind::accept, "accept"},
                             {ActionKind::drop, "drop"},
                             {ActionKind::reject, "reject"},
                             {ActionKind::return_, "return"},
                             {ActionKind::jump, "jump"},
                             {ActionKind::goto_, "goto"},
                             {ActionKind::dnat, "dnat"},
                             {ActionKind::snat, "snat"},
                             {ActionKind::masquerade, "masquerade"},
                             {ActionKind::redirect, "redirect"},
                             {ActionKind::vmap, "vmap"},
                             {ActionKind::queue, "queue"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BaseChain, hook, priority, type, policy_drop)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Chain, backend, family, table, name, base)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(InterfaceName, name, prefix)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Match, field, negated, interfaces, prefixes, ranges, mask,
                                                text)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VmapEntry, key, kind, chain, comment)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Action, kind, chain, nat_address, nat_port_min, nat_port_max,
                                                vmap_key, vmap_concat, vmap, text)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Rule, backend, family, table, chain, handle, matches, action,
                                                comment, writer, marks)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Ruleset, chains, rules, unread)

}  // namespace nf

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ForwarderNamespace, forwarder_pid, child_pid, uid, netns,
                                                ruleset, sysctls)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ClientHosts, path, addresses)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ClientNamespace, path, inode, label)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CniNetwork, read, path, name, plugins)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Facts, engine, host, ruleset, sysctls, container_netns,
                                                resolved_addresses, client_hosts, collected_at, unread,
                                                forwarder_namespaces, host_owner, client_netns, cni)

namespace snapshot {

namespace {
constexpr int k_format = 1;
}

std::string save(const Snapshot& s) {
  nlohmann::json j;
  j["whyno_port_snapshot"] = k_format;
  j["query"] = s.query;
  if (s.all) {
    j["all"] = true;
    j["project"] = s.project;
  }
  j["facts"] = s.facts;
  j["probe"] = s.probe;
  if (s.all) {
    nlohmann::json probes = nlohmann::json::array();
    for (const ItemProbe& p : s.probes) {
      probes.push_back({{"query", p.query}, {"result", p.result}});
    }
    j["probes"] = std::move(probes);
  }
  return j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

namespace {

/// Deeper than any snapshot whyno-port writes (about 8), far below what
/// would exhaust the stack of a recursive parser.
constexpr int k_max_depth = 64;

/// The deepest nesting of arrays and objects in `text`, counted without
/// parsing (strings skipped), so hostile input cannot recurse the parser.
int nesting_depth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

/// The one field of a snapshot that holds a fraction.
constexpr std::string_view k_float_field = "milliseconds";

/// A number with a fraction or an exponent anywhere but in
/// k_float_field: nlohmann would cast 1e308 into a 64-bit handle or inode,
/// which is undefined behaviour (the 32-bit fields are range-checked as
/// they are read). Its key, or nullopt when there is none.
std::optional<std::string> stray_float(const nlohmann::json& j, std::string_view key = {}) {
  if (j.is_number_float()) {
    return key == k_float_field && std::isfinite(j.get<double>()) ? std::nullopt
                                                                  : std::optional<std::string>(key);
  }
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (auto found = stray_float(v, k)) {
        return found;
      }
    }
  } else if (j.is_array()) {
    for (const auto& v : j) {
      if (auto found = stray_float(v, key)) {
        return found;
      }
    }
  }
  return std::nullopt;
}

/// nlohmann's messages start with "[json.exception.type_error.302] ".
std::string without_exception_tag(std::string_view what) {
  if (what.starts_with("[json.exception.")) {
    if (const auto end = what.find("] "); end != std::string_view::npos) {
      what.remove_prefix(end + 2);
    }
  }
  return excerpt(what, 160);
}

}  // namespace

Result<Snapshot> load(std::string_view text) {
  if (text.size() > k_max_snapshot_bytes) {
    return fail(Error::Kind::invalid,
                fmt::format("the snapshot is larger than {} MiB", k_max_snapshot_bytes >> 20));
  }
  if (nesting_depth(text) > k_max_depth) {
    return fail(
        Error::Kind::invalid,
        fmt::format("the snapshot nests deeper than {} levels; it is not one whyno-port wrote", k_max_depth));
  }
  try {
    const auto j = nlohmann::json::parse(text);
    if (!j.is_object() || !j.contains("whyno_port_snapshot") || j.at("whyno_port_snapshot") != k_format) {
      return fail(Error::Kind::invalid, "not a whyno-port facts snapshot (format 1)");
    }
    if (const auto key = stray_float(j)) {
      return fail(Error::Kind::invalid,
                  fmt::format("the snapshot is not valid: {} holds a number that is not an integer",
                              key->empty() ? std::string("a value") : "\"" + excerpt(*key, 40) + "\""));
    }
    Snapshot s;
    s.query = j.at("query").get<Query>();
    s.all = j.value("all", false);
    if (s.query.port == 0 && !s.all) {
      return fail(Error::Kind::invalid, "the snapshot is not valid: its query has no port");
    }
    s.project = j.value("project", std::optional<std::string>());
    const nlohmann::json& facts = j.at("facts");
    s.facts = facts.get<Facts>();
    if (const auto it = j.find("probe"); it != j.end()) {
      s.probe = it->get<std::optional<ProbeResult>>();
    } else if (const auto old = facts.find("probe"); old != facts.end()) {
      s.probe = old->get<std::optional<ProbeResult>>();  // snapshots kept it among the facts
    }
    if (const auto it = j.find("probes"); it != j.end()) {
      for (const nlohmann::json& p : *it) {
        s.probes.push_back({p.at("query").get<Query>(), p.at("result").get<ProbeResult>()});
      }
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    return fail(Error::Kind::invalid,
                std::string("the snapshot is not valid: ") + without_exception_tag(e.what()));
  }
}

}  // namespace snapshot
}  // namespace whyno
