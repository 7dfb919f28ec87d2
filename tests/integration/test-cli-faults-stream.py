#!/usr/bin/python3
"""zveno-cli against a server whose event stream stalls, and against a slow server (issue 7).

Stalled stream: zveno-server's `stall` fault (docs/api.md, testing appendix) answers the first
WebSocket handshake and then sends nothing at all, not even a pong, without closing. `follow` must
notice the silence by its keepalive (ZVENO_EVENTS_KEEPALIVE=1 s here, so two silent intervals are
2 s), reconnect from its stored seq and receive every message written meanwhile, each once. Without
the keepalive watchdog in zv-events.c it would wait on the dead stream forever and this test times
out. Slow server: every answer held back 0.7 s, and one message send answered only after the
client's HTTP timeout: the sync still completes, the send that timed out is retried with its client
id and stored once. Each part ends with the cache equal to the server's (field by field) and every
queued message on the server exactly once."""
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zvtest import CLI, Api, Server, check, cli, cli_json, done, iso_ms, seed  # noqa: E402

KEEPALIVE_S = 1


class Follow:
    """`zveno-cli follow --json` in the background; its events arrive on a queue."""

    def __init__(self, data, env):
        self.proc = subprocess.Popen([CLI, "--data-dir", data, "follow", "--json"], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=dict(os.environ, **env))
        self.events = queue.Queue()
        self.seen = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self.events.put(json.loads(line))
        self.events.put(None)

    def until(self, predicate, seconds):
        """The first event matching @predicate within @seconds, else None."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=max(0.05, deadline - time.monotonic()))
            except queue.Empty:
                break
            if event is None:
                return None
            self.seen.append(event)
            if predicate(event):
                return event
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)
        return self.proc.stderr.read()


def server_history(api, chat_id):
    # The newest 50: what the first sync of a chat caches.
    return api.call("GET", f"/chats/{chat_id}/messages?limit=50")["messages"]


def cache_equals_server(data, api, chat_id):
    """The newest messages of a chat, cache against server, field by field; returns what differs."""
    cached = {m["id"]: m for m in cli_json(data, "history", str(chat_id), "--limit", "200")}
    differ = []
    for m in server_history(api, chat_id):
        c = cached.get(m["id"])
        if c is None or c["text"] != ("" if m["deleted"] else m["text"]) or c["sender_id"] != m["sender_id"] or \
                c["created_at"] != iso_ms(m["created_at"]) or c["edited_at"] != iso_ms(m["edited_at"]) or \
                c["client_id"] != m["client_id"] or c["state"] != "sent":
            differ.append(m["id"])
    return differ


def sign_in(data, url):
    out = cli(data, "login", "--server", url, "--user", "anna", "--password-stdin", stdin="demo\n")
    check(out.returncode == 0, f"anna signs in: {out.stderr.strip()}")
    out = cli(data, "sync")
    check(out.returncode == 0, f"first sync: {out.stdout.strip()} {out.stderr.strip()}")


def part_stalled_stream(tmp, db):
    server = Server(db)
    url = server.start()
    data = os.path.join(tmp, "stall-device")
    follow = None
    try:
        sign_in(data, url)
        # A first stream stores where it stands (the seq of its ready), so the next one resumes there.
        out = cli(data, "follow", "--seconds", "2", "--json")
        check(out.returncode == 0 and '"ready"' in out.stdout, "a first follow reaches ready and stores its seq")
        server.stop()
        server.start("--fault", "GET /api/v1/events=stall*1")
        other = Api(url, "anna", "demo")     # anna's second device writes; her first one follows
        chat_id = cli_json(data, "chats")[0]["id"]
        follow = Follow(data, {"ZVENO_EVENTS_KEEPALIVE": str(KEEPALIVE_S)})
        connected = follow.until(lambda e: e["type"] == "state" and e["data"]["state"] == "connected", 15)
        check(connected is not None, "follow opens the stream (the stalled one: no ready comes)")
        started = time.monotonic()
        sent = [other.call("POST", f"/chats/{chat_id}/messages",
                           {"client_id": f"stall-{i}-{os.getpid()}", "text": f"while the stream is stalled {i}"})["id"]
                for i in range(3)]
        ready = follow.until(lambda e: e["type"] == "ready", 30)
        noticed = time.monotonic() - started
        check(ready is not None, f"the silent stream is noticed and a new one is ready ({noticed:.1f} s)")
        check(noticed >= 2 * KEEPALIVE_S - 0.5,
              f"not before two silent keepalive intervals ({noticed:.1f} s >= {2 * KEEPALIVE_S} s)")
        states = [e["data"]["state"] for e in follow.seen if e["type"] == "state"]
        check(states.count("connected") >= 2, f"follow reconnected: states {states}")
        # The stored events come before the new stream's ready (already read), or a moment later.
        def created():
            return [e["data"]["id"] for e in follow.seen if e["type"] == "message.created"]
        if not set(sent) <= set(created()):
            follow.until(lambda e: set(sent) <= set(created()), 10)
        check(set(sent) <= set(created()),
              f"the {len(sent)} messages written during the stall are replayed as events after it ({created()})")
        check(not any(e["type"] == "synced" for e in follow.seen), "from the stored seq, with no sync needed")
        # One more, live, proves the new stream carries events as they happen.
        live = other.call("POST", f"/chats/{chat_id}/messages", {"client_id": f"live-{os.getpid()}", "text": "live"})
        check(follow.until(lambda e: e["type"] == "message.created" and e["data"]["id"] == live["id"], 10)
              is not None, "a message after the reconnect arrives live")
    finally:
        if follow is not None:
            follow.stop()
    cached = cli_json(data, "history", str(chat_id), "--limit", "200")
    for message_id in sent + [live["id"]]:
        check(sum(1 for m in cached if m["id"] == message_id) == 1, f"message {message_id} is cached once")
    differ = cache_equals_server(data, other, chat_id)
    check(not differ, f"chat {chat_id}: the cache equals the server, field by field ({differ})")
    check(cli(data, "doctor").stdout.strip() == "ok", "doctor says ok")
    server.stop()


def part_slow_server(tmp, db):
    # Every answer 0.7 s late; the first message send answered after 4 s, past the 2 s timeout.
    server = Server(db, "--fault", "POST /api/v1/chats/=slow:4000*1;/api/v1/=slow:700")
    url = server.start()
    data = os.path.join(tmp, "slow-device")
    try:
        sign_in(data, url)
        api = Api(url, "anna", "demo")
        chat_id = cli_json(data, "chats")[0]["id"]
        texts = [f"over a slow server {i} {os.getpid()}" for i in range(2)]
        out = cli(data, "send", str(chat_id), texts[0], env={"ZVENO_HTTP_TIMEOUT": "2"})
        check(out.returncode == 0, f"send whose answer comes after the timeout: queued ({out.stderr.strip()!r})")
        check(cli_json(data, "status")["outbox_pending"] == 1, "it waits in the outbox")
        out = cli(data, "send", str(chat_id), texts[1], env={"ZVENO_HTTP_TIMEOUT": "10"})
        check(out.returncode == 0, "a send with every answer 0.7 s late is delivered")
        started = time.monotonic()
        out = cli(data, "sync", env={"ZVENO_HTTP_TIMEOUT": "10"})
        took = time.monotonic() - started
        check(out.returncode == 0, f"sync completes over the slow server in {took:.1f} s: {out.stdout.strip()}")
        check(took >= 0.7, "and the answers really were slow")
        check(cli_json(data, "status")["outbox_pending"] == 0, "the outbox is empty")
        on_server = [m["text"] for m in server_history(api, chat_id)]
        for text in texts:
            check(on_server.count(text) == 1, f"on the server exactly once: {text!r}")
        cached = [m["text"] for m in cli_json(data, "history", str(chat_id), "--limit", "200")]
        check(all(cached.count(text) == 1 for text in texts), "each cached once, as the server's copy")
        differ = cache_equals_server(data, api, chat_id)
        check(not differ, f"chat {chat_id}: the cache equals the server, field by field ({differ})")
        check(cli(data, "doctor").stdout.strip() == "ok", "doctor says ok")
    finally:
        server.stop()


def main():
    tmp = tempfile.mkdtemp(prefix="zveno-faults-stream-")
    try:
        db = os.path.join(tmp, "server.db")
        check(seed(db, 20, 10, 300, 1).returncode == 0, "a small company is seeded")
        part_stalled_stream(tmp, db)
        part_slow_server(tmp, db)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    done()


if __name__ == "__main__":
    main()
