// probe::parse_dns_reply on a reply message, and whyno::lookup_hosts on a
// hosts file. The first byte chooses:
//   bits 0-1  the type asked for: A, AAAA, CNAME, A
//   bit 2     the name asked for is given: "NAME\n" follows the byte;
//             otherwise it is the question's own name, so the reply's
//             question matches and the answers get parsed
//   bit 3     hosts mode: "NAME\nHOSTS_TEXT" follows, for lookup_hosts
// The query id is the reply's own (its first two bytes).
// Also: build_dns_query for that name, and a query is never a reply.
// Seeds: tests/fixtures/dns/*.bin and the hosts files.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "probe/dns_message.hpp"
#include "whyno/util/hosts_file.hpp"

using namespace whyno;
using namespace whyno::probe;

namespace {

/// The question's name (offset 12), label by label, as far as it is plain.
std::string question_name(std::string_view m) {
  std::string name;
  std::size_t pos = 12;
  while (pos < m.size()) {
    const auto length = static_cast<unsigned char>(m[pos]);
    if (length == 0 || length > 63 || pos + 1 + length > m.size()) {
      break;
    }
    if (!name.empty()) {
      name += '.';
    }
    name.append(m.substr(pos + 1, length));
    pos += 1 + std::size_t{length};
  }
  return name;
}

/// Splits "NAME\nREST".
std::pair<std::string, std::string_view> named(std::string_view text) {
  const auto newline = text.find('\n');
  if (newline == std::string_view::npos) {
    return {std::string(text), {}};
  }
  return {std::string(text.substr(0, newline)), text.substr(newline + 1)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::text(data, size);
  if (input.empty()) {
    return 0;
  }
  const auto choice = static_cast<unsigned char>(input.front());
  input.remove_prefix(1);

  if ((choice & 8) != 0) {
    const auto [name, hosts_text] = named(input);
    const std::string hosts(hosts_text);  // exactly sized, for ASan
    for (const IpAddress& a : lookup_hosts(hosts, name)) {
      WHYNO_FUZZ_CHECK(!a.to_string().empty());
    }
    return 0;
  }

  constexpr DnsType k_types[] = {DnsType::a, DnsType::aaaa, DnsType::cname, DnsType::a};
  const DnsType type = k_types[choice & 3];
  std::string name;
  std::string_view message_text = input;
  if ((choice & 4) != 0) {
    auto [given, rest] = named(input);
    name = std::move(given);
    message_text = rest;
  } else {
    name = question_name(input);
  }
  const auto message = fuzz::bytes(message_text);
  const std::uint16_t id = message.size() < 2
                               ? 0
                               : static_cast<std::uint16_t>((std::to_integer<unsigned>(message[0]) << 8) |
                                                            std::to_integer<unsigned>(message[1]));

  if (const auto reply = parse_dns_reply(message, id, name, type)) {
    WHYNO_FUZZ_CHECK(reply->has_address() == !reply->addresses.empty());
    WHYNO_FUZZ_CHECK(reply->aliases.size() <= 16);
    for (const IpAddress& a : reply->addresses) {
      WHYNO_FUZZ_CHECK(a.is_v4() == (type == DnsType::a));
    }
    (void)rcode_name(reply->rcode);
  }

  if (const auto query = build_dns_query(id, name, type)) {
    WHYNO_FUZZ_CHECK(query->size() <= 12 + 255 + 4);
    WHYNO_FUZZ_CHECK(!parse_dns_reply(*query, id, name, type));  // not a response
  }
  return 0;
}
