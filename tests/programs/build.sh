#!/usr/bin/env bash
# build.sh OUTDIR: compiles the static test programs into OUTDIR and makes the
# image whyno-test:latest (FROM scratch: /server, /client, /bin/busybox).
#
# Both steps are skipped when up to date: the binaries by timestamp, the image
# by a label holding the hash of its files. Concurrent callers are serialised.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out=$1
src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
image=whyno-test:latest
label=org.whyno-port.test.hash
busybox=/bin/busybox

mkdir -p "$out"
exec 9>"$out/.build.lock"
flock 9

for program in server client hostile_engine; do
  if [[ ! "$out/$program" -nt "$src/$program.c" || ! "$out/$program" -nt "$src/build.sh" ]]; then
    echo "build.sh: compiling $program" >&2
    musl-gcc -static -O2 -Wall -Wextra -o "$out/$program.tmp" "$src/$program.c"
    mv -f "$out/$program.tmp" "$out/$program"
  fi
done

# busybox must be the static one: nothing else is in the image to load a
# dynamic one.
if [[ ! -x $busybox ]]; then
  echo "build.sh: $busybox missing (apt-get install busybox-static)" >&2
  exit 1
fi
if ldd "$busybox" >/dev/null 2>&1; then
  echo "build.sh: $busybox is dynamically linked (apt-get install busybox-static)" >&2
  exit 1
fi

hash=$(cat "$out/server" "$out/client" "$busybox" | sha256sum | cut -c1-32)
current=$(docker image inspect -f "{{index .Config.Labels \"$label\"}}" "$image" 2>/dev/null || true)
if [[ $current == "$hash" ]]; then
  exit 0
fi

echo "build.sh: importing $image ($hash)" >&2
old_id=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin"
cp "$out/server" "$out/client" "$stage/"
cp "$busybox" "$stage/bin/busybox"
# docker import rather than docker build: no builder (legacy or BuildKit) and
# no Dockerfile context are needed for three static files.
tar -C "$stage" --owner=0 --group=0 --numeric-owner -cf - . |
  docker import --change 'ENTRYPOINT ["/server"]' --change "LABEL $label=$hash" \
    - "$image" >/dev/null
if [[ -n $old_id ]]; then
  # A dangling predecessor may still back a running container; then it stays.
  docker image rm "$old_id" >/dev/null 2>&1 || true
fi
