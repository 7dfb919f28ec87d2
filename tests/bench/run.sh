#!/usr/bin/env bash
# tests/bench/run.sh BUILD_DIR [--quick|--full] [--runs N] [--report DOC] [NAME...]: Zveno's benchmarks
# (./run bench calls this with an optimised build). Names: seed, search, sync, client-sync,
# client-search, load, app-startup, app-chat, call (default: every one). Results go to stdout and are appended
# to BUILD_DIR/bench-results.txt with the date, the machine and the exact command.
#
# --quick (small sizes, 3 runs) and --full (the sizes below, 5 runs) run every named benchmark that
# many times; each benchmark appends one JSON line per figure to $ZVENO_BENCH_OUT (bench-out.h:
# bench, figure, value, unit, command and, with an anchor measured in the same run, anchor,
# anchor_value, ratio, aim, met). --report DOC then rewrites the summary table of DOC
# (docs/PERFORMANCE.md, between its bench-summary markers) with the median of each figure
# (tests/bench/report.py). Without these options: the sizes below, once.
#
# Knobs (environment): BENCH_MESSAGES (1000000), BENCH_USERS (1000), BENCH_CHATS (2000), BENCH_SEED (1),
# BENCH_ITERATIONS (200 search requests per query shape), BENCH_DATA (where the seeded database lives;
# default BUILD_DIR/bench-data, reused by search and sync when it was seeded with the same sizes).
set -euo pipefail

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 BUILD_DIR [--quick|--full] [--runs N] [--report DOC] [NAME...]" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)
shift
MODE= RUNS=1 REPORT=
NAMES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick; RUNS=3 ;;
    --full) MODE=full; RUNS=5 ;;
    --runs) RUNS=$2; shift ;;
    --report) REPORT=$2; shift ;;
    *) NAMES+=("$1") ;;
  esac
  shift
