/* zv-phone-devices.c: ZvPhone's sound: which microphone, speaker and ringing device calls use.
 *
 * The user's choice lives in GSettings (Preferences → Sound; "" is the system default). Every call
 * gets it before it starts or is answered, with voice processing (webrtcdsp) as the switch says;
 * a chosen device that is not connected falls back to the default, and a machine with no sound
 * device at all still calls (without sound) rather than fail. A change of the settings during a
 * call switches the running call; so does the in-call menu (zv_call_set_*_device() directly). When a
 * device in use is unplugged the calls on it move to the system default and ::audio-device-lost
 * says so.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-phone-private.h"

static gboolean
is_monitor (GstDevice *device)
{
  g_autoptr(GstStructure) props = gst_device_get_properties (device);
  const char *klass = props != NULL ? gst_structure_get_string (props, "device.class") : NULL;

  return g_strcmp0 (klass, "monitor") == 0;
}

/**
 * zv_phone_list_sound_devices:
 * @inputs: microphones rather than speakers
 *
 * What a user may pick: PulseAudio's monitors of its outputs are left out (they record what the
 * speaker plays, never a voice).
 *
 * Returns: (transfer container): GstDevices
 */
GPtrArray *
zv_phone_list_sound_devices (ZvAudioDevices *devices,
                             gboolean        inputs)
{
  g_autoptr(GPtrArray) all = inputs ? zv_audio_devices_list_inputs (devices) : zv_audio_devices_list_outputs (devices);
  GPtrArray *out = g_ptr_array_new_with_free_func (gst_object_unref);

  for (guint i = 0; i < all->len; i++)
    if (!is_monitor (all->pdata[i]))
      g_ptr_array_add (out, gst_object_ref (all->pdata[i]));
  return out;
}

static char *
chosen (ZvPhone    *self,
        const char *key)
{
  g_autofree char *id = g_settings_get_string (self->settings, key);

  return *id != '\0' ? g_steal_pointer (&id) : NULL;
}

/* The chosen device, else the default; FALSE when there is no device of the kind at all. */
static gboolean
set_device (ZvPhone    *self,
            ZvCall     *call,
            gboolean    input,
            const char *id)
{
  g_autoptr(GError) error = NULL;
  gboolean (*set) (ZvCall *, ZvAudioDevices *, const char *, GError **) =
    input ? zv_call_set_input_device : zv_call_set_output_device;

  if (set (call, self->devices, id, &error))
    return TRUE;
  g_debug ("phone: %s", error->message);
  g_clear_error (&error);
  if (id != NULL && set (call, self->devices, NULL, &error))
    return TRUE;
  if (error != NULL)
    g_debug ("phone: %s", error->message);
  return FALSE;
}

/* Before zv_call_start() or zv_call_answer(). */
void
zv_phone_apply_sound (ZvPhone *self,
                      ZvCall  *call)
{
  g_autofree char *microphone = chosen (self, "microphone");
  g_autofree char *speaker = chosen (self, "speaker");

  zv_phone_get_audio_devices (self);
  zv_call_set_dsp (call, g_settings_get_boolean (self->settings, "voice-processing"));
  set_device (self, call, TRUE, microphone);
  set_device (self, call, FALSE, speaker);
}

/* Preferences changed during a call: the running calls follow. */
static void
settings_changed_cb (GSettings  *settings,
                     const char *key,
                     ZvPhone    *self)
{
  gboolean input = g_str_equal (key, "microphone");
  ZvCall *calls[] = { self->call, self->held };

  if (!input && !g_str_equal (key, "speaker"))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_autofree char *id = chosen (self, key);
      g_autofree char *current = NULL;

      if (calls[i] == NULL || zv_call_get_state (calls[i]) == ZV_CALL_STATE_ENDED)
        continue;
      current = input ? zv_call_dup_input_device_id (calls[i]) : zv_call_dup_output_device_id (calls[i]);
      /* A call without a device (no sound server when it started) stays without. */
      if (current != NULL && g_strcmp0 (current, id) != 0)
        set_device (self, calls[i], input, id);
    }
}

static void
device_removed_cb (ZvAudioDevices *devices,
                   GstDevice      *device,
                   ZvPhone        *self)
{
  g_autofree char *id = zv_audio_device_get_id (device);
  g_autofree char *name = gst_device_get_display_name (device);
  ZvCall *calls[] = { self->call, self->held };
  gboolean lost = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_autofree char *input = NULL;
      g_autofree char *output = NULL;

      if (calls[i] == NULL || zv_call_get_state (calls[i]) == ZV_CALL_STATE_ENDED)
        continue;
      input = zv_call_dup_input_device_id (calls[i]);
      output = zv_call_dup_output_device_id (calls[i]);
      if (g_strcmp0 (input, id) == 0)
        {
          set_device (self, calls[i], TRUE, NULL);
          lost = TRUE;
        }
      if (g_strcmp0 (output, id) == 0)
        {
          set_device (self, calls[i], FALSE, NULL);
          lost = TRUE;
        }
    }
  if (lost)
    {
      /* Translators: %s is a sound device's name, e.g. "USB Headset". */
      g_autofree char *message = g_strdup_printf (_("“%s” was disconnected: the call goes on with the system default"), name);

      zv_phone_emit_audio_device_lost (self, message);
    }
}

/**
 * zv_phone_get_audio_devices:
 *
 * Returns: (transfer none): the sound devices, watched from the first call on
 */
ZvAudioDevices *
zv_phone_get_audio_devices (ZvPhone *self)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (ZV_IS_PHONE (self), NULL);

  if (self->devices != NULL)
    return self->devices;
  self->devices = zv_audio_devices_new ();
  /* No sound server: the lists stay empty and calls go without sound devices. */
  if (!zv_audio_devices_start (self->devices, &error))
    g_debug ("phone: %s", error->message);
  g_signal_connect_object (self->devices, "device-removed", G_CALLBACK (device_removed_cb), self, 0);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self, 0);
  return self->devices;
}

/**
 * zv_phone_dup_ringing_device:
 *
 * Returns: (transfer full) (nullable): the device to ring on; %NULL: the system default
 */
GstDevice *
zv_phone_dup_ringing_device (ZvPhone *self)
{
  g_autofree char *id = NULL;
  GstDevice *device;

  g_return_val_if_fail (ZV_IS_PHONE (self), NULL);

  id = chosen (self, "ringing-device");
  if (id == NULL)
    return NULL;
  device = zv_audio_devices_find (zv_phone_get_audio_devices (self), id);
  if (device != NULL && gst_device_has_classes (device, "Audio/Sink"))
    return device;
  g_clear_object (&device);
  return NULL;
}
