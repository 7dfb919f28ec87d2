/* zv-store-search.c: full-text search over the cache.
 *
 * Measured on this project's machines (TOOLING.md): ordering every match by rank costs 150-650 ms
 * for a common word at 1M messages, while newest-first with LIMIT stops early (p95 4-8 ms). So:
 * count the matches up to one page; when they all fit, rank them; otherwise return the newest first
 * and page by message id. Filters never join after MATCH: the chat and the sender are tokens of
 * their own FTS columns, and a date range becomes an id range (ids grow with time), which FTS5
 * applies inside the index.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include "zv-search.h"
#include "zv-store-search.h"

#define DEFAULT_LIMIT 50
#define MAX_LIMIT 500

void
zv_search_hit_free (ZvSearchHit *hit)
{
  if (hit == NULL)
    return;
  g_free (hit->snippet);
  g_free (hit);
}

/* The smallest message id whose created_at >= @when (or max + 1). Ids grow with time, so a binary
 * search over the primary key needs ~log2(n) point lookups and no index on created_at. */
static gboolean
first_id_at_or_after (ZvDb     *db,
                      gint64    when,
                      gint64   *out,
                      GError  **error)
{
  /* Two subqueries: each is one b-tree edge lookup; "SELECT min(id), max(id)" scans the table. */
  sqlite3_stmt *bounds = zv_db_prepare (db, "SELECT (SELECT min(id) FROM messages), (SELECT max(id) FROM messages)", error);
  sqlite3_stmt *probe;
  gint64 lo, hi;

  if (bounds == NULL)
    return FALSE;
  if (sqlite3_step (bounds) != SQLITE_ROW || sqlite3_column_type (bounds, 0) == SQLITE_NULL)
    {
      sqlite3_reset (bounds);
      *out = 0;
      return TRUE;
    }
  lo = sqlite3_column_int64 (bounds, 0);
  hi = sqlite3_column_int64 (bounds, 1) + 1;
  sqlite3_reset (bounds);

  probe = zv_db_prepare (db, "SELECT id, created_at FROM messages WHERE id >= ?1 ORDER BY id LIMIT 1", error);
  if (probe == NULL)
    return FALSE;

  while (lo < hi)
    {
      gint64 mid = lo + (hi - lo) / 2;

      sqlite3_bind_int64 (probe, 1, mid);
      if (sqlite3_step (probe) != SQLITE_ROW)
        {
          hi = mid;
        }
      else
        {
          gint64 id = sqlite3_column_int64 (probe, 0);
          gint64 created_at = sqlite3_column_int64 (probe, 1);

          if (created_at >= when)
            hi = mid;
          else
            lo = id + 1;
        }
      sqlite3_reset (probe);
    }

  *out = lo;
  return TRUE;
}

static char *
build_expression (const ZvSearchQuery  *query,
                  GError              **error)
{
  g_autofree char *match = zv_search_build_match (query->text, query->typing, error);
  GString *expr;

  if (match == NULL)
    return NULL;

  expr = g_string_new (NULL);
  g_string_append_printf (expr, "text : (%s)", match);
  /* The ids are integers we format ourselves, never user text. */
  if (query->chat_id > 0)
    g_string_append_printf (expr, " AND chat : c%" G_GINT64_FORMAT, query->chat_id);
  if (query->sender_id > 0)
    g_string_append_printf (expr, " AND sender : u%" G_GINT64_FORMAT, query->sender_id);
  return g_string_free (expr, FALSE);
}

/**
 * zv_store_search:
 * @next_cursor: (out) (optional): the cursor of the next page, 0 when this is the last
 * @ranked: (out) (optional): whether the hits are ordered by relevance (few matches) or newest first
 *
 * Returns: (transfer full) (element-type ZvSearchHit): the hits, or %NULL with @error set
 * (%ZV_SEARCH_ERROR_EMPTY_QUERY when nothing searchable was typed).
 */
