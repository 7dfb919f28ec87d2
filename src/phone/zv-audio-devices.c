/* zv-audio-devices.c: microphones and speakers through GstDeviceMonitor.
 *
 * The monitor watches Audio/Source and Audio/Sink devices; its bus reports devices appearing and
 * going (a headset plugged in or out) on the main loop, which we pass on as ::device-added and
 * ::device-removed. The default device is the one whose properties say "is-default" (PulseAudio
 * and PipeWire set it), else the first listed. Devices are named by a stable id: the sound
 * server's name for it (PulseAudio's sink or source name, PipeWire's node name), else the display
 * name. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "zv-audio-devices.h"
#include "zv-sip-account.h"

struct _ZvAudioDevices
{
  GObject           parent_instance;

  GstDeviceMonitor *monitor;
  guint             bus_watch;
};

G_DEFINE_FINAL_TYPE (ZvAudioDevices, zv_audio_devices, G_TYPE_OBJECT)

enum {
  SIGNAL_DEVICE_ADDED,
  SIGNAL_DEVICE_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
zv_audio_devices_dispose (GObject *object)
{
  ZvAudioDevices *self = ZV_AUDIO_DEVICES (object);

  if (self->monitor != NULL)
    gst_device_monitor_stop (self->monitor);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  g_clear_object (&self->monitor);
  G_OBJECT_CLASS (zv_audio_devices_parent_class)->dispose (object);
}

static void
zv_audio_devices_class_init (ZvAudioDevicesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zv_audio_devices_dispose;

  /* ZvAudioDevices::device-added (GstDevice *device): plugged in (or the sound server made it). */
  signals[SIGNAL_DEVICE_ADDED] =
    g_signal_new ("device-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, GST_TYPE_DEVICE);
  /* ZvAudioDevices::device-removed (GstDevice *device): gone; a call using it must switch. */
  signals[SIGNAL_DEVICE_REMOVED] =
    g_signal_new ("device-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, GST_TYPE_DEVICE);
}

static void
zv_audio_devices_init (ZvAudioDevices *self)
{
}

ZvAudioDevices *
zv_audio_devices_new (void)
{
  return g_object_new (ZV_TYPE_AUDIO_DEVICES, NULL);
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  ZvAudioDevices *self = user_data;
  g_autoptr(GstDevice) device = NULL;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_DEVICE_ADDED:
      gst_message_parse_device_added (message, &device);
      g_signal_emit (self, signals[SIGNAL_DEVICE_ADDED], 0, device);
      break;
    case GST_MESSAGE_DEVICE_REMOVED:
      gst_message_parse_device_removed (message, &device);
      g_signal_emit (self, signals[SIGNAL_DEVICE_REMOVED], 0, device);
      break;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

/* Starts watching; the lists are filled from then on. */
gboolean
zv_audio_devices_start (ZvAudioDevices  *self,
                        GError         **error)
{
  g_autoptr(GstBus) bus = NULL;

  g_return_val_if_fail (ZV_IS_AUDIO_DEVICES (self), FALSE);

  if (self->monitor != NULL)
    return TRUE;
  if (!gst_is_initialized ())
    gst_init (NULL, NULL);
  self->monitor = gst_device_monitor_new ();
  gst_device_monitor_add_filter (self->monitor, "Audio/Source", NULL);
  gst_device_monitor_add_filter (self->monitor, "Audio/Sink", NULL);
  bus = gst_device_monitor_get_bus (self->monitor);
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);
  if (!gst_device_monitor_start (self->monitor))
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("The list of sound devices is not available."));
      return FALSE;
    }
  return TRUE;
}

static GPtrArray *
list_class (ZvAudioDevices *self,
            const char     *device_class)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (gst_object_unref);
  GList *devices = self->monitor != NULL ? gst_device_monitor_get_devices (self->monitor) : NULL;

  for (GList *l = devices; l != NULL; l = l->next)
    if (gst_device_has_classes (l->data, device_class))
      g_ptr_array_add (out, gst_object_ref (l->data));
  g_list_free_full (devices, gst_object_unref);
  return out;
}

/* Returns: (transfer container): the microphones (GstDevice). */
GPtrArray *
zv_audio_devices_list_inputs (ZvAudioDevices *self)
{
  return list_class (self, "Audio/Source");
}

/* Returns: (transfer container): the speakers and headphones (GstDevice). */
GPtrArray *
zv_audio_devices_list_outputs (ZvAudioDevices *self)
{
  return list_class (self, "Audio/Sink");
}

static GstDevice *
default_of (GPtrArray *devices)
{
  for (guint i = 0; i < devices->len; i++)
    {
      g_autoptr(GstStructure) props = gst_device_get_properties (devices->pdata[i]);
      gboolean is_default = FALSE;

      if (props != NULL && gst_structure_get_boolean (props, "is-default", &is_default) && is_default)
        return gst_object_ref (devices->pdata[i]);
    }
  return devices->len > 0 ? gst_object_ref (devices->pdata[0]) : NULL;
}

/* Returns: (transfer full) (nullable): the system's default microphone. */
GstDevice *
zv_audio_devices_get_default_input (ZvAudioDevices *self)
{
  g_autoptr(GPtrArray) inputs = zv_audio_devices_list_inputs (self);

  return default_of (inputs);
}

/* Returns: (transfer full) (nullable): the system's default speaker. */
GstDevice *
zv_audio_devices_get_default_output (ZvAudioDevices *self)
{
  g_autoptr(GPtrArray) outputs = zv_audio_devices_list_outputs (self);

  return default_of (outputs);
}

/* Returns: (transfer full): the stable id of @device (what settings store). */
char *
zv_audio_device_get_id (GstDevice *device)
{
  g_autoptr(GstStructure) props = gst_device_get_properties (device);
  const char *keys[] = { "node.name", "device.name", "udev.id" };

  /* PulseAudio's devices keep their sink or source name out of the properties. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (device), "internal-name") != NULL)
    {
      char *name = NULL;

      g_object_get (device, "internal-name", &name, NULL);
      if (name != NULL)
        return name;
    }
  for (guint i = 0; props != NULL && i < G_N_ELEMENTS (keys); i++)
    if (gst_structure_get_string (props, keys[i]) != NULL)
      return g_strdup (gst_structure_get_string (props, keys[i]));
  return gst_device_get_display_name (device);
}

/* Returns: (transfer full) (nullable): the input or output device with that id. */
GstDevice *
zv_audio_devices_find (ZvAudioDevices *self,
                       const char     *name)
{
  GList *devices = self->monitor != NULL ? gst_device_monitor_get_devices (self->monitor) : NULL;
  GstDevice *found = NULL;

  for (GList *l = devices; l != NULL && found == NULL; l = l->next)
    {
      g_autofree char *id = zv_audio_device_get_id (l->data);

      if (g_strcmp0 (id, name) == 0)
        found = gst_object_ref (l->data);
    }
  g_list_free_full (devices, gst_object_unref);
  return found;
}
