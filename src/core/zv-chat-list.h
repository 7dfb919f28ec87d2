/* zv-chat-list.h: the chat list as a GListModel of ZvChat, newest activity first, kept in step
 * with the cache. */
#pragma once

#include <gio/gio.h>

#include "zv-chat.h"
#include "zv-item-list.h"
#include "zv-store.h"

G_BEGIN_DECLS

#define ZV_TYPE_CHAT_LIST (zv_chat_list_get_type ())

G_DECLARE_FINAL_TYPE (ZvChatList, zv_chat_list, ZV, CHAT_LIST, ZvItemList)

ZvChatList  *zv_chat_list_new        (ZvStore     *store,
                                      gint64       self_id);
gboolean     zv_chat_list_refresh    (ZvChatList  *self,
                                      GError     **error);
gboolean     zv_chat_list_find       (ZvChatList  *self,
                                      gint64       chat_id,
                                      guint       *position);

G_END_DECLS
