/* zv-window.c: the main window: sidebar with Chats/Calls/Contacts and the content pane. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-window.h"

struct _ZvWindow
{
  AdwApplicationWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (ZvWindow, zv_window, ADW_TYPE_APPLICATION_WINDOW)

ZvWindow *
zv_window_new (ZvApplication *application)
{
  return g_object_new (ZV_TYPE_WINDOW, "application", application, NULL);
}

static void
zv_window_class_init (ZvWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-window.ui");
}

static void
zv_window_init (ZvWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
