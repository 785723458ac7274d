#include "whyno/probe/probe.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "probe_steps.hpp"
#include "whyno/util/hosts_file.hpp"
#include "whyno/core/plan/probe_plan.hpp"
#include "dns_message.hpp"
#include "whyno/sys/fd.hpp"
#include "whyno/sys/owned_file.hpp"
#include "whyno/sys/netns.hpp"

namespace whyno::probe {

namespace {

using Outcome = ProbeResult::Outcome;
using steps::Deadline;
using steps::DnsLookup;

constexpr std::uint16_t k_embedded_dns_port = 53;
constexpr std::uint32_t k_embedded_dns_v4 = 0x7f00000b;  // 127.0.0.11
// Docker's hosts files are a few hundred bytes; a bigger file is not one.
constexpr std::size_t k_max_hosts_file = 1 << 20;

// curl starts its second address family 200 ms after the first.
constexpr int k_fallback_after_ms = 200;

/// The client's connect() failed, so it goes on to its next address (UDP
/// silence says nothing: only an ICMP error fails it).
bool fails_at_connect(Outcome outcome, Protocol protocol) {
  return outcome == Outcome::refused || outcome == Outcome::unreachable ||
         (outcome == Outcome::timed_out && protocol == Protocol::tcp);
}

struct HostsFile {
  std::string path;
  std::optional<std::string> text;
  std::string error;  // why `text` is empty
};

// Read by the calling thread, before any namespace switch: the file lives on
// the host's filesystem (Docker's HostsPath), never in the container's. The
// engine names it, so it is read as its owner's file: a FIFO, a symlink to
// /etc/shadow or a file of someone else's is not read, and never blocks.
HostsFile read_hosts_file(const std::string& path, unsigned owner) {
  HostsFile file{path, std::nullopt, {}};
  auto text = sys::read_owned_file(path, sys::FileOwner{owner}, k_max_hosts_file);
  if (!text) {
    file.error = text.error().message;
    return file;
  }
  file.text = std::move(*text);
  return file;
}

IpAddress prefer_v4(const std::vector<IpAddress>& addresses) {
  const auto v4 =
      std::find_if(addresses.begin(), addresses.end(), [](const IpAddress& a) { return a.is_v4(); });
  return v4 != addresses.end() ? *v4 : addresses.front();
}

std::string embedded_dns_failure(const DnsLookup& lookup, const std::optional<IpAddress>& server) {
  const std::string dns = server ? fmt::format("the network's DNS at {}", server->to_string())
                                 : std::string("Docker's embedded DNS at 127.0.0.11");
  switch (lookup.status) {
    case DnsLookup::Status::found:
      break;
    case DnsLookup::Status::nxdomain:
      return fmt::format("{} answered NXDOMAIN", dns);
    case DnsLookup::Status::no_data:
      return fmt::format("{} has no A or AAAA record for it", dns);
    case DnsLookup::Status::failure:
      return fmt::format("{} answered {}", dns, rcode_name(lookup.rcode));
    case DnsLookup::Status::no_server:
      return fmt::format("no embedded DNS on this network (nothing answers at {}:53)",
                         server ? server->to_string() : std::string("127.0.0.11"));
    case DnsLookup::Status::no_answer:
      return fmt::format(
          "{} did not answer in time (it forwards names it does not know to "
          "the host's DNS servers)",
          dns);
    case DnsLookup::Status::error:
      return fmt::format("cannot query {}: {}", dns, lookup.detail);
  }
  return {};
}

struct Resolution {
  std::optional<IpAddress> address;
  bool by_name = false;
  std::string failure;  // what was tried, when `address` is empty
};

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) {
    out += (out.empty() ? "" : " and ") + part;
  }
  return out;
}

