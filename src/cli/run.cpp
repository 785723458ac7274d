#include "run.hpp"

#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "audit_run.hpp"
#include "exit_status.hpp"
#include "options.hpp"
#include "replay.hpp"
#include "terminal.hpp"
#include "whyno/gather/read_host.hpp"
#include "whyno/probe/run_probe.hpp"
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/render/json.hpp"
#include "whyno/util/printable.hpp"
#include "whyno/render/text.hpp"
#include "whyno/snapshot/snapshot.hpp"
#include "whyno/sys/atomic_file.hpp"

namespace whyno::cli {


int run(int argc, char** argv) {
  // Parse the command line.
  const auto options = parse_options(std::span<const char* const>(argv, static_cast<std::size_t>(argc)));
  if (!options) {
    return complain(k_exit_usage, options.error().message + " (see whyno-port --help)");
  }
  if (options->help) {
    std::cout << help_text();
    return k_exit_reachable;
  }
  if (options->version) {
    std::cout << version_text();
    return k_exit_reachable;
  }

  if (options->all) {
    return run_audit(*options);
  }

  // Read the facts: from a snapshot, or from this host's engine and kernel.
  snapshot::Snapshot snap;
  if (options->replay) {
    auto loaded = load_snapshot_file(*options->replay);
    if (!loaded) {
      return complain(k_exit_usage, loaded.error().message);
    }
    auto replayed = replay(std::move(*loaded), *options);
    if (!replayed) {
      return complain(k_exit_usage, replayed.error().message);
    }
    snap = std::move(*replayed);
  } else {
    snap.query = options->query;
    auto facts = gather::read_host(snap.query, {options->engine, options->user_engines});
    if (!facts) {
      return complain(facts.error().kind == gather::ReadFailure::Kind::usage ? k_exit_usage : k_exit_cannot_inspect,
                      facts.error().message);
    }
    snap.facts = std::move(*facts);
    // Try the connection the client would make.
    probe::run_probe(snap.query, snap.facts, options->probe, options->probe_timeout);
  }
  if (options->save_facts) {
    // Facts may name other users' containers and processes: 0600.
    if (auto saved = sys::write_file_atomically(*options->save_facts, snapshot::save(snap), 0600); !saved) {
      return complain(k_exit_usage, saved.error().message);
    }
  }

  // Diagnose, render, and say how it went.
  const Diagnosis diagnosis = diagnose(snap.query, snap.facts);
  if (options->json) {
    render::render_json(std::cout, snap.query, diagnosis);
  } else {
    render::render_text(std::cout, snap.query, diagnosis, text_style(options->color));
  }
  std::cout.flush();
  return exit_status(diagnosis.verdict);
}

}  // namespace whyno::cli
