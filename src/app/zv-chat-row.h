/* zv-chat-row.h: one chat in the sidebar's list: avatar, title, last message, time, unread count. */
#pragma once

#include <adwaita.h>

#include "zv-chat.h"

G_BEGIN_DECLS

#define ZV_TYPE_CHAT_ROW (zv_chat_row_get_type ())

G_DECLARE_FINAL_TYPE (ZvChatRow, zv_chat_row, ZV, CHAT_ROW, AdwBin)

ZvChat  *zv_chat_row_get_chat      (ZvChatRow  *self);
void     zv_chat_row_set_chat      (ZvChatRow  *self,
                                    ZvChat     *chat);
char    *zv_chat_row_format_time   (gint64      time_ms,
                                    GDateTime  *now);

G_END_DECLS
