// Runs probe::probe() once against a live peer and prints the result, for
// checking the probe by hand (as root when --netns is used):
//
//   probe_check [--netns PATH] [--hosts FILE] [--dns] [--udp] [--timeout MS]
//               [--expect OUTCOME] TARGET
//
// TARGET is NAME:PORT, A.B.C.D:PORT or [V6]:PORT. A NAME is resolved through
// --hosts and --dns (Docker's embedded DNS) when given, else by the host's
// resolver. With --expect, the exit status is 0 only for that outcome
// (answered, connected, refused, reset-or-closed, timed-out, unresolved,
// unreachable, error). The scenarios it was run against, and how they were
// set up, are in the comment at the end of this file.

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "whyno/probe/probe.hpp"
#include "whyno/core/plan/probe_plan.hpp"

using namespace whyno;

namespace {

std::optional<probe::ProbeTarget> parse_target(std::string_view text, Protocol protocol) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) {
    return std::nullopt;
  }
  probe::ProbeTarget target;
  target.text = std::string(text);
  target.protocol = protocol;
  const auto port = std::stoul(std::string(text.substr(colon + 1)));
  if (port == 0 || port > 65535) {
    return std::nullopt;
  }
  target.port = static_cast<std::uint16_t>(port);
  auto host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (auto address = IpAddress::parse(host)) {
    target.address = address;
  } else {
    target.name = std::string(host);
  }
  return target;
}

int usage(const char* self) {
  std::fprintf(stderr,
               "usage: %s [--netns PATH] [--hosts FILE] [--dns] [--udp] [--timeout MS] "
               "[--expect OUTCOME] TARGET\n",
               self);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  probe::ProbeOptions options;
  options.from = "this host";
  Protocol protocol = Protocol::tcp;
  std::optional<std::string> expect;
  std::optional<std::string> target_text;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--netns" && has_value) {
      options.netns_path = argv[++i];
      options.from = fmt::format("namespace {}", *options.netns_path);
    } else if (arg == "--hosts" && has_value) {
      options.hosts_file = argv[++i];
    } else if (arg == "--dns") {
      options.use_embedded_dns = true;
    } else if (arg == "--udp") {
      protocol = Protocol::udp;
    } else if (arg == "--timeout" && has_value) {
      options.timeout = std::chrono::milliseconds(std::stoi(argv[++i]));
    } else if (arg == "--expect" && has_value) {
      expect = argv[++i];
    } else if (!arg.starts_with("--") && !target_text) {
      target_text = std::string(arg);
    } else {
      return usage(argv[0]);
    }
  }
  const auto target = target_text ? parse_target(*target_text, protocol) : std::nullopt;
  if (!target) {
    return usage(argv[0]);
  }
  const auto result = probe::probe(*target, options);
  const auto outcome = outcome_name(result.outcome);
  fmt::print("{:<15} {}/{} from {}: {} [{:.1f} ms]\n", outcome, result.target, to_string(protocol),
             result.from, result.detail, result.milliseconds);
  if (expect && *expect != outcome) {
    fmt::print("  EXPECTED {}\n", *expect);
    return 1;
  }
  return 0;
}

// Scenarios (2026-11-22, run as root; see the probe helper's report):
//
//   ip netns add pr-scratch; ip -n pr-scratch link set lo up
//   listeners inside it: python3 -m http.server (silent until asked),
//   a banner server, an accept-and-close server, an accept-and-RST server,
//   a UDP echo; nft drop and reject rules in pr-scratch only; an
//   `unreachable` route in pr-scratch only.
//   Docker: network probe-net (user-defined, IPv6), probe-server (httpd),
//   probe-client (sleep), all with --dns 127.0.0.1 so unknown names never
//   leave the machine; probe-bridge on the default bridge; probe-pub with
//   -p 127.0.0.1:18080:3000 and nothing listening inside (docker-proxy).
