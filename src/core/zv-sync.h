/* zv-sync.h: keeps the cache in step with the server: the initial sync in pages, incremental sync
 * from the stored token, and the company directory. */
#pragma once

#include <gio/gio.h>

#include "zv-account.h"

G_BEGIN_DECLS

typedef struct {
  guint pages;
  guint chats;
  guint messages;
  guint contacts;
  guint removed_chats;
} ZvSyncStats;

#define ZV_TYPE_SYNC (zv_sync_get_type ())

G_DECLARE_FINAL_TYPE (ZvSync, zv_sync, ZV, SYNC, GObject)

ZvSync             *zv_sync_new            (ZvAccount            *account);
void                zv_sync_run_async      (ZvSync               *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean            zv_sync_run_finish     (ZvSync               *self,
                                            GAsyncResult         *result,
                                            GError              **error);
const ZvSyncStats  *zv_sync_get_stats      (ZvSync               *self);

/* The page appliers, for tests and for the event stream: each runs inside a store transaction. */
gboolean            zv_sync_apply_page     (ZvDb                 *db,
                                            gint64                me,
                                            JsonObject           *page,
                                            ZvStoreChanges       *changes,
                                            ZvSyncStats          *stats,
                                            GError              **error);
gboolean            zv_sync_apply_message  (ZvDb                 *db,
                                            gint64                me,
                                            JsonObject           *message,
                                            ZvStoreChanges       *changes,
                                            GError              **error);
/* {"chat_id", "muted"?, "pinned"?}: the chat.settings event, also the UI's optimistic change. */
gboolean            zv_sync_apply_chat_settings (ZvDb            *db,
                                            JsonObject           *settings,
                                            ZvStoreChanges       *changes,
                                            gboolean             *known,
                                            GError              **error);

G_END_DECLS
