#!/usr/bin/env bash
# ./run demo: start zveno-server with a seeded demo company on loopback and open the app against it.
# The demo database is built once into BUILD/demo/ and reused; delete that folder for a fresh company.
set -euo pipefail
BUILD=$(cd "$1" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEMO=$BUILD/demo
PORT=${ZVENO_DEMO_PORT:-8480}
SIP_PORT=${ZVENO_DEMO_SIP_PORT:-5070}
ECHO_EXTENSION=600
SERVER=$BUILD/src/server/zveno-server
APP=$BUILD/src/app/zveno

mkdir -p "$DEMO/files"
if [ ! -s "$DEMO/zveno.db" ]; then
  echo "==> seeding the demo company (once) into $DEMO/zveno.db"
  "$SERVER" seed --db "$DEMO/zveno.db" --files "$DEMO/files" --users 60 --chats 80 --messages 30000 --seed 1 --until now \
    | tee "$DEMO/seed.txt"
fi

# The Echo line: a colleague to call who answers at once and plays back what it hears.
if ! "$SERVER" admin --db "$DEMO/zveno.db" user list | grep -qw echoline; then
  echo demo | "$SERVER" admin --db "$DEMO/zveno.db" user add echoline --name "Echo Line" \
    --title "Calls you back with your own voice" --extension "$ECHO_EXTENSION" --password-stdin >/dev/null
fi

pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

echo "==> starting zveno-server on 127.0.0.1:$PORT"
"$SERVER" --db "$DEMO/zveno.db" --files "$DEMO/files" --listen "127.0.0.1:$PORT" \
  --sip-domain 127.0.0.1 --sip-registrar "127.0.0.1:$SIP_PORT" >"$DEMO/server.log" 2>&1 &
pids+=($!)
server_pid=$!
for _ in $(seq 1 100); do
  grep -q '^listening on' "$DEMO/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$DEMO/server.log" >&2; exit 1; }
  sleep 0.1
done
grep -q '^listening on' "$DEMO/server.log" || { echo "zveno-server did not start" >&2; cat "$DEMO/server.log" >&2; exit 1; }

# Kamailio: the company's phone system (registrar + proxy), checking the passwords zveno-server made.
echo "==> starting Kamailio on 127.0.0.1:$SIP_PORT (log: $DEMO/kamailio.log)"
"$ROOT/data/kamailio/start-kamailio.sh" "$SIP_PORT" "$DEMO/zveno.db" "$DEMO/kamailio-run" 127.0.0.1 \
  >"$DEMO/kamailio.log" 2>&1 &
pids+=($!)

# The Echo line's headless phone, signed in as echoline on a device of its own; its tokens go to a
# file secret store of its own, so it needs no desktop keyring.
CLI=$BUILD/src/cli/zveno-cli
ECHO_DIR=$DEMO/echo-device
echo_env=(env SECRET_BACKEND=file SECRET_FILE_TEST_PATH="$ECHO_DIR/secrets" SECRET_FILE_TEST_PASSWORD=demo)
mkdir -p "$ECHO_DIR"
if ! "${echo_env[@]}" "$CLI" --data-dir "$ECHO_DIR" whoami >/dev/null 2>&1; then
  echo demo | "${echo_env[@]}" "$CLI" --data-dir "$ECHO_DIR" login --server "http://127.0.0.1:$PORT" \
    --user echoline --password-stdin >/dev/null
fi
sleep 0.5
"${echo_env[@]}" "$CLI" --data-dir "$ECHO_DIR" answer --echo >"$DEMO/echo.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do
  grep -q '^registered' "$DEMO/echo.log" && break
  sleep 0.2
done
grep -q '^registered' "$DEMO/echo.log" || echo "warning: the Echo line did not register (see $DEMO/echo.log)" >&2

cat <<INFO

  Zveno demo
  server:    http://127.0.0.1:$PORT   (log: $DEMO/server.log)
  sign in:   $(grep -m1 -E '^sign in' "$DEMO/seed.txt" 2>/dev/null | sed 's/^sign in[: ]*//' || echo 'see the seed output above')
  calls:     Kamailio on 127.0.0.1:$SIP_PORT; dial $ECHO_EXTENSION ("Echo Line") from the Calls page's
             dial pad to hear yourself   (logs: $DEMO/kamailio.log, $DEMO/echo.log)
  try:       echo demo | $BUILD/src/server/zveno-server admin --db $DEMO/zveno.db stats --json

INFO

export GSETTINGS_SCHEMA_DIR=$BUILD/data
export ZVENO_LOCALEDIR=$BUILD/po
# The demo's own device, so a real Zveno account of this user is never touched.
export ZVENO_DATA_DIR=$DEMO/device
SIGN_IN="if ! $CLI --data-dir '$ZVENO_DATA_DIR' whoami >/dev/null 2>&1; then
  rm -rf '$ZVENO_DATA_DIR'
  echo demo | $CLI --data-dir '$ZVENO_DATA_DIR' login --server http://127.0.0.1:$PORT --user anna --password-stdin
fi"

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  # A machine without a desktop: sign in and run the app on a virtual screen with a keyring of its
  # own, and save what it shows.
  shot=$DEMO/demo-screenshot.png
  echo "==> no display: running the app signed in as anna under Xvfb for 8 s, saving $shot"
  xvfb-run -a -s "-screen 0 1280x800x24" "$ROOT/tests/with-keyring.sh" bash -c "
    rm -rf '$ZVENO_DATA_DIR'; $SIGN_IN
    GSK_RENDERER=cairo '$APP' & app=\$!; sleep 8; import -window root '$shot'; kill \$app; wait \$app || true"
  echo "==> screenshot: $shot"
  exit 0
fi

# Signed in as anna once (the tokens go to this desktop's keyring); later runs reuse it.
bash -c "$SIGN_IN"
"$APP"
