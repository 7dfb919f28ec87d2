/* zv-store.c: the client's SQLite cache: schema, the writer thread, change notifications.
 *
 * Every write is a ZvStoreWriteFunc queued to one writer thread, which runs it inside BEGIN
 * IMMEDIATE ... COMMIT: a sync batch is applied whole or not at all, so `kill -9` at any moment
 * leaves the cache as it was after some batch, and the sync token stored in the same transaction
 * says where to resume. After each commit the store emits ::changed on the thread that opened it
 * (the main thread in the app), before the write's own callback runs, so models are up to date
 * when the caller hears that its write is done.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>

#include "zv-store.h"
#include "zveno-core-resources.h"

#define SCHEMA_RESOURCE "/org/zveno/Zveno/core/zv-store-schema.sql"

typedef struct {
  ZvStoreWriteFunc  func;
  gpointer          data;
  GDestroyNotify    data_destroy;
  GTask            *task;       /* NULL for the stop marker */
} Job;

struct _ZvStore
{
  GObject       parent_instance;

  /* owned */
  char         *path;
  ZvDb         *reader;
  ZvDb         *writer;         /* used only on the writer thread once it runs */
  GAsyncQueue  *jobs;
  GThread      *thread;
  GMainContext *context;        /* where ::changed is emitted */
};

G_DEFINE_FINAL_TYPE (ZvStore, zv_store, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (ZvStoreChanges, zv_store_changes, zv_store_changes_copy, zv_store_changes_free)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

ZvStoreChanges *
zv_store_changes_new (void)
{
  ZvStoreChanges *changes = g_new0 (ZvStoreChanges, 1);

  changes->chats = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  return changes;
}

ZvStoreChanges *
zv_store_changes_copy (const ZvStoreChanges *changes)
{
  ZvStoreChanges *copy = zv_store_changes_new ();
  GHashTableIter iter;
  gpointer key;

  copy->flags = changes->flags;
  g_hash_table_iter_init (&iter, changes->chats);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    zv_store_changes_add_chat (copy, *(gint64 *) key);
  return copy;
}

void
zv_store_changes_free (ZvStoreChanges *changes)
{
  if (changes == NULL)
    return;
  g_clear_pointer (&changes->chats, g_hash_table_unref);
  g_free (changes);
}

void
zv_store_changes_add_chat (ZvStoreChanges *changes,
                           gint64          chat_id)
{
  changes->flags |= ZV_STORE_CHANGED_MESSAGES;
  if (!g_hash_table_contains (changes->chats, &chat_id))
    g_hash_table_add (changes->chats, g_memdup2 (&chat_id, sizeof chat_id));
}

gboolean
zv_store_changes_has_chat (const ZvStoreChanges *changes,
                           gint64                chat_id)
{
  return g_hash_table_contains (changes->chats, &chat_id);
}

static void
job_free (Job *job)
{
  if (job->data_destroy != NULL && job->data != NULL)
    job->data_destroy (job->data);
  g_clear_object (&job->task);
  g_free (job);
}

/* Always defers to @context. (g_main_context_invoke would run the function right here when the
 * writer thread can acquire the global default context, which is exactly what we must avoid.) */
static void
defer_to_context (GMainContext *context,
                  GSourceFunc   func,
                  gpointer      data,
                  GDestroyNotify destroy)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, destroy);
  g_source_set_static_name (source, "[zveno] store notification");
  g_source_attach (source, context);
}

typedef struct {
  ZvStore        *store;
  ZvStoreChanges *changes;
} ChangedIdle;

static gboolean
emit_changed_idle (gpointer user_data)
{
  ChangedIdle *idle = user_data;

  g_signal_emit (idle->store, signals[CHANGED], 0, idle->changes);
  return G_SOURCE_REMOVE;
}

static void
changed_idle_free (gpointer user_data)
{
  ChangedIdle *idle = user_data;

  g_object_unref (idle->store);
  zv_store_changes_free (idle->changes);
  g_free (idle);
}

static void
run_job (ZvStore *self,
         Job     *job)
{
  g_autoptr(ZvStoreChanges) changes = zv_store_changes_new ();
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_task_return_error_if_cancelled (job->task))
    return;

  ok = zv_db_begin (self->writer, &error) &&
       job->func (self->writer, job->data, changes, &error) &&
       zv_db_commit (self->writer, &error);

  if (!ok)
    {
      zv_db_rollback (self->writer);
      g_task_return_error (job->task, g_steal_pointer (&error));
      return;
    }

  if (changes->flags != ZV_STORE_CHANGED_NONE)
    {
      ChangedIdle *idle = g_new0 (ChangedIdle, 1);

      idle->store = g_object_ref (self);
      idle->changes = g_steal_pointer (&changes);
      defer_to_context (self->context, emit_changed_idle, idle, changed_idle_free);
    }
  g_task_return_boolean (job->task, TRUE);
}

