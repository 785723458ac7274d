#pragma once
// Forwarding-related sysctls, read as files under /proc/sys.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "whyno/model/facts.hpp"

namespace whyno::kernel {

/// "1\n" -> true, "0\n" -> false; any other text -> nullopt.
std::optional<bool> parse_sysctl_bool(std::string_view text);
/// A decimal integer with optional surrounding whitespace, else nullopt.
std::optional<int> parse_sysctl_int(std::string_view text);

/// read_sysctls() over any directory laid out like /proc/sys (tests use a
/// recorded copy). Interface names that could escape their directory ("..",
/// "a/b") are skipped; a missing file leaves its field unset.
Sysctls read_sysctls_at(const std::string& proc_sys_root, std::span<const std::string> interface_names);

}  // namespace whyno::kernel
