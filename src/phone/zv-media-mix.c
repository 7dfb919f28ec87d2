/* zv-media-mix.c: a media session's part in a local conference (ZvConference): what one call
 * receives is also sent on another.
 *
 * Each session is its own pipeline, with its own codec. What a session hears is taken as it enters
 * its tee (a pad probe, in the decoder's own format) and enters the other session's pipeline through
 * an appsrc, which feeds an audiomixer put between that session's source and its encoder:
 *
 *   A: rtpbin -> decoder -> valve -> (probe) tee -> ...   ~~>  B: appsrc -> audiomixer -> encoder -> rtpbin
 *                                                                 B's source ----^
 *
 * Like the echo, the link between the two is a hand-over of buffers, never pads: no graph loop
 * through an rtpbin, and each pipeline keeps its own clock and latency. The receiving side is not
 * rewired at all: a branch linked to the running tee instead (queue ! convert ! appsink) now and
 * then never got a buffer for a whole conference (1 scenario in ~25 of
 * tests/integration/test-phone-conference.py, the appsink's callback never called), and a probe
 * has nothing to negotiate or start. The mixer joins a running pipeline once, on an idle source
 * pad, and stays after the conference ends (with one input it only passes the source through), so
 * merging again needs no relinking. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include "zv-media-session-private.h"
#include "zv-sip-account.h"

/* How late either input may reach the mixer. Both are paced by a clock (the other call's audio
 * comes out of its jitter buffer in real time, our own source runs in real time), so this only
 * covers threads scheduled late: on a loaded machine (two cores, a load average of 10-15 from
 * other tests) 20 ms missed the deadline many times a call. Each miss is a gap the mixer fills
 * with silence, then a late buffer it drops, and the far end hears the other party chopped
 * (GST_DEBUG=audioaggregator:5: 5-13 "Timeout, missing" in 6 s merged, the other party's tone
 * down to 0.09 of the power). 60 ms still missed now and then; 100 ms with mix_sample()'s
 * timestamps: 0-3 a run, none heard. It only delays the conference. */
#define MIX_LATENCY_NS (100 * GST_MSECOND)

/* How far the other call's audio may fall behind the receiving pipeline's clock, or run ahead of
 * it, before its timestamps are set to the clock again (see mix_sample()). Behind: half the
 * mixer's latency, so a buffer kept on the old timeline still makes the deadline. Ahead: a burst
 * after a stall, or two far ends' clocks drifting apart, bounded by what the appsrc queues. */
#define MIX_BEHIND_NS (MIX_LATENCY_NS / 2)
#define MIX_AHEAD_NS (150 * GST_MSECOND)

/* The receiving streaming thread of the session that hears (a probe on its tee's sink pad): each
 * decoded buffer to the session that sends, and the format they come in.
 *
 * The timestamps belong to this pipeline's clock, so the buffer gets new ones in the other
 * pipeline's running time. Not the moment of the push (appsrc do-timestamp): buffers come out of
 * the jitter buffer a few at a time when the machine is busy, and push times that bunch up and
 * spread out make the mixer see overlaps and holes, where it drops or pads and the tone jumps in
 * phase. So each buffer follows the previous one sample for sample, and the timeline is only set
 * back to the clock when the audio really stopped for a while or piles up ahead of it. */
