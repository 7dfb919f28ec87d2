/* zv-outbox.c: the outbox.
 *
 * Queueing writes, in one transaction, an outbox row and a pending copy of the message that the
 * chat shows at once; it needs no network and returns as soon as the row is on disk. Flushing
 * delivers the oldest message first, one at a time, with the client id as the server's idempotency
 * key: if the process dies after the server stored a message but before we heard back, the retry
 * gets the same message (200) instead of a second copy. The server's copy then replaces the pending
 * one in one transaction (zv_sync_apply_message). A transient failure (network, 5xx) stops the flush
 * and backs off; a permanent one (not a member any more, too large) marks that message failed with
 * the reason and the flush goes on with the next: nothing typed is ever dropped silently.
 *
 * Attachments are recorded with the message as JSON [{"path", "name", "size", "upload_id"?,
 * "file_id"?, "uploaded"?}] (the pending copy shows the same list, so the chat shows them at once
 * with their progress). Flushing uploads each one not yet on the server through a resumable session
 * (ZvUpload), recording the session id first and the file id last, so a restart resumes where the
 * server's offset stands and a file is never uploaded into a second file; then the message is posted
 * with the file ids. A refusal by policy (too large, blocked type) fails the message like any other
 * permanent error, with the server's reason.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "zv-error.h"
#include "zv-json.h"
#include "zv-outbox.h"
#include "zv-sync.h"
#include "zv-upload.h"

#define BACKOFF_BASE_MS 1000
#define BACKOFF_MAX_MS (5 * 60 * 1000)
/* How often upload progress is written to the pending message (a write per chunk is wasteful). */
#define PROGRESS_STEP 0.05

struct _ZvOutbox
{
  GObject    parent_instance;

  /* owned */
  ZvAccount *account;
};

G_DEFINE_FINAL_TYPE (ZvOutbox, zv_outbox, G_TYPE_OBJECT)

typedef struct {
  gint64  chat_id;
  char   *text;
  gint64  reply_to;
  gint64  me;
  char   *client_id;
  char   *attachments;   /* JSON array text */
} Queued;

static void
queued_free (Queued *queued)
{
  g_free (queued->text);
  g_free (queued->attachments);
  g_free (queued->client_id);
  g_free (queued);
}

