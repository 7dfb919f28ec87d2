/* zv-ringtone.c: ZvRingtone.
 *
 * A two-tone ring (440 + 480 Hz, the North American ring's pair, pleasant on laptop speakers) made
 * by two audiotestsrc into an audiomixer, cadenced 1 s on / 2 s off by muting a volume element from
 * a timer, to the ringing device chosen in Preferences (zv_ringtone_set_device()), else the default
 * audio output (autoaudiosink; ZVENO_RINGTONE_SINK names another sink, e.g. "fakesink" in tests). A machine without sound just stays silent: a failing sink is logged for
 * developers, never shown to the user, since the notification and the banner already ring visibly.
 *
 * During a call a second caller gets the call-waiting tone instead: one quiet 440 Hz beep of
 * 300 ms every 3 s (the ITU-T E.180 call-waiting pattern's spirit), on the same ringing device,
 * quiet so it does not drown the conversation the way the full ring would.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <gst/gst.h>

#include "zv-ringtone.h"

#define RING_ON_MS  1000
#define RING_OFF_MS 2000
#define WAIT_ON_MS  300
#define WAIT_OFF_MS 3000

struct _ZvRingtone
{
  GObject     parent_instance;

  /* owned */
  GstElement *pipeline;
  GstDevice  *device;        /* NULL: the default output */

  /* borrowed: inside the pipeline */
  GstElement *volume;
  GstElement *second_tone;   /* the 480 Hz half of the ring, silent for the waiting tone */

  guint       cadence_id;
  guint       bus_watch_id;
  gboolean    ringing_phase;
  gboolean    waiting;       /* the call-waiting beep rather than the ring */
};

G_DEFINE_FINAL_TYPE (ZvRingtone, zv_ringtone, G_TYPE_OBJECT)

static gboolean
cadence_cb (gpointer user_data)
{
  ZvRingtone *self = user_data;

  self->ringing_phase = !self->ringing_phase;
  g_object_set (self->volume, "mute", !self->ringing_phase, NULL);
  if (self->waiting)
    self->cadence_id = g_timeout_add (self->ringing_phase ? WAIT_ON_MS : WAIT_OFF_MS, cadence_cb, self);
  else
    self->cadence_id = g_timeout_add (self->ringing_phase ? RING_ON_MS : RING_OFF_MS, cadence_cb, self);
  return G_SOURCE_REMOVE;
}

static gboolean
bus_cb (GstBus     *bus,
        GstMessage *message,
        gpointer    user_data)
{
  ZvRingtone *self = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) error = NULL;

      gst_message_parse_error (message, &error, NULL);
      g_debug ("ringtone: no sound: %s", error->message);
      zv_ringtone_stop (self);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
build (ZvRingtone *self)
{
  const char *sink = g_getenv ("ZVENO_RINGTONE_SINK");
  gboolean use_device = self->device != NULL && (sink == NULL || *sink == '\0');
  g_autofree char *description = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GstBus) bus = NULL;

  /* Only when it first rings: an app that never rings never starts GStreamer. */
  if (!gst_is_initialized ())
    gst_init (NULL, NULL);
  description = g_strdup_printf ("audiomixer name=mix ! volume name=ring volume=0.5 ! audioconvert ! audioresample name=tail %s%s "
                                 "audiotestsrc is-live=true freq=440 volume=0.25 ! mix. "
                                 "audiotestsrc name=second is-live=true freq=480 volume=0.25 ! mix.",
                                 use_device ? "" : "! ",
                                 use_device ? "" : sink != NULL && *sink != '\0' ? sink : "autoaudiosink");
  self->pipeline = gst_parse_launch (description, &error);
  if (self->pipeline == NULL)
    {
      g_debug ("ringtone: cannot build the pipeline: %s", error->message);
      return FALSE;
    }
  if (use_device)
    {
      GstElement *output = gst_device_create_element (self->device, NULL);
      g_autoptr(GstElement) tail = gst_bin_get_by_name (GST_BIN (self->pipeline), "tail");

      if (output == NULL || !gst_bin_add (GST_BIN (self->pipeline), output) || !gst_element_link (tail, output))
        {
          g_debug ("ringtone: the ringing device cannot be opened");
          g_clear_pointer (&self->pipeline, gst_object_unref);
          return FALSE;
        }
    }
  self->volume = gst_bin_get_by_name (GST_BIN (self->pipeline), "ring");
  self->second_tone = gst_bin_get_by_name (GST_BIN (self->pipeline), "second");
  /* The bin holds them; we only borrow them. */
  gst_object_unref (self->volume);
  gst_object_unref (self->second_tone);
  bus = gst_element_get_bus (self->pipeline);
  self->bus_watch_id = gst_bus_add_watch (bus, bus_cb, self);
  return TRUE;
}