static GstPadProbeReturn
mix_buffer (GstPad          *pad,
            GstPadProbeInfo *info,
            gpointer         user_data)
{
  ZvMediaSession *self = user_data;
  g_autoptr(GstElement) target = NULL;
  g_autoptr(GstCaps) caps = NULL;
  GstBuffer *buffer;
  GstClockTime now, pts, duration;
  gboolean valid;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM)
    {
      GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
      GstCaps *format;

      if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
        return GST_PAD_PROBE_OK;
      gst_event_parse_caps (event, &format);
      g_mutex_lock (&self->lock);
      gst_caps_replace (&self->mix_caps, format);
      if (!gst_audio_info_from_caps (&self->mix_info, format))
        gst_audio_info_init (&self->mix_info);
      g_mutex_unlock (&self->lock);
      return GST_PAD_PROBE_OK;
    }
  buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  g_mutex_lock (&self->lock);
  valid = self->mix_target != NULL && self->mix_caps != NULL && GST_AUDIO_INFO_BPF (&self->mix_info) > 0
          && GST_AUDIO_INFO_RATE (&self->mix_info) > 0;
  if (!valid)
    {
      g_mutex_unlock (&self->lock);
      return GST_PAD_PROBE_OK;
    }
  target = gst_object_ref (self->mix_target);
  caps = gst_caps_ref (self->mix_caps);
  duration = gst_util_uint64_scale (gst_buffer_get_size (buffer) / GST_AUDIO_INFO_BPF (&self->mix_info),
                                    GST_SECOND, (guint64) GST_AUDIO_INFO_RATE (&self->mix_info));
  now = gst_element_get_current_running_time (target);
  pts = self->mix_next_pts;
  if (GST_CLOCK_TIME_IS_VALID (now)
      && (!GST_CLOCK_TIME_IS_VALID (pts) || pts + MIX_BEHIND_NS < now || pts > now + MIX_AHEAD_NS))
    {
      if (GST_CLOCK_TIME_IS_VALID (pts))
        self->mix_resyncs++;
      pts = now;
    }
  self->mix_next_pts = GST_CLOCK_TIME_IS_VALID (pts) ? pts + duration : GST_CLOCK_TIME_NONE;
  g_mutex_unlock (&self->lock);
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return GST_PAD_PROBE_OK;
  {
    g_autoptr(GstCaps) current = gst_app_src_get_caps (GST_APP_SRC (target));

    /* The other side's converters take whatever format this codec decodes to. */
    if (current == NULL || !gst_caps_is_equal (current, caps))
      gst_app_src_set_caps (GST_APP_SRC (target), caps);
  }
  /* A new buffer sharing the memory: this one goes on to our own tee unchanged. */
  buffer = gst_buffer_copy (buffer);
  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buffer) = duration;
  /* The other pipeline stopping (FLUSHING) is no reason for this one to. */
  gst_app_src_push_buffer (GST_APP_SRC (target), buffer);
  return GST_PAD_PROBE_OK;
}

/* Streaming (or main) thread, once the source pad is idle: source -> mixer -> encoding bin, and the
 * other call's audio into the mixer as well. */
static GstPadProbeReturn
insert_mixer (GstPad          *pad,
              GstPadProbeInfo *info,
              gpointer         user_data)
{
  ZvMediaSession *self = user_data;
  g_autoptr(GstPad) head = gst_element_get_static_pad (self->send_head, "sink");

  gst_element_sync_state_with_parent (self->mixer);
  if (gst_pad_is_linked (head))
    gst_pad_unlink (pad, head);
  if (!gst_element_link (self->send_source, self->mixer) || !gst_element_link (self->mixer, self->send_head))
    g_warning ("conference: cannot put the mixer in front of the encoder");
  if (self->mix_in != NULL && !gst_element_link (self->mix_in, self->mixer))
    g_warning ("conference: cannot link the other call's audio to the mixer");
  if (self->mix_in != NULL)
    gst_element_sync_state_with_parent (self->mix_in);
  return GST_PAD_PROBE_REMOVE;
}

/* The other call's audio into this session's sending half (an appsrc to the mixer); the mixer
 * itself the first time. */
static gboolean
build_mix_input (ZvMediaSession  *self,
                 GError         **error)
{
  g_autoptr(GstPad) source_pad = NULL;
  GstElement *bin;

  if (self->mix_in != NULL)
    return TRUE;
  if (self->pipeline == NULL || !self->sender_built || self->send_head == NULL || self->send_source == NULL)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("The call’s audio is not running."));
      return FALSE;
    }
  /* Its caps are those of the audio handed over (mix_buffer()). */
  bin = zv_media_parse_bin ("appsrc name=mixsrc is-live=true format=time ! audioconvert ! audioresample", error);
  if (bin == NULL)
    return FALSE;
  {
    g_autoptr(GstElement) appsrc = gst_bin_get_by_name (GST_BIN (bin), "mixsrc");

    /* At most 200 ms waiting; older audio goes first rather than the conference lagging. */
    g_object_set (appsrc, "max-time", (guint64) (200 * GST_MSECOND), NULL);
    gst_util_set_object_arg (G_OBJECT (appsrc), "leaky-type", "downstream");
    self->mix_in_src = appsrc;  /* borrowed: the bin, in the pipeline, holds it */
  }
  gst_bin_add (GST_BIN (self->pipeline), bin);
  self->mix_in = bin;
  if (self->mixer != NULL)
    {
      if (!gst_element_link (bin, self->mixer))
        {
          g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the conference."));
          return FALSE;
        }
      gst_element_sync_state_with_parent (bin);
      return TRUE;
    }
  self->mixer = zv_media_make ("audiomixer", error);
  if (self->mixer == NULL)
    return FALSE;
  /* "first": the mixer's output begins now, not at the pipeline's time zero (which it would
   * otherwise fill with silence as fast as it could). */
  g_object_set (self->mixer, "latency", (guint64) MIX_LATENCY_NS, NULL);
  gst_util_set_object_arg (G_OBJECT (self->mixer), "start-time-selection", "first");
  gst_bin_add (GST_BIN (self->pipeline), self->mixer);
  source_pad = gst_element_get_static_pad (self->send_source, "src");
  gst_pad_add_probe (source_pad, GST_PAD_PROBE_TYPE_IDLE, insert_mixer, self, NULL);
  return TRUE;
}

