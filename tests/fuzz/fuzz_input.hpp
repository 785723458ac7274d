#pragma once
// Shared by the fuzz targets: libFuzzer's bytes -> the inputs of a parser.
//
// A target that needs several buffers (an nftables dump is four) splits its
// input at k_separator: make_seeds.sh writes the recorded fixtures joined by
// the same line, and the .dict files give it to libFuzzer as a token.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace whyno::fuzz {

inline constexpr std::string_view k_separator = "\n--8<--\n";

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return size == 0 ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(data), size);
}

/// A copy in its own allocation of exactly `text.size()` bytes, so ASan sees
/// a read past its end.
inline std::vector<std::byte> bytes(std::string_view text) {
  const auto* first = reinterpret_cast<const std::byte*>(text.data());
  return std::vector<std::byte>(first, first + text.size());
}

inline std::vector<std::byte> bytes(const std::uint8_t* data, std::size_t size) {
  return bytes(text(data, size));
}

/// Exactly `count` parts: the input up to the first separator, up to the
/// next, ...; the last part takes the rest, separators and all. Parts the
/// input does not reach are empty.
inline std::vector<std::vector<std::byte>> sections(std::string_view rest, std::size_t count) {
  std::vector<std::vector<std::byte>> out;
  while (out.size() + 1 < count) {
    const auto at = rest.find(k_separator);
    if (at == std::string_view::npos) {
      break;
    }
    out.push_back(bytes(rest.substr(0, at)));
    rest.remove_prefix(at + k_separator.size());
  }
  out.push_back(bytes(rest));
  out.resize(count);
  return out;
}

/// Stops the run (libFuzzer saves the input) when a property does not hold.
#define WHYNO_FUZZ_CHECK(condition)                                                         \
  do {                                                                                      \
    if (!(condition)) {                                                                     \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (false)

}  // namespace whyno::fuzz
