#pragma once
// Small builders for hand-made facts in diagnosis tests. Recorded real
// facts live in tests/fixtures/snapshots; these cover what a test needs to
// vary one fact at a time.

#include <string>

#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"

namespace whyno::test {

inline IpAddress ip(const char* text) { return *IpAddress::parse(text); }

/// What `whyno-port [ADDRESS:]PORT` asks: a client on this host.
inline Query host_query(std::uint16_t port, const char* address = "localhost") {
  Query q;
  q.target = Target::parse(address);
  q.port = port;
  return q;
}

inline Listener listener(Protocol p, const char* address, std::uint16_t port, const char* process = "server",
                         int pid = 100) {
  Listener l;
  l.protocol = p;
  l.address = ip(address);
  l.port = port;
  l.backlog = 128;
  ProcessRef owner;
  owner.pid = pid;
  owner.comm = process;
  owner.cmdline = process;
  owner.run_state = "S";
  l.owners.push_back(owner);
  return l;
}

inline Listener docker_proxy(std::uint16_t host_port, const char* container_ip, std::uint16_t container_port,
                             const char* host_ip = "0.0.0.0") {
  Listener l = listener(Protocol::tcp, host_ip, host_port, "docker-proxy", 900);
  l.owners.front().cmdline = std::string("/usr/sbin/docker-proxy -proto tcp -host-ip ") + host_ip +
                             " -host-port " + std::to_string(host_port) + " -container-ip " + container_ip +
                             " -container-port " + std::to_string(container_port);
  return l;
}

/// A facts set with the host's loopback and docker0, and an engine.
inline Facts host_facts() {
  Facts f;
  f.engine = Engine{};
  f.engine->product = "docker";
  f.engine->networks.push_back(Network{
      "b1",
      "bridge",
      "bridge",
      "local",
      false,
      false,
      {{ip("172.17.0.0"), 16}},
      {ip("172.17.0.1")},
      {{"com.docker.network.bridge.default_bridge", "true"}, {"com.docker.network.bridge.name", "docker0"}},
      ""});
  f.host.inode = 1;
  f.host.interfaces.push_back({1, "lo", "", 0, true, 65536, {{ip("127.0.0.1"), 8}}});
  f.host.interfaces.push_back({3, "docker0", "bridge", 0, true, 1500, {{ip("172.17.0.1"), 16}}});
  return f;
}

/// Adds a running container attached to `network` at `address`, with a
/// namespace holding an eth0 and the given listeners.
inline Container& add_container(Facts& f, const std::string& name, const char* address,
                                std::vector<Listener> listeners = {}, const std::string& network = "bridge") {
  Container c;
  c.id = name + std::string(64 - name.size(), 'a');
  c.name = name;
  c.state.status = "running";
  c.state.running = true;
  c.state.pid = 4000 + static_cast<int>(f.engine->containers.size());
  c.network_mode = network == "bridge" ? "default" : network;
  ContainerNetwork n;
  n.name = network;
  n.network_id = network == "bridge" ? "b1" : "id-" + network;
  n.ipv4 = ip(address);
  n.ipv4_prefix_len = 16;
  c.networks.push_back(n);
  NetnsFacts ns;
  ns.inode = 100 + f.engine->containers.size();
  ns.interfaces.push_back({1, "lo", "", 0, true, 65536, {{ip("127.0.0.1"), 8}}});
  ns.interfaces.push_back({2, "eth0", "veth", 0, true, 1500, {{ip(address), 16}}});
  ns.listeners = std::move(listeners);
  f.container_netns[c.id] = std::move(ns);
  f.engine->containers.push_back(c);
  return f.engine->containers.back();
}

inline void add_user_network(Facts& f, const std::string& name) {
  f.engine->networks.push_back(Network{"id-" + name,
                                       name,
                                       "bridge",
                                       "local",
                                       false,
                                       false,
                                       {{ip("172.18.0.0"), 16}},
                                       {ip("172.18.0.1")},
                                       {},
                                       ""});
}

inline void publish(Container& c, std::uint16_t host_port, std::uint16_t container_port,
                    Protocol p = Protocol::tcp, const std::string& host_ip = "0.0.0.0") {
  c.intended.push_back({p, container_port, host_ip == "0.0.0.0" ? "" : host_ip, host_port});
  c.actual.push_back({p, container_port, host_ip, host_port});
}

}  // namespace whyno::test

