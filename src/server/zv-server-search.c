/* zv-server-search.c: GET /api/v1/search, full text over every message the user may read.
 *
 * The index is messages_fts (tokenizer "zveno", shared with the client). Following what was measured
 * at 1M messages (docs/PERFORMANCE.md, TOOLING.md): ranking scores every match, so results are
 * ranked (bm25) only when a query has few matches; a common word is answered newest-first with an
 * early stop. Chat and sender filters are tokens inside the index ("chat:c12"), dates become rowid
 * bounds (ids grow with time). Visibility is always checked per hit, so a hit in a chat the user is
 * not in can never be returned, whatever the index says. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <stdio.h>

#include <string.h>

#include "zv-search.h"
#include "zv-server-private.h"

#define RANK_THRESHOLD   1000    /* at most this many matches: rank them all */
#define SCAN_CAP         20000   /* newest-first: rows examined per request at most */

/* The smallest message id created at or after @ms (ids grow with time), or max id + 1. */
static gint64
first_id_at_or_after (ZvServer *self,
                      gint64    ms)
{
  sqlite3_stmt *stmt;
  gint64 lo = 0, hi = 0;

  /* Two statements: SQLite answers a lone min() or max() from the index, both together by a scan. */
  stmt = zv_server_db_prepare (self->db, "SELECT ifnull(min(id), 0) FROM messages");
  if (sqlite3_step (stmt) == SQLITE_ROW)
    lo = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  stmt = zv_server_db_prepare (self->db, "SELECT ifnull(max(id), 0) FROM messages");
  if (sqlite3_step (stmt) == SQLITE_ROW)
    hi = sqlite3_column_int64 (stmt, 0) + 1;
  sqlite3_reset (stmt);

  while (lo < hi)
    {
      gint64 mid = lo + (hi - lo) / 2;
      gboolean found = FALSE;
      gint64 id = 0, created = 0;

      stmt = zv_server_db_prepare (self->db,
        "SELECT id, created_at FROM messages WHERE id >= ?1 ORDER BY id LIMIT 1");
      sqlite3_bind_int64 (stmt, 1, mid);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          found = TRUE;
          id = sqlite3_column_int64 (stmt, 0);
          created = sqlite3_column_int64 (stmt, 1);
        }
      sqlite3_reset (stmt);
      if (!found || created >= ms)
        hi = mid;
      else
        lo = id + 1;
    }
  return lo;
}

/* Snippet text with \002 ... \003 around hits -> {"text", "highlights": [[start, length], ...]}
 * in Unicode characters. */
static JsonObject *
snippet_to_json (const char *marked)
{
  JsonObject *object = json_object_new ();
  JsonArray *highlights = json_array_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  glong chars = 0, start = -1;

  for (const char *p = marked; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar ch = g_utf8_get_char (p);

      if (ch == 2)
        start = chars;
      else if (ch == 3 && start >= 0)
        {
          JsonArray *pair = json_array_new ();

          json_array_add_int_element (pair, start);
          json_array_add_int_element (pair, chars - start);
          json_array_add_array_element (highlights, pair);
          start = -1;
        }
      else
        {
          g_string_append_unichar (text, ch);
          chars++;
        }
    }
  json_object_set_string_member (object, "text", text->str);
  json_object_set_array_member (object, "highlights", highlights);
  return object;
}

static gboolean
message_visible (ZvServer   *self,
                 GHashTable *visible,
                 gint64      message_id)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "SELECT chat_id FROM messages WHERE id = ?1 AND deleted = 0");
  gboolean ok = FALSE;

  sqlite3_bind_int64 (stmt, 1, message_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 chat_id = sqlite3_column_int64 (stmt, 0);
      ok = g_hash_table_contains (visible, &chat_id);
    }
  sqlite3_reset (stmt);
  return ok;
}

/* The highlighted excerpt of one ranked hit: a MATCH restricted to its rowid, which FTS5 answers from
 * the index directly. Ranked answers have at most RANK_THRESHOLD matches, so this stays cheap there;
 * the newest-first scan reads its snippets as a column instead. */
static char *
snippet_for (ZvServer   *self,
             const char *match,
             gint64      id)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "SELECT snippet(messages_fts, 0, char(2), char(3), '…', 16) FROM messages_fts "
    "WHERE messages_fts MATCH ?1 AND rowid = ?2");
  char *snippet = NULL;

  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    snippet = g_strdup (zv_server_db_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return snippet != NULL ? snippet : g_strdup ("");
}

typedef struct {
  ZvServer   *server;
  GHashTable *visible;   /* chat ids the user is in */
  JsonArray  *results;
  gint64      limit;
} Collect;

