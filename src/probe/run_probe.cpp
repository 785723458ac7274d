#include "whyno/probe/run_probe.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "whyno/probe/probe.hpp"
#include "whyno/core/plan/probe_plan.hpp"

namespace whyno::probe {

ProbeResult probe_result(const Query& query, const Facts& facts, bool enabled,
                         std::chrono::milliseconds timeout) {
  ProbeResult skipped;
  skipped.outcome = ProbeResult::Outcome::skipped;
  if (!enabled) {
    skipped.detail = "not probed (--no-probe)";
    return skipped;
  }
  const ProbeDecision decision = plan_probe(query, facts);
  if (!decision.plan) {
    skipped.detail = decision.skipped;
    return skipped;
  }
  const ProbePlan& plan = *decision.plan;
  ProbeTarget target;
  target.text = plan.text;
  target.name = plan.name;
  target.address = plan.address;
  target.fallbacks = plan.fallbacks;
  target.port = plan.port;
  target.protocol = plan.protocol;
  ProbeOptions options;
  options.timeout = timeout;
  options.from = plan.from;
  options.use_embedded_dns = plan.use_embedded_dns;
  options.dns_server = plan.dns_server;
  if (plan.settle_ms > 0) {
    options.settle = std::min(std::chrono::milliseconds(plan.settle_ms), timeout);
  }
  if (plan.netns_pid > 0) {
    options.netns_path = fmt::format("/proc/{}/ns/net", plan.netns_pid);
  } else if (!plan.netns_path.empty()) {
    options.netns_path = plan.netns_path;
  }
  if (!plan.hosts_file.empty()) {
    options.hosts_file = plan.hosts_file;
    options.hosts_file_owner = plan.hosts_file_owner;
  }
  return probe(target, options);
}

}  // namespace whyno::probe
