/* zv-search-results.c: ZvSearchResults, the hits of zv_store_search() for the "query" property.
 *
 * The first page comes when the query (or the chat filter) changes; further pages only when the UI
 * asks (zv_search_results_load_more(), e.g. when the list is scrolled to its end), because a
 * common word matches hundreds of thousands of messages. Each page is the cache's newest-first
 * keyset query (a few ms at a million messages, see zv-store-search.c), so it runs on the main
 * thread. While a person types, each new query is diffed against the shown hits by message id:
 * hits that stay, stay (with their snippet updated), and the list does not flicker.
 *
 * The cache holds each chat's recent messages only, so with an account set ("account") the server
 * searches the rest: once the cache's hits are all shown, GET /search runs with the same query and
 * chat filter, asynchronously (the main thread never waits on the network). Its hits that the cache
 * already showed (same message id) are skipped, the rest appended with "from-server" set, and further
 * server pages follow its cursor through zv_search_results_load_more(). When the server cannot be
 * reached the cache's hits stay and "server-failed" says the older history was not searched.
 *
 * Server hits are not written into the cache: the cache's history of a chat is contiguous from its
 * newest message back (backfill continues before the oldest cached one), and a lone old message
 * stored there would make backfill skip everything between it and the cached part.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "zv-account.h"
#include "zv-chat.h"
#include "zv-error.h"
#include "zv-json.h"
#include "zv-list-diff.h"
#include "zv-search.h"
#include "zv-search-results.h"
#include "zv-store-search.h"

struct _ZvSearchResults
{
  GObject    parent_instance;

  /* owned */
  ZvStore   *store;
  GPtrArray *items;         /* ZvSearchResult */
  char      *query;
  gulong     changed_id;

  gint64     self_id;
  gint64     chat_id;
  gint64     cursor;        /* where the next page starts; 0: no more */
  guint      page_size;
  gboolean   typing;
  gboolean   ranked;

  /* the server's part (see the top of the file) */
  ZvAccount    *account;              /* NULL: the cache only */
  GCancellable *server_cancellable;   /* the request in flight, if any */
  char         *server_cursor;        /* the server's next_cursor */
  char         *server_error;
  guint         server_generation;    /* bumped per query: late answers of older ones are dropped */
  int           server_state;         /* ServerState */

  /* what was last notified, to notify only changes */
  gboolean      notified_has_more;
  gboolean      notified_searching;
  gboolean      notified_failed;
};

typedef enum {
  SERVER_OFF,       /* no account, or nothing to search */
  SERVER_WAITING,   /* asked once the cache's hits are all shown */
  SERVER_BUSY,      /* a request is in flight */
  SERVER_MORE,      /* answered, with a cursor for more */
  SERVER_DONE,
  SERVER_FAILED,
} ServerState;

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ZvSearchResults, zv_search_results, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_STORE,
  PROP_SELF_ID,
  PROP_QUERY,
  PROP_TYPING,
  PROP_CHAT_ID,
  PROP_HAS_MORE,
  PROP_RANKED,
  PROP_N_ITEMS,
  PROP_ACCOUNT,
  PROP_SEARCHING_SERVER,
  PROP_SERVER_FAILED,
  PROP_SERVER_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
zv_search_results_get_item_type (GListModel *model)
{
  return ZV_TYPE_SEARCH_RESULT;
}

static guint
zv_search_results_get_n_items (GListModel *model)
{
  return ZV_SEARCH_RESULTS (model)->items->len;
}

