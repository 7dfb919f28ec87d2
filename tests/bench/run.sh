#!/usr/bin/env bash
# tests/bench/run.sh BUILD_DIR [NAME...]: Zveno's benchmarks (./run bench calls this with an optimised
# build). Names: seed, search, sync (default: all three). Results go to stdout and are appended to
# BUILD_DIR/bench-results.txt with the date, the machine and the exact command, for docs/PERFORMANCE.md.
#
# Knobs (environment): BENCH_MESSAGES (1000000), BENCH_USERS (1000), BENCH_CHATS (2000), BENCH_SEED (1),
# BENCH_ITERATIONS (200 search requests per query shape), BENCH_DATA (where the seeded database lives;
# default BUILD_DIR/bench-data, reused by search and sync when it was seeded with the same sizes).
set -euo pipefail

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 BUILD_DIR [seed|search|sync ...]" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)
shift
NAMES=("$@")
[ ${#NAMES[@]} -gt 0 ] || NAMES=(seed search sync)

SERVER=$BUILD/src/server/zveno-server
BENCH_BIN=$BUILD/tests/bench
MESSAGES=${BENCH_MESSAGES:-1000000}
USERS=${BENCH_USERS:-1000}
CHATS=${BENCH_CHATS:-2000}
SEED=${BENCH_SEED:-1}
ITERATIONS=${BENCH_ITERATIONS:-200}
DATA=${BENCH_DATA:-$BUILD/bench-data}
DB=$DATA/bench-$USERS-$CHATS-$MESSAGES-$SEED.db
RESULTS=$BUILD/bench-results.txt

for bin in "$SERVER" "$BENCH_BIN/bench-server-search" "$BENCH_BIN/bench-sync"; do
  if [ ! -x "$bin" ]; then
    echo "$0: $bin is missing; build first (ninja -C $BUILD)" >&2
    exit 1
  fi
done
mkdir -p "$DATA"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
out() { printf '%s\n' "$*" | tee -a "$RESULTS"; }

server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    # Peak memory of the server over the run, before it goes.
    SERVER_PEAK_KB=$(sed -n 's/^VmHWM:\s*\([0-9]*\) kB/\1/p' "/proc/$server_pid/status" 2>/dev/null || true)
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap stop_server EXIT INT TERM

# Starts zveno-server on a free loopback port; sets URL.
start_server() {
  local logf=$DATA/server.log i
  stop_server
  "$SERVER" --db "$DB" --listen 127.0.0.1:0 >"$logf" 2>&1 &
  server_pid=$!
  for i in $(seq 1 600); do
    URL=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$logf" | head -n1)
    [ -n "$URL" ] && return 0
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "$0: zveno-server exited:" >&2
      cat "$logf" >&2
      server_pid=
      exit 1
    fi
    sleep 0.1
  done
  echo "$0: zveno-server did not start in 60 s" >&2
  exit 1
}

seed_db() {
  log "seeding $MESSAGES messages ($USERS users, $CHATS chats) into $DB"
  local start end
  start=$(date +%s.%N)
  "$SERVER" seed --db "$DB" --users "$USERS" --chats "$CHATS" --messages "$MESSAGES" --seed "$SEED" --force --quiet \
    >"$DATA/seed.out"
  end=$(date +%s.%N)
  head -n1 "$DATA/seed.out" >&2
  SEED_SECONDS=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
}

ensure_db() {
  [ -f "$DB" ] || seed_db
}

header() {
  out ""
  out "## $1: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1), load $(cut -d' ' -f1-3 /proc/loadavg)"
  out "command: tests/bench/run.sh $BUILD $1  (BENCH_MESSAGES=$MESSAGES BENCH_USERS=$USERS BENCH_CHATS=$CHATS BENCH_SEED=$SEED)"
}

bench_seed() {
  header seed
  rm -f "$DB"
  seed_db
  out "seed: $MESSAGES messages, $USERS users, $CHATS chats in $SEED_SECONDS s wall ($(du -m "$DB" | cut -f1) MB database)"
  out "$(head -n1 "$DATA/seed.out")"
}

bench_search() {
  ensure_db
  header search
  start_server
  log "server search latency at $URL ($ITERATIONS requests per shape, one client, keep-alive)"
  "$BENCH_BIN/bench-server-search" --url "$URL" --iterations "$ITERATIONS" | tee -a "$RESULTS"
  stop_server
  out "zveno-server peak RSS: $((${SERVER_PEAK_KB:-0} / 1024)) MB"
}

bench_sync() {
  ensure_db
  header sync
  start_server
  log "sync throughput at $URL"
  "$BENCH_BIN/bench-sync" --url "$URL" | tee -a "$RESULTS"
  stop_server
  out "zveno-server peak RSS: $((${SERVER_PEAK_KB:-0} / 1024)) MB"
}

for name in "${NAMES[@]}"; do
  case "$name" in
    seed) bench_seed ;;
    search) bench_search ;;
    sync) bench_sync ;;
    *) echo "$0: unknown benchmark '$name' (seed, search, sync)" >&2; exit 2 ;;
  esac
done
log "results appended to $RESULTS"
