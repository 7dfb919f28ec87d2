-- zv-server-schema.sql: the whole zveno-server database, as ordered migrations.
--
-- ZvServerDb applies every "-- migration N" block whose N is above PRAGMA user_version, each in one
-- transaction, then sets user_version to N. Never edit a block that has shipped: append a new one.
-- Other writers (zveno-server seed, the admin CLI) insert into these tables directly; the comments
-- below are the contract they follow.
--
-- Conventions:
--  * Times are INTEGER milliseconds since the Unix epoch, UTC.
--  * Ids are INTEGER PRIMARY KEY and grow with time, so a date range can be turned into an id range
--    (messages are searched and paged by id, never by created_at).
--  * "seq" columns hold the value of the change counter (meta 'change_seq') at the row's last change;
--    /sync and the directory delta return rows whose seq is above the client's token. Bulk loaders
--    may leave seq at 0 (seen only by an initial sync) or set it to anything; the server raises
--    'change_seq' above every seq it finds when it starts.
--  * The FTS index over messages is kept by triggers: insert into messages and it is indexed.
--    The connection must have the "zveno" tokenizer registered (zv_search_register_tokenizer).
--    A bulk loader may instead drop nothing and run INSERT INTO messages_fts(messages_fts)
--    VALUES ('rebuild') afterwards; both give the same index.

-- migration 1
CREATE TABLE meta (
  key   TEXT PRIMARY KEY NOT NULL,
  value INTEGER NOT NULL
);
-- change_seq: last value handed to a seq column. events_pruned: every event with seq <= this is gone.
INSERT INTO meta (key, value) VALUES ('change_seq', 0), ('events_pruned', 0);

-- Company policy and telephony settings, as text; zveno-server knows the keys and their types
-- (see docs/api.md, "Policy"); 'zveno-server admin policy set KEY VALUE' writes here.
CREATE TABLE settings (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);

-- Everyone in the directory. external = 1 for clients' and contractors' guest accounts.
-- password_hash is "pbkdf2-sha256$ITERATIONS$SALT_BASE64$HASH_BASE64" or '' (cannot sign in).
-- sip_password is the SIP digest secret handed out by /telephony (also in subscriber below).
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  login         TEXT NOT NULL COLLATE NOCASE UNIQUE,
  name          TEXT NOT NULL,
  title         TEXT NOT NULL DEFAULT '',
  department    TEXT NOT NULL DEFAULT '',
  email         TEXT NOT NULL DEFAULT '',
  extension     TEXT NOT NULL DEFAULT '',
  mobile        TEXT NOT NULL DEFAULT '',
  company_phone TEXT NOT NULL DEFAULT '',
  external      INTEGER NOT NULL DEFAULT 0,
  is_bot        INTEGER NOT NULL DEFAULT 0,
  password_hash TEXT NOT NULL DEFAULT '',
  sip_username  TEXT NOT NULL UNIQUE,
  sip_password  TEXT NOT NULL,
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  seq           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX users_seq_idx ON users (seq);

-- One row per signed-in client. A revoked device's tokens answer 401 device_revoked;
-- a logged-out device's tokens are deleted.
CREATE TABLE devices (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users (id),
  name         TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  revoked_at   INTEGER
);
CREATE INDEX devices_user_idx ON devices (user_id);

-- Tokens are stored as lower-case hex SHA-256 of the token string, never in clear.
CREATE TABLE access_tokens (
  token_hash TEXT PRIMARY KEY NOT NULL,
  device_id  INTEGER NOT NULL REFERENCES devices (id),
  expires_at INTEGER NOT NULL
);
CREATE INDEX access_tokens_device_idx ON access_tokens (device_id);

-- Rotating refresh tokens: used_at is set when exchanged; presenting a used one revokes the device.
CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY NOT NULL,
  device_id  INTEGER NOT NULL REFERENCES devices (id),
  created_at INTEGER NOT NULL,
  used_at    INTEGER
);
CREATE INDEX refresh_tokens_device_idx ON refresh_tokens (device_id);