static gpointer
zv_search_results_get_item (GListModel *model,
                            guint       position)
{
  ZvSearchResults *self = ZV_SEARCH_RESULTS (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = zv_search_results_get_item_type;
  iface->get_n_items = zv_search_results_get_n_items;
  iface->get_item = zv_search_results_get_item;
}

static gint64
result_key (gpointer item)
{
  return zv_search_result_get_message_id (item);
}

static gboolean
result_update (gpointer old_item,
               gpointer new_item,
               gpointer user_data)
{
  return zv_search_result_update_from (old_item, new_item);
}

/* The chat's title as the chat list shows it (a direct chat is named after the other person). */
static char *
chat_title (ZvSearchResults  *self,
            ZvDb             *db,
            gint64            chat_id,
            GError          **error)
{
  sqlite3_stmt *stmt = zv_db_prepare (db, ZV_CHAT_SELECT "WHERE c.id = ?2", error);
  g_autoptr(ZvChat) chat = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, self->self_id);
  sqlite3_bind_int64 (stmt, 2, chat_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    chat = zv_chat_new_from_row (stmt, self->self_id);
  else if (rc != SQLITE_DONE)
    zv_db_set_error (db, error);
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    return g_strdup ("");
  return chat != NULL ? g_strdup (zv_chat_get_title (chat)) : NULL;
}

static char *
sender_name (ZvDb     *db,
             gint64    user_id,
             GError  **error)
{
  sqlite3_stmt *stmt = zv_db_prepare (db, "SELECT name FROM users WHERE id = ?1", error);
  char *name = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, user_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    name = g_strdup (zv_db_column_text (stmt, 0));
  else if (rc == SQLITE_DONE)
    name = g_strdup ("");
  else
    zv_db_set_error (db, error);
  sqlite3_reset (stmt);
  return name;
}

/* A hit as the list shows it, named from the cache (@titles: chat titles looked up so far). */
static ZvSearchResult *
make_result (ZvSearchResults  *self,
             ZvDb             *db,
             GHashTable       *titles,
             gint64            message_id,
             gint64            chat_id,
             gint64            sender_id,
             gint64            created_at,
             const char       *snippet,
             GError          **error)
{
  const char *title = g_hash_table_lookup (titles, &chat_id);
  g_autofree char *sender = NULL;

  if (title == NULL)
    {
      char *found = chat_title (self, db, chat_id, error);

      if (found == NULL)
        return NULL;
      g_hash_table_insert (titles, g_memdup2 (&chat_id, sizeof chat_id), found);
      title = found;
    }
  sender = sender_name (db, sender_id, error);
  if (sender == NULL)
    return NULL;
  return zv_search_result_new (message_id, chat_id, title, sender_id, sender, created_at, snippet);
}

/* One page from @cursor (0: the first) as result objects. */
static GPtrArray *
search_page (ZvSearchResults  *self,
             gint64            cursor,
             gint64           *next_cursor,
             gboolean         *ranked,
             GError          **error)
{
  ZvDb *db = zv_store_get_reader (self->store);
  ZvSearchQuery query = { 0, };
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GHashTable) titles = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  query.text = self->query;
  query.typing = self->typing;
  query.chat_id = self->chat_id;
  query.cursor = cursor;
  query.limit = self->page_size;
  hits = zv_store_search (db, &query, next_cursor, ranked, error);
  if (hits == NULL)
    return NULL;

  page = g_ptr_array_new_full (hits->len, g_object_unref);
  for (guint i = 0; i < hits->len; i++)
    {
      ZvSearchHit *hit = g_ptr_array_index (hits, i);
      ZvSearchResult *result = make_result (self, db, titles, hit->message_id, hit->chat_id,
                                            hit->sender_id, hit->created_at, hit->snippet, error);

      if (result == NULL)
        return NULL;
      g_ptr_array_add (page, result);
    }
  return g_steal_pointer (&page);
}

static gboolean
compute_has_more (ZvSearchResults *self)
{
  return self->cursor != 0 || self->server_state == SERVER_MORE;
}

/* Notifies has-more, searching-server and server-failed when they changed since the last time. */
static void
update_flags (ZvSearchResults *self)
{
  gboolean has_more = compute_has_more (self);
  gboolean searching = self->server_state == SERVER_BUSY;
  gboolean failed = self->server_state == SERVER_FAILED;

  if (self->notified_has_more != has_more)
    {
      self->notified_has_more = has_more;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_MORE]);
    }
  if (self->notified_searching != searching)
    {
      self->notified_searching = searching;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCHING_SERVER]);
    }
  if (self->notified_failed != failed)
    {
      self->notified_failed = failed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_FAILED]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_ERROR]);
    }
}

static void
set_paging (ZvSearchResults *self,
            gint64           cursor,
            gboolean         ranked)
{
  self->cursor = cursor;
  if (self->ranked != ranked)
    {
      self->ranked = ranked;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RANKED]);
    }
  update_flags (self);
}

