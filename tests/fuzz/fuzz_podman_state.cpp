// The parsers of podman's state files (src/engine/podman_state.hpp) and the
// docker context files engine discovery reads, chosen by the first byte
// ('0' + n; other bytes wrap around):
//   0 parse_storage_containers  1 parse_oci_spec  2 parse_pidfile
//   3 parse_podman_hosts: "3NAME\nHOSTS"        4 parse_aardvark
//   5 parse_netavark_network
//   6 discover_engines with the text as ~/.docker/config.json and as the
//     current context's meta.json
//   7 parse_cni_network (a node's /etc/cni/net.d file)
// The parsers promise never to throw; an exception ends the run as a crash.
// Seeds: tests/fixtures/engine/podman/ondisk-net/ behind the byte of their parser.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/engine_json.hpp"
#include "engine/podman_state.hpp"
#include "fuzz_input.hpp"
#include "whyno/engine/cni_network.hpp"
#include "whyno/engine/discovery.hpp"

using namespace whyno;
using namespace whyno::engine;

namespace {

/// A host whose only files are the fuzzed docker config and context meta.
class FuzzHost final : public DiscoveryHost {
 public:
  explicit FuzzHost(std::string text) : m_text(std::move(text)) {}
  std::optional<std::string> env(const std::string& name) const override {
    return name == "HOME" ? std::optional<std::string>("/home/f") : std::nullopt;
  }
  std::optional<std::string> read_file(const std::string& path) const override {
    return path.starts_with("/home/f/.docker/") ? std::optional<std::string>(m_text) : std::nullopt;
  }
  std::optional<SocketFile> socket_at(const std::string&) const override { return std::nullopt; }
  std::vector<unsigned> runtime_dir_uids() const override { return {}; }
  bool exists(const std::string&) const override { return false; }
  bool is_root() const override { return true; }
  unsigned uid() const override { return 0; }
  std::optional<std::string> home_of(unsigned) const override { return std::nullopt; }

 private:
  std::string m_text;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::text(data, size);
  if (input.empty()) {
    return 0;
  }
  const auto choice = static_cast<unsigned char>(static_cast<unsigned char>(input.front()) - '0') % 8;
  // A copy of its own size, so ASan sees a read past the end of the text.
  const std::string body(input.substr(1));
  const std::string_view text = body;
  switch (choice) {
    case 0:
      if (const auto containers = parse_storage_containers(text)) {
        for (const StoredContainer& c : *containers) {
          WHYNO_FUZZ_CHECK(is_container_id(c.id));
        }
      }
      break;
    case 1:
      (void)parse_oci_spec(text);
      break;
    case 2:
      if (const auto pid = parse_pidfile(text)) {
        WHYNO_FUZZ_CHECK(*pid > 0);
      }
      break;
    case 3: {
      const auto newline = text.find('\n');
      const std::string name(text.substr(0, newline));
      const std::string_view hosts =
          newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
      (void)parse_podman_hosts(hosts, name);
      break;
    }
    case 4:
      for (const AardvarkEntry& entry : parse_aardvark(text).entries) {
        WHYNO_FUZZ_CHECK(!entry.id.empty());
      }
      break;
    case 5:
      (void)parse_netavark_network(text);
      break;
    case 6: {
      const auto found = discover_engines(FuzzHost(body), std::nullopt);
      WHYNO_FUZZ_CHECK(found.has_value() && !found->endpoints.empty());
      break;
    }
    case 7:
      if (const auto net = parse_cni_network(text, "/etc/cni/net.d/f.conflist")) {
        WHYNO_FUZZ_CHECK(net->read && net->plugins.size() <= 64);
      }
      break;
    default:
      break;
  }
  return 0;
}
