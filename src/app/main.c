/* main.c: sets up gettext and hands over to ZvApplication. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "zv-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(ZvApplication) app = NULL;
  const char *localedir;

  /* ZVENO_LOCALEDIR points an uninstalled build (tests, screenshots) at BUILD/po. */
  localedir = g_getenv ("ZVENO_LOCALEDIR");
  if (localedir == NULL || localedir[0] == '\0')
    localedir = LOCALEDIR;

  /* Before any thread exists: see zv_application_skip_fallback_theme(). */
  zv_application_skip_fallback_theme ();

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = zv_application_new (APPLICATION_ID, G_APPLICATION_DEFAULT_FLAGS);

  return g_application_run (G_APPLICATION (app), argc, argv);
}
