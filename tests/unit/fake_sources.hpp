#pragma once
// Fakes of the readers' interfaces, for unit tests of the glue that uses
// them (gather/): an engine that answers from recorded facts, and a kernel
// whose processes and namespaces are a table the test controls.

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "whyno/engine/engine_source.hpp"
#include "whyno/gather/gather.hpp"
#include "whyno/kernel/namespace_reader.hpp"
#include "whyno/model/listeners.hpp"

namespace whyno::test {

/// What GET /containers/json shows of a container (parse_container_list):
/// the inspect's facts less what only the inspect has.
inline Container listed_summary(const Container& full) {
  Container c;
  c.inspected = false;
  c.kind = full.kind;
  c.id = full.id;
  c.name = full.name;
  c.image = full.image;
  c.state.status = full.state.status;
  c.state.running = full.state.running;
  c.state.paused = full.state.paused;
  c.state.restarting = full.state.restarting;
  c.state.dead = full.state.dead;
  c.network_mode = full.network_mode;
  c.actual = full.actual;
  for (ContainerNetwork n : full.networks) {
    n.aliases.clear();
    n.dns_names.clear();
    c.networks.push_back(std::move(n));
  }
  c.compose_project = full.compose_project;
  c.compose_service = full.compose_service;
  c.engine = full.engine;
  return c;
}

class FakeEngine final : public engine::EngineSource {
 public:
  explicit FakeEngine(Engine engine) : m_engine(std::move(engine)) {}

  /// Successive answers to inspect(id); once used up, the container as
  /// read() gave it. nullopt: removed.
  void answer_inspect(const std::string& id, std::optional<Container> answer) {
    m_inspections[id].push_back(std::move(answer));
  }
  void fail_read(std::string message, int error_number = 0) {
    m_read_error = Error{Error::Kind::unavailable, std::move(message), error_number};
  }

  /// Narrowed as dockerd's filters narrow it (ListFilter).
  std::vector<engine::ListFilter> narrowings;
  Result<Engine> list_narrowed(const engine::ListFilter& filter) override {
    narrowings.push_back(filter);
    auto listed = list();
    if (listed && listed->product == "docker") {
      std::erase_if(listed->containers, [&](const Container& c) {
        const bool publishes = std::any_of(c.actual.begin(), c.actual.end(), [&](const PortBinding& b) {
          return b.host_port == filter.publish && b.protocol == filter.protocol;
        });
        const bool stopped = c.state.status != "running";
        const bool host_or_none = c.network_mode == "host" || c.network_mode == "none";
        return !publishes && !stopped && !host_or_none;
      });
      listed->narrowed = true;
      m_narrowed.emplace();
      for (const Container& c : listed->containers) {
        m_narrowed->push_back(c.id);
      }
    }
    return listed;
  }

  /// As the live engine: the list first (every container a summary), then
  /// the inspects of those the planner picks.
  Result<Engine> list() override {
    if (m_read_error) {
      return std::unexpected(*m_read_error);
    }
    Engine listed = m_engine;
    for (Container& c : listed.containers) {
      c = listed_summary(c);
    }
    m_listed = true;
    m_narrowed.reset();
    return listed;
  }

  Result<Engine> finish(const engine::InspectIds& ids) override {
    if (!m_listed) {
      return fail(Error::Kind::invalid, "finish() before list()");
    }
    m_listed = false;
    finished_with = ids;
    Engine out = m_engine;
    for (Container& c : out.containers) {
      if (ids && !ids->contains(c.id)) {
        c = listed_summary(c);
      }
    }
    if (m_narrowed) {
      // Only what the narrowed list had.
      std::erase_if(out.containers, [&](const Container& c) {
        return std::none_of(m_narrowed->begin(), m_narrowed->end(),
                            [&](const std::string& id) { return id == c.id; });
      });
      out.narrowed = true;
    }
    return out;
  }

  /// What the last finish() was asked to inspect.
  engine::InspectIds finished_with;

  Result<std::optional<Container>> inspect(const std::string& id) override {
    inspected.push_back(id);
    auto& answers = m_inspections[id];
    if (!answers.empty()) {
      auto answer = std::move(answers.front());
      answers.erase(answers.begin());
      return answer;
    }
    const auto it = std::find_if(m_engine.containers.begin(), m_engine.containers.end(),
                                 [&](const Container& c) { return c.id == id; });
    return it == m_engine.containers.end() ? std::optional<Container>() : std::optional<Container>(*it);
  }

