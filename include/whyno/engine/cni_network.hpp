#pragma once
// The CNI network a node's pods get: the runtime (containerd's CRI plugin,
// CRI-O) loads the first network configuration of /etc/cni/net.d in name
// order (libcni's ConfFiles: *.conf, *.conflist, *.json), so that one is
// read. Its plugins say whether a pod's hostPort is mapped at all: only the
// portmap plugin maps it (the kubelet passes hostPorts to the plugins as the
// portMappings capability), and without it a hostPort silently does nothing.

#include <string>
#include <string_view>

#include "whyno/model/facts.hpp"
#include "whyno/util/result.hpp"

namespace whyno::engine {

/// The network of one configuration file's text: a .conflist's name and
/// its plugins' types, or a single-plugin .conf's. Fails on text that is no
/// JSON object with a "type" or "plugins".
Result<CniNetwork> parse_cni_network(std::string_view text, const std::string& path);

/// The network in force under `host_root` ("" for /): the first
/// configuration file of /etc/cni/net.d, read as root's (never a FIFO or a
/// symlink out of root's tree). not_found when there is none.
Result<CniNetwork> read_cni_network(const std::string& host_root);

}  // namespace whyno::engine
