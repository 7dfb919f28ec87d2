#!/bin/sh
# Runs a command in a private D-Bus session with an unlocked GNOME Keyring (secrets only), as a
# desktop session would have. Used inside tests/isolate.sh, so the keyring lives in a temp HOME.
set -eu
if [ -z "${ZVENO_IN_KEYRING_SESSION:-}" ]; then
  export ZVENO_IN_KEYRING_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi
# The daemon is not ours: keep our fatal-warnings and malloc checks away from it.
eval "$(printf 'zveno-test' | env -u G_DEBUG -u G_ENABLE_DIAGNOSTIC -u MALLOC_CHECK_ -u MALLOC_PERTURB_ \
  gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
status=0
"$@" || status=$?
# The daemon outlives the bus by a moment; end it ourselves so no test leaves a process behind.
pid=$(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.GetConnectionUnixProcessID org.freedesktop.secrets 2>/dev/null |
      sed -n 's/^(uint32 \([0-9]*\),)$/\1/p')
[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
exit $status