static gboolean
unref_idle (gpointer user_data)
{
  g_object_unref (user_data);
  return G_SOURCE_REMOVE;
}

static gpointer
writer_thread (gpointer user_data)
{
  ZvStore *self = user_data;
  Job *job;

  while ((job = g_async_queue_pop (self->jobs)) != NULL && job->task != NULL)
    {
      run_job (self, job);
      /* The task holds the last reference to the store when its owner already let go; dropping
       * it here would dispose the store on this thread, which then joins itself. Let the owner's
       * context drop it. */
      defer_to_context (self->context, unref_idle, g_steal_pointer (&job->task), NULL);
      job_free (job);
    }
  if (job != NULL)
    job_free (job);

  return NULL;
}

static const char *
load_schema (GError **error)
{
  static GBytes *schema;

  if (g_once_init_enter (&schema))
    {
      GBytes *bytes;

      g_resources_register (zveno_core_get_resource ());
      bytes = g_resources_lookup_data (SCHEMA_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_assert (bytes != NULL);
      g_once_init_leave (&schema, bytes);
    }

  (void) error;
  return g_bytes_get_data (schema, NULL);
}

/**
 * zv_store_open:
 * @path: the database file; created with the current schema if missing
 *
 * Opens and migrates the cache. Blocking: call it from a worker (zv_store_open_async) or a CLI.
 */
ZvStore *
zv_store_open (const char  *path,
               GError     **error)
{
  g_autoptr(ZvStore) self = NULL;
  g_autoptr(ZvDb) writer = NULL;
  g_autoptr(ZvDb) reader = NULL;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create the folder for the local cache %s: %s"), dir, g_strerror (saved));
      return NULL;
    }

  writer = zv_db_open (path, ZV_DB_OPEN_READ_WRITE, error);
  if (writer == NULL || !zv_db_migrate (writer, load_schema (error), error))
    {
      g_prefix_error (error, _("The local cache %s cannot be opened: "), path);
      return NULL;
    }

  reader = zv_db_open (path, ZV_DB_OPEN_READ_ONLY, error);
  if (reader == NULL)
    return NULL;

  self = g_object_new (ZV_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  self->writer = g_steal_pointer (&writer);
  self->reader = g_steal_pointer (&reader);
  self->context = g_main_context_ref_thread_default ();
  self->jobs = g_async_queue_new ();
  self->thread = g_thread_new ("zveno-store-writer", writer_thread, self);

  return g_steal_pointer (&self);
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  ZvStore *store = zv_store_open (task_data, &error);

  if (store == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, store, g_object_unref);
}

void
zv_store_open_async (const char          *path,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, zv_store_open_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, open_thread);
}

ZvStore *
zv_store_open_finish (GAsyncResult  *result,
                      GError       **error)
{
  ZvStore *store;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  store = g_task_propagate_pointer (G_TASK (result), error);
  if (store != NULL)
    {
      /* Opened on a worker: emit ::changed where the caller lives. */
      g_main_context_unref (store->context);
      store->context = g_main_context_ref_thread_default ();
    }
  return store;
}

const char *
zv_store_get_path (ZvStore *self)
{
  g_return_val_if_fail (ZV_IS_STORE (self), NULL);

  return self->path;
}

/**
 * zv_store_get_reader:
 *
 * Returns: (transfer none): the read connection of the thread that opened the store. Reads are
 * short indexed queries (a page of rows); anything long belongs on a worker with its own connection.
 */
ZvDb *
zv_store_get_reader (ZvStore *self)
{
  g_return_val_if_fail (ZV_IS_STORE (self), NULL);

  return self->reader;
}

void
zv_store_write_async (ZvStore             *self,
                      ZvStoreWriteFunc     func,
                      gpointer             data,
                      GDestroyNotify       data_destroy,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  Job *job;

  g_return_if_fail (ZV_IS_STORE (self));
  g_return_if_fail (func != NULL);

  job = g_new0 (Job, 1);
  job->func = func;
  job->data = data;
  job->data_destroy = data_destroy;
  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, zv_store_write_async);

  if (self->thread == NULL)
    {
      g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                               _("The local cache is closed"));
      job_free (job);
      return;
    }
  g_async_queue_push (self->jobs, job);
}

