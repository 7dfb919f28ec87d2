/* zv-message-list.h: one chat's messages as a GListModel of ZvMessage, oldest first, loaded
 * lazily by position so a chat of any length costs a bounded number of objects. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "zv-account.h"
#include "zv-message.h"
#include "zv-store.h"

G_BEGIN_DECLS

#define ZV_TYPE_MESSAGE_LIST (zv_message_list_get_type ())

G_DECLARE_FINAL_TYPE (ZvMessageList, zv_message_list, ZV, MESSAGE_LIST, GObject)

ZvMessageList *zv_message_list_new                  (ZvStore             *store,
                                                     ZvAccount           *account,
                                                     gint64               chat_id,
                                                     gint64               self_id);
gint64         zv_message_list_get_chat_id          (ZvMessageList       *self);
gboolean       zv_message_list_get_limited          (ZvMessageList       *self);
gboolean       zv_message_list_get_history_complete (ZvMessageList       *self);
gboolean       zv_message_list_get_loading          (ZvMessageList       *self);
guint          zv_message_list_get_n_cached         (ZvMessageList       *self);

void           zv_message_list_load_older_async     (ZvMessageList       *self,
                                                     guint                limit,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean       zv_message_list_load_older_finish    (ZvMessageList       *self,
                                                     GAsyncResult        *result,
                                                     guint               *n_loaded,
                                                     GError             **error);

/* Applies one answer of GET /chats/{id}/messages?before= inside a store write (the backfill). */
gboolean       zv_message_list_apply_history        (ZvDb                *db,
                                                     gint64               self_id,
                                                     gint64               chat_id,
                                                     JsonObject          *page,
                                                     ZvStoreChanges      *changes,
                                                     GError             **error);

G_END_DECLS
