/* zv-application.c: application lifetime (single instance), the app-wide actions and their
 * accelerators, the colour scheme, and the Preferences and About windows. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "zv-application.h"
#include "zv-preferences-window.h"
#include "zv-window.h"

struct _ZvApplication
{
  AdwApplication parent_instance;

  /* owned */
  GSettings *settings;
  ZvSession *session;   /* started at startup, until the first window takes it */
};

G_DEFINE_FINAL_TYPE (ZvApplication, zv_application, ADW_TYPE_APPLICATION)

static void
zv_application_apply_color_scheme (ZvApplication *self)
{
  AdwStyleManager *style_manager = adw_style_manager_get_default ();
  AdwColorScheme scheme;

  /* Enum values of org.zveno.Zveno.ColorScheme: default, light, dark. */
  switch (g_settings_get_enum (self->settings, "color-scheme"))
    {
    case 1:
      scheme = ADW_COLOR_SCHEME_FORCE_LIGHT;
      break;
    case 2:
      scheme = ADW_COLOR_SCHEME_FORCE_DARK;
      break;
    default:
      /* Follows the desktop's preference and falls back to light. */
      scheme = ADW_COLOR_SCHEME_PREFER_LIGHT;
      break;
    }

  adw_style_manager_set_color_scheme (style_manager, scheme);
}

static void
color_scheme_changed_cb (ZvApplication *self)
{
  zv_application_apply_color_scheme (self);
}

static void
zv_application_preferences_action (GSimpleAction *action,
                                   GVariant      *parameter,
                                   gpointer       user_data)
{
  ZvApplication *self = ZV_APPLICATION (user_data);
  ZvPreferencesWindow *preferences;

  preferences = zv_preferences_window_new (self->settings);
  gtk_window_set_transient_for (GTK_WINDOW (preferences),
                                gtk_application_get_active_window (GTK_APPLICATION (self)));
  gtk_window_present (GTK_WINDOW (preferences));
}

static char *
zv_application_debug_info (void)
{
  /* Shown under About > Troubleshooting, so bug reports say which libraries they ran on. */
  return g_strdup_printf ("Zveno %s%s\n"
                          "Application ID: %s\n\n"
                          "GLib %u.%u.%u\n"
                          "GTK %u.%u.%u\n"
                          "libadwaita %u.%u.%u\n",
                          PACKAGE_VERSION, DEVELOPMENT ? " (development)" : "",
                          APPLICATION_ID,
                          glib_major_version, glib_minor_version, glib_micro_version,
                          gtk_get_major_version (), gtk_get_minor_version (), gtk_get_micro_version (),
                          adw_get_major_version (), adw_get_minor_version (), adw_get_micro_version ());
}

static void
zv_application_about_action (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  ZvApplication *self = ZV_APPLICATION (user_data);
  const char *translators = _("translator-credits");
  g_autofree char *debug_info = zv_application_debug_info ();
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (GTK_APPLICATION (self)),
                        "modal", TRUE,
                        "application-name", _("Zveno"),
                        "application-icon", APPLICATION_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Zveno developers"),
                        "copyright", _("© 2026 The Zveno developers"),
                        "comments", _("Work messenger and softphone for your company"),
                        "website", "https://zveno.org/",
                        "issue-url", "https://zveno.org/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "debug-info", debug_info,
                        NULL);

  /* An untranslated "translator-credits" means there is no translator to credit. */
  if (g_strcmp0 (translators, "translator-credits") != 0)
    adw_about_window_set_translator_credits (ADW_ABOUT_WINDOW (about), translators);

  gtk_window_present (GTK_WINDOW (about));
}

static void
zv_application_quit_action (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  ZvApplication *self = ZV_APPLICATION (user_data);
  GList *windows;

  /* Close rather than destroy, so each main window saves its size and page on close-request;
   * hide-on-close (run in background) must not keep it alive when the user asked to quit. */
  windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (self)),
                              (GCopyFunc) g_object_ref, NULL);
  for (GList *l = windows; l != NULL; l = l->next)
    {
      GtkWindow *window = GTK_WINDOW (l->data);

      gtk_window_set_hide_on_close (window, FALSE);
      gtk_window_close (window);
      /* A window already hidden in the background is not realized and ignores close. */
      if (gtk_window_get_application (window) != NULL)
        gtk_window_destroy (window);
    }
  g_list_free_full (windows, g_object_unref);

  g_application_quit (G_APPLICATION (self));
}

