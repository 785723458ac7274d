#include "whyno/util/hosts_file.hpp"

#include <algorithm>
#include <optional>

namespace whyno {

namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view without_root_dot(std::string_view name) {
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  return name;
}

}  // namespace

bool same_dns_name(std::string_view a, std::string_view b) {
  a = without_root_dot(a);
  b = without_root_dot(b);
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

std::vector<IpAddress> lookup_hosts(std::string_view text, std::string_view name) {
  constexpr std::string_view blank = " \t\r";
  std::vector<IpAddress> found;
  if (without_root_dot(name).empty()) {
    return found;
  }
  while (!text.empty()) {
    const auto end = text.find('\n');
    auto line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    line = line.substr(0, line.find('#'));

    std::optional<IpAddress> address;
    bool first = true;
    std::size_t pos = line.find_first_not_of(blank);
    while (pos != std::string_view::npos) {
      const auto stop = line.find_first_of(blank, pos);
      const auto field = line.substr(pos, stop == std::string_view::npos ? stop : stop - pos);
      if (first) {
        address = IpAddress::parse(field);
        first = false;
        if (!address) {
          break;
        }
      } else if (same_dns_name(field, name)) {
        if (std::find(found.begin(), found.end(), *address) == found.end()) {
          found.push_back(*address);
        }
        break;
      }
      pos = stop == std::string_view::npos ? stop : line.find_first_not_of(blank, stop);
    }
  }
  return found;
}

}  // namespace whyno
