/* fuzz-profile.c: IT profile and user settings files (zv_profile_load_data), the ini dialect that
 * zv-profile.c parses by hand. The first byte picks the layer (system or user), the rest is the file.
 * Invariant: the user's settings survive a save and a load (zv_profile_to_user_data, loaded again,
 * gives every key the same value, and a file we wrote ourselves has nothing to complain about). */
#define G_LOG_DOMAIN "zveno-fuzz"

#include "config.h"

#include "fuzz-common.h"
#include "zv-profile.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(ZvProfile) profile = NULL;
  g_autoptr(ZvProfile) reloaded = NULL;
  g_autofree char *saved = NULL;
  const char * const *keys = zv_profile_list_keys ();
  ZvProfileLayer layer;

  zv_fuzz_init ();
  if (size < 1)
    return 0;
  layer = (data[0] & 1) ? ZV_PROFILE_LAYER_SYSTEM : ZV_PROFILE_LAYER_USER;

  profile = zv_profile_new ();
  zv_profile_load_data (profile, "fuzz.conf", (const char *) data + 1, (gssize) size - 1, layer);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *value = g_strdup (zv_profile_get_string (profile, keys[i]));

      if (value == NULL)
        zv_fuzz_fail ("key %s has no value", keys[i]);
      (void) zv_profile_get_boolean (profile, keys[i]);
      (void) zv_profile_get_origin (profile, keys[i]);
      /* The user may set a key to what a profile gave it, unless a system profile locked it. */
      if (zv_profile_get_layer (profile, keys[i]) != ZV_PROFILE_LAYER_DEFAULT &&
          !zv_profile_set (profile, keys[i], value, &error) &&
          !g_error_matches (error, ZV_PROFILE_ERROR, ZV_PROFILE_ERROR_LOCKED))
        zv_fuzz_fail ("key %s refuses its own value \"%s\": %s", keys[i], value, error->message);
    }

  saved = zv_profile_to_user_data (profile);
  reloaded = zv_profile_new ();
  zv_profile_load_data (reloaded, "user.conf", saved, -1, ZV_PROFILE_LAYER_USER);
  {
    GPtrArray *reloaded_diagnostics = zv_profile_get_diagnostics (reloaded);   /* borrowed */

    if (reloaded_diagnostics != NULL && reloaded_diagnostics->len > 0)
      zv_fuzz_fail ("the settings we saved have problems when read back:\n%s", saved);
  }
  for (guint i = 0; keys[i] != NULL; i++)
    if (zv_profile_get_layer (profile, keys[i]) == ZV_PROFILE_LAYER_USER &&
        g_strcmp0 (zv_profile_get_string (profile, keys[i]), zv_profile_get_string (reloaded, keys[i])) != 0)
      zv_fuzz_fail ("key %s was \"%s\", saved and read back \"%s\"", keys[i],
                    zv_profile_get_string (profile, keys[i]), zv_profile_get_string (reloaded, keys[i]));
  return 0;
}
