/* zv-server-chats.c: chats and their messages: create (a direct chat is never duplicated), send with
 * an idempotency key, edit, delete, reactions, read markers and typing. Every change bumps the row's
 * seq (for /sync) and stores an event for each member (for /events) in the same transaction.
 * The Echo demo bot answers through the very same send path. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <string.h>

#include "zv-server-private.h"

#define MAX_TEXT_BYTES   (64 * 1024)
#define MAX_ATTACHMENTS  20
#define MAX_GROUP_SIZE   5000

gboolean
zv_chat_is_member (ZvServer *self,
                   gint64    chat_id,
                   gint64    user_id)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "SELECT 1 FROM members WHERE chat_id = ?1 AND user_id = ?2 AND left_at IS NULL");
  gboolean member;

  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, user_id);
  member = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return member;
}

static gboolean
chat_exists (ZvServer *self,
             gint64    chat_id)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db, "SELECT 1 FROM chats WHERE id = ?1");
  gboolean exists;

  sqlite3_bind_int64 (stmt, 1, chat_id);
  exists = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return exists;
}

/* Replies 404 or 403 and returns FALSE unless the requester is a member of ids[0]. A chat one is not
 * in answers 403 whether or not others can see it: existence is all it reveals. */
static gboolean
require_member (ZvRequest *req)
{
  if (zv_chat_is_member (req->server, req->ids[0], req->user_id))
    return TRUE;
  if (!chat_exists (req->server, req->ids[0]))
    zv_reply_error (req, ZV_API_ERROR_NOT_FOUND, "No such chat");
  else
    zv_reply_error (req, ZV_API_ERROR_FORBIDDEN, "You are not a member of this chat");
  return FALSE;
}

/* ---- JSON -------------------------------------------------------------------------------------- */

JsonObject *
zv_message_from_row (ZvServer     *self,
                     sqlite3_stmt *stmt)
{
  JsonObject *object = json_object_new ();
  JsonArray *reactions = json_array_new ();
  JsonArray *attachments = json_array_new ();
  gint64 id = sqlite3_column_int64 (stmt, 0);
  sqlite3_stmt *sub;
  JsonObject *group = NULL;
  const char *last_emoji = NULL;
  g_autofree char *last = NULL;

  json_object_set_int_member (object, "id", id);
  json_object_set_int_member (object, "chat_id", sqlite3_column_int64 (stmt, 1));
  json_object_set_int_member (object, "sender_id", sqlite3_column_int64 (stmt, 2));
  if (sqlite3_column_type (stmt, 3) == SQLITE_NULL)
    json_object_set_null_member (object, "client_id");
  else
    json_object_set_string_member (object, "client_id", zv_server_db_column_text (stmt, 3));
  json_object_set_string_member (object, "text", zv_server_db_column_text (stmt, 4));
  if (sqlite3_column_type (stmt, 5) == SQLITE_NULL)
    json_object_set_null_member (object, "reply_to");
  else
    json_object_set_int_member (object, "reply_to", sqlite3_column_int64 (stmt, 5));
  zv_json_set_time (object, "created_at", sqlite3_column_int64 (stmt, 6));
  zv_json_set_time (object, "edited_at", sqlite3_column_int64 (stmt, 7));
  json_object_set_boolean_member (object, "deleted", sqlite3_column_int (stmt, 8) != 0);
  json_object_set_int_member (object, "seq", sqlite3_column_int64 (stmt, 9));

  sub = zv_server_db_prepare (self->db,
    "SELECT emoji, user_id FROM reactions WHERE message_id = ?1 ORDER BY emoji, created_at, user_id");
  sqlite3_bind_int64 (sub, 1, id);
  while (sqlite3_step (sub) == SQLITE_ROW)
    {
      last_emoji = zv_server_db_column_text (sub, 0);
      if (group == NULL || g_strcmp0 (last, last_emoji) != 0)
        {
          group = json_object_new ();
          json_object_set_string_member (group, "emoji", last_emoji);
          json_object_set_array_member (group, "user_ids", json_array_new ());
          json_array_add_object_element (reactions, group);
          g_free (last);
          last = g_strdup (last_emoji);
        }
      json_array_add_int_element (json_object_get_array_member (group, "user_ids"),
                                  sqlite3_column_int64 (sub, 1));
    }
  sqlite3_reset (sub);
  json_object_set_array_member (object, "reactions", reactions);

  sub = zv_server_db_prepare (self->db,
    "SELECT f.id, f.name, f.size, f.content_type, f.sha256 FROM message_files mf "
    "JOIN files f ON f.id = mf.file_id WHERE mf.message_id = ?1 ORDER BY mf.position");
  sqlite3_bind_int64 (sub, 1, id);
  while (sqlite3_step (sub) == SQLITE_ROW)
    {
      JsonObject *file = json_object_new ();

      json_object_set_int_member (file, "id", sqlite3_column_int64 (sub, 0));
      json_object_set_string_member (file, "name", zv_server_db_column_text (sub, 1));
      json_object_set_int_member (file, "size", sqlite3_column_int64 (sub, 2));
      json_object_set_string_member (file, "content_type", zv_server_db_column_text (sub, 3));
      json_object_set_string_member (file, "sha256", zv_server_db_column_text (sub, 4));
      json_array_add_object_element (attachments, file);
    }
  sqlite3_reset (sub);
  json_object_set_array_member (object, "attachments", attachments);
  return object;
}