static void
replace_items (ZvSearchResults *self,
               GPtrArray       *fresh)
{
  guint old_n = self->items->len;

  zv_list_diff_apply (G_LIST_MODEL (self), self->items, fresh, result_key, result_update, NULL);
  if (old_n != self->items->len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
append_items (ZvSearchResults *self,
              GPtrArray       *page)
{
  guint position = self->items->len;

  if (page->len == 0)
    return;
  g_ptr_array_extend_and_steal (self->items, g_ptr_array_ref (page));
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, self->items->len - position);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* ---- the server's part -------------------------------------------------------------------------- */

/* Forgets the server's answers for the previous query (cancelling a request in flight); the server
 * is asked again once the cache's hits for this one are all shown. */
static void
server_reset (ZvSearchResults *self,
              gboolean         searchable)
{
  if (self->server_cancellable != NULL)
    {
      g_cancellable_cancel (self->server_cancellable);
      g_clear_object (&self->server_cancellable);
    }
  g_clear_pointer (&self->server_cursor, g_free);
  g_clear_pointer (&self->server_error, g_free);
  self->server_generation++;
  self->server_state = self->account != NULL && searchable ? SERVER_WAITING : SERVER_OFF;
}

/**
 * zv_search_snippet_from_highlights:
 * @text: the server's snippet text
 * @highlights: its "highlights": [start, length] pairs in Unicode characters
 *
 * The server's snippet in the cache's form: each highlighted run between ZV_SEARCH_MARK_START and
 * ZV_SEARCH_MARK_END. Pairs may come in any order and overlap; runs past the end are cut there.
 * Marker characters inside @text itself are dropped, so they can never fake a highlight.
 *
 * Returns: (transfer full) (nullable): the marked snippet, or %NULL with
 * ZV_API_ERROR_INVALID_RESPONSE when a pair is not two non-negative integers.
 */
char *
zv_search_snippet_from_highlights (const char  *text,
                                   JsonArray   *highlights,
                                   GError     **error)
{
  glong n_chars = g_utf8_strlen (text, -1);
  g_autofree guint8 *marked = g_new0 (guint8, (gsize) n_chars + 1);   /* 1: inside a highlight */
  GString *out = g_string_sized_new (strlen (text) + 8);
  gboolean inside = FALSE;
  glong i = 0;

  for (guint k = 0; highlights != NULL && k < json_array_get_length (highlights); k++)
    {
      JsonNode *node = json_array_get_element (highlights, k);
      JsonArray *pair = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
      gint64 start, length;

      if (pair == NULL || json_array_get_length (pair) != 2 ||
          json_node_get_value_type (json_array_get_element (pair, 0)) != G_TYPE_INT64 ||
          json_node_get_value_type (json_array_get_element (pair, 1)) != G_TYPE_INT64 ||
          (start = json_array_get_int_element (pair, 0)) < 0 ||
          (length = json_array_get_int_element (pair, 1)) < 0)
        {
          g_string_free (out, TRUE);
          g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                       _("The server's search snippet is not valid: highlight %u is not a [start, length] pair"), k);
          return NULL;
        }
      for (gint64 c = start; c < start + length && c < n_chars; c++)
        marked[c] = 1;
    }

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p), i++)
    {
      gunichar ch = g_utf8_get_char (p);

      if (marked[i] && !inside)
        g_string_append (out, ZV_SEARCH_MARK_START);
      else if (!marked[i] && inside)
        g_string_append (out, ZV_SEARCH_MARK_END);
      inside = marked[i];
      if (ch != (gunichar) ZV_SEARCH_MARK_START[0] && ch != (gunichar) ZV_SEARCH_MARK_END[0])
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
  if (inside)
    g_string_append (out, ZV_SEARCH_MARK_END);
  return g_string_free (out, FALSE);
}

