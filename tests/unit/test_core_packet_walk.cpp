#include <doctest/doctest.h>

#include "facts_builder.hpp"
#include "core/firewall/packet_walk.hpp"

using namespace whyno;
using namespace whyno::nf;
using whyno::test::ip;

namespace {

Chain base(const char* table, const char* name, Hook hook, int priority, ChainType type,
           bool policy_drop = false, Family family = Family::ip) {
  return Chain{Backend::nftables, family, table, name, BaseChain{hook, priority, type, policy_drop}};
}

Chain regular(const char* table, const char* name) {
  return Chain{Backend::nftables, Family::ip, table, name, std::nullopt};
}

Rule rule(const char* table, const char* chain, std::vector<Match> matches, Action action) {
  Rule r;
  r.table = table;
  r.chain = chain;
  r.matches = std::move(matches);
  r.action = std::move(action);
  return r;
}

Match iif(const char* name, bool negated = false, bool prefix = false) {
  Match m;
  m.field = Field::iifname;
  m.negated = negated;
  m.interfaces.push_back({name, prefix});
  return m;
}

Match dport(std::uint32_t port) {
  Match m;
  m.field = Field::dport;
  m.ranges.push_back({port, port});
  return m;
}

Match daddr(const char* a, unsigned len, bool negated = false) {
  Match m;
  m.field = Field::daddr;
  m.negated = negated;
  m.prefixes.push_back({ip(a), len});
  return m;
}

Match local_destination() {
  Match m;
  m.field = Field::daddr_type;
  m.mask = 1u << k_rtn_local;
  return m;
}

Action jump(const char* chain) {
  Action a;
  a.kind = ActionKind::jump;
  a.chain = chain;
  return a;
}

Action verdict(ActionKind kind) {
  Action a;
  a.kind = kind;
  return a;
}

Action dnat(const char* address, std::uint16_t port) {
  Action a;
  a.kind = ActionKind::dnat;
  a.nat_address = ip(address);
  a.nat_port_min = a.nat_port_max = port;
  return a;
}

/// Docker 20.10's nat table, as iptables-nft writes it (userland-proxy on).
Ruleset docker_nat() {
  Ruleset r;
  r.chains = {base("nat", "PREROUTING", Hook::prerouting, -100, ChainType::nat),
              base("nat", "OUTPUT", Hook::output, -100, ChainType::nat), regular("nat", "DOCKER")};
  r.rules = {
      rule("nat", "PREROUTING", {local_destination()}, jump("DOCKER")),
      rule("nat", "OUTPUT", {daddr("127.0.0.0", 8, true), local_destination()}, jump("DOCKER")),
      rule("nat", "DOCKER", {iif("docker0")}, verdict(ActionKind::return_)),
      rule("nat", "DOCKER", {iif("docker0", true), dport(8080)}, dnat("172.17.0.2", 3000)),
  };
  return r;
}

WalkOptions nat_only() {
  WalkOptions o;
  o.only_type = ChainType::nat;
  return o;
}

Packet local_packet(const char* destination, std::uint16_t port) {
  Packet p;
  p.source = ip(destination);
  p.destination = ip(destination);
  p.destination_port = port;
  p.input_interface = "";
  p.output_interface = "lo";
  p.source_type = k_rtn_local;
  p.destination_type = k_rtn_local;
  return p;
}

}  // namespace

TEST_SUITE_BEGIN("core_packet_walk");

TEST_CASE("host address: OUTPUT DNAT to the container") {
  const Ruleset r = docker_nat();
  const auto out = walk_hook(r, Hook::output, local_packet("10.0.0.5", 8080), nat_only());
  REQUIRE(out.nat);
  CHECK(out.nat->address == ip("172.17.0.2"));
  CHECK(out.nat->port == 3000);
  CHECK(out.nat->rule->chain == "DOCKER");
}

TEST_CASE("localhost skips DNAT: docker-proxy's job") {
  const Ruleset r = docker_nat();
  CHECK_FALSE(walk_hook(r, Hook::output, local_packet("127.0.0.1", 8080), nat_only()).nat);
}

TEST_CASE("traffic from the same bridge returns before DNAT") {
  const Ruleset r = docker_nat();
  Packet p = local_packet("10.0.0.5", 8080);
  p.input_interface = "docker0";
  p.output_interface.reset();
  CHECK_FALSE(walk_hook(r, Hook::prerouting, p, nat_only()).nat);
  p.input_interface = "eth0";
  CHECK(walk_hook(r, Hook::prerouting, p, nat_only()).nat);
}

TEST_CASE("an accept in one base chain is not final; a drop anywhere is") {
  Ruleset r;
  r.chains = {base("filter", "FORWARD", Hook::forward, 0, ChainType::filter, true),
              base("docker-bridges", "filter-FORWARD", Hook::forward, 0, ChainType::filter)};
  r.rules = {rule("docker-bridges", "filter-FORWARD", {}, verdict(ActionKind::accept))};
  Packet p = local_packet("172.17.0.2", 3000);
  p.input_interface = "eth0";
  p.output_interface = "docker0";
  const auto out = walk_hook(r, Hook::forward, p);
  CHECK(out.kind == HookOutcome::Kind::dropped);
  REQUIRE(out.policy_chain != nullptr);
  CHECK(out.policy_chain->name == "FORWARD");
}

