/* zv-sound-page.c: ZvSoundPage, the Sound page of Preferences.
 *
 * Three choosers (microphone, speaker, ringing device) over the devices ZvAudioDevices sees, each
 * with "System default" first, stored by the device's stable id in GSettings ("" is the default),
 * and the voice processing switch (webrtcdsp). The lists follow hot-plug: a device plugged in
 * appears at once; when the chosen device goes away the setting falls back to the system default
 * and a toast says so, rather than leave calls pointing at nothing. A key locked by the
 * administrator makes its row insensitive, as g_settings_bind() does for the other rows.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-audio-devices.h"
#include "zv-phone.h"
#include "zv-sound-page.h"

enum {
  ROW_MICROPHONE,
  ROW_SPEAKER,
  ROW_RINGER,
  N_ROWS
};

static const struct {
  const char *key;
  gboolean    input;
} row_info[N_ROWS] = {
  { "microphone", TRUE },
  { "speaker", FALSE },
  { "ringing-device", FALSE },
};

struct _ZvSoundPage
{
  AdwPreferencesPage parent_instance;

  /* owned */
  GSettings         *settings;
  ZvAudioDevices    *devices;
  GPtrArray         *ids[N_ROWS];   /* char*: the id of each row item; "" for the default */
  gboolean           filling;       /* setting a row from the list or the key, not from a click */

  /* borrowed: template children */
  AdwComboRow       *rows[N_ROWS];
  GtkSwitch         *voice_processing_switch;
};

G_DEFINE_FINAL_TYPE (ZvSoundPage, zv_sound_page, ADW_TYPE_PREFERENCES_PAGE)

/* Selects the item of @row whose id the key holds; a device that is not connected shows as the
 * default (which is what calls will use). */
static void
select_from_key (ZvSoundPage *self,
                 guint        row)
{
  g_autofree char *id = g_settings_get_string (self->settings, row_info[row].key);
  guint position = 0;

  for (guint i = 0; i < self->ids[row]->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->ids[row], i), id) == 0)
      position = i;
  self->filling = TRUE;
  adw_combo_row_set_selected (self->rows[row], position);
  self->filling = FALSE;
}

/* @gone: the id of a device being removed (the monitor may still list it). */
static void
fill_row (ZvSoundPage *self,
          guint        row,
          const char  *gone)
{
  g_autoptr(GPtrArray) devices = zv_phone_list_sound_devices (self->devices, row_info[row].input);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  g_ptr_array_set_size (self->ids[row], 0);
  g_ptr_array_add (self->ids[row], g_strdup (""));
  gtk_string_list_append (names, _("System default"));
  for (guint i = 0; i < devices->len; i++)
    {
      g_autofree char *id = zv_audio_device_get_id (devices->pdata[i]);
      g_autofree char *name = gst_device_get_display_name (devices->pdata[i]);

      if (g_strcmp0 (id, gone) == 0)
        continue;
      gtk_string_list_append (names, name);
      g_ptr_array_add (self->ids[row], g_steal_pointer (&id));
    }
  self->filling = TRUE;
  adw_combo_row_set_model (self->rows[row], G_LIST_MODEL (names));
  self->filling = FALSE;
  select_from_key (self, row);
}

/* ---- the popover's items ----
 * libadwaita 1.2's own items cut each name at 20 characters: the Russian "System default"
 * showed as "Системное по умолч…", and a USB headset's name as its first two words. These take up
 * to 40 (a longer name still ends in "…" rather than widen the popover past the window). */

static void
item_check (AdwComboRow *row,
            GParamSpec  *pspec,
            GtkListItem *item)
{
  GtkWidget *box = gtk_list_item_get_child (item);

  gtk_widget_set_opacity (gtk_widget_get_last_child (box),
                          gtk_list_item_get_position (item) == adw_combo_row_get_selected (row) ? 1.0 : 0.0);
}

static void
item_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               AdwComboRow              *row)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *check = g_object_new (GTK_TYPE_IMAGE,
                                   "icon-name", "object-select-symbolic",
                                   "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                   NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_label_set_width_chars (GTK_LABEL (label), 1);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), check);
  gtk_list_item_set_child (item, box);
}

static void
item_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              AdwComboRow              *row)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkStringObject *name = gtk_list_item_get_item (item);
  gulong handler;

  gtk_label_set_label (GTK_LABEL (gtk_widget_get_first_child (box)), gtk_string_object_get_string (name));
  /* The check follows the choice while the popover stays built between openings. */
  handler = g_signal_connect_object (row, "notify::selected", G_CALLBACK (item_check), item, 0);
  g_object_set_data (G_OBJECT (item), "zv-selected-handler", GSIZE_TO_POINTER (handler));
  item_check (row, NULL, item);
}

static void
item_unbind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                AdwComboRow              *row)
{
  gulong handler = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (item), "zv-selected-handler"));

  g_clear_signal_handler (&handler, row);
  g_object_set_data (G_OBJECT (item), "zv-selected-handler", NULL);
}

