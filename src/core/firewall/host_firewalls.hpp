#pragma once
// ufw and firewalld on a Docker host: whether they are there, and what their
// rules do, or do not do, to a container's packets. What makes them
// surprising: Docker's FORWARD chains come before ufw's, and a published
// port is DNATed in PREROUTING, so it crosses FORWARD and never INPUT, where
// `ufw deny` rules are; and firewalld's start or reload flushes every
// iptables table, Docker's rules with them.

#include <string>

#include "packet_walk.hpp"
#include "whyno/model/diagnosis.hpp"
#include "whyno/model/facts.hpp"

namespace whyno::detail {

struct HostFirewalls {
  bool ufw = false;                 // rules in its ufw-* (ufw6-*) chains of table filter
  bool firewalld = false;           // table inet firewalld, or its chains in table filter
  bool firewalld_nftables = false;  // FirewallBackend=nftables (table inet firewalld)
  bool docker_chains = false;       // Docker's chains (DOCKER*, table docker-bridges)
};

HostFirewalls host_firewalls(const nf::Ruleset& rules);

/// The firewalld zone packets arriving on `interface` are in, from its
/// dispatch rules (`iifname "docker0" goto filter_IN_docker`, or the
/// iptables backend's `-i docker0 -g IN_docker`); the default zone's for an
/// interface in none. nullopt when firewalld's rules do not say.
std::optional<std::string> firewalld_zone_of(const nf::Ruleset& rules, const std::string& interface);

/// One evidence line for each host firewall that has rules here.
void note_host_firewalls(Diagnosis& d, const Facts& facts);

/// After `out` accepted `packet` at FORWARD: the drop of ufw's, firewalld's
/// or the user's that the packet would have met had Docker's chains not
/// accepted it first (a "shadowed" drop: its chain is never reached on this
/// path), and ufw's FORWARD policy, as evidence.
void note_shadowed_drops(Diagnosis& d, const Facts& facts, const nf::Packet& packet,
                         const nf::HookOutcome& out);

/// A remote packet DNATed in PREROUTING (`arrived` before, `dnat_to` after)
/// is forwarded and never crosses INPUT: the INPUT rule that would have
/// dropped it (a `ufw deny`), as evidence.
void note_input_only_drops(Diagnosis& d, const Facts& facts, const nf::Packet& arrived,
                           const std::string& dnat_to);

/// The words for Docker's missing rules when firewalld is there: why they
/// went, and the fix.
std::string firewalld_flush_reason(const HostFirewalls& firewalls);
std::string firewalld_flush_fix();

}  // namespace whyno::detail
