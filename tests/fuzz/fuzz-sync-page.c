/* fuzz-sync-page.c: one /sync answer applied to the client cache (zv_sync_apply_page), as ZvSync
 * does, inside a transaction on an in-memory cache with the real schema; rolled back after each
 * input so every input starts from the same empty cache.
 * Invariants: a page that applied once applies again (a page is retried after a crash or a
 * failed commit); the full-text index stays consistent with the messages; no foreign key breaks. */
#define G_LOG_DOMAIN "zveno-fuzz"

#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "zv-error.h"
#include "zv-json.h"
#include "zv-store.h"
#include "zv-sync.h"

#define ME 1

static ZvDb *db;

static gboolean
apply (JsonObject *page,
       GError    **error)
{
  g_autoptr(ZvStoreChanges) changes = zv_store_changes_new ();
  ZvSyncStats stats = { 0 };

  return zv_sync_apply_page (db, ME, page, changes, &stats, error);
}

/* A delta page names chats by id only; applied to this empty cache, its messages refer to chats it
 * never got (a real client has them from its first sync). The foreign key refuses those rows and
 * the whole page rolls back, which is the right answer to a page that does not fit the cache. */
static gboolean
is_missing_chat (const GError *error)
{
  return error->domain == ZV_DB_ERROR && strstr (error->message, "FOREIGN KEY constraint failed") != NULL;
}

static void
check_cache (void)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;

  if (!zv_db_exec (db, "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')", &error))
    zv_fuzz_fail ("the search index no longer matches the messages: %s", error->message);
  stmt = zv_db_prepare (db, "PRAGMA foreign_key_check", &error);
  if (stmt == NULL)
    zv_fuzz_fail ("foreign_key_check: %s", error->message);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    zv_fuzz_fail ("a row of %s refers to a missing row", sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *page;

  zv_fuzz_init ();
  if (db == NULL)
    db = zv_fuzz_open_cache ();

  root = zv_json_parse ((const char *) data, size, NULL);
  if (root == NULL)
    return 0;
  page = json_node_get_object (root);

  if (!zv_db_begin (db, &error))
    zv_fuzz_fail ("BEGIN: %s", error->message);
  if (apply (page, &error))
    {
      g_autoptr(GError) again_error = NULL;

      check_cache ();
      if (!apply (page, &again_error))
        zv_fuzz_fail ("a page that applied once fails the second time: %s", again_error->message);
      check_cache ();
    }
  else if (error == NULL)
    zv_fuzz_fail ("zv_sync_apply_page failed without an error");
  else if (error->domain != ZV_API_ERROR && !is_missing_chat (error))
    /* The cache refused what the decoder let through (a CHECK, a NOT NULL, a type): the decoder
     * must reject bad input itself, with a message for the user, not leave it to SQLite. */
    zv_fuzz_fail ("a page reached the database and failed there: %s", error->message);
  zv_db_rollback (db);
  return 0;
}