/* The server's results as items, skipping messages already in the list (and deleted ones). */
static GPtrArray *
server_page (ZvSearchResults  *self,
             JsonObject       *reply,
             GError          **error)
{
  ZvDb *db = zv_store_get_reader (self->store);
  g_autoptr(GHashTable) shown = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GHashTable) titles = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func (g_object_unref);
  JsonArray *results = zv_json_get_array (reply, "results", TRUE, error);

  if (results == NULL)
    return NULL;
  for (guint i = 0; i < self->items->len; i++)
    {
      gint64 id = zv_search_result_get_message_id (g_ptr_array_index (self->items, i));
      g_hash_table_add (shown, g_memdup2 (&id, sizeof id));
    }

  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonObject *hit = zv_json_array_get_object (results, i, "results", error);
      JsonObject *message, *snippet;
      JsonArray *highlights;
      const char *text;
      gint64 id, chat_id, sender_id, created_at;
      gboolean deleted;
      g_autofree char *marked = NULL;
      ZvSearchResult *result;

      if (hit == NULL ||
          (message = zv_json_get_object (hit, "message", error)) == NULL ||
          (snippet = zv_json_get_object (hit, "snippet", error)) == NULL ||
          !zv_json_get_int (message, "id", &id, error) ||
          !zv_json_get_int (message, "chat_id", &chat_id, error) ||
          !zv_json_get_int (message, "sender_id", &sender_id, error) ||
          !zv_json_get_time (message, "created_at", FALSE, &created_at, error) ||
          !zv_json_get_bool (message, "deleted", FALSE, &deleted, error) ||
          (text = zv_json_get_string (snippet, "text", error)) == NULL)
        return NULL;
      highlights = zv_json_get_array (snippet, "highlights", FALSE, error);
      if (highlights == NULL && error != NULL && *error != NULL)
        return NULL;
      if (deleted || g_hash_table_contains (shown, &id))
        continue;
      marked = zv_search_snippet_from_highlights (text, highlights, error);
      if (marked == NULL)
        return NULL;
      result = make_result (self, db, titles, id, chat_id, sender_id, created_at, marked, error);
      if (result == NULL)
        return NULL;
      zv_search_result_set_from_server (result, TRUE);
      g_ptr_array_add (page, result);
      g_hash_table_add (shown, g_memdup2 (&id, sizeof id));
    }
  return g_steal_pointer (&page);
}

typedef struct {
  GWeakRef  self;
  guint     generation;
} ServerCall;

static void
server_call_free (ServerCall *call)
{
  g_weak_ref_clear (&call->self);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServerCall, server_call_free)

static void
server_fail (ZvSearchResults *self,
             const GError    *error)
{
  g_debug ("Searching the server failed: %s", error->message);
  g_free (self->server_error);
  self->server_error = g_strdup (error->message);
  self->server_state = SERVER_FAILED;
}

static void
server_search_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ServerCall) call = user_data;
  g_autoptr(ZvSearchResults) self = g_weak_ref_get (&call->self);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;
  const char *next = NULL;

  reply = zv_account_call_finish (ZV_ACCOUNT (source), result, &error);
  /* Gone, or a newer query took over (its reset cancelled this one). */
  if (self == NULL || call->generation != self->server_generation)
    return;
  g_clear_object (&self->server_cancellable);

  if (reply != NULL && !JSON_NODE_HOLDS_OBJECT (reply))
    g_set_error_literal (&error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                         _("The server's search answer is not a JSON object"));
  if (error == NULL)
    page = server_page (self, json_node_get_object (reply), &error);
  if (page != NULL && !zv_json_get_string_or_null (json_node_get_object (reply), "next_cursor", &next, &error))
    g_clear_pointer (&page, g_ptr_array_unref);

  if (page == NULL)
    server_fail (self, error);
  else
    {
      g_free (self->server_cursor);
      self->server_cursor = g_strdup (next);
      self->server_state = next != NULL ? SERVER_MORE : SERVER_DONE;
      append_items (self, page);
    }
  update_flags (self);
}

/* Asks the server for its next page (the first when there is no cursor yet). */
static void
server_ask (ZvSearchResults *self)
{
  g_autoptr(GString) path = g_string_new ("/search?q=");
  ServerCall *call = g_new0 (ServerCall, 1);
  /* The server answers at most 100 a page. */
  guint limit = CLAMP (self->page_size != 0 ? self->page_size : 50, 1, 100);

  g_string_append_uri_escaped (path, self->query, NULL, FALSE);
  g_string_append_printf (path, "&limit=%u&prefix=%d", limit, self->typing ? 1 : 0);
  if (self->chat_id != 0)
    g_string_append_printf (path, "&chat=%" G_GINT64_FORMAT, self->chat_id);
  if (self->server_cursor != NULL)
    {
      g_string_append (path, "&cursor=");
      g_string_append_uri_escaped (path, self->server_cursor, NULL, FALSE);
    }

  g_weak_ref_init (&call->self, self);
  call->generation = self->server_generation;
  g_clear_object (&self->server_cancellable);
  self->server_cancellable = g_cancellable_new ();
  self->server_state = SERVER_BUSY;
  zv_account_call_async (self->account, "GET", path->str, NULL, self->server_cancellable,
                         server_search_cb, call);
  update_flags (self);
}

