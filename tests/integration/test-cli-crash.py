#!/usr/bin/python3
"""kill -9 of `zveno-cli sync` at 10 random moments during a large sync against the real zveno-server:
after each kill `zveno-cli doctor` says ok and the cache is exactly "as of its stored token" (every
message the server had up to that token and nothing else: no half-applied page); the next run resumes
from there; finally a full sync leaves the cache equal to the server, field by field.

An initial /sync sends only the newest 50 messages of each chat. To make a large sync (about 25,000
messages) the device first syncs, then its token is rewound to "d.S", S being the server's last
membership change (the server's own token format, see src/server/zv-server-sync.c): the next sync
then pages through every message of anna's chats, as a device that was offline for the whole history.
"""
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

BUILD = os.environ["ZVENO_BUILD_ROOT"]
SERVER = os.path.join(BUILD, "src", "server", "zveno-server")
CLI = os.path.join(BUILD, "src", "cli", "zveno-cli")
KILLS = 10
checks = 0


def check(condition, what):
    global checks
    checks += 1
    if not condition:
        print(f"not ok {checks} - {what}")
        sys.stdout.flush()
        raise SystemExit(1)
    print(f"ok {checks} - {what}")
    sys.stdout.flush()


def cli(data, *args, stdin=None, timeout=120):
    return subprocess.run([CLI, "--data-dir", data] + list(args), input=stdin, capture_output=True,
                          text=True, timeout=timeout)


