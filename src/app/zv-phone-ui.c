/* zv-phone-ui.c: finds and opens the phone's module (libzveno-phone-ui, see zv-phone-ui.h) once,
 * and hands out its table of functions. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>
#include <gmodule.h>

#include "zv-phone-ui.h"

G_DEFINE_QUARK (zv-phone-ui-error-quark, zv_phone_ui_error)

/* The outcome of the one attempt: the table, or why there is none. */
static const ZvPhoneUi *loaded_ui;
static GError *load_error;

/* Where the module is: $ZVENO_PHONE_UI_MODULE (the tests' way to give a missing or broken one);
 * next to the running executable (the build tree: tests, ./run demo); else where it is installed
 * (libdir/zveno, also in the Flatpak). */
static char *
module_path (void)
{
  const char *env = g_getenv ("ZVENO_PHONE_UI_MODULE");
  g_autofree char *exe = NULL;

  if (env != NULL && *env != '\0')
    return g_strdup (env);

  /* Linux only; elsewhere the installed path is used (on Windows
   * g_win32_get_package_installation_directory_of_module() would find the package's own). */
  exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (exe);
      g_autofree char *beside = g_module_build_path (dir, "zveno-phone-ui");

      if (g_file_test (beside, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&beside);
    }
  return g_module_build_path (PKGLIBDIR, "zveno-phone-ui");
}

static const ZvPhoneUi *
open_module (GError **error)
{
  g_autofree char *path = module_path ();
  gint64 start = g_get_monotonic_time ();
  GModule *module;
  ZvPhoneUiEntry entry = NULL;
  const ZvPhoneUi *ui;

  /* Lazy binding: the module's own first call of a sofia-sip or GStreamer function pays for it,
   * not this turn of the main loop. Local: nothing else should bind to its symbols. */
  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      /* g_module_error() already names the file. */
      g_set_error (error, ZV_PHONE_UI_ERROR, ZV_PHONE_UI_ERROR_LOAD,
                   /* Translators: %s is the system's reason, in English, e.g. ".../libzveno-phone-ui.so:
                    * cannot open shared object file: No such file or directory". */
                   _("Calls are unavailable: the phone module could not be loaded (%s)."), g_module_error ());
      return NULL;
    }
  if (!g_module_symbol (module, ZV_PHONE_UI_ENTRY, (gpointer *) &entry) || entry == NULL)
    {
      g_set_error (error, ZV_PHONE_UI_ERROR, ZV_PHONE_UI_ERROR_LOAD,
                   _("Calls are unavailable: the phone module could not be loaded (%s)."), g_module_error ());
      g_module_close (module);
      return NULL;
    }
  ui = entry ();
  if (ui == NULL || ui->version != ZV_PHONE_UI_VERSION)
    {
      g_set_error (error, ZV_PHONE_UI_ERROR, ZV_PHONE_UI_ERROR_LOAD,
                   /* Translators: %s is the module's file name. */
                   _("Calls are unavailable: the phone module %s is of another version of Zveno."), path);
      g_module_close (module);
      return NULL;
    }
  /* Its types are registered with GObject now, which can never forget them. */
  g_module_make_resident (module);
  g_debug ("phone-ui: loaded %s in %.1f ms", path, (double) (g_get_monotonic_time () - start) / 1000.);
  return ui;
}

/**
 * zv_phone_ui_load:
 *
 * Opens the phone's module unless that was tried before. Cheap after the first call.
 *
 * Returns: the module's table, or %NULL with @error set (the same error every time: a module that
 * failed to load is not tried again).
 */
const ZvPhoneUi *
zv_phone_ui_load (GError **error)
{
  if (loaded_ui == NULL && load_error == NULL)
    {
      loaded_ui = open_module (&load_error);
      if (loaded_ui == NULL)
        g_warning ("%s", load_error->message);
    }
  if (loaded_ui == NULL)
    {
      g_propagate_error (error, g_error_copy (load_error));
      return NULL;
    }
  return loaded_ui;
}

/**
 * zv_phone_ui_peek:
 *
 * Returns: the module's table if it is loaded, else %NULL (it does not load it).
 */
const ZvPhoneUi *
zv_phone_ui_peek (void)
{
  return loaded_ui;
}
