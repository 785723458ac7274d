#include "whyno/gather/gather.hpp"

#include <algorithm>
#include <atomic>
#include <future>
#include <thread>
#include <map>
#include <set>

#include <fmt/format.h>

#include "whyno/model/container_words.hpp"
#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/core/plan/involved.hpp"
#include "whyno/core/plan/query_check.hpp"
#include "forwarder_namespaces.hpp"
#include "namespaces_of_no_engine.hpp"
#include "owner_search.hpp"
#include "scoped_reads.hpp"
#include "whyno/util/hosts_file.hpp"
#include "kubernetes_node.hpp"
#include "sysctl_interfaces.hpp"
#include "whyno/util/phase_timings.hpp"
#include "whyno/util/printable.hpp"
#include "whyno/util/words.hpp"

namespace whyno::gather {

namespace {

std::unexpected<ReadFailure> failure(ReadFailure::Kind kind, std::string message) {
  return std::unexpected(ReadFailure{kind, std::move(message)});
}

/// The host namespace's own facts, which need nothing from the engine.
struct HostRead {
  NetnsFacts netns;
  nf::Ruleset ruleset;
  Sysctls sysctls;
};

/// Reads the host's rules into `rules`, announced on `rules_read`: the
/// choice of the containers to inspect waits for them (DNAT destinations
/// are on the path).
void read_host_rules(const Sources& sources, nf::Ruleset& ruleset, std::promise<void>& rules_read) {
  const PhaseTimer timer(Phase::rules);
  if (auto rules = sources.read_rules()) {
    ruleset = std::move(*rules);
  } else {
    // On the ruleset, so that every hook the diagnosis walks knows it is blind.
    ruleset.unread.push_back({"netfilter rules", rules.error().message});
  }
  rules_read.set_value();
}

/// The host's listeners a query needs before the engine and the rules say
/// more: those on its port (every one for --all).
ListenerScope first_host_scope(const Query& query, const ReadPlan& plan) {
  return scope_for(query.port == 0 ? std::nullopt : std::optional(std::vector{query.port}), query.protocol,
                   plan.count_connections);
}

/// Reads the host's namespace into `host`, then its sysctls. Only the
/// port's sockets: whether the rest are needed is known once the engine
/// and the rules are read (their holders are looked for then).
void read_host_namespace(const Query& query, const ReadPlan& plan, const Sources& sources, HostRead& host) {
  const PhaseTimer timer(Phase::host);
  host.netns = sources.namespaces.read_host(first_host_scope(query, plan));
  host.sysctls = sources.namespaces.read_sysctls(sysctl_interfaces(host.netns));
}

/// A container whose processes have a network namespace of their own to read
/// (container:<id> joins another's, read under that container's id; host and
/// none have nothing of their own). A paused container's namespace is there
/// to read: its sockets show what it would answer once unpaused.
bool has_own_namespace(const Container& c) {
  return c.state.running && c.state.pid > 0 && !shares_host_network(c) &&
         !c.network_mode.starts_with("container:");
}

std::string unread_source(const Container& c) {
  return fmt::format("network namespace of {}", container_phrase(c));
}

/// Reads the namespaces of the engine's running containers into `facts`,
/// and reads again those that changed under us.
class NamespaceGathering {
 public:
  NamespaceGathering(const Sources& sources, Facts& facts, ListenerScope scope)
      : m_sources(sources), m_facts(facts), m_scope(std::move(scope)) {
    m_owner_of_inode[facts.host.inode] = "";  // the host's is read already
  }

  /// Reads the namespaces of the containers `wanted` names, or of all.
  void run(const std::optional<std::set<std::string>>& wanted) {
    std::vector<std::string> ids;
    for (const Container& c : m_facts.engine->containers) {
      if (!wanted || wanted->contains(c.id)) {
        ids.push_back(c.id);
      }
    }
    std::vector<std::string> changed = read_round(ids);
    for (int reread = 1; reread <= k_max_rereads && !changed.empty(); ++reread) {
      changed = read_round(inspect_again(changed));
    }
    for (const std::string& id : changed) {
      if (const Container* c = find(id)) {
        m_facts.unread.push_back(
            {unread_source(*c),
             fmt::format("it kept changing while whyno-port read it (its process exited or was "
                         "replaced, {} times in a row): is it restarting?",
                         k_max_rereads + 1)});
      }
    }
    share_namespaces();
  }