JsonObject *
zv_message_to_json (ZvServer *self,
                    gint64    message_id)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "SELECT " MESSAGE_COLUMNS " FROM messages WHERE id = ?1");
  JsonObject *object = NULL;

  sqlite3_bind_int64 (stmt, 1, message_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    object = zv_message_from_row (self, stmt);
  sqlite3_reset (stmt);
  return object;
}

JsonObject *
zv_chat_to_json (ZvServer *self,
                 gint64    chat_id,
                 gint64    user_id)
{
  JsonObject *object = json_object_new ();
  JsonArray *members = json_array_new ();
  sqlite3_stmt *stmt;
  gint64 read_up_to = 0, last_message = 0;

  stmt = zv_server_db_prepare (self->db,
    "SELECT id, type, title, created_by, created_at FROM chats WHERE id = ?1");
  sqlite3_bind_int64 (stmt, 1, chat_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      json_object_set_int_member (object, "id", chat_id);
      json_object_set_string_member (object, "type", zv_server_db_column_text (stmt, 1));
      json_object_set_string_member (object, "title", zv_server_db_column_text (stmt, 2));
      json_object_set_int_member (object, "created_by", sqlite3_column_int64 (stmt, 3));
      zv_json_set_time (object, "created_at", sqlite3_column_int64 (stmt, 4));
    }
  sqlite3_reset (stmt);

  stmt = zv_server_db_prepare (self->db,
    "SELECT user_id FROM members WHERE chat_id = ?1 AND left_at IS NULL ORDER BY user_id");
  sqlite3_bind_int64 (stmt, 1, chat_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    json_array_add_int_element (members, sqlite3_column_int64 (stmt, 0));
  sqlite3_reset (stmt);
  json_object_set_array_member (object, "members", members);

  stmt = zv_server_db_prepare (self->db,
    "SELECT ifnull(max(id), 0) FROM messages WHERE chat_id = ?1");
  sqlite3_bind_int64 (stmt, 1, chat_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    last_message = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  stmt = zv_server_db_prepare (self->db,
    "SELECT message_id FROM read_markers WHERE chat_id = ?1 AND user_id = ?2");
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    read_up_to = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  json_object_set_int_member (object, "last_message_id", last_message);
  json_object_set_int_member (object, "read_up_to", read_up_to);
  zv_chat_settings_to_json (self, object, chat_id, user_id);
  if (last_message > read_up_to)
    {
      /* Capped so a never-read chat of 100k messages costs one bounded index walk. */
      stmt = zv_server_db_prepare (self->db,
        "SELECT count(*) FROM (SELECT 1 FROM messages WHERE chat_id = ?1 AND id > ?2 "
        "AND sender_id <> ?3 AND deleted = 0 LIMIT 1000)");
      sqlite3_bind_int64 (stmt, 1, chat_id);
      sqlite3_bind_int64 (stmt, 2, read_up_to);
      sqlite3_bind_int64 (stmt, 3, user_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        json_object_set_int_member (object, "unread_count", sqlite3_column_int64 (stmt, 0));
      sqlite3_reset (stmt);
    }
  else
    json_object_set_int_member (object, "unread_count", 0);
  return object;
}

/* ---- chats ------------------------------------------------------------------------------------- */

static gboolean
user_active (ZvServer *self,
             gint64    user_id)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db, "SELECT disabled FROM users WHERE id = ?1");
  gboolean active = FALSE;

  sqlite3_bind_int64 (stmt, 1, user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    active = sqlite3_column_int (stmt, 0) == 0;
  sqlite3_reset (stmt);
  return active;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

void
zv_handle_chats_create (ZvRequest *req)
{
  ZvServer *self = req->server;
  JsonObject *body = zv_request_json_object (req);
  g_autoptr(GArray) members = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  g_autofree char *direct_key = NULL;
  g_autoptr(JsonObject) reply = NULL;
  const char *type, *title;
  gboolean ok = TRUE;
  JsonNode *members_node;
  JsonArray *array;
  sqlite3_stmt *stmt;
  gint64 chat_id = 0, seq, now = zv_server_now_ms ();

  if (body == NULL)
    return;
  type = zv_json_string (body, "type", &ok);
  title = zv_json_string (body, "title", &ok);
  members_node = json_object_get_member (body, "members");
  if (!ok || type == NULL || (!g_str_equal (type, "direct") && !g_str_equal (type, "group")) ||
      members_node == NULL || !JSON_NODE_HOLDS_ARRAY (members_node) ||
      (title != NULL && strlen (title) > 256))
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST,
                      "Need \"type\" (direct or group), \"members\" (user ids) and an optional \"title\"");
      return;
    }
  array = json_node_get_array (members_node);
  g_array_append_val (members, req->user_id);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      gint64 id;
      gboolean seen = FALSE;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
        {
          zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "\"members\" must hold user ids");
          return;
        }
      id = json_node_get_int (node);
      for (guint j = 0; j < members->len; j++)
        seen |= g_array_index (members, gint64, j) == id;
      if (seen)
        continue;
      if (!user_active (self, id))
        {
          zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "\"members\" names an unknown or disabled user");
          return;
        }
      g_array_append_val (members, id);
      if (members->len > MAX_GROUP_SIZE)
        {
          zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Too many members");
          return;
        }
    }

  if (g_str_equal (type, "direct"))
    {
      if (members->len != 2)
        {
          zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "A direct chat has exactly one other member");
          return;
        }
      g_array_sort (members, compare_int64);
      direct_key = g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                                    g_array_index (members, gint64, 0), g_array_index (members, gint64, 1));
      stmt = zv_server_db_prepare (self->db, "SELECT id FROM chats WHERE direct_key = ?1");
      sqlite3_bind_text (stmt, 1, direct_key, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        chat_id = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      if (chat_id != 0)
        {
          reply = zv_chat_to_json (self, chat_id, req->user_id);
          zv_reply_object (req, 200, reply);
          return;
        }
    }

  if (!zv_server_db_begin (self->db, &error))
    goto fail;
  seq = zv_server_db_next_seq (self->db);
  stmt = zv_server_db_prepare (self->db,
    "INSERT INTO chats (type, title, direct_key, created_by, created_at, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, title != NULL ? title : "", -1, SQLITE_TRANSIENT);
  if (direct_key != NULL)
    sqlite3_bind_text (stmt, 3, direct_key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, req->user_id);
  sqlite3_bind_int64 (stmt, 5, now);
  sqlite3_bind_int64 (stmt, 6, seq);
  if (!zv_server_db_step_done (self->db, stmt, &error))
    goto fail;
  chat_id = sqlite3_last_insert_rowid (zv_server_db_handle (self->db));

  for (guint i = 0; i < members->len; i++)
    {
      gint64 uid = g_array_index (members, gint64, i);

      stmt = zv_server_db_prepare (self->db,
        "INSERT INTO members (chat_id, user_id, role, joined_at, seq) VALUES (?1, ?2, ?3, ?4, ?5)");
      sqlite3_bind_int64 (stmt, 1, chat_id);
      sqlite3_bind_int64 (stmt, 2, uid);
      sqlite3_bind_text (stmt, 3, uid == req->user_id ? "owner" : "member", -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 4, now);
      sqlite3_bind_int64 (stmt, 5, seq);
      if (!zv_server_db_step_done (self->db, stmt, &error))
        goto fail;
    }

  for (guint i = 0; i < members->len; i++)
    {
      gint64 uid = g_array_index (members, gint64, i);
      g_autoptr(JsonObject) data = zv_chat_to_json (self, chat_id, uid);

      zv_events_emit (self, uid, "chat.created", data);
    }
  if (!zv_server_db_commit (self->db, &error))
    goto fail;
  zv_events_flush (self);

  reply = zv_chat_to_json (self, chat_id, req->user_id);
  zv_reply_object (req, 201, reply);
  return;

fail:
  zv_server_db_rollback (self->db);
  zv_reply_internal (req, error);
}

