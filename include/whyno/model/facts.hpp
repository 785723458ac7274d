#pragma once
// Everything whyno-port knows about the host when it diagnoses: plain data
// gathered by collect/, saved and replayed by snapshot/, read by core/.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "whyno/model/engine_facts.hpp"
#include "whyno/model/ruleset.hpp"
#include "whyno/model/netns_facts.hpp"
#include "whyno/model/probe_result.hpp"

namespace whyno {

/// Sysctls of the host namespace that decide whether forwarded traffic flows.
struct Sysctls {
  std::optional<bool> ipv4_forward;                // net.ipv4.ip_forward
  std::optional<bool> ipv6_forward;                // net.ipv6.conf.all.forwarding
  std::map<std::string, bool> ipv4_iface_forward;  // net.ipv4.conf.<if>.forwarding
  std::map<std::string, bool> route_localnet;      // net.ipv4.conf.<if>.route_localnet, and "all"
  std::optional<bool> bridge_nf_call_iptables;     // absent until br_netfilter loads
  std::optional<bool> bridge_nf_call_ip6tables;
  std::optional<int> somaxconn;
  /// net.ipv4.ip_unprivileged_port_start: the lowest port a rootless engine may bind.
  std::optional<int> unprivileged_port_start;
};

/// The network namespace a rootless engine's port forwarder dials into:
/// rootless Docker's rootlesskit holds the host ports and dials
/// 127.0.0.1:PORT in the namespace of its child, where dockerd runs with its
/// docker-proxy and its own rules. Read like the host's.
struct ForwarderNamespace {
  int forwarder_pid = 0;        // the rootlesskit that holds the host ports
  int child_pid = 0;            // its child, which created the namespace
  std::optional<unsigned> uid;  // the forwarder's owner
  NetnsFacts netns;
  nf::Ruleset ruleset;
  Sysctls sysctls;
};

/// What the client container's /etc/hosts says of the query's name, as its
/// resolver reads it before any DNS: Docker's --add-host (host-gateway),
/// podman's host.containers.internal, --link entries.
struct ClientHosts {
  std::string path;                  // on the host's file system
  std::vector<IpAddress> addresses;  // empty: no line names it
};

/// --from ADDRESS of another machine, when a network namespace of this host
/// (root's) holds that address: a twin's client, a lab's router. The probe
/// is sent from there, as the client would send it.
struct ClientNamespace {
  std::string path;  // an nsfs path: /run/netns/NAME or /proc/PID/ns/net
  std::uint64_t inode = 0;
  std::string label;  // as the census names it
};

/// The CNI network a Kubernetes node's pods get (the runtime takes the
/// first file of /etc/cni/net.d, in name order): whether a portmap plugin
/// is in it to map hostPorts.
struct CniNetwork {
  bool read = false;                 // false: not read (no Kubernetes rules), or no config
  std::string path;                  // /etc/cni/net.d/10-flannel.conflist
  std::string name;                  // its "name"
  std::vector<std::string> plugins;  // the "type" of each plugin, in order
  bool has_portmap() const;
};

struct Facts {
  std::optional<Engine> engine;  // nullopt: the engine could not be reached
  NetnsFacts host;
  nf::Ruleset ruleset;  // the host namespace's netfilter rules
  Sysctls sysctls;
  /// The network namespaces of running containers, by container id.
  std::map<std::string, NetnsFacts> container_netns;
  /// Addresses the query's ADDRESS resolved to on the host (getaddrinfo).
  std::vector<IpAddress> resolved_addresses;
  /// --from CONTAINER with a name: the client's hosts file's answer.
  std::optional<ClientHosts> client_hosts;
  std::optional<ClientNamespace> client_netns;
  std::int64_t collected_at = 0;  // epoch seconds when the facts were read (0: unknown)
  std::vector<Unread> unread;     // sources that could not be read at all
  /// Rootless Docker's namespaces behind the rootlesskit processes that
  /// hold host ports.
  std::vector<ForwarderNamespace> forwarder_namespaces;
  /// Whose namespace `host` is: root's (0), or, when rootless Docker's
  /// namespace is diagnosed as a host of its own, its user's. Engine
  /// processes there (docker-proxy) run as that uid.
  unsigned host_owner = 0;
  /// On a Kubernetes node (kube-proxy's or portmap's rules), its pods' CNI network.
  CniNetwork cni;
};

}  // namespace whyno
