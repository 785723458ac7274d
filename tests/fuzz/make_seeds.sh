#!/usr/bin/env bash
# make_seeds.sh NAME FIXTURES OUT
#
# Writes the seed corpus of fuzz_NAME into the directory OUT, built from the
# recorded fixtures in FIXTURES (tests/fixtures) in the input format that
# tests/fuzz/fuzz_NAME.cpp documents. Nothing is copied into the tree: the
# seeds live in the build directory only.
set -euo pipefail

name=$1
fixtures=$2
out=$3
mkdir -p "$out"

# The section separator of fuzz_input.hpp.
sep=$'\n--8<--\n'

# joined SEED FILE...: the files with the separator between them.
joined() {
  local seed=$1 first=1 f
  shift
  {
    for f in "$@"; do
      if [ "$first" = 0 ]; then printf '%s' "$sep"; fi
      first=0
      cat "$f"
    done
  } > "$out/$seed"
}

# prefixed SEED PREFIX FILE: printf's PREFIX (escapes allowed), then FILE.
prefixed() {
  { printf "$2"; cat "$3"; } > "$out/$1"
}

case "$name" in
  sock_diag)  # raw dumps; the target reads each as TCP and as UDP
    for f in "$fixtures"/sock_diag/*/*.bin; do
      [ -s "$f" ] && cp "$f" "$out/$(basename "$(dirname "$f")")_$(basename "$f")"
    done
    ;;
  rtnetlink)  # LINKS sep ADDRESSES sep ROUTES
    for d in "$fixtures"/rtnl/*/; do
      joined "$(basename "$d")" "$d/links.bin" "$d/addrs.bin" "$d/routes.bin"
    done
    ;;
  nftables)  # CHAINS sep RULES sep SETS sep SET_ELEMENTS
    for d in "$fixtures"/netfilter/*/; do
      [ -f "$d/nft_rules.bin" ] || continue
      joined "$(basename "$d")" "$d/nft_chains.bin" "$d/nft_rules.bin" "$d/nft_sets.bin" \
        "$d/nft_setelems.bin"
    done
    ;;
  iptables_legacy)  # CHOICE (bit 0 ip6, bits 1-3 table), 84 info bytes, entries
    for info in "$fixtures"/netfilter/*/legacy_*.info; do
      stem=${info%.info}                 # .../legacy_ip6_nat
      base=$(basename "$stem")           # legacy_ip6_nat
      family=${base#legacy_}; family=${family%%_*}
      table=${base#legacy_"$family"_}
      case "$table" in
        filter) index=0 ;; nat) index=1 ;; raw) index=2 ;; mangle) index=3 ;;
        security) index=4 ;; *) index=0 ;;
      esac
      choice=$(( index << 1 ))
      if [ "$family" = ip6 ]; then choice=$(( choice | 1 )); fi
      dir=$(basename "$(dirname "$info")")
      { printf "\\x$(printf '%02x' "$choice")"; cat "$info" "$stem.entries"; } \
        > "$out/${dir}_${base}"
    done
    ;;
  engine_json)  # '0'..'9' chooses the parser (fuzz_engine_json.cpp)
    e=$fixtures/engine
    for f in "$e"/*.headers; do prefixed "ping_$(basename "$f")" 0 "$f"; done
    prefixed version 1 "$e/version.json"
    prefixed containers_list 2 "$e/containers_list.json"
    for f in "$e"/inspect_*.json; do prefixed "container_$(basename "$f")" 3 "$f"; done
    prefixed networks 4 "$e/networks.json"
    for f in "$e"/info*.json; do prefixed "info_$(basename "$f")" 5 "$f"; done
    for f in "$e/not_found.json" "$e/too_new.json" "$e/ping.body"; do
      prefixed "error_$(basename "$f")" 6 "$f"
    done
    for f in "$e"/daemon/*.json; do
      prefixed "daemon20_$(basename "$f")" '720.10.24+dfsg1\n' "$f"
      prefixed "daemon29_$(basename "$f")" '729.0.0\n' "$f"
    done
    printf '81.41' > "$out/negotiate"
    printf '920.10.24+dfsg1' > "$out/major"
    ;;
  http_response)  # bit 0 of the first byte: the peer closed after the rest
    printf '\x00HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK' > "$out/ping"
    printf '\x00HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n' > "$out/continue"
    { printf '\x00HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
      printf '%x;x=y\r\n' "$(wc -c < "$fixtures/engine/networks.json")"
      cat "$fixtures/engine/networks.json"; printf '\r\n0\r\nTrailer: 1\r\n\r\n'; } > "$out/chunked"
    printf '\x01HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n[]' > "$out/until_close"
    ;;
  podman_state)  # '0'..'6' chooses the parser (fuzz_podman_state.cpp)
    p=$fixtures/engine/podman/ondisk-net
    prefixed containers 0 "$p/containers.json"
    for f in "$p"/oci_config_*.json; do prefixed "spec_$(basename "$f")" 1 "$f"; done
    for f in "$p"/userdata_*_pidfile; do prefixed "$(basename "$f")" 2 "$f"; done
    prefixed hosts_def '3wpd-def\n' "$p/userdata_wpd-def_hosts"
    prefixed hosts_net '3wpd-net\n' "$p/userdata_wpd-net_hosts"
    prefixed cni_podman 7 "$fixtures/engine/cni/87-podman-bridge.conflist"
    prefixed aardvark 4 "$p/aardvark-dns_wpdisk"
    prefixed network 5 "$p/networks_wpdisk.json"
    printf '6{"currentContext":"rootless","Endpoints":{"docker":{"Host":"unix:///run/user/1000/docker.sock"}}}' \
      > "$out/context"
    ;;
  podman_bolt)  # a whole BoltDB file
    cp "$fixtures/engine/podman-rootless/ondisk-bolt/bolt_state.db" "$out/rootless_bolt_state.db"
    cp "$fixtures"/engine/hostile/bolt_*_bomb.db "$out/"  # a user's planted files
    cp "$fixtures/engine/containerd/meta_pod.db" "$out/containerd_meta_pod.db"
    ;;
  dns)  # CHOICE (bits 0-1 type, bit 2 "NAME\n" given, bit 3 hosts), then data
    d=$fixtures/dns
    for f in "$d"/*_a.bin; do prefixed "$(basename "$f")" '\x00' "$f"; done
    for f in "$d"/*_aaaa.bin; do prefixed "$(basename "$f")" '\x01' "$f"; done
    prefixed server_a_named.bin '\x04probe-server\n' "$d/server_a.bin"
    prefixed server_upper_named.bin '\x04probe-server\n' "$d/server_upper_a.bin"
    prefixed server_aaaa_other.bin '\x05probe-client\n' "$d/server_aaaa.bin"
    prefixed client_hosts '\x08probe-client\n' "$d/client_hosts"
    prefixed linker_hosts_db '\x08db\n' "$d/linker_hosts"
    prefixed linker_hosts_metrics '\x08metrics.example.\n' "$d/linker_hosts"
    prefixed linker_hosts_v6 '\x08v6host\n' "$d/linker_hosts"
    ;;
  snapshot)
    cp "$fixtures"/snapshots/*.json "$out/"
    ;;
  options)  # argv[1..] separated by NUL bytes; no fixtures: usage like the man page's
    n=0
    while IFS= read -r line; do  # one command line, '|' between its words
      n=$((n + 1))
      printf '%s' "$line" | tr '|' '\0' > "$out/argv$n"
    done <<'ARGV'
8080
8080|--json
8080/udp|--no-probe|--color|never
[::1]:8080/tcp|--probe-timeout|300ms
localhost:8080|--container|web|--save-facts|/tmp/facts.json
server:3000|--from|client
192.0.2.10:8080|--from|198.51.100.7|--probe-timeout=2s
--replay|facts.json|--json|--color=always
--help
-h
--version
8080|8081
--from|client|8080
ARGV
    ;;
  *)
    echo "make_seeds.sh: no fuzz target '$name'" >&2
    exit 2
    ;;
esac
