# shellcheck shell=bash
# Sourced by tests/e2e/lib.sh and by ./quickstart: makes sure a Docker daemon
# answers, starting dockerd directly when none does. CI machines and fresh
# Debian root shells often have no systemd, so there is no unit to start.
# A dockerd started here is left running for the tests that follow.

WHYNO_DOCKERD_LOG=${WHYNO_DOCKERD_LOG:-/var/log/whyno-test-dockerd.log}

# ensure_dockerd: returns 0 once `docker info` works; 1 with a reason on stderr.
ensure_dockerd() {
  if docker info >/dev/null 2>&1; then
    return 0
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    echo "ensure_dockerd: no dockerd on PATH (apt-get install docker.io)" >&2
    return 1
  fi
  (
    # Two tests starting dockerd at once would fight over its pid file.
    flock 8
    if docker info >/dev/null 2>&1; then
      exit 0
    fi
    echo "ensure_dockerd: starting dockerd, log in $WHYNO_DOCKERD_LOG" >&2
    mkdir -p "$(dirname "$WHYNO_DOCKERD_LOG")"
    # setsid and closed descriptors: dockerd must outlive this test and must
    # not hold ctest's output pipes, this lock or any lock of the caller
    # open (`flock /tmp/whyno-e2e.lock ctest ...` passes its lock down as fd
    # 3: a dockerd holding it would keep every later run waiting).
    (
      for fd in $(ls /proc/$BASHPID/fd); do
        if [[ $fd -gt 2 ]]; then
          eval "exec $fd>&-"
        fi
      done
      exec setsid -f dockerd </dev/null >>"$WHYNO_DOCKERD_LOG" 2>&1
    )
    for _ in $(seq 1 60); do
      if docker info >/dev/null 2>&1; then
        exit 0
      fi
      sleep 0.5
    done
    echo "ensure_dockerd: dockerd did not answer within 30 s; end of its log:" >&2
    tail -n 20 "$WHYNO_DOCKERD_LOG" >&2
    exit 1
  ) 8>/run/whyno-test-dockerd.lock
}
