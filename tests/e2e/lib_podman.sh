# shellcheck shell=bash
# _labels, _label_pid, _undo_dir, T_DIR, PROGRAMS_DIR, REPO_DIR: from lib.sh.
# shellcheck disable=SC2154
# Sourced by end-to-end scenarios for podman (rootful and rootless) and for
# rootless Docker, after tests/e2e/lib.sh (it uses on_exit, log, fail, T,
# T_DIR, PROGRAMS_DIR, REPO_DIR and _labels from there):
#
#   source "$(dirname "$0")/lib.sh"
#   source "$E2E_DIR/lib_podman.sh"
#
# Every helper installs what it needs and registers an undo with on_exit, so
# the host is left as it was found: users, /etc/sub{u,g}id, /dev/net/tun's
# mode, netavark's chains, services and processes. Undo lines are plain
# commands (bash -c SCRIPT), not functions of this file: a later run that
# sweeps the undo file of a killed one (lib.sh's _sweep_stale) may not have
# sourced this file.
#
# Facts from this machine (Debian 12, podman 4.3.1, netavark 1.4.0, runc
# 1.1.5, rootlesskit 1.1.0, docker.io 20.10.24) behind these helpers:
# - Rootful podman must run containers with runc and with ulimits it can set:
#   without --ulimit runc fails "error setting rlimits for ready process:
#   error setting rlimit type 7: operation not permitted" (no
#   CAP_SYS_RESOURCE here). crun, podman's first choice, is reported to fail
#   on this host's cgroups; require_podman installs runc.
# - netavark writes iptables (iptables-nft) rules into the host namespace and
#   leaves its base chains (NETAVARK-HOSTPORT-*, NETAVARK_FORWARD) and their
#   jumps behind when the last container goes; the helpers remove them.
# - Rootless podman and rootless Docker need subuid/subgid ranges, newuidmap
#   (uidmap), slirp4netns and a /dev/net/tun the user can open (0600 here:
#   slirp4netns fails 'open("/dev/net/tun"): Permission denied').
# - Without systemd/logind nobody makes /run/user/UID: create_rootless_user
#   does, and as_user sets XDG_RUNTIME_DIR to it.

WHYNO_PODMAN_IMAGE=${WHYNO_PODMAN_IMAGE:-whyno-test:latest}
PODMAN_ULIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
_podman_hash_label=org.whyno-port.test.hash
_dockerd_rootless=/usr/share/docker.io/contrib/dockerd-rootless.sh

if ! declare -F on_exit >/dev/null; then
  echo "lib_podman.sh: source tests/e2e/lib.sh first" >&2
  exit 1
fi

# --- installing -------------------------------------------------------------

# _apt_install PACKAGE...: apt-get install, with one 'apt-get update' retry
# for a machine whose package lists are missing or stale.
_apt_install() {
  local log=$T_DIR/apt.log
  local apt=(apt-get -o DPkg::Lock::Timeout=300 -y -q)
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "$@" >"$log" 2>&1; then
    "${apt[@]}" update >>"$log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "$@" >>"$log" 2>&1 ||
      fail "apt-get install $* failed: $(tail -n 5 "$log")"
  fi
}

# require_podman: podman with netavark, runc (not crun: without runc apt
# would pick crun), slirp4netns and uidmap; installs them when missing. Also
# removes rootful podman containers and networks left by killed runs.
require_podman() {
  if ! command -v podman >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1 ||
     ! command -v slirp4netns >/dev/null 2>&1 || ! command -v newuidmap >/dev/null 2>&1 ||
     [[ ! -x /usr/lib/podman/netavark ]] || [[ ! -x /usr/lib/podman/aardvark-dns ]]; then
    # netavark and aardvark-dns are named: podman only recommends them, and
    # without recommends apt satisfies its network stack with CNI plugins.
    log "installing podman (apt-get install podman netavark aardvark-dns runc slirp4netns uidmap)"
    _apt_install podman netavark aardvark-dns runc slirp4netns uidmap
  fi
  _podman_sweep_stale
}