GPtrArray *
zv_store_search (ZvDb                 *db,
                 const ZvSearchQuery  *query,
                 gint64               *next_cursor,
                 gboolean             *ranked,
                 GError              **error)
{
  g_autoptr(GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_search_hit_free);
  g_autofree char *expr = NULL;
  guint limit = query->limit == 0 ? DEFAULT_LIMIT : MIN (query->limit, MAX_LIMIT);
  gint64 lo = G_MININT64, hi = G_MAXINT64;
  gboolean by_rank = FALSE;
  sqlite3_stmt *stmt;
  gint64 last_id = 0;

  g_return_val_if_fail (db != NULL, NULL);
  g_return_val_if_fail (query != NULL && query->text != NULL, NULL);

  if (next_cursor != NULL)
    *next_cursor = 0;
  if (ranked != NULL)
    *ranked = FALSE;

  expr = build_expression (query, error);
  if (expr == NULL)
    return NULL;

  if (query->after > 0 && !first_id_at_or_after (db, query->after, &lo, error))
    return NULL;
  if (query->before > 0)
    {
      if (!first_id_at_or_after (db, query->before, &hi, error))
        return NULL;
      hi -= 1;
    }
  if (query->cursor > 0)
    hi = MIN (hi, query->cursor - 1);
  if (lo > hi)
    return g_steal_pointer (&hits);

  /* Few matches (all on one page, first page only): rank them. Counting stops at limit + 1. */
  if (query->cursor == 0)
    {
      gint64 n = 0;

      stmt = zv_db_prepare (db,
                            "SELECT count(*) FROM (SELECT rowid FROM messages_fts "
                            "WHERE messages_fts MATCH ?1 AND rowid BETWEEN ?2 AND ?3 LIMIT ?4)",
                            error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, expr, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 2, lo);
      sqlite3_bind_int64 (stmt, 3, hi);
      sqlite3_bind_int64 (stmt, 4, limit + 1);
      if (sqlite3_step (stmt) != SQLITE_ROW)
        {
          zv_db_set_error (db, error);
          sqlite3_reset (stmt);
          return NULL;
        }
      n = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      by_rank = n <= limit;
    }

  stmt = zv_db_prepare (db, by_rank
                        ? "SELECT f.rowid, m.chat_id, m.sender_id, m.created_at, "
                          "snippet(messages_fts, 0, '" ZV_SEARCH_MARK_START "', '" ZV_SEARCH_MARK_END "', '…', 16) "
                          "FROM messages_fts f JOIN messages m ON m.id = f.rowid "
                          "WHERE messages_fts MATCH ?1 AND f.rowid BETWEEN ?2 AND ?3 "
                          "ORDER BY rank, f.rowid DESC LIMIT ?4"
                        : "SELECT f.rowid, m.chat_id, m.sender_id, m.created_at, "
                          "snippet(messages_fts, 0, '" ZV_SEARCH_MARK_START "', '" ZV_SEARCH_MARK_END "', '…', 16) "
                          "FROM messages_fts f JOIN messages m ON m.id = f.rowid "
                          "WHERE messages_fts MATCH ?1 AND f.rowid BETWEEN ?2 AND ?3 "
                          "ORDER BY f.rowid DESC LIMIT ?4",
                        error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, expr, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, lo);
  sqlite3_bind_int64 (stmt, 3, hi);
  sqlite3_bind_int64 (stmt, 4, limit);

  for (;;)
    {
      int rc = sqlite3_step (stmt);
      ZvSearchHit *hit;

      if (rc == SQLITE_DONE)
        break;
      if (rc != SQLITE_ROW)
        {
          zv_db_set_error (db, error);
          sqlite3_reset (stmt);
          return NULL;
        }
      hit = g_new0 (ZvSearchHit, 1);
      hit->message_id = sqlite3_column_int64 (stmt, 0);
      hit->chat_id = sqlite3_column_int64 (stmt, 1);
      hit->sender_id = sqlite3_column_int64 (stmt, 2);
      hit->created_at = sqlite3_column_int64 (stmt, 3);
      hit->snippet = g_strdup (zv_db_column_text (stmt, 4));
      last_id = hit->message_id;
      g_ptr_array_add (hits, hit);
    }
  sqlite3_reset (stmt);

  if (!by_rank && hits->len == limit && next_cursor != NULL)
    *next_cursor = last_id;
  if (ranked != NULL)
    *ranked = by_rank;

  return g_steal_pointer (&hits);
}
