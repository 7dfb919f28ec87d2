/* zv-server-sync.c: GET /sync and chat history paging.
 *
 * Sync tokens are opaque to clients. Inside: "i.SNAPSHOT.LASTCHAT" while the initial sync pages
 * through the user's chats (each with its newest messages), then "d.SEQ": everything whose seq is
 * above SEQ. A delta page is cut at a message boundary; chats, memberships and read markers are
 * returned for the same seq window, so nothing falls between two pages. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <stdio.h>

#include "zv-server-private.h"

#define DEFAULT_HISTORY 50

/* The newest @history messages of a chat, oldest first; *limited when older ones exist. */
static void
add_recent_messages (ZvServer  *self,
                     gint64     chat_id,
                     gint64     history,
                     JsonArray *messages,
                     gboolean  *limited)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "SELECT " MESSAGE_COLUMNS " FROM messages WHERE chat_id = ?1 ORDER BY id DESC LIMIT ?2");
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  gint64 count = 0;

  *limited = FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, history + 1);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      if (count++ == history)
        {
          *limited = TRUE;
          break;
        }
      g_ptr_array_add (rows, zv_message_from_row (self, stmt));
    }
  sqlite3_reset (stmt);
  for (guint i = rows->len; i > 0; i--)
    json_array_add_object_element (messages, rows->pdata[i - 1]);
}

static void
add_chat_markers (ZvServer  *self,
                  gint64     chat_id,
                  JsonArray *markers)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "SELECT user_id, message_id FROM read_markers WHERE chat_id = ?1");

  sqlite3_bind_int64 (stmt, 1, chat_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      JsonObject *marker = json_object_new ();

      json_object_set_int_member (marker, "chat_id", chat_id);
      json_object_set_int_member (marker, "user_id", sqlite3_column_int64 (stmt, 0));
      json_object_set_int_member (marker, "message_id", sqlite3_column_int64 (stmt, 1));
      json_array_add_object_element (markers, marker);
    }
  sqlite3_reset (stmt);
}

static void
add_full_chat (ZvServer  *self,
               gint64     chat_id,
               gint64     user_id,
               gint64     history,
               JsonArray *chats,
               JsonArray *messages,
               JsonArray *markers)
{
  JsonObject *chat = zv_chat_to_json (self, chat_id, user_id);
  gboolean limited;

  add_recent_messages (self, chat_id, history, messages, &limited);
  json_object_set_boolean_member (chat, "limited", limited);
  json_array_add_object_element (chats, chat);
  add_chat_markers (self, chat_id, markers);
}

static void
sync_initial (ZvRequest  *req,
              JsonObject *reply,
              gint64      snapshot,
              gint64      after_chat,
              gint64      limit,
              gint64      history)
{
  ZvServer *self = req->server;
  JsonArray *chats = json_object_get_array_member (reply, "chats");
  JsonArray *messages = json_object_get_array_member (reply, "messages");
  JsonArray *markers = json_object_get_array_member (reply, "read_markers");
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 per_page = MAX (1, limit / MAX (1, history));
  gboolean more = FALSE;
  g_autofree char *next = NULL;
  sqlite3_stmt *stmt;

  stmt = zv_server_db_prepare (self->db,
    "SELECT chat_id FROM members WHERE user_id = ?1 AND left_at IS NULL AND chat_id > ?2 "
    "ORDER BY chat_id LIMIT ?3");
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  sqlite3_bind_int64 (stmt, 2, after_chat);
  sqlite3_bind_int64 (stmt, 3, per_page + 1);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      if ((gint64) ids->len == per_page)
        {
          more = TRUE;
          break;
        }
      g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < ids->len; i++)
    add_full_chat (self, g_array_index (ids, gint64, i), req->user_id, history, chats, messages, markers);

  if (more)
    next = g_strdup_printf ("i.%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
                            snapshot, g_array_index (ids, gint64, ids->len - 1));
  else
    next = g_strdup_printf ("d.%" G_GINT64_FORMAT, snapshot);
  json_object_set_string_member (reply, "next", next);
  json_object_set_boolean_member (reply, "more", more);
}

