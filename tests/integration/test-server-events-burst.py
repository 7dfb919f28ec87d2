#!/usr/bin/python3
"""200 event streams opened at the same moment must each get `ready` (issue 7, zv-server-events.c).

Every client signs in first (over HTTP, one at a time), then all 200 WebSocket handshakes are sent
at once. Each stream must answer 101 and then `ready`, all within READY_WITHIN seconds. The cause
of the bug this guards against was zveno-server listening with GLib's default backlog of 10: with
200 connections in flight the kernel's accept queue overflowed, handshakes were dropped and the
clients' TCP retries came 1, 3, 7, 15, 31 s later, so some streams had no `ready` for a minute.
A second round reconnects every stream with ?since= its last seq and must again be ready, with
nothing replayed twice. Loopback only; bounded in time."""
import asyncio
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zvtest import Api, Server, admin, check, done, seed  # noqa: E402
from zvws import open_events, read_frame  # noqa: E402

CLIENTS = 200
READY_WITHIN = 8.0


async def open_stream(port, token, since=None):
    """Returns (status line, the types of the frames before ready, ready's seq) or raises."""
    status, reader, writer = await open_events(port, token, since)
    try:
        if " 101 " not in status + " ":
            return status, [], None
        before = []
        while True:
            opcode, payload = await read_frame(reader)
            if opcode == 8:
                return status, before + ["<closed>"], None
            if opcode != 1:
                continue
            event = json.loads(payload)
            if event["type"] == "ready":
                return status, before, event["seq"]
            before.append(event["type"])
    finally:
        writer.close()


async def burst(port, tokens, sinces):
    async def one(token, since):
        try:
            return await asyncio.wait_for(open_stream(port, token, since), READY_WITHIN)
        except asyncio.TimeoutError:
            return "no ready in time", [], None
        except (OSError, asyncio.IncompleteReadError) as error:
            return repr(error), [], None
    return await asyncio.gather(*(one(t, s) for t, s in zip(tokens, sinces)))


def main():
    tmp = tempfile.mkdtemp(prefix="zveno-burst-")
    db = os.path.join(tmp, "server.db")
    # One user per stream, as 200 people opening the app at nine o'clock.
    out = seed(db, CLIENTS + 20, 10, 100, 1)
    if out.returncode != 0:
        raise SystemExit(f"seed: {out.stderr}")
    users = json.loads(admin(db, "user", "list", "--json").stdout)
    users = users.get("users", []) if isinstance(users, dict) else users
    logins = [u["login"] for u in users if not u.get("bot") and not u.get("disabled") and u["login"] != "echo"]
    logins = logins[:CLIENTS]
    server = Server(db)
    server.start()
    try:
        tokens = [Api(server.url, login, "demo").token for login in logins]
        check(len(tokens) == CLIENTS, f"{CLIENTS} users signed in")
        first = asyncio.run(burst(server.port, tokens, [None] * CLIENTS))
        ready = [r for r in first if r[2] is not None]
        missing = [r[0] for r in first if r[2] is None]
        check(len(ready) == CLIENTS,
              f"all {CLIENTS} simultaneous streams got ready within {READY_WITHIN:g} s "
              f"({len(ready)} did; the others: {sorted(set(missing))[:3]})")
        # Each signed-in user is announced online to the others: presence frames may come first, but
        # nothing stored may be replayed before ready on a fresh stream.
        replayed = [r[1] for r in first if any(t not in ("presence",) for t in r[1])]
        check(not replayed, f"no stored events replayed before ready on a fresh stream ({replayed[:2]})")
        sinces = [r[2] for r in first]
        second = asyncio.run(burst(server.port, tokens, sinces))
        again = [r for r in second if r[2] is not None]
        check(len(again) == CLIENTS, f"all {CLIENTS} streams resumed with ?since= got ready again ({len(again)})")
        check(all(r[2] >= s for r, s in zip(second, sinces)), "ready's seq never goes back on resume")
        check(server.proc.poll() is None, "zveno-server still running")
    finally:
        server.stop()
    done()


if __name__ == "__main__":
    main()
