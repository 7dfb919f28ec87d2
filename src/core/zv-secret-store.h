/* zv-secret-store.h: where tokens and SIP passwords live. Never files, never logs.
 *
 * An interface because Windows keeps secrets in the Credential Manager and Linux in the Secret
 * Service; the core only ever talks to ZvSecretStore. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define ZV_TYPE_SECRET_STORE (zv_secret_store_get_type ())

G_DECLARE_INTERFACE (ZvSecretStore, zv_secret_store, ZV, SECRET_STORE, GObject)

struct _ZvSecretStoreInterface
{
  GTypeInterface parent_iface;

  void      (*store_async)      (ZvSecretStore        *self,
                                 const char           *account,
                                 const char           *key,
                                 const char           *secret,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data);
  gboolean  (*store_finish)     (ZvSecretStore        *self,
                                 GAsyncResult         *result,
                                 GError              **error);
  void      (*lookup_async)     (ZvSecretStore        *self,
                                 const char           *account,
                                 const char           *key,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data);
  char     *(*lookup_finish)    (ZvSecretStore        *self,
                                 GAsyncResult         *result,
                                 GError              **error);
  void      (*clear_async)      (ZvSecretStore        *self,
                                 const char           *account,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data);
  gboolean  (*clear_finish)     (ZvSecretStore        *self,
                                 GAsyncResult         *result,
                                 GError              **error);
};

void      zv_secret_store_store_async   (ZvSecretStore        *self,
                                         const char           *account,
                                         const char           *key,
                                         const char           *secret,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean  zv_secret_store_store_finish  (ZvSecretStore        *self,
                                         GAsyncResult         *result,
                                         GError              **error);
void      zv_secret_store_lookup_async  (ZvSecretStore        *self,
                                         const char           *account,
                                         const char           *key,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
char     *zv_secret_store_lookup_finish (ZvSecretStore        *self,
                                         GAsyncResult         *result,
                                         GError              **error);
void      zv_secret_store_clear_async   (ZvSecretStore        *self,
                                         const char           *account,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean  zv_secret_store_clear_finish  (ZvSecretStore        *self,
                                         GAsyncResult         *result,
                                         GError              **error);

/* The platform's store: the Secret Service (libsecret) on Linux. */
ZvSecretStore *zv_secret_store_new_default (void);

G_END_DECLS
