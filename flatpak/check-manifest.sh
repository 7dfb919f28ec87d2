#!/bin/sh
# Runs flatpak-builder --show-manifest and fails on an error or on any warning it prints.
set -eu
builder=$1
manifest=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! "$builder" --show-manifest "$manifest" >"$out" 2>&1; then
  cat "$out"
  echo "flatpak-builder rejected $manifest" >&2
  exit 1
fi
if grep -Ei 'warning|error|unknown' "$out" >&2; then
  echo "flatpak-builder printed warnings for $manifest" >&2
  exit 1
fi
grep -Eq '"(app-)?id" *: *"org.zveno.Zveno"' "$out" || { echo "app-id missing" >&2; exit 1; }
echo "ok: $manifest"
