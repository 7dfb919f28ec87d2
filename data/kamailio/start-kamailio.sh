#!/bin/sh
# Runs Kamailio in the foreground as Zveno's SIP registrar and proxy, checking credentials against
# the subscriber table in zveno-server's SQLite database.
#
#   start-kamailio.sh PORT DBFILE RUNDIR [DOMAIN]
#
# PORT    UDP and TCP port on ZVENO_SIP_ADDR (default 127.0.0.1)
# DBFILE  zveno-server's database (it must already hold the subscriber and version tables)
# RUNDIR  directory for Kamailio's runtime files (created if missing; its pid file goes there)
# DOMAIN  the SIP domain of the accounts, as zveno-server's --sip-domain (default: $ZVENO_SIP_DOMAIN,
#         else 127.0.0.1)
#
# Stops on SIGTERM or SIGINT (Kamailio stops its children). Logs go to stderr.
# Environment: KAMAILIO (the binary), ZVENO_KAMAILIO_CFG (another config), ZVENO_SIP_ADDR;
# ZVENO_SIP_TLS_PORT and ZVENO_SIP_TLS_CFG (an absolute path to the tls module's config, with the
# server certificate and key) add SIP over TLS on that port.
set -eu

usage() {
  echo "usage: $0 PORT DBFILE RUNDIR [DOMAIN]" >&2
  exit 2
}

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  usage
fi
port=$1
db=$2
rundir=$3
domain=${4:-${ZVENO_SIP_DOMAIN:-127.0.0.1}}
addr=${ZVENO_SIP_ADDR:-127.0.0.1}

case $port in
  ''|*[!0-9]*) echo "$0: PORT must be a number, got '$port'" >&2; exit 2 ;;
esac
if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
  echo "$0: PORT must be 1-65535, got $port" >&2
  exit 2
fi

case $db in
  /*) ;;
  *) db=$(pwd)/$db ;;
esac
# The path and the domain end up inside quoted config defines; refuse what would break the quoting
# rather than start a server that reads another file.
case $db$domain in
  *'"'*|*\\*) echo "$0: DBFILE and DOMAIN must not contain quotes or backslashes" >&2; exit 2 ;;
esac
case $domain in
  ''|*[!A-Za-z0-9.:_-]*) echo "$0: DOMAIN '$domain' is not a host name or address" >&2; exit 2 ;;
esac
if [ ! -r "$db" ]; then
  echo "$0: database $db does not exist or is not readable" >&2
  exit 1
fi

here=$(cd "$(dirname "$0")" && pwd)
cfg=${ZVENO_KAMAILIO_CFG:-$here/zveno-kamailio.cfg}
kamailio=${KAMAILIO:-}
if [ -z "$kamailio" ]; then
  kamailio=$(command -v kamailio || true)
  [ -n "$kamailio" ] || [ ! -x /usr/sbin/kamailio ] || kamailio=/usr/sbin/kamailio
fi
if [ -z "$kamailio" ]; then
  echo "$0: kamailio not found (Debian packages kamailio and kamailio-sqlite-modules)" >&2
  exit 1
fi

mkdir -p "$rundir"

# SIP over TLS only when asked for; the positional parameters are read above, reuse them.
set --
if [ -n "${ZVENO_SIP_TLS_PORT:-}" ]; then
  tls_cfg=${ZVENO_SIP_TLS_CFG:-}
  case $ZVENO_SIP_TLS_PORT in
    *[!0-9]*) echo "$0: ZVENO_SIP_TLS_PORT must be a number" >&2; exit 2 ;;
  esac
  case $tls_cfg in
    /*) ;;
    *) echo "$0: ZVENO_SIP_TLS_CFG must be an absolute path to the tls module's config" >&2; exit 2 ;;
  esac
  case $tls_cfg in
    *'"'*|*\\*) echo "$0: ZVENO_SIP_TLS_CFG must not contain quotes or backslashes" >&2; exit 2 ;;
  esac
  if [ ! -r "$tls_cfg" ]; then
    echo "$0: TLS config $tls_cfg does not exist or is not readable" >&2
    exit 1
  fi
  set -- -A "ZV_TLS_PORT=$ZVENO_SIP_TLS_PORT" -A "ZV_TLS_CFG=\"$tls_cfg\""
fi

# -DD: stay in the foreground (the caller owns the process); -E: log to stderr;
# -m/-M: shared and private memory in MB, plenty for a company's registrations.
exec "$kamailio" -f "$cfg" -DD -E -Y "$rundir" -P "$rundir/kamailio.pid" -m 64 -M 8 \
  -A "ZV_SIP_ADDR=$addr" \
  -A "ZV_SIP_PORT=$port" \
  -A "ZV_DB_URL=\"sqlite://$db\"" \
  -A "ZV_SIP_DOMAIN=\"$domain\"" "$@"