static gboolean
write_queued (ZvDb            *db,
              gpointer         data,
              ZvStoreChanges  *changes,
              GError         **error)
{
  Queued *queued = data;
  gint64 now = g_get_real_time () / 1000;
  gint64 local_id;
  sqlite3_stmt *stmt;

  stmt = zv_db_prepare (db, "SELECT 1 FROM chats WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, queued->chat_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, queued->chat_id);

      sqlite3_reset (stmt);
      g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_NOT_FOUND,
                   _("There is no chat %s here; sync first or check the chat id"), id);
      return FALSE;
    }
  sqlite3_reset (stmt);

  stmt = zv_db_prepare (db, "INSERT INTO outbox (client_id, chat_id, text, reply_to, created_at, attachments) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, queued->client_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, queued->chat_id);
  sqlite3_bind_text (stmt, 3, queued->text, -1, SQLITE_TRANSIENT);
  if (queued->reply_to > 0)
    sqlite3_bind_int64 (stmt, 4, queued->reply_to);
  sqlite3_bind_int64 (stmt, 5, now);
  sqlite3_bind_text (stmt, 6, queued->attachments, -1, SQLITE_TRANSIENT);
  if (!zv_db_step_done (db, stmt, error))
    return FALSE;
  local_id = sqlite3_last_insert_rowid (zv_db_handle (db));

  stmt = zv_db_prepare (db, "INSERT INTO messages (id, chat_id, sender_id, client_id, text, reply_to, "
                            "created_at, state, attachments) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, ZV_OUTBOX_ID_BASE + local_id);
  sqlite3_bind_int64 (stmt, 2, queued->chat_id);
  sqlite3_bind_int64 (stmt, 3, queued->me);
  sqlite3_bind_text (stmt, 4, queued->client_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, queued->text, -1, SQLITE_TRANSIENT);
  if (queued->reply_to > 0)
    sqlite3_bind_int64 (stmt, 6, queued->reply_to);
  sqlite3_bind_int64 (stmt, 7, now);
  sqlite3_bind_text (stmt, 8, queued->attachments, -1, SQLITE_TRANSIENT);
  if (!zv_db_step_done (db, stmt, error))
    return FALSE;

  /* The draft was sent: it is gone. */
  stmt = zv_db_prepare (db, "UPDATE chats SET draft = '', last_activity = max(last_activity, ?2) WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, queued->chat_id);
  sqlite3_bind_int64 (stmt, 2, now);
  if (!zv_db_step_done (db, stmt, error))
    return FALSE;

  zv_store_changes_add_chat (changes, queued->chat_id);
  changes->flags |= ZV_STORE_CHANGED_CHATS | ZV_STORE_CHANGED_OUTBOX;
  return TRUE;
}

static void
queued_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Queued *queued = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!zv_store_write_finish (ZV_STORE (object), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_strdup (queued->client_id), g_free);
}

/* The attachment list recorded with a queued message, from local paths; fails when one cannot be
 * attached (it must exist now: the user is told at once, not at delivery). Only a stat, no reading. */
static char *
attachments_from_paths (const char *const  *paths,
                        GError            **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      g_autofree char *absolute = g_canonicalize_filename (paths[i], NULL);
      g_autoptr(GFile) file = g_file_new_for_path (absolute);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                                                     G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                                                     G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME,
                                                     G_FILE_QUERY_INFO_NONE, NULL, &local_error);
      g_autofree char *name = g_path_get_basename (absolute);

      if (info == NULL || g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
        {
          g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_BAD_REQUEST, _("Cannot attach “%s”: %s"), paths[i],
                       local_error != NULL ? local_error->message : _("not a regular file"));
          return NULL;
        }
      if (!g_utf8_validate (name, -1, NULL))
        {
          g_free (name);
          name = g_strdup (g_file_info_get_display_name (info));
        }
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, absolute);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, name);
      json_builder_set_member_name (builder, "size");
      json_builder_add_int_value (builder, g_file_info_get_size (info));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/**
 * zv_outbox_queue_async:
 *
 * Puts a message in the outbox (and the chat) at once; zv_outbox_flush_async() delivers it.
 * Returns its client id.
 */
void
zv_outbox_queue_async (ZvOutbox            *self,
                       gint64               chat_id,
                       const char          *text,
                       gint64               reply_to,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  zv_outbox_queue_with_files_async (self, chat_id, text, reply_to, NULL, cancellable, callback, user_data);
}

/**
 * zv_outbox_queue_with_files_async:
 * @paths: (nullable) (array zero-terminated=1): local files to attach
 *
 * As zv_outbox_queue_async(), with attachments; the text may then be empty. Finish with
 * zv_outbox_queue_finish().
 */
void
zv_outbox_queue_with_files_async (ZvOutbox            *self,
                                  gint64               chat_id,
                                  const char          *text,
                                  gint64               reply_to,
                                  const char * const  *paths,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  ZvStore *store = zv_account_get_store (self->account);
  g_autofree char *trimmed = text != NULL ? g_strstrip (g_strdup (text)) : NULL;
  g_autofree char *attachments = NULL;
  g_autoptr(GError) error = NULL;
  gboolean has_files = paths != NULL && paths[0] != NULL;
  Queued *queued;

  g_task_set_source_tag (task, zv_outbox_queue_async);

  if (store == NULL)
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_UNAUTHORIZED,
                               _("No account is signed in on this device"));
      return;
    }
  if ((text != NULL && !g_utf8_validate (text, -1, NULL)) ||
      (!has_files && (trimmed == NULL || *trimmed == '\0')))
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_BAD_REQUEST,
                               _("A message needs some text"));
      return;
    }
  attachments = attachments_from_paths (paths, &error);
  if (attachments == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  queued = g_new0 (Queued, 1);
  queued->chat_id = chat_id;
  queued->text = g_strdup (text != NULL ? text : "");
  queued->reply_to = reply_to;
  queued->me = zv_account_get_user_id (self->account);
  queued->client_id = g_uuid_string_random ();
  queued->attachments = g_steal_pointer (&attachments);
  g_task_set_task_data (task, queued, (GDestroyNotify) queued_free);
  zv_store_write_async (store, write_queued, queued, NULL, cancellable, queued_cb, g_steal_pointer (&task));
}

