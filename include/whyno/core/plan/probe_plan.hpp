#pragma once
// What the active probe should try, decided from the query and the facts
// (pure), and whether what it saw agrees with the verdict.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"
#include "whyno/model/verdict.hpp"

namespace whyno {

struct ProbePlan {
  std::string text;                  // as the client dials it: "server:3000"
  std::optional<std::string> name;   // resolve this, as the client would
  std::optional<IpAddress> address;  // or dial this
  /// Then these, in order, each when the one before fails at connect()
  /// (refused, unreachable, no answer): a host client's other addresses.
  std::vector<IpAddress> fallbacks;
  std::uint16_t port = 0;
  Protocol protocol = Protocol::tcp;
  int netns_pid = 0;              // 0: from the host's namespace
  std::string netns_path;         // or from this nsfs path (a client namespace holding --from's address)
  std::string from;               // "this host", "container `client`"
  bool use_embedded_dns = false;  // the client is on a user-defined network
  /// The DNS server it asks: nullopt for Docker's embedded DNS (127.0.0.11);
  /// for podman, aardvark-dns on the network's gateway.
  std::optional<IpAddress> dns_server;
  std::string hosts_file;         // the client's /etc/hosts, read on the host
  unsigned hosts_file_owner = 0;  // its engine's uid: only that user's file is read
  /// How long to wait after connecting for the peer to speak or hang up;
  /// 0: the probe's default. A rootless port forwarder accepts first and
  /// dials the container afterwards, and hangs up on its client only once
  /// that fails (rootlessport after about 180 ms here).
  int settle_ms = 0;
};

/// The probe a client would make, or a reason none can be made (e.g. a
/// client on another machine).
struct ProbeDecision {
  std::optional<ProbePlan> plan;
  std::string skipped;  // why there is no plan
};

ProbeDecision plan_probe(const Query& query, const Facts& facts);

/// Does what the probe saw fit the verdict? A silent connection fits a hung
/// app or a proxy waiting on a dropped packet as well as a working path; UDP
/// silence fits anything.
bool probe_agrees(Verdict verdict, Protocol protocol, ProbeResult::Outcome outcome);

}  // namespace whyno
