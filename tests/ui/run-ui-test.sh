#!/bin/bash
# tests/ui/run-ui-test.sh: runs one UI test (a Python script using tests/ui/harness.py) inside its own
# X server, private D-Bus session bus and AT-SPI bus, so UI tests never see the developer's desktop
# and several can run at once.
#
#   usage: run-ui-test.sh TEST.py [ARGS...]
#
# Exit 77 (meson's "skipped") only when the tools are missing; everything else is the test's verdict.
#
# Three stages, each this same script (ZVENO_UI_STAGE says which):
#   x      (start) checks the tools and starts Xvfb. Why not `xvfb-run -a`: it picks a display by
#          looking for free lock files and only then starts Xvfb, which races when meson runs two UI
#          tests at once ("cannot open display"). `Xvfb -displayfd` picks a free display itself.
#   ns     runs in a PID namespace of its own when we are root: every helper of the test (dbus-daemons,
#          the AT-SPI registry, the app and anything it forks) lives and dies inside it, orphans are
#          reaped instead of piling up as zombies, and nothing outlives the test. Xvfb stays outside on
#          purpose: X lock files hold a PID, which would mean nothing to other namespaces.
#   inner  on the private session bus: starts a compositing window manager (metacity), the AT-SPI
#          bus, then the test. The window manager is what a person has: it places windows and
#          centres dialogs on their parent, and its compositor gives windows their rounded corners
#          and popovers their transparency (without one they sit in black boxes), so the
#          screenshots look like the desktop a user sees. Tests still run without it.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"
python=/usr/bin/python3
bus_launcher=/usr/libexec/at-spi-bus-launcher

skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