TEST_CASE("DOCKER-USER drop by source prefix, after a jump") {
  Ruleset r;
  r.chains = {base("filter", "FORWARD", Hook::forward, 0, ChainType::filter, true),
              regular("filter", "DOCKER-USER")};
  Match source;
  source.field = Field::saddr;
  source.prefixes.push_back({ip("198.51.100.0"), 24});
  r.rules = {rule("filter", "FORWARD", {}, jump("DOCKER-USER")),
             rule("filter", "FORWARD", {}, verdict(ActionKind::accept)),
             rule("filter", "DOCKER-USER", {source}, verdict(ActionKind::drop)),
             rule("filter", "DOCKER-USER", {}, verdict(ActionKind::return_))};
  Packet p = local_packet("172.17.0.2", 3000);
  p.source = ip("198.51.100.7");
  p.input_interface = "eth1";
  p.output_interface = "docker0";
  auto out = walk_hook(r, Hook::forward, p);
  CHECK(out.kind == HookOutcome::Kind::dropped);
  REQUIRE(out.rule != nullptr);
  CHECK(out.rule->chain == "DOCKER-USER");
  p.source = ip("203.0.113.9");
  out = walk_hook(r, Hook::forward, p);
  CHECK(out.kind == HookOutcome::Kind::accepted);
}

TEST_CASE("verdict maps dispatch on the interface") {
  Ruleset r;
  r.chains = {base("docker-bridges", "filter-FORWARD", Hook::forward, 0, ChainType::filter),
              regular("docker-bridges", "filter-forward-in__br1")};
  r.chains.back().table = "docker-bridges";
  Action vmap;
  vmap.kind = ActionKind::vmap;
  vmap.vmap_key = Field::oifname;
  vmap.vmap.push_back({"br1", ActionKind::jump, "filter-forward-in__br1", ""});
  r.rules = {rule("docker-bridges", "filter-FORWARD", {}, vmap),
             rule("docker-bridges", "filter-forward-in__br1", {dport(80)}, verdict(ActionKind::accept)),
             rule("docker-bridges", "filter-forward-in__br1", {}, verdict(ActionKind::drop))};
  Packet p = local_packet("192.0.2.2", 80);
  p.input_interface = "eth0";
  p.output_interface = "br1";
  CHECK(walk_hook(r, Hook::forward, p).kind == HookOutcome::Kind::accepted);
  p.destination_port = 81;
  CHECK(walk_hook(r, Hook::forward, p).kind == HookOutcome::Kind::dropped);
  p.output_interface = "br2";
  CHECK(walk_hook(r, Hook::forward, p).kind == HookOutcome::Kind::accepted);
}

TEST_CASE("a concatenated key joins the packet's fields; an unknown one makes the lookup uncertain") {
  Ruleset r;
  r.chains = {base("filter", "INPUT", Hook::input, 0, ChainType::filter)};
  Action vmap;
  vmap.kind = ActionKind::vmap;
  vmap.vmap_key = Field::saddr;
  vmap.vmap_concat = {Field::sport};
  vmap.vmap.push_back({"10.0.0.5 . 40000", ActionKind::drop, "", ""});
  r.rules = {rule("filter", "INPUT", {}, vmap)};
  Packet p = local_packet("10.0.0.5", 8080);
  p.source = ip("10.0.0.5");
  p.source_port = 40000;
  CHECK(walk_hook(r, Hook::input, p).kind == HookOutcome::Kind::dropped);
  p.source_port = 40001;
  CHECK(walk_hook(r, Hook::input, p).kind == HookOutcome::Kind::accepted);
  p.source_port = 0;  // the client's port is not known: the drop may apply
  const auto out = walk_hook(r, Hook::input, p);
  CHECK(out.kind == HookOutcome::Kind::accepted);
  CHECK(out.outcome_uncertain);
}

TEST_CASE("an unknown match is uncertain, not ignored") {
  Ruleset r;
  r.chains = {base("filter", "INPUT", Hook::input, 0, ChainType::filter)};
  Match unknown;
  unknown.text = "xt match recent";
  r.rules = {rule("filter", "INPUT", {unknown}, verdict(ActionKind::drop))};
  const auto out = walk_hook(r, Hook::input, local_packet("10.0.0.5", 8080));
  CHECK(out.kind == HookOutcome::Kind::accepted);
  CHECK(out.uncertain.size() == 1);
}

TEST_CASE("a chain that loops ends the walk as uncertain, in bounded time") {
  // tests/fuzz/crashes/iptables_legacy-goto-loop-hang: the kernel refuses
  // loops, a crafted blob or snapshot does not.
  Action go_to = jump("LOOP");
  go_to.kind = ActionKind::goto_;
  Ruleset r;
  r.chains = {base("filter", "INPUT", Hook::input, 0, ChainType::filter), regular("filter", "LOOP")};
  r.rules = {rule("filter", "INPUT", {}, jump("LOOP")), rule("filter", "LOOP", {}, go_to)};
  auto out = walk_hook(r, Hook::input, local_packet("10.0.0.5", 8080));
  CHECK(out.outcome_uncertain);
  // Two jumps to itself: 2^64 steps without the bound.
  r.rules = {rule("filter", "INPUT", {}, jump("LOOP")), rule("filter", "LOOP", {}, jump("LOOP")),
             rule("filter", "LOOP", {}, jump("LOOP"))};
  out = walk_hook(r, Hook::input, local_packet("10.0.0.5", 8080));
  CHECK(out.outcome_uncertain);
}

TEST_CASE("interface prefixes, as iptables writes docker+") {
  CHECK(evaluate(iif("veth", false, true), [] {
          Packet p;
          p.input_interface = "veth12ab";
          return p;
        }()) == Tri::yes);
  CHECK(evaluate(iif("veth"), [] {
          Packet p;
          p.input_interface = "veth12ab";
          return p;
        }()) == Tri::no);
  Packet unknown_iif;
  CHECK(evaluate(iif("eth0"), unknown_iif) == Tri::maybe);
}

TEST_SUITE_END();