static const GActionEntry app_actions[] = {
  { .name = "preferences", .activate = zv_application_preferences_action },
  { .name = "about", .activate = zv_application_about_action },
  { .name = "quit", .activate = zv_application_quit_action },
};

static void
zv_application_set_accels (ZvApplication *self)
{
  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.preferences", { "<Control>comma", NULL } },
    { "app.quit", { "<Control>q", NULL } },
    { "win.show-help-overlay", { "<Control>question", NULL } },
    { "win.search", { "<Control>f", "<Control>k", NULL } },
    { "win.page-chats", { "<Alt>1", NULL } },
    { "win.page-calls", { "<Alt>2", NULL } },
    { "win.page-contacts", { "<Alt>3", NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action, accels[i].accels);
}

/* Runs on a worker: a lookup reads the icon themes (index.theme files, icon caches) if they are
 * not read yet (see zv_application_startup()). */
static void
zv_application_load_icon_theme_thread (GTask        *task,
                                       gpointer      source_object,
                                       gpointer      task_data,
                                       GCancellable *cancellable)
{
  gtk_icon_theme_has_icon (GTK_ICON_THEME (task_data), "open-menu-symbolic");
}

/* GTK 4.8 parses its fallback theme ("Default", ~80 million instructions of CSS, 10-15 ms of the
 * main thread) when it makes the display's settings, and libadwaita 1.2 throws it away a moment
 * later: its style manager sets the theme "Adwaita-empty" and adds its own style sheet. Every
 * libadwaita app on these versions pays for it before its first frame (cut 9 in
 * docs/PERFORMANCE.md). GTK_THEME names the theme GTK loads first, but libadwaita leaves its style
 * sheet out when it finds GTK_THEME set (the user's own theme), so it must be gone again before
 * libadwaita starts: main() puts it in the environment while the process has one thread,
 * zv_application_startup() makes the settings with it and then renames it in place. Renaming
 * (rather than unsetenv(), which moves the environment's entries while other threads may be
 * reading them) only writes bytes of our own string. A GTK_THEME the user set is left alone, and
 * so are the platforms where the C library's environment is not the one GLib reads. */
#ifdef G_OS_UNIX
static char fallback_theme_env[] = "GTK_THEME=Adwaita-empty";
static gboolean fallback_theme_armed;
#endif

void
zv_application_skip_fallback_theme (void)
{
#ifdef G_OS_UNIX
  if (g_getenv ("GTK_THEME") == NULL && putenv (fallback_theme_env) == 0)
    fallback_theme_armed = TRUE;
#endif
}

static void
zv_application_settle_theme (void)
{
#ifdef G_OS_UNIX
  if (!fallback_theme_armed)
    return;
  /* GTK's settings for the display, made now, load "Adwaita-empty" (libadwaita's resource). */
  if (gtk_init_check ())
    gtk_settings_get_default ();
  /* "GTK_THEME=Adwaita-empty" becomes "ZVENO_GTK=Adwaita-empty", a name nobody reads. */
  memcpy (fallback_theme_env, "ZVENO_GTK", strlen ("ZVENO_GTK"));
  fallback_theme_armed = FALSE;
#endif
}

static void
zv_application_startup (GApplication *app)
{
  ZvApplication *self = ZV_APPLICATION (app);
  GdkDisplay *display;

  /* The session starts reading the cache on a worker before GTK starts: GTK's own start (the
   * display, its GL probe, the theme's style sheets) keeps the main thread busy for ~100 ms while the
   * second core is idle, so the cached chats are read by the time the window is laid out and the
   * worker no longer competes with the window's first frame for the cores (cut 9 in
   * docs/PERFORMANCE.md). The first window takes it (zv_window_new()). Nothing here needs GTK. */
  self->session = zv_session_new ();
  zv_session_start (self->session);

  zv_application_settle_theme ();

  /* AdwApplication's startup initialises libadwaita, loads style.css and the help overlay. */
  G_APPLICATION_CLASS (zv_application_parent_class)->startup (app);

  /* The theme is read again, on a worker. GTK queues a read of the icon themes on a worker when the
   * display's theme is made, but GtkApplication's startup then adds our resource path to it, which
   * throws that read away (unless the worker had not started yet): the window's first icon lookup
   * then read the themes (Adwaita's and hicolor's index.theme) on the main thread before the first
   * frame, 4-8 ms of its CPU (cut 8 in docs/PERFORMANCE.md). Lookups may run on other threads once
   * the theme is set up, holding its lock, so a lookup on the main thread waits for this read, if
   * it still runs, rather than repeating it; if the themes are already read, this does nothing. */
  display = gdk_display_get_default ();
  if (display != NULL)
    {
      g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);

      g_task_set_source_tag (task, zv_application_load_icon_theme_thread);
      g_task_set_task_data (task, g_object_ref (gtk_icon_theme_get_for_display (display)), g_object_unref);
      g_task_run_in_thread (task, zv_application_load_icon_theme_thread);
    }

  gtk_window_set_default_icon_name (APPLICATION_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  zv_application_set_accels (self);

  self->settings = g_settings_new (SETTINGS_SCHEMA_ID);
  g_signal_connect_object (self->settings, "changed::color-scheme",
                           G_CALLBACK (color_scheme_changed_cb), self, G_CONNECT_SWAPPED);
  zv_application_apply_color_scheme (self);
}

/* ZVENO_PRINT_FIRST_FRAME=1: print "first-frame" once the main window's first frame is painted, for
 * tests/bench/bench-app-startup.sh (which times an empty libadwaita window the same way). */
static void
zv_application_first_frame_cb (GdkFrameClock *clock,
                               gpointer       user_data)
{
  g_signal_handlers_disconnect_by_func (clock, zv_application_first_frame_cb, user_data);
  g_print ("first-frame\n");
}

static void
zv_application_window_mapped_cb (GtkWidget *window,
                                 gpointer   user_data)
{
  g_signal_handlers_disconnect_by_func (window, zv_application_window_mapped_cb, user_data);
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (zv_application_first_frame_cb), NULL);
}

