/* zv-media-dtmf.c: DTMF in a media session's audio (RFC 4733): telephone-events read out of the
 * received RTP before rtpbin, and sent through rtpdtmfsrc and rtpdtmfmux one digit at a time. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "zv-dtmf.h"
#include "zv-media-session-private.h"
#include "zv-sip-account.h"

typedef struct {
  ZvMediaSession *self;
  char            digit[2];
} DtmfReceived;

static gboolean
emit_dtmf_received (gpointer user_data)
{
  DtmfReceived *received = user_data;

  zv_media_session_emit_dtmf (received->self, received->digit);
  return G_SOURCE_REMOVE;
}

static void
dtmf_received_free (gpointer user_data)
{
  DtmfReceived *received = user_data;

  g_object_unref (received->self);
  g_free (received);
}

/* Streaming thread, before rtpbin: telephone-events are taken out of the stream here, since the
 * jitter buffer would see their 8000 Hz clock as a clock change of an Opus stream and reset. The
 * cost: rtpbin counts their sequence numbers as lost (a few packets per digit). */
GstPadProbeReturn
zv_media_session_take_dtmf (GstPad          *pad,
                            GstPadProbeInfo *info,
                            gpointer         user_data)
{
  ZvMediaSession *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  guint32 timestamp = 0;
  guint event = 0;
  gboolean end = FALSE;
  gboolean is_dtmf;

  if (self->dtmf_pt < 0 || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  is_dtmf = zv_dtmf_parse_rtp (map.data, map.size, (guint) self->dtmf_pt, &timestamp, &event, &end);
  gst_buffer_unmap (buffer, &map);
  if (!is_dtmf)
    return GST_PAD_PROBE_OK;
  /* Every packet of one event carries the event's start time; the start and the end are sent
   * three times. The first packet of a new timestamp is the digit. */
  if ((!self->dtmf_seen || timestamp != self->dtmf_last_ts) && zv_dtmf_digit_from_event (event) != '\0')
    {
      DtmfReceived *received = g_new0 (DtmfReceived, 1);

      self->dtmf_seen = TRUE;
      self->dtmf_last_ts = timestamp;
      received->self = g_object_ref (self);
      received->digit[0] = zv_dtmf_digit_from_event (event);
      g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_dtmf_received, received,
                                  dtmf_received_free);
    }
  return GST_PAD_PROBE_DROP;
}

gboolean
zv_media_session_can_send_dtmf (ZvMediaSession *self)
{
  return self->dtmf_src != NULL;
}

static void
dtmf_event (ZvMediaSession *self,
            int             event,
            gboolean        start)
{
  GstStructure *structure = gst_structure_new ("dtmf-event", "type", G_TYPE_INT, 1, "start", G_TYPE_BOOLEAN, start,
                                               NULL);
  g_autoptr(GstPad) pad = gst_element_get_static_pad (self->dtmf_src, "src");

  if (start)
    gst_structure_set (structure, "number", G_TYPE_INT, event, "volume", G_TYPE_INT, 10, NULL);
  /* Into the source pad, as if from downstream: GstBaseSrc's send_event() ignores custom events. */
  gst_pad_send_event (pad, gst_event_new_custom (GST_EVENT_CUSTOM_UPSTREAM, structure));
}

static gboolean dtmf_step (gpointer user_data);

static void
schedule_dtmf_step (ZvMediaSession *self,
                    guint           delay_ms)
{
  g_autoptr(GSource) source = g_timeout_source_new (delay_ms);

  if (self->dtmf_source != NULL)
    g_source_unref (self->dtmf_source);
  g_source_set_callback (source, dtmf_step, self, NULL);
  g_source_set_name (source, "[zveno] DTMF");
  g_source_attach (source, self->context);
  self->dtmf_source = g_steal_pointer (&source);
}

/* Main loop: one digit at a time, a tone then a pause, so digits never overlap or merge. */
static gboolean
dtmf_step (gpointer user_data)
{
  ZvMediaSession *self = user_data;

  if (self->dtmf_src == NULL)
    return G_SOURCE_REMOVE;
  if (self->dtmf_tone_on)
    {
      dtmf_event (self, 0, FALSE);
      self->dtmf_tone_on = FALSE;
      schedule_dtmf_step (self, ZV_DTMF_GAP_MS);
    }
  else if (self->dtmf_queue->len > 0)
    {
      dtmf_event (self, zv_dtmf_event_from_digit (self->dtmf_queue->str[0]), TRUE);
      g_string_erase (self->dtmf_queue, 0, 1);
      self->dtmf_tone_on = TRUE;
      schedule_dtmf_step (self, ZV_DTMF_TONE_MS);
    }
  else
    g_clear_pointer (&self->dtmf_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

/**
 * zv_media_session_send_dtmf:
 * @digits: 0-9, *, #, A-D
 *
 * Sends @digits as RFC 4733 telephone-events, one after the other, after any still being sent.
 * Fails when the far end offered no telephone-event (send them by SIP INFO then).
 */
gboolean
zv_media_session_send_dtmf (ZvMediaSession  *self,
                            const char      *digits,
                            GError         **error)
{
  g_return_val_if_fail (ZV_IS_MEDIA_SESSION (self), FALSE);

  if (!zv_dtmf_check_digits (digits, error))
    return FALSE;
  if (self->dtmf_src == NULL)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE,
                           _("The other side takes no DTMF in its audio."));
      return FALSE;
    }
  g_string_append (self->dtmf_queue, digits);
  if (self->dtmf_source == NULL)
    schedule_dtmf_step (self, 0);
  return TRUE;
}

/* Whether digits are still waiting or sounding. */
gboolean
zv_media_session_is_sending_dtmf (ZvMediaSession *self)
{
  return self->dtmf_source != NULL;
}
