#include <doctest/doctest.h>

#include <algorithm>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unordered_set>

#include "whyno/kernel/netns_reader.hpp"
#include "whyno/kernel/socket_owners.hpp"
#include "whyno/sys/fd.hpp"

namespace fs = std::filesystem;
using whyno::kernel::clean_cmdline;
using whyno::kernel::clean_comm;
using whyno::kernel::parse_socket_link;
using whyno::kernel::scan_socket_owners;

namespace {

/// A directory laid out like /proc, removed when the test ends.
class FakeProc {
 public:
  FakeProc() {
    std::string pattern = (fs::temp_directory_path() / "whyno-proc-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    m_root = pattern;
  }
  ~FakeProc() { fs::remove_all(m_root); }
  FakeProc(const FakeProc&) = delete;
  FakeProc& operator=(const FakeProc&) = delete;

  void process(const std::string& pid, const std::string& comm, const std::string& cmdline) {
    fs::create_directories(m_root / pid / "fd");
    std::ofstream(m_root / pid / "comm") << comm;
    std::ofstream(m_root / pid / "cmdline", std::ios::binary) << cmdline;
  }
  void children(const std::string& pid, const std::string& task, const std::string& list) {
    fs::create_directories(m_root / pid / "task" / task);
    std::ofstream(m_root / pid / "task" / task / "children") << list;
  }
  /// A docker-proxy for host port `port` holding socket `inode` as fd 4.
  void docker_proxy(const std::string& pid, const std::string& port, std::uint64_t inode) {
    process(pid, "docker-proxy\n",
            "/usr/sbin/docker-proxy" + std::string(1, '\0') + "-host-port" + std::string(1, '\0') + port +
                std::string(1, '\0'));
    fd(pid, 4, "socket:[" + std::to_string(inode) + "]");
  }
  void status(const std::string& pid, const std::string& text) {
    fs::create_directories(m_root / pid);
    std::ofstream(m_root / pid / "status") << text;
  }
  void exe(const std::string& pid, const std::string& program) {
    fs::create_directories(m_root / pid);
    fs::create_symlink(program, m_root / pid / "exe");
  }
  void fd(const std::string& pid, int number, const std::string& target) {
    fs::create_directories(m_root / pid / "fd");
    fs::create_symlink(target, m_root / pid / "fd" / std::to_string(number));
  }
  std::string root() const { return m_root.string(); }

 private:
  fs::path m_root;
};

}  // namespace

TEST_SUITE_BEGIN("kernel_socket_owners");

TEST_CASE("socket link targets") {
  CHECK(parse_socket_link("socket:[12345]") == 12345U);
  CHECK(parse_socket_link("socket:[18446744073709551615]") == 18446744073709551615ULL);
  CHECK_FALSE(parse_socket_link("pipe:[12345]"));
  CHECK_FALSE(parse_socket_link("socket:[]"));
  CHECK_FALSE(parse_socket_link("socket:[12a]"));
  CHECK_FALSE(parse_socket_link("socket:[-1]"));
  CHECK_FALSE(parse_socket_link("socket:[1"));
  CHECK_FALSE(parse_socket_link("/dev/null"));
  CHECK_FALSE(parse_socket_link(""));
}

TEST_CASE("comm and cmdline text") {
  CHECK(clean_comm("docker-proxy\n") == "docker-proxy");
  CHECK(clean_comm("") == "");
  using namespace std::string_literals;
  CHECK(clean_cmdline("nginx\0-g\0daemon off;\0"s) == "nginx -g daemon off;");
  CHECK(clean_cmdline("nginx: master process\0\0\0"s) == "nginx: master process");
  CHECK(clean_cmdline("") == "");
  const std::string long_line(2000, 'x');
  CHECK(clean_cmdline(long_line).size() == whyno::kernel::k_cmdline_cap);
}

TEST_CASE("one scan finds every holder, sorted by pid, each once") {
  using namespace std::string_literals;
  FakeProc proc;
  proc.process("100", "dockerd\n", "/usr/bin/dockerd\0-H\0fd://\0"s);
  proc.fd("100", 0, "/dev/null");
  proc.fd("100", 3, "socket:[1001]");
  proc.fd("100", 4, "socket:[1002]");
  proc.fd("100", 9, "socket:[1001]");  // a dup of fd 3
  proc.process("42", "docker-proxy\n", "/usr/sbin/docker-proxy\0-proto\0tcp\0"s);
  proc.fd("42", 7, "socket:[1001]");  // passed along, like dockerd -> docker-proxy
  proc.process("77", "sshd\n", "sshd\0"s);
  proc.fd("77", 3, "socket:[9999]");   // not wanted
  proc.fd("300", 5, "socket:[1002]");  // fds but no comm: it exited mid-scan
  proc.process("self", "x\n", "x"s);   // not a pid
  proc.fd("self", 3, "socket:[1001]");
  proc.fd("12x", 3, "socket:[1001]");

  const auto owners = scan_socket_owners(proc.root(), {1001, 1002, 5555});
  REQUIRE(owners.size() == 2);
  const auto& shared = owners.at(1001);
  REQUIRE(shared.size() == 2);
  CHECK(shared[0].pid == 42);
  CHECK(shared[0].comm == "docker-proxy");
  CHECK(shared[0].cmdline == "/usr/sbin/docker-proxy -proto tcp");
  CHECK(shared[1].pid == 100);
  CHECK(shared[1].comm == "dockerd");
  CHECK(shared[1].cmdline == "/usr/bin/dockerd -H fd://");
  const auto& single = owners.at(1002);
  REQUIRE(single.size() == 1);
  CHECK(single[0].pid == 100);
  CHECK_FALSE(owners.contains(9999));
  CHECK_FALSE(owners.contains(5555));

  CHECK(scan_socket_owners(proc.root(), {}).empty());
  CHECK(scan_socket_owners(proc.root() + "/missing", {1001}).empty());
}

TEST_CASE("a host with many processes is scanned in two halves, with the same result") {
  FakeProc proc;
  // 600 processes: each holds its own socket 10000+i, and every tenth also
  // socket 1, so holders of one socket come from both halves.
  std::unordered_set<std::uint64_t> wanted{1};
  for (int i = 1; i <= 600; ++i) {
    const std::string pid = std::to_string(i);
    proc.process(pid, "p\n", "p");
    proc.fd(pid, 3, "socket:[" + std::to_string(10000 + i) + "]");
    wanted.insert(static_cast<std::uint64_t>(10000 + i));
    if (i % 10 == 0) {
      proc.fd(pid, 4, "socket:[1]");
    }
  }
  const auto owners = scan_socket_owners(proc.root(), wanted);
  CHECK(owners.size() == 601);
  const auto& shared = owners.at(1);
  REQUIRE(shared.size() == 60);
  CHECK(std::is_sorted(shared.begin(), shared.end(),
                       [](const auto& a, const auto& b) { return a.pid < b.pid; }));
  CHECK(shared.front().pid == 10);
  CHECK(shared.back().pid == 600);
  CHECK(owners.at(10001).front().pid == 1);
  CHECK(owners.at(10600).front().pid == 600);
}

TEST_CASE("holders are looked for in the containers' trees, then the forwarders, then everywhere") {
  using namespace std::string_literals;
  FakeProc proc;
  // A container: init 4000 (two threads), its child 4001 holds the app's socket.
  proc.process("4000", "tini\n", "tini\0--\0server\0"s);
  proc.children("4000", "4000", "");
  proc.children("4000", "4002", "4001 ");
  proc.process("4001", "server\n", "server\0"s);
  proc.fd("4001", 3, "socket:[601]");
  // docker-proxy for 8080 and for 20001, and a process that also holds
  // 8080's socket (an inherited fd).
  proc.process("900", "docker-proxy\n",
               "/usr/bin/docker-proxy\0-proto\0tcp\0-host-ip\0"
               "0.0.0.0\0-host-port\08080\0"s);
  proc.fd("900", 4, "socket:[501]");
  proc.process("901", "docker-proxy\n",
               "/usr/bin/docker-proxy\0-host-port\0"
               "20001\0"s);
  proc.fd("901", 4, "socket:[502]");
  proc.process("70", "inheritor\n", "inheritor\0"s);
  proc.fd("70", 5, "socket:[501]");
  proc.process("60", "sshd\n", "sshd\0"s);
  proc.fd("60", 3, "socket:[503]");

  whyno::kernel::OwnerSearch search;
  search.needed = {601, 501};
  search.first = {4000};
  search.forwarded_ports = {8080};
  auto owners = whyno::kernel::find_socket_owners(proc.root(), search);
  REQUIRE(owners.size() == 2);
  REQUIRE(owners.at(601).size() == 1);
  CHECK(owners.at(601).front().pid == 4001);
  CHECK(owners.at(601).front().comm == "server");
  // Found among the forwarders: everyone else is not read.
  REQUIRE(owners.at(501).size() == 1);
  CHECK(owners.at(501).front().comm == "docker-proxy");

  // Held by no likely process: every process is read, and every holder named.
  search.needed = {503, 501};
  search.forwarded_ports = {22};
  owners = whyno::kernel::find_socket_owners(proc.root(), search);
  REQUIRE(owners.at(503).size() == 1);
  CHECK(owners.at(503).front().comm == "sshd");
  REQUIRE(owners.at(501).size() == 2);
  CHECK(owners.at(501)[0].pid == 70);
  CHECK(owners.at(501)[1].pid == 900);

  // Named only if the trees hold them: sshd's is not looked for elsewhere.
  search = {};
  search.if_held_by_first = {601, 503};
  search.first = {4000};
  owners = whyno::kernel::find_socket_owners(proc.root(), search);
  CHECK(owners.size() == 1);
  CHECK(owners.contains(601));

  CHECK(whyno::kernel::find_socket_owners(proc.root(), {}).empty());
}

TEST_CASE("docker-proxies are looked for among dockerd's children first, by program name") {
  using namespace std::string_literals;
  FakeProc proc;
  // dockerd (two threads) started a docker-proxy for 20001 and one for 8080.
  proc.process("800", "dockerd\n", "/usr/sbin/dockerd\0"s);
  proc.exe("800", "/usr/sbin/dockerd");
  proc.children("800", "800", "901 ");
  proc.children("800", "805", "900 ");
  proc.docker_proxy("900", "8080", 501);
  proc.exe("900", "/usr/sbin/docker-proxy");
  proc.docker_proxy("901", "20001", 502);
  proc.exe("901", "/usr/sbin/docker-proxy (deleted)");
  // A user's program calling itself docker-proxy holds 8080's socket too
  // (passed to it): not a forwarder by its program, so not looked in while
  // the real one is found.
  proc.docker_proxy("50", "8080", 501);
  proc.exe("50", "/home/user/fake");

  whyno::kernel::OwnerSearch search;
  search.needed = {501};
  search.forwarded_ports = {8080};
  search.dockerds = {800};
  auto owners = whyno::kernel::find_socket_owners(proc.root(), search);
  REQUIRE(owners.at(501).size() == 1);
  CHECK(owners.at(501).front().pid == 900);
  // Without dockerd known, the same answer from every process.
  search.dockerds.clear();
  owners = whyno::kernel::find_socket_owners(proc.root(), search);
  REQUIRE(owners.at(501).size() == 1);
  CHECK(owners.at(501).front().pid == 900);
  // A deleted (upgraded) docker-proxy is one still.
  search.needed = {502};
  search.forwarded_ports = {20001};
  owners = whyno::kernel::find_socket_owners(proc.root(), search);
  REQUIRE(owners.at(502).size() == 1);
  CHECK(owners.at(502).front().pid == 901);
}

TEST_CASE("dockerd's children are tried nearest the publishing container's pid first") {
  using namespace std::string_literals;
  FakeProc proc;
  proc.process("800", "dockerd\n", "/usr/sbin/dockerd\0"s);
  proc.children("800", "800", "300 2000 ");
  // Two docker-proxies hold 8080's socket (one passed it to the other): the
  // search stops at the first, so which one is named shows the order.
  proc.docker_proxy("300", "8080", 501);
  proc.docker_proxy("2000", "8080", 501);
  whyno::kernel::OwnerSearch search;
  search.needed = {501};
  search.forwarded_ports = {8080};
  search.dockerds = {800};
  auto owners = whyno::kernel::find_socket_owners(proc.root(), search);
  REQUIRE(owners.at(501).size() == 1);
  CHECK(owners.at(501).front().pid == 300);  // the kernel's order
  search.near_pids = {2010};                 // the container started right after its proxy
  owners = whyno::kernel::find_socket_owners(proc.root(), search);
  REQUIRE(owners.at(501).size() == 1);
  CHECK(owners.at(501).front().pid == 2000);

  // Found below the container's pid without listing dockerd's children: a
  // process whose parent is dockerd; a thread (2004, of 1990) and another
  // parent's process (2006) are passed over.
  proc.children("800", "800", "300 ");
  proc.status("2000", "Name:\tdocker-proxy\nTgid:\t2000\nPid:\t2000\nPPid:\t800\n");
  proc.docker_proxy("2004", "8080", 501);
  proc.status("2004", "Name:\tdocker-proxy\nTgid:\t1990\nPid:\t2004\nPPid:\t800\n");
  proc.docker_proxy("2006", "8080", 501);
  proc.status("2006", "Name:\tdocker-proxy\nTgid:\t2006\nPid:\t2006\nPPid:\t1\n");
  owners = whyno::kernel::find_socket_owners(proc.root(), search);
  REQUIRE(owners.at(501).size() == 1);
  CHECK(owners.at(501).front().pid == 2000);
}

TEST_CASE("dockerd's pid from its pid file, only when root wrote it and dockerd runs") {
  FakeProc proc;
  proc.process("800", "dockerd\n", "");
  proc.exe("800", "/usr/sbin/dockerd");
  proc.process("801", "sleep\n", "");
  proc.exe("801", "/usr/bin/sleep");
  const fs::path file = fs::path(proc.root()) / "docker.pid";
  const auto write = [&](const std::string& text) { std::ofstream(file, std::ios::trunc) << text; };
  using whyno::kernel::docker_daemon_pid;
  write("800");
  if (::geteuid() == 0) {
    CHECK(docker_daemon_pid(proc.root(), file.string()) == 800);
    write("800\n");
    CHECK(docker_daemon_pid(proc.root(), file.string()) == 800);
    REQUIRE(::chown(file.c_str(), 65534, 65534) == 0);
    CHECK_FALSE(docker_daemon_pid(proc.root(), file.string()));  // anyone else's file
    REQUIRE(::chown(file.c_str(), 0, 0) == 0);
  } else {
    CHECK_FALSE(docker_daemon_pid(proc.root(), file.string()));  // not root's
  }
  write("801");  // stale: the pid now runs something else
  CHECK_FALSE(docker_daemon_pid(proc.root(), file.string()));
  write("80x");
  CHECK_FALSE(docker_daemon_pid(proc.root(), file.string()));
  write("");
  CHECK_FALSE(docker_daemon_pid(proc.root(), file.string()));
  CHECK_FALSE(docker_daemon_pid(proc.root(), (fs::path(proc.root()) / "missing.pid").string()));
}

TEST_CASE("docker-proxy's host port from its command line") {
  using namespace std::string_literals;
  using whyno::kernel::docker_proxy_host_port;
  CHECK(docker_proxy_host_port("docker-proxy\0-proto\0tcp\0-host-port\08080\0-container-port\03000\0"s) ==
        8080);
  CHECK(docker_proxy_host_port("docker-proxy\0--host-port\0"
                               "443\0"s) == 443);
  CHECK(docker_proxy_host_port("docker-proxy\0-host-port=53\0"s) == 53);
  CHECK_FALSE(docker_proxy_host_port("docker-proxy\0-host-port\0"s));
  CHECK_FALSE(docker_proxy_host_port("docker-proxy\0-host-port\0x80\0"s));
  CHECK_FALSE(docker_proxy_host_port("docker-proxy\0-host-port\070000\0"s));
  CHECK_FALSE(docker_proxy_host_port("docker-proxy\0-host-portx\080\0"s));
  CHECK_FALSE(docker_proxy_host_port(""));
  CHECK(whyno::kernel::is_port_forwarder_comm("rootlessport"));
  CHECK_FALSE(whyno::kernel::is_port_forwarder_comm("nginx"));
}

TEST_CASE("the real /proc: this process holds the socket it opened") {
  const whyno::sys::Fd socket(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  REQUIRE(socket);
  struct stat st {};
  REQUIRE(fstat(socket.get(), &st) == 0);
  const auto inode = static_cast<std::uint64_t>(st.st_ino);

  whyno::NetnsFacts ns;
  ns.listeners.push_back({});
  ns.listeners.back().inode = inode;
  ns.listeners.push_back({});  // inode 0: never matched
  whyno::NetnsFacts* namespaces[] = {&ns};
  whyno::kernel::attach_socket_owners(namespaces);

  REQUIRE(ns.listeners[0].owners.size() == 1);
  const auto& me = ns.listeners[0].owners[0];
  CHECK(me.pid == getpid());
  std::string comm;
  std::getline(std::ifstream("/proc/self/comm"), comm);
  CHECK(me.comm == comm);
  CHECK(me.cmdline.find("whyno_unit_tests") != std::string::npos);
  // Who runs it and what: the test binary is the builder's, root's only in CI.
  REQUIRE(me.uid);
  CHECK(*me.uid == static_cast<unsigned>(::geteuid()));
  CHECK(me.exe.ends_with("/whyno_unit_tests"));
  struct stat exe {};
  REQUIRE(::stat("/proc/self/exe", &exe) == 0);
  CHECK(me.system_binary == (exe.st_uid == 0 && (exe.st_mode & (S_IWGRP | S_IWOTH)) == 0));
  CHECK(ns.listeners[1].owners.empty());
}

TEST_CASE("container ids from /proc/PID/cgroup, for every cgroup driver") {
  using whyno::kernel::container_id_from_cgroup;
  const std::string id = "725d90a246ebd4dd1beefa0aa60d0ec8e51c7c40e5ba26440206dc8d50b76013";
  // Recorded on this host (cgroupfs driver, hybrid hierarchy).
  CHECK(container_id_from_cgroup("9:name=systemd:/docker/" + id + "\n0::/docker/" + id + "\n") == id);
  CHECK(container_id_from_cgroup("0::/system.slice/docker-" + id + ".scope\n") == id);
  CHECK(container_id_from_cgroup("0::/machine.slice/libpod-" + id + ".scope/container\n") == id);
  CHECK(container_id_from_cgroup("0::/system.slice/docker.service\n").empty());
  CHECK(container_id_from_cgroup("0::/docker/short\n").empty());
  CHECK(container_id_from_cgroup("").empty());
}

TEST_CASE("a process's run state from /proc/PID/stat, even with ')' in its name") {
  using whyno::kernel::run_state_from_stat;
  // Recorded: a server stopped with SIGSTOP, and one sleeping in accept().
  CHECK(run_state_from_stat("20454 (server) T 20433 20454 20454 0 -1 4194560 147 0 0 0") == "T");
  CHECK(run_state_from_stat("20812 (server) S 20791 20812 20812 0 -1 4194560 150 0 0 0") == "S");
  CHECK(run_state_from_stat("7 (a) b) t 1 7 7 0 -1") == "t");  // comm "a) b"
  CHECK(run_state_from_stat("9 (zombie) Z 1 9 9") == "Z");
  CHECK(run_state_from_stat("").empty());
  CHECK(run_state_from_stat("9 (x)").empty());
  CHECK(run_state_from_stat("9 (x) ? 1").empty());
}

TEST_CASE("where a process's freezer is, for cgroup v1, v2 and the hybrid of both") {
  using whyno::kernel::freezer_files_from_cgroup;
  using whyno::kernel::freezer_says_frozen;
  const std::string id = "1b999b9f049783f7ddbe65a7edef06740be0792c8aeb95f07698070527839196";
  // Recorded on this host: hybrid, Docker's cgroupfs driver. v1's freezer
  // (what Docker and systemd freeze with here) comes first.
  const std::string hybrid = "9:name=systemd:/docker/" + id + "\n6:freezer:/docker/" + id +
                             "\n4:memory:/docker/" + id + "\n0::/docker/" + id + "\n";
  CHECK(freezer_files_from_cgroup(hybrid) ==
        std::vector<std::string>{"freezer/docker/" + id + "/freezer.state", "docker/" + id + "/cgroup.events",
                                 "unified/docker/" + id + "/cgroup.events"});
  CHECK(freezer_files_from_cgroup("0::/system.slice/docker-" + id + ".scope\n") ==
        std::vector<std::string>{"system.slice/docker-" + id + ".scope/cgroup.events",
                                 "unified/system.slice/docker-" + id + ".scope/cgroup.events"});
  CHECK(freezer_files_from_cgroup("3:cpu,freezer:/lxc/c1\n") ==
        std::vector<std::string>{"freezer/lxc/c1/freezer.state"});
  // The root cgroup cannot be frozen; a path never climbs out.
  CHECK(freezer_files_from_cgroup("0::/\n").empty());
  CHECK(freezer_files_from_cgroup("0::/a/../../etc\n").empty());
  CHECK(freezer_files_from_cgroup("garbage").empty());
  CHECK(freezer_says_frozen("FROZEN\n"));
  CHECK(freezer_says_frozen("FREEZING\n"));
  CHECK_FALSE(freezer_says_frozen("THAWED\n"));
  CHECK(freezer_says_frozen("populated 1\nfrozen 1\n"));
  CHECK_FALSE(freezer_says_frozen("populated 1\nfrozen 0\n"));
}

TEST_SUITE_END();
