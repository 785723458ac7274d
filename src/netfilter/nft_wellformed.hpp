#pragma once
// What libnftnl (1.2) must not be handed: a check run on each dump message
// before libnftnl's parsers see it.

#include <linux/netlink.h>

namespace whyno::netfilter::nft {

/// What libnftnl is asked to parse the message as: it reads any message as
/// what it is told, whatever the message's type says.
enum class ParsedAs { chain, rule, set, set_elements };

/// Whether libnftnl can parse `nlh` as `as` without reading memory it must
/// not. libnftnl trusts the kernel; these are the holes crafted bytes found
/// (tests/fuzz/fuzz_nftables):
///  - the message must hold its nfgenmsg, and every attribute libmnl walks
///    must lie within nlmsg_len (libmnl walks up to the aligned length);
///  - every expression (a rule's, a set's, a set element's, one inside a
///    dynset) needs a NUL-terminated NFTA_EXPR_NAME: libnftnl looks the
///    expression up by it without checking there is one (strcmp(NULL + 4));
///  - every string libnftnl copies or compares (table, chain, set and device
///    names, a lookup's set, a log prefix, ...) must end in a NUL within its
///    attribute: strdup() would read on, past the end of the buffer;
///  - a set's description may list at most 16 concatenated fields: libnftnl
///    stores their lengths in a 16-entry array without counting, and writes
///    on over the set object (a heap overflow that ended in a wild jump);
///  - every verdict in a data register (cmp, immediate, bitwise, range, set
///    element key and data) needs NFTA_VERDICT_CODE, and a jump or goto its
///    NFTA_VERDICT_CHAIN: nftnl_parse_verdict's attribute table is not
///    zeroed, so a missing one is a stale stack slot read as a pointer.
/// The kernel sends none of these; a message that has one is unreadable.
bool libnftnl_can_parse(const nlmsghdr* nlh, ParsedAs as);

}  // namespace whyno::netfilter::nft