 private:
  struct Pending {
    std::string id;
    int pid = 0;
    kernel::NamespaceHandle handle;
  };

  // Namespace reads at once. Each is a few netlink dumps, mostly waiting on
  // the kernel: more threads than cores help, hundreds do not.
  static constexpr std::size_t k_max_reader_threads = 8;

  Container* find(const std::string& id) {
    auto& containers = m_facts.engine->containers;
    const auto it =
        std::find_if(containers.begin(), containers.end(), [&](const Container& c) { return c.id == id; });
    return it == containers.end() ? nullptr : &*it;
  }

  /// Reads the namespaces of `ids`, in parallel; returns the containers whose
  /// process vanished or changed namespace before or while being read.
  std::vector<std::string> read_round(const std::vector<std::string>& ids) {
    std::vector<std::string> changed;
    std::vector<Pending> pending;
    for (const std::string& id : ids) {
      const Container* c = find(id);
      if (c == nullptr || !has_own_namespace(*c)) {
        continue;
      }
      if (c->engine_uid != 0) {
        // A user's engine is believed about that user's processes only: a
        // PID it names must run in a user namespace the user owns.
        if (auto mine = m_sources.processes.check_belongs_to(c->state.pid, c->engine_uid); !mine) {
          if (mine.error().kind == Error::Kind::not_found) {
            changed.push_back(id);
          } else {
            m_facts.unread.push_back(
                {unread_source(*c), fmt::format("not read: the engine of uid {} names process {}, and {}",
                                                c->engine_uid, c->state.pid, mine.error().message)});
          }
          continue;
        }
      }
      auto handle = m_sources.namespaces.open(c->state.pid);
      if (!handle) {
        if (handle.error().kind == Error::Kind::not_found) {
          changed.push_back(id);  // the process is gone: the engine is behind
        } else {
          m_facts.unread.push_back({unread_source(*c), handle.error().message});
        }
        continue;
      }
      const auto [owner, first] = m_owner_of_inode.emplace(handle->inode, id);
      if (!first) {
        if (!owner->second.empty()) {
          m_shared_with[id] = owner->second;
        }
        continue;
      }
      pending.push_back({id, c->state.pid, std::move(*handle)});
    }
    // Reads join their namespace on threads of their own (setns switches one
    // thread only), so the namespaces' netlink round trips overlap; a few
    // threads take turns, not one per container.
    std::vector<Result<NetnsFacts>> read(pending.size(), std::unexpected(Error{}));
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
      for (std::size_t i = next++; i < pending.size(); i = next++) {
        read[i] = read_namespace(m_sources.namespaces, pending[i].handle, m_scope);
      }
    };
    {
      std::vector<std::jthread> readers;
      for (std::size_t t = 0; t < std::min(k_max_reader_threads, pending.size()); ++t) {
        readers.emplace_back(work);
      }
    }
    for (std::size_t i = 0; i < pending.size(); ++i) {
      Pending& p = pending[i];
      auto& facts = read[i];
      const Container* c = find(p.id);
      if (!facts) {
        m_facts.unread.push_back({unread_source(*c), facts.error().message});
        continue;
      }
      if (!m_sources.namespaces.still_in(p.pid, p.handle.inode)) {
        // Read, but the process left meanwhile: its sockets are gone or
        // about to be. Forget the inode, so the next round reads it afresh.
        m_owner_of_inode.erase(p.handle.inode);
        changed.push_back(p.id);
        continue;
      }
      m_facts.container_netns.insert_or_assign(p.id, std::move(*facts));
    }
    return changed;
  }

