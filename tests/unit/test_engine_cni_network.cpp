// The node's CNI network configuration: Debian podman's own
// 87-podman-bridge.conflist (tests/fixtures/engine/cni, as the package
// installs it), a single-plugin .conf, and files that are not one.

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "fixtures.hpp"
#include "whyno/engine/cni_network.hpp"

using namespace whyno;
using namespace whyno::engine;

TEST_SUITE_BEGIN("engine_cni_network");

TEST_CASE("a .conflist names its network and its plugins in order; portmap among them maps hostPorts") {
  const auto net = parse_cni_network(test::fixture_text("engine/cni/87-podman-bridge.conflist"),
                                     "/etc/cni/net.d/87-podman-bridge.conflist");
  REQUIRE_MESSAGE(net, net.error().message);
  CHECK(net->read);
  CHECK(net->name == "podman");
  // host-local is bridge's IPAM, not a plugin of the list.
  CHECK(net->plugins == std::vector<std::string>{"bridge", "portmap", "firewall", "tuning"});
  CHECK(net->has_portmap());
}

TEST_CASE("a single-plugin .conf is a network of one plugin, and has no portmap") {
  const auto net = parse_cni_network(R"({"cniVersion": "0.3.1", "name": "mynet", "type": "bridge",
                                        "bridge": "cni0", "ipam": {"type": "host-local"}})",
                                     "/etc/cni/net.d/10-mynet.conf");
  REQUIRE(net);
  CHECK(net->plugins == std::vector<std::string>{"bridge"});
  CHECK_FALSE(net->has_portmap());
}

TEST_CASE("text that is no network configuration is an error naming the file") {
  for (const char* text : {"", "[]", "{\"name\": \"x\"}", "{\"plugins\": 3, \"name\": \"x\"}", "not json"}) {
    const auto net = parse_cni_network(text, "/etc/cni/net.d/00-bad.conf");
    REQUIRE_FALSE(net);
    CHECK(net.error().message.find("/etc/cni/net.d/00-bad.conf") != std::string::npos);
  }
  // A plugin type that is no binary's name is left out, not printed.
  const auto odd =
      parse_cni_network(R"({"name": "n", "plugins": [{"type": "../../bin/x"}, {"type": "portmap"}]})",
                        "/etc/cni/net.d/10-n.conflist");
  REQUIRE(odd);
  CHECK(odd->plugins == std::vector<std::string>{"portmap"});
}

TEST_CASE("the first configuration file in name order is the one in force") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: the files are read as root's, and this runs as uid " << ::geteuid());
    return;
  }
  const std::filesystem::path root = std::filesystem::temp_directory_path() / "whyno-cni-test";
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "etc/cni/net.d");
  std::ofstream(root / "etc/cni/net.d/20-second.conflist")
      << R"({"name": "second", "plugins": [{"type": "bridge"}, {"type": "portmap"}]})";
  std::ofstream(root / "etc/cni/net.d/10-first.conflist")
      << R"({"name": "first", "plugins": [{"type": "bridge"}]})";
  std::ofstream(root / "etc/cni/net.d/00-notes.txt") << "not a configuration";
  const auto net = read_cni_network(root.string());
  std::filesystem::remove_all(root);
  REQUIRE_MESSAGE(net, net.error().message);
  CHECK(net->name == "first");
  CHECK_FALSE(net->has_portmap());
  const auto none = read_cni_network((root / "nothing").string());
  CHECK_FALSE(none);
}
