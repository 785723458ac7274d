#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "whyno/kernel/netns_reader.hpp"
#include "kernel/sysctls.hpp"

namespace fs = std::filesystem;
using whyno::kernel::parse_sysctl_bool;
using whyno::kernel::parse_sysctl_int;
using whyno::kernel::read_sysctls_at;

namespace {

/// A directory laid out like /proc/sys, removed when the test ends.
class FakeProcSys {
 public:
  FakeProcSys() {
    std::string pattern = (fs::temp_directory_path() / "whyno-sys-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    m_root = pattern;
  }
  ~FakeProcSys() { fs::remove_all(m_root); }
  FakeProcSys(const FakeProcSys&) = delete;
  FakeProcSys& operator=(const FakeProcSys&) = delete;

  void set(const std::string& path, const std::string& value) {
    const fs::path file = m_root / path;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << value;
  }
  std::string root() const { return m_root.string(); }

 private:
  fs::path m_root;
};

}  // namespace

TEST_SUITE_BEGIN("kernel_sysctls");

TEST_CASE("sysctl text") {
  CHECK(parse_sysctl_bool("1\n") == true);
  CHECK(parse_sysctl_bool("0\n") == false);
  CHECK_FALSE(parse_sysctl_bool("2\n"));
  CHECK_FALSE(parse_sysctl_bool(""));
  CHECK_FALSE(parse_sysctl_bool("yes"));
  CHECK(parse_sysctl_int("4096\n") == 4096);
  CHECK(parse_sysctl_int("  12 \n") == 12);
  CHECK(parse_sysctl_int("-1\n") == -1);
  CHECK_FALSE(parse_sysctl_int("1 2"));
  CHECK_FALSE(parse_sysctl_int("99999999999"));
  CHECK_FALSE(parse_sysctl_int("\n"));
}

TEST_CASE("a host with br_netfilter and Docker's bridge") {
  // Values as this host has them (cat /proc/sys/...), with route_localnet
  // turned on for docker0 as Docker does for hairpin with userland-proxy=false.
  FakeProcSys sys;
  sys.set("net/ipv4/ip_forward", "1\n");
  sys.set("net/ipv6/conf/all/forwarding", "0\n");
  sys.set("net/ipv4/conf/docker0/forwarding", "1\n");
  sys.set("net/ipv4/conf/docker0/route_localnet", "1\n");
  sys.set("net/ipv4/conf/eth0/forwarding", "0\n");
  sys.set("net/ipv4/conf/eth0/route_localnet", "0\n");
  sys.set("net/bridge/bridge-nf-call-iptables", "1\n");
  sys.set("net/bridge/bridge-nf-call-ip6tables", "0\n");
  sys.set("net/core/somaxconn", "4096\n");
  sys.set("net/ipv4/conf/secret", "1\n");

  const std::vector<std::string> names = {"docker0", "eth0", "gone0", "..", "a/b", ""};
  const auto s = read_sysctls_at(sys.root(), names);
  CHECK(s.ipv4_forward == true);
  CHECK(s.ipv6_forward == false);
  CHECK(s.ipv4_iface_forward.size() == 2);
  CHECK(s.ipv4_iface_forward.at("docker0"));
  CHECK_FALSE(s.ipv4_iface_forward.at("eth0"));
  CHECK(s.route_localnet.at("docker0"));
  CHECK_FALSE(s.route_localnet.at("eth0"));
  CHECK_FALSE(s.route_localnet.contains("gone0"));
  CHECK(s.bridge_nf_call_iptables == true);
  CHECK(s.bridge_nf_call_ip6tables == false);
  CHECK(s.somaxconn == 4096);
}

TEST_CASE("without br_netfilter the bridge sysctls are absent") {
  FakeProcSys sys;
  sys.set("net/ipv4/ip_forward", "0\n");
  sys.set("net/core/somaxconn", "128\n");
  const auto s = read_sysctls_at(sys.root(), {});
  CHECK(s.ipv4_forward == false);
  CHECK_FALSE(s.ipv6_forward);  // IPv6 disabled: no such file
  CHECK_FALSE(s.bridge_nf_call_iptables);
  CHECK_FALSE(s.bridge_nf_call_ip6tables);
  CHECK(s.somaxconn == 128);
  CHECK(s.ipv4_iface_forward.empty());
}

TEST_CASE("the real /proc/sys is readable without privileges") {
  const std::vector<std::string> names = {"lo"};
  const auto s = whyno::kernel::read_sysctls(names);
  CHECK(s.ipv4_forward.has_value());
  REQUIRE(s.somaxconn.has_value());
  CHECK(*s.somaxconn > 0);
  CHECK(s.ipv4_iface_forward.contains("lo"));
  CHECK(s.route_localnet.contains("lo"));
}

TEST_SUITE_END();
