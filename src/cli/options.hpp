#pragma once
// The command line, parsed into plain data and nothing else.

#include <chrono>
#include <optional>
#include <span>
#include <string>

#include "whyno/model/query.hpp"
#include "whyno/util/result.hpp"

namespace whyno::cli {

enum class ColorMode { automatic, always, never };

struct Options {
  Query query;
  bool have_target = false;  // a TARGET was given (not needed with --replay)
  bool json = false;
  ColorMode color = ColorMode::automatic;
  std::optional<std::string> save_facts;  // write the facts snapshot here
  std::optional<std::string> replay;      // diagnose a saved snapshot instead
  std::optional<std::string> engine;      // --engine: read this engine only
  bool user_engines = true;               // root: read users' rootless engines too
  std::string host_root;                  // --host-root: the host's / is mounted here
  bool probe = true;                      // try the connection too
  std::chrono::milliseconds probe_timeout{1000};
  bool all = false;                    // --all, or no PORT: every port
  std::optional<std::string> project;  // --all --project: one Compose project
  std::optional<std::string> metrics;  // --all --metrics: node exporter's textfile
  bool help = false;
  bool version = false;
};

/// Parses argv (argv[0] included). Errors are one sentence, Kind::invalid.
Result<Options> parse_options(std::span<const char* const> argv);

/// Parses "[ADDRESS:]PORT[/tcp|/udp]" into `query`; "[::1]:8080" for IPv6.
/// Returns whether an ADDRESS was given.
Result<bool> parse_target(std::string_view text, Query& query);

std::string help_text();
std::string version_text();

}  // namespace whyno::cli
