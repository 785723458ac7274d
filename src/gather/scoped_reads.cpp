#include "scoped_reads.hpp"

#include <algorithm>

namespace whyno::gather {

namespace {

bool contains(const std::vector<std::uint16_t>& ports, std::uint16_t port) {
  return std::find(ports.begin(), ports.end(), port) != ports.end();
}

}  // namespace

ListenerScope scope_for(const std::optional<std::vector<std::uint16_t>>& ports, Protocol protocol,
                        bool connections) {
  ListenerScope scope = ports ? ListenerScope::only(*ports, protocol) : ListenerScope::everything();
  scope.protocol = protocol;
  scope.connections = connections;
  return scope;
}

ListenerScope interfaces_only(const Query& query) {
  return scope_for(std::vector<std::uint16_t>{query.port}, query.protocol, /*connections=*/false);
}

bool needs_every_port(const NetnsFacts& read, const ListenerScope& scope) {
  if (scope.every_port) {
    return false;
  }
  return std::none_of(read.listeners.begin(), read.listeners.end(), [&](const Listener& l) {
    return l.protocol == scope.protocol && !l.address.is_loopback() && contains(scope.ports, l.port);
  });
}

ListenerScope widened(const ListenerScope& scope) {
  ListenerScope wide = ListenerScope::widest(scope.ports, scope.protocol, k_listeners_kept);
  wide.connections = scope.connections;
  return wide;
}

Result<NetnsFacts> read_namespace(kernel::NamespaceReader& reader, const kernel::NamespaceHandle& handle,
                                  const ListenerScope& scope) {
  auto read = reader.read(handle, scope);
  if (read && needs_every_port(*read, scope)) {
    return reader.read(handle, widened(scope));
  }
  return read;
}

bool misses_ports(const NetnsFacts& read, const ListenerScope& scope) {
  if (read.listeners_only_on.empty()) {
    return false;  // every port was read (some perhaps left out, the unlikeliest)
  }
  if (scope.every_port) {
    return true;
  }
  return std::any_of(scope.ports.begin(), scope.ports.end(),
                     [&](std::uint16_t p) { return !contains(read.listeners_only_on, p); });
}

}  // namespace whyno::gather