/* Once the cache has nothing more to show, the server's turn. */
static void
server_ask_if_waiting (ZvSearchResults *self)
{
  if (self->cursor == 0 && self->server_state == SERVER_WAITING)
    server_ask (self);
}

/**
 * zv_search_results_refresh:
 *
 * Runs the query again from its first page. An empty query (or one with nothing searchable in it)
 * is an empty list, not an error. With an account, the server is asked (asynchronously) once the
 * cache's hits are all shown.
 */
gboolean
zv_search_results_refresh (ZvSearchResults  *self,
                           GError          **error)
{
  g_autoptr(GPtrArray) fresh = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 next = 0;
  gboolean ranked = FALSE;
  gboolean searchable;

  g_return_val_if_fail (ZV_IS_SEARCH_RESULTS (self), FALSE);

  searchable = self->query != NULL && *self->query != '\0';

  if (searchable)
    fresh = search_page (self, 0, &next, &ranked, &local_error);
  else
    fresh = g_ptr_array_new_with_free_func (g_object_unref);

  if (fresh == NULL)
    {
      if (!g_error_matches (local_error, ZV_SEARCH_ERROR, ZV_SEARCH_ERROR_EMPTY_QUERY))
        {
          server_reset (self, FALSE);
          update_flags (self);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      /* Nothing searchable for the cache is nothing for the server either (same tokenizer). */
      searchable = FALSE;
      fresh = g_ptr_array_new_with_free_func (g_object_unref);
    }

  server_reset (self, searchable);
  set_paging (self, next, ranked);
  replace_items (self, fresh);
  server_ask_if_waiting (self);
  return TRUE;
}

/**
 * zv_search_results_load_more:
 *
 * Appends the next page of hits, if there is one ("has-more"); items-changed at the end. The
 * cache's pages come at once; a server page arrives later (while "searching-server" is TRUE).
 */
gboolean
zv_search_results_load_more (ZvSearchResults  *self,
                             GError          **error)
{
  g_autoptr(GPtrArray) page = NULL;
  gint64 next = 0;
  gboolean ranked = FALSE;

  g_return_val_if_fail (ZV_IS_SEARCH_RESULTS (self), FALSE);

  if (self->cursor == 0)
    {
      if (self->server_state == SERVER_MORE)
        server_ask (self);
      return TRUE;
    }
  page = search_page (self, self->cursor, &next, &ranked, error);
  if (page == NULL)
    return FALSE;

  append_items (self, page);
  set_paging (self, next, self->ranked);
  server_ask_if_waiting (self);
  return TRUE;
}

static void
refresh_or_warn (ZvSearchResults *self)
{
  g_autoptr(GError) error = NULL;

  if (!zv_search_results_refresh (self, &error))
    g_warning ("Could not search the local cache: %s", error->message);
}

static void
on_store_changed (ZvStore         *store,
                  ZvStoreChanges  *changes,
                  ZvSearchResults *self)
{
  /* New messages do not reshuffle what someone is reading through; a wipe or a resync must not
   * leave hits pointing at messages that are gone. */
  if ((changes->flags & ZV_STORE_CHANGED_ALL) == ZV_STORE_CHANGED_ALL)
    refresh_or_warn (self);
}

const char *
zv_search_results_get_query (ZvSearchResults *self)
{
  g_return_val_if_fail (ZV_IS_SEARCH_RESULTS (self), NULL);
  return self->query;
}

/**
 * zv_search_results_set_query:
 *
 * Searches at once (the first page). Errors other than "nothing to search" are logged; call
 * zv_search_results_refresh() to receive them.
 */
void
zv_search_results_set_query (ZvSearchResults *self,
                             const char      *query)
{
  g_return_if_fail (ZV_IS_SEARCH_RESULTS (self));

  if (query == NULL)
    query = "";
  if (g_strcmp0 (self->query, query) == 0)
    return;
  g_free (self->query);
  self->query = g_strdup (query);
  refresh_or_warn (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUERY]);
}

gboolean
zv_search_results_get_typing (ZvSearchResults *self)
{
  g_return_val_if_fail (ZV_IS_SEARCH_RESULTS (self), FALSE);
  return self->typing;
}

