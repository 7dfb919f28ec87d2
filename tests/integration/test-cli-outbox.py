#!/usr/bin/python3
"""The outbox through zveno-cli against the real zveno-server: messages sent while the server is
down are queued (exit 0), then delivered exactly once and in order when it is back; the same when
the client is killed with SIGKILL at random moments while it delivers, and when the server is
(the client id makes the retry idempotent). The cache stays consistent (doctor) throughout.
"""
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

BUILD = os.environ["ZVENO_BUILD_ROOT"]
SERVER = os.path.join(BUILD, "src", "server", "zveno-server")
CLI = os.path.join(BUILD, "src", "cli", "zveno-cli")
checks = 0


def check(condition, what):
    global checks
    checks += 1
    if not condition:
        print(f"not ok {checks} - {what}")
        sys.exit(1)
    print(f"ok {checks} - {what}")


def cli(data, *args, stdin=None):
    return subprocess.run([CLI, "--data-dir", data] + list(args), input=stdin, capture_output=True,
                          text=True, timeout=120)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db, port):
        self.db, self.port, self.proc = db, port, None

    def start(self):
        self.proc = subprocess.Popen([SERVER, "--db", self.db, "--listen", f"127.0.0.1:{self.port}"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        if not re.match(r"listening on", line):
            raise SystemExit(f"zveno-server did not start: {line!r}")
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)
            self.proc = None


def api(base, token, method, path, body=None):
    request = urllib.request.Request(base + "/api/v1" + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def server_texts(base, chat_id, prefix):
    token = api(base, None, "POST", "/auth/login", {"login": "anna", "password": "demo", "device_name": "check"})["access_token"]
    messages, before = [], None
    while True:
        page = api(base, token, "GET", f"/chats/{chat_id}/messages?limit=500" + (f"&before={before}" if before else ""))["messages"]
        if not page:
            break
        messages += page
        before = min(m["id"] for m in page)
        if len(page) < 500:
            break
    mine = sorted((m for m in messages if m["text"].startswith(prefix)), key=lambda m: m["id"])
    return [m["text"] for m in mine]


def main():
    tmp = tempfile.mkdtemp(prefix="zveno-outbox-")
    db = os.path.join(tmp, "server.db")
    data = os.path.join(tmp, "device")
    subprocess.run([SERVER, "seed", "--db", db, "--users", "12", "--chats", "6", "--messages", "300",
                    "--seed", "5"], check=True, capture_output=True, timeout=120)
    server = Server(db, free_port())
    base = server.start()
    try:
        check(cli(data, "login", "--server", base, "--user", "anna", "--password-stdin", stdin="demo\n").returncode == 0, "sign in")
        check(cli(data, "sync").returncode == 0, "initial sync")
        chats = json.loads(cli(data, "chats", "--json").stdout)
        chat_id = chats[0]["id"]

        # 1. The server is down: 100 messages are queued, each send returns 0 at once.
        server.stop()
        for i in range(100):
            out = cli(data, "send", str(chat_id), f"offline {i:03d}")
            if out.returncode != 0:
                check(False, f"send while offline: {out.stderr.strip()}")
        check(True, "100 sends while the server is down all return 0")
        status = json.loads(cli(data, "status", "--json").stdout)
        check(status["outbox_pending"] == 100, f"the outbox holds 100 ({status['outbox_pending']})")
        pending = json.loads(cli(data, "history", str(chat_id), "--limit", "100", "--json").stdout)
        check(all(m["state"] == "pending" for m in pending) and pending[0]["text"] == "offline 099",
              "the chat shows them at once, pending, newest last")
        check(cli(data, "doctor").stdout.strip() == "ok", "doctor: ok while queued")

        base = server.start()
        out = cli(data, "sync")
        check(out.returncode == 0, f"sync after the server is back: {out.stderr.strip()}")
        texts = server_texts(base, chat_id, "offline ")
        check(texts == [f"offline {i:03d}" for i in range(100)], f"the server has each exactly once, in order ({len(texts)})")
        status = json.loads(cli(data, "status", "--json").stdout)
        check(status["outbox_pending"] == 0, "the outbox is empty")
        history = json.loads(cli(data, "history", str(chat_id), "--limit", "100", "--json").stdout)
        check(all(m["state"] == "sent" and m["id"] < 4503599627370496 for m in history),
              "the pending copies were replaced by the server's")

        # 2. Killed while delivering: SIGKILL at random moments, then a clean run.
        server.stop()
        for i in range(60):
            cli(data, "send", str(chat_id), f"killed {i:03d}")
        base = server.start()
        rng = random.Random(42)
        kills = 0
        for attempt in range(25):
            proc = subprocess.Popen([CLI, "--data-dir", data, "sync"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.005, 0.12))
            if proc.poll() is None:
                proc.kill()
                kills += 1
            proc.wait()
            if cli(data, "doctor").stdout.strip() != "ok":
                check(False, f"doctor after kill {attempt}")
            if json.loads(cli(data, "status", "--json").stdout)["outbox_pending"] == 0:
                break
        check(kills >= 1, f"the client was killed mid-delivery {kills} times; doctor said ok each time")
        check(cli(data, "sync").returncode == 0, "a final sync completes")
        texts = server_texts(base, chat_id, "killed ")
        check(texts == [f"killed {i:03d}" for i in range(60)], f"still exactly once and in order ({len(texts)})")

        # 3. The server killed (SIGKILL) while it takes the messages, then started again.
        server.stop()
        for i in range(40):
            cli(data, "send", str(chat_id), f"server-killed {i:03d}")
        server_kills = 0
        for attempt in range(6):
            base = server.start()
            proc = subprocess.Popen([CLI, "--data-dir", data, "sync"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.01, 0.08))
            if proc.poll() is None:
                server.proc.kill()
                server.proc.wait()
                server.proc = None
                server_kills += 1
            proc.wait(timeout=60)
            if server.proc is not None:
                server.stop()
        base = server.start()
        check(server_kills >= 1, f"the server was killed mid-delivery {server_kills} times")
        check(cli(data, "sync").returncode == 0, "after the server is back a sync completes")
        texts = server_texts(base, chat_id, "server-killed ")
        check(texts == [f"server-killed {i:03d}" for i in range(40)], f"each exactly once and in order ({len(texts)})")
        check(cli(data, "doctor").stdout.strip() == "ok", "doctor says ok")

        # 4. Bad input: a chat that does not exist, an empty text; nothing is queued.
        out = cli(data, "send", "999999", "hello")
        check(out.returncode != 0 and "999999" in out.stderr, f"unknown chat: {out.stderr.strip()}")
        out = cli(data, "send", str(chat_id), "   ")
        check(out.returncode != 0, f"empty text is refused: {out.stderr.strip()}")
        check(json.loads(cli(data, "status", "--json").stdout)["outbox_pending"] == 0, "nothing was queued")
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{checks}")


if __name__ == "__main__":
    main()
