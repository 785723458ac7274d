// kube-proxy's own expected outcomes as an oracle: every row of
// TestTracePacket's flow table (shared/upstream/kubernetes, copied to
// tests/fixtures/netfilter/kube_trace/flows.tsv) walked through the rules of
// the same test, loaded with iptables-nft-restore and recorded. The walk goes
// through the hooks as the kernel does (nat and filter on the way in, every
// endpoint behind `-m statistic`), and must name the same endpoints, DROP,
// REJECT, ACCEPT or nothing, and the same masquerade mark.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "test_netfilter_nft_fixtures.hpp"

using namespace whyno;
using namespace whyno::nf;
using namespace whyno::test::nf_fixtures;

namespace {

struct Flow {
  std::string name;
  std::string protocol;
  std::string source;
  std::string destination;
  std::uint16_t port = 0;
  std::string output;
  bool masq = false;
};

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, '\t')) {
    out.push_back(field);
  }
  if (!line.empty() && line.back() == '\t') {
    out.emplace_back();
  }
  return out;
}

std::vector<Flow> flows() {
  std::vector<Flow> out;
  std::istringstream in(whyno::test::fixture_text("netfilter/kube_trace/flows.tsv"));
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line.starts_with("#")) {
      continue;
    }
    if (header) {
      header = false;  // name protocol sourceIP destIP destPort output masq
      continue;
    }
    const auto f = split_tabs(line);
    REQUIRE(f.size() == 7);
    out.push_back(
        {f[0], f[1], f[2], f[3], static_cast<std::uint16_t>(std::stoi(f[4])), f[5], f[6] == "true"});
  }
  return out;
}

/// The test's node IPs (testNodeIPs), which -m addrtype sees as LOCAL.
bool node_address(const std::string& a) {
  static const std::vector<std::string> k_node = {"192.168.0.2", "192.168.1.2", "192.168.99.11", "127.0.0.1"};
  return std::find(k_node.begin(), k_node.end(), a) != k_node.end();
}

bool marks_masquerade(const HookOutcome& out) {
  return std::any_of(out.trace.begin(), out.trace.end(), [](const Rule* r) {
    return r->action.kind == ActionKind::jump && r->action.chain == "KUBE-MARK-MASQ";
  });
}

bool kube_accepts(const HookOutcome& out) {
  return std::any_of(out.trace.begin(), out.trace.end(), [](const Rule* r) {
    return r->action.kind == ActionKind::accept && r->chain.starts_with("KUBE-");
  });
}

struct Traced {
  std::string output;
  bool masq = false;
};

/// What the kernel would do with the flow's first packet, in the words of
/// kube-proxy's tracer.
Traced trace(const Ruleset& rules, const Flow& flow) {
  Packet p;
  p.source = *IpAddress::parse(flow.source);
  p.destination = *IpAddress::parse(flow.destination);
  p.destination_port = flow.port;
  p.l4proto = flow.protocol == "udp" ? 17 : flow.protocol == "sctp" ? 132 : 6;
  const bool from_node = node_address(flow.source);
  p.source_type = from_node ? k_rtn_local : k_rtn_unicast;
  p.destination_type = node_address(flow.destination) ? k_rtn_local : k_rtn_unicast;
  p.input_interface = from_node ? "" : "eth0";
  // Where the packet is first seen: a node's own packet at output (nat and
  // filter), another machine's at prerouting.
  const Hook first = from_node ? Hook::output : Hook::prerouting;
  const std::vector<HookOutcome> branches = walk_every_branch(rules, first, p);
  REQUIRE_FALSE(branches.empty());

  Traced out;
  std::vector<std::string> endpoints;
  for (const HookOutcome& b : branches) {
    CHECK(b.uncertain.empty());
    if (b.nat && b.nat->address) {
      endpoints.push_back(b.nat->address->to_string() + ":" + std::to_string(b.nat->port));
    }
  }
  // Then on, the tracer follows the first endpoint, as this does.
  const HookOutcome& taken = branches.front();
  std::vector<HookOutcome> hooks{taken};
  if (taken.kind == HookOutcome::Kind::accepted) {
    const bool local = taken.packet.destination_type == k_rtn_local ||
                       (from_node && node_address(taken.packet.destination.to_string()));
    const Hook next = local ? Hook::input : from_node ? Hook::postrouting : Hook::forward;
    hooks.push_back(walk_hook(rules, next, taken.packet));
  }
  for (const HookOutcome& h : hooks) {
    out.masq = out.masq || marks_masquerade(h);
    if (h.kind == HookOutcome::Kind::dropped && h.rule != nullptr) {
      out.output = "DROP";
      return out;
    }
    if (h.kind == HookOutcome::Kind::rejected) {
      out.output = "REJECT";
      return out;
    }
  }
  if (!endpoints.empty()) {
    for (const std::string& e : endpoints) {
      out.output += out.output.empty() ? e : ", " + e;
    }
  } else if (std::any_of(hooks.begin(), hooks.end(), kube_accepts)) {
    out.output = "ACCEPT";
  }
  return out;
}

}  // namespace

TEST_SUITE_BEGIN("netfilter_kube_trace");

TEST_CASE("kube-proxy's TestTracePacket: every flow gives the outcome kube-proxy's own test asserts") {
  const Ruleset rules = decode("kube_trace");
  const std::vector<Flow> all = flows();
  REQUIRE(all.size() == 7);
  for (const Flow& flow : all) {
    INFO(flow.name, ": ", flow.source, " -> ", flow.destination, ":", flow.port);
    const Traced got = trace(rules, flow);
    CHECK(got.output == flow.output);
    CHECK(got.masq == flow.masq);
  }
}

TEST_CASE("every endpoint behind -m statistic is walked, in the rules' order") {
  const Ruleset rules = decode("kube_trace");
  Packet p;
  p.source = ip("10.0.0.2");
  p.destination = ip("172.30.0.44");
  p.destination_port = 80;
  p.input_interface = "eth0";
  const auto branches = walk_every_branch(rules, Hook::prerouting, p);
  REQUIRE(branches.size() == 2);
  CHECK(branches[0].nat->address == ip("10.180.0.4"));
  CHECK(branches[1].nat->address == ip("10.180.0.5"));
  CHECK(walk_every_branch(rules, Hook::prerouting, p, {}, 1).size() == 1);  // the limit holds
}

TEST_SUITE_END();
