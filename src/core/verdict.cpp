#include "whyno/core/verdict.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace whyno {

namespace {

constexpr std::array k_codes = {
    std::pair{Verdict::reachable, std::string_view("reachable")},
    std::pair{Verdict::nothing_published, std::string_view("nothing-published")},
    std::pair{Verdict::container_port_closed, std::string_view("container-port-closed")},
    std::pair{Verdict::bound_to_loopback, std::string_view("bound-to-loopback")},
    std::pair{Verdict::no_shared_network, std::string_view("no-shared-network")},
    std::pair{Verdict::name_not_resolvable, std::string_view("name-not-resolvable")},
    std::pair{Verdict::localhost_is_self, std::string_view("localhost-is-self")},
    std::pair{Verdict::host_port_used_internally, std::string_view("host-port-used-internally")},
    std::pair{Verdict::container_not_running, std::string_view("container-not-running")},
    std::pair{Verdict::protocol_mismatch, std::string_view("protocol-mismatch")},
    std::pair{Verdict::host_address_mismatch, std::string_view("host-address-mismatch")},
    std::pair{Verdict::host_network, std::string_view("host-network")},
    std::pair{Verdict::no_network, std::string_view("no-network")},
    std::pair{Verdict::host_port_conflict, std::string_view("host-port-conflict")},
    std::pair{Verdict::v6only_listener, std::string_view("v6only-listener")},
    std::pair{Verdict::backlog_full, std::string_view("backlog-full")},
    std::pair{Verdict::bound_to_other_address, std::string_view("bound-to-other-address")},
    std::pair{Verdict::firewall_blocked, std::string_view("firewall-blocked")},
    std::pair{Verdict::forwarding_disabled, std::string_view("forwarding-disabled")},
};

constexpr auto k_all = [] {
  std::array<Verdict, k_codes.size()> all{};
  for (std::size_t i = 0; i < k_codes.size(); ++i) {
    all[i] = k_codes[i].first;
  }
  return all;
}();

}  // namespace

std::string_view code(Verdict v) {
  const auto it = std::find_if(k_codes.begin(), k_codes.end(),
                               [v](const auto& entry) { return entry.first == v; });
  return it == k_codes.end() ? "unknown" : it->second;
}

std::optional<Verdict> parse_verdict(std::string_view text) {
  const auto it = std::find_if(k_codes.begin(), k_codes.end(),
                               [text](const auto& entry) { return entry.second == text; });
  if (it == k_codes.end()) {
    return std::nullopt;
  }
  return it->first;
}

std::span<const Verdict> all_verdicts() { return k_all; }

}  // namespace whyno