_podman_sweep_stale() {
  local id pid
  while read -r id pid; do
    if [[ -n $pid && $pid != "<no value>" ]] && ! kill -0 "$pid" 2>/dev/null; then
      podman --runtime runc rm -f -t 0 "$id" >/dev/null 2>&1 || true
    fi
  done < <(podman --runtime runc ps -a --filter "label=$_label_pid" \
             --format "{{.ID}} {{index .Labels \"$_label_pid\"}}" 2>/dev/null)
  while read -r id pid; do
    if [[ -n $pid && $pid != "<no value>" ]] && ! kill -0 "$pid" 2>/dev/null; then
      podman network rm -f "$id" >/dev/null 2>&1 || true
    fi
  done < <(podman network ls --filter "label=$_label_pid" --format json 2>/dev/null |
             jq -r --arg l "$_label_pid" '.[] | "\(.name) \(.labels[$l] // "")"' 2>/dev/null)
}

# --- rootful podman ---------------------------------------------------------

# Removes netavark's base chains and jumps once no port forward and no
# network uses them (a concurrent podman test may still).
# shellcheck disable=SC2016
_netavark_fw_undo='
chain_empty() { [ "$(iptables -t "$1" -S "$2" 2>/dev/null | wc -l)" -eq 1 ]; }
if chain_empty nat NETAVARK-HOSTPORT-DNAT; then
  iptables -t nat -D PREROUTING -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT
  iptables -t nat -D OUTPUT -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT
  iptables -t nat -D POSTROUTING -j NETAVARK-HOSTPORT-MASQ
  for c in NETAVARK-HOSTPORT-DNAT NETAVARK-HOSTPORT-MASQ NETAVARK-HOSTPORT-SETMARK; do
    iptables -t nat -F "$c"; iptables -t nat -X "$c"
  done
fi
if chain_empty filter NETAVARK_FORWARD; then
  iptables -t filter -D FORWARD -m comment --comment "netavark firewall plugin rules" -j NETAVARK_FORWARD
  iptables -t filter -X NETAVARK_FORWARD
fi
true'

# Once per test, before the first rootful container: what netavark may add
# to the host namespace gets an undo (its chains, /run/netns, ip_forward).
_podman_host_guard() {
  local marker=$_undo_dir/$$.podman-guard
  [[ -e $marker ]] && return 0
  mkdir -p "$_undo_dir"
  : >"$marker"
  on_exit rm -f "$marker"
  if ! iptables -t nat -S NETAVARK-HOSTPORT-DNAT >/dev/null 2>&1 ||
     ! iptables -t filter -S NETAVARK_FORWARD >/dev/null 2>&1; then
    on_exit bash -c "$_netavark_fw_undo"
  fi
  if [[ ! -d /run/netns ]]; then
    on_exit rmdir /run/netns
  fi
  if [[ $(</proc/sys/net/ipv4/ip_forward) == 0 ]]; then
    on_exit bash -c 'echo 0 >/proc/sys/net/ipv4/ip_forward'
  fi
}

# podman_rootful ARGS...: podman as root with the flags this host needs:
# --runtime runc always; for run/create also PODMAN_ULIMITS and the test's
# labels. A container named with --name NAME (or a network made with
# 'network create NAME') is removed at exit.
podman_rootful() {
  local sub=${1:-} arg prev=
  case $sub in
    run | create)
      shift
      _podman_host_guard
      for arg in "$@"; do
        if [[ $prev == --name ]]; then
          on_exit podman --runtime runc rm -f -t 0 "$arg"
        elif [[ $arg == --name=* ]]; then
          on_exit podman --runtime runc rm -f -t 0 "${arg#--name=}"
        fi
        prev=$arg
      done
      podman --runtime runc "$sub" "${PODMAN_ULIMITS[@]}" "${_labels[@]}" "$@"
      ;;
    network)
      if [[ ${2:-} == create ]]; then
        shift 2
        _podman_host_guard
        # The name is the last argument of 'podman network create'.
        on_exit podman network rm -f "${*: -1}"
        podman network create "${_labels[@]}" "$@"
      else
        podman --runtime runc "$@"
      fi
      ;;
    *) podman --runtime runc "$@" ;;
  esac
}

