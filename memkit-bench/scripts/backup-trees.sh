#!/usr/bin/env bash
# Backs up real directory trees of this machine with restic, `tar | zstd -1`, and memkit (naive buffers and the
# pool), one tool after another per tree, and prints wall time and peak RSS side by side. Every memkit restore is
# compared with its source (`memkit verify`). A benchmark, not a test: nothing here asserts a figure.
#
#   memkit-bench/scripts/backup-trees.sh [-n RUNS] TREE...
#   e.g. memkit-bench/scripts/backup-trees.sh /usr/lib/jvm/temurin-25-jdk-amd64 /usr/share/man /usr/share
#
# Needs restic and zstd (Debian packages restic, zstd), GNU time (/usr/bin/time), and a JDK 25 (found as the
# memkit script finds it). Work files go under ${TMPDIR:-/tmp}; the restores are deleted after each run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs=1
if [ "${1:-}" = "-n" ]; then runs=$2; shift 2; fi
[ $# -gt 0 ] || { echo "usage: $0 [-n RUNS] TREE..." >&2; exit 2; }
for tool in restic zstd /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is missing (apt-get install restic zstd time)" >&2; exit 2; }
done
. "$here/.mvn/find-jdk.sh"
memkit_find_jdk || exit 1
"$here/memkit" --version >/dev/null            # builds the jar on first use
java=("$here/memkit")                           # as a user runs it: the launcher's JVM settings
work=$(mktemp -d "${TMPDIR:-/tmp}/memkit-backup-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export RESTIC_PASSWORD=memkit-bench

measure() { # label, command...: prints "label wall_s peak_rss_mib"
  local label=$1; shift
  sync                                            # nobody pays for another run's dirty pages
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/log" 2>&1 || { echo "$label FAILED:"; tail -5 "$work/log"; }
  read -r wall kb <"$work/time"
  printf '%-28s %8.2f s %8.0f MiB\n' "$label" "$wall" "$((kb / 1024))"
}

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

for tree in "$@"; do
  entries=$(find "$tree" | wc -l)
  echo "== $tree: $entries entries, $(du -sh --apparent-size "$tree" | cut -f1)"
  for ((i = 1; i <= runs; i++)); do
    measure "tar | zstd -1" sh -c "tar -cf - -C '$(dirname "$tree")' '$(basename "$tree")' | zstd -1 -q >'$work/t.tar.zst'"
    rm -rf "$work/repo"; restic init -q --repo "$work/repo" >/dev/null
    measure "restic backup" restic -q --repo "$work/repo" backup "$tree"
    # The same work as memkit's backup: read, compress, decompress and write the restored tree to this disk.
    mkdir "$work/tx-$i"
    measure "tar|zstd|unzstd|tar -x" sh -c "tar -cf - -C '$(dirname "$tree")' '$(basename "$tree")' | zstd -1 -q \
        | zstd -d -q | tar -xf - -C '$work/tx-$i' && sync -f '$work/tx-$i'"
    for buffers in naive pooled; do
      out="$work/out-$buffers-$i"; port=$(free_port)  # deletions wait until the tree is done: they are slow here
      /usr/bin/time -f "%e %M" -o "$work/recv-time" "${java[@]}" receive --listen "$port" --out "$out" \
          >"$work/recv-out" 2>&1 &
      recv=$!
      for _ in $(seq 100); do grep -q listening "$work/recv-out" 2>/dev/null && break; sleep 0.1; done
      measure "memkit $buffers (sender)" "${java[@]}" backup "$tree" --to "127.0.0.1:$port" --buffers "$buffers"
      pkill -TERM -P "$recv" || true; wait "$recv" 2>/dev/null || true   # the JVM under time, so time reports it
      read -r _ kb < <(tail -n 1 "$work/recv-time")   # after "Command terminated by signal 15"
      printf '%-28s %10s %8.0f MiB\n' "memkit $buffers (receiver)" "" "$((kb / 1024))"
      if "${java[@]}" verify "$tree" "$out" >"$work/verify" 2>&1; then echo "  restore verified"; else
        echo "  restore differs:"; head -4 "$work/verify"; fi
    done
  done
  rm -rf "$work"/out-* "$work"/tx-*; sync
done
