/* zv-item-list.h: ZvItemList, the base of the core's list models that hold a short list of GObjects
 * in memory and re-read it whole (the chats, the call history): the GListModel side, the n-items
 * property, and turning each re-read into precise items-changed (zv-list-diff.h). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define ZV_TYPE_ITEM_LIST (zv_item_list_get_type ())

G_DECLARE_DERIVABLE_TYPE (ZvItemList, zv_item_list, ZV, ITEM_LIST, GObject)

struct _ZvItemListClass
{
  GObjectClass parent_class;

  /* Set by the subclass's class_init. */
  GType      item_type;
  /* The identity of an item: equal keys are the same item (a chat id, a call id). */
  gint64   (*item_key)    (gpointer item);
  /* Brings @old_item up to date from @new_item; TRUE when anything the UI shows changed. */
  gboolean (*item_update) (gpointer old_item,
                           gpointer new_item);
};

void        zv_item_list_replace    (ZvItemList *self,
                                     GPtrArray  *fresh);
GPtrArray  *zv_item_list_get_items  (ZvItemList *self);

G_END_DECLS