  std::vector<std::string> inspected;

 private:
  Engine m_engine;
  bool m_listed = false;
  std::optional<std::vector<std::string>> m_narrowed;  // the ids a narrowed list had
  std::optional<Error> m_read_error;
  std::map<std::string, std::vector<std::optional<Container>>> m_inspections;
};

/// Both kernel readers, over one recorded host.
class FakeNamespaces final : public kernel::NamespaceReader, public kernel::ProcessReader {
 public:
  NetnsFacts host;
  /// What reading the host again gives, when it changed meanwhile.
  std::optional<NetnsFacts> host_later;
  int host_reads = 0;
  Sysctls sysctls;
  /// pid -> the inode of its namespace; a pid not here has exited.
  std::map<int, std::uint64_t> pid_netns;
  std::map<std::uint64_t, NetnsFacts> namespaces;
  /// Processes that exit while their namespace is being read.
  std::set<int> exits_while_read;
  /// pid -> Error::Kind::permission_denied for namespaces that cannot be opened.
  std::set<int> forbidden;

  /// Puts a container's process `pid` in namespace `inode`.
  void add(int pid, std::uint64_t inode, NetnsFacts facts = {}) {
    facts.inode = inode;
    pid_netns[pid] = inode;
    namespaces[inode] = std::move(facts);
  }

  std::vector<std::uint64_t> reads() const {
    const std::lock_guard lock(m_mutex);
    return m_reads;
  }

  /// The scope of every read, host's and namespaces', in order.
  std::vector<ListenerScope> scopes;

  NetnsFacts read_host(const ListenerScope& scope) override {
    const std::lock_guard lock(m_mutex);
    scopes.push_back(scope);
    return scoped(without_owners(++host_reads > 1 && host_later ? *host_later : host), scope);
  }
  Sysctls read_sysctls(std::span<const std::string>) override { return sysctls; }
  /// Namespace inode -> its sysctls, for forwarder namespaces.
  std::map<std::uint64_t, Sysctls> namespace_sysctls;
  Sysctls read_sysctls_in(const kernel::NamespaceHandle& netns, std::span<const std::string>) override {
    const auto it = namespace_sysctls.find(netns.inode);
    return it == namespace_sysctls.end() ? Sysctls{} : it->second;
  }
  /// Forwarder pid -> its child in a namespace of its own (rootlesskit's).
  std::map<int, kernel::ForwarderChild> forwarder_children;
  std::optional<kernel::ForwarderChild> forwarder_child(int pid) override {
    const auto it = forwarder_children.find(pid);
    return it == forwarder_children.end() ? std::nullopt : std::optional(it->second);
  }

  Result<kernel::NamespaceHandle> open(int pid) override {
    const std::lock_guard lock(m_mutex);
    if (forbidden.contains(pid)) {
      return fail(Error::Kind::permission_denied, "cannot open /proc/pid/ns/net: Permission denied");
    }
    const auto it = pid_netns.find(pid);
    if (it == pid_netns.end()) {
      return fail(Error::Kind::not_found, "cannot open /proc/pid/ns/net: No such file or directory");
    }
    return kernel::NamespaceHandle{sys::Fd(), it->second};
  }

  /// pid -> the uid whose user namespace it runs in (absent: root's).
  std::map<int, unsigned> process_users;
  Result<void> check_belongs_to(int pid, unsigned uid) override {
    const std::lock_guard lock(m_mutex);
    const auto it = process_users.find(pid);
    if (it == process_users.end() || it->second != uid) {
      return fail(
          Error::Kind::permission_denied,
          "process " + std::to_string(pid) + " runs in no user namespace of uid " + std::to_string(uid));
    }
    return {};
  }

  /// nsfs path -> inode, for --netns.
  std::map<std::string, std::uint64_t> paths;
  /// Every namespace of the host (list_namespaces), for the packet to find.
  std::vector<kernel::NamespaceCandidate> census;
  std::vector<kernel::NamespaceCandidate> list_namespaces() override { return census; }

  Result<kernel::NamespaceHandle> open_path(const std::string& path) override {
    const std::lock_guard lock(m_mutex);
    const auto it = paths.find(path);
    if (it == paths.end()) {
      return fail(Error::Kind::not_found, "cannot open " + path + ": No such file or directory");
    }
    return kernel::NamespaceHandle{sys::Fd(), it->second};
  }