void
zv_handle_chat_get (ZvRequest *req)
{
  g_autoptr(JsonObject) reply = NULL;

  if (!require_member (req))
    return;
  reply = zv_chat_to_json (req->server, req->ids[0], req->user_id);
  zv_reply_object (req, 200, reply);
}

/* ---- sending ----------------------------------------------------------------------------------- */

static gint64
find_by_client_id (ZvServer   *self,
                   gint64      sender_id,
                   const char *client_id,
                   gint64     *chat_id)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "SELECT id, chat_id FROM messages WHERE sender_id = ?1 AND client_id = ?2");
  gint64 id = 0;

  sqlite3_bind_int64 (stmt, 1, sender_id);
  sqlite3_bind_text (stmt, 2, client_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      id = sqlite3_column_int64 (stmt, 0);
      *chat_id = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  return id;
}

static gboolean
chat_has_external (ZvServer *self,
                   gint64    chat_id)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "SELECT 1 FROM members m JOIN users u ON u.id = m.user_id "
    "WHERE m.chat_id = ?1 AND m.left_at IS NULL AND u.external = 1 LIMIT 1");
  gboolean external;

  sqlite3_bind_int64 (stmt, 1, chat_id);
  external = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return external;
}

/* Data-loss-prevention: rules {"name", "pattern" (regex), "action": "block"|"warn"}; a "block"
 * rule that matches refuses the message. Returns the blocking rule's name or NULL. */
