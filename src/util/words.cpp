#include "whyno/util/words.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

namespace whyno {

std::string join_words(const std::vector<std::string>& words, std::string_view last) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) {
      out += i + 1 == words.size() ? fmt::format(" {} ", last) : std::string(", ");
    }
    out += words[i];
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

bool near_miss(std::string_view a, std::string_view b) {
  if (a == b || a.empty() || b.empty()) {
    return false;
  }
  const std::size_t shorter = std::min(a.size(), b.size());
  if (shorter >= 3 && (a.starts_with(b) || b.starts_with(a))) {
    return true;
  }
  return edit_distance(a, b) <= std::max<std::size_t>(1, shorter / 4);
}

std::string quoted(std::string_view name) { return fmt::format("`{}`", name); }

}  // namespace whyno
