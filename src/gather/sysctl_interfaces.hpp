#pragma once
// Which interfaces' sysctls (net.ipv4.conf.<if>.*) to read.

#include <string>
#include <vector>

#include "whyno/model/netns_facts.hpp"

namespace whyno::gather {

/// The interfaces a routed packet can enter or leave by: all but bridge
/// ports. A container's veth in docker0 carries bridged frames; the bridge
/// is the interface the host routes through, and its sysctls are the ones
/// that apply. On a host with hundreds of containers, that is two reads
/// instead of hundreds.
inline std::vector<std::string> sysctl_interfaces(const NetnsFacts& ns) {
  std::vector<std::string> names;
  for (const Interface& i : ns.interfaces) {
    if (i.master_index == 0) {
      names.push_back(i.name);
    }
  }
  return names;
}

}  // namespace whyno::gather
