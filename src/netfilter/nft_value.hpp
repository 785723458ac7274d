#pragma once
// What an nftables register holds while a rule's expressions run, and how a
// value compared against it (cmp, range, a set element) becomes part of an
// nf::Match. Pure; shared by the rule decoder and the set decoder.

#include <cstdint>
#include <string>
#include <vector>

#include "whyno/util/ip_address.hpp"
#include "whyno/model/ruleset.hpp"

namespace whyno::netfilter::nft {

using Bytes = std::vector<std::uint8_t>;

enum class Source : std::uint8_t {
  none,     // nothing written yet, or the tail of a wider value
  field,    // a packet field we model (RegValue::field)
  data,     // immediate data; the bytes live in the register file
  unknown,  // something we do not model; RegValue::text names it
};

struct RegValue {
  Source source = Source::none;
  nf::Field field = nf::Field::unknown;
  std::uint32_t len = 0;           // bytes the load wrote
  bool host_order = false;         // meta mark, ct state, fib type: a host-order u32
  IpFamily family = IpFamily::v4;  // saddr/daddr
  Bytes mask;                      // a bitwise AND applied after the load; empty: none
  Bytes xor_;                      // then a XOR (marks: `meta mark | 0x4000`); empty: none
  std::string text;                // how to name the load in an unknown match
};

/// NFT_CMP_* in kernel order.
enum class CmpOp : std::uint8_t { eq, neq, lt, lte, gt, gte };

/// Fills `m` (whose field is v.field) from `v <op> data`, including
/// m.negated. Returns false when the comparison cannot be modelled.
bool add_compare(const RegValue& v, CmpOp op, const Bytes& data, nf::Match& m);

/// Adds one exact set element to `m`. false: not modelled.
bool add_element(const RegValue& v, const Bytes& key, nf::Match& m);

/// Adds the inclusive interval [lo, hi] to `m`. false: not modelled.
bool add_interval(const RegValue& v, const Bytes& lo, const Bytes& hi, nf::Match& m);

/// The key of a verdict map element as VmapEntry::key: the interface name,
/// or a decimal number. Empty when the key is not representable.
std::string vmap_key_text(const RegValue& v, const Bytes& key);

/// Text for an unknown match: "ct mark & 0x00001000 == 0x00001000".
std::string describe_compare(const RegValue& v, CmpOp op, const Bytes& data);

std::string hex(const Bytes& bytes);
/// A host-order u32 from up to four bytes (meta mark, ct state).
std::uint32_t host_u32(const Bytes& bytes);
/// Big-endian unsigned value of up to four bytes.
std::uint32_t big_endian(const Bytes& bytes);

}  // namespace whyno::netfilter::nft
