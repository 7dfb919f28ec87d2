/* zv-upload.h: one local file uploaded to the server in chunks, resumable across restarts. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "zv-account.h"

G_BEGIN_DECLS

#define ZV_UPLOAD_CHUNK_SIZE (256 * 1024)

#define ZV_TYPE_UPLOAD (zv_upload_get_type ())

G_DECLARE_FINAL_TYPE (ZvUpload, zv_upload, ZV, UPLOAD, GObject)

ZvUpload    *zv_upload_new             (ZvAccount            *account,
                                        const char           *path,
                                        const char           *name,
                                        gint64                chat_id,
                                        gint64                upload_id);
const char  *zv_upload_get_path        (ZvUpload             *self);
gint64       zv_upload_get_upload_id   (ZvUpload             *self);
double       zv_upload_get_progress    (ZvUpload             *self);
gint64       zv_upload_get_offset      (ZvUpload             *self);
guint64      zv_upload_get_bytes_sent  (ZvUpload             *self);
void         zv_upload_run_async       (ZvUpload             *self,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
JsonObject  *zv_upload_run_finish      (ZvUpload             *self,
                                        GAsyncResult         *result,
                                        GError              **error);

G_END_DECLS