/* What this session hears, handed over as it enters the tee (mix_buffer()). */
static void
tap_mix_output (ZvMediaSession *self)
{
  g_autoptr(GstPad) pad = NULL;
  g_autoptr(GstCaps) caps = NULL;

  if (self->mix_probe != 0)
    return;
  pad = gst_element_get_static_pad (self->tee, "sink");
  /* The format went by already (a sticky event): the probe only sees later changes. */
  caps = gst_pad_get_current_caps (pad);
  g_mutex_lock (&self->lock);
  gst_caps_replace (&self->mix_caps, caps);
  if (caps == NULL || !gst_audio_info_from_caps (&self->mix_info, caps))
    gst_audio_info_init (&self->mix_info);
  g_mutex_unlock (&self->lock);
  self->mix_probe = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                                       mix_buffer, self, NULL);
}

/**
 * zv_media_session_mix_into:
 * @other: another running session (another call's)
 *
 * From now on what @self receives is also sent by @other, mixed with @other's own source. A
 * conference of two calls is this both ways (ZvConference). Both sessions must have started.
 */
gboolean
zv_media_session_mix_into (ZvMediaSession  *self,
                           ZvMediaSession  *other,
                           GError         **error)
{
  g_return_val_if_fail (ZV_IS_MEDIA_SESSION (self), FALSE);
  g_return_val_if_fail (ZV_IS_MEDIA_SESSION (other), FALSE);
  g_return_val_if_fail (self != other, FALSE);

  if (self->pipeline == NULL || self->tee == NULL)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("The call’s audio is not running."));
      return FALSE;
    }
  if (!build_mix_input (other, error))
    return FALSE;
  g_mutex_lock (&self->lock);
  gst_object_replace ((GstObject **) &self->mix_target, GST_OBJECT (other->mix_in_src));
  self->mix_next_pts = GST_CLOCK_TIME_NONE;
  g_mutex_unlock (&self->lock);
  tap_mix_output (self);
  return TRUE;
}

/* Main loop: the other call's audio (the appsrc bin in front of the mixer) leaves the graph; see
 * drop_element() in zv-media-io.c for the order. */
static void
remove_mix_input (ZvMediaSession *self)
{
  g_autoptr(GstPad) pad = gst_element_get_static_pad (self->mix_in, "src");
  g_autoptr(GstPad) peer = pad != NULL ? gst_pad_get_peer (pad) : NULL;

  gst_element_set_state (self->mix_in, GST_STATE_NULL);
  if (peer != NULL)
    {
      gst_pad_unlink (pad, peer);
      gst_element_release_request_pad (self->mixer, peer);
    }
  gst_bin_remove (GST_BIN (self->pipeline), self->mix_in);
}

/**
 * zv_media_session_unmix:
 *
 * Ends @self's part in a conference both ways: what it receives goes nowhere else, and nothing else
 * is mixed into what it sends. The call itself goes on.
 */
void
zv_media_session_unmix (ZvMediaSession *self)
{
  g_return_if_fail (ZV_IS_MEDIA_SESSION (self));

  g_mutex_lock (&self->lock);
  if (self->mix_target != NULL)
    g_debug ("conference: the audio mixed into the other call lost its timeline %u times", self->mix_resyncs);
  gst_clear_object (&self->mix_target);
  self->mix_next_pts = GST_CLOCK_TIME_NONE;
  self->mix_resyncs = 0;
  g_mutex_unlock (&self->lock);
  if (self->pipeline == NULL)
    return;
  if (self->mix_probe != 0)
    {
      g_autoptr(GstPad) pad = gst_element_get_static_pad (self->tee, "sink");

      gst_pad_remove_probe (pad, self->mix_probe);
      self->mix_probe = 0;
    }
  if (self->mix_in != NULL)
    remove_mix_input (self);
  self->mix_in = NULL;
  self->mix_in_src = NULL;
}

/* Whether what @self receives goes to another session too. */
gboolean
zv_media_session_is_mixing (ZvMediaSession *self)
{
  gboolean mixing;

  g_return_val_if_fail (ZV_IS_MEDIA_SESSION (self), FALSE);

  g_mutex_lock (&self->lock);
  mixing = self->mix_target != NULL;
  g_mutex_unlock (&self->lock);
  return mixing;
}
