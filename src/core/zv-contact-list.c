/* zv-contact-list.c: ZvContactList, the directory by sort name (then id), with a filter.
 *
 * The whole directory is held as small ZvContact objects (a company's directory is thousands of
 * people, not millions) so that narrowing it while someone types costs no query: the filter runs
 * over folded copies of the fields (case, diacritics and ё folded the way search folds them). A
 * new filter or a directory delta becomes precise items-changed through zv_list_diff_apply().
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include "zv-contact-list.h"
#include "zv-list-diff.h"
#include "zv-search.h"

struct _ZvContactList
{
  GObject     parent_instance;

  /* owned */
  ZvStore    *store;
  GPtrArray  *all;          /* ZvContact, the whole directory in order */
  GPtrArray  *items;        /* ZvContact, those the filter lets through */
  char       *filter;
  char      **words;        /* the filter folded and split */
  GHashTable *changed;      /* ids updated by the refresh in progress */
  gulong      changed_id;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ZvContactList, zv_contact_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_STORE,
  PROP_FILTER,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
zv_contact_list_get_item_type (GListModel *model)
{
  return ZV_TYPE_CONTACT;
}

static guint
zv_contact_list_get_n_items (GListModel *model)
{
  return ZV_CONTACT_LIST (model)->items->len;
}

