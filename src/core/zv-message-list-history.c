/* zv-message-list-history.c: backfill for ZvMessageList: older history fetched from the server
 * (GET /chats/{id}/messages?before=OLDEST) and stored in one write, after which the list grows at
 * position 0 through the store's ::changed like any other change. */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "zv-error.h"
#include "zv-json.h"
#include "zv-message-list-private.h"
#include "zv-outbox.h"
#include "zv-sync.h"

/**
 * zv_message_list_apply_history:
 * @page: {"messages": [newest first], "more": bool}
 *
 * Runs inside a store write. The chat's history counts as complete when the server says there is
 * no more.
 */
gboolean
zv_message_list_apply_history (ZvDb            *db,
                               gint64           self_id,
                               gint64           chat_id,
                               JsonObject      *page,
                               ZvStoreChanges  *changes,
                               GError         **error)
{
  JsonArray *messages;
  gboolean more = FALSE;
  sqlite3_stmt *stmt;

  if ((messages = zv_json_get_array (page, "messages", TRUE, error)) == NULL ||
      !zv_json_get_bool (page, "more", FALSE, &more, error))
    return FALSE;

  for (guint i = 0; i < json_array_get_length (messages); i++)
    {
      JsonObject *message = zv_json_array_get_object (messages, i, "messages", error);
      gint64 message_chat = 0;

      if (message == NULL || !zv_json_get_int (message, "chat_id", &message_chat, error))
        return FALSE;
      if (message_chat != chat_id)
        {
          g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                       _("The server's answer is not valid: “%s” must be %s"), "messages[].chat_id",
                       _("the id of the requested chat"));
          return FALSE;
        }
      if (!zv_sync_apply_message (db, self_id, message, changes, error))
        return FALSE;
    }

  stmt = zv_db_prepare (db,
                        "UPDATE chats SET history_complete = max(history_complete, ?2), "
                        "oldest_cached = (SELECT min(id) FROM messages WHERE chat_id = ?1) WHERE id = ?1",
                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int (stmt, 2, !more);
  if (!zv_db_step_done (db, stmt, error))
    return FALSE;

  changes->flags |= ZV_STORE_CHANGED_CHATS;
  zv_store_changes_add_chat (changes, chat_id);
  return TRUE;
}

typedef struct {
  JsonNode *node;
  gint64    self_id;
  gint64    chat_id;
} HistoryWrite;

static void
history_write_free (HistoryWrite *write)
{
  json_node_unref (write->node);
  g_free (write);
}

static gboolean
history_write (ZvDb            *db,
               gpointer         data,
               ZvStoreChanges  *changes,
               GError         **error)
{
  HistoryWrite *write = data;

  return zv_message_list_apply_history (db, write->self_id, write->chat_id,
                                        json_node_get_object (write->node), changes, error);
}

static void
history_written_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvMessageList *self = g_task_get_source_object (task);
  GError *error = NULL;

  zv_message_list_set_loading (self, FALSE);
  if (!zv_store_write_finish (ZV_STORE (object), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, GPOINTER_TO_INT (g_task_get_task_data (task)));
}

static void
history_fetched_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvMessageList *self = g_task_get_source_object (task);
  g_autoptr(JsonNode) node = NULL;
  HistoryWrite *write;
  JsonArray *messages;
  GError *error = NULL;

  node = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);
  if (node == NULL)
    {
      zv_message_list_set_loading (self, FALSE);
      g_task_return_error (task, error);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node) ||
      (messages = zv_json_get_array (json_node_get_object (node), "messages", TRUE, &error)) == NULL)
    {
      zv_message_list_set_loading (self, FALSE);
      if (error == NULL)
        error = g_error_new (ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                             _("The server's answer is not valid: “%s” must be %s"), "/", _("an object"));
      g_task_return_error (task, error);
      return;
    }

  g_task_set_task_data (task, GINT_TO_POINTER ((gint) json_array_get_length (messages)), NULL);
  write = g_new0 (HistoryWrite, 1);
  write->node = g_steal_pointer (&node);
  write->self_id = zv_message_list_get_self_id (self);
  write->chat_id = zv_message_list_get_chat_id (self);
  zv_store_write_async (zv_message_list_get_store (self), history_write, write, (GDestroyNotify) history_write_free,
                        g_task_get_cancellable (task), history_written_cb, g_object_ref (task));
}

/**
 * zv_message_list_load_older_async:
 * @limit: messages to fetch (1-500; 0: 50)
 *
 * Fetches the history before the oldest cached message from the server and stores it; the list
 * then grows at position 0. Finishes with the number of messages the server sent (0: nothing
 * older exists, and "history-complete" becomes TRUE).
 */
void
zv_message_list_load_older_async (ZvMessageList       *self,
                                  guint                limit,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;
  sqlite3_stmt *stmt;
  gint64 oldest = 0;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (ZV_IS_MESSAGE_LIST (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zv_message_list_load_older_async);

  if (zv_message_list_get_account (self) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               _("Older messages cannot be loaded without a signed-in account"));
      return;
    }
  if (zv_message_list_get_loading (self))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("Older messages are already being loaded"));
      return;
    }

  /* The oldest message the server knows of (outbox rows have ids of their own). */
  stmt = zv_db_prepare (zv_store_get_reader (zv_message_list_get_store (self)),
                        "SELECT min(id) FROM messages WHERE chat_id = ?1 AND id < ?2", &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  sqlite3_bind_int64 (stmt, 1, zv_message_list_get_chat_id (self));
  sqlite3_bind_int64 (stmt, 2, ZV_OUTBOX_ID_BASE);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    oldest = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  limit = limit == 0 ? 50 : CLAMP (limit, 1, 500);
  if (oldest > 0)
    path = g_strdup_printf ("/chats/%" G_GINT64_FORMAT "/messages?before=%" G_GINT64_FORMAT "&limit=%u",
                            zv_message_list_get_chat_id (self), oldest, limit);
  else
    path = g_strdup_printf ("/chats/%" G_GINT64_FORMAT "/messages?limit=%u", zv_message_list_get_chat_id (self), limit);

  zv_message_list_set_loading (self, TRUE);
  zv_account_call_async (zv_message_list_get_account (self), "GET", path, NULL, cancellable, history_fetched_cb, g_steal_pointer (&task));
}

gboolean
zv_message_list_load_older_finish (ZvMessageList  *self,
                                   GAsyncResult   *result,
                                   guint          *n_loaded,
                                   GError        **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  if (n_loaded != NULL)
    *n_loaded = (guint) n;
  return TRUE;
}
