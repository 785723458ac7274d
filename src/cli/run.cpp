#include "run.hpp"

#include <unistd.h>

#include <clocale>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <langinfo.h>
#include <sstream>

#include <fmt/format.h>

#include "exit_status.hpp"
#include "options.hpp"
#include "replay.hpp"
#include "whyno/gather/read_host.hpp"
#include "whyno/probe/run_probe.hpp"
#include "whyno/core/diagnose.hpp"
#include "whyno/render/json.hpp"
#include "whyno/util/printable.hpp"
#include "whyno/render/text.hpp"
#include "whyno/snapshot/snapshot.hpp"

namespace whyno::cli {

namespace {

constexpr std::size_t k_max_message_chars = 286;  // 300 with the "whyno-port: " prefix

int complain(int status, const std::string& message) {
  // One sentence, bounded however long the input or the engine's text was.
  std::cerr << "whyno-port: " << excerpt(message, k_max_message_chars) << '\n';
  return status;
}

render::TextStyle text_style(ColorMode mode) {
  render::TextStyle style;
  std::setlocale(LC_CTYPE, "");
  style.unicode = std::string_view(nl_langinfo(CODESET)) == "UTF-8";
  const char* term = std::getenv("TERM");
  const bool no_color = std::getenv("NO_COLOR") != nullptr && *std::getenv("NO_COLOR") != '\0';
  switch (mode) {
    case ColorMode::always: style.color = true; break;
    case ColorMode::never: style.color = false; break;
    case ColorMode::automatic:
      style.color = !no_color && isatty(STDOUT_FILENO) == 1 && term != nullptr &&
                    std::string_view(term) != "dumb";
      break;
  }
  return style;
}

}  // namespace

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
    auto facts = gather::read_host(snap.query, options->engine);
    if (!facts) {
      return complain(facts.error().kind == gather::ReadFailure::Kind::usage ? k_exit_usage : k_exit_cannot_inspect,
                      facts.error().message);
    }
    snap.facts = std::move(*facts);
    // Try the connection the client would make.
    probe::run_probe(snap.query, snap.facts, options->probe, options->probe_timeout);
  }
  if (options->save_facts) {
    std::ofstream out(*options->save_facts);
    out << snapshot::save(snap);
    if (!out) {
      return complain(k_exit_usage, fmt::format("cannot write {}", *options->save_facts));
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
