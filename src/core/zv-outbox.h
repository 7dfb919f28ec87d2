/* zv-outbox.h: sending that survives the network and the process: queue first, deliver later. */
#pragma once

#include <gio/gio.h>

#include "zv-account.h"

G_BEGIN_DECLS

/* Pending messages get ids above every server id (see zv-store-schema.sql). */
#define ZV_OUTBOX_ID_BASE G_GINT64_CONSTANT (4503599627370496)

#define ZV_TYPE_OUTBOX (zv_outbox_get_type ())

G_DECLARE_FINAL_TYPE (ZvOutbox, zv_outbox, ZV, OUTBOX, GObject)

ZvOutbox   *zv_outbox_new            (ZvAccount            *account);
void        zv_outbox_queue_async    (ZvOutbox             *self,
                                      gint64                chat_id,
                                      const char           *text,
                                      gint64                reply_to,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
void        zv_outbox_queue_with_files_async (ZvOutbox         *self,
                                      gint64                chat_id,
                                      const char           *text,
                                      gint64                reply_to,
                                      const char * const   *paths,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
char       *zv_outbox_queue_finish   (ZvOutbox             *self,
                                      GAsyncResult         *result,
                                      GError              **error);
void        zv_outbox_flush_async    (ZvOutbox             *self,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
gboolean    zv_outbox_flush_finish   (ZvOutbox             *self,
                                      GAsyncResult         *result,
                                      guint                *delivered,
                                      GError              **error);

G_END_DECLS