# start_podman_service: the rootful API on /run/podman/podman.sock (where
# podman-remote and whyno-port look), stopped at exit. Sets PODMAN_SOCK. A
# socket that already answers (a concurrent test's) is used as it is.
start_podman_service() {
  PODMAN_SOCK=/run/podman/podman.sock
  local pid _
  if _socket_pings "$PODMAN_SOCK"; then
    log "podman API already answers on $PODMAN_SOCK; using it"
    return 0
  fi
  _podman_host_guard
  if [[ ! -d /run/podman ]]; then
    on_exit rmdir /run/podman
    mkdir -p /run/podman
  fi
  on_exit rm -f "$PODMAN_SOCK"
  # Containers made through the API get the runtime and ulimits from here.
  cat >"$T_DIR/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
EOF
  CONTAINERS_CONF=$T_DIR/containers.conf setsid podman --runtime runc system service --time=0 \
    "unix://$PODMAN_SOCK" </dev/null >"$T_DIR/podman-service.log" 2>&1 &
  pid=$!
  on_exit bash -c '[ "$(readlink /proc/$1/exe)" = /usr/bin/podman ] && kill "$1"; sleep 0.5' _ "$pid"
  for _ in $(seq 1 100); do
    _socket_pings "$PODMAN_SOCK" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  fail "podman system service did not answer on $PODMAN_SOCK: $(tail -n 5 "$T_DIR/podman-service.log")"
}

