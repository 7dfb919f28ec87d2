/* zv-chat-row.h: one chat in the sidebar's list: avatar, title, last message, time, unread count,
 * pinned/muted/external state, and its context menu (mark read, mute, pin). */
#pragma once

#include <adwaita.h>

#include "zv-chat.h"
#include "zv-session.h"

G_BEGIN_DECLS

#define ZV_TYPE_CHAT_ROW (zv_chat_row_get_type ())

G_DECLARE_FINAL_TYPE (ZvChatRow, zv_chat_row, ZV, CHAT_ROW, AdwBin)

ZvChat  *zv_chat_row_get_chat      (ZvChatRow  *self);
void     zv_chat_row_set_chat      (ZvChatRow  *self,
                                    ZvChat     *chat);
/* The session the context menu's actions go through; without one they are disabled. */
void     zv_chat_row_set_session   (ZvChatRow  *self,
                                    ZvSession  *session);
/* Opens the context menu (at the pointer when @x/@y are not negative, else under the row). */
void     zv_chat_row_popup_menu    (ZvChatRow  *self,
                                    double      x,
                                    double      y);
char    *zv_chat_row_format_time   (gint64      time_ms,
                                    GDateTime  *now);

G_END_DECLS
