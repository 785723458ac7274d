#include "options.hpp"

#include <sys/stat.h>

#include "option_table.hpp"
#include "whyno/model/verdict.hpp"

#include <boost/program_options.hpp>
#include <charconv>
#include <optional>
#include <sstream>
#include <string_view>

#include <fmt/format.h>

#include "whyno/util/printable.hpp"

namespace whyno::cli {

namespace po = boost::program_options;

namespace {

/// The options of option_table(), for Boost to parse: --help is printed
/// from the table itself.
po::options_description visible_options() {
  po::options_description o;
  for (const OptionSpec& spec : option_table()) {
    const std::string names =
        spec.short_name != 0 ? fmt::format("{},{}", spec.name, spec.short_name) : std::string(spec.name);
    if (spec.value.empty()) {
      o.add_options()(names.c_str(), "");
    } else {
      o.add_options()(names.c_str(), po::value<std::string>(), "");
    }
  }
  return o;
}

Result<std::uint16_t> parse_port(std::string_view text) {
  unsigned long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.starts_with('-') && text.size() > 1 &&
      text.find_first_not_of("0123456789", 1) == std::string_view::npos) {
    return fail(Error::Kind::invalid,
                fmt::format("port must be between 1 and 65535, not {}", excerpt(text, 60)));
  }
  if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size()) {
    return fail(Error::Kind::invalid, fmt::format("'{}' is not a port number", excerpt(text, 60)));
  }
  if (ec == std::errc::result_out_of_range || value == 0 || value > 65535) {
    return fail(Error::Kind::invalid,
                fmt::format("port must be between 1 and 65535, not {}", excerpt(text, 60)));
  }
  return static_cast<std::uint16_t>(value);
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::string_view digits = text;
  unsigned long scale = 1;
  if (digits.ends_with("ms")) {
    digits.remove_suffix(2);
  } else if (digits.ends_with('s')) {
    digits.remove_suffix(1);
    scale = 1000;
  }
  unsigned long value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  // Compared before multiplying: 18446744073709552s must not wrap around.
  constexpr unsigned long k_max_ms = 60000;
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || value == 0 ||
      value > k_max_ms / scale) {
    return fail(Error::Kind::invalid,
                fmt::format("--probe-timeout takes a time such as 1s or 300ms (at most 60s), not '{}'",
                            excerpt(text, 60)));
  }
  return std::chrono::milliseconds(value * scale);
}

}  // namespace

Result<bool> parse_target(std::string_view text, Query& query) {
  bool address_given = false;
  std::string_view rest = text;
  if (const auto slash = rest.rfind('/'); slash != std::string_view::npos) {
    const std::string_view proto = rest.substr(slash + 1);
    if (rest.find('/') != slash) {
      return fail(Error::Kind::invalid,
                  fmt::format("one protocol at a time: PORT/tcp or PORT/udp, not '{}'", excerpt(text, 60)));
    }
    const auto p = parse_protocol(proto);
    if (!p) {
      return fail(
          Error::Kind::invalid,
          fmt::format("unknown protocol '{}'; whyno-port understands tcp and udp", excerpt(proto, 60)));
    }
    query.protocol = *p;
    rest = rest.substr(0, slash);
  }
  std::string_view port_text = rest;
  if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    const std::string_view address = rest.substr(0, colon);
    if (address.find(':') != std::string_view::npos &&
        !(address.starts_with('[') && address.ends_with(']'))) {
      return fail(Error::Kind::invalid,
                  fmt::format("put an IPv6 address in brackets: [{}]:PORT", excerpt(address, 60)));
    }
    if (address.empty() || address == "[]") {
      return fail(Error::Kind::invalid, fmt::format("'{}' has an empty address", excerpt(text, 60)));
    }
    query.target = Target::parse(address);
    address_given = true;
    port_text = rest.substr(colon + 1);
  }
  WHYNO_TRY_ASSIGN(query.port, parse_port(port_text));
  return address_given;
}