_socket_pings() {
  [[ -S $1 ]] && [[ $(curl -s --max-time 2 --unix-socket "$1" http://d/_ping 2>/dev/null) == OK ]]
}

# --- images -----------------------------------------------------------------

# Fresh test programs in PROGRAMS_DIR. build.sh compiles them and then
# imports the Docker image; without a dockerd the import fails, the
# binaries are still there.
_ensure_test_programs() {
  local src=$REPO_DIR/tests/programs
  if [[ $PROGRAMS_DIR/server -nt $src/server.c && $PROGRAMS_DIR/client -nt $src/client.c &&
        $PROGRAMS_DIR/server -nt $src/build.sh && $PROGRAMS_DIR/client -nt $src/build.sh ]]; then
    return 0
  fi
  if ! "$src/build.sh" "$PROGRAMS_DIR"; then
    [[ -x $PROGRAMS_DIR/server && -x $PROGRAMS_DIR/client ]] ||
      fail "tests/programs/build.sh did not build the test programs"
    log "build.sh could not make the Docker image; the programs are built"
  fi
}

# build_podman_image [USER]: WHYNO_PODMAN_IMAGE (FROM scratch: /server,
# /client, /bin/busybox, entrypoint /server) in root's podman storage, or in
# USER's (rootless) with a user name. Skipped when up to date (a label holds
# the hash of the files, as in build.sh).
build_podman_image() {
  local user=${1:-} hash current stage old_id
  local cmd=(podman)
  if [[ -n $user ]]; then
    cmd=(as_user "$user" podman)
  fi
  _ensure_test_programs
  hash=$(cat "$PROGRAMS_DIR/server" "$PROGRAMS_DIR/client" /bin/busybox | sha256sum | cut -c1-32)
  current=$("${cmd[@]}" image inspect -f "{{index .Labels \"$_podman_hash_label\"}}" \
              "$WHYNO_PODMAN_IMAGE" 2>/dev/null) || true
  if [[ $current == "$hash" ]]; then
    return 0
  fi
  log "importing $WHYNO_PODMAN_IMAGE into ${user:-root}'s podman storage ($hash)"
  old_id=$("${cmd[@]}" image inspect -f '{{.Id}}' "$WHYNO_PODMAN_IMAGE" 2>/dev/null) || old_id=
  stage=$T_DIR/podman-image
  rm -rf "$stage"
  mkdir -p "$stage/bin"
  cp "$PROGRAMS_DIR/server" "$PROGRAMS_DIR/client" "$stage/"
  cp /bin/busybox "$stage/bin/busybox"
  # podman import rather than podman build: no network, no Containerfile.
  tar -C "$stage" --owner=0 --group=0 --numeric-owner -cf - . |
    "${cmd[@]}" import --change 'ENTRYPOINT ["/server"]' --change "LABEL $_podman_hash_label=$hash" \
      - "$WHYNO_PODMAN_IMAGE" >/dev/null 2>"$T_DIR/podman-import.log" ||
    fail "podman import failed: $(cat "$T_DIR/podman-import.log")"
  rm -rf "$stage"
  if [[ -n $old_id ]]; then
    # A dangling predecessor may still back a container; then it stays.
    "${cmd[@]}" image rm "$old_id" >/dev/null 2>&1 || true
  fi
}

# --- rootless users ---------------------------------------------------------

# Kills every process of the user (its own uid and its subuid range, by pid),
# removes what it left in /tmp, /var/tmp, /dev/shm and /run/user/UID, then
# the user with its home. Args: NAME UID SUBUID_START SUBUID_COUNT.
# shellcheck disable=SC2016
_user_undo='
name=$1 uid=$2 lo=$3 count=$4
hi=$((lo + count))
for round in 1 2 3 4 5 6 7 8 9 10; do
  pids=$(ps -eo pid=,uid= | awk -v u="$uid" -v lo="$lo" -v hi="$hi" \
           "\$2 == u || (\$2 >= lo && \$2 < hi) { print \$1 }")
  [ -z "$pids" ] && break
  sig=TERM
  [ "$round" -gt 4 ] && sig=KILL
  for p in $pids; do kill -s "$sig" "$p" 2>/dev/null; done
  sleep 0.5
done
find /tmp /var/tmp /dev/shm -mindepth 1 -maxdepth 1 -uid "$uid" -exec rm -rf {} + 2>/dev/null
rm -rf "/run/user/$uid"
userdel -r -f "$name" 2>/dev/null
true'

# Gives users /dev/net/tun (0666) while any test needs it; the first mode
# comes back when the last one exits. Both run under flock on UNDO_DIR
# itself, so no lock file is left behind. Args: UNDO_DIR PID.
# shellcheck disable=SC2016
_tun_release='
d=$1
rm -f "$d/tun.users/$2"
for f in "$d"/tun.users/*; do
  [ -e "$f" ] || continue
  kill -0 "${f##*/}" 2>/dev/null || rm -f "$f"
done
if rmdir "$d/tun.users" 2>/dev/null && [ -f "$d/tun.mode" ]; then
  chmod "$(cat "$d/tun.mode")" /dev/net/tun
  rm -f "$d/tun.mode"
fi
true'

# shellcheck disable=SC2016
_tun_take='
d=$1
[ -f "$d/tun.mode" ] || stat -c %a /dev/net/tun >"$d/tun.mode"
mkdir -p "$d/tun.users"
: >"$d/tun.users/$2"
chmod 0666 /dev/net/tun'

_tun_acquire() {
  [[ -c /dev/net/tun ]] || fail "no /dev/net/tun on this machine (modprobe tun)"
  mkdir -p "$_undo_dir"
  on_exit flock "$_undo_dir" bash -c "$_tun_release" _ "$_undo_dir" "$$"
  flock "$_undo_dir" bash -c "$_tun_take" _ "$_undo_dir" "$$"
}

# create_rootless_user NAME: a user NAME with a home, a 65536-id subuid and
# subgid range, /run/user/UID (0700, as logind would make it) and
# /dev/net/tun 0666. At exit: its processes killed, the user, its home, its
# ranges and runtime dir removed, the shadow backup files (/etc/passwd- ...)
# put back, /dev/net/tun's mode restored. Sets ROOTLESS_UID.
# NAME must be new: a short one derived from $T, e.g. "wp${T##*-}".
create_rootless_user() {
  local name=$1 f backup range_start
  [[ $(id -u) -eq 0 ]] || fail "create_rootless_user needs root"
  if getent passwd "$name" >/dev/null; then
    fail "user $name already exists; a leftover of another run?"
  fi
  command -v newuidmap >/dev/null 2>&1 || _apt_install uidmap
  _tun_acquire
  # useradd and userdel rewrite the shadow-utils backups; they come back.
  backup=$_undo_dir/$$.etc-$name
  mkdir -p "$backup"
  for f in passwd- group- shadow- gshadow- subuid- subgid- subuid subgid; do
    if [[ -e /etc/$f ]]; then
      cp -a "/etc/$f" "$backup/$f"
    fi
  done
  on_exit bash -c 'b=$1
    for f in passwd- group- shadow- gshadow- subuid- subgid-; do
      if [ -e "$b/$f" ]; then cp -a "$b/$f" "/etc/$f"; else rm -f "/etc/$f"; fi
    done
    for f in subuid subgid; do
      [ -e "$b/$f" ] || { [ -s "/etc/$f" ] || rm -f "/etc/$f"; }
    done
    rm -rf "$b"' _ "$backup"
  if [[ ! -d /run/user ]]; then
    on_exit rmdir /run/user
  fi
  # usermod refuses --add-subuids without the files (a minimal image may
  # lack them); made empty here, they go again with the user (see above).
  for f in subuid subgid; do
    [[ -e /etc/$f ]] || install -m 0644 /dev/null "/etc/$f"
  done
  useradd -m -s /bin/bash "$name" || fail "useradd $name failed"
  # Until the full undo below is registered, a failure still removes the user.
  on_exit bash -c 'getent passwd "$1" >/dev/null && userdel -r -f "$1" 2>/dev/null; true' _ "$name"
  ROOTLESS_UID=$(id -u "$name")
  if ! grep -q "^$name:" /etc/subuid 2>/dev/null || ! grep -q "^$name:" /etc/subgid 2>/dev/null; then
    # useradd adds ranges only where /etc/subuid exists; above every range in use.
    range_start=$({ cat /etc/subuid /etc/subgid 2>/dev/null || true; } |
                    awk -F: 'BEGIN { m = 100000 } { e = $2 + $3; if (e > m) m = e } END { print m }')
    usermod --add-subuids "$range_start-$((range_start + 65535))" \
            --add-subgids "$range_start-$((range_start + 65535))" "$name"
  fi
  range_start=$(awk -F: -v n="$name" '$1 == n { print $2; exit }' /etc/subuid)
  on_exit bash -c "$_user_undo" _ "$name" "$ROOTLESS_UID" "$range_start" 65536
  mkdir -p /run/user
  install -d -m 0700 -o "$name" -g "$(id -g "$name")" "/run/user/$ROOTLESS_UID"
  log "rootless user $name (uid $ROOTLESS_UID, subuids $range_start+65536)"
}

# as_user NAME CMD...: CMD as NAME with a login-like environment (HOME,
# USER, PATH, XDG_RUNTIME_DIR=/run/user/UID) in its home; stdin, stdout and
# stderr are the caller's.
as_user() {
  _as_user_argv "$1"
  shift
  "${_AS_USER[@]}" "$@"
}

# _as_user_argv NAME: sets _AS_USER to the command prefix as_user uses. For
# background processes: '"${_AS_USER[@]}" setsid CMD &' makes $! CMD's pid
# (setpriv, env and setsid all exec), which a function call would not.
_as_user_argv() {
  local name=$1 uid gid home
  uid=$(id -u "$name") || fail "as_user: no user $name"
  gid=$(id -g "$name")
  home=$(getent passwd "$name" | cut -d: -f6)
  [[ -d /run/user/$uid ]] || fail "as_user: /run/user/$uid missing (create_rootless_user makes it)"
  _AS_USER=(setpriv --reuid="$uid" --regid="$gid" --init-groups
            env -i -C "$home" HOME="$home" USER="$name" LOGNAME="$name" SHELL=/bin/bash
            PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin XDG_RUNTIME_DIR="/run/user/$uid")
}

# podman_rootless NAME ARGS...: podman as NAME (slirp4netns + rootlessport).
podman_rootless() {
  local name=$1
  shift
  as_user "$name" podman "$@"
}

# start_rootless_podman_service NAME: NAME's API on
# /run/user/UID/podman/podman.sock, stopped at exit. Sets
# ROOTLESS_PODMAN_SOCK.
start_rootless_podman_service() {
  local name=$1 uid pid _ log
  uid=$(id -u "$name")
  ROOTLESS_PODMAN_SOCK=/run/user/$uid/podman/podman.sock
  log=$T_DIR/podman-service-$name.log
  _as_user_argv "$name"
  "${_AS_USER[@]}" setsid podman system service --time=0 </dev/null >"$log" 2>&1 &
  pid=$!
  on_exit bash -c '[ "$(readlink /proc/$1/exe)" = /usr/bin/podman ] && kill "$1"; sleep 0.5' _ "$pid"
  for _ in $(seq 1 100); do
    _socket_pings "$ROOTLESS_PODMAN_SOCK" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  fail "rootless podman service of $name did not answer: $(tail -n 5 "$log")"
}

# --- rootless Docker ----------------------------------------------------------

# start_rootless_dockerd NAME [STATE_DIR]: dockerd-rootless.sh as NAME
# (rootlesskit --net=slirp4netns --port-driver=builtin, as Debian ships it),
# stopped at exit. rootlesskit's state dir (api.sock, child_pid) is
# STATE_DIR, by default /run/user/UID/dockerd-rootless as Docker 23+'s
# script sets it; STATE_DIR "auto" keeps Debian 20.10's behaviour (no
# --state-dir: rootlesskit makes /tmp/rootlesskitNNNN). Sets
# ROOTLESS_DOCKER_SOCK (/run/user/UID/docker.sock), ROOTLESSKIT_PID (the
# parent, which holds the published host ports) and ROOTLESSKIT_STATE_DIR.
start_rootless_dockerd() {
  local name=$1 state=${2:-} uid pid log _ env=()
  command -v dockerd >/dev/null 2>&1 || fail "no dockerd (apt-get install docker.io)"
  [[ -x $_dockerd_rootless ]] || fail "$_dockerd_rootless missing (docker.io's contrib)"
  if ! command -v rootlesskit >/dev/null 2>&1 || ! command -v slirp4netns >/dev/null 2>&1 ||
     ! command -v newuidmap >/dev/null 2>&1; then
    log "installing rootless Docker's helpers (apt-get install rootlesskit slirp4netns uidmap)"
    _apt_install rootlesskit slirp4netns uidmap
  fi
  uid=$(id -u "$name")
  [[ -n $state ]] || state=/run/user/$uid/dockerd-rootless
  if [[ $state != auto ]]; then
    env=(DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS="--state-dir=$state")
  fi
  ROOTLESS_DOCKER_SOCK=/run/user/$uid/docker.sock
  log=$T_DIR/dockerd-rootless-$name.log
  _as_user_argv "$name"
  "${_AS_USER[@]}" "${env[@]}" setsid "$_dockerd_rootless" </dev/null >"$log" 2>&1 &
  pid=$!
  # shellcheck disable=SC2034 # for the scenario
  ROOTLESSKIT_PID=$pid
  # rootlesskit passes SIGTERM on to dockerd and exits after it; the user's
  # undo kills whatever is left.
  on_exit bash -c '[ "$(cat /proc/$1/comm 2>/dev/null)" = rootlesskit ] || exit 0
    kill "$1"; for i in $(seq 1 40); do kill -0 "$1" 2>/dev/null || exit 0; sleep 0.25; done' _ "$pid"
  for _ in $(seq 1 120); do
    if _socket_pings "$ROOTLESS_DOCKER_SOCK"; then
      if [[ $state == auto ]]; then
        state=$(readlink "/proc/$pid/fd/3" 2>/dev/null) || state=
      fi
      # shellcheck disable=SC2034 # for the scenario
      ROOTLESSKIT_STATE_DIR=$state
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  fail "rootless dockerd of $name did not answer on $ROOTLESS_DOCKER_SOCK: $(tail -n 5 "$log")"
}

# docker_rootless NAME ARGS...: the docker CLI as NAME, against NAME's
# rootless dockerd (start_rootless_dockerd first).
docker_rootless() {
  local name=$1
  shift
  as_user "$name" env DOCKER_HOST="unix://$ROOTLESS_DOCKER_SOCK" docker "$@"
}

# build_rootless_docker_image NAME: WHYNO_PODMAN_IMAGE (the same FROM
# scratch image: /server, /client, /bin/busybox) in NAME's rootless dockerd,
# by docker import (no registry, no build context).
build_rootless_docker_image() {
  local name=$1 stage
  _ensure_test_programs
  stage=$T_DIR/rootless-docker-image
  rm -rf "$stage"
  mkdir -p "$stage/bin"
  cp "$PROGRAMS_DIR/server" "$PROGRAMS_DIR/client" "$stage/"
  cp /bin/busybox "$stage/bin/busybox"
  chmod -R a+rX "$stage"
  tar -C "$stage" --owner=0 --group=0 --numeric-owner -cf - . |
    docker_rootless "$name" import --change 'ENTRYPOINT ["/server"]' - "$WHYNO_PODMAN_IMAGE" \
      >/dev/null 2>"$T_DIR/rootless-docker-import.log" ||
    fail "docker import as $name failed: $(cat "$T_DIR/rootless-docker-import.log")"
  rm -rf "$stage"
}

# run_whyno_as_owner NAME ARGS...: run_whyno as NAME, unprivileged, with the
# environment of a login (XDG_RUNTIME_DIR): the owner of rootless
# containers. The binary is copied where NAME may run it (the checkout may be
# under a directory only root can enter).
run_whyno_as_owner() {
  local name=$1 saved=$WHYNO_PORT dir
  shift
  dir=$(mktemp -d /tmp/whyno-owner.XXXXXX)
  on_exit rm -rf "$dir"
  chmod 0755 "$dir"
  install -m 0755 "$WHYNO_PORT" "$dir/whyno-port"
  _as_user_argv "$name"
  WHYNO_PORT=$dir/whyno-port
  run_whyno_with "${_AS_USER[@]}" -- "$@"
  WHYNO_PORT=$saved
}

# run_rootless_app CLI NAME CONTAINER HOST_PORT SERVER_SPEC: a container of
# user NAME's from WHYNO_PODMAN_IMAGE publishing HOST_PORT:3000, started by
# CLI (podman_rootless or docker_rootless), once its app listens.
run_rootless_app() {
  local cli=$1 name=$2 container=$3 port=$4 spec=$5 _
  "$cli" "$name" run -d --name "$container" -p "$port:3000" "$WHYNO_PODMAN_IMAGE" "$spec" \
    >/dev/null 2>"$T_DIR/run.err" || fail "$cli run as $name: $(<"$T_DIR/run.err")"
  for _ in $(seq 1 100); do
    grep -q '^listening ' < <("$cli" "$name" logs "$container" 2>/dev/null) && return 0
    sleep 0.1
  done
  fail "the app in $container did not start: $("$cli" "$name" logs "$container" 2>&1 | tail -n 3)"
}