def start_server(db):
    proc = subprocess.Popen([SERVER, "--db", db, "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = proc.stdout.readline()
    match = re.match(r"listening on (\S+)", line)
    if not match:
        raise SystemExit(f"zveno-server did not start: {line!r}")
    return proc, match.group(1)


def iso_ms(text):
    if text is None:
        return None
    from datetime import datetime
    return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def api(base, method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def read_only(path):
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def cache_token(data):
    with read_only(os.path.join(data, "zveno.db")) as db:
        row = db.execute("SELECT value FROM meta WHERE key = 'sync_token'").fetchone()
    return row[0] if row else None


def cache_ids(data):
    with read_only(os.path.join(data, "zveno.db")) as db:
        return {row[0] for row in db.execute("SELECT id FROM messages WHERE state = 'sent'")}


def set_token(data, token):
    with sqlite3.connect(os.path.join(data, "zveno.db"), timeout=30) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'sync_token'", (token,))


def server_ids(server_db, user_id, after_seq, up_to_seq):
    """anna's messages whose last change lies in (after_seq, up_to_seq]."""
    with read_only(server_db) as db:
        return {row[0] for row in db.execute(
            "SELECT m.id FROM messages m WHERE m.seq > ? AND m.seq <= ? AND m.chat_id IN "
            "(SELECT chat_id FROM members WHERE user_id = ? AND left_at IS NULL)",
            (after_seq, up_to_seq, user_id))}


def main():
    tmp = tempfile.mkdtemp(prefix="zveno-crash-")
    db = os.path.join(tmp, "server.db")
    data = os.path.join(tmp, "device")
    seeded = subprocess.run([SERVER, "seed", "--db", db, "--users", "25", "--chats", "12",
                             "--messages", "30000", "--seed", "3"], capture_output=True, text=True, timeout=300)
    check(seeded.returncode == 0, "a company with 30,000 messages is seeded")
    server, url = start_server(db)
    seed = int(os.environ.get("ZVENO_CRASH_SEED", str(int(time.time()))))
    print(f"# kill moments from ZVENO_CRASH_SEED={seed}")
    rng = random.Random(seed)
    try:
        login = cli(data, "login", "--server", url, "--user", "anna", "--password-stdin", stdin="demo\n")
        check(login.returncode == 0, f"anna signs in: {login.stderr.strip()}")
        out = cli(data, "sync")
        check(out.returncode == 0, f"initial sync: {out.stdout.strip()} {out.stderr.strip()}")
        me = json.loads(cli(data, "status", "--json").stdout)["user_id"]
        initial = cache_ids(data)
        final_token = cache_token(data)
        with read_only(db) as sdb:
            members_seq = sdb.execute("SELECT max(seq) FROM members").fetchone()[0]
        rewind = f"d.{members_seq}"
        whole = initial | server_ids(db, me, members_seq, int(final_token[2:]))
        check(len(whole) > 20000, f"the whole history is large: {len(whole)} messages ({len(initial)} after the initial sync)")
        set_token(data, rewind)
        # The rewound cache, to start over from when a run finishes before its kill.
        pristine = os.path.join(tmp, "pristine")
        os.mkdir(pristine)
        for name in os.listdir(data):
            if name.startswith("zveno.db"):
                shutil.copy2(os.path.join(data, name), pristine)

        kills = rounds = 0
        budget = 4.0        # seconds a whole catch-up takes; learnt from runs that finished
        last_count = len(initial)
        while kills < KILLS:
            rounds += 1
            if rounds > 40:
                check(False, f"only {kills} of 40 syncs could be interrupted")
            moment = rng.uniform(0.05, budget)
            started = time.monotonic()
            proc = subprocess.Popen([CLI, "--data-dir", data, "sync"], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True)
            try:
                proc.wait(timeout=moment)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            elapsed = time.monotonic() - started
            proc.stderr.close()
            if proc.returncode == 0:
                # It finished first: start over from the rewound token, with a shorter window.
                budget = max(0.3, 0.9 * elapsed)
                for name in os.listdir(data):
                    if name.startswith("zveno.db"):
                        os.unlink(os.path.join(data, name))
                for name in os.listdir(pristine):
                    shutil.copy2(os.path.join(pristine, name), data)
                last_count = len(initial)
                continue
            check(proc.returncode == -signal.SIGKILL, f"kill -9 after {moment:.2f} s (exit {proc.returncode})")
            kills += 1

            doctor = cli(data, "doctor")
            check(doctor.returncode == 0 and doctor.stdout.strip() == "ok",
                  f"kill {kills}: doctor says {doctor.stdout.strip()!r} {doctor.stderr.strip()}")
            token = cache_token(data)
            check(token is not None and re.fullmatch(r"d\.\d+", token) is not None, f"kill {kills}: a token is stored ({token})")
            ids = cache_ids(data)
            expected = initial | server_ids(db, me, members_seq, int(token[2:]))
            check(ids == expected, f"kill {kills}: the cache holds exactly what the server had up to {token} "
                                   f"({len(ids)} messages; missing {len(expected - ids)}, extra {len(ids - expected)})")
            check(len(ids) >= last_count, f"kill {kills}: nothing was lost ({last_count} -> {len(ids)})")
            last_count = len(ids)

        out = cli(data, "sync", timeout=300)
        check(out.returncode == 0 and out.stdout.startswith("Up to date"), f"a full sync after the kills: {out.stdout.strip()} {out.stderr.strip()}")
        check(cli(data, "doctor").stdout.strip() == "ok", "doctor says ok after the full sync")
        ids = cache_ids(data)
        check(ids == whole, f"every message of the server is cached ({len(ids)} of {len(whole)})")

        # Field by field: every cached message against the server's own rows (the server's times are
        # ms too), and the chats and newest messages against its API answers.
        with read_only(db) as sdb:
            server_rows = {row[0]: row[1:] for row in sdb.execute(
                "SELECT id, chat_id, sender_id, CASE WHEN deleted THEN '' ELSE text END, reply_to, created_at, "
                "edited_at, deleted FROM messages WHERE chat_id IN "
                "(SELECT chat_id FROM members WHERE user_id = ? AND left_at IS NULL)", (me,))}
        with read_only(os.path.join(data, "zveno.db")) as cdb:
            cached_rows = {row[0]: row[1:] for row in cdb.execute(
                "SELECT id, chat_id, sender_id, text, reply_to, created_at, edited_at, deleted FROM messages "
                "WHERE state = 'sent'")}
        differ = [i for i in server_rows if cached_rows.get(i) != server_rows[i]]
        check(not differ, f"all {len(server_rows)} messages equal the server's field by field"
                          + (f" (first difference: {differ[0]}: {cached_rows.get(differ[0])} vs {server_rows[differ[0]]})" if differ else ""))

        token = api(url + "/api/v1", "POST", "/auth/login", body={"login": "anna", "password": "demo", "device_name": "check"})["access_token"]
        chats = json.loads(cli(data, "chats", "--json").stdout)
        server_chats = api(url + "/api/v1", "GET", "/sync?limit=1000", token)["chats"]
        check({c["id"]: (c["type"], c["title"]) for c in chats} == {c["id"]: (c["type"], c["title"]) for c in server_chats},
              f"the same {len(server_chats)} chats, type and title")
        for chat in server_chats:
            newest = api(url + "/api/v1", "GET", f"/chats/{chat['id']}/messages?limit=50", token)["messages"]
            history = {m["id"]: m for m in json.loads(cli(data, "history", str(chat["id"]), "--limit", "50", "--json").stdout)}
            same = all(m["id"] in history and
                       history[m["id"]]["text"] == ("" if m["deleted"] else m["text"]) and
                       history[m["id"]]["sender_id"] == m["sender_id"] and
                       history[m["id"]]["created_at"] == iso_ms(m["created_at"]) and
                       history[m["id"]]["edited_at"] == iso_ms(m["edited_at"]) and
                       history[m["id"]]["deleted"] == m["deleted"] and
                       history[m["id"]]["reply_to"] == m["reply_to"]
                       for m in newest)
            check(same, f"chat {chat['id']}: the newest {len(newest)} messages equal the API's")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{checks}")


if __name__ == "__main__":
    main()