static void
sync_delta (ZvRequest  *req,
            JsonObject *reply,
            gint64      since,
            gint64      limit,
            gint64      history)
{
  ZvServer *self = req->server;
  JsonArray *chats = json_object_get_array_member (reply, "chats");
  JsonArray *messages = json_object_get_array_member (reply, "messages");
  JsonArray *markers = json_object_get_array_member (reply, "read_markers");
  JsonArray *removed = json_object_get_array_member (reply, "removed_chats");
  g_autoptr(GHashTable) full_chats = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GHashTable) listed = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GPtrArray) delta_messages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GArray) chat_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *next = NULL;
  gint64 upper = zv_server_db_current_seq (self->db);
  gboolean more = FALSE;
  sqlite3_stmt *stmt;
  gint64 count = 0, last_seq = since;

  /* Membership changes first: a chat joined inside the window comes with its recent history
   * (flagged limited), since its older messages carry seqs below the token. */
  stmt = zv_server_db_prepare (self->db,
    "SELECT chat_id, left_at IS NOT NULL FROM members WHERE user_id = ?1 AND seq > ?2 AND seq <= ?3");
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  sqlite3_bind_int64 (stmt, 2, since);
  sqlite3_bind_int64 (stmt, 3, upper);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      if (sqlite3_column_int (stmt, 1))
        json_array_add_int_element (removed, id);
      else
        g_hash_table_add (full_chats, g_memdup2 (&id, sizeof id));
    }
  sqlite3_reset (stmt);

  stmt = zv_server_db_prepare (self->db,
    "SELECT " MESSAGE_COLUMNS " FROM messages m "
    "WHERE m.seq > ?2 AND m.seq <= ?4 AND m.chat_id IN "
    "(SELECT chat_id FROM members WHERE user_id = ?1 AND left_at IS NULL) "
    "ORDER BY m.seq LIMIT ?3");
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  sqlite3_bind_int64 (stmt, 2, since);
  sqlite3_bind_int64 (stmt, 3, limit + 1);
  sqlite3_bind_int64 (stmt, 4, upper);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 chat_id = sqlite3_column_int64 (stmt, 1);

      if (count++ == limit)
        {
          more = TRUE;
          break;
        }
      last_seq = sqlite3_column_int64 (stmt, 9);
      if (g_hash_table_contains (full_chats, &chat_id))
        continue;
      g_ptr_array_add (delta_messages, zv_message_from_row (self, stmt));
    }
  sqlite3_reset (stmt);
  /* Cut the window right after the last message of this page. */
  if (more)
    upper = last_seq;

  /* Chats whose own row changed (title, members); the chats of returned messages the client
   * already knows. */
  stmt = zv_server_db_prepare (self->db,
    "SELECT c.id FROM chats c JOIN members mb ON mb.chat_id = c.id AND mb.user_id = ?1 "
    "AND mb.left_at IS NULL WHERE c.seq > ?2 AND c.seq <= ?3");
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  sqlite3_bind_int64 (stmt, 2, since);
  sqlite3_bind_int64 (stmt, 3, upper);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (chat_ids, id);
    }
  sqlite3_reset (stmt);
  /* The user's own settings (muted, pinned) changed on another device. */
  stmt = zv_server_db_prepare (self->db,
    "SELECT chat_id FROM members WHERE user_id = ?1 AND left_at IS NULL "
    "AND settings_seq > ?2 AND settings_seq <= ?3");
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  sqlite3_bind_int64 (stmt, 2, since);
  sqlite3_bind_int64 (stmt, 3, upper);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (chat_ids, id);
    }
  sqlite3_reset (stmt);

  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, full_chats);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      {
        gint64 id = *(gint64 *) key;

        add_full_chat (self, id, req->user_id, history, chats, messages, markers);
        g_hash_table_add (listed, g_memdup2 (&id, sizeof id));
      }
  }
  for (guint i = 0; i < chat_ids->len; i++)
    {
      gint64 id = g_array_index (chat_ids, gint64, i);
      JsonObject *chat;

      if (g_hash_table_contains (listed, &id))
        continue;
      chat = zv_chat_to_json (self, id, req->user_id);
      json_object_set_boolean_member (chat, "limited", FALSE);
      json_array_add_object_element (chats, chat);
      g_hash_table_add (listed, g_memdup2 (&id, sizeof id));
    }
  for (guint i = 0; i < delta_messages->len; i++)
    json_array_add_object_element (messages, json_object_ref (delta_messages->pdata[i]));

  stmt = zv_server_db_prepare (self->db,
    "SELECT r.chat_id, r.user_id, r.message_id FROM read_markers r "
    "WHERE r.seq > ?2 AND r.seq <= ?3 AND r.chat_id IN "
    "(SELECT chat_id FROM members WHERE user_id = ?1 AND left_at IS NULL)");
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  sqlite3_bind_int64 (stmt, 2, since);
  sqlite3_bind_int64 (stmt, 3, upper);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 chat_id = sqlite3_column_int64 (stmt, 0);
      JsonObject *marker;

      if (g_hash_table_contains (full_chats, &chat_id))
        continue;
      marker = json_object_new ();
      json_object_set_int_member (marker, "chat_id", chat_id);
      json_object_set_int_member (marker, "user_id", sqlite3_column_int64 (stmt, 1));
      json_object_set_int_member (marker, "message_id", sqlite3_column_int64 (stmt, 2));
      json_array_add_object_element (markers, marker);
    }
  sqlite3_reset (stmt);

  next = g_strdup_printf ("d.%" G_GINT64_FORMAT, upper);
  json_object_set_string_member (reply, "next", next);
  json_object_set_boolean_member (reply, "more", more);
}

