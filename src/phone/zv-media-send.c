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
#include "zv-phone-trace.h"
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

  if (self->packets_sent++ == 0)
    zv_phone_trace ("media: first RTP out");
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
  clock = gst_element_get_clock (self->pipeline);
  /* On the parser's pad, which passes the file's segment on again with the offset (the pacer's
   * own has taken it already). It has none before it read the file's header, which only an
   * answer within milliseconds of the INVITE comes before: those milliseconds go out at once. */
  src = sink != NULL ? gst_pad_get_peer (sink) : NULL;
  if (src != NULL && clock != NULL)
    gst_pad_set_offset (src, (gint64) (gst_clock_get_time (clock) - gst_element_get_base_time (self->pipeline)));
  if (sink != NULL)
    gst_pad_remove_probe (sink, self->play_hold);
  self->play_hold = 0;
}

/* The source of what we send when it is not a microphone (nor goes through webrtcdsp): the far
 * end's own audio (echo), a file, or silence at @rate. */
static GstElement *
build_source (ZvMediaSession  *self,
              guint            rate,
              GError         **error)
{
  GstElement *e[3];
  GstElement *bin;

  if (self->echo)
    {
      static const char *const factories[] = { "appsrc:echosrc", NULL };

      if ((bin = zv_media_chain (factories, e, error)) == NULL)
        return NULL;
      g_object_set (e[0], "is-live", TRUE, "do-timestamp", TRUE, NULL);
      gst_util_set_object_arg (G_OBJECT (e[0]), "format", "time");
    }
  else if (self->play_file != NULL)
    {
      /* No converter here: the encoding bin's (or a conference mixer's) takes whatever the file holds. */
      static const char *const factories[] = { "filesrc", "wavparse", "identity:pace", NULL };

      if ((bin = zv_media_chain (factories, e, error)) == NULL)
        return NULL;
      g_object_set (e[0], "location", self->play_file, NULL);
      g_object_set (e[2], "sync", TRUE, NULL);
    }
  else
    {
      /* No microphone asked for: silence, as real samples (wave=silence marks buffers as gaps,
       * which encoders may turn into no packets at all), 20 ms a buffer at the codec's own rate (a
       * fixed sample count would be 120 ms at 8 kHz). */
      static const char *const factories[] = { "audiotestsrc", "capsfilter", NULL };
      g_autoptr(GstCaps) caps = gst_caps_new_simple ("audio/x-raw", "rate", G_TYPE_INT, (int) rate, NULL);

      if ((bin = zv_media_chain (factories, e, error)) == NULL)
        return NULL;
      g_object_set (e[0], "is-live", TRUE, "volume", 0.0, "samplesperbuffer", (int) (rate / 50), NULL);
      gst_util_set_object_arg (G_OBJECT (e[0]), "wave", "sine");
      g_object_set (e[1], "caps", caps, NULL);
    }
  return bin;
}