done
ALL_NAMES=(seed search sync client-sync client-search load app-startup app-chat call)
[ ${#NAMES[@]} -gt 0 ] || NAMES=("${ALL_NAMES[@]}")
# Quick mode: a company of 100,000 messages, fewer requests, a shorter load test and call, a chat of
# 5,000 to scroll (about 10 minutes for three runs of everything on 2 busy cores; scrolling a chat
# of 20,000 alone took 2.5 minutes a run). Knobs set by the caller win.
if [ "$MODE" = quick ]; then
  : "${BENCH_MESSAGES:=100000}" "${CLIENT_SYNC_MESSAGES:=20000}" "${BENCH_ITERATIONS:=100}"
  : "${LOAD_SECONDS:=15}" "${LOAD_DRAIN:=10}" "${APP_STARTUP_RUNS:=3}"
  : "${BENCH_CHAT_MESSAGES:=5000}" "${APP_CHAT_RUNS:=1}" "${BENCH_CALL_SETUPS:=11}" "${BENCH_CALL_SECONDS:=5}"
fi
export CLIENT_SYNC_MESSAGES LOAD_SECONDS LOAD_DRAIN APP_STARTUP_RUNS BENCH_CHAT_MESSAGES BENCH_CALL_SETUPS \
  BENCH_CALL_SECONDS
SOURCE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)

SERVER=$BUILD/src/server/zveno-server
BENCH_BIN=$BUILD/tests/bench
MESSAGES=${BENCH_MESSAGES:-1000000}
USERS=${BENCH_USERS:-1000}
CHATS=${BENCH_CHATS:-2000}
SEED=${BENCH_SEED:-1}
ITERATIONS=${BENCH_ITERATIONS:-200}
# Inside tests/isolate.sh (the 'slow' smoke test) everything stays in the test's own temp folder.
DATA=${BENCH_DATA:-${ZVENO_TEST_TMPDIR:-$BUILD}/bench-data}
DB=$DATA/bench-$USERS-$CHATS-$MESSAGES-$SEED.db
RESULTS=${ZVENO_TEST_TMPDIR:-$BUILD}/bench-results.txt

for bin in "$SERVER" "$BENCH_BIN/bench-server-search" "$BENCH_BIN/bench-sync"; do
  if [ ! -x "$bin" ]; then
    echo "$0: $bin is missing; build first (ninja -C $BUILD)" >&2
    exit 1
  fi
done
mkdir -p "$DATA"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
# emit BENCH FIGURE VALUE UNIT [ANCHOR ANCHOR_VALUE [AIM MET]]: one figure measured by this script.
emit() {
  local bench=$1 figure=$2 value=$3 unit=$4
  shift 4
  /usr/bin/python3 "$(dirname "$0")/bench_out.py" "$bench" "$figure" "$value" "$unit" \
    "${ZVENO_BENCH_COMMAND:-tests/bench/run.sh BUILD $bench}" "$@"
}
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
  emit seed "zveno-server seed of $MESSAGES messages" "$SEED_SECONDS" s
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

# ---- the client (issue 4): tests/bench/bench-client-*.c and zveno-cli ------------------------------
# client-sync: `zveno-cli sync` receiving CLIENT_SYNC_MESSAGES (default 100,000) of anna's messages
# from a seeded zveno-server over loopback, its peak RSS, and the storage limit (bench-client-store:
# the same rows into the same schema in the same transaction size). An initial /sync sends only the
# newest 50 messages of each chat, so the device first syncs, then its token is rewound to "d.S",
# S = the server's last membership change (the server's own token format): the next sync then
# receives every message of her chats, as a device that was offline for the whole history does.
bench_client_sync() {
  local cli=$BUILD/src/cli/zveno-cli want=${CLIENT_SYNC_MESSAGES:-100000} total db dev out seq
  local start end wall rss cpu limit_out
  # anna reads about 13.3 % of what the seed writes.
  total=$(( want * 10000 / 1334 ))
  db=$DATA/client-sync-$USERS-$CHATS-$total-$SEED.db
  if [ ! -f "$db" ]; then
    log "seeding $total messages for a $want-message sync into $db"
    "$SERVER" seed --db "$db" --users "$USERS" --chats "$CHATS" --messages "$total" --seed "$SEED" --force --quiet >/dev/null
  fi
  header client-sync
  local saved_db=$DB
  DB=$db
  start_server
  DB=$saved_db
  dev=$DATA/client-device
  rm -rf "$dev" "$DATA/client-limit" "$DATA/client-secrets"
  # A file-backed secret store: no D-Bus session is needed for a benchmark.
  export SECRET_BACKEND=file SECRET_FILE_TEST_PATH=$DATA/client-secrets SECRET_FILE_TEST_PASSWORD=bench
  echo demo | "$cli" --data-dir "$dev" login --server "$URL" --user anna --password-stdin >/dev/null
  start=$(date +%s.%N)
  out=$("$cli" --data-dir "$dev" sync)
  end=$(date +%s.%N)
  out "initial sync (50 newest per chat): $out in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s"
  seq=$(sqlite3 "$db" "SELECT max(seq) FROM members")
  sqlite3 "$dev/zveno.db" "UPDATE meta SET value = 'd.$seq' WHERE key = 'sync_token'"
  log "zveno-cli sync of the whole history at $URL"
  local server_cpu0 server_cpu1
  server_cpu0=$(awk '{ print $14 + $15 }' "/proc/$server_pid/stat")
  /usr/bin/time -f '%e %M %U %S' -o "$DATA/client-sync.time" "$cli" --data-dir "$dev" sync >"$DATA/client-sync.out"
  server_cpu1=$(awk '{ print $14 + $15 }' "/proc/$server_pid/stat")
  read -r wall rss user sys <"$DATA/client-sync.time"
  msgs=$(sed -n 's/^Up to date: [0-9]* chats, \([0-9]*\) messages.*/\1/p' "$DATA/client-sync.out")
  out "zveno-cli sync: $(cat "$DATA/client-sync.out")"
  out "$(awk -v m="$msgs" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v sc="$(( server_cpu1 - server_cpu0 ))" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "zveno-cli sync: %d msgs in %.2f s wall = %.0f msgs/s; client CPU %.2f s (%.0f msgs per CPU-s); server CPU %.2f s; peak RSS %.1f MB", m, w, m / w, u + s, m / (u + s), sc / hz, r / 1024 }')"
  stop_server
  out "doctor: $("$cli" --data-dir "$dev" doctor)"
  log "the storage limit: the same rows into a fresh cache"
  limit_out=$(/usr/bin/time -f 'cpu %U %S' "$BENCH_BIN/bench-client-store" --source "$dev/zveno.db" --out "$DATA/client-limit" 2>&1)
  out "$limit_out"
  # Wall-clock rates swing with the load of a shared machine; CPU seconds per message do much less.
  out "$(printf '%s\n' "$limit_out" | awk -v m="$msgs" -v w="$wall" -v c="$user $sys" '
    /^storage insert/ { r = $10; rc = $(NF - 3) } /^storage as-sync/ { a = $10; ac = $(NF - 3) }
    END { split(c, t, " "); printf "ratio zveno-cli sync / storage limit: wall %.2f (insert), %.2f (as-sync SQL); CPU %.2f (insert), %.2f (as-sync SQL)", m / w / r, m / w / a, m / (t[1] + t[2]) / rc, m / (t[1] + t[2]) / ac }')"
  # The anchor: the same rows by a plain INSERT loop (bench-client-store), measured in this run.
  local insert_rate insert_cpu_rate sync_rate sync_cpu_rate
  insert_rate=$(printf '%s\n' "$limit_out" | awk '/^storage insert/ { print $10 }')
  insert_cpu_rate=$(printf '%s\n' "$limit_out" | awk '/^storage insert/ { print $(NF - 3) }')
  sync_rate=$(awk -v m="$msgs" -v w="$wall" 'BEGIN { printf "%.1f", m / w }')
  sync_cpu_rate=$(awk -v m="$msgs" -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", m / (u + s) }')
  emit client-sync "zveno-cli sync ingest ($msgs msgs), wall" "$sync_rate" msgs/s \
    "plain SQLite INSERT of the same rows" "$insert_rate" ">= 0.5x" \
    "$(awk -v a="$sync_rate" -v b="$insert_rate" 'BEGIN { print (a >= 0.5 * b) ? 1 : 0 }')"
  emit client-sync "zveno-cli sync ingest ($msgs msgs), per CPU-second" "$sync_cpu_rate" msgs/s \
    "plain SQLite INSERT of the same rows" "$insert_cpu_rate" ">= 0.5x" \
    "$(awk -v a="$sync_cpu_rate" -v b="$insert_cpu_rate" 'BEGIN { print (a >= 0.5 * b) ? 1 : 0 }')"
  emit client-sync "zveno-cli sync peak RSS" "$(awk -v r="$rss" 'BEGIN { printf "%.1f", r / 1024 }')" MB
  unset SECRET_BACKEND SECRET_FILE_TEST_PATH SECRET_FILE_TEST_PASSWORD
}

# client-search: zv_store_search() and the message list's paging over a client cache of BENCH_MESSAGES
# (1,000,000) messages built from the seeded database.
bench_client_search() {
  ensure_db
  header client-search
  "$BENCH_BIN/bench-client-search" --server-db "$DB" --cache "$DATA/client-cache-$USERS-$CHATS-$MESSAGES-$SEED.db" \
    --iterations "$ITERATIONS" | tee -a "$RESULTS"
}

# load: 200 concurrent clients sending to shared group chats and listening on their event streams for
# 60 s (tests/bench/bench-load.py; LOAD_CLIENTS, LOAD_SECONDS, LOAD_RATE, LOAD_GROUP_SIZE).
bench_load() {
  header load
  /usr/bin/python3 "$(dirname "$0")/bench-load.py" "$BUILD" | tee -a "$RESULTS"
}

# app-startup: the app's first frame and RSS over the client-search cache (when it was built) against
# an empty libadwaita window, under Xvfb with a keyring (tests/bench/bench-app-startup.py).
bench_app_startup() {
  local cache=$DATA/client-cache-$USERS-$CHATS-$MESSAGES-$SEED.db tmp status=0
  header app-startup
  [ -f "$cache" ] || cache=
  # A fresh HOME and XDG_* as tests/isolate.sh makes, but cleaned up here: the session bus of
  # with-keyring.sh can activate xdg-desktop-portal, whose document portal mounts a FUSE folder in
  # XDG_RUNTIME_DIR that a plain `rm -rf` cannot remove. libadwaita is told not to ask the portal, so
  # the app and the anchor both read the default settings, as in the UI tests.
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/zveno-bench.XXXXXX")
  mkdir -p "$tmp/home" "$tmp/config" "$tmp/data" "$tmp/cache" "$tmp/state" "$tmp/runtime"
  chmod 700 "$tmp/runtime"
  HOME=$tmp/home XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_CACHE_HOME=$tmp/cache \
  XDG_STATE_HOME=$tmp/state XDG_RUNTIME_DIR=$tmp/runtime ZVENO_TEST_TMPDIR=$tmp \
  ADW_DISABLE_PORTAL=1 GTK_USE_PORTAL=0 BENCH_RUNS=${APP_STARTUP_RUNS:-5} \
    xvfb-run -a -s "-screen 0 1280x800x24" "$SOURCE_ROOT/tests/with-keyring.sh" \
    /usr/bin/python3 "$(dirname "$0")/bench-app-startup.py" "$BUILD" ${cache:+"$cache"} | tee -a "$RESULTS" ||
    status=$?
  if mountpoint -q "$tmp/runtime/doc" 2>/dev/null; then
    fusermount -u -z "$tmp/runtime/doc" 2>/dev/null || umount -l "$tmp/runtime/doc" 2>/dev/null || true
  fi
  rm -rf "$tmp" || true
  return "$status"
}

# app-chat: the time to show a chat of BENCH_CHAT_MESSAGES (100,000) and the RSS growth of scrolling
# it end to end (tests/bench/bench-app-chat.py, under the UI tests' Xvfb, bus and window manager).
bench_app_chat() {
  header app-chat
  BENCH_RUNS=${APP_CHAT_RUNS:-3} "$SOURCE_ROOT/tests/isolate.sh" "$SOURCE_ROOT/tests/ui/run-ui-test.sh" \
    "$SOURCE_ROOT/tests/bench/bench-app-chat.py" "$BUILD" | tee -a "$RESULTS"
}

# call: a call through Kamailio on loopback, Zveno against baresip in the same run (issue 6):
# setup, CPU, RSS, one-way latency (tests/bench/bench-call.py; BENCH_CALL_SETUPS, BENCH_CALL_SECONDS).
bench_call() {
  header call
  /usr/bin/python3 "$(dirname "$0")/bench-call.py" "$BUILD" | tee -a "$RESULTS"
}

# The command that reproduces one benchmark's figures, as the JSON lines record it.
bench_command() {
  local knobs=
  [ -n "$MODE" ] && knobs="--$MODE "
  printf 'tests/bench/run.sh BUILD %s%s' "$knobs" "$1"
}

run_one() {
  case "$1" in
    seed) bench_seed ;;
    search) bench_search ;;
    sync) bench_sync ;;
    client-sync) bench_client_sync ;;
    client-search) bench_client_search ;;
    load) bench_load ;;
    call) bench_call ;;
    app-startup) bench_app_startup ;;
    app-chat) bench_app_chat ;;
    *) echo "$0: unknown benchmark '$1' (${ALL_NAMES[*]})" >&2; exit 2 ;;
  esac
}

