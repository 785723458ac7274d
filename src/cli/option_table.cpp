#include "option_table.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include <fmt/format.h>

#include "whyno/util/words.hpp"

namespace whyno::cli {

namespace {

constexpr std::size_t k_width = 80;
constexpr std::size_t k_indent = 24;  // where descriptions start

constexpr std::array k_options{
    OptionSpec{"all", 0, "",
               "check every port of every container on this host (what whyno-port does "
               "with no PORT): one line each; exit 1 if a published port is broken, 4 if "
               "one is inconclusive, else 0"},
    OptionSpec{"project", 0, "NAME", "with --all: only the containers of this Compose project"},
    OptionSpec{"container", 0, "NAME",
               "the container you mean (a name, an id or its prefix, or a Compose service), "
               "when the port alone does not say; with --all, only that container"},
    OptionSpec{"from", 0, "CLIENT",
               "the client: a container (name, id or Compose service), a Kubernetes pod "
               "on this node (NAMESPACE/POD), or the address of another machine"},
    OptionSpec{"pid", 0, "PID",
               "no engine: diagnose the network namespace process PID is in (containerd, "
               "a Kubernetes pod, LXC); the target defaults to that namespace's address"},
    OptionSpec{"netns", 0, "PATH", "no engine: diagnose the network namespace at PATH, e.g. /run/netns/NAME"},
    OptionSpec{"engine", 0, "URL",
               "read only the engine at URL (unix:///PATH or a PATH); by default "
               "DOCKER_HOST, else every Docker and podman engine found"},
    OptionSpec{"no-user-engines", 0, "",
               "as root, leave out users' rootless engines (their sockets under /run/user "
               "and podman's files in their homes)"},
    OptionSpec{"host-root", 0, "DIR",
               "the host's root filesystem is mounted at DIR (kubectl debug node: /host): "
               "its /run/netns and /var/log/pods are read there; /proc must be the host's"},
    OptionSpec{"json", 0, "",
               "print one JSON object on stdout, an error too ({\"error\": {\"message\", "
               "\"exit_status\"}})"},
    OptionSpec{"explain", 0, "",
               "after the answer, print the packet's whole walk through netfilter: every "
               "base chain, each rule matched or not and why, jumps, returns, the DNAT and "
               "each verdict; computed from the rules, nothing is sent; not with --all"},
    OptionSpec{"no-probe", 0, "", "do not try the connection; diagnose from the facts alone"},
    OptionSpec{"probe-timeout", 0, "TIME",
               "how long the probe waits: 1s (the default) or 300ms; at most 60s"},
    OptionSpec{"color", 0, "WHEN",
               "colour the text output: auto (the default), always or never; NO_COLOR is honoured"},
    OptionSpec{"save-facts", 0, "FILE",
               "also write every fact read to FILE (mode 0600, never through a symlink), "
               "for --replay or a bug report; --all too"},
    OptionSpec{"replay", 0, "FILE",
               "diagnose a saved facts snapshot instead of this host (a regular file of at "
               "most 64 MiB)"},
    OptionSpec{"metrics", 0, "FILE",
               "with --all: also write node exporter's textfile format to FILE, "
               "atomically (for --collector.textfile.directory)"},
    OptionSpec{"help", 'h', "", "show this help"},
    OptionSpec{"version", 'V', "", "show the version and the commit it was built from"},
};

std::string label(const OptionSpec& o) {
  std::string text =
      o.short_name != 0 ? fmt::format("-{}, --{}", o.short_name, o.name) : fmt::format("--{}", o.name);
  if (!o.value.empty()) {
    text += fmt::format(" {}", o.value);
  }
  return text;
}

/// `text` in lines of at most `width` columns, broken at spaces.
std::vector<std::string> wrapped(std::string_view text, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  while (!text.empty()) {
    const std::size_t space = std::min(text.find(' '), text.size());
    const std::string_view word = text.substr(0, space);
    text.remove_prefix(std::min(space + 1, text.size()));
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(std::move(line));
      line.clear();
    }
    line += line.empty() ? std::string(word) : " " + std::string(word);
  }
  if (!line.empty()) {
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace

std::span<const OptionSpec> option_table() { return k_options; }

std::string option_names() {
  std::vector<std::string> names;
  for (const OptionSpec& o : k_options) {
    names.push_back(fmt::format("--{}", o.name));
  }
  return join_words(names, "and");
}

std::string indented_entry(std::string_view head, std::string_view text) {
  std::string out;
  std::string first(head);
  if (first.size() + 1 > k_indent) {
    out += first + "\n";
    first.clear();
  }
  for (const std::string& line : wrapped(text, k_width - k_indent)) {
    first.resize(k_indent, ' ');
    out += first + line + "\n";
    first.clear();
  }
  return out;
}

std::string options_help() {
  std::string out = "Options:\n";
  for (const OptionSpec& o : k_options) {
    out += indented_entry("  " + label(o), o.help);
  }
  return out;
}

std::string nearest_option(std::string_view typed) {
  std::string_view bare = typed;
  while (bare.starts_with('-')) {
    bare.remove_prefix(1);
  }
  if (const auto equals = bare.find('='); equals != std::string_view::npos) {
    bare = bare.substr(0, equals);
  }
  if (bare.empty()) {
    return {};
  }
  std::string best;
  std::size_t best_distance = 0;
  for (const OptionSpec& o : k_options) {
    const std::size_t distance = edit_distance(o.name, bare);
    // A word of the name (--timeout in --probe-timeout) counts as close.
    const bool part = bare.size() >= 3 && o.name.find(bare) != std::string_view::npos;
    if ((distance <= 2 || part) && (best.empty() || distance < best_distance)) {
      best = fmt::format("--{}", o.name);
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace whyno::cli
