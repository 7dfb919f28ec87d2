/* zv-account.h: the signed-in company account: discovery, login, tokens, refresh, logout and the
 * wipe that deactivation demands. Owns the API client and the local cache of the account. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "zv-api.h"
#include "zv-secret-store.h"
#include "zv-store.h"

G_BEGIN_DECLS

#define ZV_TYPE_ACCOUNT (zv_account_get_type ())

G_DECLARE_FINAL_TYPE (ZvAccount, zv_account, ZV, ACCOUNT, GObject)

ZvAccount    *zv_account_new              (const char           *data_dir,
                                           ZvSecretStore        *secrets);
const char   *zv_account_get_data_dir     (ZvAccount            *self);
char         *zv_account_default_data_dir (void);
gboolean      zv_account_load             (ZvAccount            *self,
                                           GError              **error);
gboolean      zv_account_is_signed_in     (ZvAccount            *self);
const char   *zv_account_get_login        (ZvAccount            *self);
const char   *zv_account_get_server       (ZvAccount            *self);
gint64        zv_account_get_user_id      (ZvAccount            *self);
ZvStore      *zv_account_get_store        (ZvAccount            *self);
ZvApi        *zv_account_get_api          (ZvAccount            *self);
void          zv_account_set_ca_file      (ZvAccount            *self,
                                           const char           *ca_file);
const char   *zv_account_get_ca_file      (ZvAccount            *self);

void          zv_account_restore_async    (ZvAccount            *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean      zv_account_restore_finish   (ZvAccount            *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void          zv_account_login_async      (ZvAccount            *self,
                                           const char           *address,
                                           const char           *login,
                                           const char           *password,
                                           const char           *device_name,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean      zv_account_login_finish     (ZvAccount            *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void          zv_account_call_async       (ZvAccount            *self,
                                           const char           *method,
                                           const char           *path,
                                           JsonNode             *body,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
JsonNode     *zv_account_call_finish      (ZvAccount            *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void          zv_account_logout_async     (ZvAccount            *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean      zv_account_logout_finish    (ZvAccount            *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void          zv_account_wipe_async       (ZvAccount            *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean      zv_account_wipe_finish      (ZvAccount            *self,
                                           GAsyncResult         *result,
                                           GError              **error);

G_END_DECLS
