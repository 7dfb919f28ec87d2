/* zv-application.c: application lifetime, app-wide actions and the main window. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-application.h"
#include "zv-window.h"

struct _ZvApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (ZvApplication, zv_application, ADW_TYPE_APPLICATION)

ZvApplication *
zv_application_new (const char        *application_id,
                    GApplicationFlags  flags)
{
  g_return_val_if_fail (application_id != NULL, NULL);

  return g_object_new (ZV_TYPE_APPLICATION,
                       "application-id", application_id,
                       "flags", flags,
                       "resource-base-path", APPLICATION_PATH,
                       NULL);
}

static void
zv_application_activate (GApplication *app)
{
  GtkWindow *window;

  /* Single instance: a second launch lands here in the first process and raises its window. */
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    window = GTK_WINDOW (zv_window_new (ZV_APPLICATION (app)));

  gtk_window_present (window);
}

static void
zv_application_class_init (ZvApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = zv_application_activate;
}

static void
zv_application_init (ZvApplication *self)
{
}
