#!/usr/bin/python3
"""Attachments through zveno-cli against the real zveno-server: a 5 MB file sent while the server
is down is delivered with its attachment when it is back (sha256 matches); a client killed with
SIGKILL mid-upload resumes the same upload session from the server's offset (fewer bytes re-sent
than the file holds); a blocked type or a too large file fails its message with the server's reason
and nothing else; a download resumes a partial file; expired upload sessions are cleaned up.
"""
import glob
import hashlib
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

    def start(self, faults=None):
        env = dict(os.environ)
        env.pop("ZVENO_SERVER_FAULTS", None)
        if faults:
            env["ZVENO_SERVER_FAULTS"] = faults
        self.proc = subprocess.Popen([SERVER, "--db", self.db, "--listen", f"127.0.0.1:{self.port}"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
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


def login(base):
    return api(base, None, "POST", "/auth/login", {"login": "anna", "password": "demo", "device_name": "check"})["access_token"]


def server_message(base, token, chat_id, text):
    page = api(base, token, "GET", f"/chats/{chat_id}/messages?limit=200")["messages"]
    return [m for m in page if m["text"] == text]


def write_random(path, size, seed):
    rng = random.Random(seed)
    with open(path, "wb") as f:
        f.write(rng.randbytes(size))
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    tmp = tempfile.mkdtemp(prefix="zveno-files-")
    db = os.path.join(tmp, "server.db")
    files_dir = db + ".files"
    uploads = os.path.join(files_dir, "uploads")
    data = os.path.join(tmp, "device")
    subprocess.run([SERVER, "seed", "--db", db, "--users", "12", "--chats", "6", "--messages", "200",
                    "--seed", "7"], check=True, capture_output=True, timeout=120)
    server = Server(db, free_port())
    base = server.start()
    try:
        check(cli(data, "login", "--server", base, "--user", "anna", "--password-stdin", stdin="demo\n").returncode == 0, "sign in")
        check(cli(data, "sync").returncode == 0, "initial sync")
        chats = json.loads(cli(data, "chats", "--json").stdout)
        chat_id = chats[0]["id"]
        # A chat without external members (files to externals are off by default).
        token = login(base)
        for chat in chats:
            members = api(base, token, "GET", f"/chats/{chat['id']}")["members"]
            if not any(api(base, token, "GET", f"/users/{m['id'] if isinstance(m, dict) else m}").get("external") for m in members):
                chat_id = chat["id"]
                break

        # 1. Server down: a 5 MB file is queued with its message and delivered when it is back.
        big = os.path.join(tmp, "отчёт.bin")
        big_sha = write_random(big, 5 * 1000 * 1000, 1)
        server.stop()
        out = cli(data, "send", str(chat_id), "offline with file", "--file", big)
        check(out.returncode == 0, f"send with a file while offline returns 0 ({out.stderr.strip()})")
        history = json.loads(cli(data, "history", str(chat_id), "--limit", "5", "--json").stdout)
        pending = [m for m in history if m["text"] == "offline with file"]
        check(len(pending) == 1 and pending[0]["state"] == "pending", "the chat shows it at once, pending")
        base = server.start()
        out = cli(data, "sync")
        check(out.returncode == 0, f"sync after the server is back ({out.stderr.strip()})")
        token = login(base)
        delivered = server_message(base, token, chat_id, "offline with file")
        check(len(delivered) == 1, f"delivered exactly once ({len(delivered)})")
        attachments = delivered[0]["attachments"]
        check(len(attachments) == 1 and attachments[0]["sha256"] == big_sha and attachments[0]["size"] == 5000000
              and attachments[0]["name"] == "отчёт.bin", "with its attachment, sha256 matches")
        status = json.loads(cli(data, "status", "--json").stdout)
        check(status["outbox_pending"] == 0, "the outbox is empty")
        file_id = attachments[0]["id"]

        # 2. Download, then download with resume from a partial file.
        target = os.path.join(tmp, "download.bin")
        out = cli(data, "download", str(file_id), "--output", target)
        check(out.returncode == 0 and open(target, "rb").read() == open(big, "rb").read(),
              f"download ({out.stderr.strip()})")
        with open(big, "rb") as f:
            head = f.read(1234567)
        with open(target, "wb") as f:
            f.write(head)
        out = cli(data, "download", str(file_id), "--output", target)
        check(out.returncode == 0 and "1234567" in out.stdout and open(target, "rb").read() == open(big, "rb").read(),
              f"download resumed from byte 1234567 ({out.stdout.strip()} {out.stderr.strip()})")

        # 3. kill -9 of the client mid-upload; a new run resumes the same session from the server's offset.
        server.stop()
        base = server.start(faults="PATCH /api/v1/files/uploads=slow:150")
        second = os.path.join(tmp, "second.bin")
        second_sha = write_random(second, 5 * 1000 * 1000, 2)
        before = set(glob.glob(os.path.join(uploads, "*.json")))
        proc = subprocess.Popen([CLI, "--data-dir", data, "send", str(chat_id), "killed mid-upload", "--file", second],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        part_size, session = 0, None
        deadline = time.time() + 30
        while time.time() < deadline:
            new = set(glob.glob(os.path.join(uploads, "*.json"))) - before
            if new:
                session = new.pop()
                part = session[:-5] + ".part"
                if os.path.exists(part) and os.path.getsize(part) >= 1000000:
                    break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        check(session is not None, "an upload session was created")
        upload_id = int(os.path.basename(session)[:-5])
        token = login(base)
        state = api(base, token, "GET", f"/files/uploads/{upload_id}")
        offset = state["offset"]
        check(0 < offset < 5000000 and state["file"] is None, f"the server holds part of it ({offset} bytes)")
        server.stop()
        base = server.start()
        out = cli(data, "sync")
        check(out.returncode == 0, f"sync resumes the upload ({out.stderr.strip()})")
        token = login(base)
        delivered = server_message(base, token, chat_id, "killed mid-upload")
        check(len(delivered) == 1 and delivered[0]["attachments"][0]["sha256"] == second_sha,
              "delivered once, sha256 matches")
        state = api(base, token, "GET", f"/files/uploads/{upload_id}")
        check(state["file"] is not None and state["file"]["id"] == delivered[0]["attachments"][0]["id"],
              "finished by the same session (no new upload from byte 0)")
        created = set(glob.glob(os.path.join(uploads, "*.json"))) - before
        check(created == {session}, f"no second session was opened ({len(created)})")
        resent = 5000000 - offset
        check(resent < 5000000, f"bytes re-sent after the kill: {resent} of 5000000")

        # 4. Policy: a blocked type and a too large file fail their message with the reason.
        exe = os.path.join(tmp, "setup.exe")
        write_random(exe, 1000, 3)
        out = cli(data, "send", str(chat_id), "blocked file", "--file", exe)
        check(out.returncode != 0 and "policy" in out.stderr.lower(), f"blocked type refused: {out.stderr.strip()}")
        subprocess.run([SERVER, "admin", "--db", db, "policy", "set", "max_file_size", "100000"], check=True,
                       capture_output=True, timeout=60)
        large = os.path.join(tmp, "large.pdf")
        write_random(large, 200000, 4)
        out = cli(data, "send", str(chat_id), "too large file", "--file", large)
        check(out.returncode != 0 and "larger" in out.stderr.lower(), f"too large refused: {out.stderr.strip()}")
        out = cli(data, "send", str(chat_id), "plain after refusals")
        check(out.returncode == 0, "a plain message still goes through")
        history = json.loads(cli(data, "history", str(chat_id), "--limit", "10", "--json").stdout)
        states = {m["text"]: m["state"] for m in history}
        check(states.get("blocked file") == "failed" and states.get("too large file") == "failed"
              and states.get("plain after refusals") == "sent", f"failed ones kept as failed ({states})")
        check(cli(data, "doctor").stdout.strip() == "ok", "doctor: ok")

        # 5. Sessions older than a day are removed when the server starts.
        token = login(base)
        stale = api(base, token, "POST", "/files/uploads", {"name": "stale.txt", "size": 10})["upload_id"]
        server.stop()
        meta_path = os.path.join(uploads, f"{stale}.json")
        meta = json.load(open(meta_path))
        meta["created_at"] -= 25 * 3600 * 1000
        json.dump(meta, open(meta_path, "w"))
        base = server.start()
        time.sleep(0.5)
        check(not os.path.exists(meta_path) and not os.path.exists(meta_path[:-5] + ".part"),
              "an expired upload session is cleaned up on start")
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{checks}")


if __name__ == "__main__":
    main()
