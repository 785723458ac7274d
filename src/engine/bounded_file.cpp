#include "bounded_file.hpp"

#include <array>
#include <fstream>

namespace whyno::engine {

std::optional<std::string> read_bounded_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::string text;
  std::array<char, 8192> buffer{};
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      return std::nullopt;
    }
  }
  return text;
}

}  // namespace whyno::engine
