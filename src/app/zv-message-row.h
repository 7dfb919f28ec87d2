/* zv-message-row.h: one message in a conversation: bubble, sender, time, state, quote, reactions. */
#pragma once

#include <adwaita.h>

#include "zv-message.h"
#include "zv-store.h"

G_BEGIN_DECLS

#define ZV_TYPE_MESSAGE_ROW (zv_message_row_get_type ())

G_DECLARE_FINAL_TYPE (ZvMessageRow, zv_message_row, ZV, MESSAGE_ROW, AdwBin)

ZvMessageRow *zv_message_row_new          (ZvStore       *store,
                                           gint64         self_id);
ZvMessage    *zv_message_row_get_message  (ZvMessageRow  *self);
void          zv_message_row_set_message  (ZvMessageRow  *self,
                                           ZvMessage     *message,
                                           ZvMessage     *previous);
void          zv_message_row_refresh      (ZvMessageRow  *self);
void          zv_message_row_set_highlighted (ZvMessageRow *self,
                                              gboolean      highlighted);

G_END_DECLS
