// NamespaceReader and ProcessReader over this machine's kernel: setns(2) on
// a thread of its own per namespace, netlink dumps made there; and /proc.

#include <fmt/format.h>

#include "whyno/kernel/namespace_reader.hpp"
#include "whyno/kernel/netns_reader.hpp"
#include "namespace_census.hpp"
#include "owner_netns.hpp"
#include "process_children.hpp"
#include "process_owner.hpp"
#include "whyno/sys/netns.hpp"

namespace whyno::kernel {

namespace {

std::string netns_path(int pid) { return fmt::format("/proc/{}/ns/net", pid); }

class LiveNamespaceReader final : public NamespaceReader {
 public:
  explicit LiveNamespaceReader(std::string host_root) : m_root(std::move(host_root)) {}

  NetnsFacts read_host(const ListenerScope& scope) override { return read_netns(scope); }

  Sysctls read_sysctls(std::span<const std::string> interfaces) override {
    return kernel::read_sysctls(interfaces);
  }

  Sysctls read_sysctls_in(const NamespaceHandle& netns, std::span<const std::string> interfaces) override {
    // /proc/sys/net shows the namespace of the thread that opens it.
    Sysctls sysctls;
    if (!sys::run_in_netns(netns.fd, [&] { sysctls = kernel::read_sysctls(interfaces); })) {
      return {};
    }
    return sysctls;
  }

  Result<NamespaceHandle> open(int pid) override { return open_path(netns_path(pid)); }

  Result<NamespaceHandle> open_path(const std::string& path) override {
    WHYNO_TRY_ASSIGN(auto fd, sys::open_netns(path));
    WHYNO_TRY_ASSIGN(const std::uint64_t inode, sys::netns_inode(fd));
    return NamespaceHandle{std::move(fd), inode};
  }

  Result<NetnsFacts> read(const NamespaceHandle& netns, const ListenerScope& scope) override {
    NetnsFacts facts;
    auto joined = sys::run_in_netns(netns.fd, [&] { facts = read_netns(scope); });
    if (!joined && joined.error().kind == Error::Kind::permission_denied) {
      // Unprivileged: the owner of a rootless container may still join it
      // through the user namespace it belongs to.
      auto owned = read_netns_as_owner(netns.fd, scope);
      if (!owned) {
        return std::unexpected(joined.error());  // setns's reason says more
      }
      owned->inode = netns.inode;
      return owned;
    }
    WHYNO_TRY(joined);
    return facts;
  }

  bool still_in(int pid, std::uint64_t inode) override {
    const auto now = sys::netns_inode(netns_path(pid));
    return now && *now == inode;
  }

  std::vector<Listener> read_host_listeners(const ListenerScope& scope) override {
    return read_listeners_here(scope);
  }

  std::vector<NamespaceCandidate> list_namespaces() override {
    return list_network_namespaces("/proc", {m_root + "/run/netns", m_root + "/var/run/netns"},
                                   m_root + "/var/log/pods");
  }

 private:
  std::string m_root;
};

class LiveProcessReader final : public ProcessReader {
 public:
  void attach_owners(std::span<NetnsFacts* const> namespaces, const OwnerSearch& search) override {
    attach_socket_owners(namespaces, search);
  }

  Result<void> check_belongs_to(int pid, unsigned uid) override {
    return check_process_belongs_to("/proc", pid, uid);
  }

  std::optional<ForwarderChild> forwarder_child(int pid) override {
    return find_forwarder_child("/proc", pid);
  }
};

}  // namespace

std::unique_ptr<ProcessReader> live_process_reader() { return std::make_unique<LiveProcessReader>(); }

std::unique_ptr<NamespaceReader> live_namespace_reader(const std::string& host_root) {
  return std::make_unique<LiveNamespaceReader>(host_root);
}

}  // namespace whyno::kernel
