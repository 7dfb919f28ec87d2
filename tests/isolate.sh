#!/bin/sh
# Runs one test with HOME and every XDG directory in a fresh temporary folder, removed afterwards,
# so no test reads or writes the developer's own settings, keyring or cache.
set -eu
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zveno-test.XXXXXX")
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
mkdir -p "$tmp/home" "$tmp/config" "$tmp/data" "$tmp/cache" "$tmp/state" "$tmp/runtime"
chmod 700 "$tmp/runtime"
export HOME="$tmp/home"
export XDG_CONFIG_HOME="$tmp/config"
export XDG_DATA_HOME="$tmp/data"
export XDG_CACHE_HOME="$tmp/cache"
export XDG_STATE_HOME="$tmp/state"
export XDG_RUNTIME_DIR="$tmp/runtime"
export ZVENO_TEST_TMPDIR="$tmp"
# Under ASan, tests that run GStreamer ask for full stack unwinding: GLib and GStreamer are built
# without frame pointers, so the fast unwinder stops at g_malloc and LeakSanitizer's suppressions
# (tests/lsan.supp: one-time allocations of system libraries) cannot match. Full unwinding makes
# PBKDF2 slow, so only the tests that need it ask (ZVENO_ASAN_FULL_UNWIND=1 in tests/meson.build).
if [ -n "${ASAN_OPTIONS:-}" ] && [ "${ZVENO_ASAN_FULL_UNWIND:-}" = 1 ]; then
  export ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
fi
"$@" &
child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; cleanup' TERM INT
wait $child