namespace {

/// --all asks about every port, from this host, of one engine's containers.
Result<void> check_all_mode(const Options& o) {
  const auto refuse = [](std::string_view what) {
    return fail(Error::Kind::invalid, fmt::format("--all checks every published port; {}", what));
  };
  if (o.have_target) {
    return refuse("leave out PORT, or leave out --all to ask about one");
  }
  if (o.query.from) {
    return refuse("it asks from this host, so it does not combine with --from");
  }
  if (o.query.netns) {
    return refuse("--pid and --netns name one namespace; ask about a PORT there");
  }
  if (o.query.explain) {
    return refuse("--explain walks one packet; ask about one PORT");
  }
  return {};
}

/// Boost.Program_options (1.74) fills its error messages by replacing
/// %option%, %value%, ... with the token until none is left, so a token that
/// holds its own placeholder never stops being replaced: the process hangs.
/// No option or target contains one; such an argument is refused first.
std::optional<std::string_view> boost_placeholder_in(std::string_view argument) {
  for (const std::string_view placeholder :
       {"%canonical_option%", "%option%", "%original_token%", "%prefix%", "%value%"}) {
    if (argument.find(placeholder) != std::string_view::npos) {
      return placeholder;
    }
  }
  return std::nullopt;
}

/// --host-root DIR: an absolute path to a directory, without a trailing
/// slash ("/" itself is the default, said as "").
Result<std::string> host_root_of(std::string text) {
  if (!text.starts_with('/')) {
    return fail(Error::Kind::invalid,
                fmt::format("--host-root takes an absolute path (e.g. /host), not '{}'", excerpt(text, 60)));
  }
  struct stat st {};
  if (::stat(text.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail(Error::Kind::invalid, fmt::format("--host-root {} is not a directory", excerpt(text, 60)));
  }
  while (text.size() > 1 && text.ends_with('/')) {
    text.pop_back();
  }
  return text == "/" ? std::string() : text;
}

}  // namespace

Result<Options> parse_options(std::span<const char* const> argv) {
  for (std::size_t i = 1; i < argv.size(); ++i) {
    if (argv[i] == nullptr) {
      break;
    }
    if (const auto placeholder = boost_placeholder_in(argv[i])) {
      return fail(Error::Kind::invalid,
                  fmt::format("'{}' is neither an option nor a target (it contains '{}')",
                              excerpt(argv[i], 60), *placeholder));
    }
  }
  po::options_description hidden;
  hidden.add_options()("target", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(visible_options()).add(hidden);
  po::positional_options_description positional;
  positional.add("target", -1);

  // "-1" reads as an option to Boost; as a target it is a port out of range.
  for (std::size_t i = 1; i < argv.size() && argv[i] != nullptr; ++i) {
    const std::string_view argument = argv[i];
    const std::string_view previous = i > 1 ? std::string_view(argv[i - 1]) : std::string_view();
    const bool is_value = previous.starts_with("--") && previous.find('=') == std::string_view::npos &&
                          std::any_of(option_table().begin(), option_table().end(), [&](const OptionSpec& o) {
                            return !o.value.empty() && previous.substr(2) == o.name;
                          });
    if (!is_value && argument.size() > 1 && argument[0] == '-' &&
        argument.find_first_not_of("0123456789", 1) == std::string_view::npos) {
      return fail(Error::Kind::invalid,
                  fmt::format("port must be between 1 and 65535, not {}", excerpt(argument, 20)));
    }
  }
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(static_cast<int>(argv.size()), argv.data())
                  .options(all)
                  .positional(positional)
                  .style(po::command_line_style::unix_style)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    const std::string near = nearest_option(e.get_option_name());
    return fail(Error::Kind::invalid,
                near.empty() ? std::string(e.what()) : fmt::format("{}; did you mean {}?", e.what(), near));
  } catch (const po::error& e) {
    return fail(Error::Kind::invalid, e.what());
  }

  Options o;
  o.help = vm.count("help") > 0;
  o.version = vm.count("version") > 0;
  if (o.help || o.version) {
    return o;
  }
  o.json = vm.count("json") > 0;
  o.query.explain = vm.count("explain") > 0;
  const std::string color = vm.count("color") ? vm["color"].as<std::string>() : std::string("auto");
  if (color == "auto") {
    o.color = ColorMode::automatic;
  } else if (color == "always") {
    o.color = ColorMode::always;
  } else if (color == "never") {
    o.color = ColorMode::never;
  } else {
    return fail(Error::Kind::invalid,
                fmt::format("--color takes auto, always or never, not '{}'", excerpt(color, 60)));
  }
  o.probe = vm.count("no-probe") == 0;
  WHYNO_TRY_ASSIGN(o.probe_timeout,
                   parse_duration(vm.count("probe-timeout") ? vm["probe-timeout"].as<std::string>() : "1s"));
  if (vm.count("from")) {
    // A client at a loopback address is this host, whichever family: nullopt.
    o.query.from = Client::parse(vm["from"].as<std::string>());
  }
  if (vm.count("container")) {
    o.query.container = vm["container"].as<std::string>();
  }
  if (vm.count("pid") && vm.count("netns")) {
    return fail(Error::Kind::invalid, "give --pid or --netns, not both");
  }
  if (vm.count("pid")) {
    const std::string text = vm["pid"].as<std::string>();
    int pid = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || pid <= 0) {
      return fail(Error::Kind::invalid, fmt::format("--pid takes a process id, not '{}'", excerpt(text, 40)));
    }
    o.query.netns = NamespaceChoice{fmt::format("/proc/{}/ns/net", pid), pid, fmt::format("pid {}", pid)};
  }
  if (vm.count("netns")) {
    const std::string path = vm["netns"].as<std::string>();
    if (path.empty()) {
      return fail(Error::Kind::invalid,
                  "--netns takes the path of a network namespace, e.g. /run/netns/NAME");
    }
    o.query.netns = NamespaceChoice{path, 0, path};
  }
  if (o.query.netns && (o.query.container || o.query.from_container())) {
    return fail(Error::Kind::invalid,
                "--pid and --netns diagnose a namespace without an engine; they do not combine "
                "with --container or --from CONTAINER");
  }
  if (vm.count("save-facts")) {
    o.save_facts = vm["save-facts"].as<std::string>();
  }
  if (vm.count("replay")) {
    o.replay = vm["replay"].as<std::string>();
  }
  if (vm.count("engine")) {
    o.engine = vm["engine"].as<std::string>();
    if (o.engine->empty() ||
        (o.engine->find("://") != std::string::npos && !o.engine->starts_with("unix://"))) {
      return fail(Error::Kind::invalid,
                  fmt::format("--engine takes a unix socket of this host, unix:///PATH or a PATH, not '{}' "
                              "(tcp:// and ssh:// are not read)",
                              excerpt(*o.engine, 60)));
    }
    if (o.query.netns) {
      return fail(Error::Kind::invalid, "--pid and --netns read no engine; leave out --engine");
    }
  }
  o.user_engines = vm.count("no-user-engines") == 0;
  if (vm.count("host-root")) {
    WHYNO_TRY_ASSIGN(o.host_root, host_root_of(vm["host-root"].as<std::string>()));
  }
  if (vm.count("target")) {
    const auto& targets = vm["target"].as<std::vector<std::string>>();
    if (targets.size() > 1) {
      return fail(Error::Kind::invalid,
                  fmt::format("one TARGET at a time, got {} ('{}' and '{}')", targets.size(),
                              excerpt(targets[0], 60), excerpt(targets[1], 60)));
    }
    WHYNO_TRY_ASSIGN(const bool address_given, parse_target(targets.front(), o.query));
    if (o.query.netns && !address_given) {
      o.query.target.kind = Target::Kind::netns;  // PORT on the namespace's own address
      o.query.target.text = o.query.netns->label;
    }
    if (o.query.from && !address_given) {
      return fail(Error::Kind::invalid,
                  "with --from, say what the client dials: whyno-port TARGET:PORT --from CLIENT");
    }
    o.have_target = true;
  }
  if (vm.count("project")) {
    o.project = vm["project"].as<std::string>();
  }
  if (vm.count("metrics")) {
    o.metrics = vm["metrics"].as<std::string>();
    if (o.metrics->empty()) {
      return fail(Error::Kind::invalid,
                  "--metrics takes a FILE, e.g. /var/lib/prometheus/node-exporter/whyno-port.prom");
    }
  }
  // No PORT asks about the whole host, as --all does.
  o.all = vm.count("all") > 0 || (!o.have_target && !o.replay && !o.query.netns);
  if (o.all) {
    WHYNO_TRY(check_all_mode(o));
  } else if (o.project) {
    return fail(Error::Kind::invalid, "--project narrows --all; for one port, use --container");
  } else if (o.metrics) {
    return fail(Error::Kind::invalid, "--metrics writes what --all finds; leave out PORT, or add --all");
  }
  if (!o.all && !o.have_target && !o.replay) {
    return fail(Error::Kind::invalid, "say which port to diagnose, e.g. whyno-port 8080");
  }
  return o;
}

