// The rules real host firewalls write, recorded from the tools themselves
// (tests/fixtures/netfilter/README.md: ufw 0.36.2 with the ufw-docker recipe
// and with user rules, firewalld 1.3.3 on both backends, kube-proxy's
// iptables golden): the first packet of a new connection meets no condition
// whyno-port cannot evaluate, except those that truly depend on history
// (`-m recent --rcheck/--update`). src/core/firewall/EVALUATION.md is the
// inventory this proves.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "test_netfilter_nft_fixtures.hpp"

using namespace whyno;
using namespace whyno::nf;
using namespace whyno::test::nf_fixtures;

namespace {

struct Flow {
  const char* source;
  const char* destination;
  std::uint8_t l4proto;
  std::uint16_t port;
  const char* input;   // "" on OUTPUT
  const char* output;  // forwarded: the bridge; else "" (INPUT) or the way out
};

/// New connections a user asks about: remote clients to the host's services
/// and to published ports (after DNAT: forwarded to a container), a
/// container to the host, this host to a container; TCP and UDP, v4 and v6.
std::vector<Flow> flows() {
  std::vector<Flow> out;
  for (const std::uint16_t port : std::vector<std::uint16_t>{22, 53, 80, 2222, 5432, 8080}) {
    for (const std::uint8_t proto : std::vector<std::uint8_t>{6, 17}) {
      out.push_back({"203.0.113.2", "203.0.113.1", proto, port, "eth0", ""});
      out.push_back({"203.0.113.2", "172.18.0.2", proto, port, "eth0", "bridge1"});
      out.push_back({"203.0.113.2", "192.0.2.2", proto, port, "eth0", "bridge1"});
      out.push_back({"172.17.0.3", "172.17.0.1", proto, port, "docker0", ""});
      out.push_back({"2001:db8:1::2", "2001:db8:1::1", proto, port, "eth0", ""});
      out.push_back({"2001:db8:1::2", "2001:db8:2::2", proto, port, "eth0", "bridge1"});
    }
  }
  return out;
}

Packet packet_of(const Flow& f, Hook hook) {
  Packet p;
  p.source = ip(f.source);
  p.destination = ip(f.destination);
  p.l4proto = f.l4proto;
  p.destination_port = f.port;
  p.source_port = 40000;
  p.input_interface = f.input;
  const bool forwarded = std::string(f.output) == "bridge1";
  p.output_interface = hook == Hook::forward || hook == Hook::postrouting ? std::string(f.output) : "";
  p.destination_type = forwarded ? k_rtn_unicast : k_rtn_local;
  p.reverse_path_valid = true;  // firewall_hop computes it from the host's routes
  return p;
}

/// Every rule any flow could not evaluate, on any hook it crosses.
std::vector<const Rule*> uncertain_rules(const Ruleset& rules) {
  std::vector<const Rule*> out;
  for (const Flow& f : flows()) {
    const bool forwarded = std::string(f.output) == "bridge1";
    const std::vector<Hook> hooks =
        forwarded ? std::vector<Hook>{Hook::prerouting, Hook::forward, Hook::postrouting}
                  : std::vector<Hook>{Hook::prerouting, Hook::input};
    for (const Hook hook : hooks) {
      const Packet p = packet_of(f, hook);
      for (const Rule* r : walk_hook(rules, hook, p).uncertain) {
        if (std::find(out.begin(), out.end(), r) == out.end()) {
          out.push_back(r);
        }
      }
    }
  }
  return out;
}

bool depends_on_history(const Rule& r) {
  return std::any_of(r.matches.begin(), r.matches.end(), [](const Match& m) {
    return m.field == Field::unknown &&
           (m.text.starts_with("-m recent --rcheck") || m.text.starts_with("-m recent --update"));
  });
}

void check_only_history_is_unknown(const char* dir) {
  const Ruleset rules = decode(dir);
  REQUIRE_FALSE(rules.rules.empty());
  for (const Rule* r : uncertain_rules(rules)) {
    INFO(dir, ": ", r->table, " ", r->chain, " handle ", r->handle);
    CHECK(depends_on_history(*r));
  }
}

}  // namespace

TEST_SUITE_BEGIN("netfilter_real_firewalls");

TEST_CASE("ufw with the ufw-docker recipe (2023: --tcp-flags FIN,SYN,RST,ACK SYN) on Docker 29") {
  check_only_history_is_unknown("ufw_docker");
  // The rule of the issue: DOCKER-USER's SYN drop to 172.16.0.0/12 is a
  // definite match for a remote client's first packet to a container.
  const Ruleset rules = decode("ufw_docker");
  Flow f{"203.0.113.2", "172.18.0.2", 6, 80, "eth0", "bridge1"};
  const auto out = walk_hook(rules, Hook::forward, packet_of(f, Hook::forward));
  CHECK(out.kind == HookOutcome::Kind::dropped);
  CHECK_FALSE(out.outcome_uncertain);
  bool logged_deny = false;
  for (const Rule* r : out.trace) {
    logged_deny = logged_deny || r->action.chain == "ufw-docker-logging-deny";
  }
  CHECK(logged_deny);
}

TEST_CASE("ufw's own rules with user rules (allow, limit, deny, route allow), v4 and v6") {
  check_only_history_is_unknown("ufw_rules");
  // `ufw limit 2222/tcp`: --set always matches, --update depends on history.
  const Ruleset rules = decode("ufw_rules");
  Flow f{"203.0.113.2", "203.0.113.1", 6, 2222, "eth0", ""};
  const auto out = walk_hook(rules, Hook::input, packet_of(f, Hook::input));
  REQUIRE(out.uncertain.size() == 1);
  CHECK(depends_on_history(*out.uncertain.front()));
}

TEST_CASE("firewalld's nftables backend, zone public: rpfilter (fib) answered from the routes") {
  check_only_history_is_unknown("firewalld_nft_public");
  // Without the host's routes the reverse-path check is honestly unknown.
  const Ruleset rules = decode("firewalld_nft_public");
  Flow f{"2001:db8:1::2", "2001:db8:1::1", 6, 22, "eth0", ""};
  Packet p = packet_of(f, Hook::prerouting);
  p.reverse_path_valid.reset();
  CHECK_FALSE(walk_hook(rules, Hook::prerouting, p).uncertain.empty());
  p.reverse_path_valid = false;
  CHECK(walk_hook(rules, Hook::prerouting, p).kind == HookOutcome::Kind::dropped);
}

TEST_CASE("firewalld's iptables backend with Docker's zone: -m rpfilter --invert") {
  check_only_history_is_unknown("firewalld_ipt_docker");
}

TEST_CASE("kube-proxy's iptables rules: marks, nfacct, statistic; only ClientIP affinity is history") {
  check_only_history_is_unknown("kube_iptables");
}

TEST_CASE("kube-proxy's nftables rules: concatenated verdict maps and numgen are all looked up") {
  check_only_history_is_unknown("kube_nft");
}

TEST_SUITE_END();
