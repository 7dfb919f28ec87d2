/* zv-events-apply.c: how the event stream's changes are written into the cache.
 *
 * A batch of events goes into one store transaction together with the seq of the last one applied
 * ("events_seq" in meta), so a crash anywhere leaves the cache "as of some seq" and the stream
 * resumes exactly after it. The objects events carry are the ones /sync carries, so they go through
 * ZvSync's appliers: messages through zv_sync_apply_message(), chats, removals and read markers as a
 * one-item page through zv_sync_apply_page() (which also rewrites the current sync token, unchanged).
 * What only the stream needs is here: unread counts that move with single messages, presence, and
 * noticing an event that refers to what the cache lacks (a gap the caller closes with a sync).
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "zv-error.h"
#include "zv-events-private.h"
#include "zv-json.h"
#include "zv-sync.h"

ZvEvent *
zv_event_new (gint64      seq,
              const char *type,
              JsonObject *data)
{
  ZvEvent *event = g_new0 (ZvEvent, 1);

  event->seq = seq;
  event->type = g_strdup (type);
  event->data = json_object_ref (data);
  return event;
}

void
zv_event_free (ZvEvent *event)
{
  g_free (event->type);
  json_object_unref (event->data);
  g_free (event);
}

void
zv_events_batch_free (ZvEventsBatch *batch)
{
  g_ptr_array_unref (batch->events);
  g_free (batch);
}

gint64
zv_events_read_seq (ZvStore *store)
{
  g_autofree char *text = zv_store_get_meta (store, "events_seq");

  return text != NULL ? g_ascii_strtoll (text, NULL, 10) : -1;
}

static gint64
stored_seq (ZvDb *db)
{
  sqlite3_stmt *stmt = zv_db_prepare (db, "SELECT value FROM meta WHERE key = 'events_seq'", NULL);
  gint64 seq = -1;

  if (stmt == NULL)
    return -1;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    seq = g_ascii_strtoll (zv_db_column_text (stmt, 0), NULL, 10);
  sqlite3_reset (stmt);
  return seq;
}

static gboolean
store_seq (ZvDb            *db,
           gint64           seq,
           gboolean         reset,
           ZvStoreChanges  *changes,
           GError         **error)
{
  g_autofree char *text = NULL;

  /* Never backwards (a late write must not make the stream replay what is applied), unless the
   * server renumbered (resync_required). */
  if (!reset && seq <= stored_seq (db))
    return TRUE;
  text = g_strdup_printf ("%" G_GINT64_FORMAT, seq);
  changes->flags |= ZV_STORE_CHANGED_META;
  return zv_store_set_meta (db, "events_seq", text, error);
}

static char *
sync_token (ZvDb *db)
{
  sqlite3_stmt *stmt = zv_db_prepare (db, "SELECT value FROM meta WHERE key = 'sync_token'", NULL);
  char *token = NULL;

  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    token = g_strdup (zv_db_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return token;
}

static gboolean
chat_known (ZvDb   *db,
            gint64  chat_id)
{
  sqlite3_stmt *stmt = zv_db_prepare (db, "SELECT 1 FROM chats WHERE id = ?1", NULL);
  gboolean known;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  known = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return known;
}

/* Returns FALSE if the event needs a chat the cache does not hold (a gap), with *gap set. */
static gboolean
apply_message (ZvDb            *db,
               gint64           me,
               JsonObject      *message,
               ZvStoreChanges  *changes,
               gboolean        *gap,
               GError         **error)
{
  gint64 chat_id;

  if (!zv_json_get_int (message, "chat_id", &chat_id, error))
    return FALSE;
  if (!chat_known (db, chat_id))
    {
      *gap = TRUE;
      return FALSE;
    }
  /* zv_sync_apply_message moves the unread count one message at a time. */
  return zv_sync_apply_message (db, me, message, changes, error);
}

/* Chats, removals and read markers carry what a /sync page carries: apply them as a page of one. */
static gboolean
apply_as_page (ZvDb            *db,
               gint64           me,
               const char      *member,
               JsonNode        *item,
               ZvStoreChanges  *changes,
               gboolean        *gap,
               GError         **error)
{
  g_autoptr(JsonObject) page = json_object_new ();
  g_autofree char *token = sync_token (db);
  JsonArray *array = json_array_new ();

  /* Without a token the cache was never synced: the sync this asks for brings everything. */
  if (token == NULL)
    {
      json_array_unref (array);
      json_node_unref (item);
      *gap = TRUE;
      return FALSE;
    }
  json_object_set_string_member (page, "next", token);
  json_object_set_array_member (page, "chats", json_array_new ());
  json_object_set_array_member (page, "messages", json_array_new ());
  json_array_add_element (array, item);
  json_object_set_array_member (page, member, array);
  return zv_sync_apply_page (db, me, page, changes, NULL, error);
}

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return node;
}

