#pragma once
// The little DNS the probe needs to resolve a name the way a container does:
// one A or AAAA question to Docker's embedded DNS (127.0.0.11), its answer,
// and a hosts-file lookup. Pure functions over bytes and text, so they are
// tested against answers recorded from a real engine.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "whyno/util/ip_address.hpp"
#include "whyno/util/result.hpp"

namespace whyno::probe {

enum class DnsType : std::uint16_t { a = 1, cname = 5, aaaa = 28 };

/// DNS RCODE values the probe names in its report.
constexpr std::uint8_t k_rcode_noerror = 0;
constexpr std::uint8_t k_rcode_servfail = 2;
constexpr std::uint8_t k_rcode_nxdomain = 3;

/// A standard query: one question of class IN, recursion desired. One
/// trailing dot is allowed; an empty label, a label over 63 bytes or a name
/// over 255 bytes on the wire fails (Error::Kind::invalid).
Result<std::vector<std::byte>> build_dns_query(std::uint16_t id, std::string_view name, DnsType type);

struct DnsReply {
  enum class Status : std::uint8_t {
    addresses,  // at least one address of the type asked for
    nxdomain,   // RCODE NXDOMAIN: the name does not exist
    no_data,    // NOERROR, but no address of that type (the name exists)
    failure,    // any other RCODE (SERVFAIL, REFUSED, ...)
  };
  Status status = Status::failure;
  std::uint8_t rcode = 0;
  std::vector<IpAddress> addresses;  // of the type asked for, in answer order
  /// The CNAME targets followed from the name asked for, in order.
  std::vector<std::string> aliases;

  bool has_address() const { return status == Status::addresses; }
};

/// Parses the answer to the query build_dns_query(id, name, type) sent. Fails
/// (Error::Kind::invalid) when the message is not that answer (other id, not
/// a response, another question) or is malformed: every read is bounds
/// checked, compression pointers may not loop, names stay within 255 bytes.
/// CNAME chains inside the answer section are followed, at most 16 links.
Result<DnsReply> parse_dns_reply(std::span<const std::byte> message, std::uint16_t id, std::string_view name,
                                 DnsType type);

/// "NOERROR", "SERVFAIL", "NXDOMAIN", ... or "RCODE <n>".
std::string rcode_name(std::uint8_t rcode);

}  // namespace whyno::probe
