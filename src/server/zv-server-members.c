/* zv-server-members.c: changing a group chat after it was made: renaming it, adding people, and
 * people leaving or being removed. Each change bumps the chat's seq (and the member row's), so that
 * /sync reports it, and stores chat.updated / chat.created / chat.removed events. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <string.h>

#include "zv-server-private.h"

/* Loads the group chat ids[0] for a member; replies and returns FALSE otherwise. *created_by is the
 * chat's creator, who may remove others. */
static gboolean
load_group (ZvRequest *req,
            gint64    *created_by)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (req->server->db,
    "SELECT type, ifnull(created_by, 0) FROM chats WHERE id = ?1");
  gboolean found = FALSE, group = FALSE;

  sqlite3_bind_int64 (stmt, 1, req->ids[0]);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      found = TRUE;
      group = g_str_equal (zv_server_db_column_text (stmt, 0), "group");
      *created_by = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (!found)
    {
      zv_reply_error (req, ZV_API_ERROR_NOT_FOUND, "No such chat");
      return FALSE;
    }
  if (!zv_chat_is_member (req->server, req->ids[0], req->user_id))
    {
      zv_reply_error (req, ZV_API_ERROR_FORBIDDEN, "You are not a member of this chat");
      return FALSE;
    }
  if (!group)
    {
      zv_reply_error (req, ZV_API_ERROR_CONFLICT, "A direct chat cannot be changed");
      return FALSE;
    }
  return TRUE;
}

static gboolean
bump_chat (ZvServer  *self,
           gint64     chat_id,
           gint64     seq,
           GError   **error)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db, "UPDATE chats SET seq = ?2 WHERE id = ?1");

  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, seq);
  return zv_server_db_step_done (self->db, stmt, error);
}

/* Stores chat.updated for every member, each with the chat as they see it. */
static void
emit_chat_updated (ZvServer *self,
                   gint64    chat_id)
{
  g_autoptr(GArray) users = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "SELECT user_id FROM members WHERE chat_id = ?1 AND left_at IS NULL");

  sqlite3_bind_int64 (stmt, 1, chat_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 uid = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (users, uid);
    }
  sqlite3_reset (stmt);
  for (guint i = 0; i < users->len; i++)
    {
      g_autoptr(JsonObject) chat = zv_chat_to_json (self, chat_id, g_array_index (users, gint64, i));

      zv_events_emit (self, g_array_index (users, gint64, i), "chat.updated", chat);
    }
}

static void
finish (ZvRequest *req,
        GError    *error)
{
  g_autoptr(JsonObject) chat = NULL;

  if (error != NULL || !zv_server_db_commit (req->server->db, &error))
    {
      zv_server_db_rollback (req->server->db);
      zv_reply_internal (req, error);
      g_clear_error (&error);
      return;
    }
  zv_events_flush (req->server);
  if (zv_chat_is_member (req->server, req->ids[0], req->user_id))
    {
      chat = zv_chat_to_json (req->server, req->ids[0], req->user_id);
      zv_reply_object (req, 200, chat);
    }
  else
    soup_server_message_set_status (req->msg, 204, NULL);
}

void
zv_handle_chat_update (ZvRequest *req)
{
  ZvServer *self = req->server;
  JsonObject *body;
  GError *error = NULL;
  const char *title;
  gboolean ok = TRUE;
  gint64 created_by, seq;
  sqlite3_stmt *stmt;

  if (!load_group (req, &created_by) || (body = zv_request_json_object (req)) == NULL)
    return;
  title = zv_json_string (body, "title", &ok);
  if (!ok || title == NULL || strlen (title) > 256)
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Need \"title\" (up to 256 bytes)");
      return;
    }
  if (!zv_server_db_begin (self->db, &error))
    {
      finish (req, error);
      return;
    }
  seq = zv_server_db_next_seq (self->db);
  stmt = zv_server_db_prepare (self->db, "UPDATE chats SET title = ?2, seq = ?3 WHERE id = ?1");
  sqlite3_bind_int64 (stmt, 1, req->ids[0]);
  sqlite3_bind_text (stmt, 2, title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, seq);
  if (zv_server_db_step_done (self->db, stmt, &error))
    emit_chat_updated (self, req->ids[0]);
  finish (req, error);
}

