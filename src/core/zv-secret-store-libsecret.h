/* zv-secret-store-libsecret.h: ZvSecretStore on the freedesktop Secret Service (GNOME Keyring, KWallet). */
#pragma once

#include "zv-secret-store.h"

G_BEGIN_DECLS

#define ZV_TYPE_SECRET_STORE_LIBSECRET (zv_secret_store_libsecret_get_type ())

G_DECLARE_FINAL_TYPE (ZvSecretStoreLibsecret, zv_secret_store_libsecret, ZV, SECRET_STORE_LIBSECRET, GObject)

ZvSecretStoreLibsecret *zv_secret_store_libsecret_new (void);

G_END_DECLS