gboolean
zv_store_write_finish (ZvStore       *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct {
  GMainLoop    *loop;
  GAsyncResult *result;
} SyncWait;

static void
write_sync_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  SyncWait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

/**
 * zv_store_write_sync:
 *
 * Queues a write and waits for it, running a private main context meanwhile. For command-line tools
 * and tests; the app never blocks its main thread on this.
 */
gboolean
zv_store_write_sync (ZvStore           *self,
                     ZvStoreWriteFunc   func,
                     gpointer           data,
                     GError           **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  SyncWait wait = { NULL, NULL };
  gboolean ok;

  g_return_val_if_fail (ZV_IS_STORE (self), FALSE);

  g_main_context_push_thread_default (context);
  wait.loop = g_main_loop_new (context, FALSE);
  zv_store_write_async (self, func, data, NULL, NULL, write_sync_cb, &wait);
  g_main_loop_run (wait.loop);
  ok = zv_store_write_finish (self, wait.result, error);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
  g_main_context_pop_thread_default (context);

  /* ::changed was queued on the store's context: deliver it now if this thread may run it. */
  if (g_main_context_acquire (self->context))
    {
      while (g_main_context_pending (self->context))
        g_main_context_iteration (self->context, FALSE);
      g_main_context_release (self->context);
    }

  return ok;
}

/* Waits for queued writes to finish and stops the writer thread. Idempotent. */
void
zv_store_close (ZvStore *self)
{
  g_return_if_fail (ZV_IS_STORE (self));

  if (self->thread != NULL)
    {
      g_async_queue_push (self->jobs, g_new0 (Job, 1));
      g_thread_join (g_steal_pointer (&self->thread));
    }
  g_clear_pointer (&self->writer, zv_db_close);
  g_clear_pointer (&self->reader, zv_db_close);
}

char *
zv_store_get_meta (ZvStore    *self,
                   const char *key)
{
  sqlite3_stmt *stmt;
  char *value = NULL;

  g_return_val_if_fail (ZV_IS_STORE (self), NULL);

  if (self->reader == NULL)
    return NULL;
  stmt = zv_db_prepare (self->reader, "SELECT value FROM meta WHERE key = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup (zv_db_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return value;
}

/* For write functions: sets a meta key inside the running transaction. */
gboolean
zv_store_set_meta (ZvDb        *db,
                   const char  *key,
                   const char  *value,
                   GError     **error)
{
  sqlite3_stmt *stmt = zv_db_prepare (db,
                                      "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                      error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_TRANSIENT);
  return zv_db_step_done (db, stmt, error);
}

static void
collect_rows (ZvDb       *db,
              const char *sql,
              const char *what,
              GPtrArray  *problems)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = zv_db_prepare (db, sql, &error);

  if (stmt == NULL)
    {
      g_ptr_array_add (problems, g_strdup_printf ("%s: %s", what, error->message));
      return;
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *row = zv_db_column_text (stmt, 0);

      if (!g_str_equal (row, "ok"))
        g_ptr_array_add (problems, g_strdup_printf ("%s: %s", what, row));
    }
  sqlite3_reset (stmt);
}

/**
 * zv_store_check:
 * @problems: (element-type utf8): receives one line per problem found
 *
 * The checks behind `zveno-cli doctor`: SQLite's integrity check, foreign keys, the search index
 * against the messages, and Zveno's own invariants. Opens its own connection; blocking.
 *
 * Returns: %FALSE only when the check itself could not run.
 */
gboolean
zv_store_check (ZvStore    *self,
                GPtrArray  *problems,
                GError    **error)
{
  g_autoptr(ZvDb) db = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (ZV_IS_STORE (self), FALSE);

  db = zv_db_open (self->path, ZV_DB_OPEN_READ_WRITE, error);
  if (db == NULL)
    return FALSE;

  collect_rows (db, "PRAGMA integrity_check", "integrity", problems);
  collect_rows (db, "SELECT 'message ' || rowid || ' refers to missing ' || \"table\" FROM pragma_foreign_key_check",
                "foreign keys", problems);
  collect_rows (db, "SELECT 'outbox ' || client_id || ' has no pending message' FROM outbox o "
                    "WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.client_id = o.client_id "
                    "AND m.state IN ('pending', 'failed'))",
                "outbox", problems);
  collect_rows (db, "SELECT 'chat ' || id || ' has a negative unread count' FROM chats WHERE unread < 0",
                "chats", problems);

  /* FTS5 reports a mismatch between index and content as an error of this statement. */
  stmt = zv_db_prepare (db, "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_DONE)
    g_ptr_array_add (problems, g_strdup_printf ("search index: %s", sqlite3_errmsg (zv_db_handle (db))));
  sqlite3_reset (stmt);

  return TRUE;
}

static void
zv_store_dispose (GObject *object)
{
  ZvStore *self = ZV_STORE (object);

  zv_store_close (self);

  G_OBJECT_CLASS (zv_store_parent_class)->dispose (object);
}

static void
zv_store_finalize (GObject *object)
{
  ZvStore *self = ZV_STORE (object);

  g_clear_pointer (&self->jobs, g_async_queue_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (zv_store_parent_class)->finalize (object);
}

static void
zv_store_class_init (ZvStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zv_store_dispose;
  object_class->finalize = zv_store_finalize;

  /**
   * ZvStore::changed:
   * @changes: what the commit touched
   *
   * Emitted on the opening thread after each commit that changed something.
   */
  signals[CHANGED] = g_signal_new ("changed",
                                   G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 1,
                                   ZV_TYPE_STORE_CHANGES | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
zv_store_init (ZvStore *self)
{
}
