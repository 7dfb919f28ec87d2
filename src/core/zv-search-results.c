/* zv-search-results.c: ZvSearchResults, the hits of zv_store_search() for the "query" property.
 *
 * The first page comes when the query (or the chat filter) changes; further pages only when the UI
 * asks (zv_search_results_load_more(), e.g. when the list is scrolled to its end), because a
 * common word matches hundreds of thousands of messages. Each page is the cache's newest-first
 * keyset query (a few ms at a million messages, see zv-store-search.c), so it runs on the main
 * thread. While a person types, each new query is diffed against the shown hits by message id:
 * hits that stay, stay (with their snippet updated), and the list does not flicker.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include "zv-chat.h"
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
};

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
      const char *title = g_hash_table_lookup (titles, &hit->chat_id);
      g_autofree char *sender = NULL;

      if (title == NULL)
        {
          char *found = chat_title (self, db, hit->chat_id, error);

          if (found == NULL)
            return NULL;
          g_hash_table_insert (titles, g_memdup2 (&hit->chat_id, sizeof hit->chat_id), found);
          title = found;
        }
      sender = sender_name (db, hit->sender_id, error);
      if (sender == NULL)
        return NULL;
      g_ptr_array_add (page, zv_search_result_new (hit->message_id, hit->chat_id, title, hit->sender_id,
                                                   sender, hit->created_at, hit->snippet));
    }
  return g_steal_pointer (&page);
}

static void
set_paging (ZvSearchResults *self,
            gint64           cursor,
            gboolean         ranked)
{
  gboolean had_more = self->cursor != 0;

  self->cursor = cursor;
  if (had_more != (cursor != 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_MORE]);
  if (self->ranked != ranked)
    {
      self->ranked = ranked;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RANKED]);
    }
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

/**
 * zv_search_results_refresh:
 *
 * Runs the query again from its first page. An empty query (or one with nothing searchable in it)
 * is an empty list, not an error.
 */
gboolean
zv_search_results_refresh (ZvSearchResults  *self,
                           GError          **error)
{
  g_autoptr(GPtrArray) fresh = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 next = 0;
  gboolean ranked = FALSE;

  g_return_val_if_fail (ZV_IS_SEARCH_RESULTS (self), FALSE);

  if (self->query != NULL && *self->query != '\0')
    fresh = search_page (self, 0, &next, &ranked, &local_error);
  else
    fresh = g_ptr_array_new_with_free_func (g_object_unref);

  if (fresh == NULL)
    {
      if (!g_error_matches (local_error, ZV_SEARCH_ERROR, ZV_SEARCH_ERROR_EMPTY_QUERY))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      fresh = g_ptr_array_new_with_free_func (g_object_unref);
    }

  set_paging (self, next, ranked);
  replace_items (self, fresh);
  return TRUE;
}

/**
 * zv_search_results_load_more:
 *
 * Appends the next page of hits, if there is one ("has-more"); items-changed at the end.
 */
gboolean
zv_search_results_load_more (ZvSearchResults  *self,
                             GError          **error)
{
  g_autoptr(GPtrArray) page = NULL;
  gint64 next = 0;
  gboolean ranked = FALSE;
  guint position;

  g_return_val_if_fail (ZV_IS_SEARCH_RESULTS (self), FALSE);

  if (self->cursor == 0)
    return TRUE;
  page = search_page (self, self->cursor, &next, &ranked, error);
  if (page == NULL)
    return FALSE;

  position = self->items->len;
  g_ptr_array_extend_and_steal (self->items, g_steal_pointer (&page));
  set_paging (self, next, self->ranked);
  if (self->items->len > position)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), position, 0, self->items->len - position);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
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
  return self->cursor != 0;
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

  G_OBJECT_CLASS (zv_search_results_parent_class)->dispose (object);
}

static void
zv_search_results_finalize (GObject *object)
{
  ZvSearchResults *self = ZV_SEARCH_RESULTS (object);

  g_ptr_array_unref (self->items);
  g_free (self->query);

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
    case PROP_HAS_MORE: g_value_set_boolean (value, self->cursor != 0); break;
    case PROP_RANKED:   g_value_set_boolean (value, self->ranked); break;
    case PROP_N_ITEMS:  g_value_set_uint (value, self->items->len); break;
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
