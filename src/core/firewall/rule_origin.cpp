#include "rule_origin.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "rule_syntax.hpp"
#include "whyno/core/plan/container_lookup.hpp"

namespace whyno::detail {

namespace {

const nf::Match* match_of(const nf::Rule& r, nf::Field field) {
  const auto it = std::find_if(r.matches.begin(), r.matches.end(),
                               [field](const nf::Match& m) { return m.field == field; });
  return it == r.matches.end() ? nullptr : &*it;
}

/// The one interface name a match compares with, or "".
std::string single_interface(const nf::Match* m) {
  if (m == nullptr || m->interfaces.size() != 1 || m->interfaces.front().prefix) {
    return {};
  }
  return m->interfaces.front().name;
}

bool is_drop(const nf::Rule& r) {
  return r.action.kind == nf::ActionKind::drop || r.action.kind == nf::ActionKind::reject;
}

bool comment_starts(const nf::Rule& r, std::string_view text) { return r.comment.starts_with(text); }

/// Docker's own rules, by the shape each version writes (iptables, either
/// iptables-nft or legacy). See docs/docker-netfilter-internals in shared/.
RuleOrigin::Purpose docker_iptables_purpose(const nf::Rule& r, const Facts& facts) {
  if (!is_drop(r)) {
    return RuleOrigin::Purpose::none;
  }
  const nf::Match* in = match_of(r, nf::Field::iifname);
  const nf::Match* out = match_of(r, nf::Field::oifname);
  const std::string in_name = single_interface(in);
  const std::string out_name = single_interface(out);
  if (r.table == "raw" && r.chain == "PREROUTING") {
    const nf::Match* to = match_of(r, nf::Field::daddr);
    if (to == nullptr || to->negated || to->prefixes.size() != 1 || in == nullptr || !in->negated) {
      return RuleOrigin::Purpose::none;
    }
    const IpPrefix& p = to->prefixes.front();
    if (p.address.is_loopback() && in_name == "lo") {
      return RuleOrigin::Purpose::remote_loopback;
    }
    const bool container_address =
        facts.engine && container_with_address(*facts.engine, p.address).container != nullptr;
    const bool host_route = p.length == (p.address.is_v4() ? 32u : 128u);
    return container_address || host_route ? RuleOrigin::Purpose::direct_access : RuleOrigin::Purpose::none;
  }
  if (in_name.empty() || in_name != out_name) {
    return RuleOrigin::Purpose::none;
  }
  if (in->negated && !out->negated && r.chain == "DOCKER") {
    return RuleOrigin::Purpose::unpublished_port;  // ! -i br -o br -j DROP
  }
  if (!in->negated && !out->negated) {
    return RuleOrigin::Purpose::inter_container;  // -i br -o br -j DROP
  }
  return RuleOrigin::Purpose::none;
}

RuleOrigin::Purpose docker_nftables_purpose(const nf::Rule& r) {
  if (!is_drop(r)) {
    return RuleOrigin::Purpose::none;
  }
  if (comment_starts(r, "DROP DIRECT ACCESS")) {
    return RuleOrigin::Purpose::direct_access;
  }
  if (comment_starts(r, "DROP REMOTE LOOPBACK")) {
    return RuleOrigin::Purpose::remote_loopback;
  }
  if (comment_starts(r, "UNPUBLISHED PORT DROP")) {
    return RuleOrigin::Purpose::unpublished_port;
  }
  if (comment_starts(r, "ICC")) {
    return RuleOrigin::Purpose::inter_container;
  }
  if (comment_starts(r, "INTERNAL NETWORK")) {
    return RuleOrigin::Purpose::internal_network;
  }
  return RuleOrigin::Purpose::none;
}

std::string_view purpose_text(RuleOrigin::Purpose p) {
  switch (p) {
    case RuleOrigin::Purpose::direct_access:
      return "drops packets from other machines sent straight to a container's address";
    case RuleOrigin::Purpose::remote_loopback:
      return "drops packets from other machines to a port published on 127.0.0.1";
    case RuleOrigin::Purpose::unpublished_port:
      return "drops traffic from outside a bridge to the ports its containers do not publish";
    case RuleOrigin::Purpose::inter_container:
      return "drops traffic between containers of one network (ICC off)";
    case RuleOrigin::Purpose::internal_network:
      return "drops traffic into and out of an --internal network";
    case RuleOrigin::Purpose::isolation:
      return "drops traffic between two Docker networks";
    case RuleOrigin::Purpose::none:
      break;
  }
  return {};
}

RuleOrigin docker(RuleOrigin::Purpose purpose, std::string who, std::string_view layout) {
  RuleOrigin o{RuleOrigin::Author::docker, purpose, std::move(who), {}};
  o.description = std::string(layout);
  if (purpose != RuleOrigin::Purpose::none) {
    o.description += ": ";
    o.description += purpose_text(purpose);
  }
  return o;
}

}  // namespace

RuleOrigin origin_of(const nf::Rule& r, const Facts& facts) {
  const std::string& chain = r.chain;
  if (r.backend == nf::Backend::nftables && r.table == "docker-bridges") {
    return docker(docker_nftables_purpose(r), "Docker's", "Docker 29 (nftables backend)");
  }
  if (chain == "DOCKER-USER") {
    return {RuleOrigin::Author::docker_user, RuleOrigin::Purpose::none, "your",
            "Docker's DOCKER-USER chain (yours to edit: Docker never writes rules there)"};
  }
  if (chain.starts_with("DOCKER")) {
    auto purpose = docker_iptables_purpose(r, facts);
    if (chain.starts_with("DOCKER-ISOLATION") && is_drop(r)) {
      purpose = RuleOrigin::Purpose::isolation;
    } else if (chain == "DOCKER-INTERNAL" && is_drop(r)) {
      purpose = RuleOrigin::Purpose::internal_network;
    }
    return docker(purpose, "Docker's", "Docker (iptables)");
  }
  if (r.table == "raw" && chain == "PREROUTING") {
    if (const auto purpose = docker_iptables_purpose(r, facts); purpose != RuleOrigin::Purpose::none) {
      return docker(purpose, "Docker's", "Docker 28 or later (iptables)");
    }
  }
  if (r.table == "filter" && chain == "FORWARD") {
    // Docker 20.10-27 writes its ICC drop straight into FORWARD.
    if (const auto purpose = docker_iptables_purpose(r, facts);
        purpose == RuleOrigin::Purpose::inter_container) {
      return docker(purpose, "Docker's", "Docker (iptables)");
    }
  }
  if (r.table == "netavark" || chain.starts_with("NETAVARK") || chain.starts_with("nv_")) {
    return {RuleOrigin::Author::netavark, RuleOrigin::Purpose::none, "netavark's",
            "netavark (podman's network backend)"};
  }
  if (chain.starts_with("ufw-") || chain.starts_with("ufw6-")) {
    return {RuleOrigin::Author::ufw, RuleOrigin::Purpose::none, "ufw's", "ufw"};
  }
  if (r.table == "firewalld" || chain.starts_with("FWD_") || chain.starts_with("IN_") ||
      chain.starts_with("filter_FWD") || chain.starts_with("filter_IN")) {
    return {RuleOrigin::Author::firewalld, RuleOrigin::Purpose::none, "firewalld's", "firewalld"};
  }
  if (chain.starts_with("KUBE-") || chain.starts_with("CNI-") ||
      (r.backend == nf::Backend::nftables && (r.table == "kube-proxy" || r.table == "cni_hostport"))) {
    return {RuleOrigin::Author::kubernetes, RuleOrigin::Purpose::none, "Kubernetes'",
            "kube-proxy or a CNI plugin"};
  }
  return {RuleOrigin::Author::user, RuleOrigin::Purpose::none, "a", "a rule of this host's own"};
}

std::string rule_evidence(const nf::Rule& r, const Facts& facts) {
  return fmt::format("kernel: {} ({})", authored_display(r, facts), origin_of(r, facts).description);
}

std::string authored_display(const nf::Rule& r, const Facts& facts) {
  return nf::display(nf::authored(facts.ruleset, r));
}

RuleRef rule_ref(const nf::Rule& r, const Facts& facts) {
  const nf::AuthoredRule a = nf::authored(facts.ruleset, r);
  RuleRef ref;
  ref.syntax = std::string(nf::to_string(a.syntax));
  ref.tool = a.tool;
  ref.text = a.text;
  ref.display = nf::display(a);
  ref.backend = std::string(nf::to_string(r.backend));
  ref.family = std::string(nf::to_string(r.family));
  ref.table = r.table;
  ref.chain = r.chain;
  ref.position = a.position;
  if (a.syntax == nf::Syntax::nft) {
    ref.handle = a.handle;
  }
  ref.neutral = nf::describe(r);
  ref.action = std::string(nf::to_string(r.action.kind));
  return ref;
}

void note_rule(Diagnosis& d, const nf::Rule& r, const Facts& facts) {
  RuleRef ref = rule_ref(r, facts);
  if (std::find(d.rules.begin(), d.rules.end(), ref) == d.rules.end()) {
    d.rules.push_back(std::move(ref));
  }
}

}  // namespace whyno::detail
