#pragma once
// Every option once: its names, its value, what it does and its limits. The
// parser registers them from here, --help prints them from here, and a unit
// test checks that README.md and the man page list the same ones.

#include <span>
#include <string>
#include <string_view>

namespace whyno::cli {

struct OptionSpec {
  std::string_view name;   // the long name, without "--"
  char short_name = 0;     // 'h' for -h; 0 for none
  std::string_view value;  // "TIME", "FILE"; "" for a flag
  std::string_view help;   // one paragraph, said in full: --help wraps it
};

/// In the order --help lists them.
std::span<const OptionSpec> option_table();

/// The long names, "--all", ..., in the table's order.
std::string option_names();

/// "Options:" and one entry per option, each line at most 80 columns, no
/// trailing spaces, descriptions wrapped at word boundaries.
std::string options_help();

/// `head` (e.g. "  --all") and `text` wrapped beside it: one --help entry,
/// 80 columns at most.
std::string indented_entry(std::string_view head, std::string_view text);

/// The option the user probably meant by `typed` ("--timeout" ->
/// "--probe-timeout"); "" when none is close.
std::string nearest_option(std::string_view typed);

}  // namespace whyno::cli