  /// Asks the engine again about containers that changed: a restart shows as
  /// a new PID or as not running, a removal as gone.
  std::vector<std::string> inspect_again(const std::vector<std::string>& ids) {
    std::vector<std::string> again;
    for (const std::string& id : ids) {
      auto fresh = m_sources.engine.inspect(id);
      Container* c = find(id);
      if (!fresh) {
        m_facts.unread.push_back({unread_source(*c), fresh.error().message});
        continue;
      }
      if (!*fresh) {
        std::erase_if(m_facts.engine->containers, [&](const Container& x) { return x.id == id; });
        continue;
      }
      *c = std::move(**fresh);
      again.push_back(id);
    }
    return again;
  }

  /// Containers that share one namespace (a pod) get its facts too.
  void share_namespaces() {
    for (const auto& [id, owner] : m_shared_with) {
      const auto it = m_facts.container_netns.find(owner);
      if (it != m_facts.container_netns.end() && find(id) != nullptr) {
        m_facts.container_netns.emplace(id, it->second);
      }
    }
  }

  const Sources& m_sources;
  Facts& m_facts;
  ListenerScope m_scope;                                  // the listeners each namespace read keeps
  std::map<std::uint64_t, std::string> m_owner_of_inode;  // "" for the host
  std::map<std::string, std::string> m_shared_with;       // container -> the one read
};

/// Inspects the containers of `wanted` (every one when nullopt) that only
/// the list was read for. containers_to_inspect chose them already, from
/// the list; what the inspects brought (a stopped container's intended
/// bindings) can put one more on the path, and its facts must be whole.
void inspect_listed(const Sources& sources, Facts& facts,
                    const std::optional<std::set<std::string>>& wanted) {
  std::vector<std::string> ids;
  for (const Container& c : facts.engine->containers) {
    if (!c.inspected && (!wanted || wanted->contains(c.id))) {
      ids.push_back(c.id);
    }
  }
  for (const std::string& id : ids) {
    auto& containers = facts.engine->containers;
    const auto it =
        std::find_if(containers.begin(), containers.end(), [&](const Container& c) { return c.id == id; });
    auto fresh = sources.engine.inspect(id);
    if (!fresh) {
      facts.unread.push_back({fmt::format("container {}", container_phrase(*it)), fresh.error().message});
      continue;
    }
    if (!*fresh) {
      containers.erase(it);  // removed meanwhile
      continue;
    }
    *it = std::move(**fresh);
  }
}

/// A host socket on the query's port that no process was found holding: its
/// holder exited after the sockets were dumped (docker-proxy of a container
/// that is restarting), or is a process of another PID namespace. One that
/// is gone by now is dropped, so the diagnosis never blames an "unknown
/// process" for a socket nobody holds; one still open stays, unowned.
void settle_unowned_host_listeners(const Query& query, const Sources& sources, Facts& facts) {
  const kernel::OwnerSearch asked = host_port_search(query, facts.host, *facts.engine);
  const auto unowned = [&](const Listener& l) { return l.owners.empty() && asked.needed.contains(l.inode); };
  if (std::none_of(facts.host.listeners.begin(), facts.host.listeners.end(), unowned)) {
    return;
  }
  std::set<std::uint64_t> still_open;
  for (const Listener& l : sources.namespaces.read_host_listeners(
           first_host_scope(query, ReadPlan{.count_connections = false}))) {
    still_open.insert(l.inode);
  }
  std::erase_if(facts.host.listeners,
                [&](const Listener& l) { return unowned(l) && !still_open.contains(l.inode); });
}

/// A narrowed list leaves out the containers that publish nothing; one
/// whose process holds a socket read (a sidecar in the publisher's
/// namespace, --network container:web) is the app's container, so it is
/// inspected and joins the facts.
void add_unlisted_holders(const Sources& sources, Facts& facts) {
  if (!facts.engine->narrowed) {
    return;
  }
  std::set<std::string> unlisted;
  const auto listed = [&](const std::string& id) {
    return std::any_of(facts.engine->containers.begin(), facts.engine->containers.end(),
                       [&](const Container& c) { return c.id == id; });
  };
  const auto note = [&](const NetnsFacts& ns) {
    for (const Listener& l : ns.listeners) {
      for (const ProcessRef& p : l.owners) {
        if (!p.container_id.empty() && !listed(p.container_id)) {
          unlisted.insert(p.container_id);
        }
      }
    }
  };
  note(facts.host);
  for (const auto& [id, ns] : facts.container_netns) {
    note(ns);
  }
  const PhaseTimer timer(Phase::engine);
  for (const std::string& id : unlisted) {
    if (auto found = sources.engine.inspect(id); found && *found) {
      facts.engine->containers.push_back(std::move(**found));
    }
  }
}

/// The involved containers that share the host's network: their own
/// sockets are among the host's.
std::vector<const Container*> on_host_network(const Engine& engine,
                                              const std::optional<std::set<std::string>>& wanted) {
  std::vector<const Container*> out;
  for (const Container& c : engine.containers) {
    if (shares_host_network(c) && c.state.running && (!wanted || wanted->contains(c.id))) {
      out.push_back(&c);
    }
  }
  return out;
}

/// The client container's /etc/hosts, for the query's name: its resolver
/// reads it before any DNS. Where nothing names it there, the host's
/// resolver's answer stands for the DNS the container's resolver forwards to.
void read_client_hosts(const Query& query, const Sources& sources, Facts& facts) {
  const Container* client = look_up_container(*facts.engine, query.from->text).found;
  if (client == nullptr || client->hosts_path.empty() || !sources.read_owned_file) {
    return;
  }
  auto text = sources.read_owned_file(client->hosts_path, client->engine_uid);
  if (!text) {
    facts.unread.push_back({fmt::format("{}'s /etc/hosts ({})", quoted(client->name), client->hosts_path),
                            excerpt(text.error().message, 200)});
    return;
  }
  facts.client_hosts = ClientHosts{client->hosts_path, lookup_hosts(*text, query.target.text)};
  if (facts.client_hosts->addresses.empty()) {
    facts.resolved_addresses = sources.resolve(query.target.text);
  }
}

}  // namespace

