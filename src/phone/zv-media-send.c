/* zv-media-send.c: the sending half of a media session: source (file, silence, echo, microphone)
 * -> convert -> mute -> valve -> encoder -> payloader -> [rtpdtmfmux] -> rtpbin -> [srtpenc] -> udpsink,
 * and the file held at its start while an incoming call rings. The receiving half and the session's
 * life are in zv-media-session.c. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <string.h>

#include "zv-media-session-private.h"
#include "zv-sip-account.h"

/* Streaming thread, tests only: a lossy network, every Nth packet gone. */
static GstPadProbeReturn
drop_some (GstPad          *pad,
           GstPadProbeInfo *info,
           gpointer         user_data)
{
  ZvMediaSession *self = user_data;

  return ++self->drop_count % self->drop_every == 0 ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_sent (GstPad          *pad,
            GstPadProbeInfo *info,
            gpointer         user_data)
{
  ZvMediaSession *self = user_data;

  self->packets_sent++;
  return GST_PAD_PROBE_OK;
}

/* Streaming thread: what the far end said goes straight back (caps travel with the sample). */
static GstFlowReturn
echo_sample (GstAppSink *sink,
             gpointer    user_data)
{
  GstSample *sample = gst_app_sink_pull_sample (sink);
  GstFlowReturn ret;

  if (sample == NULL)
    return GST_FLOW_EOS;
  ret = gst_app_src_push_sample (GST_APP_SRC (user_data), sample);
  gst_sample_unref (sample);
  return ret == GST_FLOW_FLUSHING ? GST_FLOW_OK : ret;
}

/* Keeps a file to be played at its start until the call is answered
 * (zv_media_session_release_play_file()). */
static GstPadProbeReturn
hold_play_file (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         user_data)
{
  return GST_PAD_PROBE_OK;
}

/* A file held while the call rang plays from its start once the call is answered: its timestamps
 * are moved to now, or the pacing identity would push the rung-through part at once. */
void
zv_media_session_release_play_file (ZvMediaSession *self)
{
  g_autoptr(GstElement) pace = NULL;
  g_autoptr(GstPad) sink = NULL;
  g_autoptr(GstPad) src = NULL;
  g_autoptr(GstClock) clock = NULL;

  if (self->play_hold == 0 || self->pipeline == NULL)
    return;
  pace = gst_bin_get_by_name (GST_BIN (self->pipeline), "pace");
  sink = pace != NULL ? gst_element_get_static_pad (pace, "sink") : NULL;
  src = sink != NULL ? gst_pad_get_peer (sink) : NULL;
  clock = gst_element_get_clock (self->pipeline);
  if (src != NULL && clock != NULL)
    {
      GstClockTime now = gst_clock_get_time (clock) - gst_element_get_base_time (self->pipeline);

      gst_pad_set_offset (src, (gint64) now);
      gst_pad_remove_probe (src, self->play_hold);
    }
  self->play_hold = 0;
}

/* The sending half for @remote's codec: source -> queue -> convert -> mute -> valve -> encoder ->
 * payloader -> [rtpdtmfmux] -> rtpbin -> [srtpenc] -> sockets. Built into a playing pipeline
 * (an outgoing call's answer) or with the rest before it plays (an incoming call, prepared while
 * it rings); either way the valve stays closed until start(). */
gboolean
zv_media_session_build_sender (ZvMediaSession *self,
                               const ZvSdp    *remote,
                               gboolean        hold_file,
                               GError        **error)
{
  GstElement *rtpbin = self->rtpbin;
  GstElement *rtp_sink, *rtcp_sink, *send_bin;
  GstElement *source_bin = NULL;
  GstElement *mux = NULL;
  GstElement *echo_bin = NULL;
  g_autofree char *send_description = NULL;
  g_autoptr(GstPad) probe_pad = NULL;
  const char *source;
  const char *encoder;
  const char *payloader;
  guint rate = remote->codec.clock_rate;
  guint channels = remote->codec.codec == ZV_CODEC_OPUS ? 2 : 1;
  g_autofree char *play = NULL;
  g_autofree char *dsp_description = NULL;
  g_autofree char *silence = NULL;

  switch (remote->codec.codec)
    {
    case ZV_CODEC_OPUS: encoder = "opusenc frame-size=20"; payloader = "rtpopuspay"; break;
    case ZV_CODEC_PCMU: encoder = "mulawenc"; payloader = "rtppcmupay"; break;
    case ZV_CODEC_PCMA: encoder = "alawenc"; payloader = "rtppcmapay"; break;
    case ZV_CODEC_G722:
      encoder = "avenc_g722"; payloader = "rtpg722pay";
      /* The RTP clock says 8000; the audio is 16 kHz. */
      rate = 16000;
      break;
    case ZV_CODEC_NONE:
    default:
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE, _("No audio codec was agreed."));
      return FALSE;
    }

  if (self->input_device != NULL)
    /* The selector and the device's source are linked in front below. */
    source = "";
  else if (self->echo)
    source = "appsrc name=echosrc is-live=true format=time do-timestamp=true ! ";
  else if (self->play_file != NULL)
    {
      g_autofree char *location = g_strescape (self->play_file, NULL);

      play = g_strdup_printf ("filesrc location=\"%s\" ! wavparse ! audioconvert ! audioresample ! "
                              "identity name=pace sync=true ! ", location);
      source = play;
    }
  else
    /* No microphone asked for: silence, as real samples (wave=silence marks buffers as gaps,
     * which encoders may turn into no packets at all), 20 ms a buffer at the codec's own rate (a
     * fixed sample count would be 120 ms at 8 kHz). */
    source = silence = g_strdup_printf ("audiotestsrc is-live=true wave=sine volume=0 samplesperbuffer=%u ! "
                                        "capsfilter caps=audio/x-raw,rate=%u ! ", rate / 50, rate);
  if (zv_media_session_use_dsp (self))
    {
      g_autoptr(GstElement) probe = gst_bin_get_by_name (GST_BIN (self->pipeline), self->echo_probe_name);

      /* Echo cancellation needs what is played (the probe); noise suppression and gain control
       * work without. */
      source = dsp_description = g_strdup_printf ("%saudioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000 ! "
                                                  "webrtcdsp name=dsp probe=%s echo-cancel=%s ! ", source,
                                                  self->echo_probe_name, probe != NULL ? "true" : "false");
    }
  /* The valve drops raw audio rather than packets, so the sequence numbers stay unbroken across a
   * hold and the far end sees no loss. The payloader cuts 20 ms packets whatever size the
   * source's buffers are, as our a=ptime:20 says. */
  send_description = g_strdup_printf ("queue ! audioconvert ! audioresample ! audio/x-raw,rate=%u,channels=%u ! "
                                      "volume name=mute ! valve name=sendvalve ! %s ! %s pt=%u%s",
                                      rate, channels, encoder, payloader, remote->codec.payload_type,
                                      remote->codec.codec == ZV_CODEC_OPUS ? ""
                                      : " min-ptime=20000000 max-ptime=20000000");
  send_bin = zv_media_parse_bin (send_description, error);
  if (send_bin == NULL)
    return FALSE;
  /* The source (and webrtcdsp) in a bin of its own in front of the encoding one: a conference
   * puts its mixer between the two (zv-media-mix.c). */
  if (*source != '\0')
    {
      g_autofree char *description = g_strndup (source, strlen (source) - strlen (" ! "));

      g_assert (g_str_has_suffix (source, " ! "));
      source_bin = zv_media_parse_bin (description, error);
      if (source_bin == NULL)
        {
          gst_object_unref (send_bin);
          return FALSE;
        }
    }
  self->send_valve = gst_bin_get_by_name (GST_BIN (send_bin), "sendvalve");
  /* Borrowed like the other children: the pipeline keeps it alive. */
  gst_object_unref (self->send_valve);
  g_object_set (self->send_valve, "drop", TRUE, NULL);
  self->mute_volume = gst_bin_get_by_name (GST_BIN (send_bin), "mute");
  gst_object_unref (self->mute_volume);
  g_object_set (self->mute_volume, "mute", self->muted, NULL);
  gst_bin_add (GST_BIN (self->pipeline), send_bin);
  self->send_head = send_bin;
  self->send_source = source_bin;
  if (source_bin != NULL)
    {
      gst_bin_add (GST_BIN (self->pipeline), source_bin);
      if (!gst_element_link (source_bin, send_bin))
        {
          g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the sender."));
          return FALSE;
        }
    }
  if (play != NULL && hold_file)
    {
      g_autoptr(GstElement) pace = gst_bin_get_by_name (GST_BIN (source_bin), "pace");
      g_autoptr(GstPad) sink = gst_element_get_static_pad (pace, "sink");
      g_autoptr(GstPad) src = gst_pad_get_peer (sink);

      /* Prepared before the answer: the file waits at its start (zv_media_session_release_play_file()). */
      self->play_hold = gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM | GST_PAD_PROBE_TYPE_BUFFER,
                                           hold_play_file, NULL, NULL);
    }
  self->dtmf_pt = remote->dtmf_payload;
  if (remote->dtmf_payload >= 0)
    {
      /* The mux gives both streams one SSRC and one sequence; while a digit is sent it drops the
       * audio packets, as RFC 4733 2.5.1.1 expects. */
      mux = zv_media_make ("rtpdtmfmux", error);
      self->dtmf_src = zv_media_make ("rtpdtmfsrc", error);
      if (mux == NULL || self->dtmf_src == NULL)
        return FALSE;
      g_object_set (self->dtmf_src, "pt", (guint) remote->dtmf_payload, "clock-rate", 8000u, NULL);
      gst_bin_add_many (GST_BIN (self->pipeline), mux, self->dtmf_src, NULL);
      if (!gst_element_link_pads (send_bin, "src", mux, "sink_%u")
          || !gst_element_link_pads (self->dtmf_src, "src", mux, "priority_sink_%u")
          || !gst_element_link_pads (mux, "src", rtpbin, "send_rtp_sink_0"))
        {
          g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the sender."));
          return FALSE;
        }
    }
  else if (!gst_element_link_pads (send_bin, "src", rtpbin, "send_rtp_sink_0"))
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the sender."));
      return FALSE;
    }
  if (self->echo)
    {
      g_autoptr(GstElement) appsink = NULL;
      g_autoptr(GstElement) appsrc = NULL;

      echo_bin = zv_media_parse_bin ("queue ! appsink name=echosink emit-signals=true sync=false "
                                     "max-buffers=50 drop=true", error);
      if (echo_bin == NULL)
        return FALSE;
      gst_bin_add (GST_BIN (self->pipeline), echo_bin);
      appsink = gst_bin_get_by_name (GST_BIN (echo_bin), "echosink");
      appsrc = gst_bin_get_by_name (GST_BIN (source_bin), "echosrc");
      if (!gst_element_link (self->tee, echo_bin) || appsink == NULL || appsrc == NULL)
        {
          g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the echo."));
          return FALSE;
        }
      /* The appsrc is owned by the pipeline, which outlives the appsink's signal. */
      g_signal_connect (appsink, "new-sample", G_CALLBACK (echo_sample), appsrc);
    }

  self->rtp_sink = rtp_sink = zv_media_make ("udpsink", error);
  self->rtcp_sink = rtcp_sink = zv_media_make ("udpsink", error);
  if (rtp_sink == NULL || rtcp_sink == NULL)
    return FALSE;
  g_object_set (rtp_sink, "socket", self->rtp_socket, "close-socket", FALSE, "host", remote->address,
                "port", (gint) remote->port, "sync", FALSE, "async", FALSE, "processing-deadline", (guint64) 0, NULL);
  g_object_set (rtcp_sink, "socket", self->rtcp_socket, "close-socket", FALSE, "host", remote->address,
                "port", (gint) remote->port + 1, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add_many (GST_BIN (self->pipeline), rtp_sink, rtcp_sink, NULL);
  if (self->input_device != NULL
      && !zv_media_session_build_input (self, source_bin != NULL ? source_bin : send_bin, error))
    return FALSE;
  if (self->send_source == NULL)
    self->send_source = self->in_selector;
  if (!zv_media_session_link_sender (self, rtpbin, rtp_sink, rtcp_sink))
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the sender."));
      return FALSE;
    }
  probe_pad = gst_element_get_static_pad (rtp_sink, "sink");
  if (self->drop_every > 0)
    gst_pad_add_probe (probe_pad, GST_PAD_PROBE_TYPE_BUFFER, drop_some, self, NULL);
  gst_pad_add_probe (probe_pad, GST_PAD_PROBE_TYPE_BUFFER, count_sent, self, NULL);

  /* Into a playing pipeline: downstream first, so no source pushes into a stopped element. */
  gst_element_sync_state_with_parent (rtp_sink);
  gst_element_sync_state_with_parent (rtcp_sink);
  if (mux != NULL)
    gst_element_sync_state_with_parent (mux);
  if (echo_bin != NULL)
    gst_element_sync_state_with_parent (echo_bin);
  gst_element_sync_state_with_parent (send_bin);
  if (source_bin != NULL)
    gst_element_sync_state_with_parent (source_bin);
  if (self->in_selector != NULL)
    gst_element_sync_state_with_parent (self->in_selector);
  if (self->input != NULL)
    gst_element_sync_state_with_parent (self->input);
  if (self->dtmf_src != NULL)
    gst_element_sync_state_with_parent (self->dtmf_src);
  self->sender_built = TRUE;
  return TRUE;
}

