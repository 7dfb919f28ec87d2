/* zv-server-settings.c: a member's own settings for a chat (muted, pinned) and the external marker.
 *
 * They live on the caller's members row and concern nobody else, so a change bumps only that row's
 * settings_seq (a delta /sync returns the chat to the user's other devices) and stores one
 * chat.settings event for the user alone. The chat object carries them as the requester sees them. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include "zv-server-private.h"

/* Adds "muted", "pinned" (the user's own) and "external" (any current member is an external
 * account) to a chat object. */
void
zv_chat_settings_to_json (ZvServer   *self,
                          JsonObject *object,
                          gint64      chat_id,
                          gint64      user_id)
{
  gboolean muted = FALSE, pinned = FALSE, external = FALSE;
  sqlite3_stmt *stmt;

  stmt = zv_server_db_prepare (self->db,
    "SELECT muted, pinned FROM members WHERE chat_id = ?1 AND user_id = ?2 AND left_at IS NULL");
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      muted = sqlite3_column_int (stmt, 0) != 0;
      pinned = sqlite3_column_int (stmt, 1) != 0;
    }
  sqlite3_reset (stmt);

  stmt = zv_server_db_prepare (self->db,
    "SELECT EXISTS (SELECT 1 FROM members m JOIN users u ON u.id = m.user_id "
    "WHERE m.chat_id = ?1 AND m.left_at IS NULL AND u.external <> 0)");
  sqlite3_bind_int64 (stmt, 1, chat_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    external = sqlite3_column_int (stmt, 0) != 0;
  sqlite3_reset (stmt);

  json_object_set_boolean_member (object, "muted", muted);
  json_object_set_boolean_member (object, "pinned", pinned);
  json_object_set_boolean_member (object, "external", external);
}

/* Reads an optional boolean member: *present tells whether it was there; FALSE on a wrong type. */
static gboolean
optional_bool (JsonObject *body,
               const char *member,
               gboolean   *present,
               gboolean   *value)
{
  JsonNode *node = json_object_get_member (body, member);

  *present = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  *present = TRUE;
  *value = json_node_get_boolean (node);
  return TRUE;
}

void
zv_handle_chat_settings (ZvRequest *req)
{
  ZvServer *self = req->server;
  JsonObject *body;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) chat = NULL;
  g_autoptr(JsonObject) event = NULL;
  gboolean has_muted, has_pinned, muted = FALSE, pinned = FALSE;
  gboolean old_muted = FALSE, old_pinned = FALSE, found = FALSE;
  sqlite3_stmt *stmt;

  stmt = zv_server_db_prepare (self->db, "SELECT 1 FROM chats WHERE id = ?1");
  sqlite3_bind_int64 (stmt, 1, req->ids[0]);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  if (!found)
    {
      zv_reply_error (req, ZV_API_ERROR_NOT_FOUND, "No such chat");
      return;
    }
  if (!zv_chat_is_member (self, req->ids[0], req->user_id))
    {
      zv_reply_error (req, ZV_API_ERROR_FORBIDDEN, "You are not a member of this chat");
      return;
    }
  if ((body = zv_request_json_object (req)) == NULL)
    return;
  if (!optional_bool (body, "muted", &has_muted, &muted) ||
      !optional_bool (body, "pinned", &has_pinned, &pinned) ||
      (!has_muted && !has_pinned))
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Need \"muted\" and/or \"pinned\" (booleans)");
      return;
    }

  if (!zv_server_db_begin (self->db, &error))
    {
      zv_reply_internal (req, error);
      return;
    }
  stmt = zv_server_db_prepare (self->db,
    "SELECT muted, pinned FROM members WHERE chat_id = ?1 AND user_id = ?2");
  sqlite3_bind_int64 (stmt, 1, req->ids[0]);
  sqlite3_bind_int64 (stmt, 2, req->user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      old_muted = sqlite3_column_int (stmt, 0) != 0;
      old_pinned = sqlite3_column_int (stmt, 1) != 0;
    }
  sqlite3_reset (stmt);
  if (!has_muted)
    muted = old_muted;
  if (!has_pinned)
    pinned = old_pinned;

  /* Setting what is already set changes nothing and tells no device (like a repeated reaction). */
  if (muted != old_muted || pinned != old_pinned)
    {
      stmt = zv_server_db_prepare (self->db,
        "UPDATE members SET muted = ?3, pinned = ?4, settings_seq = ?5 WHERE chat_id = ?1 AND user_id = ?2");
      sqlite3_bind_int64 (stmt, 1, req->ids[0]);
      sqlite3_bind_int64 (stmt, 2, req->user_id);
      sqlite3_bind_int (stmt, 3, muted);
      sqlite3_bind_int (stmt, 4, pinned);
      sqlite3_bind_int64 (stmt, 5, zv_server_db_next_seq (self->db));
      if (!zv_server_db_step_done (self->db, stmt, &error))
        {
          zv_server_db_rollback (self->db);
          zv_reply_internal (req, error);
          return;
        }
      event = json_object_new ();
      json_object_set_int_member (event, "chat_id", req->ids[0]);
      json_object_set_boolean_member (event, "muted", muted);
      json_object_set_boolean_member (event, "pinned", pinned);
      zv_events_emit (self, req->user_id, "chat.settings", event);
    }
  if (!zv_server_db_commit (self->db, &error))
    {
      zv_server_db_rollback (self->db);
      zv_reply_internal (req, error);
      return;
    }
  zv_events_flush (self);
  chat = zv_chat_to_json (self, req->ids[0], req->user_id);
  zv_reply_object (req, 200, chat);
}