char *
zv_outbox_queue_finish (ZvOutbox      *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- flushing ----------------------------------------------------------------------------------- */

typedef struct {
  gint64  local_id;
  char   *client_id;
  gint64  chat_id;
  char   *text;
  gint64  reply_to;
  gint64  attempts;
  guint   delivered;
  JsonNode *attachments;     /* the current message's array */
  JsonObject *uploading;     /* borrowed from attachments: the one being uploaded */
  ZvUpload *upload;
  double    progress_written;
} Flush;

static void
flush_clear_current (Flush *flush)
{
  g_clear_pointer (&flush->client_id, g_free);
  g_clear_pointer (&flush->text, g_free);
  flush->uploading = NULL;
  g_clear_pointer (&flush->attachments, json_node_unref);
  if (flush->upload != NULL)
    g_signal_handlers_disconnect_matched (flush->upload, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, flush);
  g_clear_object (&flush->upload);
}

static void
flush_free (Flush *flush)
{
  flush_clear_current (flush);
  g_free (flush);
}

static void flush_next (GTask *task);
static void step_written_cb (GObject *object, GAsyncResult *result, gpointer user_data);

typedef struct {
  JsonNode *message;
  gint64    me;
} Delivered;

static void
delivered_free (Delivered *delivered)
{
  json_node_unref (delivered->message);
  g_free (delivered);
}

/* The server's copy replaces the pending one and the outbox row (see zv_sync_apply_message). */
static gboolean
write_delivered (ZvDb            *db,
                 gpointer         data,
                 ZvStoreChanges  *changes,
                 GError         **error)
{
  Delivered *delivered = data;

  changes->flags |= ZV_STORE_CHANGED_OUTBOX;
  return zv_sync_apply_message (db, delivered->me, json_node_get_object (delivered->message), changes, error);
}

typedef struct {
  char    *client_id;
  gint64   chat_id;
  gboolean permanent;
  char    *reason;
  gint64   next_attempt_at;
} Failure;

static void
failure_free (Failure *failure)
{
  g_free (failure->client_id);
  g_free (failure->reason);
  g_free (failure);
}

static gboolean
write_failure (ZvDb            *db,
               gpointer         data,
               ZvStoreChanges  *changes,
               GError         **error)
{
  Failure *failure = data;
  sqlite3_stmt *stmt;

  stmt = zv_db_prepare (db, "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 "
                            "WHERE client_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, failure->client_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, failure->next_attempt_at);
  sqlite3_bind_text (stmt, 3, failure->reason, -1, SQLITE_TRANSIENT);
  if (!zv_db_step_done (db, stmt, error))
    return FALSE;

  if (failure->permanent)
    {
      stmt = zv_db_prepare (db, "UPDATE messages SET state = 'failed' WHERE client_id = ?1 AND state = 'pending'", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, failure->client_id, -1, SQLITE_TRANSIENT);
      if (!zv_db_step_done (db, stmt, error))
        return FALSE;
      zv_store_changes_add_chat (changes, failure->chat_id);
    }
  changes->flags |= ZV_STORE_CHANGED_OUTBOX;
  return TRUE;
}

static void
step_written_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!zv_store_write_finish (ZV_STORE (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  flush_next (g_steal_pointer (&task));
}

/* Delivering the current message failed (posting it or uploading an attachment). */
static void
flush_failed (GTask        *task_in,
              const GError *error)
{
  g_autoptr(GTask) task = task_in;
  ZvOutbox *self = g_task_get_source_object (task);
  Flush *flush = g_task_get_task_data (task);
  ZvStore *store = zv_account_get_store (self->account);
  GCancellable *cancellable;
  Failure *failure;

  if (store == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_error_copy (error));
      return;
    }

  failure = g_new0 (Failure, 1);
  failure->client_id = g_strdup (flush->client_id);
  failure->chat_id = flush->chat_id;
  failure->reason = g_strdup (error->message);
  failure->permanent = error->domain == ZV_API_ERROR && !zv_api_error_is_transient (error) &&
                       !g_error_matches (error, ZV_API_ERROR, ZV_API_ERROR_UNAUTHORIZED);
  /* Exponential backoff with jitter, so a hundred clients do not return in step. */
  failure->next_attempt_at = g_get_real_time () / 1000 +
    MIN (BACKOFF_MAX_MS, BACKOFF_BASE_MS << MIN (flush->attempts, 10)) + g_random_int_range (0, BACKOFF_BASE_MS);

  if (!failure->permanent)
    {
      /* The network or the server is down: stop here and try again later, in the same order. */
      zv_store_write_async (store, write_failure, failure, (GDestroyNotify) failure_free, NULL, NULL, NULL);
      g_task_return_error (task, g_error_copy (error));
      return;
    }
  cancellable = g_task_get_cancellable (task);
  zv_store_write_async (store, write_failure, failure, (GDestroyNotify) failure_free,
                        cancellable, step_written_cb, g_steal_pointer (&task));
}

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvOutbox *self = g_task_get_source_object (task);
  Flush *flush = g_task_get_task_data (task);
  ZvStore *store = zv_account_get_store (self->account);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) message = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);

  if (store == NULL)
    {
      /* The account was wiped meanwhile (deactivation): nothing left to deliver. */
      g_task_return_error (task, error != NULL ? g_steal_pointer (&error)
                           : g_error_new_literal (ZV_API_ERROR, ZV_API_ERROR_UNAUTHORIZED,
                                                  _("No account is signed in on this device")));
      return;
    }

  if (message != NULL && JSON_NODE_HOLDS_OBJECT (message))
    {
      Delivered *delivered = g_new0 (Delivered, 1);

      delivered->message = json_node_ref (message);
      delivered->me = zv_account_get_user_id (self->account);
      flush->delivered++;
      zv_store_write_async (store, write_delivered, delivered, (GDestroyNotify) delivered_free,
                            cancellable, step_written_cb, g_steal_pointer (&task));
      return;
    }
  if (error == NULL)
    g_set_error_literal (&error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                         _("The server's answer is not a JSON object"));
  flush_failed (g_steal_pointer (&task), error);
}