void
zv_handle_sync (ZvRequest *req)
{
  const char *since = zv_request_query (req, "since");
  g_autoptr(JsonObject) reply = json_object_new ();
  gint64 limit, history, a = 0, b = 0;

  if (!zv_request_query_int (req, "limit", 500, 1, 5000, &limit) ||
      !zv_request_query_int (req, "history", DEFAULT_HISTORY, 1, 1000, &history))
    return;

  json_object_set_array_member (reply, "chats", json_array_new ());
  json_object_set_array_member (reply, "messages", json_array_new ());
  json_object_set_array_member (reply, "read_markers", json_array_new ());
  json_object_set_array_member (reply, "removed_chats", json_array_new ());

  if (since == NULL)
    sync_initial (req, reply, zv_server_db_current_seq (req->server->db), 0, limit, history);
  else if (sscanf (since, "i.%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT, &a, &b) == 2 && a >= 0 && b >= 0)
    sync_initial (req, reply, a, b, limit, history);
  else if (sscanf (since, "d.%" G_GINT64_FORMAT, &a) == 1 && a >= 0 &&
           a <= zv_server_db_current_seq (req->server->db))
    sync_delta (req, reply, a, limit, history);
  else
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Malformed or foreign sync token");
      return;
    }
  zv_reply_object (req, 200, reply);
}

/* GET /chats/{id}/messages?before=ID|after=ID&limit=N: keyset paging on (chat_id, id). */
void
zv_handle_chat_messages (ZvRequest *req)
{
  ZvServer *self = req->server;
  g_autoptr(JsonObject) reply = json_object_new ();
  JsonArray *messages = json_array_new ();
  gint64 before, after, limit, count = 0;
  gboolean more = FALSE;
  sqlite3_stmt *stmt;

  json_object_set_array_member (reply, "messages", messages);
  if (!zv_request_query_int (req, "before", 0, 0, G_MAXINT64, &before) ||
      !zv_request_query_int (req, "after", 0, 0, G_MAXINT64, &after) ||
      !zv_request_query_int (req, "limit", 50, 1, 500, &limit))
    return;
  if (before != 0 && after != 0)
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Give \"before\" or \"after\", not both");
      return;
    }
  if (!zv_chat_is_member (self, req->ids[0], req->user_id))
    {
      stmt = zv_server_db_prepare (self->db, "SELECT 1 FROM chats WHERE id = ?1");
      sqlite3_bind_int64 (stmt, 1, req->ids[0]);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        zv_reply_error (req, ZV_API_ERROR_FORBIDDEN, "You are not a member of this chat");
      else
        zv_reply_error (req, ZV_API_ERROR_NOT_FOUND, "No such chat");
      sqlite3_reset (stmt);
      return;
    }

  if (after != 0)
    stmt = zv_server_db_prepare (self->db,
      "SELECT " MESSAGE_COLUMNS " FROM messages WHERE chat_id = ?1 AND id > ?2 ORDER BY id ASC LIMIT ?3");
  else
    stmt = zv_server_db_prepare (self->db,
      "SELECT " MESSAGE_COLUMNS " FROM messages WHERE chat_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3");
  sqlite3_bind_int64 (stmt, 1, req->ids[0]);
  sqlite3_bind_int64 (stmt, 2, after != 0 ? after : (before != 0 ? before : G_MAXINT64));
  sqlite3_bind_int64 (stmt, 3, limit + 1);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      if (count++ == limit)
        {
          more = TRUE;
          break;
        }
      json_array_add_object_element (messages, zv_message_from_row (self, stmt));
    }
  sqlite3_reset (stmt);
  json_object_set_boolean_member (reply, "more", more);
  zv_reply_object (req, 200, reply);
}