static char *
dlp_blocking_rule (ZvServer   *self,
                   const char *text)
{
  g_autofree char *rules = zv_policy_string (self, "dlp_rules");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *array;

  if (!json_parser_load_from_data (parser, rules, -1, NULL) ||
      !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    return NULL;
  array = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *rule;
      const char *pattern, *action, *name;
      g_autoptr(GRegex) regex = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      rule = json_node_get_object (node);
      pattern = json_object_get_string_member_with_default (rule, "pattern", NULL);
      action = json_object_get_string_member_with_default (rule, "action", "warn");
      name = json_object_get_string_member_with_default (rule, "name", "dlp");
      if (pattern == NULL || !g_str_equal (action, "block"))
        continue;
      regex = g_regex_new (pattern, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
      if (regex != NULL && g_regex_match (regex, text, 0, NULL))
        return g_strdup (name);
    }
  return NULL;
}

JsonObject *
zv_chat_send_message (ZvServer    *self,
                      gint64       sender_id,
                      gint64       chat_id,
                      const char  *client_id,
                      const char  *text,
                      gint64       reply_to,
                      JsonArray   *attachments,
                      gboolean    *created,
                      ZvApiError  *code,
                      GError     **error)
{
  sqlite3_stmt *stmt;
  g_autoptr(JsonObject) message = NULL;
  g_autofree char *rule = NULL;
  gint64 existing, existing_chat = 0, seq, id, now = zv_server_now_ms ();
  guint n_files = attachments != NULL ? json_array_get_length (attachments) : 0;

  *created = FALSE;
  *code = ZV_API_ERROR_BAD_REQUEST;

  existing = find_by_client_id (self, sender_id, client_id, &existing_chat);
  if (existing != 0)
    {
      if (existing_chat != chat_id)
        {
          *code = ZV_API_ERROR_CONFLICT;
          g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_CONFLICT, "This client_id was used in another chat");
          return NULL;
        }
      return zv_message_to_json (self, existing);
    }

  if (reply_to != 0)
    {
      gint64 reply_chat = 0;

      stmt = zv_server_db_prepare (self->db, "SELECT chat_id FROM messages WHERE id = ?1");
      sqlite3_bind_int64 (stmt, 1, reply_to);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        reply_chat = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      if (reply_chat != chat_id)
        {
          g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_BAD_REQUEST, "\"reply_to\" is not a message of this chat");
          return NULL;
        }
    }

  if (n_files > 0)
    {
      if (zv_policy_int (self, "external_files_allowed") == 0 && chat_has_external (self, chat_id))
        {
          *code = ZV_API_ERROR_POLICY_VIOLATION;
          g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_POLICY_VIOLATION,
                       "Company policy forbids files in chats with external contacts");
          return NULL;
        }
      for (guint i = 0; i < n_files; i++)
        {
          JsonNode *node = json_array_get_element (attachments, i);

          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
              !zv_file_readable (self, json_node_get_int (node), sender_id))
            {
              g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_BAD_REQUEST,
                           "\"attachments\" must hold ids of files you uploaded or can read");
              return NULL;
            }
        }
    }

  rule = dlp_blocking_rule (self, text);
  if (rule != NULL)
    {
      *code = ZV_API_ERROR_POLICY_VIOLATION;
      g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_POLICY_VIOLATION,
                   "The message matches the data-loss-prevention rule \"%s\"", rule);
      return NULL;
    }

  *code = ZV_API_ERROR_INTERNAL;
  if (!zv_server_db_begin (self->db, error))
    return NULL;
  seq = zv_server_db_next_seq (self->db);
  stmt = zv_server_db_prepare (self->db,
    "INSERT INTO messages (chat_id, sender_id, client_id, text, reply_to, created_at, seq) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, sender_id);
  sqlite3_bind_text (stmt, 3, client_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, text, -1, SQLITE_TRANSIENT);
  if (reply_to != 0)
    sqlite3_bind_int64 (stmt, 5, reply_to);
  sqlite3_bind_int64 (stmt, 6, now);
  sqlite3_bind_int64 (stmt, 7, seq);
  if (!zv_server_db_step_done (self->db, stmt, error))
    goto fail;
  id = sqlite3_last_insert_rowid (zv_server_db_handle (self->db));

  for (guint i = 0; i < n_files; i++)
    {
      stmt = zv_server_db_prepare (self->db,
        "INSERT OR IGNORE INTO message_files (message_id, file_id, position) VALUES (?1, ?2, ?3)");
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_int64 (stmt, 2, json_array_get_int_element (attachments, i));
      sqlite3_bind_int (stmt, 3, (int) i);
      if (!zv_server_db_step_done (self->db, stmt, error))
        goto fail;
    }

  /* Whoever writes has read everything up to their own message. */
  stmt = zv_server_db_prepare (self->db,
    "INSERT INTO read_markers (chat_id, user_id, message_id, seq) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (chat_id, user_id) DO UPDATE SET message_id = excluded.message_id, seq = excluded.seq");
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, sender_id);
  sqlite3_bind_int64 (stmt, 3, id);
  sqlite3_bind_int64 (stmt, 4, seq);
  if (!zv_server_db_step_done (self->db, stmt, error))
    goto fail;

  message = zv_message_to_json (self, id);
  zv_events_emit_chat (self, chat_id, "message.created", message);
  if (!zv_server_db_commit (self->db, error))
    goto fail;
  zv_events_flush (self);

  *created = TRUE;
  zv_echo_schedule (self, chat_id, id, sender_id);
  return g_steal_pointer (&message);

