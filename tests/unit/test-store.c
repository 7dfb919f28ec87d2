/* test-store.c: the cache's schema, writer thread, transactions, change notifications and doctor. */
#include "config.h"

#include <glib/gstdio.h>

#include "zv-message.h"
#include "zv-store.h"

typedef struct {
  char    *dir;
  char    *path;
  ZvStore *store;
  GMainLoop *loop;
  GPtrArray *events;     /* "changed" / "done" in the order they arrived */
  guint    changed_flags;
  gboolean chat7_changed;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("zveno-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "cache", "zveno.db", NULL);
  f->store = zv_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
  f->loop = g_main_loop_new (NULL, FALSE);
  f->events = g_ptr_array_new ();
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);
        remove_tree (child);
      }
  g_remove (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->store);
  g_main_loop_unref (f->loop);
  g_ptr_array_unref (f->events);
  remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static gboolean
insert_chat_and_messages (ZvDb            *db,
                          gpointer         data,
                          ZvStoreChanges  *changes,
                          GError         **error)
{
  static const char *texts[] = { "Пришлите, пожалуйста, договора на подпись", "Contracts are signed", "Привет!" };
  sqlite3_stmt *stmt = zv_db_prepare (db, "INSERT INTO chats (id, type, title, last_activity) VALUES (7, 'group', 'Sales', 1000)", error);

  if (stmt == NULL || !zv_db_step_done (db, stmt, error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      stmt = zv_db_prepare (db, "INSERT INTO messages (id, chat_id, sender_id, text, created_at) VALUES (?1, 7, 1, ?2, ?3)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, 100 + i);
      sqlite3_bind_text (stmt, 2, texts[i], -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, 1000 + i);
      if (!zv_db_step_done (db, stmt, error))
        return FALSE;
    }
  if (!zv_store_set_meta (db, "sync_token", "t1", error))
    return FALSE;
  changes->flags |= ZV_STORE_CHANGED_CHATS | ZV_STORE_CHANGED_META;
  zv_store_changes_add_chat (changes, 7);
  return TRUE;
}

static gboolean
half_then_fail (ZvDb            *db,
                gpointer         data,
                ZvStoreChanges  *changes,
                GError         **error)
{
  sqlite3_stmt *stmt = zv_db_prepare (db, "INSERT INTO chats (id, type) VALUES (8, 'direct')", error);

  if (stmt == NULL || !zv_db_step_done (db, stmt, error))
    return FALSE;
  if (!zv_store_set_meta (db, "sync_token", "t2", error))
    return FALSE;
  changes->flags |= ZV_STORE_CHANGED_CHATS;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the batch was malformed halfway");
  return FALSE;
}

static gint64
count (ZvStore *store, const char *sql)
{
  sqlite3_stmt *stmt = zv_db_prepare (zv_store_get_reader (store), sql, NULL);
  gint64 n;

  g_assert_nonnull (stmt);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static void
on_changed (ZvStore        *store,
            ZvStoreChanges *changes,
            Fixture        *f)
{
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  g_ptr_array_add (f->events, (gpointer) "changed");
  f->changed_flags |= changes->flags;
  f->chat7_changed = zv_store_changes_has_chat (changes, 7);
}

static void
on_written (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (zv_store_write_finish (ZV_STORE (object), result, &error));
  g_assert_no_error (error);
  g_ptr_array_add (f->events, (gpointer) "done");
  g_main_loop_quit (f->loop);
}

static void
on_failed (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_false (zv_store_write_finish (ZV_STORE (object), result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_ptr_array_add (f->events, (gpointer) "failed");
  g_main_loop_quit (f->loop);
}

static void
test_write_and_notify (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *token = NULL;

  g_signal_connect (f->store, "changed", G_CALLBACK (on_changed), f);
  zv_store_write_async (f->store, insert_chat_and_messages, NULL, NULL, NULL, on_written, f);
  g_main_loop_run (f->loop);

  /* The models hear about the commit before the writer's caller does. */
  g_assert_cmpuint (f->events->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->events, 0), ==, "changed");
  g_assert_cmpstr (g_ptr_array_index (f->events, 1), ==, "done");
  g_assert_true (f->changed_flags & ZV_STORE_CHANGED_MESSAGES);
  g_assert_true (f->changed_flags & ZV_STORE_CHANGED_CHATS);
  g_assert_true (f->chat7_changed);
  g_assert_cmpint (count (f->store, "SELECT count(*) FROM messages WHERE chat_id = 7"), ==, 3);
  token = zv_store_get_meta (f->store, "sync_token");
  g_assert_cmpstr (token, ==, "t1");

  /* The search index follows the table, through the shared stemming tokenizer. */
  g_assert_cmpint (count (f->store, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'договор'"), ==, 1);
  g_assert_cmpint (count (f->store, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'contract'"), ==, 1);
  g_assert_cmpint (count (f->store, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'chat:c7'"), ==, 3);
}

static void
test_failed_write_rolls_back (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *token = NULL;

  g_assert_true (zv_store_write_sync (f->store, insert_chat_and_messages, NULL, NULL));
  g_signal_connect (f->store, "changed", G_CALLBACK (on_changed), f);
  zv_store_write_async (f->store, half_then_fail, NULL, NULL, NULL, on_failed, f);
  g_main_loop_run (f->loop);

  /* Nothing of the failed batch is visible and nobody was told that something changed. */
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->events, 0), ==, "failed");
  g_assert_cmpint (count (f->store, "SELECT count(*) FROM chats WHERE id = 8"), ==, 0);
  token = zv_store_get_meta (f->store, "sync_token");
  g_assert_cmpstr (token, ==, "t1");
}

static void
test_reopen_and_version (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ZvStore) again = NULL;
  g_autoptr(ZvDb) raw = NULL;

  g_assert_true (zv_store_write_sync (f->store, insert_chat_and_messages, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&f->store);

  again = zv_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count (again, "SELECT count(*) FROM messages"), ==, 3);
  g_assert_cmpint (count (again, "PRAGMA user_version"), >=, 1);
  g_clear_object (&again);

  /* A cache written by a newer Zveno is refused with a clear error, not silently mangled. */
  raw = zv_db_open (f->path, ZV_DB_OPEN_READ_WRITE, &error);
  g_assert_no_error (error);
  g_assert_true (zv_db_exec (raw, "PRAGMA user_version = 999", &error));
  g_clear_pointer (&raw, zv_db_close);
  again = zv_store_open (f->path, &error);
  g_assert_null (again);
  g_assert_error (error, ZV_DB_ERROR, ZV_DB_ERROR_SCHEMA);
  g_assert_nonnull (strstr (error->message, "999"));
}

static void
test_doctor (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(ZvDb) raw = NULL;

  g_assert_true (zv_store_write_sync (f->store, insert_chat_and_messages, NULL, &error));
  g_assert_true (zv_store_check (f->store, problems, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);

  /* Change a message behind the index's back: doctor must notice. */
  raw = zv_db_open (f->path, ZV_DB_OPEN_READ_WRITE, &error);
  g_assert_no_error (error);
  g_assert_true (zv_db_exec (raw, "DROP TRIGGER messages_fts_update; UPDATE messages SET text = 'совсем другое' WHERE id = 100", &error));
  g_assert_no_error (error);
  g_assert_true (zv_store_check (f->store, problems, &error));
  g_assert_cmpuint (problems->len, >=, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (problems, problems->len - 1), "search index"));

  /* An outbox row without its pending message is an inconsistency too. */
  g_ptr_array_set_size (problems, 0);
  g_assert_true (zv_db_exec (raw, "INSERT INTO outbox (client_id, chat_id, text, created_at) VALUES ('x', 7, 'hi', 1)", &error));
  g_assert_true (zv_store_check (f->store, problems, &error));
  {
    gboolean found = FALSE;

    for (guint i = 0; i < problems->len; i++)
      found |= strstr (g_ptr_array_index (problems, i), "outbox x") != NULL;
    g_assert_true (found);
  }
}

/* The statements run once per synced message or per row of the message list must search an index:
 * a scan there turns a sync into O(messages²) (migration 3 dropped the client-id index the sync's
 * own-message lookup used, and a 100,000-message sync ran 4.6 times slower until migration 6). */
static void
test_query_plans (Fixture       *f,
                  gconstpointer  data)
{
  const char *hot[] = {
    "DELETE FROM messages WHERE client_id = ?1 AND state != 'sent'",                    /* zv-sync.c */
    "DELETE FROM messages WHERE sender_id = ?1 AND client_id = ?2 AND id != ?3",        /* zv-sync.c */
    "UPDATE messages SET state = 'failed' WHERE client_id = ?1 AND state = 'pending'", /* zv-outbox.c */
    "UPDATE messages SET attachments = ?2 WHERE client_id = ?1 AND state <> 'sent'",   /* zv-outbox.c */
    "DELETE FROM outbox WHERE client_id = ?1",
    "SELECT count(*) FROM messages m WHERE m.chat_id = ?1 AND m.id > ?2 AND m.sender_id != ?3 AND m.deleted = 0",
    ZV_MESSAGE_SELECT "WHERE m.chat_id = ?1 AND m.id >= ?2 AND m.id < ?3 ORDER BY m.id DESC LIMIT ?4",
  };
  sqlite3 *db = zv_db_handle (zv_store_get_reader (f->store));

  for (gsize i = 0; i < G_N_ELEMENTS (hot); i++)
    {
      g_autofree char *sql = g_strconcat ("EXPLAIN QUERY PLAN ", hot[i], NULL);
      g_autoptr(GString) plan = g_string_new (NULL);
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_string_append_printf (plan, "%s\n", (const char *) sqlite3_column_text (stmt, 3));
      sqlite3_finalize (stmt);
      g_test_message ("%s\n%s", hot[i], plan->str);
      /* "SCAN t USING INDEX i" walks the whole index; "SEARCH" seeks. The subquery's line too. */
      g_assert_null (strstr (plan->str, "SCAN "));
      g_assert_nonnull (strstr (plan->str, "SEARCH "));
      if (strstr (hot[i], "read_markers") != NULL)
        g_assert_nonnull (strstr (plan->str, "read_markers_message_idx"));
    }
}

static void
test_db_migrations (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ZvDb) db = zv_db_open (":memory:", ZV_DB_OPEN_READ_WRITE, &error);
  const char *v2 = "-- migration 1\nCREATE TABLE a (x);\n-- migration 2\nCREATE TABLE b (y);\n";
  const char *bad_order = "-- migration 1\nCREATE TABLE a (x);\n-- migration 3\nCREATE TABLE c (z);\n";
  const char *broken = "-- migration 1\nCREATE TABLE a (x);\n-- migration 2\nCREATE TABLE b (y);\n-- migration 3\nCREATE TABLE oops (;\n";

  g_assert_no_error (error);
  g_assert_cmpint (zv_db_schema_version (v2), ==, 2);
  g_assert_cmpint (zv_db_schema_version (bad_order), ==, -1);
  g_assert_true (zv_db_migrate (db, v2, &error));
  g_assert_cmpint (zv_db_user_version (db), ==, 2);
  g_assert_true (zv_db_migrate (db, v2, &error));     /* idempotent */

  g_assert_false (zv_db_migrate (db, bad_order, &error));
  g_assert_error (error, ZV_DB_ERROR, ZV_DB_ERROR_SCHEMA);
  g_clear_error (&error);

  /* A failing migration leaves the previous version in place. */
  g_assert_false (zv_db_migrate (db, broken, &error));
  g_assert_nonnull (strstr (error->message, "migration 3"));
  g_assert_cmpint (zv_db_user_version (db), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/db/migrations", test_db_migrations);
  g_test_add ("/store/write-and-notify", Fixture, NULL, fixture_set_up, test_write_and_notify, fixture_tear_down);
  g_test_add ("/store/failed-write-rolls-back", Fixture, NULL, fixture_set_up, test_failed_write_rolls_back, fixture_tear_down);
  g_test_add ("/store/reopen-and-version", Fixture, NULL, fixture_set_up, test_reopen_and_version, fixture_tear_down);
  g_test_add ("/store/query-plans", Fixture, NULL, fixture_set_up, test_query_plans, fixture_tear_down);
  g_test_add ("/store/doctor", Fixture, NULL, fixture_set_up, test_doctor, fixture_tear_down);
  return g_test_run ();
}
