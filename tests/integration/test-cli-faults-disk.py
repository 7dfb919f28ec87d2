#!/usr/bin/python3
"""Disk full while syncing (issue 7): zveno-cli sync with a file size limit (RLIMIT_FSIZE, set in the
child before exec, with SIGXFSZ ignored so a write past the limit fails with EFBIG as a full disk
fails with ENOSPC, instead of killing the process).

Before the limited sync two messages wait in the outbox and the server holds about a megabyte the
device has not seen. The limited sync must fail with one clear line in the user's language (Russian
here), leave a cache that `doctor` finds intact, and then a sync without the limit must complete:
every queued message on the server exactly once and cached once, the cache equal to the server
(chats, and the newest messages of every chat field by field, all new messages present)."""
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zvtest import BUILD, CLI, Api, Server, check, cli, cli_json, done, iso_ms, seed  # noqa: E402

NEW_MESSAGES = 400
TEXT = "Отчёт по договору и график поставок для клиента; the quarterly figures follow. " * 24   # ~2 KB


def limited_sync(data, limit):
    def limit_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    env = dict(os.environ, LANGUAGE="ru", LANG="C.UTF-8", ZVENO_LOCALEDIR=os.path.join(BUILD, "po"))
    return subprocess.run([CLI, "--data-dir", data, "sync"], capture_output=True, text=True, timeout=120,
                          preexec_fn=limit_files, env=env)


def server_chats(api):
    chats, token = {}, None
    while True:
        page = api.call("GET", "/sync?limit=1000" + (f"&since={token}" if token else ""))
        chats.update({c["id"]: c for c in page["chats"]})
        token = page["next"]
        if not page["more"]:
            return chats


def main():
    tmp = tempfile.mkdtemp(prefix="zveno-faults-disk-")
    server = None
    try:
        db = os.path.join(tmp, "server.db")
        data = os.path.join(tmp, "device")
        check(seed(db, 40, 20, 2000, 1).returncode == 0, "a company is seeded")
        server = Server(db)
        url = server.start()
        out = cli(data, "login", "--server", url, "--user", "anna", "--password-stdin", stdin="demo\n")
        check(out.returncode == 0, f"anna signs in: {out.stderr.strip()}")
        check(cli(data, "sync").returncode == 0, "first sync")
        chats = [c["id"] for c in cli_json(data, "chats")]

        # Two messages queued while the server is away.
        server.stop()
        queued = [f"queued before the disk filled {i} {os.getpid()}" for i in range(2)]
        for text in queued:
            out = cli(data, "send", str(chats[0]), text)
            check(out.returncode == 0, f"queued offline: {text!r}")
        check(cli_json(data, "status")["outbox_pending"] == 2, "two messages wait in the outbox")
        server.start()

        # About a megabyte the device has not seen, written by anna's other device.
        other = Api(url, "anna", "demo")
        written = [other.call("POST", f"/chats/{chats[i % len(chats)]}/messages",
                              {"client_id": f"bulk-{i}-{os.getpid()}", "text": f"{i} {TEXT}"})["id"]
                   for i in range(NEW_MESSAGES)]

        cache = os.path.join(data, "zveno.db")
        limit = os.path.getsize(cache) + 64 * 1024
        out = limited_sync(data, limit)
        lines = out.stderr.strip().splitlines()
        check(out.returncode != 0, f"the sync fails when files may not grow past {limit} bytes")
        check(len(lines) == 1 and lines[0].startswith("zveno-cli: "), f"with one line: {out.stderr.strip()!r}")
        check("Освободите место на диске" in lines[0], "which says, in Russian, to free disk space")
        check("disk I/O error" not in out.stderr, "and not SQLite's own words")
        doctor = cli(data, "doctor")
        check(doctor.returncode == 0 and doctor.stdout.strip() == "ok", f"doctor: the cache is intact ({doctor.stdout.strip()})")

        out = cli(data, "sync")
        check(out.returncode == 0, f"the next sync, without the limit, completes: {out.stdout.strip()} {out.stderr.strip()}")
        check(cli_json(data, "status")["outbox_pending"] == 0, "the outbox is empty")
        on_server = [m["text"] for m in other.call("GET", f"/chats/{chats[0]}/messages?limit=100")["messages"]]
        cached = [m for m in cli_json(data, "history", str(chats[0]), "--limit", "500")]
        for text in queued:
            check(on_server.count(text) == 1, f"on the server exactly once: {text!r}")
            check(sum(1 for m in cached if m["text"] == text and m["state"] == "sent") == 1 and
                  sum(1 for m in cached if m["text"] == text) == 1, f"cached once, as the server's copy: {text!r}")

        expected = server_chats(other)
        mine = {c["id"]: c for c in cli_json(data, "chats")}
        check(set(mine) == set(expected), f"the same {len(expected)} chats")
        have = set()
        for chat_id in expected:
            history = {m["id"]: m for m in cli_json(data, "history", str(chat_id), "--limit", "1000")}
            have |= set(history)
            differ = [m["id"] for m in other.call("GET", f"/chats/{chat_id}/messages?limit=50")["messages"]
                      if m["id"] not in history or
                      history[m["id"]]["text"] != ("" if m["deleted"] else m["text"]) or
                      history[m["id"]]["sender_id"] != m["sender_id"] or
                      history[m["id"]]["created_at"] != iso_ms(m["created_at"]) or
                      history[m["id"]]["edited_at"] != iso_ms(m["edited_at"]) or
                      history[m["id"]]["client_id"] != m["client_id"]]
            check(not differ, f"chat {chat_id}: the newest messages equal the server's ({differ[:5]})")
        missing = [i for i in written if i not in have]
        check(not missing, f"all {NEW_MESSAGES} messages written while away are cached ({len(missing)} missing)")
        check(cli(data, "doctor").stdout.strip() == "ok", "doctor says ok")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    done()


if __name__ == "__main__":
    main()