static void
set_list_factory (AdwComboRow *row)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (item_setup_cb), row);
  g_signal_connect (factory, "bind", G_CALLBACK (item_bind_cb), row);
  g_signal_connect (factory, "unbind", G_CALLBACK (item_unbind_cb), row);
  adw_combo_row_set_list_factory (row, factory);
}

static void
fill_all (ZvSoundPage *self,
          const char  *gone)
{
  for (guint row = 0; row < N_ROWS; row++)
    fill_row (self, row, gone);
}

static void
show_toast (ZvSoundPage *self,
            const char  *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (text));
}

static void
device_added_cb (ZvSoundPage *self,
                 GstDevice   *device)
{
  fill_all (self, NULL);
}

static void
device_removed_cb (ZvSoundPage *self,
                   GstDevice   *device)
{
  g_autofree char *id = zv_audio_device_get_id (device);
  g_autofree char *name = gst_device_get_display_name (device);

  for (guint row = 0; row < N_ROWS; row++)
    {
      g_autofree char *chosen = g_settings_get_string (self->settings, row_info[row].key);

      if (*chosen == '\0' || g_strcmp0 (chosen, id) != 0 || !g_settings_is_writable (self->settings, row_info[row].key))
        continue;
      g_settings_reset (self->settings, row_info[row].key);
      {
        /* Translators: %s is a sound device's name, e.g. "USB Headset". */
        g_autofree char *text = g_strdup_printf (_("“%s” was disconnected: using the system default"), name);

        show_toast (self, text);
      }
    }
  fill_all (self, id);
}

static void
selected_cb (AdwComboRow *combo,
             GParamSpec  *pspec,
             ZvSoundPage *self)
{
  guint selected = adw_combo_row_get_selected (combo);

  if (self->filling)
    return;
  for (guint row = 0; row < N_ROWS; row++)
    if (self->rows[row] == combo && selected < self->ids[row]->len)
      g_settings_set_string (self->settings, row_info[row].key, g_ptr_array_index (self->ids[row], selected));
}

static void
key_changed_cb (GSettings   *settings,
                const char  *key,
                ZvSoundPage *self)
{
  for (guint row = 0; row < N_ROWS; row++)
    if (g_str_equal (key, row_info[row].key))
      select_from_key (self, row);
}

static void
zv_sound_page_dispose (GObject *object)
{
  ZvSoundPage *self = ZV_SOUND_PAGE (object);

  if (self->devices != NULL)
    g_signal_handlers_disconnect_by_data (self->devices, self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->devices);
  g_clear_object (&self->settings);
  for (guint row = 0; row < N_ROWS; row++)
    g_clear_pointer (&self->ids[row], g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), ZV_TYPE_SOUND_PAGE);

  G_OBJECT_CLASS (zv_sound_page_parent_class)->dispose (object);
}

static void
zv_sound_page_class_init (ZvSoundPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zv_sound_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-sound-page.ui");
  gtk_widget_class_bind_template_child_full (widget_class, "microphone_row", FALSE,
                                             G_STRUCT_OFFSET (ZvSoundPage, rows[ROW_MICROPHONE]));
  gtk_widget_class_bind_template_child_full (widget_class, "speaker_row", FALSE,
                                             G_STRUCT_OFFSET (ZvSoundPage, rows[ROW_SPEAKER]));
  gtk_widget_class_bind_template_child_full (widget_class, "ringer_row", FALSE,
                                             G_STRUCT_OFFSET (ZvSoundPage, rows[ROW_RINGER]));
  gtk_widget_class_bind_template_child (widget_class, ZvSoundPage, voice_processing_switch);
}

static void
zv_sound_page_init (ZvSoundPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  for (guint row = 0; row < N_ROWS; row++)
    {
      self->ids[row] = g_ptr_array_new_with_free_func (g_free);
      set_list_factory (self->rows[row]);
    }
}

/**
 * zv_sound_page_new:
 * @settings: the application's settings
 *
 * Returns: (transfer floating): the page, watching the system's sound devices.
 */
ZvSoundPage *
zv_sound_page_new (GSettings *settings)
{
  ZvSoundPage *self;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (ZV_TYPE_SOUND_PAGE, NULL);
  self->settings = g_object_ref (settings);
  self->devices = zv_audio_devices_new ();
  /* Without a sound server the lists hold only "System default": calls then go without sound. */
  if (!zv_audio_devices_start (self->devices, &error))
    g_debug ("sound page: %s", error->message);
  g_signal_connect_object (self->devices, "device-added", G_CALLBACK (device_added_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->devices, "device-removed", G_CALLBACK (device_removed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed", G_CALLBACK (key_changed_cb), self, 0);
  fill_all (self, NULL);
  for (guint row = 0; row < N_ROWS; row++)
    {
      g_signal_connect_object (self->rows[row], "notify::selected", G_CALLBACK (selected_cb), self, 0);
      g_settings_bind_writable (settings, row_info[row].key, self->rows[row], "sensitive", FALSE);
    }
  g_settings_bind (settings, "voice-processing", self->voice_processing_switch, "active", G_SETTINGS_BIND_DEFAULT);
  return self;
}
