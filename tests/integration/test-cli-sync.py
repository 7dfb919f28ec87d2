#!/usr/bin/python3
"""zveno-cli sync against the real zveno-server: after a sync the cache equals what the server holds
for the user, field by field (chats, their members, the recent messages, the directory); edits,
deletions and new messages made by someone else arrive with the next incremental sync; a second
sync with nothing new changes nothing; and search finds Russian words by other forms.
"""
import os
import shutil
import tempfile
import uuid

from zvtest import Api, Server, check, cli, cli_json, done, iso_ms, seed


def compare(data, anna):
    """The cache (through zveno-cli) against the server's own answers for the same user."""
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
        mine = cached[chat_id]
        check(mine["type"] == chat["type"] and mine["title"] == chat["title"],
              f"chat {chat_id}: type and title")
        server_messages = anna.call("GET", f"/chats/{chat_id}/messages?limit=50")["messages"]
        history = cli_json(data, "history", str(chat_id), "--limit", "50")
        by_id = {m["id"]: m for m in history}
        for message in server_messages:
            cached_message = by_id.get(message["id"])
            check(cached_message is not None, f"message {message['id']} is cached")
            expected_text = "" if message["deleted"] else message["text"]
            same = (cached_message["text"] == expected_text and
                    cached_message["sender_id"] == message["sender_id"] and
                    cached_message["created_at"] == iso_ms(message["created_at"]) and
                    cached_message["edited_at"] == iso_ms(message["edited_at"]) and
                    cached_message["deleted"] == message["deleted"] and
                    cached_message["reply_to"] == message["reply_to"] and
                    cached_message["client_id"] == message["client_id"])
            check(same, f"message {message['id']} field by field")
    return server_chats


def main():
    tmp = tempfile.mkdtemp(prefix="zveno-sync-")
    db = os.path.join(tmp, "server.db")
    data = os.path.join(tmp, "device")
    check(seed(db, 25, 12, 2500, 11).returncode == 0, "the demo company is seeded")
    server = Server(db)
    url = server.start()
    try:
        login = cli(data, "login", "--server", url, "--user", "anna", "--password-stdin", stdin="demo\n")
        check(login.returncode == 0, f"anna signs in: {login.stderr.strip()}")
        out = cli(data, "sync")
        check(out.returncode == 0 and out.stdout.startswith("Up to date"), f"initial sync: {out.stdout.strip()} {out.stderr.strip()}")

        anna = Api(url + "/api/v1", "anna", "demo")
        chats = compare(data, anna)

        directory = anna.call("GET", "/directory?limit=1000")["entries"]
        status = cli_json(data, "status")
        check(status["contacts"] == len(directory), f"the directory: {status['contacts']} contacts")

        # Someone else writes, edits and deletes in a chat anna is in.
        chat_id, chat = next((i, c) for i, c in chats.items() if len(c["members"]) > 1)
        other_id = next(m for m in chat["members"] if m != anna.user["id"])
        other_login = next(e["login"] for e in directory if e["id"] == other_id)
        other = Api(url + "/api/v1", other_login, "demo")
        sent = other.call("POST", f"/chats/{chat_id}/messages", {"client_id": str(uuid.uuid4()), "text": "Новые договоры на подпись"})
        victim = other.call("POST", f"/chats/{chat_id}/messages", {"client_id": str(uuid.uuid4()), "text": "это сообщение будет удалено"})
        out = cli(data, "sync")
        history = {m["id"]: m for m in cli_json(data, "history", str(chat_id), "--limit", "10")}
        check(out.returncode == 0 and sent["id"] in history and victim["id"] in history,
              "new messages arrive with an incremental sync")
        check(history[victim["id"]]["text"] == "это сообщение будет удалено" and not history[sent["id"]]["edited_at"],
              "as they were sent")
        other.call("PATCH", f"/chats/{chat_id}/messages/{sent['id']}", {"text": "Новые договоры на подпись (исправлено)"})
        other.call("DELETE", f"/chats/{chat_id}/messages/{victim['id']}")

        out = cli(data, "sync")
        check(out.returncode == 0, f"incremental sync: {out.stdout.strip()}")
        history = {m["id"]: m for m in cli_json(data, "history", str(chat_id), "--limit", "10")}
        check(history[sent["id"]]["text"].endswith("(исправлено)") and history[sent["id"]]["edited_at"],
              "the edit arrived")
        check(history[victim["id"]]["deleted"] and history[victim["id"]]["text"] == "", "the deletion arrived, text gone")
        compare(data, anna)

        before = cli_json(data, "status")
        out = cli(data, "sync")
        check(out.returncode == 0 and cli_json(data, "status") == before, "a sync with nothing new changes nothing")

        for form in ("договор", "договора", "договоров", "Договоры"):
            hits = cli_json(data, "search", form, "--chat", str(chat_id), "--limit", "200")
            check(any(h["message_id"] == sent["id"] for h in hits), f"search “{form}” finds the edited message")
        hits = cli_json(data, "search", "удалено")
        check(all(h["message_id"] != victim["id"] for h in hits), "a deleted message is not found")
        # Older history on demand: a chat whose initial sync was limited gets all of it.
        limited = [c for c in cli_json(data, "chats") if c["limited"]]
        check(len(limited) > 0, f"the initial sync left {len(limited)} chats limited to recent history")
        chat_id = limited[0]["id"]
        server_all = anna.history(chat_id)
        out = cli(data, "backfill", str(chat_id))
        check(out.returncode == 0, f"backfill: {out.stdout.strip()} {out.stderr.strip()}")
        cached_all = {m["id"]: m for m in cli_json(data, "history", str(chat_id), "--limit", "100000")}
        check(set(cached_all) == {m["id"] for m in server_all},
              f"after backfill the chat holds all {len(server_all)} messages the server has")
        check(all(cached_all[m["id"]]["text"] == ("" if m["deleted"] else m["text"]) and
                  cached_all[m["id"]]["created_at"] == iso_ms(m["created_at"]) for m in server_all),
              "the backfilled messages equal the server's, field by field")
        check(cli(data, "doctor").stdout.strip() == "ok", "doctor says ok after the backfill")
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    done()


if __name__ == "__main__":
    main()
