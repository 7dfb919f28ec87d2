/* zv-profile.h: IT presets. Built-in defaults, then system profiles, then the user's own settings;
 * a system profile may lock keys so that the user cannot change them. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define ZV_PROFILE_ERROR (zv_profile_error_quark ())

typedef enum {
  ZV_PROFILE_ERROR_UNKNOWN_KEY,
  ZV_PROFILE_ERROR_INVALID_VALUE,
  ZV_PROFILE_ERROR_LOCKED,
} ZvProfileError;

typedef enum {
  ZV_PROFILE_LAYER_DEFAULT,
  ZV_PROFILE_LAYER_SYSTEM,
  ZV_PROFILE_LAYER_USER,
} ZvProfileLayer;

#define ZV_TYPE_PROFILE (zv_profile_get_type ())

G_DECLARE_FINAL_TYPE (ZvProfile, zv_profile, ZV, PROFILE, GObject)

GQuark          zv_profile_error_quark         (void);
ZvProfile      *zv_profile_new                 (void);
char          **zv_profile_system_dirs         (void);
void            zv_profile_load_system         (ZvProfile    *self,
                                                const char  **dirs);
void            zv_profile_load_file           (ZvProfile    *self,
                                                const char   *path,
                                                ZvProfileLayer layer);
void            zv_profile_load_data           (ZvProfile    *self,
                                                const char   *origin,
                                                const char   *data,
                                                gssize        length,
                                                ZvProfileLayer layer);
const char     *zv_profile_get_string          (ZvProfile    *self,
                                                const char   *key);
gboolean        zv_profile_get_boolean         (ZvProfile    *self,
                                                const char   *key);
gboolean        zv_profile_is_locked           (ZvProfile    *self,
                                                const char   *key);
const char     *zv_profile_get_origin          (ZvProfile    *self,
                                                const char   *key);
ZvProfileLayer  zv_profile_get_layer           (ZvProfile    *self,
                                                const char   *key);
gboolean        zv_profile_set                 (ZvProfile    *self,
                                                const char   *key,
                                                const char   *value,
                                                GError      **error);
char           *zv_profile_to_user_data        (ZvProfile    *self);
gboolean        zv_profile_save_user           (ZvProfile    *self,
                                                const char   *path,
                                                GError      **error);
const char * const *zv_profile_list_keys       (void);
GPtrArray      *zv_profile_get_diagnostics     (ZvProfile    *self);

G_END_DECLS