static gpointer
zv_contact_list_get_item (GListModel *model,
                          guint       position)
{
  ZvContactList *self = ZV_CONTACT_LIST (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = zv_contact_list_get_item_type;
  iface->get_n_items = zv_contact_list_get_n_items;
  iface->get_item = zv_contact_list_get_item;
}

static gint64
contact_key (gpointer item)
{
  return zv_contact_get_id (item);
}

/* @all reuses the objects, so "old == new" is the rule; what changed was noted by the refresh. */
static gboolean
contact_update (gpointer old_item,
                gpointer new_item,
                gpointer user_data)
{
  ZvContactList *self = user_data;
  gint64 id = zv_contact_get_id (old_item);

  if (old_item != new_item)
    return zv_contact_update_from (old_item, new_item);
  return self->changed != NULL && g_hash_table_contains (self->changed, &id);
}

static void
apply_filter (ZvContactList *self)
{
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_full (self->all->len, g_object_unref);
  guint old_n = self->items->len;

  for (guint i = 0; i < self->all->len; i++)
    {
      ZvContact *contact = g_ptr_array_index (self->all, i);

      if (zv_contact_matches (contact, (const char * const *) self->words))
        g_ptr_array_add (fresh, g_object_ref (contact));
    }
  zv_list_diff_apply (G_LIST_MODEL (self), self->items, fresh, contact_key, contact_update, self);
  if (old_n != self->items->len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/**
 * zv_contact_list_refresh:
 *
 * Re-reads the directory (done on every commit that changed it).
 */
gboolean
zv_contact_list_refresh (ZvContactList  *self,
                         GError        **error)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GHashTable) changed = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autofree gint64 *ids = g_new (gint64, MAX (self->all->len, 1));
  ZvDb *db;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (ZV_IS_CONTACT_LIST (self), FALSE);

  for (guint i = 0; i < self->all->len; i++)
    {
      ZvContact *contact = g_ptr_array_index (self->all, i);

      ids[i] = zv_contact_get_id (contact);
      g_hash_table_insert (by_id, &ids[i], contact);
    }

  db = zv_store_get_reader (self->store);
  stmt = zv_db_prepare (db, ZV_CONTACT_SELECT "ORDER BY sort_name, id", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(ZvContact) row = zv_contact_new_from_row (stmt);
      gint64 id = zv_contact_get_id (row);
      ZvContact *existing = g_hash_table_lookup (by_id, &id);

      if (existing != NULL)
        {
          if (zv_contact_update_from (existing, row))
            g_hash_table_add (changed, g_memdup2 (&id, sizeof id));
          g_ptr_array_add (all, g_object_ref (existing));
        }
      else
        g_ptr_array_add (all, g_steal_pointer (&row));
    }
  if (rc != SQLITE_DONE)
    {
      zv_db_set_error (db, error);
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);

  g_ptr_array_unref (self->all);
  self->all = g_steal_pointer (&all);
  self->changed = changed;
  apply_filter (self);
  self->changed = NULL;
  return TRUE;
}

static void
on_store_changed (ZvStore        *store,
                  ZvStoreChanges *changes,
                  ZvContactList  *self)
{
  g_autoptr(GError) error = NULL;

  if ((changes->flags & ZV_STORE_CHANGED_USERS) == 0)
    return;
  if (!zv_contact_list_refresh (self, &error))
    g_warning ("Could not read the directory from the local cache: %s", error->message);
}

const char *
zv_contact_list_get_filter (ZvContactList *self)
{
  g_return_val_if_fail (ZV_IS_CONTACT_LIST (self), NULL);

  return self->filter;
}

/**
 * zv_contact_list_set_filter:
 * @filter: (nullable): words that must all occur in a person's name, title, department,
 *   extension, mobile or e-mail, in any case; %NULL or "" shows everyone
 */
void
zv_contact_list_set_filter (ZvContactList *self,
                            const char    *filter)
{
  g_autofree char *folded = NULL;

  g_return_if_fail (ZV_IS_CONTACT_LIST (self));

  if (filter == NULL)
    filter = "";
  if (g_strcmp0 (self->filter, filter) == 0)
    return;

  g_free (self->filter);
  self->filter = g_strdup (filter);
  g_strfreev (self->words);
  folded = zv_search_fold (filter);
  self->words = g_strsplit_set (g_strstrip (folded), " \t\n", -1);
  /* g_strsplit_set leaves empty words between repeated spaces; they would match anything anyway,
   * but drop them so the list of words means what it says. */
  {
    guint j = 0;

    for (guint i = 0; self->words[i] != NULL; i++)
      if (*self->words[i] != '\0')
        self->words[j++] = self->words[i];
      else
        g_free (self->words[i]);
    self->words[j] = NULL;
  }

  apply_filter (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
}

static void
zv_contact_list_constructed (GObject *object)
{
  ZvContactList *self = ZV_CONTACT_LIST (object);
  g_autoptr(GError) error = NULL;

  G_OBJECT_CLASS (zv_contact_list_parent_class)->constructed (object);

  g_return_if_fail (ZV_IS_STORE (self->store));
  self->changed_id = g_signal_connect (self->store, "changed", G_CALLBACK (on_store_changed), self);
  if (!zv_contact_list_refresh (self, &error))
    g_warning ("Could not read the directory from the local cache: %s", error->message);
}

static void
zv_contact_list_dispose (GObject *object)
{
  ZvContactList *self = ZV_CONTACT_LIST (object);

  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (zv_contact_list_parent_class)->dispose (object);
}

static void
zv_contact_list_finalize (GObject *object)
{
  ZvContactList *self = ZV_CONTACT_LIST (object);

  g_ptr_array_unref (self->all);
  g_ptr_array_unref (self->items);
  g_free (self->filter);
  g_strfreev (self->words);

  G_OBJECT_CLASS (zv_contact_list_parent_class)->finalize (object);
}

static void
zv_contact_list_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ZvContactList *self = ZV_CONTACT_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:   g_value_set_object (value, self->store); break;
    case PROP_FILTER:  g_value_set_string (value, self->filter); break;
    case PROP_N_ITEMS: g_value_set_uint (value, self->items->len); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_contact_list_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  ZvContactList *self = ZV_CONTACT_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:  self->store = g_value_dup_object (value); break;
    case PROP_FILTER: zv_contact_list_set_filter (self, g_value_get_string (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_contact_list_class_init (ZvContactListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = zv_contact_list_constructed;
  object_class->dispose = zv_contact_list_dispose;
  object_class->finalize = zv_contact_list_finalize;
  object_class->get_property = zv_contact_list_get_property;
  object_class->set_property = zv_contact_list_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, ZV_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_FILTER] =
    g_param_spec_string ("filter", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zv_contact_list_init (ZvContactList *self)
{
  self->all = g_ptr_array_new_with_free_func (g_object_unref);
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->filter = g_strdup ("");
  self->words = g_new0 (char *, 1);
}

ZvContactList *
zv_contact_list_new (ZvStore *store)
{
  g_return_val_if_fail (ZV_IS_STORE (store), NULL);

  return g_object_new (ZV_TYPE_CONTACT_LIST, "store", store, NULL);
}
