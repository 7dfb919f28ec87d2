/* zv-list-diff.h: turns "the list held A, now it holds B" into the fewest precise items-changed
 * emissions, for the list models of the core (chats, contacts, search results). Not a GObject: a
 * helper the models call with their own item array. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The identity of an item (a chat id, a user id, a message id): equal keys are the same item. */
typedef gint64   (*ZvListDiffKeyFunc)    (gpointer item);

/* Brings @old_item up to date from @new_item (they may be the same object) and says whether
 * anything the UI shows changed. */
typedef gboolean (*ZvListDiffUpdateFunc) (gpointer old_item,
                                          gpointer new_item,
                                          gpointer user_data);

void   zv_list_diff_apply   (GListModel           *model,
                             GPtrArray            *items,
                             GPtrArray            *fresh,
                             ZvListDiffKeyFunc     key,
                             ZvListDiffUpdateFunc  update,
                             gpointer              user_data);

G_END_DECLS
