/* zv-file-download.h: fetching an attachment (GET /files/{id}) into the cache, checked by its sha256. */
#pragma once

#include <gio/gio.h>

#include "zv-account.h"

G_BEGIN_DECLS

char     *zv_file_download_cache_path (gint64               file_id,
                                       const char          *name);
void      zv_file_download_async      (ZvAccount           *account,
                                       gint64               file_id,
                                       const char          *destination,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
gboolean  zv_file_download_finish     (ZvAccount           *account,
                                       GAsyncResult        *result,
                                       GError             **error);

G_END_DECLS
