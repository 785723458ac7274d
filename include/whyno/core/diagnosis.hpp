#pragma once
// The answer: a verdict, the path as hops, the evidence and the fix.

#include <optional>
#include <string>
#include <vector>

#include "whyno/core/facts.hpp"
#include "whyno/core/netns_facts.hpp"
#include "whyno/core/verdict.hpp"

namespace whyno {

enum class HopState { ok, failed, unknown };

/// One step of the path, e.g. "host :8080", "DNAT 172.17.0.2:3000 (container
/// web)", "web eth0", "app".
struct Hop {
  std::string label;
  HopState state = HopState::ok;
  std::string detail;
};

/// A problem found besides the verdict (problems stack up; the verdict is the
/// first hop that fails).
struct Problem {
  Verdict verdict = Verdict::reachable;
  std::string summary;
  std::string fix;
  /// The fix as shell commands to paste, in order, when it is one; a line
  /// that makes it persist comes last.
  std::vector<std::string> commands{};
};

/// The active probe next to the verdict.
struct ProbeReport {
  ProbeResult result;
  bool agrees = true;
  std::string note;  // said plainly when the probe and the verdict disagree
};

struct ContainerSummary {
  std::string name;
  std::string id;
  std::string state;  // the engine's State.Status
};

struct Diagnosis {
  // Until a walk finishes, nothing is known; a path never defaults to working.
  Verdict verdict = Verdict::inconclusive;
  std::string summary;  // one sentence
  std::string fix;      // empty when nothing needs fixing
  std::vector<std::string> fix_commands;  // the fix to paste, when it is commands
  std::vector<Hop> path;
  std::optional<ContainerSummary> container;  // the container the path ends in
  std::string listeners_title;                // e.g. "Listening sockets in container web"
  std::vector<Listener> listeners;            // evidence: that namespace's sockets
  std::vector<std::string> evidence;          // facts the verdict rests on
  std::vector<std::string> disagreements;     // engine intent vs kernel truth
  std::vector<Problem> also;
  std::vector<Unread> unread;
  std::optional<ProbeReport> probe;
  std::vector<EngineIdentity> engines;  // the engines read (none with --pid/--netns)
};

}  // namespace whyno