/* The same source as a description for gst_parse (webrtcdsp's bin), ending in " ! ". */
static char *
source_description (ZvMediaSession *self,
                    guint           rate)
{
  g_autofree char *location = NULL;

  if (self->echo)
    return g_strdup ("appsrc name=echosrc is-live=true format=time do-timestamp=true ! ");
  if (self->play_file == NULL)
    return g_strdup_printf ("audiotestsrc is-live=true wave=sine volume=0 samplesperbuffer=%u ! "
                            "capsfilter caps=audio/x-raw,rate=%u ! ", rate / 50, rate);
  location = g_strescape (self->play_file, NULL);
  return g_strdup_printf ("filesrc location=\"%s\" ! wavparse ! identity name=pace sync=true ! ", location);
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
  g_autoptr(GstPad) probe_pad = NULL;
  const char *encoder;
  const char *payloader;
  guint rate = remote->codec.clock_rate;
  /* Mono for Opus too: a voice from one microphone. RFC 7587 has every Opus stream declared as
   * opus/48000/2, yet a receiver decodes mono packets whatever it asked for, and encoding the
   * same channel twice cost a third of a call's CPU (perf, docs/PERFORMANCE.md). */
  guint channels = 1;
  gboolean plays_file = self->input_device == NULL && !self->echo && self->play_file != NULL;

  switch (remote->codec.codec)
    {
    case ZV_CODEC_OPUS: encoder = "opusenc"; payloader = "rtpopuspay"; break;
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

  /* The valve drops raw audio rather than packets, so the sequence numbers stay unbroken across a
   * hold and the far end sees no loss. The payloader cuts 20 ms packets whatever size the
   * source's buffers are, as our a=ptime:20 says. The queue in front decouples the source from
   * the encoding: without it a conference's mixer, put in front later (zv-media-mix.c), sent one
   * of the two calls nothing of the other's audio (tests/integration/test-phone-conference.py). */
  {
    const char *factories[] = { "queue", "audioconvert", "audioresample", "capsfilter", "volume:mute", "valve:sendvalve",
                                encoder, payloader, NULL };
    GstElement *e[G_N_ELEMENTS (factories) - 1];
    g_autoptr(GstCaps) caps = NULL;

    send_bin = zv_media_chain (factories, e, error);
    if (send_bin == NULL)
      return FALSE;
    caps = gst_caps_new_simple ("audio/x-raw", "rate", G_TYPE_INT, (int) rate, "channels", G_TYPE_INT, (int) channels, NULL);
    g_object_set (e[3], "caps", caps, NULL);
    if (remote->codec.codec == ZV_CODEC_OPUS)
      gst_util_set_object_arg (G_OBJECT (e[6]), "frame-size", "20");
    g_object_set (e[7], "pt", remote->codec.payload_type, NULL);
    if (remote->codec.codec != ZV_CODEC_OPUS)
      g_object_set (e[7], "min-ptime", (gint64) 20 * GST_MSECOND, "max-ptime", (gint64) 20 * GST_MSECOND, NULL);
  }
  /* The source (and webrtcdsp) in a bin of its own in front of the encoding one: a conference
   * puts its mixer between the two (zv-media-mix.c). A microphone is linked in front below. */
  if (zv_media_session_use_dsp (self))
    {
      g_autoptr(GstElement) probe = gst_bin_get_by_name (GST_BIN (self->pipeline), self->echo_probe_name);
      g_autofree char *source = self->input_device != NULL ? g_strdup ("") : source_description (self, rate);
      g_autofree char *description = NULL;

      /* Echo cancellation needs what is played (the probe); noise suppression and gain control
       * work without. */
      description = g_strdup_printf ("%saudioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000 ! "
                                     "webrtcdsp name=dsp probe=%s echo-cancel=%s", source,
                                     self->echo_probe_name, probe != NULL ? "true" : "false");
      source_bin = zv_media_parse_bin (description, error);
    }
  else if (self->input_device == NULL)
    source_bin = build_source (self, rate, error);
  if (source_bin == NULL && (self->input_device == NULL || zv_media_session_use_dsp (self)))
    {
      gst_object_unref (send_bin);
      return FALSE;
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
      if (!zv_media_link (source_bin, NULL, send_bin, NULL))
        {
          g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the sender."));
          return FALSE;
        }
    }
  if (plays_file && hold_file)
    {
      g_autoptr(GstElement) pace = gst_bin_get_by_name (GST_BIN (source_bin), "pace");
      g_autoptr(GstPad) sink = gst_element_get_static_pad (pace, "sink");

      /* Prepared before the answer: the file waits at its start (zv_media_session_release_play_file()).
       * On the pacer's own pad: the parser's in front of it exists only once the header is read. */
      self->play_hold = gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM | GST_PAD_PROBE_TYPE_BUFFER,
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
      if (!zv_media_link (send_bin, NULL, mux, "sink_%u")
          || !zv_media_link (self->dtmf_src, NULL, mux, "priority_sink_%u")
          || !zv_media_link (mux, NULL, rtpbin, "send_rtp_sink_0"))
        {
          g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the sender."));
          return FALSE;
        }
    }
  else if (!zv_media_link (send_bin, NULL, rtpbin, "send_rtp_sink_0"))
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
      if (!zv_media_link (self->tee, "src_%u", echo_bin, NULL) || appsink == NULL || appsrc == NULL)
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

