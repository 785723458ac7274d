#!/usr/bin/env bash
# check_format.sh REPO [CLANG_FORMAT]: every C++ file of ours is as
# .clang-format says. Lists the files that are not, with the command that
# fixes them; skips (125), saying why, without clang-format 14.
set -euo pipefail
repo=$1
tool=${2:-clang-format}
if ! command -v "$tool" >/dev/null 2>&1; then
  echo "SKIP: no clang-format (apt-get install clang-format; ./quickstart test installs it)"
  exit 125
fi
version=$("$tool" --version | sed -n 's/.*version \([0-9]*\).*/\1/p')
if [[ $version != 14 ]]; then
  echo "SKIP: $tool is version $version; the format is clang-format 14's (Debian 12)"
  exit 125
fi
cd "$repo"
mapfile -t files < <(git ls-files 'src/*.cpp' 'src/*.hpp' 'include/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 2>/dev/null ||
                     find src include tests -name '*.[ch]pp')
bad=()
for f in "${files[@]}"; do
  if ! "$tool" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
    bad+=("$f")
  fi
done
if [[ ${#bad[@]} -gt 0 ]]; then
  echo "not formatted (${#bad[@]} files): ${bad[*]}"
  echo "fix: $tool -i ${bad[*]}"
  exit 1
fi
echo "format: ${#files[@]} files as .clang-format says"
