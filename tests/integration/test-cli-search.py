#!/usr/bin/python3
"""zveno-cli search --server against the real zveno-server: the cache holds each chat's recent
messages only, so a word that exists only in older history is not found locally but is found by the
merged search (marked as coming from the server, with its highlight); a word in both a cached and an
uncached message gives each message exactly once; the chat filter applies to the server too; and
with the server stopped the cached hits still come, with a note that the server part failed.
"""
import json
import os
import shutil
import tempfile
import uuid

from zvtest import Api, Server, check, cli, cli_json, done, seed


def send(api, chat_id, text):
    return api.call("POST", f"/chats/{chat_id}/messages", {"client_id": str(uuid.uuid4()), "text": text})


def ids(hits):
    return [h["message_id"] for h in hits]


def main():
    tmp = tempfile.mkdtemp(prefix="zveno-search-")
    db = os.path.join(tmp, "server.db")
    data = os.path.join(tmp, "device")
    seeded = seed(db, 25, 12, 2500, 7)
    check(seeded.returncode == 0, "the demo company is seeded")
    server = Server(db)
    url = server.start()
    try:
        anna = Api(url, "anna", "demo")
        chats = anna.call("GET", "/sync?limit=1000")["chats"]
        chat_id = chats[0]["id"]
        other_chat = chats[1]["id"]
        # Older history: words only there, then enough newer messages to push them out of the
        # cache's recent window (50 per chat).
        old = send(anna, chat_id, "Квазароиды прибыли, бронепоезд стоит на запасном пути")
        old_other = send(anna, other_chat, "Второй квазароид в другом чате")
        for i in range(70):
            send(anna, chat_id, f"Обычное сообщение номер {i}")
            send(anna, other_chat, f"Ещё одно сообщение {i}")
        recent = send(anna, chat_id, "Бронепоезд ушёл вовремя")

        login = cli(data, "login", "--server", url, "--user", "anna", "--password-stdin", stdin="demo\n")
        check(login.returncode == 0, f"anna signs in: {login.stderr.strip()}")
        out = cli(data, "sync")
        check(out.returncode == 0, f"initial sync: {out.stdout.strip()} {out.stderr.strip()}")
        cached = {m["id"] for m in cli_json(data, "history", str(chat_id), "--limit", "100000")}
        check(old["id"] not in cached and recent["id"] in cached,
              "the cache holds the recent message, not the old one")

        local = cli_json(data, "search", "квазароид")
        check(local == [], "the cache alone finds nothing for a word only in older history")
        merged = cli_json(data, "search", "квазароид", "--server")
        check(sorted(ids(merged)) == sorted([old["id"], old_other["id"]]),
              f"the merged search finds both older messages: {ids(merged)}")
        check(all(h["from_server"] for h in merged), "both are marked as coming from the server")
        hit = next(h for h in merged if h["message_id"] == old["id"])
        check(hit["chat_id"] == chat_id and hit["sender_id"] == anna.user["id"], "with chat and sender")
        check("[Квазароиды]" in hit["snippet"], f"the server's highlight becomes the same markers: {hit['snippet']}")
        text = cli(data, "search", "квазароид", "--server")
        check(text.returncode == 0 and f"#{old['id']}" in text.stdout and "[Квазароиды]" in text.stdout,
              "the text output is the usual one")

        both = cli_json(data, "search", "бронепоезд", "--server")
        check(sorted(ids(both)) == sorted([old["id"], recent["id"]]), f"a word in both: each message once {ids(both)}")
        by_id = {h["message_id"]: h for h in both}
        check(not by_id[recent["id"]]["from_server"] and by_id[old["id"]]["from_server"],
              "the cached hit comes from the cache, the older one from the server")
        check(ids(both)[0] == recent["id"], "cached hits come first")

        filtered = cli_json(data, "search", "квазароид", "--server", "--chat", str(other_chat))
        check(ids(filtered) == [old_other["id"]], "the chat filter applies to the server's part too")

        # A common word: more hits than the cache holds, so the server's pages follow; never a
        # duplicate, the cache's hits first in the cache's order.
        cached_hits = ids(cli_json(data, "search", "сообщение", "--limit", "100000"))
        limit = len(cached_hits) + 30
        common = cli_json(data, "search", "сообщение", "--server", "--limit", str(limit))
        check(len(common) == limit, f"a common word fills the limit of {limit}: {len(common)}")
        check(len(set(ids(common))) == len(common), "no message appears twice")
        local_part = [h["message_id"] for h in common if not h["from_server"]]
        check(local_part == cached_hits and all(h["from_server"] for h in common[len(local_part):]),
              f"{len(local_part)} cached hits first, then {len(common) - len(local_part)} from the server")
    finally:
        server.stop()

    try:
        down = cli(data, "search", "бронепоезд", "--server", "--json")
        check(down.returncode == 0, f"with the server down the search still succeeds: {down.stderr.strip()}")
        hits = json.loads(down.stdout)
        check(ids(hits) == [recent["id"]] and not hits[0]["from_server"], "the cached hit still comes")
        check("could not be searched" in down.stderr, f"and says the server part failed: {down.stderr.strip()}")
        local = cli_json(data, "search", "бронепоезд")
        check(ids(local) == [recent["id"]], "plain search is unchanged offline")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    done()


if __name__ == "__main__":
    main()