fail:
  zv_server_db_rollback (self->db);
  return NULL;
}

void
zv_handle_message_send (ZvRequest *req)
{
  JsonObject *body;
  g_autoptr(JsonObject) message = NULL;
  g_autoptr(GError) error = NULL;
  const char *client_id, *text;
  JsonNode *attachments_node;
  JsonArray *attachments = NULL;
  gboolean ok = TRUE, created = FALSE;
  gint64 reply_to;
  ZvApiError code;

  if (!require_member (req) || (body = zv_request_json_object (req)) == NULL)
    return;
  client_id = zv_json_string (body, "client_id", &ok);
  text = zv_json_string (body, "text", &ok);
  reply_to = zv_json_int (body, "reply_to", 0, &ok);
  attachments_node = json_object_get_member (body, "attachments");
  if (attachments_node != NULL && JSON_NODE_HOLDS_ARRAY (attachments_node))
    attachments = json_node_get_array (attachments_node);
  else if (attachments_node != NULL && !JSON_NODE_HOLDS_NULL (attachments_node))
    ok = FALSE;

  if (!ok || client_id == NULL || *client_id == '\0' || strlen (client_id) > 128)
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST,
                      "Need \"client_id\" (a UUID string), \"text\", optional \"reply_to\" and \"attachments\"");
      return;
    }
  if (text == NULL)
    text = "";
  if (strlen (text) > MAX_TEXT_BYTES)
    {
      zv_reply_error (req, ZV_API_ERROR_TOO_LARGE, "The text is longer than 64 KiB");
      return;
    }
  if (*text == '\0' && (attachments == NULL || json_array_get_length (attachments) == 0))
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "A message needs text or attachments");
      return;
    }
  if (attachments != NULL && json_array_get_length (attachments) > MAX_ATTACHMENTS)
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Too many attachments");
      return;
    }

  message = zv_chat_send_message (req->server, req->user_id, req->ids[0], client_id, text, reply_to,
                                  attachments, &created, &code, &error);
  if (message == NULL && code == ZV_API_ERROR_INTERNAL)
    zv_reply_internal (req, error);
  else if (message == NULL)
    zv_reply_error (req, code, error->message);
  else
    zv_reply_object (req, created ? 201 : 200, message);
}