std::string help_text() {
  std::string verdicts;
  for (const Verdict v : all_verdicts()) {
    verdicts += indented_entry(fmt::format("  {}", code(v)), meaning(v));
  }
  return fmt::format(
      "Usage: whyno-port [ADDRESS:]PORT[/tcp|/udp] [--container NAME]\n"
      "       whyno-port TARGET:PORT[/tcp|/udp] --from CONTAINER\n"
      "       whyno-port ADDRESS:PORT[/tcp|/udp] --from CLIENT_ADDRESS\n"
      "       whyno-port [ADDRESS:]PORT[/tcp|/udp] --pid PID | --netns PATH\n"
      "       whyno-port [--all] [--container NAME | --project NAME] [--metrics FILE]\n"
      "       whyno-port --replay FILE [TARGET]\n"
      "       docker whyno ...          (the Docker CLI plugin: the same arguments)\n"
      "\n"
      "Explains why a connection to a container's port fails: walks host port ->\n"
      "docker-proxy or DNAT -> the container's network namespace -> the app's\n"
      "socket, says where the path breaks and how to fix it, and tries the\n"
      "connection to confirm. ADDRESS defaults to localhost (what `curl\n"
      "localhost:PORT` dials), the protocol to tcp. Each address the client would\n"
      "dial is tried in its order, as curl does (localhost: ::1, then 127.0.0.1).\n"
      "With --from CONTAINER, TARGET is a container name, alias, IP or localhost,\n"
      "as that client dials it, or the host itself (host.docker.internal, the\n"
      "bridge's gateway); with --from CLIENT_ADDRESS, the client is another\n"
      "machine and ADDRESS is this host's address it dials. ufw and firewalld are\n"
      "read too. Rootless podman and rootless Docker are followed through their\n"
      "port forwarders. Run it as root; the owner of a rootless engine may run it\n"
      "unprivileged, and what only root can read is listed. With no PORT (or\n"
      "--all), every published port of every container is checked from this\n"
      "host, one line each.\n"
      "\n"
      "{}"
      "\n"
      "Verdicts (the JSON \"verdict\" field):\n"
      "{}"
      "\n"
      "Exit status: 0 the path works, 1 a problem was diagnosed, 2 usage error\n"
      "(a bad option, port or value, an unknown container), 3 could not inspect\n"
      "(privileges, an engine that is there but unreachable, the --from\n"
      "container not running; no engine at all is a host like any other),\n"
      "4 inconclusive (a hop could not be read: never called working). With\n"
      "--all: 1 if a published port is broken, else 4 if one is inconclusive,\n"
      "else 0.\n"
      "\n"
      "Examples:\n"
      "  whyno-port 8080                       why does curl localhost:8080 fail?\n"
      "  whyno-port 8080 --json                the same, as JSON\n"
      "  whyno-port 8080 --explain             and every netfilter rule the packet\n"
      "                                        meets\n"
      "  whyno-port                            what on this host is published and\n"
      "                                        broken?\n"
      "  whyno-port --all --project shop       the same, for one Compose project\n"
      "  whyno-port server:3000 --from client  why can't container client reach\n"
      "                                        server?\n"
      "  whyno-port host.docker.internal:5432 --from api\n"
      "                                        why can't container api reach\n"
      "                                        Postgres on the host?\n"
      "  whyno-port 192.0.2.10:8080 --from 198.51.100.7\n"
      "                                        why can't that machine reach port 8080?\n"
      "\n"
      "See whyno-port(1) for every verdict and the JSON schema.\n",
      options_help(), verdicts);
}

std::string version_text() {
  const std::string_view commit = WHYNO_COMMIT;
  return commit.empty() ? fmt::format("whyno-port {}\n", WHYNO_VERSION)
                        : fmt::format("whyno-port {} (commit {})\n", WHYNO_VERSION, commit);
}

}  // namespace whyno::cli