stage_x() {
  [ $# -ge 1 ] || { echo "usage: $0 TEST.py [ARGS...]" >&2; exit 2; }
  # Skipped only without an X server or pyatspi (as tests/ui/meson.build decides); anything else
  # missing is a broken setup that `./run deps` fixes, so it fails.
  command -v Xvfb >/dev/null || skip "Xvfb is not installed (Debian package xvfb)"
  [ -x "$python" ] || skip "$python is missing"
  "$python" -c 'import pyatspi' 2>/dev/null || skip "pyatspi is missing (Debian package python3-pyatspi)"
  local tool
  for tool in dbus-run-session dbus-send "$bus_launcher" import; do
    command -v "$tool" >/dev/null || fail "$tool is missing: run ./run deps"
  done

  work=$(mktemp -d "${TMPDIR:-/tmp}/zveno-ui.XXXXXX")
  xvfb_pid=
  cleanup() {
    if [ -n "$xvfb_pid" ]; then
      kill "$xvfb_pid" 2>/dev/null
      wait "$xvfb_pid" 2>/dev/null
    fi
    rm -rf "$work"
  }
  trap cleanup EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT

  # 1280x800 is a common laptop size: the main window and its dialogs fit with room to spare.
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3>"$work/display" 2>"$work/xvfb.log" &
  xvfb_pid=$!
  for _ in $(seq 1 200); do
    [ -s "$work/display" ] && break
    if ! kill -0 "$xvfb_pid" 2>/dev/null; then
      echo "Xvfb exited before it was ready:" >&2
      cat "$work/xvfb.log" >&2
      exit 1
    fi
    sleep 0.05
  done
  if [ ! -s "$work/display" ]; then
    echo "Xvfb did not become ready in 10 s:" >&2
    cat "$work/xvfb.log" >&2
    exit 1
  fi
  DISPLAY=":$(head -n1 "$work/display")"
  export DISPLAY

  local rc=0
  if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null \
      && unshare --pid --fork --kill-child true 2>/dev/null; then
    ZVENO_UI_STAGE=ns unshare --pid --fork --kill-child "$self" "$@" || rc=$?
  else
    ZVENO_UI_STAGE=ns "$self" "$@" || rc=$?
  fi
  exit $rc
}

stage_ns() {
  local rc=0
  # A private session bus with no service directories: nothing (portals, keyring, ...) gets
  # activated behind the test's back; a test that needs a service starts it itself.
  ZVENO_UI_STAGE=inner dbus-run-session --config-file="$here/session-bus.conf" -- "$self" "$@" || rc=$?
  if [ $$ = 1 ]; then
    # PID 1 of our own namespace: -1 is every other process of this test and nothing else.
    kill -TERM -1 2>/dev/null
    sleep 0.1
    kill -KILL -1 2>/dev/null
    wait 2>/dev/null
  fi
  exit $rc
}

# Exit 0 when a compositing manager owns the screen (GDK checks the _NET_WM_CM_S0 selection when
# it opens a display).
composited_check='
import os, sys, gi
gi.require_version("Gdk", "4.0")
from gi.repository import Gdk
d = Gdk.Display.open(os.environ["DISPLAY"])
sys.exit(0 if d is not None and d.is_composited() else 1)'

start_window_manager() {
  if ! command -v metacity >/dev/null || ! command -v xprop >/dev/null; then
    echo "# no metacity/xprop: running without a window manager (screenshots will look raw)" >&2
    return 0
  fi
  # GNOME's light background behind the windows; the compositor paints the root's colour.
  command -v xsetroot >/dev/null && xsetroot -solid '#deddda'
  # NO_AT_BRIDGE keeps the window manager itself off the accessibility bus. G_DEBUG goes: the
  # tests' fatal-warnings is for our code, and metacity warns about GTK's zero-timestamp
  # activation, which would kill it mid-test. Its stderr (sound and session warnings that mean
  # nothing here) goes to a log.
  wm_log=$(mktemp "${ZVENO_TEST_TMPDIR:-${TMPDIR:-/tmp}}/zveno-ui-wm.XXXXXX")
  env -u G_DEBUG NO_AT_BRIDGE=1 metacity --compositor=xrender --sm-disable --replace \
    >"$wm_log" 2>&1 &
  wm_pid=$!
  # Ready means managing windows *and* compositing: GTK decides when it starts whether the screen
  # is composited, and an app started a moment too early draws its popovers in black boxes.
  for _ in $(seq 1 100); do
    if xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q 'window id' \
        && "$python" -c "$composited_check" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$wm_pid" 2>/dev/null; then
      echo "# metacity exited at start; running without a window manager:" >&2
      cat "$wm_log" >&2
      wm_pid=
      return 0
    fi
    sleep 0.05
  done
  echo "# metacity did not take the screen in 5 s; going on without waiting" >&2
}

stage_inner() {
  launcher_pid=
  wm_pid=
  wm_log=
  stop_launcher() {
    if [ -n "$launcher_pid" ]; then
      kill "$launcher_pid" 2>/dev/null
      wait "$launcher_pid" 2>/dev/null
      launcher_pid=
    fi
    if [ -n "$wm_pid" ]; then
      kill "$wm_pid" 2>/dev/null
      wait "$wm_pid" 2>/dev/null
      wm_pid=
    fi
    [ -n "$wm_log" ] && rm -f "$wm_log"
  }
  trap stop_launcher EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT

  # Wait until the accessibility bus is registered, or the app would start without AT-SPI and the
  # test would find nothing. The registry daemon is activated on that bus by the harness's first call.
  start_window_manager

  "$bus_launcher" --launch-immediately &
  launcher_pid=$!
  local ready=
  for _ in $(seq 1 100); do
    if dbus-send --session --print-reply --dest=org.a11y.Bus /org/a11y/bus org.a11y.Bus.GetAddress \
        >/dev/null 2>&1; then
      ready=1
      break
    fi
    sleep 0.05
  done
  [ -n "$ready" ] || { echo "the AT-SPI bus (org.a11y.Bus) did not appear in 5 s" >&2; exit 1; }

  local rc=0
  "$python" "$@" || rc=$?
  exit $rc
}

case "${ZVENO_UI_STAGE:-x}" in
  x) stage_x "$@" ;;
  ns) stage_ns "$@" ;;
  inner) stage_inner "$@" ;;
  *) echo "unknown ZVENO_UI_STAGE=$ZVENO_UI_STAGE" >&2; exit 2 ;;
esac
