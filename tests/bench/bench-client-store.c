/* bench-client-store.c: the storage limit for the client's sync: how fast a minimal C loop can put
 * the very rows a sync received into a fresh cache with the real schema (ZvStore, its FTS triggers and
 * the "zveno" tokenizer), in transactions of one sync page each. `zveno-cli sync`'s messages/s divided
 * by this rate is the ratio docs/PERFORMANCE.md reports (issue 4 aims at >= 0.5).
 *
 *   bench-client-store --source SYNCED_CACHE.db --out DIR [--batch 500]
 *
 * Three loops over the same rows, each into its own new cache:
 *   insert   INSERT INTO messages only (the limit);
 *   as-sync  the SQL zv_sync_apply_message() runs per message (the upsert and the chat's
 *            last_activity update), without HTTP or JSON: what the sync's SQL costs on its own;
 *   rebuild  plain inserts with the FTS triggers dropped, then one FTS 'rebuild' (what a bulk
 *            initial load could do instead).
 */
#define G_LOG_DOMAIN "zveno-bench"

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/resource.h>

#include "zv-store.h"

typedef struct {
  gint64  id, chat_id, sender_id, reply_to, created_at, edited_at;
  int     deleted;
  char   *client_id, *text, *attachments, *reactions;
} Row;

typedef struct {
  gint64  id;
  char   *type, *title;
} Chat;

typedef struct {
  GArray  *rows;    /* Row */
  GArray  *chats;   /* Chat */
  guint    first;   /* the batch to write: rows[first, first + count) */
  guint    count;
  gboolean as_sync;
} Load;

static double
now_ms (void)
{
  return (double) g_get_monotonic_time () / 1000.0;
}

/* CPU seconds of the whole process (the store's writer thread included). */
static double
cpu_s (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (double) usage.ru_utime.tv_sec + (double) usage.ru_utime.tv_usec / 1e6 +
         (double) usage.ru_stime.tv_sec + (double) usage.ru_stime.tv_usec / 1e6;
}

static char *
column_dup (sqlite3_stmt *stmt, int column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);
  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

static gboolean
read_source (const char *path, Load *load, GError **error)
{
  g_autoptr(ZvDb) db = zv_db_open (path, ZV_DB_OPEN_READ_ONLY, error);
  sqlite3_stmt *stmt;

  if (db == NULL)
    return FALSE;
  stmt = zv_db_prepare (db, "SELECT id, type, title FROM chats ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      Chat chat = { sqlite3_column_int64 (stmt, 0), column_dup (stmt, 1), column_dup (stmt, 2) };
      g_array_append_val (load->chats, chat);
    }
  sqlite3_reset (stmt);
  /* In the order a sync delivers them: by id is close enough (the server pages by seq). */
  stmt = zv_db_prepare (db, "SELECT id, chat_id, sender_id, client_id, text, reply_to, created_at, edited_at, "
                            "deleted, attachments, reactions FROM messages WHERE state = 'sent' ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      Row row = {
        .id = sqlite3_column_int64 (stmt, 0),
        .chat_id = sqlite3_column_int64 (stmt, 1),
        .sender_id = sqlite3_column_int64 (stmt, 2),
        .client_id = column_dup (stmt, 3),
        .text = column_dup (stmt, 4),
        .reply_to = sqlite3_column_int64 (stmt, 5),
        .created_at = sqlite3_column_int64 (stmt, 6),
        .edited_at = sqlite3_column_int64 (stmt, 7),
        .deleted = sqlite3_column_int (stmt, 8),
        .attachments = column_dup (stmt, 9),
        .reactions = column_dup (stmt, 10),
      };
      g_array_append_val (load->rows, row);
    }
  sqlite3_reset (stmt);
  return TRUE;
}