// Resolves the way the client would: the hosts file first (as nsswitch's
// "files dns" does), then Docker's embedded DNS from inside the namespace.
Resolution resolve(const ProbeTarget& target, const ProbeOptions& options,
                   const std::optional<HostsFile>& hosts, const Deadline& deadline) {
  if (target.address) {
    return {target.address, false, {}};
  }
  if (!target.name || target.name->empty()) {
    return {std::nullopt, false, "nothing to dial: no name and no address"};
  }
  const std::string& name = *target.name;
  if (auto literal = IpAddress::parse(name)) {
    return {literal, false, {}};
  }
  std::vector<std::string> tried;
  if (hosts) {
    if (hosts->text) {
      const auto found = lookup_hosts(*hosts->text, name);
      if (!found.empty()) {
        return {prefer_v4(found), true, {}};
      }
      tried.push_back(fmt::format("not in {}", hosts->path));
    } else {
      tried.push_back(hosts->error);  // names the path and why
    }
  }
  if (options.use_embedded_dns) {
    const auto lookup = steps::query_dns(options.dns_server.value_or(IpAddress::v4(k_embedded_dns_v4)),
                                         k_embedded_dns_port, name, deadline);
    if (lookup.status == DnsLookup::Status::found) {
      return {prefer_v4(lookup.addresses), true, {}};
    }
    tried.push_back(embedded_dns_failure(lookup, options.dns_server));
  } else if (hosts || options.netns_path) {
    tried.push_back("no embedded DNS on this network");
  } else {
    const auto lookup = steps::resolve_on_host(name, target.protocol, deadline);
    if (!lookup.addresses.empty()) {
      return {prefer_v4(lookup.addresses), true, {}};
    }
    tried.push_back(fmt::format("this host's resolver: {}", lookup.failure));
  }
  return {std::nullopt, true, join(tried)};
}

std::string target_text(const ProbeTarget& target) {
  if (!target.text.empty()) {
    return target.text;
  }
  if (target.name) {
    return fmt::format("{}:{}", *target.name, target.port);
  }
  return target.address ? fmt::format("{}:{}", target.address->to_string_for_port(), target.port)
                        : std::string("?");
}

// Everything that must happen in the client's namespace: the DNS exchange
// and the dial.
void observe(const ProbeTarget& target, const ProbeOptions& options, const std::optional<HostsFile>& hosts,
             const Deadline& deadline, ProbeResult& result) {
  const auto resolution = resolve(target, options, hosts, deadline);
  if (!resolution.address) {
    result.outcome = Outcome::unresolved;
    result.detail = resolution.failure;
    return;
  }
  if (resolution.by_name) {
    result.target = fmt::format("{} ({})", result.target, resolution.address->to_string());
  }
  if (deadline.expired()) {
    result.outcome = Outcome::timed_out;
    result.detail = fmt::format("resolving the name took the whole {} ms", options.timeout.count());
    return;
  }
  std::vector<IpAddress> addresses{*resolution.address};
  if (!resolution.by_name) {
    addresses.insert(addresses.end(), target.fallbacks.begin(), target.fallbacks.end());
  }
  std::vector<std::string> failed;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    const std::size_t left = addresses.size() - i;
    const int share =
        left == 1 ? deadline.remaining_ms()
                  : std::min(deadline.remaining_ms(),
                             std::max(k_fallback_after_ms, deadline.remaining_ms() / static_cast<int>(left)));
    const Deadline attempt{std::chrono::milliseconds(share)};
    auto seen = steps::dial(addresses[i], target.port, target.protocol, options.settle, attempt);
    result.outcome = seen.outcome;
    result.detail = std::move(seen.detail);
    if (left == 1 || !fails_at_connect(seen.outcome, target.protocol)) {
      break;
    }
    failed.push_back(fmt::format("{} {}", addresses[i].to_string(), outcome_name(seen.outcome)));
  }
  if (!failed.empty()) {
    // Which address answered is part of what the client saw.
    result.target =
        fmt::format("{} ({} after {})", result.target, addresses[failed.size()].to_string(), join(failed));
  }
}

}  // namespace

ProbeResult probe(const ProbeTarget& target, const ProbeOptions& options) {
  const auto started = Deadline::Clock::now();
  const Deadline deadline(options.timeout);
  ProbeResult result;
  result.from = options.from;
  result.target = target_text(target);

  std::optional<HostsFile> hosts;
  if (options.hosts_file && target.name) {
    hosts = read_hosts_file(*options.hosts_file, options.hosts_file_owner);
  }
  const auto work = [&] { observe(target, options, hosts, deadline, result); };
  if (!options.netns_path) {
    work();
  } else if (auto netns = sys::open_netns(*options.netns_path); !netns) {
    result.outcome = Outcome::error;
    result.detail = netns.error().message;
  } else if (auto ran = sys::run_in_netns(*netns, work); !ran) {
    result.outcome = Outcome::error;
    result.detail = ran.error().message;
  }
  result.milliseconds = std::chrono::duration<double, std::milli>(Deadline::Clock::now() - started).count();
  return result;
}

}  // namespace whyno::probe
