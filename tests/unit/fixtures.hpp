#pragma once
// Loading recorded data from tests/fixtures/, for every parser test.

#include <doctest/doctest.h>

#include <cstddef>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace whyno::test {

/// tests/fixtures/<relative>.
inline std::string fixture_path(const std::string& relative) {
  return std::string(WHYNO_FIXTURES) + "/" + relative;
}

inline std::string fixture_text(const std::string& relative) {
  std::ifstream in(fixture_path(relative), std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing fixture ", relative);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

inline std::vector<std::byte> fixture_bytes(const std::string& relative) {
  const std::string text = fixture_text(relative);
  std::vector<std::byte> bytes(text.size());
  if (!text.empty()) {  // an empty vector's data() may be null, and memcpy must not see it
    std::memcpy(bytes.data(), text.data(), text.size());
  }
  return bytes;
}

}  // namespace whyno::test
