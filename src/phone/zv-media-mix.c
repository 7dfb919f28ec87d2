/* zv-media-mix.c: a media session's part in a local conference (ZvConference): what one call
 * receives is also sent on another.
 *
 * Each session is its own pipeline, with its own codec. What a session hears leaves its output tee
 * through an appsink (decoded, 48 kHz mono S16) and enters the other session's pipeline through an
 * appsrc, which feeds an audiomixer put between that session's source and its encoder:
 *
 *   A: rtpbin -> decoder -> tee -> ... | appsink  ~~>  B: appsrc -> audiomixer -> encoder -> rtpbin
 *                                                        B's source ----^
 *
 * Like the echo, the link between the two is an appsink/appsrc pair, never pads: no graph loop
 * through an rtpbin, and each pipeline keeps its own clock and latency. The mixer joins a running
 * pipeline once, on an idle source pad, and stays after the conference ends (with one input it
 * only passes the source through), so merging again needs no relinking. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include "zv-media-session-private.h"
#include "zv-sip-account.h"

/* What crosses from one pipeline to the other: every codec decodes to something converted to this. */
#define MIX_CAPS "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1"

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

/* Streaming thread of the session that hears: hands the sample to the session that sends.
 *
 * Its timestamps belong to this pipeline's clock, so it gets new ones in the other pipeline's
 * running time. Not the moment of the push (appsrc do-timestamp): buffers come out of the jitter
 * buffer a few at a time when the machine is busy, and push times that bunch up and spread out
 * make the mixer see overlaps and holes, where it drops or pads and the tone jumps in phase. So
 * each buffer follows the previous one sample for sample, and the timeline is only set back to
 * the clock when the audio really stopped for a while or piles up ahead of it. */
static GstFlowReturn
mix_sample (GstAppSink *sink,
            gpointer    user_data)
{
  ZvMediaSession *self = user_data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (sink);
  g_autoptr(GstElement) target = NULL;
  GstBuffer *buffer;
  GstClockTime now, pts, duration;

  if (sample == NULL)
    return GST_FLOW_EOS;
  buffer = gst_sample_get_buffer (sample);
  if (buffer == NULL)
    return GST_FLOW_OK;
  /* MIX_CAPS: 2 bytes a sample at 48 kHz. */
  duration = gst_util_uint64_scale (gst_buffer_get_size (buffer) / 2, GST_SECOND, 48000);
  g_mutex_lock (&self->lock);
  target = self->mix_target != NULL ? gst_object_ref (self->mix_target) : NULL;
  now = target != NULL ? gst_element_get_current_running_time (target) : GST_CLOCK_TIME_NONE;
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
  if (target == NULL || !GST_CLOCK_TIME_IS_VALID (pts))
    return GST_FLOW_OK;
  buffer = gst_buffer_copy (buffer);
  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buffer) = duration;
  /* The other pipeline stopping (FLUSHING) is no reason for this one to. */
  gst_app_src_push_buffer (GST_APP_SRC (target), buffer);
  return GST_FLOW_OK;
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
  bin = zv_media_parse_bin ("appsrc name=mixsrc is-live=true format=time caps=" MIX_CAPS
                            " ! audioconvert ! audioresample", error);
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

/* What this session hears, out through an appsink (mix_sample()). */
static gboolean
build_mix_output (ZvMediaSession  *self,
                  GError         **error)
{
  g_autoptr(GstElement) appsink = NULL;
  GstElement *bin;

  if (self->mix_out != NULL)
    return TRUE;
  bin = zv_media_parse_bin ("queue ! audioconvert ! audioresample ! " MIX_CAPS " ! appsink name=mixsink "
                            "emit-signals=true sync=false async=false max-buffers=50 drop=true", error);
  if (bin == NULL)
    return FALSE;
  appsink = gst_bin_get_by_name (GST_BIN (bin), "mixsink");
  g_signal_connect (appsink, "new-sample", G_CALLBACK (mix_sample), self);
  gst_bin_add (GST_BIN (self->pipeline), bin);
  self->mix_out = bin;
  if (!gst_element_link (self->tee, bin))
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the conference."));
      return FALSE;
    }
  gst_element_sync_state_with_parent (bin);
  return TRUE;
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
  if (!build_mix_input (other, error) || !build_mix_output (self, error))
    return FALSE;
  g_mutex_lock (&self->lock);
  gst_object_replace ((GstObject **) &self->mix_target, GST_OBJECT (other->mix_in_src));
  self->mix_next_pts = GST_CLOCK_TIME_NONE;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* Main loop: an element (or bin) at the edge of the graph leaves it; see drop_element() in
 * zv-media-io.c for the order. */
static void
remove_branch (ZvMediaSession *self,
               GstElement     *element,
               GstElement     *joint,
               gboolean        upstream)
{
  g_autoptr(GstPad) pad = gst_element_get_static_pad (element, upstream ? "src" : "sink");
  g_autoptr(GstPad) peer = pad != NULL ? gst_pad_get_peer (pad) : NULL;

  if (upstream)
    gst_element_set_state (element, GST_STATE_NULL);
  if (peer != NULL)
    {
      if (upstream)
        gst_pad_unlink (pad, peer);
      else
        gst_pad_unlink (peer, pad);
      if (joint != NULL)
        gst_element_release_request_pad (joint, peer);
    }
  if (!upstream)
    gst_element_set_state (element, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (self->pipeline), element);
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
  if (self->mix_out != NULL)
    remove_branch (self, self->mix_out, self->tee, FALSE);
  self->mix_out = NULL;
  if (self->mix_in != NULL)
    remove_branch (self, self->mix_in, self->mixer, TRUE);
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