if [ -n "$MODE$REPORT" ] && [ -z "${ZVENO_BENCH_OUT:-}" ]; then
  ZVENO_BENCH_OUT=${ZVENO_TEST_TMPDIR:-$BUILD}/bench-$(date -u +%Y%m%d-%H%M%S).jsonl
fi
export ZVENO_BENCH_OUT
failed=()
started=$(date +%s)
for run in $(seq 1 "$RUNS"); do
  for name in "${NAMES[@]}"; do
    [ "$RUNS" -gt 1 ] && log "run $run of $RUNS: $name"
    # A subshell each: one benchmark failing is reported and the others still run. Not tested by
    # `if` or `||`: bash would then ignore `set -e` inside it, and a failed step would go unnoticed.
    set +e
    (
      set -e
      trap stop_server EXIT
      ZVENO_BENCH_COMMAND=$(bench_command "$name")
      export ZVENO_BENCH_COMMAND
      run_one "$name"
    )
    status=$?
    set -e
    [ "$status" -eq 0 ] || failed+=("$name (run $run)")
  done
done
log "results appended to $RESULTS"
[ -n "${ZVENO_BENCH_OUT:-}" ] && log "figures (JSON lines) in $ZVENO_BENCH_OUT"
log "benchmarks took $(( $(date +%s) - started )) s"
if [ -n "$REPORT" ]; then
  /usr/bin/python3 "$(dirname "$0")/report.py" --doc "$REPORT" --mode "${MODE:-custom}" --runs "$RUNS" \
    --seconds "$(( $(date +%s) - started ))" "$ZVENO_BENCH_OUT"
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "$0: failed: ${failed[*]}" >&2
  exit 1
fi
