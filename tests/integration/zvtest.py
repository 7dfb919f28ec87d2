"""Shared pieces of the Python integration tests: TAP checks, the real zveno-server on a loopback
port, zveno-cli runs, and a plain-HTTP second device. Loopback only; every process is stopped."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from datetime import datetime

BUILD = os.environ["ZVENO_BUILD_ROOT"]
SERVER = os.path.join(BUILD, "src", "server", "zveno-server")
CLI = os.path.join(BUILD, "src", "cli", "zveno-cli")

_checks = 0


def check(condition, what):
    """One TAP line; the first failure ends the test."""
    global _checks
    _checks += 1
    if not condition:
        print(f"not ok {_checks} - {what}", flush=True)
        sys.exit(1)
    print(f"ok {_checks} - {what}", flush=True)


def done():
    print(f"1..{_checks}")


def cli(data, *args, stdin=None, env=None, timeout=120):
    return subprocess.run([CLI, "--data-dir", data] + list(args), input=stdin, capture_output=True,
                          text=True, timeout=timeout, env=dict(os.environ, **(env or {})))


def cli_json(data, *args):
    out = cli(data, *args, "--json")
    if out.returncode != 0:
        raise SystemExit(f"zveno-cli {' '.join(args)} failed: {out.stderr}")
    return json.loads(out.stdout)


def admin(db, *args, stdin=None):
    return subprocess.run([SERVER, "admin", "--db", db] + list(args), input=stdin,
                          capture_output=True, text=True, timeout=60)


def seed(db, users, chats, messages, seed_value):
    return subprocess.run([SERVER, "seed", "--db", db, "--users", str(users), "--chats", str(chats),
                           "--messages", str(messages), "--seed", str(seed_value)],
                          capture_output=True, text=True, timeout=120)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def iso_ms(text):
    """The server's ISO 8601 times as milliseconds, the cache's unit."""
    if text is None:
        return None
    return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


class Server:
    """zveno-server on 127.0.0.1; the port stays the same across restarts (clients keep the URL)."""

    def __init__(self, db, *extra, port=None):
        self.db, self.extra, self.port, self.proc = db, list(extra), port or free_port(), None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, *extra):
        self.proc = subprocess.Popen([SERVER, "--db", self.db, "--listen", f"127.0.0.1:{self.port}"]
                                     + self.extra + list(extra),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        if not re.match(r"listening on", line):
            raise SystemExit(f"zveno-server did not start: {line!r}")
        return self.url

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)
        self.proc = None

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


class Api:
    """A second device talking plain HTTP to the same server (e.g. another user writing)."""

    def __init__(self, base, login, password):
        self.base = base.rstrip("/") + ("" if base.rstrip("/").endswith("/api/v1") else "/api/v1")
        self.token = None
        reply = self.call("POST", "/auth/login", {"login": login, "password": password, "device_name": "test"})
        self.token = reply["access_token"]
        self.user = reply["user"]

    def call(self, method, path, body=None):
        request = urllib.request.Request(self.base + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", "Bearer " + self.token)
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return json.loads(text) if text else None

    def history(self, chat_id):
        """Every message of a chat, by keyset paging."""
        messages, before = [], None
        while True:
            page = self.call("GET", f"/chats/{chat_id}/messages?limit=500" + (f"&before={before}" if before else ""))["messages"]
            messages += page
            if len(page) < 500:
                return messages
            before = min(m["id"] for m in page)


def all_files(root):
    found = []
    for dirpath, _, filenames in os.walk(root):
        found += [os.path.join(dirpath, f) for f in filenames]
    return found