static gboolean
apply_event (ZvDb            *db,
             gint64           me,
             ZvEvent         *event,
             ZvStoreChanges  *changes,
             gboolean        *gap,
             gboolean        *want_sync,
             GError         **error)
{
  const char *type = event->type;

  if (g_str_equal (type, "message.created") || g_str_equal (type, "message.updated") ||
      g_str_equal (type, "message.deleted"))
    return apply_message (db, me, event->data, changes, gap, error);

  if (g_str_equal (type, "chat.created") || g_str_equal (type, "chat.updated"))
    {
      gint64 last_message_id = 0;

      if (!zv_json_get_int_or_null (event->data, "last_message_id", 0, &last_message_id, error))
        return FALSE;
      /* Joining a chat that already has history: the event holds the chat only, its recent
       * messages come with a sync (as "chats the user joined"). */
      if (g_str_equal (type, "chat.created") && last_message_id > 0)
        *want_sync = TRUE;
      return apply_as_page (db, me, "chats", object_node (event->data), changes, gap, error);
    }

  if (g_str_equal (type, "chat.removed"))
    {
      gint64 chat_id;
      JsonNode *node;

      if (!zv_json_get_int (event->data, "chat_id", &chat_id, error))
        return FALSE;
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_int (node, chat_id);
      return apply_as_page (db, me, "removed_chats", node, changes, gap, error);
    }

  if (g_str_equal (type, "read_marker"))
    {
      gint64 chat_id;

      if (!zv_json_get_int (event->data, "chat_id", &chat_id, error))
        return FALSE;
      if (!chat_known (db, chat_id))
        {
          *gap = TRUE;
          return FALSE;
        }
      return apply_as_page (db, me, "read_markers", object_node (event->data), changes, gap, error);
    }

  if (g_str_equal (type, "chat.settings"))
    {
      gboolean known;

      if (!zv_sync_apply_chat_settings (db, event->data, changes, &known, error))
        return FALSE;
      /* Settings of a chat the cache lacks: the sync that closes the gap brings them along. */
      if (!known)
        {
          *gap = TRUE;
          return FALSE;
        }
      return TRUE;
    }

  /* call.updated has nothing to change in the cache yet; unknown types are ignored, as the API
   * asks. Their seq still counts. */
  return TRUE;
}

/**
 * zv_events_write_batch: (a ZvStoreWriteFunc)
 *
 * Applies ZvEventsBatch.events in order, each inside a savepoint, and stores the seq of the last one
 * applied. An event that refers to a chat the cache does not hold, or that does not decode, stops
 * the batch there with ZvEventsBatch.gap set (what came before is kept); after the caller's sync it
 * is retried once and then passed over.
 */
gboolean
zv_events_write_batch (ZvDb            *db,
                       gpointer         data,
                       ZvStoreChanges  *changes,
                       GError         **error)
{
  ZvEventsBatch *batch = data;
  gboolean reset = FALSE;

  batch->applied = 0;
  batch->gap = FALSE;
  batch->seq = 0;
  for (guint i = 0; i < batch->events->len; i++)
    {
      ZvEvent *event = g_ptr_array_index (batch->events, i);
      g_autoptr(GError) local_error = NULL;
      gboolean gap = FALSE;

      if (!zv_db_exec (db, "SAVEPOINT event", error))
        return FALSE;
      if (apply_event (db, batch->me, event, changes, &gap, &batch->want_sync, &local_error))
        {
          if (!zv_db_exec (db, "RELEASE event", error))
            return FALSE;
        }
      else
        {
          if (!zv_db_exec (db, "ROLLBACK TO event; RELEASE event", error))
            return FALSE;
          /* A database failure is not the event's fault: fail the write, the stream replays it. */
          if (local_error != NULL && local_error->domain != ZV_API_ERROR)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          if (!event->after_gap_sync)
            {
              batch->gap = TRUE;
              break;
            }
          g_warning ("Passing over event %" G_GINT64_FORMAT " (%s) after a sync: %s", event->seq, event->type,
                     local_error != NULL ? local_error->message : "its chat is not in the cache");
        }
      batch->applied = i + 1;
      batch->seq = event->seq;
      reset |= event->reset_seq;
    }
  if (batch->applied == 0)
    return TRUE;
  return store_seq (db, batch->seq, reset, changes, error);
}

/* data: the JsonObject of a presence event. */
gboolean
zv_events_write_presence (ZvDb            *db,
                          gpointer         data,
                          ZvStoreChanges  *changes,
                          GError         **error)
{
  JsonObject *presence = data;
  gint64 user_id;
  const char *state;
  sqlite3_stmt *stmt;

  if (!zv_json_get_int (presence, "user_id", &user_id, error) ||
      (state = zv_json_get_string (presence, "presence", error)) == NULL)
    return FALSE;
  stmt = zv_db_prepare (db, "UPDATE users SET presence = ?2 WHERE id = ?1 AND presence != ?2", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, user_id);
  sqlite3_bind_text (stmt, 2, state, -1, SQLITE_TRANSIENT);
  if (!zv_db_step_done (db, stmt, error))
    return FALSE;
  if (sqlite3_changes (zv_db_handle (db)) > 0)
    changes->flags |= ZV_STORE_CHANGED_USERS;
  return TRUE;
}

/* The server could not use the stored sync token: the next sync starts from scratch. */
gboolean
zv_events_write_forget_sync (ZvDb            *db,
                             gpointer         data,
                             ZvStoreChanges  *changes,
                             GError         **error)
{
  sqlite3_stmt *stmt = zv_db_prepare (db, "DELETE FROM meta WHERE key = 'sync_token'", error);

  if (stmt == NULL)
    return FALSE;
  changes->flags |= ZV_STORE_CHANGED_META;
  return zv_db_step_done (db, stmt, error);
}
