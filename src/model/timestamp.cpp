#include "whyno/model/timestamp.hpp"

#include <charconv>

namespace whyno {

namespace {

std::optional<int> number(std::string_view s, std::size_t at, std::size_t length) {
  if (at + length > s.size()) {
    return std::nullopt;
  }
  int value = 0;
  const auto* begin = s.data() + at;
  const auto [end, ec] = std::from_chars(begin, begin + length, value);
  if (ec != std::errc{} || end != begin + length) {
    return std::nullopt;
  }
  return value;
}

/// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
/// (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339(std::string_view s) {
  const auto year = number(s, 0, 4);
  const auto month = number(s, 5, 2);
  const auto day = number(s, 8, 2);
  const auto hour = number(s, 11, 2);
  const auto minute = number(s, 14, 2);
  const auto second = number(s, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':' || *month < 1 ||
      *month > 12 || *day < 1 || *day > 31 || *year < 1970) {
    return std::nullopt;  // includes Docker's "0001-01-01T00:00:00Z": never
  }
  std::size_t at = 19;
  if (at < s.size() && s[at] == '.') {
    ++at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
      ++at;
    }
  }
  std::int64_t offset = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    const auto oh = number(s, at + 1, 2);
    const auto om = number(s, at + 4, 2);
    if (!oh || !om) {
      return std::nullopt;
    }
    offset = (s[at] == '+' ? 1 : -1) * (*oh * 3600 + *om * 60);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != s.size()) {
    return std::nullopt;
  }
  const std::int64_t days =
      days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  return days * 86400 + *hour * 3600 + *minute * 60 + *second - offset;
}

}  // namespace whyno
