/* zv-message-action.c: PATCH, DELETE and reactions on a message, through the account (token
 * refresh, deactivation), then the message the server answers with is upserted into the cache on
 * the store's writer. The event stream would bring the same change a moment later; writing the
 * answer now makes the row change as soon as the server agreed, also when the stream is down. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include "zv-message-action.h"
#include "zv-sync.h"

typedef struct {
  gint64      me;
  JsonObject *message;
} Apply;

static void
apply_free (Apply *apply)
{
  g_clear_pointer (&apply->message, json_object_unref);
  g_free (apply);
}

static gboolean
apply_write (ZvDb            *db,
             gpointer         data,
             ZvStoreChanges  *changes,
             GError         **error)
{
  Apply *apply = data;

  return zv_sync_apply_message (db, apply->me, apply->message, changes, error);
}

static void
written_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!zv_store_write_finish (ZV_STORE (object), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
called_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvAccount *account = ZV_ACCOUNT (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = zv_account_call_finish (account, result, &error);
  Apply *apply;

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Every message call answers with the message; anything else is left to the event stream. */
  if (!JSON_NODE_HOLDS_OBJECT (answer) || zv_account_get_store (account) == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  apply = g_new0 (Apply, 1);
  apply->me = zv_account_get_user_id (account);
  apply->message = json_object_ref (json_node_get_object (answer));
  {
    /* The cancellable is read before the task is handed over (argument order is unspecified). */
    GCancellable *cancellable = g_task_get_cancellable (task);

    zv_store_write_async (zv_account_get_store (account), apply_write, apply, (GDestroyNotify) apply_free,
                          cancellable, written_cb, g_steal_pointer (&task));
  }
}

/**
 * zv_message_action_async:
 * @body: (nullable): the JSON body
 *
 * Calls @method @path and writes the answered message to the cache.
 */
void
zv_message_action_async (ZvAccount           *account,
                         const char          *method,
                         const char          *path,
                         JsonNode            *body,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (ZV_IS_ACCOUNT (account));

  task = g_task_new (account, cancellable, callback, user_data);
  g_task_set_source_tag (task, zv_message_action_async);
  zv_account_call_async (account, method, path, body, cancellable, called_cb, task);
}

gboolean
zv_message_action_finish (ZvAccount     *account,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, account), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