typedef struct {
  char   *client_id;
  gint64  chat_id;
  char   *attachments;
} AttachmentsUpdate;

static void
attachments_update_free (AttachmentsUpdate *update)
{
  g_free (update->client_id);
  g_free (update->attachments);
  g_free (update);
}

/* The outbox row (what a restart resumes from) and the pending copy (what the chat shows). */
static gboolean
write_attachments (ZvDb            *db,
                   gpointer         data,
                   ZvStoreChanges  *changes,
                   GError         **error)
{
  AttachmentsUpdate *update = data;
  sqlite3_stmt *stmt;

  stmt = zv_db_prepare (db, "UPDATE outbox SET attachments = ?2 WHERE client_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, update->client_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, update->attachments, -1, SQLITE_TRANSIENT);
  if (!zv_db_step_done (db, stmt, error))
    return FALSE;
  stmt = zv_db_prepare (db, "UPDATE messages SET attachments = ?2 WHERE client_id = ?1 AND state <> 'sent'", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, update->client_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, update->attachments, -1, SQLITE_TRANSIENT);
  if (!zv_db_step_done (db, stmt, error))
    return FALSE;
  zv_store_changes_add_chat (changes, update->chat_id);
  changes->flags |= ZV_STORE_CHANGED_OUTBOX;
  return TRUE;
}

/* Queues a write of the current attachment list; @task (nullable, taken) goes on when it is done. */
static void
save_attachments (ZvOutbox *self,
                  Flush    *flush,
                  GTask    *task)
{
  ZvStore *store = zv_account_get_store (self->account);
  AttachmentsUpdate *update;

  if (store == NULL)
    {
      if (task != NULL)
        flush_next (task);
      return;
    }
  update = g_new0 (AttachmentsUpdate, 1);
  update->client_id = g_strdup (flush->client_id);
  update->chat_id = flush->chat_id;
  update->attachments = json_to_string (flush->attachments, FALSE);
  if (task == NULL)
    zv_store_write_async (store, write_attachments, update, (GDestroyNotify) attachments_update_free,
                          NULL, NULL, NULL);
  else
    zv_store_write_async (store, write_attachments, update, (GDestroyNotify) attachments_update_free,
                          g_task_get_cancellable (task), step_written_cb, task);
}

static void
upload_id_changed_cb (ZvUpload   *upload,
                      GParamSpec *pspec,
                      Flush      *flush)
{
  ZvOutbox *self = g_object_get_data (G_OBJECT (upload), "zv-outbox");
  gint64 upload_id = zv_upload_get_upload_id (upload);

  /* Recorded before the first chunk: after a crash the next run resumes this session. */
  if (upload_id > 0)
    json_object_set_int_member (flush->uploading, "upload_id", upload_id);
  else
    json_object_remove_member (flush->uploading, "upload_id");
  save_attachments (self, flush, NULL);
}

static void
upload_progress_cb (ZvUpload   *upload,
                    GParamSpec *pspec,
                    Flush      *flush)
{
  ZvOutbox *self = g_object_get_data (G_OBJECT (upload), "zv-outbox");
  double progress = zv_upload_get_progress (upload);

  if (progress < 1.0 && progress - flush->progress_written < PROGRESS_STEP)
    return;
  flush->progress_written = progress;
  json_object_set_int_member (flush->uploading, "uploaded", zv_upload_get_offset (upload));
  save_attachments (self, flush, NULL);
}

static void
uploaded_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvOutbox *self = g_task_get_source_object (task);
  Flush *flush = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) file = zv_upload_run_finish (ZV_UPLOAD (object), result, &error);
  gint64 file_id;

  if (file != NULL && !zv_json_get_int (file, "id", &file_id, &error))
    g_clear_pointer (&file, json_object_unref);
  if (file == NULL)
    {
      flush_failed (g_steal_pointer (&task), error);
      return;
    }
  json_object_set_int_member (flush->uploading, "file_id", file_id);
  json_object_set_int_member (flush->uploading, "uploaded", zv_upload_get_offset (ZV_UPLOAD (object)));
  if (json_object_has_member (file, "sha256") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (file, "sha256")))
    json_object_set_string_member (flush->uploading, "sha256", json_object_get_string_member (file, "sha256"));
  /* Then the next attachment, or the message itself, from the row just written. */
  save_attachments (self, flush, g_steal_pointer (&task));
}