/* From the start of the cadence; does nothing while the same tone plays. */
static void
start (ZvRingtone *self,
       gboolean    waiting)
{
  if (self->cadence_id != 0 && self->waiting == waiting)
    return;
  zv_ringtone_stop (self);
  if (self->pipeline == NULL && !build (self))
    return;
  self->waiting = waiting;
  self->ringing_phase = TRUE;
  g_object_set (self->second_tone, "volume", waiting ? 0.0 : 0.25, NULL);
  g_object_set (self->volume, "mute", FALSE, "volume", waiting ? 0.2 : 0.5, NULL);
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_debug ("ringtone: the audio output did not start");
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      return;
    }
  self->cadence_id = g_timeout_add (waiting ? WAIT_ON_MS : RING_ON_MS, cadence_cb, self);
}

/**
 * zv_ringtone_set_device:
 * @device: (nullable): an Audio/Sink device (ZvAudioDevices); %NULL: the default output
 *
 * Where to ring from the next ring on.
 */
void
zv_ringtone_set_device (ZvRingtone *self,
                        GstDevice  *device)
{
  g_return_if_fail (ZV_IS_RINGTONE (self));

  if (self->device == device)
    return;
  /* A ring in progress goes on where it started; the next one is built for the new device. */
  if (self->cadence_id == 0)
    {
      g_clear_handle_id (&self->bus_watch_id, g_source_remove);
      self->volume = NULL;
      self->second_tone = NULL;
      if (self->pipeline != NULL)
        {
          gst_element_set_state (self->pipeline, GST_STATE_NULL);
          g_clear_pointer (&self->pipeline, gst_object_unref);
        }
    }
  g_set_object (&self->device, device);
}

/**
 * zv_ringtone_play:
 *
 * Starts ringing (again) from the start of the cadence; does nothing while it rings.
 */
void
zv_ringtone_play (ZvRingtone *self)
{
  g_return_if_fail (ZV_IS_RINGTONE (self));
  start (self, FALSE);
}

/**
 * zv_ringtone_play_waiting:
 *
 * The call-waiting tone (a short beep every few seconds) instead of the ring.
 */
void
zv_ringtone_play_waiting (ZvRingtone *self)
{
  g_return_if_fail (ZV_IS_RINGTONE (self));
  start (self, TRUE);
}

gboolean
zv_ringtone_is_waiting_tone (ZvRingtone *self)
{
  g_return_val_if_fail (ZV_IS_RINGTONE (self), FALSE);
  return self->cadence_id != 0 && self->waiting;
}

void
zv_ringtone_stop (ZvRingtone *self)
{
  g_return_if_fail (ZV_IS_RINGTONE (self));

  g_clear_handle_id (&self->cadence_id, g_source_remove);
  if (self->pipeline != NULL)
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
}

gboolean
zv_ringtone_is_playing (ZvRingtone *self)
{
  g_return_val_if_fail (ZV_IS_RINGTONE (self), FALSE);
  return self->cadence_id != 0;
}

static void
zv_ringtone_dispose (GObject *object)
{
  ZvRingtone *self = ZV_RINGTONE (object);

  zv_ringtone_stop (self);
  g_clear_handle_id (&self->bus_watch_id, g_source_remove);
  self->volume = NULL;
  self->second_tone = NULL;
  if (self->pipeline != NULL)
    gst_object_unref (self->pipeline);
  self->pipeline = NULL;
  g_clear_object (&self->device);

  G_OBJECT_CLASS (zv_ringtone_parent_class)->dispose (object);
}

static void
zv_ringtone_class_init (ZvRingtoneClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = zv_ringtone_dispose;
}

static void
zv_ringtone_init (ZvRingtone *self)
{
}

ZvRingtone *
zv_ringtone_new (void)
{
  return g_object_new (ZV_TYPE_RINGTONE, NULL);
}
