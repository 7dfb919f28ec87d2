-- zv-store-schema.sql: the client's local cache (one file per signed-in account).
--
-- Ordered migrations (see zv-db.c): never edit a block that shipped; append "-- migration N+1".
-- Conventions: times are INTEGER milliseconds since the epoch (UTC); ids are the server's ids.
-- Messages not yet acknowledged by the server (the outbox) live in messages too, with
-- id = 4503599627370496 (2^52) + outbox.local_id and state 'pending' or 'failed', so the UI reads one
-- table in one order; acknowledgement replaces that row with the server's copy in one transaction.

-- migration 1
CREATE TABLE meta (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);

-- The company directory (delta-synced) and the signed-in user.
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  login         TEXT NOT NULL DEFAULT '',
  name          TEXT NOT NULL DEFAULT '',
  title         TEXT NOT NULL DEFAULT '',
  department    TEXT NOT NULL DEFAULT '',
  email         TEXT NOT NULL DEFAULT '',
  extension     TEXT NOT NULL DEFAULT '',
  mobile        TEXT NOT NULL DEFAULT '',
  company_phone TEXT NOT NULL DEFAULT '',
  external      INTEGER NOT NULL DEFAULT 0,
  presence      TEXT NOT NULL DEFAULT 'offline',
  sort_name     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX users_sort_idx ON users (sort_name, id);