/* ---- changing a message ------------------------------------------------------------------------ */

/* Loads ids[1] in chat ids[0]; replies and returns FALSE when it is not there or not the caller's
 * (when @own is set). */
static gboolean
load_message (ZvRequest *req,
              gboolean   own,
              gboolean  *deleted)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (req->server->db,
    "SELECT sender_id, deleted FROM messages WHERE id = ?1 AND chat_id = ?2");
  gint64 sender = 0;
  gboolean found = FALSE;

  sqlite3_bind_int64 (stmt, 1, req->ids[1]);
  sqlite3_bind_int64 (stmt, 2, req->ids[0]);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      found = TRUE;
      sender = sqlite3_column_int64 (stmt, 0);
      *deleted = sqlite3_column_int (stmt, 1) != 0;
    }
  sqlite3_reset (stmt);
  if (!found)
    {
      zv_reply_error (req, ZV_API_ERROR_NOT_FOUND, "No such message in this chat");
      return FALSE;
    }
  if (own && sender != req->user_id)
    {
      zv_reply_error (req, ZV_API_ERROR_FORBIDDEN, "Only the sender may change a message");
      return FALSE;
    }
  return TRUE;
}

/* Runs @stmt (already bound) plus the seq bump, stores "message.updated"/@type for the chat and
 * replies with the message. */
static void
finish_message_change (ZvRequest    *req,
                       const char   *type)
{
  ZvServer *self = req->server;
  g_autoptr(JsonObject) message = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;

  stmt = zv_server_db_prepare (self->db, "UPDATE messages SET seq = ?2 WHERE id = ?1");
  sqlite3_bind_int64 (stmt, 1, req->ids[1]);
  sqlite3_bind_int64 (stmt, 2, zv_server_db_next_seq (self->db));
  if (!zv_server_db_step_done (self->db, stmt, &error))
    {
      zv_server_db_rollback (self->db);
      zv_reply_internal (req, error);
      return;
    }
  message = zv_message_to_json (self, req->ids[1]);
  zv_events_emit_chat (self, req->ids[0], type, message);
  if (!zv_server_db_commit (self->db, &error))
    {
      zv_server_db_rollback (self->db);
      zv_reply_internal (req, error);
      return;
    }
  zv_events_flush (self);
  zv_reply_object (req, 200, message);
}

void
zv_handle_message_edit (ZvRequest *req)
{
  ZvServer *self = req->server;
  JsonObject *body;
  g_autoptr(GError) error = NULL;
  g_autofree char *rule = NULL;
  const char *text;
  gboolean ok = TRUE, deleted = FALSE;
  sqlite3_stmt *stmt;

  if (!require_member (req) || (body = zv_request_json_object (req)) == NULL)
    return;
  text = zv_json_string (body, "text", &ok);
  if (!ok || text == NULL)
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Need \"text\"");
      return;
    }
  if (strlen (text) > MAX_TEXT_BYTES)
    {
      zv_reply_error (req, ZV_API_ERROR_TOO_LARGE, "The text is longer than 64 KiB");
      return;
    }
  if (!load_message (req, TRUE, &deleted))
    return;
  if (deleted)
    {
      zv_reply_error (req, ZV_API_ERROR_CONFLICT, "A deleted message cannot be edited");
      return;
    }
  rule = dlp_blocking_rule (self, text);
  if (rule != NULL)
    {
      zv_reply_error (req, ZV_API_ERROR_POLICY_VIOLATION, "The text matches a data-loss-prevention rule");
      return;
    }

  if (!zv_server_db_begin (self->db, &error))
    {
      zv_reply_internal (req, error);
      return;
    }
  stmt = zv_server_db_prepare (self->db, "UPDATE messages SET text = ?2, edited_at = ?3 WHERE id = ?1");
  sqlite3_bind_int64 (stmt, 1, req->ids[1]);
  sqlite3_bind_text (stmt, 2, text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, zv_server_now_ms ());
  if (!zv_server_db_step_done (self->db, stmt, &error))
    {
      zv_server_db_rollback (self->db);
      zv_reply_internal (req, error);
      return;
    }
  finish_message_change (req, "message.updated");
}

