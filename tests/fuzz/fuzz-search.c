/* fuzz-search.c: what a person types into search (zv_search_build_match) and the "zveno" FTS5
 * tokenizer (zv_search_tokenize, and SQLite calling it on insert and on MATCH), on an in-memory
 * FTS5 table. The input is the text, used both as a document and as a query.
 * Invariants: a MATCH expression we built is never an FTS5 syntax error; a document holding the
 * very text that was typed is found by it (whole words, no prefix); deleting the document leaves the
 * index consistent. */
#define G_LOG_DOMAIN "zveno-fuzz"

#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "zv-search.h"

static sqlite3 *db;

static void
exec_or_die (const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    zv_fuzz_fail ("%s: %s", sql, message);
}

static void
open_index (void)
{
  g_autoptr(GError) error = NULL;

  if (sqlite3_open (":memory:", &db) != SQLITE_OK)
    zv_fuzz_fail ("sqlite3_open: %s", sqlite3_errmsg (db));
  if (!zv_search_register_tokenizer (db, &error))
    zv_fuzz_fail ("tokenizer: %s", error->message);
  exec_or_die ("CREATE VIRTUAL TABLE t USING fts5 (text, tokenize = 'zveno')");
  /* Some neighbours, so a query has other rows to (not) match. */
  exec_or_die ("INSERT INTO t (rowid, text) VALUES "
               "(1, 'Договор с «Ромашкой» подписан, счёт выставлен'), "
               "(2, 'The contract draft is in the shared folder'), "
               "(3, 'Ёлка, йогурт и кофе: 10:30 в переговорной')");
}

/* Runs MATCH @expr; returns whether @rowid was among the hits. */
static gboolean
match (const char *expr,
       gint64      rowid)
{
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;
  int rc;

  if (sqlite3_prepare_v2 (db, "SELECT rowid FROM t WHERE t MATCH ?1", -1, &stmt, NULL) != SQLITE_OK)
    zv_fuzz_fail ("prepare: %s", sqlite3_errmsg (db));
  sqlite3_bind_text (stmt, 1, expr, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    found |= sqlite3_column_int64 (stmt, 0) == rowid;
  if (rc != SQLITE_DONE)
    zv_fuzz_fail ("MATCH %s: %s", expr, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  return found;
}

static void
document (const char *text,
          gboolean    insert)
{
  sqlite3_stmt *stmt = NULL;
  const char *sql = insert ? "INSERT INTO t (rowid, text) VALUES (100, ?1)" : "DELETE FROM t WHERE rowid = 100";

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    zv_fuzz_fail ("prepare: %s", sqlite3_errmsg (db));
  if (insert)
    sqlite3_bind_text (stmt, 1, text, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    zv_fuzz_fail ("%s: %s", sql, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  g_autofree char *folded = NULL;
  g_auto(GStrv) tokens = NULL;
  gboolean valid;

  zv_fuzz_init ();
  if (db == NULL)
    open_index ();
  text = g_strndup ((const char *) data, size);
  valid = g_utf8_validate (text, -1, NULL);
  if (!valid)
    {
      /* The app only ever passes UTF-8 (GTK entries, the server's JSON); still, nothing may crash. */
      g_autofree char *fixed = g_utf8_make_valid (text, -1);

      g_free (text);
      text = g_steal_pointer (&fixed);
    }

  folded = zv_search_fold (text);
  tokens = zv_search_tokenize (text);
  document (text, TRUE);

  for (int prefix_last = 0; prefix_last < 2; prefix_last++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *expr = zv_search_build_match (text, prefix_last, &error);

      if (expr == NULL)
        {
          if (!g_error_matches (error, ZV_SEARCH_ERROR, ZV_SEARCH_ERROR_EMPTY_QUERY))
            zv_fuzz_fail ("build_match failed without the empty-query error");
          if (tokens != NULL && tokens[0] != NULL)
            zv_fuzz_fail ("\"%s\" has index terms but builds no query", text);
          continue;
        }
      if (!match (expr, 100) && !prefix_last)
        zv_fuzz_fail ("the document \"%s\" is not found by its own text (MATCH %s)", text, expr);
    }

  document (NULL, FALSE);
  exec_or_die ("INSERT INTO t (t) VALUES ('integrity-check')");
  return 0;
}