std::expected<Facts, ReadFailure> gather(const Query& query, const Sources& sources, const ReadPlan& plan) {
  // The host's own namespace, and who holds its sockets on the query's port,
  // need nothing from the engine: read them while it answers.
  HostRead host_read;
  std::promise<void> rules_promise;
  const std::shared_future<void> rules_read = rules_promise.get_future().share();
  // The rules and the namespace on threads of their own: on a busy host
  // each takes about as long as the engine's answer.
  auto rules = std::async(std::launch::async, [&sources, &host_read, &rules_promise] {
    read_host_rules(sources, host_read.ruleset, rules_promise);
  });
  auto host = std::async(std::launch::async, [&query, &plan, &sources, &host_read] {
    read_host_namespace(query, plan, sources, host_read);
  });
  // Reading is planned, then done: the engine's list, then (once the
  // rules are in) a pure planner picks the containers the question can
  // involve, and only those are inspected (each costs the engine a few
  // milliseconds); the rest keep what the list says.
  Result<Engine> engine = Engine{};
  if (!query.netns) {
    std::optional<PhaseTimer> timer(Phase::engine);
    // A question about one port starts from what publishes it: at 300
    // containers the whole list is most of the engine's answer.
    engine = may_narrow_list(query) ? sources.engine.list_narrowed({query.port, query.protocol})
                                    : sources.engine.list();
    if (engine) {
      timer.reset();
      rules_read.wait();  // the rules thread writes no rule after this
      // Docker's DNAT leads to its containers: the host's own addresses are
      // asked for (waiting for its thread) only when a rule leads elsewhere.
      if (engine->narrowed && !narrowed_list_suffices(query, *engine, host_read.ruleset, nullptr)) {
        host.wait();  // the host thread writes nothing after this
        if (!narrowed_list_suffices(query, *engine, host_read.ruleset, &host_read.netns)) {
          const PhaseTimer relisting(Phase::engine);
          engine = sources.engine.list();
        }
      }
      const PhaseTimer inspecting(Phase::engine);
      engine = sources.engine.finish(containers_to_inspect(query, *engine, host_read.ruleset));
    }
  }
  if (!engine) {
    // Wait for the readers still running: they use `sources`.
    rules.wait();
    host.wait();
    return failure(ReadFailure::Kind::cannot_inspect, engine.error().message);
  }
  if (auto problem = check_query(query, *engine)) {
    rules.wait();
    host.wait();
    return failure(problem->kind == QueryProblem::Kind::usage ? ReadFailure::Kind::usage
                                                              : ReadFailure::Kind::cannot_inspect,
                   std::move(problem->message));
  }

  Facts facts;
  facts.collected_at = sources.now();
  facts.engine = std::move(*engine);
  rules.get();
  host.get();
  facts.host = std::move(host_read.netns);
  facts.ruleset = std::move(host_read.ruleset);
  facts.sysctls = std::move(host_read.sysctls);

  // The listeners the question needs: on the ports the packet can reach.
  const ListenerScope scope =
      scope_for(listener_ports(query, *facts.engine, facts.ruleset), query.protocol, plan.count_connections);
  // The host again: for ports its first read did not ask for, and on
  // every port when the packet can end there and nothing takes it
  // (--pid/--netns ask about another namespace). Each read at most once.
  const ListenerScope host_scope = scope_for(listener_ports(query, *facts.engine, facts.ruleset, &facts.host),
                                             query.protocol, plan.count_connections);
  if (misses_ports(facts.host, host_scope)) {
    const PhaseTimer timer(Phase::host);
    facts.host = sources.namespaces.read_host(host_scope);
  }
  if (!query.netns && needs_every_port(facts.host, host_scope)) {
    const PhaseTimer timer(Phase::host);
    facts.host = sources.namespaces.read_host(widened(host_scope));
  }
  {
    // Once the engine is read: its publishers' pids say where among
    // dockerd's hundreds of children their docker-proxies are.
    const PhaseTimer timer(Phase::owners);
    NetnsFacts* const here[] = {&facts.host};
    sources.processes.attach_owners(here, host_port_search(query, facts.host, *facts.engine));
  }

  std::optional<std::set<std::string>> wanted;
  if (query.netns) {
    const PhaseTimer timer(Phase::namespaces);
    auto bare = engine_of_namespace(*query.netns, sources, facts.host.inode, scope, facts.container_netns);
    if (!bare) {
      return std::unexpected(std::move(bare.error()));
    }
    facts.engine = std::move(*bare);
  } else {
    // Only the namespaces the question can involve (all for --all).
    wanted = containers_involved(query, *facts.engine, facts.ruleset);
    {
      const PhaseTimer timer(Phase::engine);
      inspect_listed(sources, facts, wanted);
    }
    const PhaseTimer timer(Phase::namespaces);
    NamespaceGathering(sources, facts, scope).run(wanted);
    find_namespaces_by_packet(query, sources, facts, scope);
  }

  std::vector<NetnsFacts*> namespaces{&facts.host};
  for (auto& [id, ns] : facts.container_netns) {
    namespaces.push_back(&ns);
  }
  {
    const PhaseTimer timer(Phase::owners);
    sources.processes.attach_owners(namespaces,
                                    container_search(facts, on_host_network(*facts.engine, wanted)));
  }
  settle_unowned_host_listeners(query, sources, facts);
  add_unlisted_holders(sources, facts);
  read_forwarder_namespaces(query, plan, sources, facts);
  for (ForwarderNamespace& ns : facts.forwarder_namespaces) {
    NetnsFacts* const inside[] = {&ns.netns};
    sources.processes.attach_owners(inside, forwarder_search(ns));  // docker-proxy in there
  }

  if (!query.from && query.target.is_name()) {
    facts.resolved_addresses = sources.resolve(query.target.text);
  }
  if (plan.probe) {
    facts.client_netns = find_client_namespace(query, sources, facts.host.inode);
  }
  if (sources.read_cni_network && runs_kubernetes(facts.ruleset)) {
    if (auto cni = sources.read_cni_network()) {
      facts.cni = std::move(*cni);
    }
  }
  if (query.from_container() && query.target.is_name() && !query.target.is_this_host_loopback()) {
    read_client_hosts(query, sources, facts);
  }
  return facts;
}

}  // namespace whyno::gather
