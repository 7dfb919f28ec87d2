#!/bin/sh
# The wrapper of `meson test --setup valgrind` (tests/meson.build): every test of ours under memcheck,
# full leak check, and any error or definite leak fails the test (exit status 99).
#
# meson puts the wrapper before the whole command, which for our tests is `isolate.sh TEST ARGS`;
# valgrind belongs inside the isolation (the test's own HOME and temp dir), around the test alone, so
# the wrapper re-enters itself through isolate.sh. Interpreted tests (the Python checks) run as they
# are: memcheck would only measure Python. GLib's own suppressions plus tests/valgrind.supp (system
# libraries' noise only, each entry explained) keep the report to our code. VALGRIND_EXTRA adds
# options, e.g. VALGRIND_EXTRA=--gen-suppressions=all to write an entry for a new system leak.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" != --inner ]; then
  case "${1:-}" in
    */isolate.sh) isolate=$1; shift; exec "$isolate" "$here/valgrind.sh" --inner "$@" ;;
    *) exec "$here/valgrind.sh" --inner "$@" ;;
  esac
fi
shift

# Only ELF executables are ours to check; anything else (python3, a shell script) runs unwrapped.
program=$1
case "$program" in
  */*) ;;
  *) program=$(command -v "$program" || echo "$program") ;;
esac
case "$program" in
  /usr/*|/bin/*) exec "$@" ;;
esac
if [ "$(head -c 4 "$program" 2>/dev/null | od -An -c | tr -d ' ')" != '177ELF' ]; then
  exec "$@"
fi

# The media tests measure real-time audio (a tone heard for so many seconds of a call): under
# memcheck's 20-50x slowdown GStreamer cannot keep pace and they fail on timing, not memory. They
# report a TAP skip here; ZVENO_ASAN=1 ./run test covers them with AddressSanitizer.
case "$(basename "$program")" in
  test-media-*)
    echo "1..0 # SKIP real-time media test: cannot keep pace under memcheck (ASan covers it)"
    exit 0 ;;
esac

# GLib's slice allocator hides frees from memcheck; gc-friendly clears freed memory.
export G_SLICE=always-malloc
export G_DEBUG="${G_DEBUG:+$G_DEBUG,}gc-friendly"
glib_supp=/usr/share/glib-2.0/valgrind/glib.supp
exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
  --errors-for-leak-kinds=definite --error-exitcode=99 --track-origins=yes --num-callers=30 \
  ${VALGRIND_EXTRA:-} \
  $( [ -f "$glib_supp" ] && echo "--suppressions=$glib_supp" ) --suppressions="$here/valgrind.supp" \
  "$@"