void
zv_handle_message_delete (ZvRequest *req)
{
  ZvServer *self = req->server;
  g_autoptr(GError) error = NULL;
  gboolean deleted = FALSE;
  sqlite3_stmt *stmt;

  if (!require_member (req) || !load_message (req, TRUE, &deleted))
    return;
  if (deleted)
    {
      /* Deleting twice is a retry, not an error. */
      g_autoptr(JsonObject) message = zv_message_to_json (self, req->ids[1]);
      zv_reply_object (req, 200, message);
      return;
    }
  if (!zv_server_db_begin (self->db, &error))
    {
      zv_reply_internal (req, error);
      return;
    }
  stmt = zv_server_db_prepare (self->db,
    "UPDATE messages SET text = '', deleted = 1, edited_at = ?2 WHERE id = ?1");
  sqlite3_bind_int64 (stmt, 1, req->ids[1]);
  sqlite3_bind_int64 (stmt, 2, zv_server_now_ms ());
  if (!zv_server_db_step_done (self->db, stmt, &error))
    {
      zv_server_db_rollback (self->db);
      zv_reply_internal (req, error);
      return;
    }
  stmt = zv_server_db_prepare (self->db, "DELETE FROM reactions WHERE message_id = ?1");
  sqlite3_bind_int64 (stmt, 1, req->ids[1]);
  zv_server_db_step_done (self->db, stmt, NULL);
  finish_message_change (req, "message.deleted");
}

static void
change_reaction (ZvRequest  *req,
                 const char *emoji,
                 gboolean    add)
{
  ZvServer *self = req->server;
  g_autoptr(GError) error = NULL;
  gboolean deleted = FALSE;
  sqlite3_stmt *stmt;

  if (emoji == NULL || *emoji == '\0' || strlen (emoji) > 64 || !g_utf8_validate (emoji, -1, NULL))
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Need \"emoji\" (up to 64 bytes)");
      return;
    }
  if (!load_message (req, FALSE, &deleted))
    return;
  if (deleted)
    {
      zv_reply_error (req, ZV_API_ERROR_CONFLICT, "The message was deleted");
      return;
    }
  if (!zv_server_db_begin (self->db, &error))
    {
      zv_reply_internal (req, error);
      return;
    }
  if (add)
    {
      stmt = zv_server_db_prepare (self->db,
        "INSERT OR IGNORE INTO reactions (message_id, user_id, emoji, created_at) VALUES (?1, ?2, ?3, ?4)");
      sqlite3_bind_int64 (stmt, 4, zv_server_now_ms ());
    }
  else
    stmt = zv_server_db_prepare (self->db,
      "DELETE FROM reactions WHERE message_id = ?1 AND user_id = ?2 AND emoji = ?3");
  sqlite3_bind_int64 (stmt, 1, req->ids[1]);
  sqlite3_bind_int64 (stmt, 2, req->user_id);
  sqlite3_bind_text (stmt, 3, emoji, -1, SQLITE_TRANSIENT);
  if (!zv_server_db_step_done (self->db, stmt, &error))
    {
      zv_server_db_rollback (self->db);
      zv_reply_internal (req, error);
      return;
    }
  if (sqlite3_changes (zv_server_db_handle (self->db)) == 0)
    {
      /* Nothing changed (a retry): answer with the message, no seq bump, no event. */
      g_autoptr(JsonObject) message = NULL;

      zv_server_db_rollback (self->db);
      message = zv_message_to_json (self, req->ids[1]);
      zv_reply_object (req, 200, message);
      return;
    }
  finish_message_change (req, "message.updated");
}

