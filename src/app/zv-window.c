/* zv-window.c: the main window: the sidebar with the Chats, Calls and Contacts pages, search, the
 * main menu and the content pane; remembers its size and page between runs. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "zv-window.h"

/* Limits of the window-width/-height keys in the schema; writing outside them is a critical. */
#define WINDOW_SIZE_MIN 360
#define WINDOW_SIZE_MAX 10000

struct _ZvWindow
{
  AdwApplicationWindow parent_instance;

  /* owned */
  GSettings *settings;

  /* borrowed: template children */
  AdwLeaflet *leaflet;
  GtkSearchBar *search_bar;
  GtkSearchEntry *search_entry;
  GtkStack *search_stack;
  AdwViewStack *view_stack;
};

G_DEFINE_FINAL_TYPE (ZvWindow, zv_window, ADW_TYPE_APPLICATION_WINDOW)

static const char *
search_placeholder_for_page (const char *page)
{
  if (g_strcmp0 (page, "calls") == 0)
    return _("Search calls");
  if (g_strcmp0 (page, "contacts") == 0)
    return _("Search contacts");
  return _("Search chats");
}

static gboolean
is_page_name (const char *name)
{
  return g_strcmp0 (name, "chats") == 0 ||
         g_strcmp0 (name, "calls") == 0 ||
         g_strcmp0 (name, "contacts") == 0;
}

static void
zv_window_save_state (ZvWindow *self)
{
  const char *page;
  int width = 0;
  int height = 0;

  /* The default size follows the user's resizing while the window is neither maximized nor
   * fullscreen, so it is the size to come back to. */
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);

  if (width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", CLAMP (width, WINDOW_SIZE_MIN, WINDOW_SIZE_MAX));
      g_settings_set_int (self->settings, "window-height", CLAMP (height, WINDOW_SIZE_MIN, WINDOW_SIZE_MAX));
    }
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));

  page = adw_view_stack_get_visible_child_name (self->view_stack);
  if (is_page_name (page))
    g_settings_set_string (self->settings, "last-page", page);
}

static void
zv_window_restore_state (ZvWindow *self)
{
  g_autofree char *page = NULL;

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  page = g_settings_get_string (self->settings, "last-page");
  if (is_page_name (page))
    adw_view_stack_set_visible_child_name (self->view_stack, page);
}

static void
page_changed_cb (ZvWindow *self)
{
  const char *page = adw_view_stack_get_visible_child_name (self->view_stack);
  const char *placeholder = search_placeholder_for_page (page);

  g_object_set (self->search_entry, "placeholder-text", placeholder, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, placeholder,
                                  -1);
}

static void
search_changed_cb (ZvWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  /* The lists are filled once an account syncs; until then every search finds nothing, and the
   * sidebar says so rather than keep showing the "no chats yet" page. */
  gtk_stack_set_visible_child_name (self->search_stack, text[0] != '\0' ? "results" : "browse");
}

static void
show_sidebar (ZvWindow *self)
{
  /* When folded, the content pane hides the sidebar: go back to it first. */
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child_name (self->leaflet, "sidebar");
}

static void
zv_window_search_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  ZvWindow *self = ZV_WINDOW (widget);

  show_sidebar (self);
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
zv_window_page_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ZvWindow *self = ZV_WINDOW (widget);
  const char *page = action_name + strlen ("win.page-");

  g_assert (is_page_name (page));

  show_sidebar (self);
  adw_view_stack_set_visible_child_name (self->view_stack, page);
}

static void
zv_window_navigate_back_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *parameter)
{
  ZvWindow *self = ZV_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static gboolean
zv_window_close_request (GtkWindow *window)
{
  zv_window_save_state (ZV_WINDOW (window));

  return GTK_WINDOW_CLASS (zv_window_parent_class)->close_request (window);
}

static void
zv_window_dispose (GObject *object)
{
  ZvWindow *self = ZV_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), ZV_TYPE_WINDOW);

  G_OBJECT_CLASS (zv_window_parent_class)->dispose (object);
}

static void
zv_window_finalize (GObject *object)
{
  ZvWindow *self = ZV_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (zv_window_parent_class)->finalize (object);
}

static void
zv_window_class_init (ZvWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = zv_window_dispose;
  object_class->finalize = zv_window_finalize;
  window_class->close_request = zv_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, search_stack);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, view_stack);
  gtk_widget_class_bind_template_callback (widget_class, page_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);

  /* Accelerators for these are set app-wide in ZvApplication, so the shortcuts window shows them. */
  gtk_widget_class_install_action (widget_class, "win.search", NULL, zv_window_search_action);
  gtk_widget_class_install_action (widget_class, "win.page-chats", NULL, zv_window_page_action);
  gtk_widget_class_install_action (widget_class, "win.page-calls", NULL, zv_window_page_action);
  gtk_widget_class_install_action (widget_class, "win.page-contacts", NULL, zv_window_page_action);
  gtk_widget_class_install_action (widget_class, "win.navigate-back", NULL, zv_window_navigate_back_action);
}

static void
zv_window_init (ZvWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (SETTINGS_SCHEMA_ID);

#if DEVELOPMENT
  /* The striped header bar tells a development build from the installed app at a glance. */
  gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
#endif

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));

  /* Closing the window only hides it while the app should keep receiving messages and calls;
   * Quit (Ctrl+Q) ends the app either way. Read-only so that quitting never rewrites the key. */
  g_settings_bind (self->settings, "run-in-background", self, "hide-on-close", G_SETTINGS_BIND_GET);

  zv_window_restore_state (self);
  page_changed_cb (self);
}

ZvWindow *
zv_window_new (ZvApplication *application)
{
  g_return_val_if_fail (ZV_IS_APPLICATION (application), NULL);

  return g_object_new (ZV_TYPE_WINDOW, "application", application, NULL);
}