static gboolean
write_chats (ZvDb *db, gpointer data, ZvStoreChanges *changes, GError **error)
{
  Load *load = data;

  for (guint i = 0; i < load->chats->len; i++)
    {
      Chat *chat = &g_array_index (load->chats, Chat, i);
      sqlite3_stmt *stmt = zv_db_prepare (db, "INSERT INTO chats (id, type, title) VALUES (?1, ?2, ?3)", error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, chat->id);
      sqlite3_bind_text (stmt, 2, chat->type, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, chat->title, -1, SQLITE_STATIC);
      if (!zv_db_step_done (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
write_batch (ZvDb *db, gpointer data, ZvStoreChanges *changes, GError **error)
{
  Load *load = data;
  const char *sql = load->as_sync
    ? "INSERT INTO messages (id, chat_id, sender_id, client_id, text, reply_to, created_at, "
      "edited_at, deleted, state, attachments, reactions) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'sent', ?10, ?11) "
      "ON CONFLICT (id) DO UPDATE SET text = excluded.text, edited_at = excluded.edited_at, "
      "deleted = excluded.deleted, attachments = excluded.attachments, "
      "reactions = excluded.reactions, reply_to = excluded.reply_to"
    : "INSERT INTO messages (id, chat_id, sender_id, client_id, text, reply_to, created_at, "
      "edited_at, deleted, state, attachments, reactions) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'sent', ?10, ?11)";

  for (guint i = load->first; i < load->first + load->count; i++)
    {
      Row *row = &g_array_index (load->rows, Row, i);
      sqlite3_stmt *stmt = zv_db_prepare (db, sql, error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, row->id);
      sqlite3_bind_int64 (stmt, 2, row->chat_id);
      sqlite3_bind_int64 (stmt, 3, row->sender_id);
      if (row->client_id != NULL)
        sqlite3_bind_text (stmt, 4, row->client_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, row->text, -1, SQLITE_STATIC);
      if (row->reply_to > 0)
        sqlite3_bind_int64 (stmt, 6, row->reply_to);
      sqlite3_bind_int64 (stmt, 7, row->created_at);
      if (row->edited_at > 0)
        sqlite3_bind_int64 (stmt, 8, row->edited_at);
      sqlite3_bind_int (stmt, 9, row->deleted);
      sqlite3_bind_text (stmt, 10, row->attachments, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 11, row->reactions, -1, SQLITE_STATIC);
      if (!zv_db_step_done (db, stmt, error))
        return FALSE;

      if (load->as_sync)
        {
          stmt = zv_db_prepare (db, "UPDATE chats SET last_activity = max(last_activity, ?2), "
                                    "last_message_id = max(ifnull(last_message_id, 0), ?3) WHERE id = ?1", error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, row->chat_id);
          sqlite3_bind_int64 (stmt, 2, row->created_at);
          sqlite3_bind_int64 (stmt, 3, row->id);
          if (!zv_db_step_done (db, stmt, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
drop_fts_triggers (ZvDb *db, gpointer data, ZvStoreChanges *changes, GError **error)
{
  return zv_db_exec (db, "DROP TRIGGER messages_fts_insert", error);
}

static gboolean
rebuild_fts (ZvDb *db, gpointer data, ZvStoreChanges *changes, GError **error)
{
  return zv_db_exec (db, "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')", error);
}

/* One loop into a new cache at @path; returns the rows per second, or < 0 on error. */
static double
run_loop (const char *path, Load *load, guint batch, const char *mode, GError **error)
{
  g_autoptr(ZvStore) store = NULL;
  gboolean rebuild = g_str_equal (mode, "rebuild");
  double start, ms, cpu;

  for (guint i = 0; i < 3; i++)
    {
      const char *suffixes[] = { "", "-wal", "-shm" };
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_unlink (file);
    }
  store = zv_store_open (path, error);
  if (store == NULL || !zv_store_write_sync (store, write_chats, load, error))
    return -1;
  if (rebuild && !zv_store_write_sync (store, drop_fts_triggers, NULL, error))
    return -1;

  load->as_sync = g_str_equal (mode, "as-sync");
  start = now_ms ();
  cpu = cpu_s ();
  for (load->first = 0; load->first < load->rows->len; load->first += load->count)
    {
      load->count = MIN (batch, load->rows->len - load->first);
      if (!zv_store_write_sync (store, write_batch, load, error))
        return -1;
    }
  if (rebuild && !zv_store_write_sync (store, rebuild_fts, NULL, error))
    return -1;
  ms = now_ms () - start;
  cpu = cpu_s () - cpu;
  zv_store_close (store);
  printf ("storage %-8s %8u msgs in %4u-row transactions %8.2f s %9.0f msgs/s  CPU %6.2f s %9.0f msgs per CPU-s\n",
          mode, load->rows->len, batch, ms / 1000.0, (double) load->rows->len * 1000.0 / ms,
          cpu, (double) load->rows->len / cpu);
  return (double) load->rows->len * 1000.0 / ms;
}

static void
row_clear (Row *row)
{
  g_free (row->client_id);
  g_free (row->text);
  g_free (row->attachments);
  g_free (row->reactions);
}

static void
chat_clear (Chat *chat)
{
  g_free (chat->type);
  g_free (chat->title);
}

int
main (int argc, char **argv)
{
  g_autofree char *source = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) modes = NULL;
  gint batch = 500;
  GOptionEntry entries[] = {
    { "source", 0, 0, G_OPTION_ARG_FILENAME, &source, "A cache a sync filled (zveno.db)", "FILE" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Where the new caches go", "DIR" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "Rows per transaction (500, the sync's page size)", "N" },
    { "mode", 0, 0, G_OPTION_ARG_STRING_ARRAY, &modes, "insert, as-sync, rebuild (default: all)", "MODE" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- the storage limit for the client's sync");
  g_autoptr(GError) error = NULL;
  Load load = { 0 };
  const char *all[] = { "insert", "as-sync", "rebuild", NULL };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || source == NULL || out == NULL || batch < 1)
    {
      g_printerr ("bench-client-store: %s\n", error ? error->message : "need --source FILE --out DIR");
      return 2;
    }
  load.rows = g_array_new (FALSE, FALSE, sizeof (Row));
  load.chats = g_array_new (FALSE, FALSE, sizeof (Chat));
  g_array_set_clear_func (load.rows, (GDestroyNotify) row_clear);
  g_array_set_clear_func (load.chats, (GDestroyNotify) chat_clear);
  if (g_mkdir_with_parents (out, 0700) != 0 || !read_source (source, &load, &error))
    {
      g_printerr ("bench-client-store: %s\n", error ? error->message : "cannot create the output folder");
      return 1;
    }
  if (load.rows->len == 0)
    {
      g_printerr ("bench-client-store: %s holds no messages\n", source);
      return 1;
    }

  for (const char * const *mode = modes != NULL ? (const char * const *) modes : all; *mode != NULL; mode++)
    {
      g_autofree char *name = g_strdup_printf ("limit-%s.db", *mode);
      g_autofree char *path = g_build_filename (out, name, NULL);

      if (!g_strv_contains (all, *mode))
        {
          g_printerr ("bench-client-store: unknown mode %s\n", *mode);
          return 2;
        }
      if (run_loop (path, &load, (guint) batch, *mode, &error) < 0)
        {
          g_printerr ("bench-client-store: %s: %s\n", *mode, error->message);
          return 1;
        }
    }
  g_array_unref (load.rows);
  g_array_unref (load.chats);
  return 0;
}
