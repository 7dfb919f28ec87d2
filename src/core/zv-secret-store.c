/* zv-secret-store.c: the ZvSecretStore interface: thin dispatch to the implementation. */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include "zv-secret-store.h"
#include "zv-secret-store-libsecret.h"

G_DEFINE_INTERFACE (ZvSecretStore, zv_secret_store, G_TYPE_OBJECT)

static void
zv_secret_store_default_init (ZvSecretStoreInterface *iface)
{
}

void
zv_secret_store_store_async (ZvSecretStore       *self,
                             const char          *account,
                             const char          *key,
                             const char          *secret,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (ZV_IS_SECRET_STORE (self));
  g_return_if_fail (account != NULL && key != NULL && secret != NULL);

  ZV_SECRET_STORE_GET_IFACE (self)->store_async (self, account, key, secret, cancellable, callback, user_data);
}

gboolean
zv_secret_store_store_finish (ZvSecretStore  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (ZV_IS_SECRET_STORE (self), FALSE);

  return ZV_SECRET_STORE_GET_IFACE (self)->store_finish (self, result, error);
}

void
zv_secret_store_lookup_async (ZvSecretStore       *self,
                              const char          *account,
                              const char          *key,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (ZV_IS_SECRET_STORE (self));
  g_return_if_fail (account != NULL && key != NULL);

  ZV_SECRET_STORE_GET_IFACE (self)->lookup_async (self, account, key, cancellable, callback, user_data);
}

/**
 * zv_secret_store_lookup_finish:
 *
 * Returns: (transfer full) (nullable): the secret, or %NULL without an error when none is stored.
 */
char *
zv_secret_store_lookup_finish (ZvSecretStore  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (ZV_IS_SECRET_STORE (self), NULL);

  return ZV_SECRET_STORE_GET_IFACE (self)->lookup_finish (self, result, error);
}

/* Removes every secret of @account: used by sign-out and by the deactivation wipe. */
void
zv_secret_store_clear_async (ZvSecretStore       *self,
                             const char          *account,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (ZV_IS_SECRET_STORE (self));
  g_return_if_fail (account != NULL);

  ZV_SECRET_STORE_GET_IFACE (self)->clear_async (self, account, cancellable, callback, user_data);
}

gboolean
zv_secret_store_clear_finish (ZvSecretStore  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (ZV_IS_SECRET_STORE (self), FALSE);

  return ZV_SECRET_STORE_GET_IFACE (self)->clear_finish (self, result, error);
}

ZvSecretStore *
zv_secret_store_new_default (void)
{
  return ZV_SECRET_STORE (zv_secret_store_libsecret_new ());
}
