/* bench-fill-cache.c: fills a signed-in device's client cache with the whole history of its chats
 * straight from a seeded server database, for the app benchmarks (tests/bench/bench-app-chat.py).
 *
 *   bench-fill-cache --server-db SEEDED.db --cache DEVICE/zveno.db
 *
 * A backfill through the server takes minutes at 100,000 messages (pages of 100 over HTTP); this
 * writes the same rows with the cache's real schema, FTS triggers and tokenizer (the writer's own
 * connection type) in a few seconds. Every chat is then complete and read up to its newest
 * message, so the app opens it at the bottom, as a person who has read it sees it.
 */
#define G_LOG_DOMAIN "zveno-bench"

#include "config.h"

#include <stdio.h>

#include "zv-db.h"
#include "zv-store.h"

#define CHUNK 20000

static gboolean
fill (const char *server_db, const char *cache, GError **error)
{
  g_autoptr(ZvStore) store = zv_store_open (cache, error);
  g_autoptr(ZvDb) db = NULL;
  sqlite3_stmt *stmt;
  gint64 max_id = 0;
  gint64 start = g_get_monotonic_time ();

  /* Opening the store migrates the cache to the current schema; then it lets go of the file. */
  if (store == NULL)
    return FALSE;
  zv_store_close (store);
  db = zv_db_open (cache, ZV_DB_OPEN_READ_WRITE, error);
  if (db == NULL)
    return FALSE;
  stmt = zv_db_prepare (db, "ATTACH ?1 AS s", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, server_db, -1, SQLITE_TRANSIENT);
  if (!zv_db_step_done (db, stmt, error))
    return FALSE;
  stmt = zv_db_prepare (db, "SELECT ifnull(max(id), 0) FROM s.messages", error);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return FALSE;
  max_id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  /* Only the chats the device synced (the signed-in user's); rows a sync already wrote stay. */
  stmt = zv_db_prepare (db,
                        "INSERT OR IGNORE INTO messages (id, chat_id, sender_id, text, reply_to, created_at, edited_at, deleted) "
                        "SELECT id, chat_id, sender_id, CASE WHEN deleted THEN '' ELSE text END, reply_to, created_at, "
                        "edited_at, deleted FROM s.messages WHERE id BETWEEN ?1 AND ?2 "
                        "AND chat_id IN (SELECT id FROM main.chats) ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;
  for (gint64 lo = 1; lo <= max_id; lo += CHUNK)
    {
      if (!zv_db_begin (db, error))
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, lo);
      sqlite3_bind_int64 (stmt, 2, lo + CHUNK - 1);
      if (!zv_db_step_done (db, stmt, error) || !zv_db_commit (db, error))
        return FALSE;
    }
  if (!zv_db_exec (db,
                   "UPDATE chats SET "
                   "last_message_id = (SELECT max(id) FROM messages m WHERE m.chat_id = chats.id), "
                   "last_activity = ifnull((SELECT max(created_at) FROM messages m WHERE m.chat_id = chats.id), last_activity), "
                   "oldest_cached = (SELECT min(id) FROM messages m WHERE m.chat_id = chats.id), "
                   "read_up_to = ifnull((SELECT max(id) FROM messages m WHERE m.chat_id = chats.id), 0), "
                   "unread = 0, history_complete = 1", error) ||
      !zv_db_exec (db, "DETACH s", error) ||
      !zv_db_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)", error))
    return FALSE;

  stmt = zv_db_prepare (db, "SELECT count(*) FROM messages", error);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return FALSE;
  printf ("cache filled: %" G_GINT64_FORMAT " messages in %.1f s\n", (gint64) sqlite3_column_int64 (stmt, 0),
          (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);
  sqlite3_reset (stmt);
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- fill a device's cache from a seeded server database");
  g_autoptr(GError) error = NULL;
  g_autofree char *server_db = NULL;
  g_autofree char *cache = NULL;
  GOptionEntry entries[] = {
    { "server-db", 0, 0, G_OPTION_ARG_FILENAME, &server_db, "A database `zveno-server seed` made", "FILE" },
    { "cache", 0, 0, G_OPTION_ARG_FILENAME, &cache, "The device's cache (zveno.db) after a sign-in and sync", "FILE" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }
  if (server_db == NULL || cache == NULL)
    {
      fprintf (stderr, "usage: bench-fill-cache --server-db SEEDED.db --cache DEVICE/zveno.db\n");
      return 2;
    }
  if (!fill (server_db, cache, &error))
    {
      fprintf (stderr, "bench-fill-cache: %s\n", error->message);
      return 1;
    }
  return 0;
}
