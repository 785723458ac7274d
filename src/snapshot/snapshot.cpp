#include "whyno/snapshot/snapshot.hpp"

#include <nlohmann/json.hpp>

namespace nlohmann {

template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& value) {
    j = value ? json(*value) : json(nullptr);
  }
  static void from_json(const json& j, std::optional<T>& value) {
    value = j.is_null() ? std::nullopt : std::optional<T>(j.get<T>());
  }
};

}  // namespace nlohmann

namespace whyno {

void to_json(nlohmann::json& j, const IpAddress& a) { j = a.to_string(); }
void from_json(const nlohmann::json& j, IpAddress& a) {
  const auto parsed = IpAddress::parse(j.get<std::string>());
  if (!parsed) {
    throw nlohmann::json::other_error::create(501, "bad address " + j.dump(), &j);
  }
  a = *parsed;
}
void to_json(nlohmann::json& j, const IpPrefix& p) { j = p.to_string(); }
void from_json(const nlohmann::json& j, IpPrefix& p) {
  const auto text = j.get<std::string>();
  const auto slash = text.find('/');
  from_json(nlohmann::json(text.substr(0, slash)), p.address);
  p.length = slash == std::string::npos ? (p.address.is_v4() ? 32u : 128u)
                                        : static_cast<unsigned>(std::stoul(text.substr(slash + 1)));
}

NLOHMANN_JSON_SERIALIZE_ENUM(Protocol, {{Protocol::tcp, "tcp"}, {Protocol::udp, "udp"}})
NLOHMANN_JSON_SERIALIZE_ENUM(ProbeResult::Outcome,
                             {{ProbeResult::Outcome::error, "error"},
                              {ProbeResult::Outcome::answered, "answered"},
                              {ProbeResult::Outcome::connected, "connected"},
                              {ProbeResult::Outcome::refused, "refused"},
                              {ProbeResult::Outcome::reset_or_closed, "reset-or-closed"},
                              {ProbeResult::Outcome::timed_out, "timed-out"},
                              {ProbeResult::Outcome::unresolved, "unresolved"},
                              {ProbeResult::Outcome::unreachable, "unreachable"},
                              {ProbeResult::Outcome::skipped, "skipped"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Unread, source, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ProcessRef, pid, comm, cmdline, container_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Listener, protocol, address, port, v6only,
                                                bound_ifindex, accept_queue, backlog, inode, owners)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(InterfaceAddress, address, prefix_len)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Interface, index, name, kind, master_index, up, mtu,
                                                addresses)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Route, destination, output_index, gateway,
                                                has_gateway, type, table)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NetnsFacts, inode, interfaces, routes, listeners,
                                                unread)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PortBinding, protocol, container_port, host_ip,
                                                host_port)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ExposedPort, protocol, port)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ContainerNetwork, name, network_id, ipv4,
                                                ipv4_prefix_len, ipv6, gateway, aliases, dns_names)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ContainerState, status, running, paused, restarting,
                                                oom_killed, dead, pid, exit_code, error, started_at,
                                                finished_at, restart_count)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Container, id, name, image, created, state,
                                                network_mode, intended, publish_all, actual, exposed,
                                                networks, sandbox_key, hosts_path, links, hostname)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Network, id, name, driver, scope, internal,
                                                enable_ipv6, subnets, gateways, options)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DaemonConfig, read, path, userland_proxy, iptables,
                                                ip6tables, ip_forward, ip_masq, icc, ip,
                                                firewall_backend, problem)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Engine, product, version, api_version, socket,
                                                containers, networks, warnings, config)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Sysctls, ipv4_forward, ipv6_forward,
                                                ipv4_iface_forward, route_localnet,
                                                bridge_nf_call_iptables, bridge_nf_call_ip6tables,
                                                somaxconn)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ProbeResult, outcome, from, target, detail,
                                                milliseconds)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Query, address, port, protocol, from, container)

namespace nf {

NLOHMANN_JSON_SERIALIZE_ENUM(Backend, {{Backend::nftables, "nftables"}, {Backend::legacy, "legacy"}})
NLOHMANN_JSON_SERIALIZE_ENUM(Family, {{Family::other, "other"},
                                      {Family::ip, "ip"},
                                      {Family::ip6, "ip6"},
                                      {Family::inet, "inet"},
                                      {Family::arp, "arp"},
                                      {Family::bridge, "bridge"},
                                      {Family::netdev, "netdev"}})
NLOHMANN_JSON_SERIALIZE_ENUM(Hook, {{Hook::other, "other"},
                                    {Hook::prerouting, "prerouting"},
                                    {Hook::input, "input"},
                                    {Hook::forward, "forward"},
                                    {Hook::output, "output"},
                                    {Hook::postrouting, "postrouting"},
                                    {Hook::ingress, "ingress"}})
NLOHMANN_JSON_SERIALIZE_ENUM(ChainType, {{ChainType::filter, "filter"},
                                         {ChainType::nat, "nat"},
                                         {ChainType::route, "route"}})
NLOHMANN_JSON_SERIALIZE_ENUM(Field, {{Field::unknown, "unknown"},
                                     {Field::iifname, "iifname"},
                                     {Field::oifname, "oifname"},
                                     {Field::l4proto, "l4proto"},
                                     {Field::nfproto, "nfproto"},
                                     {Field::saddr, "saddr"},
                                     {Field::daddr, "daddr"},
                                     {Field::sport, "sport"},
                                     {Field::dport, "dport"},
                                     {Field::saddr_type, "saddr_type"},
                                     {Field::daddr_type, "daddr_type"},
                                     {Field::ct_state, "ct_state"},
                                     {Field::mark, "mark"}})
NLOHMANN_JSON_SERIALIZE_ENUM(ActionKind, {{ActionKind::unknown, "unknown"},
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
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Match, field, negated, interfaces, prefixes, ranges,
                                                mask, text)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VmapEntry, key, kind, chain)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Action, kind, chain, nat_address, nat_port_min,
                                                nat_port_max, vmap_key, vmap, text)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Rule, backend, family, table, chain, handle,
                                                matches, action, comment)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Ruleset, chains, rules, unread)

}  // namespace nf

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Facts, engine, host, ruleset, sysctls,
                                                container_netns, resolved_addresses, probe, collected_at, unread)

namespace snapshot {

namespace {
constexpr int k_format = 1;
}

std::string save(const Snapshot& s) {
  nlohmann::json j;
  j["whyno_port_snapshot"] = k_format;
  j["query"] = s.query;
  j["facts"] = s.facts;
  return j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<Snapshot> load(std::string_view text) {
  try {
    const auto j = nlohmann::json::parse(text);
    if (j.value("whyno_port_snapshot", 0) != k_format) {
      return fail(Error::Kind::invalid, "not a whyno-port facts snapshot (format 1)");
    }
    Snapshot s;
    s.query = j.at("query").get<Query>();
    s.facts = j.at("facts").get<Facts>();
    return s;
  } catch (const nlohmann::json::exception& e) {
    return fail(Error::Kind::invalid, std::string("the snapshot is not valid: ") + e.what());
  }
}

}  // namespace snapshot
}  // namespace whyno
