#include "forwarder_namespaces.hpp"

#include <set>

#include <fmt/format.h>

#include "scoped_reads.hpp"
#include "sysctl_interfaces.hpp"
#include "whyno/model/listeners.hpp"

namespace whyno::gather {

namespace {

std::set<int> rootlesskit_holders(const Query& query, const NetnsFacts& host) {
  std::set<int> pids;
  for (const Listener& l : host.listeners) {
    if (query.port != 0 && l.port != query.port) {
      continue;
    }
    for (const ProcessRef& owner : l.owners) {
      if (is_rootlesskit(owner)) {
        pids.insert(owner.pid);
      }
    }
  }
  return pids;
}

std::string source_name(int pid) {
  return fmt::format("rootless Docker's namespace (behind rootlesskit, pid {})", pid);
}

}  // namespace

void read_forwarder_namespaces(const Query& query, const ReadPlan& plan, const Sources& sources,
                               Facts& facts) {
  for (const int pid : rootlesskit_holders(query, facts.host)) {
    const auto child = sources.processes.forwarder_child(pid);
    if (!child) {
      facts.unread.push_back({source_name(pid),
                              "rootlesskit has no child in a namespace of its own "
                              "(it is starting or stopping)"});
      continue;
    }
    if (child->uid.value_or(0U) != 0) {
      // The user's rootlesskit: its child must be the user's too.
      if (auto mine = sources.processes.check_belongs_to(child->pid, *child->uid); !mine) {
        facts.unread.push_back({source_name(pid), mine.error().message});
        continue;
      }
    }
    auto handle = sources.namespaces.open(child->pid);
    if (!handle) {
      facts.unread.push_back({source_name(pid), handle.error().message});
      continue;
    }
    // Every socket in there (docker-proxy, the engine's own), a busy one's
    // likeliest few for one port.
    ListenerScope scope = query.port == 0 ? ListenerScope::everything()
                                          : widened(ListenerScope::only({query.port}, query.protocol));
    scope.connections = plan.count_connections;
    auto netns = sources.namespaces.read(*handle, scope);
    if (!netns) {
      facts.unread.push_back({source_name(pid), netns.error().message});
      continue;
    }
    ForwarderNamespace ns;
    ns.forwarder_pid = pid;
    ns.child_pid = child->pid;
    ns.uid = child->uid;
    ns.netns = std::move(*netns);
    if (sources.read_rules_in) {
      if (auto rules = sources.read_rules_in(*handle)) {
        ns.ruleset = std::move(*rules);
      } else {
        ns.ruleset.unread.push_back(
            {"netfilter rules of rootless Docker's namespace", rules.error().message});
      }
    } else {
      ns.ruleset.unread.push_back({"netfilter rules of rootless Docker's namespace", "not read"});
    }
    ns.sysctls = sources.namespaces.read_sysctls_in(*handle, sysctl_interfaces(ns.netns));
    facts.forwarder_namespaces.push_back(std::move(ns));
  }
}

}  // namespace whyno::gather