/* Adds the hit when the user may read it; returns TRUE when it was added. */
static gboolean
collect_hit (Collect    *collect,
             gint64      message_id,
             const char *snippet,
             double      rank)
{
  g_autoptr(JsonObject) message = zv_message_to_json (collect->server, message_id);
  gint64 chat_id;
  JsonObject *result;

  if (message == NULL || json_object_get_boolean_member (message, "deleted"))
    return FALSE;
  chat_id = json_object_get_int_member (message, "chat_id");
  if (!g_hash_table_contains (collect->visible, &chat_id))
    return FALSE;
  result = json_object_new ();
  json_object_set_object_member (result, "message", g_steal_pointer (&message));
  json_object_set_object_member (result, "snippet", snippet_to_json (snippet));
  json_object_set_double_member (result, "rank", rank);
  json_array_add_object_element (collect->results, result);
  return TRUE;
}

void
zv_handle_search (ZvRequest *req)
{
  ZvServer *self = req->server;
  const char *q = zv_request_query (req, "q");
  const char *cursor = zv_request_query (req, "cursor");
  const char *before_text = zv_request_query (req, "before");
  const char *after_text = zv_request_query (req, "after");
  g_autoptr(GHashTable) visible = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(JsonObject) reply = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *match = NULL;
  g_autofree char *next = NULL;
  g_autoptr(GString) expr = NULL;
  gint64 chat, from, limit, prefix, lo = 0, hi = G_MAXINT64, offset = 0, newest_before = G_MAXINT64;
  gboolean ranked = FALSE;
  Collect collect;
  sqlite3_stmt *stmt;

  if (!zv_request_query_int (req, "chat", 0, 0, G_MAXINT64, &chat) ||
      !zv_request_query_int (req, "from", 0, 0, G_MAXINT64, &from) ||
      !zv_request_query_int (req, "limit", 20, 1, 100, &limit) ||
      !zv_request_query_int (req, "prefix", 0, 0, 1, &prefix))
    return;
  if (q == NULL || strlen (q) > 1000)
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Give the query as ?q= (up to 1000 bytes)");
      return;
    }
  match = zv_search_build_match (q, prefix != 0, &error);
  if (match == NULL)
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "The query has no searchable words");
      return;
    }
  if (cursor != NULL &&
      !(sscanf (cursor, "r.%" G_GINT64_FORMAT, &offset) == 1 && offset >= 0 && (ranked = TRUE)) &&
      !(sscanf (cursor, "n.%" G_GINT64_FORMAT, &newest_before) == 1 && newest_before > 0))
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Malformed cursor");
      return;
    }
  if (after_text != NULL)
    {
      gint64 ms = zv_parse_time (after_text);

      if (ms < 0)
        {
          zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "\"after\" must be an ISO 8601 time");
          return;
        }
      lo = first_id_at_or_after (self, ms);
    }
  if (before_text != NULL)
    {
      gint64 ms = zv_parse_time (before_text);

      if (ms < 0)
        {
          zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "\"before\" must be an ISO 8601 time");
          return;
        }
      hi = first_id_at_or_after (self, ms) - 1;
    }

  stmt = zv_server_db_prepare (self->db,
    "SELECT chat_id FROM members WHERE user_id = ?1 AND left_at IS NULL");
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_hash_table_add (visible, g_memdup2 (&id, sizeof id));
    }
  sqlite3_reset (stmt);

  if (chat != 0 && !g_hash_table_contains (visible, &chat))
    {
      stmt = zv_server_db_prepare (self->db, "SELECT 1 FROM chats WHERE id = ?1");
      sqlite3_bind_int64 (stmt, 1, chat);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        zv_reply_error (req, ZV_API_ERROR_FORBIDDEN, "You are not a member of this chat");
      else
        zv_reply_error (req, ZV_API_ERROR_NOT_FOUND, "No such chat");
      sqlite3_reset (stmt);
      return;
    }

  /* The MATCH expression: the user's words (already made safe), then filters on indexed tokens. */
  expr = g_string_new (NULL);
  g_string_append_printf (expr, "(%s)", match);
  if (chat != 0)
    g_string_append_printf (expr, " AND chat:c%" G_GINT64_FORMAT, chat);
  if (from != 0)
    g_string_append_printf (expr, " AND sender:u%" G_GINT64_FORMAT, from);

  collect.server = self;
  collect.visible = visible;
  collect.results = json_array_new ();
  collect.limit = limit;
  json_object_set_array_member (reply, "results", collect.results);

  if (cursor == NULL)
    {
      /* Few matches: rank them. Many: newest first (ranking them all costs up to a second). */
      gint64 count = 0;

      stmt = zv_server_db_prepare (self->db,
        "SELECT count(*) FROM (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 "
        "AND rowid BETWEEN ?2 AND ?3 LIMIT ?4)");
      sqlite3_bind_text (stmt, 1, expr->str, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 2, lo);
      sqlite3_bind_int64 (stmt, 3, hi);
      sqlite3_bind_int64 (stmt, 4, RANK_THRESHOLD + 1);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        count = sqlite3_column_int64 (stmt, 0);
      else
        {
          zv_server_db_set_error (self->db, &error);
          sqlite3_reset (stmt);
          zv_reply_internal (req, error);
          return;
        }
      sqlite3_reset (stmt);
      ranked = count <= RANK_THRESHOLD;
    }

  if (ranked)
    {
      /* At most RANK_THRESHOLD matches: rank them all (cheap at this size), keep the visible ones
       * and cut the page from that list, so pages are full and the offset cursor exact. */
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr(GArray) ranks = g_array_new (FALSE, FALSE, sizeof (double));

      stmt = zv_server_db_prepare (self->db,
        "SELECT rowid, rank FROM messages_fts "
        "WHERE messages_fts MATCH ?1 AND rowid BETWEEN ?2 AND ?3 ORDER BY rank LIMIT ?4");
      sqlite3_bind_text (stmt, 1, expr->str, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 2, lo);
      sqlite3_bind_int64 (stmt, 3, hi);
      sqlite3_bind_int64 (stmt, 4, RANK_THRESHOLD + 1);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          gint64 id = sqlite3_column_int64 (stmt, 0);
          double rank = sqlite3_column_double (stmt, 1);

          g_array_append_val (ids, id);
          g_array_append_val (ranks, rank);
        }
      sqlite3_reset (stmt);

      {
        g_autoptr(GArray) visible_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
        g_autoptr(GArray) visible_ranks = g_array_new (FALSE, FALSE, sizeof (double));

        for (guint i = 0; i < ids->len; i++)
          if (message_visible (self, visible, g_array_index (ids, gint64, i)))
            {
              g_array_append_val (visible_ids, g_array_index (ids, gint64, i));
              g_array_append_val (visible_ranks, g_array_index (ranks, double, i));
            }
        for (gint64 i = offset; i < (gint64) visible_ids->len && i < offset + limit; i++)
          {
            g_autofree char *snippet = snippet_for (self, expr->str, g_array_index (visible_ids, gint64, i));

            /* bm25 in FTS5 is negative, better matches lower: flip it so higher is better. */
            collect_hit (&collect, g_array_index (visible_ids, gint64, i), snippet,
                         -g_array_index (visible_ranks, double, i));
          }
        if (offset + limit < (gint64) visible_ids->len)
          next = g_strdup_printf ("r.%" G_GINT64_FORMAT, offset + limit);
      }
      json_object_set_string_member (reply, "order", "rank");
    }
  else
    {
      g_autoptr(GArray) hits = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr(GPtrArray) snippets = g_ptr_array_new_with_free_func (g_free);
      gint64 scanned = 0, last_scanned = 0;
      gboolean more = FALSE;

      /* The snippet is a column of the scanning query: FTS5 builds it from the cursor's current
       * match, whereas a second "MATCH ? AND rowid = ?" per hit expanded a typing prefix again
       * each time (20-60 ms a page). CASE evaluates snippet() only for rows the member join says
       * the user may read, so skipped rows of other people's chats cost no snippet. That join
       * only saves work: message_visible() below stays the authority for every hit. */
      stmt = zv_server_db_prepare (self->db,
        "SELECT rowid, CASE WHEN EXISTS (SELECT 1 FROM messages m JOIN members b "
        "    ON b.chat_id = m.chat_id AND b.user_id = ?5 AND b.left_at IS NULL "
        "    WHERE m.id = messages_fts.rowid AND m.deleted = 0) "
        "  THEN snippet(messages_fts, 0, char(2), char(3), '…', 16) END "
        "FROM messages_fts "
        "WHERE messages_fts MATCH ?1 AND rowid BETWEEN ?2 AND ?3 ORDER BY rowid DESC LIMIT ?4");
      sqlite3_bind_text (stmt, 1, expr->str, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 2, lo);
      sqlite3_bind_int64 (stmt, 3, MIN (hi, newest_before - 1));
      sqlite3_bind_int64 (stmt, 4, SCAN_CAP);
      sqlite3_bind_int64 (stmt, 5, req->user_id);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          gint64 id = sqlite3_column_int64 (stmt, 0);

          if ((gint64) hits->len == limit)
            {
              more = TRUE;
              break;
            }
          scanned++;
          last_scanned = id;
          /* NULL: not readable by this user (or deleted); never shown whatever C would say. */
          if (sqlite3_column_type (stmt, 1) != SQLITE_NULL && message_visible (self, visible, id))
            {
              g_array_append_val (hits, id);
              g_ptr_array_add (snippets, g_strdup (zv_server_db_column_text (stmt, 1)));
            }
        }
      sqlite3_reset (stmt);

      for (guint i = 0; i < hits->len; i++)
        collect_hit (&collect, g_array_index (hits, gint64, i), g_ptr_array_index (snippets, i), 0.0);
      /* A full page, or a scan cut at SCAN_CAP rows: the client may ask for more from here. */
      if (more || scanned == SCAN_CAP)
        next = g_strdup_printf ("n.%" G_GINT64_FORMAT, last_scanned);
      json_object_set_string_member (reply, "order", "newest");
    }

  if (next != NULL)
    json_object_set_string_member (reply, "next_cursor", next);
  else
    json_object_set_null_member (reply, "next_cursor");
  zv_reply_object (req, 200, reply);
}
