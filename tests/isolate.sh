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
"$@" &
child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; cleanup' TERM INT
wait $child