void
zv_handle_reaction_add (ZvRequest *req)
{
  JsonObject *body;
  gboolean ok = TRUE;
  const char *emoji;

  if (!require_member (req) || (body = zv_request_json_object (req)) == NULL)
    return;
  emoji = zv_json_string (body, "emoji", &ok);
  change_reaction (req, ok ? emoji : NULL, TRUE);
}

void
zv_handle_reaction_remove (ZvRequest *req)
{
  if (!require_member (req))
    return;
  change_reaction (req, zv_request_query (req, "emoji"), FALSE);
}

void
zv_handle_read_marker (ZvRequest *req)
{
  ZvServer *self = req->server;
  JsonObject *body;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) data = json_object_new ();
  gboolean ok = TRUE, found;
  gint64 message_id;
  sqlite3_stmt *stmt;

  if (!require_member (req) || (body = zv_request_json_object (req)) == NULL)
    return;
  message_id = zv_json_int (body, "message_id", 0, &ok);
  if (!ok || message_id <= 0)
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Need \"message_id\"");
      return;
    }
  stmt = zv_server_db_prepare (self->db, "SELECT 1 FROM messages WHERE id = ?1 AND chat_id = ?2");
  sqlite3_bind_int64 (stmt, 1, message_id);
  sqlite3_bind_int64 (stmt, 2, req->ids[0]);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  if (!found)
    {
      zv_reply_error (req, ZV_API_ERROR_NOT_FOUND, "No such message in this chat");
      return;
    }

  if (!zv_server_db_begin (self->db, &error))
    {
      zv_reply_internal (req, error);
      return;
    }
  /* Markers only move forward: a late request from another device must not un-read messages. */
  stmt = zv_server_db_prepare (self->db,
    "INSERT INTO read_markers (chat_id, user_id, message_id, seq) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (chat_id, user_id) DO UPDATE SET message_id = excluded.message_id, seq = excluded.seq "
    "WHERE excluded.message_id > read_markers.message_id");
  sqlite3_bind_int64 (stmt, 1, req->ids[0]);
  sqlite3_bind_int64 (stmt, 2, req->user_id);
  sqlite3_bind_int64 (stmt, 3, message_id);
  sqlite3_bind_int64 (stmt, 4, zv_server_db_next_seq (self->db));
  if (!zv_server_db_step_done (self->db, stmt, &error))
    {
      zv_server_db_rollback (self->db);
      zv_reply_internal (req, error);
      return;
    }
  json_object_set_int_member (data, "chat_id", req->ids[0]);
  json_object_set_int_member (data, "user_id", req->user_id);
  json_object_set_int_member (data, "message_id", message_id);
  if (sqlite3_changes (zv_server_db_handle (self->db)) > 0)
    zv_events_emit_chat (self, req->ids[0], "read_marker", data);
  if (!zv_server_db_commit (self->db, &error))
    {
      zv_server_db_rollback (self->db);
      zv_reply_internal (req, error);
      return;
    }
  zv_events_flush (self);

  stmt = zv_server_db_prepare (self->db,
    "SELECT message_id FROM read_markers WHERE chat_id = ?1 AND user_id = ?2");
  sqlite3_bind_int64 (stmt, 1, req->ids[0]);
  sqlite3_bind_int64 (stmt, 2, req->user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    json_object_set_int_member (data, "message_id", sqlite3_column_int64 (stmt, 0));
  sqlite3_reset (stmt);
  zv_reply_object (req, 200, data);
}

void
zv_handle_typing (ZvRequest *req)
{
  ZvServer *self = req->server;
  g_autoptr(JsonObject) data = json_object_new ();
  g_autoptr(GArray) users = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;

  if (!require_member (req))
    return;
  json_object_set_int_member (data, "chat_id", req->ids[0]);
  json_object_set_int_member (data, "user_id", req->user_id);
  stmt = zv_server_db_prepare (self->db,
    "SELECT user_id FROM members WHERE chat_id = ?1 AND left_at IS NULL AND user_id <> ?2");
  sqlite3_bind_int64 (stmt, 1, req->ids[0]);
  sqlite3_bind_int64 (stmt, 2, req->user_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 uid = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (users, uid);
    }
  sqlite3_reset (stmt);
  for (guint i = 0; i < users->len; i++)
    zv_events_send_live (self, g_array_index (users, gint64, i), "typing", data);
  soup_server_message_set_status (req->msg, 204, NULL);
}
