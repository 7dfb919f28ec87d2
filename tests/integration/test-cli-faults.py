#!/usr/bin/python3
"""zveno-cli against a zveno-server that misbehaves on purpose (its --fault option, see
src/server/zv-server-faults.c and docs/api.md "Testing appendix"): malformed, truncated, oversized,
failing, dropped and slow answers on /sync, /directory and message sends.

Each time: no crash, no hang beyond the HTTP timeout, a clear one-line error (sync) or a queued
message (send exits 0 once queued), `doctor` stays ok, and nothing is half-written: the sync token, the
directory cursor and the cached messages are what they were. Once the faults are gone, a sync
succeeds, every queued message is delivered exactly once, and the cache equals the server.

ZVENO_HTTP_TIMEOUT is set to 5 s for the slow cases; until zv-api.c reads it the client's default
(30 s) applies, so the slow answers are held 40 s, longer than either.
"""
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

BUILD = os.environ["ZVENO_BUILD_ROOT"]
SERVER = os.path.join(BUILD, "src", "server", "zveno-server")
CLI = os.path.join(BUILD, "src", "cli", "zveno-cli")
HTTP_TIMEOUT = 30          # the client's default (zv-api.c DEFAULT_TIMEOUT_S)
SLOW_MS = 40000
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
    env = dict(os.environ, ZVENO_HTTP_TIMEOUT="5")
    started = time.monotonic()
    out = subprocess.run([CLI, "--data-dir", data] + list(args), input=stdin, capture_output=True,
                         text=True, timeout=timeout, env=env)
    out.elapsed = time.monotonic() - started
    return out


def cli_json(data, *args):
    out = cli(data, *args, "--json")
    if out.returncode != 0:
        raise SystemExit(f"zveno-cli {args} failed: {out.stderr}")
    return json.loads(out.stdout)


class Server:
    def __init__(self, db):
        self.db = db
        self.proc = None
        self.url = None
        self.port = "0"

    def start(self, fault=None):
        self.stop()
        args = [SERVER, "--db", self.db, "--listen", f"127.0.0.1:{self.port}"]
        if fault:
            args += ["--fault", fault]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        match = re.match(r"listening on (\S+)", line)
        if not match:
            raise SystemExit(f"zveno-server did not start: {line!r}")
        self.url = match.group(1)
        # The device knows the server by its URL: keep the same port across restarts.
        self.port = re.search(r":(\d+)$", self.url.rstrip("/")).group(1)

    def stop(self):
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)
            self.proc.stdout.close()
            self.proc = None


