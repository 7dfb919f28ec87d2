/* zv-chat.h: one row of the chat list as the UI binds it (title, unread count, last message, the
 * user's muted/pinned settings and the external marker). */
#pragma once

#include <glib-object.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define ZV_TYPE_CHAT (zv_chat_get_type ())

G_DECLARE_FINAL_TYPE (ZvChat, zv_chat, ZV, CHAT, GObject)

gint64       zv_chat_get_id              (ZvChat        *self);
const char  *zv_chat_get_chat_type       (ZvChat        *self);
const char  *zv_chat_get_title           (ZvChat        *self);
guint        zv_chat_get_unread          (ZvChat        *self);
gint64       zv_chat_get_last_activity   (ZvChat        *self);
const char  *zv_chat_get_preview         (ZvChat        *self);
const char  *zv_chat_get_preview_sender  (ZvChat        *self);
const char  *zv_chat_get_draft           (ZvChat        *self);
gboolean     zv_chat_get_limited         (ZvChat        *self);
gboolean     zv_chat_get_muted           (ZvChat        *self);
gboolean     zv_chat_get_pinned          (ZvChat        *self);
gboolean     zv_chat_get_external        (ZvChat        *self);

/* For ZvChatList: the columns of ZV_CHAT_SELECT, and bringing one item up to date from another. */
#define ZV_CHAT_SELECT \
  "SELECT c.id, c.type, c.title, c.unread, c.last_activity, c.draft, c.limited, " \
  "(SELECT u.name FROM members mb JOIN users u ON u.id = mb.user_id " \
  " WHERE mb.chat_id = c.id AND mb.user_id != ?1 ORDER BY mb.user_id LIMIT 1), " \
  "m.text, m.deleted, m.attachments, m.sender_id, su.name, c.muted, c.pinned, c.external " \
  "FROM chats c " \
  "LEFT JOIN messages m ON m.id = (SELECT max(id) FROM messages WHERE chat_id = c.id) " \
  "LEFT JOIN users su ON su.id = m.sender_id "

ZvChat      *zv_chat_new_from_row        (sqlite3_stmt  *stmt,
                                          gint64         self_id);
gboolean     zv_chat_update_from         (ZvChat        *self,
                                          ZvChat        *other);

G_END_DECLS
