/* zv-chat-list.c: ZvChatList, the chats ordered pinned first, then by last activity (then id),
 * newest first.
 *
 * A company account has at most a few thousand chats, so on every commit that touches chats,
 * messages or names the list re-reads its rows (one indexed query; 1-2 ms for 1,000 chats here)
 * and lets ZvItemList (zv_list_diff_apply()) work out what moved: a chat that jumps to the top is
 * one removal and one insertion at 0, an unread count that changed is (pos, 1, 1). The ZvChat
 * objects survive a refresh, so what the UI bound to them stays bound.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include "zv-chat-list.h"

/* The items (ZvItemList's) are ZvChats, in display order. */
struct _ZvChatList
{
  ZvItemList parent_instance;

  /* owned */
  ZvStore   *store;
  gulong     changed_id;

  gint64     self_id;
};

G_DEFINE_FINAL_TYPE (ZvChatList, zv_chat_list, ZV_TYPE_ITEM_LIST)

enum {
  PROP_0,
  PROP_STORE,
  PROP_SELF_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gint64
chat_key (gpointer item)
{
  return zv_chat_get_id (item);
}

static gboolean
chat_update (gpointer old_item,
             gpointer new_item)
{
  return zv_chat_update_from (old_item, new_item);
}

/**
 * zv_chat_list_refresh:
 *
 * Re-reads the chat list and emits precise items-changed. Called on every relevant commit; public
 * for callers that changed the database behind the store's back (and for tests).
 */
gboolean
zv_chat_list_refresh (ZvChatList  *self,
                      GError     **error)
{
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);
  ZvDb *db;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (ZV_IS_CHAT_LIST (self), FALSE);

  db = zv_store_get_reader (self->store);
  stmt = zv_db_prepare (db, ZV_CHAT_SELECT "ORDER BY c.pinned DESC, c.last_activity DESC, c.id DESC", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->self_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (fresh, zv_chat_new_from_row (stmt, self->self_id));
  if (rc != SQLITE_DONE)
    {
      zv_db_set_error (db, error);
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);

  zv_item_list_replace (ZV_ITEM_LIST (self), fresh);
  return TRUE;
}

static void
on_store_changed (ZvStore        *store,
                  ZvStoreChanges *changes,
                  ZvChatList     *self)
{
  g_autoptr(GError) error = NULL;

  /* Titles of direct chats and preview senders are names from the directory. */
  if ((changes->flags & (ZV_STORE_CHANGED_CHATS | ZV_STORE_CHANGED_MESSAGES | ZV_STORE_CHANGED_USERS)) == 0)
    return;
  if (!zv_chat_list_refresh (self, &error))
    g_warning ("Could not read the chat list from the local cache: %s", error->message);
}

/**
 * zv_chat_list_find:
 * @position: (out) (optional)
 *
 * Returns: whether the chat is in the list.
 */
gboolean
zv_chat_list_find (ZvChatList *self,
                   gint64      chat_id,
                   guint      *position)
{
  GPtrArray *items;

  g_return_val_if_fail (ZV_IS_CHAT_LIST (self), FALSE);

  items = zv_item_list_get_items (ZV_ITEM_LIST (self));
  for (guint i = 0; i < items->len; i++)
    if (zv_chat_get_id (g_ptr_array_index (items, i)) == chat_id)
      {
        if (position != NULL)
          *position = i;
        return TRUE;
      }
  return FALSE;
}

static void
zv_chat_list_constructed (GObject *object)
{
  ZvChatList *self = ZV_CHAT_LIST (object);
  g_autoptr(GError) error = NULL;

  G_OBJECT_CLASS (zv_chat_list_parent_class)->constructed (object);

  g_return_if_fail (ZV_IS_STORE (self->store));
  self->changed_id = g_signal_connect (self->store, "changed", G_CALLBACK (on_store_changed), self);
  if (!zv_chat_list_refresh (self, &error))
    g_warning ("Could not read the chat list from the local cache: %s", error->message);
}

static void
zv_chat_list_dispose (GObject *object)
{
  ZvChatList *self = ZV_CHAT_LIST (object);

  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (zv_chat_list_parent_class)->dispose (object);
}

static void
zv_chat_list_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  ZvChatList *self = ZV_CHAT_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:   g_value_set_object (value, self->store); break;
    case PROP_SELF_ID: g_value_set_int64 (value, self->self_id); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_chat_list_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  ZvChatList *self = ZV_CHAT_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:   self->store = g_value_dup_object (value); break;
    case PROP_SELF_ID: self->self_id = g_value_get_int64 (value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_chat_list_class_init (ZvChatListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ZvItemListClass *list_class = ZV_ITEM_LIST_CLASS (klass);

  object_class->constructed = zv_chat_list_constructed;
  object_class->dispose = zv_chat_list_dispose;
  object_class->get_property = zv_chat_list_get_property;
  object_class->set_property = zv_chat_list_set_property;
  list_class->item_type = ZV_TYPE_CHAT;
  list_class->item_key = chat_key;
  list_class->item_update = chat_update;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, ZV_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* The signed-in user: the other member of a direct chat names it. */
  properties[PROP_SELF_ID] =
    g_param_spec_int64 ("self-id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zv_chat_list_init (ZvChatList *self)
{
}

/**
 * zv_chat_list_new:
 * @store: the account's cache
 * @self_id: the signed-in user (zv_account_get_user_id())
 */
ZvChatList *
zv_chat_list_new (ZvStore *store,
                  gint64   self_id)
{
  g_return_val_if_fail (ZV_IS_STORE (store), NULL);

  return g_object_new (ZV_TYPE_CHAT_LIST, "store", store, "self-id", self_id, NULL);
}
