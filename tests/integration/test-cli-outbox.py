#!/usr/bin/python3
"""The outbox through zveno-cli against the real zveno-server: messages sent while the server is
down are queued (exit 0), then delivered exactly once and in order when it is back; the same when
the client is killed with SIGKILL at random moments while it delivers, and when the server is
(the client id makes the retry idempotent). The cache stays consistent (doctor) throughout.
"""
import json
import os
import random
import shutil
import subprocess
import tempfile
import time

from zvtest import CLI, Api, Server, check, cli, done, seed


def server_texts(base, chat_id, prefix):
    """The chat's messages on the server whose text starts with @prefix, in id order."""
    anna = Api(base, "anna", "demo")
    mine = sorted((m for m in anna.history(chat_id) if m["text"].startswith(prefix)), key=lambda m: m["id"])
    return [m["text"] for m in mine]


def main():
    tmp = tempfile.mkdtemp(prefix="zveno-outbox-")
    db = os.path.join(tmp, "server.db")
    data = os.path.join(tmp, "device")
    check(seed(db, 12, 6, 300, 5).returncode == 0, "the demo company is seeded")
    server = Server(db)
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
                server.kill()
                server_kills += 1
            proc.wait(timeout=60)
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
    done()


if __name__ == "__main__":
    main()