static void
start_upload (GTask      *task,
              JsonObject *attachment)
{
  ZvOutbox *self = g_task_get_source_object (task);
  Flush *flush = g_task_get_task_data (task);
  const char *path = json_object_get_string_member_with_default (attachment, "path", NULL);
  const char *name = json_object_get_string_member_with_default (attachment, "name", NULL);
  gint64 upload_id = json_object_get_int_member_with_default (attachment, "upload_id", 0);

  if (path == NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (ZV_API_ERROR, ZV_API_ERROR_BAD_REQUEST,
                                                      _("An attachment has no local file"));
      flush_failed (task, error);
      return;
    }
  flush->uploading = attachment;
  flush->progress_written = 0.0;
  flush->upload = zv_upload_new (self->account, path, name, flush->chat_id, upload_id);
  g_object_set_data (G_OBJECT (flush->upload), "zv-outbox", self);
  g_signal_connect (flush->upload, "notify::upload-id", G_CALLBACK (upload_id_changed_cb), flush);
  g_signal_connect (flush->upload, "notify::progress", G_CALLBACK (upload_progress_cb), flush);
  zv_upload_run_async (flush->upload, g_task_get_cancellable (task), uploaded_cb, task);
}

static void
flush_next (GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  ZvOutbox *self = g_task_get_source_object (task);
  Flush *flush = g_task_get_task_data (task);
  ZvStore *store = zv_account_get_store (self->account);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = NULL;
  sqlite3_stmt *stmt;
  g_autoptr(GError) error = NULL;

  if (store == NULL)
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_UNAUTHORIZED,
                               _("No account is signed in on this device"));
      return;
    }

  /* The oldest message not yet failed for good, in order: a failed one never blocks its chat. */
  flush_clear_current (flush);
  stmt = zv_db_prepare (zv_store_get_reader (store),
                        "SELECT o.local_id, o.client_id, o.chat_id, o.text, ifnull(o.reply_to, 0), o.attempts, "
                        "o.attachments "
                        "FROM outbox o JOIN messages m ON m.client_id = o.client_id AND m.state = 'pending' "
                        "ORDER BY o.local_id LIMIT 1", &error);
  if (stmt == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      g_task_return_boolean (task, TRUE);
      return;
    }
  flush->local_id = sqlite3_column_int64 (stmt, 0);
  flush->client_id = g_strdup (zv_db_column_text (stmt, 1));
  flush->chat_id = sqlite3_column_int64 (stmt, 2);
  flush->text = g_strdup (zv_db_column_text (stmt, 3));
  flush->reply_to = sqlite3_column_int64 (stmt, 4);
  flush->attempts = sqlite3_column_int64 (stmt, 5);
  flush->attachments = json_from_string (zv_db_column_text (stmt, 6), NULL);
  sqlite3_reset (stmt);
  if (flush->attachments == NULL || !JSON_NODE_HOLDS_ARRAY (flush->attachments))
    {
      g_clear_pointer (&flush->attachments, json_node_unref);
      flush->attachments = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (flush->attachments, json_array_new ());
    }

  /* Files first, one at a time, each resumed from the server's offset when it was begun. */
  for (guint i = 0; i < json_array_get_length (json_node_get_array (flush->attachments)); i++)
    {
      JsonNode *element = json_array_get_element (json_node_get_array (flush->attachments), i);

      if (JSON_NODE_HOLDS_OBJECT (element) &&
          json_object_get_int_member_with_default (json_node_get_object (element), "file_id", 0) <= 0)
        {
          start_upload (g_steal_pointer (&task), json_node_get_object (element));
          return;
        }
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "client_id");
  json_builder_add_string_value (builder, flush->client_id);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, flush->text);
  if (flush->reply_to > 0)
    {
      json_builder_set_member_name (builder, "reply_to");
      json_builder_add_int_value (builder, flush->reply_to);
    }
  if (json_array_get_length (json_node_get_array (flush->attachments)) > 0)
    {
      JsonArray *array = json_node_get_array (flush->attachments);

      json_builder_set_member_name (builder, "attachments");
      json_builder_begin_array (builder);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_OBJECT (element))
            json_builder_add_int_value (builder, json_object_get_int_member_with_default (json_node_get_object (element),
                                                                                           "file_id", 0));
        }
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  path = g_strdup_printf ("/chats/%" G_GINT64_FORMAT "/messages", flush->chat_id);
  zv_account_call_async (self->account, "POST", path, body, cancellable, sent_cb, g_steal_pointer (&task));
}