void
zv_handle_members_add (ZvRequest *req)
{
  ZvServer *self = req->server;
  JsonObject *body;
  JsonNode *node;
  JsonArray *array;
  GError *error = NULL;
  g_autoptr(GArray) added = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 created_by, seq, now = zv_server_now_ms ();
  sqlite3_stmt *stmt;

  if (!load_group (req, &created_by) || (body = zv_request_json_object (req)) == NULL)
    return;
  node = json_object_get_member (body, "user_ids");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) == 0 ||
      json_array_get_length (json_node_get_array (node)) > 1000)
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Need \"user_ids\": the people to add");
      return;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      gboolean active = FALSE;
      gint64 uid;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_INT64)
        {
          zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "\"user_ids\" must hold user ids");
          return;
        }
      uid = json_node_get_int (element);
      stmt = zv_server_db_prepare (self->db, "SELECT 1 FROM users WHERE id = ?1 AND disabled = 0");
      sqlite3_bind_int64 (stmt, 1, uid);
      active = sqlite3_step (stmt) == SQLITE_ROW;
      sqlite3_reset (stmt);
      if (!active)
        {
          zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "\"user_ids\" names an unknown or disabled user");
          return;
        }
      if (!zv_chat_is_member (self, req->ids[0], uid))
        g_array_append_val (added, uid);
    }

  if (!zv_server_db_begin (self->db, &error))
    {
      finish (req, error);
      return;
    }
  seq = zv_server_db_next_seq (self->db);
  for (guint i = 0; i < added->len && error == NULL; i++)
    {
      stmt = zv_server_db_prepare (self->db,
        "INSERT INTO members (chat_id, user_id, role, joined_at, seq) VALUES (?1, ?2, 'member', ?3, ?4) "
        "ON CONFLICT (chat_id, user_id) DO UPDATE SET left_at = NULL, joined_at = excluded.joined_at, "
        "seq = excluded.seq");
      sqlite3_bind_int64 (stmt, 1, req->ids[0]);
      sqlite3_bind_int64 (stmt, 2, g_array_index (added, gint64, i));
      sqlite3_bind_int64 (stmt, 3, now);
      sqlite3_bind_int64 (stmt, 4, seq);
      zv_server_db_step_done (self->db, stmt, &error);
    }
  if (error == NULL && added->len > 0 && bump_chat (self, req->ids[0], seq, &error))
    {
      emit_chat_updated (self, req->ids[0]);
      for (guint i = 0; i < added->len; i++)
        {
          g_autoptr(JsonObject) chat = zv_chat_to_json (self, req->ids[0], g_array_index (added, gint64, i));

          zv_events_emit (self, g_array_index (added, gint64, i), "chat.created", chat);
        }
    }
  finish (req, error);
}

void
zv_handle_member_remove (ZvRequest *req)
{
  ZvServer *self = req->server;
  GError *error = NULL;
  g_autoptr(JsonObject) data = json_object_new ();
  gint64 created_by, seq, uid = req->ids[1];
  sqlite3_stmt *stmt;

  if (!load_group (req, &created_by))
    return;
  /* Anyone may leave; only the chat's creator removes others. */
  if (uid != req->user_id && created_by != req->user_id)
    {
      zv_reply_error (req, ZV_API_ERROR_FORBIDDEN, "Only the chat's creator may remove other members");
      return;
    }
  if (!zv_chat_is_member (self, req->ids[0], uid))
    {
      zv_reply_error (req, ZV_API_ERROR_NOT_FOUND, "Not a member of this chat");
      return;
    }
  if (!zv_server_db_begin (self->db, &error))
    {
      finish (req, error);
      return;
    }
  seq = zv_server_db_next_seq (self->db);
  stmt = zv_server_db_prepare (self->db,
    "UPDATE members SET left_at = ?3, seq = ?4 WHERE chat_id = ?1 AND user_id = ?2");
  sqlite3_bind_int64 (stmt, 1, req->ids[0]);
  sqlite3_bind_int64 (stmt, 2, uid);
  sqlite3_bind_int64 (stmt, 3, zv_server_now_ms ());
  sqlite3_bind_int64 (stmt, 4, seq);
  if (zv_server_db_step_done (self->db, stmt, &error) && bump_chat (self, req->ids[0], seq, &error))
    {
      json_object_set_int_member (data, "chat_id", req->ids[0]);
      zv_events_emit (self, uid, "chat.removed", data);
      emit_chat_updated (self, req->ids[0]);
    }
  finish (req, error);
}
