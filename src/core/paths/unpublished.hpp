#pragma once
// When nothing publishes the host port (unpublished.cpp).

#include "walk.hpp"
#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"

namespace whyno::detail {

/// Explains "nothing publishes this host port" as a failed hop: names the
/// container the user most likely meant and how to publish it.
void explain_unpublished(const Query& query, const Facts& facts, Walk& walk);

/// The same on a Kubernetes node (its CNI network read) where no container
/// is meant: no NodePort, hostPort or socket. With no portmap plugin in the
/// network, hostport-not-mapped: a pod's hostPort does nothing there.
void explain_node_port_unmapped(const Query& query, const CniNetwork& cni, Walk& walk);

}  // namespace whyno::detail