-- type is 'direct' or 'group'. direct_key is "LOWID:HIGHID" for direct chats (NULL for groups),
-- which is what keeps a second direct chat between the same two people from being created.
CREATE TABLE chats (
  id         INTEGER PRIMARY KEY,
  type       TEXT NOT NULL CHECK (type IN ('direct', 'group')),
  title      TEXT NOT NULL DEFAULT '',
  direct_key TEXT UNIQUE,
  created_by INTEGER REFERENCES users (id),
  created_at INTEGER NOT NULL,
  seq        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX chats_seq_idx ON chats (seq);

-- Membership. A member who left keeps the row with left_at set (so /sync can report the removal).
CREATE TABLE members (
  chat_id   INTEGER NOT NULL REFERENCES chats (id),
  user_id   INTEGER NOT NULL REFERENCES users (id),
  role      TEXT NOT NULL DEFAULT 'member',
  joined_at INTEGER NOT NULL,
  left_at   INTEGER,
  seq       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_user_idx ON members (user_id, chat_id);

-- Messages. client_id is the sender's idempotency key (NULL allowed for imported history).
-- A deleted message keeps its row with deleted = 1 and text ''.
CREATE TABLE messages (
  id         INTEGER PRIMARY KEY,
  chat_id    INTEGER NOT NULL REFERENCES chats (id),
  sender_id  INTEGER NOT NULL REFERENCES users (id),
  client_id  TEXT,
  text       TEXT NOT NULL DEFAULT '',
  reply_to   INTEGER,
  created_at INTEGER NOT NULL,
  edited_at  INTEGER,
  deleted    INTEGER NOT NULL DEFAULT 0,
  seq        INTEGER NOT NULL DEFAULT 0
);
-- Keyset paging of one chat (ORDER BY id DESC) and the newest messages of a chat.
CREATE INDEX messages_chat_idx ON messages (chat_id, id);
CREATE INDEX messages_seq_idx ON messages (seq);
CREATE UNIQUE INDEX messages_client_idx ON messages (sender_id, client_id);

CREATE TABLE reactions (
  message_id INTEGER NOT NULL REFERENCES messages (id),
  user_id    INTEGER NOT NULL REFERENCES users (id),
  emoji      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (message_id, user_id, emoji)
) WITHOUT ROWID;

-- The last message each member has read in each chat.
CREATE TABLE read_markers (
  chat_id    INTEGER NOT NULL,
  user_id    INTEGER NOT NULL,
  message_id INTEGER NOT NULL,
  seq        INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;
CREATE INDEX read_markers_seq_idx ON read_markers (seq);

-- Uploaded files; the bytes live in FILES_DIR/ab/abcdef... named by sha256 (lower-case hex).
CREATE TABLE files (
  id           INTEGER PRIMARY KEY,
  sha256       TEXT NOT NULL,
  size         INTEGER NOT NULL,
  name         TEXT NOT NULL,
  content_type TEXT NOT NULL DEFAULT 'application/octet-stream',
  uploader_id  INTEGER NOT NULL REFERENCES users (id),
  created_at   INTEGER NOT NULL
);

-- Which files a message carries; a file is readable by its uploader and by members of any chat
-- one of these messages is in.
CREATE TABLE message_files (
  message_id INTEGER NOT NULL REFERENCES messages (id),
  file_id    INTEGER NOT NULL REFERENCES files (id),
  position   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (message_id, file_id)
) WITHOUT ROWID;
CREATE INDEX message_files_file_idx ON message_files (file_id);

-- The per-user event log behind /api/v1/events. seq never repeats (AUTOINCREMENT) even after pruning;
-- data is the JSON object sent as "data".
CREATE TABLE events (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    INTEGER NOT NULL,
  type       TEXT NOT NULL,
  data       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX events_user_idx ON events (user_id, seq);

-- Call history, one row per call leg a user saw. direction 'in' | 'out';
-- status 'answered' | 'missed' | 'rejected' | 'busy' | 'failed'.
CREATE TABLE calls (
  id          INTEGER PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES users (id),
  sip_call_id TEXT NOT NULL,
  direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  peer_number TEXT NOT NULL DEFAULT '',
  peer_name   TEXT NOT NULL DEFAULT '',
  caller_id   TEXT NOT NULL DEFAULT '',
  status      TEXT NOT NULL DEFAULT 'answered',
  started_at  INTEGER NOT NULL,
  answered_at INTEGER,
  ended_at    INTEGER,
  outcome     TEXT NOT NULL DEFAULT '',
  notes       TEXT NOT NULL DEFAULT '',
  notes_at    INTEGER,
  UNIQUE (user_id, sip_call_id)
);
CREATE INDEX calls_user_idx ON calls (user_id, id);

-- Call quality reports (POST /api/v1/stats/calls); data is the report as sent.
CREATE TABLE call_stats (
  id          INTEGER PRIMARY KEY,
  user_id     INTEGER NOT NULL,
  call_id     INTEGER,
  sip_call_id TEXT NOT NULL DEFAULT '',
  reported_at INTEGER NOT NULL,
  data        TEXT NOT NULL
);

-- Company numbers users may present as caller id; one has is_default = 1.
CREATE TABLE caller_ids (
  id         INTEGER PRIMARY KEY,
  number     TEXT NOT NULL UNIQUE,
  label      TEXT NOT NULL DEFAULT '',
  is_default INTEGER NOT NULL DEFAULT 0
);

-- Client records the CRM lookup can find by phone number (phone_digits: the number's digits only).
CREATE TABLE crm_clients (
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL,
  company      TEXT NOT NULL DEFAULT '',
  phone        TEXT NOT NULL DEFAULT '',
  phone_digits TEXT NOT NULL DEFAULT '',
  email        TEXT NOT NULL DEFAULT '',
  notes        TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL
);
CREATE INDEX crm_clients_digits_idx ON crm_clients (phone_digits);

-- Kamailio 5.6 auth_db over db_sqlite reads these two tables exactly as declared here.
-- ha1 = md5(username:domain:password), ha1b = md5(username@domain:domain:password).
-- A disabled user's subscriber row is removed; enabling puts it back.
CREATE TABLE version (
  id            INTEGER PRIMARY KEY NOT NULL,
  table_name    VARCHAR(32) NOT NULL,
  table_version INTEGER DEFAULT 0 NOT NULL,
  CONSTRAINT version_table_name_idx UNIQUE (table_name)
);
INSERT INTO version (table_name, table_version) VALUES ('subscriber', 7);

CREATE TABLE subscriber (
  id       INTEGER PRIMARY KEY NOT NULL,
  username VARCHAR(64) DEFAULT '' NOT NULL,
  domain   VARCHAR(64) DEFAULT '' NOT NULL,
  password VARCHAR(64) DEFAULT '' NOT NULL,
  ha1      VARCHAR(128) DEFAULT '' NOT NULL,
  ha1b     VARCHAR(128) DEFAULT '' NOT NULL,
  CONSTRAINT subscriber_account_idx UNIQUE (username, domain)
);

-- Full-text index over message text. The chat and sender are indexed as tokens "c<ID>" and
-- "u<ID>" so that filters run inside the index ("(query) AND chat:c12").
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
-- Per-user chat settings: a muted chat raises no notifications on that user's devices, a pinned one
-- heads their chat list. settings_seq is the change counter at the last change of either, kept apart
-- from seq so that a delta /sync returns the chat as changed, not as newly joined (with history).
ALTER TABLE members ADD COLUMN muted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN settings_seq INTEGER NOT NULL DEFAULT 0;