class Api:
    def __init__(self, base, login, password):
        self.base = base
        reply = self.call("POST", "/auth/login", {"login": login, "password": password, "device_name": "test"})
        self.token = reply["access_token"]
        self.user = reply["user"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if getattr(self, "token", None):
            request.add_header("Authorization", "Bearer " + self.token)
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return json.loads(text) if text else None


def iso_ms(text):
    if text is None:
        return None
    from datetime import datetime
    return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def snapshot(data):
    """What must not change when an answer is refused: tokens, messages, contacts, the outbox."""
    with sqlite3.connect(f"file:{os.path.join(data, 'zveno.db')}?mode=ro", uri=True, timeout=30) as db:
        meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('sync_token', 'directory_cursor')"))
        messages = db.execute("SELECT count(*), total(id), max(id) FROM messages WHERE state = 'sent'").fetchone()
        users = db.execute("SELECT count(*), total(id) FROM users").fetchone()
        outbox = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    return {"meta": meta, "messages": messages, "users": users, "outbox": outbox}


def one_line_error(out):
    lines = out.stderr.strip().splitlines()
    return (len(lines) == 1 and lines[0].startswith("zveno-cli: ") and len(lines[0]) > len("zveno-cli: ") + 5
            and not re.search(r"CRITICAL|WARNING|assert|Segmentation", out.stderr))


def compare(data, anna):
    server_chats = {}
    token = None
    while True:
        page = anna.call("GET", "/sync?limit=1000" + (f"&since={token}" if token else ""))
        for chat in page["chats"]:
            server_chats[chat["id"]] = chat
        token = page["next"]
        if not page["more"]:
            break
    cached = {c["id"]: c for c in cli_json(data, "chats")}
    check(set(cached) == set(server_chats), f"the same {len(server_chats)} chats")
    for chat_id, chat in server_chats.items():
        server_messages = anna.call("GET", f"/chats/{chat_id}/messages?limit=50")["messages"]
        history = {m["id"]: m for m in cli_json(data, "history", str(chat_id), "--limit", "50")}
        same = cached[chat_id]["title"] == chat["title"] and all(
            m["id"] in history and
            history[m["id"]]["text"] == ("" if m["deleted"] else m["text"]) and
            history[m["id"]]["sender_id"] == m["sender_id"] and
            history[m["id"]]["created_at"] == iso_ms(m["created_at"]) and
            history[m["id"]]["edited_at"] == iso_ms(m["edited_at"]) and
            history[m["id"]]["deleted"] == m["deleted"] and
            history[m["id"]]["reply_to"] == m["reply_to"] and
            history[m["id"]]["client_id"] == m["client_id"]
            for m in server_messages)
        check(same, f"chat {chat_id}: title and the newest {len(server_messages)} messages field by field")
    directory = anna.call("GET", "/directory?limit=1000")["entries"]
    check(cli_json(data, "status")["contacts"] == len(directory), f"the directory: {len(directory)} contacts")


def main():
    tmp = tempfile.mkdtemp(prefix="zveno-faults-")
    db = os.path.join(tmp, "server.db")
    data = os.path.join(tmp, "device")
    seeded = subprocess.run([SERVER, "seed", "--db", db, "--users", "25", "--chats", "12",
                             "--messages", "3000", "--seed", "5"], capture_output=True, text=True, timeout=120)
    check(seeded.returncode == 0, "the demo company is seeded")
    server = Server(db)
    server.start()
    try:
        login = cli(data, "login", "--server", server.url, "--user", "anna", "--password-stdin", stdin="demo\n")
        check(login.returncode == 0, f"anna signs in: {login.stderr.strip()}")
        out = cli(data, "sync")
        check(out.returncode == 0, f"initial sync: {out.stdout.strip()} {out.stderr.strip()}")

        # Someone writes to anna and the directory changes, so the next sync and directory pages carry
        # news that a refused answer must not half-apply.
        anna = Api(server.url + "/api/v1", "anna", "demo")
        chats = anna.call("GET", "/sync?limit=1000")["chats"]
        chat = next(c for c in chats if len(c["members"]) > 1)
        other_id = next(m for m in chat["members"] if m != anna.user["id"])
        directory = anna.call("GET", "/directory?limit=1000")["entries"]
        other = Api(server.url + "/api/v1", next(e["login"] for e in directory if e["id"] == other_id), "demo")
        for i in range(3):
            other.call("POST", f"/chats/{chat['id']}/messages", {"client_id": str(uuid.uuid4()), "text": f"новости {i}"})
        try:
            other.call("PATCH", "/me", {"title": "Главный по сбоям"})
        except urllib.error.HTTPError:
            pass   # the directory may not change this way; the pages are refused all the same

        before = snapshot(data)
        check(before["meta"].get("sync_token") and before["messages"][0] > 0, f"the cache holds a token: {before['meta']}")

        sync_faults = [
            ("/api/v1/sync=malformed", "not JSON"),
            ("/api/v1/sync=truncated", "cut in half"),
            ("/api/v1/sync=oversized:40000000", "40 MB"),
            ("/api/v1/sync=status:500", "HTTP 500"),
            ("/api/v1/sync=status:503", "HTTP 503 with Retry-After"),
            ("/api/v1/sync=drop", "connection dropped"),
            ("/api/v1/sync=slow:%d" % SLOW_MS, "held 40 s"),
        ]
        for spec, what in sync_faults:
            server.start(spec)
            out = cli(data, "sync", timeout=HTTP_TIMEOUT + 60)
            bound = HTTP_TIMEOUT + 15
            check(out.returncode > 0 and out.elapsed < bound,
                  f"/sync {what}: sync fails (exit {out.returncode}) in {out.elapsed:.1f} s (< {bound} s)")
            check(one_line_error(out), f"/sync {what}: one clear line: {out.stderr.strip()!r}")
            doctor = cli(data, "doctor")
            check(doctor.returncode == 0 and doctor.stdout.strip() == "ok", f"/sync {what}: doctor says ok")
            check(snapshot(data) == before, f"/sync {what}: token, messages and directory unchanged")

        # A slow answer within the timeout is just slow.
        server.start("/api/v1/sync=slow:1500*1")
        out = cli(data, "sync", timeout=HTTP_TIMEOUT + 60)
        check(out.returncode == 0 and out.elapsed >= 1.4, f"/sync held 1.5 s: sync succeeds in {out.elapsed:.1f} s")
        after_sync = snapshot(data)
        check(after_sync["meta"]["sync_token"] != before["meta"]["sync_token"] and
              after_sync["messages"][0] == before["messages"][0] + 3, "the news arrived: 3 new messages, a new token")

        # One failure is not fatal: the client retries the same page with backoff.
        for kind in ("drop", "status:503", "malformed"):
            server.start(f"/api/v1/sync={kind}*1")
            out = cli(data, "sync", timeout=HTTP_TIMEOUT + 60)
            check(out.returncode == 0, f"/sync {kind} once: the retry succeeds: {out.stderr.strip()!r}")
            check(cli(data, "doctor").stdout.strip() == "ok", f"/sync {kind} once: doctor says ok")

        # The directory after a good /sync: only the directory stays as it was.
        for kind in ("malformed", "truncated", "oversized:40000000", "drop"):
            server.start(f"/api/v1/directory={kind}")
            before_dir = snapshot(data)
            out = cli(data, "sync", timeout=HTTP_TIMEOUT + 60)
            check(out.returncode > 0 and one_line_error(out), f"/directory {kind}: a clear error: {out.stderr.strip()!r}")
            check(cli(data, "doctor").stdout.strip() == "ok", f"/directory {kind}: doctor says ok")
            now = snapshot(data)
            check(now["meta"].get("directory_cursor") == before_dir["meta"].get("directory_cursor") and
                  now["users"] == before_dir["users"], f"/directory {kind}: the cursor and the contacts unchanged")

        # Sends: the message is queued (exit 0), delivery fails, nothing is lost or doubled.
        send_faults = ["malformed", "truncated", "oversized:40000000", "status:503", "drop", "slow:%d" % SLOW_MS]
        texts = []
        for n, kind in enumerate(send_faults):
            server.start(f"POST /api/v1/chats={kind}")
            text = f"сообщение при сбое {kind.split(':')[0]} {uuid.uuid4().hex[:8]}"
            texts.append(text)
            out = cli(data, "send", str(chat["id"]), text, timeout=HTTP_TIMEOUT * (n + 1) + 60)
            check(out.returncode == 0 and "Queued" in out.stderr and len(out.stderr.strip().splitlines()) == 1,
                  f"send, answer {kind}: queued, exit 0, one line: {out.stderr.strip()!r}")
            status = cli_json(data, "status")
            check(status["outbox_pending"] == n + 1, f"send, answer {kind}: {status['outbox_pending']} waiting in the outbox")
            check(cli(data, "doctor").stdout.strip() == "ok", f"send, answer {kind}: doctor says ok")

        server.start()
        out = cli(data, "sync", timeout=120)
        check(out.returncode == 0, f"without faults the sync succeeds: {out.stdout.strip()} {out.stderr.strip()}")
        check(cli_json(data, "status")["outbox_pending"] == 0, "the outbox is empty")
        on_server = [m["text"] for m in other.call("GET", f"/chats/{chat['id']}/messages?limit=100")["messages"]]
        for text in texts:
            check(on_server.count(text) == 1, f"delivered exactly once: {text}")
        cached = [m["text"] for m in cli_json(data, "history", str(chat["id"]), "--limit", "100")]
        check(all(cached.count(text) == 1 for text in texts), "each is cached once, as the server's copy")
        check(cli(data, "doctor").stdout.strip() == "ok", "doctor says ok")
        compare(data, anna)
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{checks}")


if __name__ == "__main__":
    main()