/* Whether the last word of the query is still being typed (matched as a prefix). */
void
zv_search_results_set_typing (ZvSearchResults *self,
                              gboolean         typing)
{
  g_return_if_fail (ZV_IS_SEARCH_RESULTS (self));

  typing = !!typing;
  if (self->typing == typing)
    return;
  self->typing = typing;
  refresh_or_warn (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TYPING]);
}

gint64
zv_search_results_get_chat_id (ZvSearchResults *self)
{
  g_return_val_if_fail (ZV_IS_SEARCH_RESULTS (self), 0);
  return self->chat_id;
}

/* Only this chat (0: every chat). */
void
zv_search_results_set_chat_id (ZvSearchResults *self,
                               gint64           chat_id)
{
  g_return_if_fail (ZV_IS_SEARCH_RESULTS (self));

  if (self->chat_id == chat_id)
    return;
  self->chat_id = chat_id;
  refresh_or_warn (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHAT_ID]);
}

/* Hits per page (0: the store's default, 50). Takes effect with the next page. */
void
zv_search_results_set_page_size (ZvSearchResults *self,
                                 guint            page_size)
{
  g_return_if_fail (ZV_IS_SEARCH_RESULTS (self));
  self->page_size = page_size;
}

gboolean
zv_search_results_get_has_more (ZvSearchResults *self)
{
  g_return_val_if_fail (ZV_IS_SEARCH_RESULTS (self), FALSE);
  return compute_has_more (self);
}

ZvAccount *
zv_search_results_get_account (ZvSearchResults *self)
{
  g_return_val_if_fail (ZV_IS_SEARCH_RESULTS (self), NULL);
  return self->account;
}

/**
 * zv_search_results_set_account:
 * @account: (nullable): the signed-in account whose server searches beyond the cache; %NULL: the
 *   cache only
 *
 * Runs the query again (the cache's first page, then the server when the cache has nothing more).
 */
void
zv_search_results_set_account (ZvSearchResults *self,
                               ZvAccount       *account)
{
  g_return_if_fail (ZV_IS_SEARCH_RESULTS (self));
  g_return_if_fail (account == NULL || ZV_IS_ACCOUNT (account));

  if (!g_set_object (&self->account, account))
    return;
  refresh_or_warn (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCOUNT]);
}

/* TRUE while a server page is on its way. */
gboolean
zv_search_results_get_searching_server (ZvSearchResults *self)
{
  g_return_val_if_fail (ZV_IS_SEARCH_RESULTS (self), FALSE);
  return self->server_state == SERVER_BUSY;
}

/* TRUE when the server could not be searched for this query: only cached messages are listed. */
gboolean
zv_search_results_get_server_failed (ZvSearchResults *self)
{
  g_return_val_if_fail (ZV_IS_SEARCH_RESULTS (self), FALSE);
  return self->server_state == SERVER_FAILED;
}

/* Why, when zv_search_results_get_server_failed(); else %NULL. */
const char *
zv_search_results_get_server_error (ZvSearchResults *self)
{
  g_return_val_if_fail (ZV_IS_SEARCH_RESULTS (self), NULL);
  return self->server_state == SERVER_FAILED ? self->server_error : NULL;
}

gboolean
zv_search_results_get_ranked (ZvSearchResults *self)
{
  g_return_val_if_fail (ZV_IS_SEARCH_RESULTS (self), FALSE);
  return self->ranked;
}

static void
zv_search_results_constructed (GObject *object)
{
  ZvSearchResults *self = ZV_SEARCH_RESULTS (object);

  G_OBJECT_CLASS (zv_search_results_parent_class)->constructed (object);

  g_return_if_fail (ZV_IS_STORE (self->store));
  self->changed_id = g_signal_connect (self->store, "changed", G_CALLBACK (on_store_changed), self);
}

static void
zv_search_results_dispose (GObject *object)
{
  ZvSearchResults *self = ZV_SEARCH_RESULTS (object);

  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);
  server_reset (self, FALSE);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (zv_search_results_parent_class)->dispose (object);
}

static void
zv_search_results_finalize (GObject *object)
{
  ZvSearchResults *self = ZV_SEARCH_RESULTS (object);

  g_ptr_array_unref (self->items);
  g_free (self->query);
  g_free (self->server_cursor);
  g_free (self->server_error);

  G_OBJECT_CLASS (zv_search_results_parent_class)->finalize (object);
}

