#!/usr/bin/env bash
# A Docker 28.5 host (iptables, still with DOCKER-ISOLATION-STAGE-1/2), played
# by a twin of network namespaces (lib_twin.sh): Docker's own rules from
# tests/fixtures/twin/moby/v28.5.2/.../iptablesdoc/generated/*.md, a fake
# Engine API answering as Docker 28.5.2 (API 1.51), dockerd holding the
# published ports and docker-proxy -use-listen-fd. Each case proves with curl
# what a client really gets, then asks whyno-port (run inside the twin).
source "$(dirname "$0")/lib_twin.sh"
twin_require

twin_case_portmap 28 iptables
twin_case_portmap_lo 28 iptables
twin_case_routed 28 iptables
twin_case_natunprot 28 iptables
twin_case_noicc 28 iptables
twin_case_internal 28 iptables
twin_case_noproxy 28 iptables