/**
 * zv_outbox_flush_async:
 *
 * Delivers what the outbox holds, oldest first, until it is empty or the server cannot be reached.
 */
void
zv_outbox_flush_async (ZvOutbox            *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, zv_outbox_flush_async);
  g_task_set_task_data (task, g_new0 (Flush, 1), (GDestroyNotify) flush_free);
  flush_next (g_steal_pointer (&task));
}

gboolean
zv_outbox_flush_finish (ZvOutbox      *self,
                        GAsyncResult  *result,
                        guint         *delivered,
                        GError       **error)
{
  Flush *flush = g_task_get_task_data (G_TASK (result));

  if (delivered != NULL)
    *delivered = flush->delivered;
  return g_task_propagate_boolean (G_TASK (result), error);
}

ZvOutbox *
zv_outbox_new (ZvAccount *account)
{
  ZvOutbox *self = g_object_new (ZV_TYPE_OUTBOX, NULL);

  self->account = g_object_ref (account);
  return self;
}

static void
zv_outbox_dispose (GObject *object)
{
  ZvOutbox *self = ZV_OUTBOX (object);

  g_clear_object (&self->account);

  G_OBJECT_CLASS (zv_outbox_parent_class)->dispose (object);
}

static void
zv_outbox_class_init (ZvOutboxClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = zv_outbox_dispose;
}

static void
zv_outbox_init (ZvOutbox *self)
{
}