static void
zv_search_results_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ZvSearchResults *self = ZV_SEARCH_RESULTS (object);

  switch (prop_id)
    {
    case PROP_STORE:    g_value_set_object (value, self->store); break;
    case PROP_SELF_ID:  g_value_set_int64 (value, self->self_id); break;
    case PROP_QUERY:    g_value_set_string (value, self->query); break;
    case PROP_TYPING:   g_value_set_boolean (value, self->typing); break;
    case PROP_CHAT_ID:  g_value_set_int64 (value, self->chat_id); break;
    case PROP_HAS_MORE: g_value_set_boolean (value, compute_has_more (self)); break;
    case PROP_RANKED:   g_value_set_boolean (value, self->ranked); break;
    case PROP_N_ITEMS:  g_value_set_uint (value, self->items->len); break;
    case PROP_ACCOUNT:  g_value_set_object (value, self->account); break;
    case PROP_SEARCHING_SERVER: g_value_set_boolean (value, self->server_state == SERVER_BUSY); break;
    case PROP_SERVER_FAILED:    g_value_set_boolean (value, self->server_state == SERVER_FAILED); break;
    case PROP_SERVER_ERROR:     g_value_set_string (value, zv_search_results_get_server_error (self)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_search_results_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ZvSearchResults *self = ZV_SEARCH_RESULTS (object);

  switch (prop_id)
    {
    case PROP_STORE:   self->store = g_value_dup_object (value); break;
    case PROP_SELF_ID: self->self_id = g_value_get_int64 (value); break;
    case PROP_QUERY:   zv_search_results_set_query (self, g_value_get_string (value)); break;
    case PROP_TYPING:  zv_search_results_set_typing (self, g_value_get_boolean (value)); break;
    case PROP_CHAT_ID: zv_search_results_set_chat_id (self, g_value_get_int64 (value)); break;
    case PROP_ACCOUNT: zv_search_results_set_account (self, g_value_get_object (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_search_results_class_init (ZvSearchResultsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->constructed = zv_search_results_constructed;
  object_class->dispose = zv_search_results_dispose;
  object_class->finalize = zv_search_results_finalize;
  object_class->get_property = zv_search_results_get_property;
  object_class->set_property = zv_search_results_set_property;

  properties[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, ZV_TYPE_STORE, rw | G_PARAM_CONSTRUCT_ONLY);
  /* The signed-in user: names direct chats in the hits. */
  properties[PROP_SELF_ID] = g_param_spec_int64 ("self-id", NULL, NULL, 0, G_MAXINT64, 0, rw | G_PARAM_CONSTRUCT_ONLY);
  properties[PROP_QUERY] = g_param_spec_string ("query", NULL, NULL, "", rw);
  properties[PROP_TYPING] = g_param_spec_boolean ("typing", NULL, NULL, TRUE, rw);
  properties[PROP_CHAT_ID] = g_param_spec_int64 ("chat-id", NULL, NULL, 0, G_MAXINT64, 0, rw);
  properties[PROP_HAS_MORE] = g_param_spec_boolean ("has-more", NULL, NULL, FALSE, ro);
  /* TRUE: the hits are by relevance (few matched); FALSE: newest first. */
  properties[PROP_RANKED] = g_param_spec_boolean ("ranked", NULL, NULL, FALSE, ro);
  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0, ro);
  /* With an account, older history the cache lacks is searched on its server (NULL: cache only). */
  properties[PROP_ACCOUNT] = g_param_spec_object ("account", NULL, NULL, ZV_TYPE_ACCOUNT, rw);
  /* A server page is on its way (the UI may show a spinner at the end of the list). */
  properties[PROP_SEARCHING_SERVER] = g_param_spec_boolean ("searching-server", NULL, NULL, FALSE, ro);
  /* The server could not be searched: the list holds cached messages only ("older messages could
   * not be searched"). */
  properties[PROP_SERVER_FAILED] = g_param_spec_boolean ("server-failed", NULL, NULL, FALSE, ro);
  properties[PROP_SERVER_ERROR] = g_param_spec_string ("server-error", NULL, NULL, NULL, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zv_search_results_init (ZvSearchResults *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->query = g_strdup ("");
  self->typing = TRUE;
}

ZvSearchResults *
zv_search_results_new (ZvStore *store,
                       gint64   self_id)
{
  g_return_val_if_fail (ZV_IS_STORE (store), NULL);

  return g_object_new (ZV_TYPE_SEARCH_RESULTS, "store", store, "self-id", self_id, NULL);
}
