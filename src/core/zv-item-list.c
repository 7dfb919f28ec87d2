/* zv-item-list.c: ZvItemList, what ZvChatList and ZvCallHistory share as list models.
 *
 * Both hold at most a few thousand small objects and re-read them from the cache after a change;
 * zv_item_list_replace() keeps the objects that are still there (bindings in the UI stay bound),
 * emits the fewest items-changed that describe the change, and notifies n-items when the length
 * changed. The subclass says what its items are and how one is identified and brought up to date.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include "zv-item-list.h"
#include "zv-list-diff.h"

typedef struct
{
  GPtrArray *items;        /* owned objects, in display order */
} ZvItemListPrivate;

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (ZvItemList, zv_item_list, G_TYPE_OBJECT,
                                  G_ADD_PRIVATE (ZvItemList)
                                  G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
zv_item_list_get_item_type (GListModel *model)
{
  return ZV_ITEM_LIST_GET_CLASS (model)->item_type;
}

static guint
zv_item_list_get_n_items (GListModel *model)
{
  ZvItemListPrivate *priv = zv_item_list_get_instance_private (ZV_ITEM_LIST (model));

  return priv->items->len;
}

static gpointer
zv_item_list_get_item (GListModel *model,
                       guint       position)
{
  ZvItemListPrivate *priv = zv_item_list_get_instance_private (ZV_ITEM_LIST (model));

  if (position >= priv->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (priv->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = zv_item_list_get_item_type;
  iface->get_n_items = zv_item_list_get_n_items;
  iface->get_item = zv_item_list_get_item;
}

static gboolean
update_item (gpointer old_item,
             gpointer new_item,
             gpointer user_data)
{
  return ZV_ITEM_LIST_GET_CLASS (user_data)->item_update (old_item, new_item);
}

/**
 * zv_item_list_replace:
 * @fresh: (element-type GObject): the list's new contents in order (owning); not changed
 *
 * Makes the list hold @fresh, with precise items-changed (see zv_list_diff_apply()).
 */
void
zv_item_list_replace (ZvItemList *self,
                      GPtrArray  *fresh)
{
  ZvItemListPrivate *priv = zv_item_list_get_instance_private (self);
  ZvItemListClass *klass;
  guint old_n;

  g_return_if_fail (ZV_IS_ITEM_LIST (self));
  g_return_if_fail (fresh != NULL);

  klass = ZV_ITEM_LIST_GET_CLASS (self);
  old_n = priv->items->len;
  zv_list_diff_apply (G_LIST_MODEL (self), priv->items, fresh, klass->item_key, update_item, self);
  if (old_n != priv->items->len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/**
 * zv_item_list_get_items:
 *
 * Returns: (transfer none) (element-type GObject): the items in order, for the subclass's lookups;
 * not to be changed
 */
GPtrArray *
zv_item_list_get_items (ZvItemList *self)
{
  ZvItemListPrivate *priv = zv_item_list_get_instance_private (self);

  g_return_val_if_fail (ZV_IS_ITEM_LIST (self), NULL);
  return priv->items;
}

static void
zv_item_list_finalize (GObject *object)
{
  ZvItemListPrivate *priv = zv_item_list_get_instance_private (ZV_ITEM_LIST (object));

  g_ptr_array_unref (priv->items);

  G_OBJECT_CLASS (zv_item_list_parent_class)->finalize (object);
}

static void
zv_item_list_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  ZvItemListPrivate *priv = zv_item_list_get_instance_private (ZV_ITEM_LIST (object));

  switch (prop_id)
    {
    case PROP_N_ITEMS:
      g_value_set_uint (value, priv->items->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_item_list_class_init (ZvItemListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = zv_item_list_finalize;
  object_class->get_property = zv_item_list_get_property;

  klass->item_type = G_TYPE_OBJECT;

  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zv_item_list_init (ZvItemList *self)
{
  ZvItemListPrivate *priv = zv_item_list_get_instance_private (self);

  priv->items = g_ptr_array_new_with_free_func (g_object_unref);
}
