#pragma once
// The fixed IP part of an iptables-legacy entry (struct ipt_ip / ip6t_ip6:
// interfaces, addresses, protocol) as nf::Match conditions.

#include <vector>

#include "whyno/model/ruleset.hpp"

struct ipt_ip;
struct ip6t_ip6;

namespace whyno::netfilter {

std::vector<nf::Match> legacy_ip_matches(const ipt_ip& ip);
std::vector<nf::Match> legacy_ip_matches(const ip6t_ip6& ip);

/// An iptables interface pattern: the name, and a mask covering the bytes
/// compared. A mask that stops before the name's NUL means "name+".
nf::InterfaceName legacy_interface(const char (&name)[16], const unsigned char (&mask)[16]);

}  // namespace whyno::netfilter