  Result<NetnsFacts> read(const kernel::NamespaceHandle& netns, const ListenerScope& scope) override {
    const std::lock_guard lock(m_mutex);
    m_reads.push_back(netns.inode);
    scopes.push_back(scope);
    for (auto it = pid_netns.begin(); it != pid_netns.end();) {
      it = it->second == netns.inode && exits_while_read.contains(it->first) ? pid_netns.erase(it)
                                                                             : std::next(it);
    }
    return scoped(without_owners(namespaces.at(netns.inode)), scope);
  }

  bool still_in(int pid, std::uint64_t inode) override {
    const std::lock_guard lock(m_mutex);
    const auto it = pid_netns.find(pid);
    return it != pid_netns.end() && it->second == inode;
  }

  /// Every search for socket holders, in order.
  std::vector<kernel::OwnerSearch> searches;

  /// As the live reader: the holders of the sockets searched for, here
  /// the ones recorded (a socket without an inode keeps what it was given).
  void attach_owners(std::span<NetnsFacts* const> in, const kernel::OwnerSearch& search) override {
    const std::lock_guard lock(m_mutex);
    searches.push_back(search);
    for (NetnsFacts* ns : in) {
      for (Listener& l : ns->listeners) {
        const auto recorded = m_owners.find(l.inode);
        if (recorded != m_owners.end() &&
            (search.needed.contains(l.inode) || search.if_held_by_first.contains(l.inode))) {
          l.owners = recorded->second;
        }
      }
    }
  }

 private:
  /// What the live reader reads: sockets, their holders not yet known.
  /// What the kernel would give for `scope`.
  static NetnsFacts scoped(NetnsFacts facts, const ListenerScope& scope) {
    apply_listener_scope(facts, scope);
    return facts;
  }

  NetnsFacts without_owners(NetnsFacts facts) {
    for (Listener& l : facts.listeners) {
      if (l.inode != 0) {
        m_owners[l.inode] = std::move(l.owners);
        l.owners.clear();
      }
    }
    return facts;
  }

  mutable std::mutex m_mutex;
  std::vector<std::uint64_t> m_reads;
  std::map<std::uint64_t, std::vector<ProcessRef>> m_owners;  // recorded, by socket inode
};

/// Sources over the fakes, with rules and names the test sets.
struct FakeHost {
  FakeEngine engine;
  FakeNamespaces namespaces;
  nf::Ruleset ruleset;
  std::optional<std::string> rules_error;
  std::vector<std::string> resolved;
  /// Namespace inode -> its rules, for forwarder namespaces.
  std::map<std::uint64_t, nf::Ruleset> namespace_rules;
  /// Path -> text of the files an engine names (containers' hosts files).
  std::map<std::string, std::string> owned_files;
  /// containerd's pod containers (read_containerd_pods); how often they were read.
  std::vector<engine::ContainerdContainer> containerd_pods;
  int containerd_reads = 0;
  /// The node's CNI network; read false: none.
  CniNetwork cni;

  explicit FakeHost(Engine e) : engine(std::move(e)) {}

  gather::Sources sources() {
    return gather::Sources{engine,
                           namespaces,
                           namespaces,
                           [this]() -> Result<nf::Ruleset> {
                             if (rules_error) {
                               return fail(Error::Kind::permission_denied, *rules_error);
                             }
                             return ruleset;
                           },
                           [this](const std::string& name) {
                             resolved.push_back(name);
                             return std::vector<IpAddress>{};
                           },
                           [] { return std::int64_t{1700000000}; },
                           [this](const kernel::NamespaceHandle& netns) -> Result<nf::Ruleset> {
                             const auto it = namespace_rules.find(netns.inode);
                             if (it == namespace_rules.end()) {
                               return fail(Error::Kind::permission_denied,
                                           "cannot enter network namespace (setns): Operation not permitted");
                             }
                             return it->second;
                           },
                           [this](const std::string& path, unsigned) -> Result<std::string> {
                             const auto it = owned_files.find(path);
                             if (it == owned_files.end()) {
                               return fail(Error::Kind::not_found, path + ": No such file or directory");
                             }
                             return it->second;
                           },
                           [this]() -> Result<std::vector<engine::ContainerdContainer>> {
                             ++containerd_reads;
                             return containerd_pods;
                           },
                           [this]() -> Result<CniNetwork> {
                             if (!cni.read) {
                               return fail(Error::Kind::not_found,
                                           "/etc/cni/net.d holds no network configuration");
                             }
                             return cni;
                           }};
  }
};

}  // namespace whyno::test
