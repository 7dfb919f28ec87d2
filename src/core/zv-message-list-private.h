/* zv-message-list-private.h: what zv-message-list-history.c needs of ZvMessageList. */
#pragma once

#include "zv-message-list.h"

G_BEGIN_DECLS

ZvStore    *zv_message_list_get_store    (ZvMessageList  *self);
ZvAccount  *zv_message_list_get_account  (ZvMessageList  *self);
gint64      zv_message_list_get_self_id  (ZvMessageList  *self);
void        zv_message_list_set_loading  (ZvMessageList  *self,
                                          gboolean        loading);

G_END_DECLS