namespace whyno::test {

inline nf::Match match_dport(std::uint32_t port) {
  nf::Match m;
  m.field = nf::Field::dport;
  m.ranges.push_back({port, port});
  return m;
}

inline nf::Match match_interface(nf::Field field, const char* name, bool negated = false) {
  nf::Match m;
  m.field = field;
  m.negated = negated;
  m.interfaces.push_back({name, false});
  return m;
}

inline nf::Match match_prefix(nf::Field field, const char* address, unsigned length, bool negated = false) {
  nf::Match m;
  m.field = field;
  m.negated = negated;
  m.prefixes.push_back({ip(address), length});
  return m;
}

inline nf::Rule make_rule(const char* table, const char* chain, std::vector<nf::Match> matches,
                          nf::ActionKind kind, const char* target = "") {
  nf::Rule r;
  r.table = table;
  r.chain = chain;
  r.matches = std::move(matches);
  r.action.kind = kind;
  r.action.chain = target;
  return r;
}

/// Docker 20.10's rules for `-p 8080:<container_port>` to `container_ip`,
/// as iptables-nft writes them (userland-proxy on, FORWARD policy drop).
inline void add_docker_rules(Facts& f, const char* container_ip, std::uint16_t container_port,
                             std::uint16_t host_port = 8080) {
  using nf::ActionKind;
  using nf::Field;
  const auto base = [](const char* table, const char* name, nf::Hook hook, int prio, nf::ChainType type,
                       bool drop) {
    return nf::Chain{nf::Backend::nftables, nf::Family::ip, table, name,
                     nf::BaseChain{hook, prio, type, drop}};
  };
  const auto regular = [](const char* table, const char* name) {
    return nf::Chain{nf::Backend::nftables, nf::Family::ip, table, name, std::nullopt};
  };
  f.ruleset.chains = {base("nat", "PREROUTING", nf::Hook::prerouting, -100, nf::ChainType::nat, false),
                      base("nat", "OUTPUT", nf::Hook::output, -100, nf::ChainType::nat, false),
                      regular("nat", "DOCKER"),
                      base("filter", "FORWARD", nf::Hook::forward, 0, nf::ChainType::filter, true),
                      regular("filter", "DOCKER-USER"),
                      regular("filter", "DOCKER")};
  nf::Match local;
  local.field = Field::daddr_type;
  local.mask = 1u << 2;
  nf::Rule dnat =
      make_rule("nat", "DOCKER", {match_interface(Field::iifname, "docker0", true), match_dport(host_port)},
                ActionKind::dnat);
  dnat.action.nat_address = ip(container_ip);
  dnat.action.nat_port_min = dnat.action.nat_port_max = container_port;
  nf::Match established;
  established.field = Field::ct_state;
  established.mask = 2 | 4;
  f.ruleset.rules = {
      make_rule("nat", "PREROUTING", {local}, ActionKind::jump, "DOCKER"),
      make_rule("nat", "OUTPUT", {match_prefix(Field::daddr, "127.0.0.0", 8, true), local}, ActionKind::jump,
                "DOCKER"),
      make_rule("nat", "DOCKER", {match_interface(Field::iifname, "docker0")}, ActionKind::return_),
      dnat,
      make_rule("filter", "FORWARD", {}, ActionKind::jump, "DOCKER-USER"),
      make_rule("filter", "FORWARD", {match_interface(Field::oifname, "docker0"), established},
                ActionKind::accept),
      make_rule("filter", "FORWARD", {match_interface(Field::oifname, "docker0")}, ActionKind::jump,
                "DOCKER"),
      make_rule("filter", "DOCKER-USER", {}, ActionKind::return_),
      make_rule(
          "filter", "DOCKER",
          {match_prefix(Field::daddr, container_ip, 32), match_interface(Field::iifname, "docker0", true),
           match_interface(Field::oifname, "docker0"), match_dport(container_port)},
          ActionKind::accept),
  };
}

/// A host interface toward remote clients, 198.51.100.1/24 on eth1.
inline void add_uplink(Facts& f) {
  f.host.interfaces.push_back({7, "eth1", "veth", 0, true, 1500, {{ip("198.51.100.1"), 24}}});
  f.sysctls.ipv4_forward = true;
  f.sysctls.ipv4_iface_forward["eth1"] = true;
}

}  // namespace whyno::test
