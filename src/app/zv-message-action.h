/* zv-message-action.h: one call that changes a message on the server (edit, delete, reaction),
 * its answer written to the cache at once. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "zv-account.h"

G_BEGIN_DECLS

void      zv_message_action_async  (ZvAccount           *account,
                                    const char          *method,
                                    const char          *path,
                                    JsonNode            *body,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
gboolean  zv_message_action_finish (ZvAccount           *account,
                                    GAsyncResult        *result,
                                    GError             **error);

G_END_DECLS
