/* zv-message.h: one message of a chat as the UI binds it. */
#pragma once

#include <glib-object.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef enum {
  ZV_MESSAGE_STATE_SENT,      /* the server's copy */
  ZV_MESSAGE_STATE_PENDING,   /* in the outbox, not yet acknowledged */
  ZV_MESSAGE_STATE_FAILED,    /* the server refused it for good */
} ZvMessageState;

#define ZV_TYPE_MESSAGE_STATE (zv_message_state_get_type ())
GType zv_message_state_get_type (void) G_GNUC_CONST;

#define ZV_TYPE_MESSAGE (zv_message_get_type ())

G_DECLARE_FINAL_TYPE (ZvMessage, zv_message, ZV, MESSAGE, GObject)

gint64          zv_message_get_id           (ZvMessage     *self);
gint64          zv_message_get_chat_id      (ZvMessage     *self);
gint64          zv_message_get_sender_id    (ZvMessage     *self);
const char     *zv_message_get_sender_name  (ZvMessage     *self);
const char     *zv_message_get_client_id    (ZvMessage     *self);
const char     *zv_message_get_text         (ZvMessage     *self);
gint64          zv_message_get_reply_to     (ZvMessage     *self);
gint64          zv_message_get_created_at   (ZvMessage     *self);
gint64          zv_message_get_edited_at    (ZvMessage     *self);
gboolean        zv_message_get_deleted      (ZvMessage     *self);
ZvMessageState  zv_message_get_state        (ZvMessage     *self);
const char     *zv_message_get_attachments  (ZvMessage     *self);
const char     *zv_message_get_reactions    (ZvMessage     *self);
gboolean        zv_message_get_outgoing     (ZvMessage     *self);
gboolean        zv_message_get_read         (ZvMessage     *self);

/* For ZvMessageList. */
#define ZV_MESSAGE_SELECT \
  "SELECT m.id, m.chat_id, m.sender_id, u.name, m.client_id, m.text, m.reply_to, m.created_at, " \
  "m.edited_at, m.deleted, m.state, m.attachments, m.reactions, " \
  "EXISTS (SELECT 1 FROM read_markers r WHERE r.chat_id = m.chat_id AND r.user_id <> m.sender_id " \
  "AND r.message_id >= m.id) " \
  "FROM messages m LEFT JOIN users u ON u.id = m.sender_id "

ZvMessage      *zv_message_new_from_row     (sqlite3_stmt  *stmt,
                                             gint64         self_id);
ZvMessage      *zv_message_new_gap          (gint64         chat_id);
gboolean        zv_message_update_from      (ZvMessage     *self,
                                             ZvMessage     *other);

/* How many ZvMessage objects exist right now (the lazy-loading tests watch it). */
guint           zv_message_get_n_alive      (void);

G_END_DECLS
