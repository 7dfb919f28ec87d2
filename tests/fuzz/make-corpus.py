#!/usr/bin/env python3
"""Regenerates the seed corpora of tests/fuzz from a real zveno-server: seeds a small company,
starts the server on loopback, acts as two people (send, edit, react, read, create a chat, search)
and keeps what went over the wire: the server's answers (fuzz-json, fuzz-sync-page), the stored
events as the WebSocket sends them, after the sync page a client would hold (fuzz-events), and the
requests (fuzz-server). The profile, search, phone-number and SDP seeds are hand-written files and
are left alone.

    ZVENO_BUILD_ROOT=build /usr/bin/python3 tests/fuzz/make-corpus.py
"""
import hashlib
import json
import os
import sqlite3
import sys
import tempfile
import urllib.error

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import zvtest  # noqa: E402

CORPUS = os.path.join(HERE, "corpus")
MAX_BYTES = 6000   # libFuzzer mutates small inputs much faster; trim long pages


def save(target, data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_BYTES:
        return
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    name = "real-" + hashlib.sha1(data).hexdigest()[:12]
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


class Recorder(zvtest.Api):
    """An Api that keeps every request and answer."""

    def call(self, method, path, body=None):
        try:
            reply = super().call(method, path, body)
        except urllib.error.HTTPError as e:
            print(f"{method} {path}: HTTP {e.code} {e.read()[:200]!r}", file=sys.stderr)
            reply = None
        request = f"{method} /api/v1{path}\n" + (json.dumps(body, ensure_ascii=False) if body is not None else "")
        if "/auth/login" not in path:          # no passwords in the repository
            save("server", request)
        if reply is not None:
            kept = dict(reply) if isinstance(reply, dict) else reply
            for secret in ("access_token", "refresh_token"):   # the format, not a live token
                if isinstance(kept, dict) and secret in kept:
                    kept[secret] = secret[:3] + "_" + "x" * 43
            save("json", json.dumps(kept, ensure_ascii=False))
        return reply


def main():
    for target in ("json", "sync-page", "events", "server"):
        d = os.path.join(CORPUS, target)
        os.makedirs(d, exist_ok=True)
        for name in os.listdir(d):
            if name.startswith("real-"):
                os.remove(os.path.join(d, name))

    tmp = tempfile.mkdtemp(prefix="zveno-corpus-")
    db = os.path.join(tmp, "server.db")
    r = zvtest.seed(db, 8, 6, 120, 7)
    if r.returncode != 0:
        raise SystemExit(r.stderr)
    server = zvtest.Server(db, "--echo-delay", "1")
    url = server.start()
    try:
        anna = Recorder(url, "anna", "demo")
        boris_login = None
        for u in anna.call("GET", "/directory?limit=50")["entries"]:
            if u["id"] != anna.user["id"] and not u.get("external") and not u.get("bot"):
                boris_login = u["login"]
                break
        boris = Recorder(url, boris_login, "demo")
        for path in ("/me", "/policy", "/telephony", "/directory?limit=3", "/calls"):
            anna.call("GET", path)

        # A first sync in small pages: the pages a client applies.
        pages, since = [], None
        for _ in range(12):
            page = anna.call("GET", "/sync?limit=1&history=2" + (f"&since={since}" if since else ""))
            pages.append(page)
            save("sync-page", json.dumps(page, ensure_ascii=False))
            since = page["next"]
            if not page.get("more"):
                break
        first = json.dumps(pages[0], ensure_ascii=False)

        chat = pages[0]["chats"][0]["id"]
        common = [c["id"] for c in pages[0]["chats"]]
        sent = anna.call("POST", f"/chats/{chat}/messages", {"client_id": "fuzz-1", "text": "Договор подписан, счёт завтра"})
        anna.call("POST", f"/chats/{chat}/messages", {"client_id": "fuzz-1", "text": "Договор подписан, счёт завтра"})
        anna.call("POST", f"/chats/{chat}/messages", {"client_id": "fuzz-2", "text": "Reply", "reply_to": sent["id"]})
        anna.call("PATCH", f"/chats/{chat}/messages/{sent['id']}", {"text": "Договор подписан ✅"})
        anna.call("POST", f"/chats/{chat}/messages/{sent['id']}/reactions", {"emoji": "👍"})
        anna.call("DELETE", f"/chats/{chat}/messages/{sent['id']}/reactions?emoji=%F0%9F%91%8D")
        anna.call("POST", f"/chats/{chat}/read", {"message_id": sent["id"]})
        anna.call("POST", f"/chats/{chat}/typing", {})
        anna.call("GET", f"/chats/{chat}")
        anna.call("GET", f"/chats/{chat}/messages?limit=3")
        anna.call("GET", "/search?q=%D0%B4%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80&limit=3")
        anna.call("GET", "/search?q=con&prefix=1&limit=2")
        created = anna.call("POST", "/chats", {"type": "group", "title": "Закупки Q4", "members": [boris.user["id"]]})
        anna.call("PATCH", f"/chats/{created['id']}", {"title": "Закупки Q1"})
        boris.call("POST", f"/chats/{created['id']}/messages", {"client_id": "b-1", "text": "Привет! Smeta attached"})
        gone = anna.call("POST", f"/chats/{chat}/messages", {"client_id": "fuzz-3", "text": "удалю"})
        anna.call("DELETE", f"/chats/{chat}/messages/{gone['id']}")
        anna.call("DELETE", f"/chats/{created['id']}/members/{boris.user['id']}")

        # Incremental sync after the changes.
        page = anna.call("GET", f"/sync?since={since}")
        save("sync-page", json.dumps(page, ensure_ascii=False))

        # Stored events, as frames: {"seq", "type", "data", "prev"}; after the first page they apply.
        con = sqlite3.connect(db)
        rows = con.execute("SELECT seq, type, data FROM events WHERE user_id = ? ORDER BY seq",
                           (anna.user["id"],)).fetchall()
        frames, prev = [], 0
        for seq, etype, data in rows:
            frames.append(json.dumps({"seq": seq, "type": etype, "data": json.loads(data), "prev": prev},
                                     ensure_ascii=False))
            prev = seq
        for frame in frames:
            save("events", first + "\n" + frame)
        for i in range(0, len(frames), 4):
            save("events", first + "\n" + "\n".join(frames[i:i + 4]))
        save("events", "\n".join(frames[:6]))   # no sync first: every event is a gap
        save("events", json.dumps({"seq": 0, "type": "presence", "data": {"user_id": boris.user["id"], "presence": "online"}}))
        save("events", json.dumps({"seq": 0, "type": "typing", "data": {"chat_id": chat, "user_id": boris.user["id"]}}))
        save("events", json.dumps({"seq": frames and rows[-1][0] + 1 or 1, "type": "ready", "data": {}}))
        print(f"corpus written from {len(rows)} events, chats {common}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
