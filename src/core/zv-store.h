/* zv-store.h: the local cache. One writer thread applies each batch in one transaction; the main
 * thread reads through its own connection and hears about every commit through ::changed. */
#pragma once

#include <gio/gio.h>

#include "zv-db.h"

G_BEGIN_DECLS

typedef enum {
  ZV_STORE_CHANGED_NONE     = 0,
  ZV_STORE_CHANGED_CHATS    = 1 << 0,   /* the chat list: order, titles, unread counts, drafts */
  ZV_STORE_CHANGED_MESSAGES = 1 << 1,   /* messages of the chats in ZvStoreChanges.chats */
  ZV_STORE_CHANGED_USERS    = 1 << 2,   /* the directory */
  ZV_STORE_CHANGED_OUTBOX   = 1 << 3,
  ZV_STORE_CHANGED_META     = 1 << 4,   /* sync token, policy, telephony, account */
  ZV_STORE_CHANGED_ALL      = 0x1f,     /* e.g. after a wipe or a resync */
} ZvStoreChangeFlags;

typedef struct {
  ZvStoreChangeFlags  flags;
  GHashTable         *chats;   /* set of chat ids (gint64 keys) whose messages changed */
} ZvStoreChanges;

#define ZV_TYPE_STORE_CHANGES (zv_store_changes_get_type ())

GType             zv_store_changes_get_type   (void) G_GNUC_CONST;
ZvStoreChanges   *zv_store_changes_new        (void);
ZvStoreChanges   *zv_store_changes_copy       (const ZvStoreChanges *changes);
void              zv_store_changes_free       (ZvStoreChanges       *changes);
void              zv_store_changes_add_chat   (ZvStoreChanges       *changes,
                                               gint64                chat_id);
gboolean          zv_store_changes_has_chat   (const ZvStoreChanges *changes,
                                               gint64                chat_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvStoreChanges, zv_store_changes_free)

/* Runs on the writer thread inside a transaction; return FALSE with @error to roll it back. */
typedef gboolean (*ZvStoreWriteFunc) (ZvDb            *db,
                                      gpointer         data,
                                      ZvStoreChanges  *changes,
                                      GError         **error);

#define ZV_TYPE_STORE (zv_store_get_type ())

G_DECLARE_FINAL_TYPE (ZvStore, zv_store, ZV, STORE, GObject)

ZvStore     *zv_store_open            (const char           *path,
                                       GError              **error);
void         zv_store_open_async      (const char           *path,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
ZvStore     *zv_store_open_finish     (GAsyncResult         *result,
                                       GError              **error);
const char  *zv_store_get_path        (ZvStore              *self);
ZvDb        *zv_store_get_reader      (ZvStore              *self);
void         zv_store_write_async     (ZvStore              *self,
                                       ZvStoreWriteFunc      func,
                                       gpointer              data,
                                       GDestroyNotify        data_destroy,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean     zv_store_write_finish    (ZvStore              *self,
                                       GAsyncResult         *result,
                                       GError              **error);
gboolean     zv_store_write_sync      (ZvStore              *self,
                                       ZvStoreWriteFunc      func,
                                       gpointer              data,
                                       GError              **error);
void         zv_store_close           (ZvStore              *self);
char        *zv_store_get_meta        (ZvStore              *self,
                                       const char           *key);
gboolean     zv_store_set_meta        (ZvDb                 *db,
                                       const char           *key,
                                       const char           *value,
                                       GError              **error);
gboolean     zv_store_check           (ZvStore              *self,
                                       GPtrArray            *problems,
                                       GError              **error);

G_END_DECLS
