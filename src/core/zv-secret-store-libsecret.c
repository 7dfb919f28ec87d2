/* zv-secret-store-libsecret.c: secrets as Secret Service items keyed by (account, key).
 *
 * The account attribute is the server URL plus the login, so that two accounts never see each
 * other's tokens and a wipe removes exactly one account's items. */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "zv-secret-store-libsecret.h"

struct _ZvSecretStoreLibsecret
{
  GObject parent_instance;
};

static void secret_store_iface_init (ZvSecretStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ZvSecretStoreLibsecret, zv_secret_store_libsecret, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (ZV_TYPE_SECRET_STORE, secret_store_iface_init))

static const SecretSchema *
zveno_schema (void)
{
  static const SecretSchema schema = {
    "org.zveno.Zveno.Secret", SECRET_SCHEMA_NONE,
    {
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "key", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
libsecret_store_async (ZvSecretStore       *store,
                       const char          *account,
                       const char          *key,
                       const char          *secret,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);
  /* The label is what a person sees in Passwords and Keys; it must not contain the secret. */
  g_autofree char *label = g_strdup_printf (_("Zveno: %s for %s"), key, account);

  g_task_set_source_tag (task, libsecret_store_async);
  secret_password_store (zveno_schema (), SECRET_COLLECTION_DEFAULT, label, secret, cancellable,
                         store_cb, g_steal_pointer (&task),
                         "account", account, "key", key, NULL);
}

static gboolean
libsecret_store_finish (ZvSecretStore  *store,
                        GAsyncResult   *result,
                        GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *secret = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Copy out of libsecret's non-pageable memory into ordinary memory owned by the caller. */
  g_task_return_pointer (task, g_strdup (secret), g_free);
  secret_password_free (secret);
}

static void
libsecret_lookup_async (ZvSecretStore       *store,
                        const char          *account,
                        const char          *key,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);

  g_task_set_source_tag (task, libsecret_lookup_async);
  secret_password_lookup (zveno_schema (), cancellable, lookup_cb, g_steal_pointer (&task),
                          "account", account, "key", key, NULL);
}

static char *
libsecret_lookup_finish (ZvSecretStore  *store,
                         GAsyncResult   *result,
                         GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* FALSE without an error only means there was nothing to remove. */
  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
libsecret_clear_async (ZvSecretStore       *store,
                       const char          *account,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);

  g_task_set_source_tag (task, libsecret_clear_async);
  secret_password_clear (zveno_schema (), cancellable, clear_cb, g_steal_pointer (&task),
                         "account", account, NULL);
}

static gboolean
libsecret_clear_finish (ZvSecretStore  *store,
                        GAsyncResult   *result,
                        GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
secret_store_iface_init (ZvSecretStoreInterface *iface)
{
  iface->store_async = libsecret_store_async;
  iface->store_finish = libsecret_store_finish;
  iface->lookup_async = libsecret_lookup_async;
  iface->lookup_finish = libsecret_lookup_finish;
  iface->clear_async = libsecret_clear_async;
  iface->clear_finish = libsecret_clear_finish;
}

ZvSecretStoreLibsecret *
zv_secret_store_libsecret_new (void)
{
  return g_object_new (ZV_TYPE_SECRET_STORE_LIBSECRET, NULL);
}

static void
zv_secret_store_libsecret_class_init (ZvSecretStoreLibsecretClass *klass)
{
}

static void
zv_secret_store_libsecret_init (ZvSecretStoreLibsecret *self)
{
}
