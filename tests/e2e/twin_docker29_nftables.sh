#!/usr/bin/env bash
# A Docker 29.7 host with "firewall-backend": "nftables" (daemon.json), played
# by a twin of network namespaces (lib_twin.sh): Docker's own `table ip
# docker-bridges` from tests/fixtures/twin/moby/v29.7.2/.../nftablesdoc/
# generated/*.md, a fake Engine API answering as Docker 29.7.2 (API 1.52,
# FirewallBackend "nftables"), dockerd holding the published ports and
# docker-proxy -use-listen-fd. Each case proves with curl what a client really
# gets, then asks whyno-port (run inside the twin).
source "$(dirname "$0")/lib_twin.sh"
twin_require

twin_case_portmap 29 nftables
twin_case_portmap_lo 29 nftables
twin_case_routed 29 nftables
twin_case_natunprot 29 nftables
twin_case_noicc 29 nftables
twin_case_internal 29 nftables
twin_case_nft_forward_drop
twin_case_noproxy 29 nftables