static void
zv_application_activate (GApplication *app)
{
  GtkWindow *window;

  /* Single instance: a second launch lands here in the first process and raises its window. */
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    {
      window = GTK_WINDOW (zv_window_new (ZV_APPLICATION (app)));
      if (g_strcmp0 (g_getenv ("ZVENO_PRINT_FIRST_FRAME"), "1") == 0)
        g_signal_connect (window, "map", G_CALLBACK (zv_application_window_mapped_cb), NULL);
    }

  gtk_window_present (window);
}

static void
zv_application_finalize (GObject *object)
{
  ZvApplication *self = ZV_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (zv_application_parent_class)->finalize (object);
}

static void
zv_application_class_init (ZvApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = zv_application_finalize;
  app_class->startup = zv_application_startup;
  app_class->activate = zv_application_activate;
}

static void
zv_application_init (ZvApplication *self)
{
}

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

/**
 * zv_application_get_settings:
 * @self: a #ZvApplication
 *
 * Returns: (transfer none): the application's settings (schema SETTINGS_SCHEMA_ID); %NULL
 *   before the application has started up.
 */
GSettings *
zv_application_get_settings (ZvApplication *self)
{
  g_return_val_if_fail (ZV_IS_APPLICATION (self), NULL);

  return self->settings;
}

/**
 * zv_application_take_session:
 *
 * The session started at startup, for the first window; %NULL after that.
 *
 * Returns: (transfer full) (nullable): the session
 */
ZvSession *
zv_application_take_session (ZvApplication *self)
{
  g_return_val_if_fail (ZV_IS_APPLICATION (self), NULL);

  return g_steal_pointer (&self->session);
}
