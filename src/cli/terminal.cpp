#include "terminal.hpp"

#include <langinfo.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <clocale>
#include <cstdlib>
#include <iostream>
#include <string_view>

#include "whyno/render/json.hpp"
#include "whyno/util/printable.hpp"

namespace whyno::cli {

namespace {

constexpr std::size_t k_max_message_chars = 286;  // 300 with the "whyno-port: " prefix

std::size_t terminal_width() {
  winsize size{};
  if (isatty(STDOUT_FILENO) != 1 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0) {
    return 0;
  }
  return size.ws_col;
}

}  // namespace

int complain(int status, const std::string& message, bool json) {
  const std::string sentence = excerpt(message, k_max_message_chars);
  std::cerr << "whyno-port: " << sentence << '\n';
  if (json) {
    render::render_error_json(std::cout, sentence, status);
    std::cout.flush();
  }
  return status;
}

render::TextStyle text_style(ColorMode mode) {
  render::TextStyle style;
  std::setlocale(LC_CTYPE, "");
  style.unicode = std::string_view(nl_langinfo(CODESET)) == "UTF-8";
  style.width = terminal_width();
  const char* term = std::getenv("TERM");
  const bool no_color = std::getenv("NO_COLOR") != nullptr && *std::getenv("NO_COLOR") != '\0';
  switch (mode) {
    case ColorMode::always:
      style.color = true;
      break;
    case ColorMode::never:
      style.color = false;
      break;
    case ColorMode::automatic:
      style.color =
          !no_color && isatty(STDOUT_FILENO) == 1 && term != nullptr && std::string_view(term) != "dumb";
      break;
  }
  return style;
}

}  // namespace whyno::cli
