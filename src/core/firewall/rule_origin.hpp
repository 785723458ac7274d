#pragma once
// Who wrote a netfilter rule, and what for, as far as its table, chain,
// comment and shape say: Docker (and which of its own drops it is), the
// user's DOCKER-USER, netavark, ufw, firewalld, kube-proxy or CNI, or the
// user. The evidence and the fix speak of the author, not of a chain name.

#include <string>

#include "whyno/model/diagnosis.hpp"
#include "whyno/model/facts.hpp"

namespace whyno::detail {

struct RuleOrigin {
  enum class Author {
    docker,       // written by dockerd (any version, either backend)
    docker_user,  // Docker's DOCKER-USER chain: the user's own rules
    netavark,     // podman's network backend
    ufw,
    firewalld,
    kubernetes,  // kube-proxy, or a CNI plugin such as portmap
    user,        // nothing says otherwise
  };
  /// Which of Docker's own drops, when it is one.
  enum class Purpose {
    none,
    direct_access,     // Docker >= 28: remote packets straight to a container address
    remote_loopback,   // Docker >= 28: remote packets to a port published on 127.0.0.1
    unpublished_port,  // Docker >= 28: traffic from outside a bridge to an unpublished port
    inter_container,   // enable_icc=false: traffic between containers of one bridge
    internal_network,  // --internal: traffic into or out of the network
    isolation,         // traffic between two Docker networks
  };
  Author author = Author::user;
  Purpose purpose = Purpose::none;
  /// "Docker's", "ufw's", "your DOCKER-USER", ... for "<who> rule in ...".
  std::string who;
  /// Evidence-ready: "Docker 28+ (iptables): drops direct access to
  /// container addresses from other machines".
  std::string description;
};

RuleOrigin origin_of(const nf::Rule& rule, const Facts& facts);

/// An evidence line for a rule the path depends on, in its author's syntax:
/// "kernel: `-A DOCKER ...` (iptables-nft nat DOCKER, rule 2) (Docker (iptables))".
std::string rule_evidence(const nf::Rule& rule, const Facts& facts);

/// The rule as its author wrote it, with its place: "`-A DOCKER-USER -j
/// DROP` (iptables-nft filter DOCKER-USER, rule 1)" or "ip filter FORWARD
/// handle 12: `... drop`".
std::string authored_display(const nf::Rule& rule, const Facts& facts);

/// The rule for Diagnosis::rules.
RuleRef rule_ref(const nf::Rule& rule, const Facts& facts);
/// Adds the rule to Diagnosis::rules, once.
void note_rule(Diagnosis& d, const nf::Rule& rule, const Facts& facts);

}  // namespace whyno::detail
