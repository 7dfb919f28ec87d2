/* zv-preferences-window.c: the Preferences window. Each row is bound to a key of the
 * org.zveno.Zveno schema, so a change applies at once and there is no Apply button; whoever
 * uses a key (the colour scheme in ZvApplication, run-in-background in ZvWindow) listens to it.
 * The Sound page (ZvSoundPage) watches the sound devices and lives in the phone's module. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-phone-ui.h"
#include "zv-preferences-window.h"

struct _ZvPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  /* owned */
  GSettings *settings;

  /* borrowed: template children */
  AdwComboRow *color_scheme_row;
  GtkSwitch *notifications_switch;
  GtkSwitch *notification_previews_switch;
  GtkSwitch *send_with_enter_switch;
  GtkSwitch *run_in_background_switch;
};

G_DEFINE_FINAL_TYPE (ZvPreferencesWindow, zv_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The combo row's items, in order, are the nicks of the org.zveno.Zveno.ColorScheme enum. */
static const char * const color_scheme_nicks[] = { "default", "light", "dark" };

static gboolean
color_scheme_get_mapping (GValue   *value,
                          GVariant *variant,
                          gpointer  user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (color_scheme_nicks); i++)
    {
      if (g_strcmp0 (nick, color_scheme_nicks[i]) == 0)
        {
          g_value_set_uint (value, i);
          return TRUE;
        }
    }

  return FALSE;
}

static GVariant *
color_scheme_set_mapping (const GValue       *value,
                          const GVariantType *expected_type,
                          gpointer            user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= G_N_ELEMENTS (color_scheme_nicks))
    return NULL;

  return g_variant_new_string (color_scheme_nicks[selected]);
}

static void
zv_preferences_window_constructed (GObject *object)
{
  ZvPreferencesWindow *self = ZV_PREFERENCES_WINDOW (object);
  const ZvPhoneUi *ui;

  G_OBJECT_CLASS (zv_preferences_window_parent_class)->constructed (object);

  g_assert (G_IS_SETTINGS (self->settings));

  g_settings_bind_with_mapping (self->settings, "color-scheme",
                                self->color_scheme_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                color_scheme_get_mapping, color_scheme_set_mapping,
                                NULL, NULL);
  g_settings_bind (self->settings, "notifications",
                   self->notifications_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "notification-previews",
                   self->notification_previews_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "send-with-enter",
                   self->send_with_enter_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "run-in-background",
                   self->run_in_background_switch, "active", G_SETTINGS_BIND_DEFAULT);
  /* The Sound page is the phone's (its module, zv-phone-ui.h); without it the other pages still work
   * (the load's failure is logged and shown in the main window). */
  ui = zv_phone_ui_load (NULL);
  if (ui != NULL)
    adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), ADW_PREFERENCES_PAGE (ui->sound_page_new (self->settings)));
}

static void
zv_preferences_window_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  ZvPreferencesWindow *self = ZV_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_preferences_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  ZvPreferencesWindow *self = ZV_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_set_object (&self->settings, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_preferences_window_dispose (GObject *object)
{
  ZvPreferencesWindow *self = ZV_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), ZV_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (zv_preferences_window_parent_class)->dispose (object);
}

static void
zv_preferences_window_finalize (GObject *object)
{
  ZvPreferencesWindow *self = ZV_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (zv_preferences_window_parent_class)->finalize (object);
}

static void
zv_preferences_window_class_init (ZvPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = zv_preferences_window_constructed;
  object_class->get_property = zv_preferences_window_get_property;
  object_class->set_property = zv_preferences_window_set_property;
  object_class->dispose = zv_preferences_window_dispose;
  object_class->finalize = zv_preferences_window_finalize;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvPreferencesWindow, color_scheme_row);
  gtk_widget_class_bind_template_child (widget_class, ZvPreferencesWindow, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, ZvPreferencesWindow, notification_previews_switch);
  gtk_widget_class_bind_template_child (widget_class, ZvPreferencesWindow, send_with_enter_switch);
  gtk_widget_class_bind_template_child (widget_class, ZvPreferencesWindow, run_in_background_switch);
}

static void
zv_preferences_window_init (ZvPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * zv_preferences_window_new:
 * @settings: the application's settings (schema SETTINGS_SCHEMA_ID)
 *
 * Returns: (transfer floating): a new Preferences window, bound to @settings.
 */
ZvPreferencesWindow *
zv_preferences_window_new (GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (ZV_TYPE_PREFERENCES_WINDOW, "settings", settings, NULL);
}

GSettings *
zv_preferences_window_get_settings (ZvPreferencesWindow *self)
{
  g_return_val_if_fail (ZV_IS_PREFERENCES_WINDOW (self), NULL);

  return self->settings;
}