-- last_activity orders the chat list; unread is kept up to date by the writer.
CREATE TABLE chats (
  id              INTEGER PRIMARY KEY,
  type            TEXT NOT NULL,
  title           TEXT NOT NULL DEFAULT '',
  limited         INTEGER NOT NULL DEFAULT 0,
  last_message_id INTEGER,
  last_activity   INTEGER NOT NULL DEFAULT 0,
  read_up_to      INTEGER NOT NULL DEFAULT 0,
  unread          INTEGER NOT NULL DEFAULT 0,
  oldest_cached   INTEGER,
  history_complete INTEGER NOT NULL DEFAULT 0,
  draft           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX chats_activity_idx ON chats (last_activity DESC, id DESC);

CREATE TABLE members (
  chat_id INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL,
  PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;

-- state: 'sent' (the server's copy), 'pending' or 'failed' (outbox rows, see above).
-- attachments and reactions are the server's JSON arrays, kept as text.
CREATE TABLE messages (
  id          INTEGER PRIMARY KEY,
  chat_id     INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  sender_id   INTEGER NOT NULL,
  client_id   TEXT,
  text        TEXT NOT NULL DEFAULT '',
  reply_to    INTEGER,
  created_at  INTEGER NOT NULL,
  edited_at   INTEGER,
  deleted     INTEGER NOT NULL DEFAULT 0,
  state       TEXT NOT NULL DEFAULT 'sent' CHECK (state IN ('sent', 'pending', 'failed')),
  attachments TEXT NOT NULL DEFAULT '[]',
  reactions   TEXT NOT NULL DEFAULT '[]'
);
-- Keyset paging of one chat in display order (TOOLING.md: 0.1 ms a page at 50k messages).
CREATE INDEX messages_chat_idx ON messages (chat_id, id);
CREATE UNIQUE INDEX messages_client_idx ON messages (client_id) WHERE client_id IS NOT NULL;

-- The outbox: what the user sent and the server has not acknowledged, in order per chat.
CREATE TABLE outbox (
  local_id        INTEGER PRIMARY KEY AUTOINCREMENT,
  client_id       TEXT NOT NULL UNIQUE,
  chat_id         INTEGER NOT NULL,
  text            TEXT NOT NULL,
  reply_to        INTEGER,
  attachments     TEXT NOT NULL DEFAULT '[]',
  created_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_chat_idx ON outbox (chat_id, local_id);

-- Full-text index: text plus the chat and the sender as tokens "c<ID>" / "u<ID>", so filters run
-- inside the index ("(query) AND chat:c12") instead of joining after MATCH (TOOLING.md: 0.9 s vs 45 ms).
CREATE VIEW messages_fts_content AS
  SELECT id, text, 'c' || chat_id AS chat, 'u' || sender_id AS sender FROM messages;

CREATE VIRTUAL TABLE messages_fts USING fts5 (
  text, chat, sender,
  content = 'messages_fts_content',
  content_rowid = 'id',
  tokenize = 'zveno'
);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts (rowid, text, chat, sender)
    VALUES (new.id, new.text, 'c' || new.chat_id, 'u' || new.sender_id);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF text, chat_id, sender_id ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, text, chat, sender)
    VALUES ('delete', old.id, old.text, 'c' || old.chat_id, 'u' || old.sender_id);
  INSERT INTO messages_fts (rowid, text, chat, sender)
    VALUES (new.id, new.text, 'c' || new.chat_id, 'u' || new.sender_id);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, text, chat, sender)
    VALUES ('delete', old.id, old.text, 'c' || old.chat_id, 'u' || old.sender_id);
END;

-- migration 2
-- The user's own chat settings (muted: no notifications; pinned: heads the list) and whether any
-- member is an external account, all as the server reports them in the chat object. The list orders
-- pinned chats first, then by activity.
ALTER TABLE chats ADD COLUMN muted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN external INTEGER NOT NULL DEFAULT 0;
CREATE INDEX chats_pinned_activity_idx ON chats (pinned DESC, last_activity DESC, id DESC);

-- migration 3
-- Client ids are unique per sender (as on the server), not across senders: two people's devices
-- may pick the same id, and a server may send both messages.
DROP INDEX messages_client_idx;
CREATE UNIQUE INDEX messages_client_idx ON messages (sender_id, client_id) WHERE client_id IS NOT NULL;

-- migration 4
-- Every other member's read marker per chat (the user's own stays in chats.read_up_to), from the
-- sync's read_markers and the read_marker event: one's own message shows "read" once any other
-- member's marker is at or past it. A cache synced before this migration learns each marker when
-- it next moves.
CREATE TABLE read_markers (
  chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  user_id    INTEGER NOT NULL,
  message_id INTEGER NOT NULL,
  PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;

-- migration 5
-- The call history (ZvCallHistory): the server's records (GET /calls, call.updated) and the calls
-- made or taken on this computer that the server has not acknowledged yet (reported = 0, ids from
-- 2^52 up as for outbox messages); the server's copy replaces such a row by sip_call_id. Times in
-- ms; duration in seconds from the answer. Missed calls newer than meta "calls_seen_at" count as new.
CREATE TABLE calls (
  id          INTEGER PRIMARY KEY,
  sip_call_id TEXT NOT NULL UNIQUE,
  direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  peer_number TEXT NOT NULL DEFAULT '',
  peer_name   TEXT NOT NULL DEFAULT '',
  caller_id   TEXT NOT NULL DEFAULT '',
  status      TEXT NOT NULL CHECK (status IN ('answered', 'missed', 'rejected', 'busy', 'failed')),
  started_at  INTEGER NOT NULL,
  answered_at INTEGER,
  ended_at    INTEGER,
  duration    INTEGER NOT NULL DEFAULT 0,
  outcome     TEXT NOT NULL DEFAULT '',
  notes       TEXT NOT NULL DEFAULT '',
  reported    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX calls_started_idx ON calls (started_at DESC, id DESC);

-- migration 6
-- Migration 3 moved the client-id index to (sender_id, client_id), so the lookups by client id alone
-- (the sync dropping the pending copy of each of one's own acknowledged messages, the outbox marking
-- or updating its copy) became a scan of the whole index: once per own message, a 100,000-message
-- sync went from about 23,000 to about 5,000 messages per CPU-second. This index serves them again.
CREATE INDEX messages_client_id_idx ON messages (client_id) WHERE client_id IS NOT NULL;
-- Whether someone else has read a message (ZvMessage:read, ZV_MESSAGE_SELECT) asks for a marker at
-- or past it: by (chat, message) that is a search, not a walk through every member's marker of the
-- chat for every row of the page (a chat of 1,000 members has 1,000 markers).
CREATE INDEX read_markers_message_idx ON read_markers (chat_id, message_id);
