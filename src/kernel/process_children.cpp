#include "process_children.hpp"
#include "proc_files.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace whyno::kernel {

namespace {

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str().substr(0, 1 << 16);
}

std::optional<std::string> netns_of(const std::string& proc_root, int pid) {
  std::error_code error;
  const auto target = std::filesystem::read_symlink(fmt::format("{}/{}/ns/net", proc_root, pid), error);
  if (error) {
    return std::nullopt;
  }
  return target.string();
}

}  // namespace

std::vector<int> parse_children(std::string_view text) {
  std::vector<int> pids;
  while (!text.empty()) {
    const auto start = text.find_first_not_of(" \n");
    if (start == std::string_view::npos) {
      break;
    }
    text.remove_prefix(start);
    const auto end = std::min(text.find_first_of(" \n"), text.size());
    int pid = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + end, pid);
    if (ec == std::errc() && ptr == text.data() + end && pid > 0) {
      pids.push_back(pid);
    }
    text.remove_prefix(end);
  }
  return pids;
}

std::vector<int> child_processes(const std::string& proc_root, int pid) {
  std::vector<int> children;
  std::error_code error;
  const std::string tasks = fmt::format("{}/{}/task", proc_root, pid);
  for (std::filesystem::directory_iterator it(tasks, error), end; !error && it != end; it.increment(error)) {
    const auto listed = parse_children(read_text(it->path().string() + "/children").value_or(""));
    children.insert(children.end(), listed.begin(), listed.end());
  }
  return children;
}

std::optional<unsigned> parse_status_uid(std::string_view status) {
  const std::optional<std::string_view> value = detail::status_field(status, "Uid");
  if (!value || value->empty()) {
    return std::nullopt;
  }
  unsigned uid = 0;
  const auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), uid);
  return ec == std::errc() && ptr != value->data() ? std::optional<unsigned>(uid) : std::nullopt;
}

std::optional<ForwarderChild> find_forwarder_child(const std::string& proc_root, int pid) {
  const auto own = netns_of(proc_root, pid);
  if (!own) {
    return std::nullopt;
  }
  for (const int child : child_processes(proc_root, pid)) {
    const auto theirs = netns_of(proc_root, child);
    if (theirs && *theirs != *own) {
      const auto status = read_text(fmt::format("{}/{}/status", proc_root, pid));
      return ForwarderChild{child, status ? parse_status_uid(*status) : std::nullopt};
    }
  }
  return std::nullopt;
}

}  // namespace whyno::kernel
