// Every parser of src/engine/engine_json.hpp, chosen by the first byte
// ('0' + n; other bytes wrap around):
//   0 parse_ping_headers (+ negotiate_api_version of its Api-Version)
//   1 parse_version (+ negotiate_api_version, engine_major_version)
//   2 parse_container_list   3 parse_container   4 parse_networks
//   5 parse_info and parse_info_warnings        6 parse_error_message
//   7 parse_daemon_config: "7ENGINE_VERSION\nDAEMON_JSON"
//   8 negotiate_api_version  9 engine_major_version
// The parsers promise never to throw; an exception ends the run as a crash.
// Seeds: tests/fixtures/engine/ (each file behind the byte of its parser).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/engine_json.hpp"
#include "fuzz_input.hpp"

using namespace whyno;
using namespace whyno::engine;

namespace {

void check_negotiated(std::string_view server) {
  if (const auto v = negotiate_api_version(server, "/run/docker.sock")) {
    WHYNO_FUZZ_CHECK(v->starts_with("1."));
  } else {
    WHYNO_FUZZ_CHECK(!v.error().message.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::text(data, size);
  if (input.empty()) {
    return 0;
  }
  const auto choice = static_cast<unsigned char>(static_cast<unsigned char>(input.front()) - '0') % 10;
  // A copy of its own size, so ASan sees a read past the end of the text.
  const std::string body(input.substr(1));
  const std::string_view text = body;
  switch (choice) {
    case 0: {
      const PingReply ping = parse_ping_headers(text);
      check_negotiated(ping.api_version);
      (void)ping.is_podman();
      break;
    }
    case 1:
      if (const auto version = parse_version(text)) {
        check_negotiated(version->api_version);
        (void)engine_major_version(version->version);
      }
      break;
    case 2:
      if (const auto listed = parse_container_list(text)) {
        for (const Container& c : *listed) {
          WHYNO_FUZZ_CHECK(is_container_id(c.id) && !c.inspected);
        }
      }
      break;
    case 3:
      (void)parse_container(text);
      break;
    case 4:
      (void)parse_networks(text);
      break;
    case 5: {
      const InfoReply info = parse_info(text);
      WHYNO_FUZZ_CHECK(parse_info_warnings(text) == info.warnings);
      break;
    }
    case 6:
      (void)parse_error_message(text);
      break;
    case 7: {
      const auto newline = text.find('\n');
      const std::string version(text.substr(0, newline));
      const std::string_view json =
          newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
      (void)parse_daemon_config(json, version);
      break;
    }
    case 8:
      check_negotiated(text);
      break;
    case 9:
      (void)engine_major_version(text);
      break;
    default:
      break;
  }
  return 0;
}
