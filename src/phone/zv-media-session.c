/* zv-media-session.c: one call's audio as a GStreamer pipeline around rtpbin.
 *
 *   source -> audioconvert -> audioresample -> caps -> encoder -> payloader -> rtpbin -> udpsink
 *   udpsrc -> rtpbin (jitter buffer) -> depayloader -> decoder -> tee -> recording | echo
 *
 * The echo (zveno-cli answer --echo) returns what it hears through an appsink/appsrc pair rather than
 * a link from the tee into the sender: a link would close a loop through rtpbin, which GStreamer
 * reports ("loop detected in the graph") and cannot compute latency for.
 *
 * RTP and RTCP each use one socket for both directions (symmetric RTP, so NATs and SBCs see the
 * replies where they expect them). The rules measured in TOOLING.md apply: the RTP udpsink is
 * sync=false async=false, sinks have processing-deadline=0, latency messages are recalculated.
 * Files are paced by an identity sync=true, since nothing else would hold them to real time. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include "zv-media-session.h"
#include "zv-sip-account.h"

/* How long stop() waits for the recording to be finished (its WAV header written). */
#define RECORD_FINISH_US (2 * G_USEC_PER_SEC)

struct _ZvMediaSession
{
  GObject      parent_instance;

  /* owned */
  char        *local_address;
  char        *play_file;
  char        *record_file;
  GSocket     *rtp_socket;
  GSocket     *rtcp_socket;
  GstElement  *pipeline;
  guint        bus_watch;

  /* borrowed: children of pipeline */
  GstElement  *rtp_src;
  GstElement  *tee;
  GstElement  *send_in;

  ZvCodecChoice codec;
  gboolean     echo;
  gboolean     running;
  gint         record_done;       /* atomic */
  gint64       first_rtp_time;    /* atomic-ish: written once by the streaming thread */
  guint64      packets_received;
  guint64      packets_sent;
};

G_DEFINE_FINAL_TYPE (ZvMediaSession, zv_media_session, G_TYPE_OBJECT)

enum {
  SIGNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
zv_media_session_dispose (GObject *object)
{
  ZvMediaSession *self = ZV_MEDIA_SESSION (object);

  zv_media_session_stop (self);
  g_clear_object (&self->rtp_socket);
  g_clear_object (&self->rtcp_socket);
  G_OBJECT_CLASS (zv_media_session_parent_class)->dispose (object);
}

static void
zv_media_session_finalize (GObject *object)
{
  ZvMediaSession *self = ZV_MEDIA_SESSION (object);

  g_free (self->local_address);
  g_free (self->play_file);
  g_free (self->record_file);
  G_OBJECT_CLASS (zv_media_session_parent_class)->finalize (object);
}

static void
zv_media_session_class_init (ZvMediaSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zv_media_session_dispose;
  object_class->finalize = zv_media_session_finalize;

  /* ZvMediaSession::failed (GError *error): the pipeline stopped with an error. */
  signals[SIGNAL_FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
zv_media_session_init (ZvMediaSession *self)
{
  self->codec.codec = ZV_CODEC_NONE;
}

static GSocket *
bind_udp (GInetAddress *address,
          guint         port,
          GError      **error)
{
  g_autoptr(GSocket) socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, error);
  g_autoptr(GSocketAddress) where = NULL;

  if (socket == NULL)
    return NULL;
  where = g_inet_socket_address_new (address, port);
  if (!g_socket_bind (socket, where, FALSE, error))
    return NULL;
  return g_steal_pointer (&socket);
}

/**
 * zv_media_session_new:
 * @local_address: the address our SDP announces; RTP and RTCP sockets are bound to it
 *
 * Binds an even RTP port and the RTCP port above it, so the offer can name them.
 */
ZvMediaSession *
zv_media_session_new (const char  *local_address,
                      GError     **error)
{
  g_autoptr(ZvMediaSession) self = g_object_new (ZV_TYPE_MEDIA_SESSION, NULL);
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (local_address);

  if (address == NULL)
    {
      g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA,
                   _("“%s” is not a local IP address for audio."), local_address);
      return NULL;
    }
  self->local_address = g_strdup (local_address);
  for (guint attempt = 0; attempt < 50; attempt++)
    {
      guint port = 2 * (guint) g_random_int_range (10000, 30000);
      g_autoptr(GSocket) rtp = bind_udp (address, port, NULL);
      g_autoptr(GSocket) rtcp = rtp != NULL ? bind_udp (address, port + 1, NULL) : NULL;

      if (rtcp != NULL)
        {
          self->rtp_socket = g_steal_pointer (&rtp);
          self->rtcp_socket = g_steal_pointer (&rtcp);
          return g_steal_pointer (&self);
        }
    }
  g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA,
               _("No free pair of UDP ports for audio on %s."), local_address);
  return NULL;
}

guint
zv_media_session_get_port (ZvMediaSession *self)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (self->rtp_socket, NULL);

  return local != NULL ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)) : 0;
}

void
zv_media_session_set_play_file (ZvMediaSession *self,
                                const char     *path)
{
  g_free (self->play_file);
  self->play_file = g_strdup (path);
}

void
zv_media_session_set_record_file (ZvMediaSession *self,
                                  const char     *path)
{
  g_free (self->record_file);
  self->record_file = g_strdup (path);
}

void
zv_media_session_set_echo (ZvMediaSession *self,
                           gboolean        echo)
{
  self->echo = echo;
}

static GstPadProbeReturn
count_received (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         user_data)
{
  ZvMediaSession *self = user_data;

  if (self->packets_received++ == 0)
    self->first_rtp_time = g_get_monotonic_time ();
  return GST_PAD_PROBE_OK;
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

static GstPadProbeReturn
record_eos (GstPad          *pad,
            GstPadProbeInfo *info,
            gpointer         user_data)
{
  ZvMediaSession *self = user_data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    g_atomic_int_set (&self->record_done, 1);
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

static GstElement *
make (const char *factory,
      GError    **error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL)
    g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA,
                 _("The GStreamer element “%s” is missing."), factory);
  return element;
}

static GstElement *
parse_bin (const char  *description,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GstElement *bin = gst_parse_bin_from_description (description, TRUE, &local_error);

  if (bin == NULL)
    g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: %s"),
                 local_error->message);
  return bin;
}

static void
on_pad_added (GstElement *rtpbin,
              GstPad     *pad,
              gpointer    user_data)
{
  ZvMediaSession *self = user_data;
  g_autofree char *name = gst_pad_get_name (pad);
  const char *depay = NULL;
  const char *decoder = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GError) error = NULL;
  GstElement *bin;
  g_autoptr(GstPad) sink = NULL;

  if (!g_str_has_prefix (name, "recv_rtp_src_0_"))
    return;
  switch (self->codec.codec)
    {
    case ZV_CODEC_OPUS: depay = "rtpopusdepay"; decoder = "opusdec"; break;
    case ZV_CODEC_PCMU: depay = "rtppcmudepay"; decoder = "mulawdec"; break;
    case ZV_CODEC_PCMA: depay = "rtppcmadepay"; decoder = "alawdec"; break;
    case ZV_CODEC_NONE:
    default: return;
    }
  description = g_strdup_printf ("%s ! %s ! audioconvert ! audioresample", depay, decoder);
  bin = parse_bin (description, &error);
  if (bin == NULL)
    {
      g_warning ("%s", error->message);
      return;
    }
  gst_bin_add (GST_BIN (self->pipeline), bin);
  gst_element_link (bin, self->tee);
  sink = gst_element_get_static_pad (bin, "sink");
  gst_pad_link (pad, sink);
  gst_element_sync_state_with_parent (bin);
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  ZvMediaSession *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency (GST_BIN (self->pipeline));
      break;
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) gst_error = NULL;
        g_autofree char *debug = NULL;
        g_autoptr(GError) error = NULL;

        gst_message_parse_error (message, &gst_error, &debug);
        g_debug ("pipeline error: %s (%s)", gst_error->message, debug != NULL ? debug : "");
        error = g_error_new (ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio failed: %s"), gst_error->message);
        g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);
      }
      break;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
build_pipeline (ZvMediaSession *self,
                const ZvSdp    *remote,
                GError        **error)
{
  GstElement *rtpbin, *rtp_sink, *rtcp_src, *rtcp_sink, *send_bin, *record_bin;
  g_autofree char *caps_text = NULL;
  g_autofree char *send_description = NULL;
  g_autofree char *record_description = NULL;
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GstPad) probe_pad = NULL;
  g_autoptr(GstBus) bus = NULL;
  const char *source;
  const char *encoding;
  const char *encoder;
  const char *payloader;
  guint rate = remote->codec.clock_rate;
  guint channels = remote->codec.codec == ZV_CODEC_OPUS ? 2 : 1;
  g_autofree char *play = NULL;

  switch (remote->codec.codec)
    {
    case ZV_CODEC_OPUS: encoding = "OPUS"; encoder = "opusenc frame-size=20"; payloader = "rtpopuspay"; break;
    case ZV_CODEC_PCMU: encoding = "PCMU"; encoder = "mulawenc"; payloader = "rtppcmupay"; break;
    case ZV_CODEC_PCMA: encoding = "PCMA"; encoder = "alawenc"; payloader = "rtppcmapay"; break;
    case ZV_CODEC_NONE:
    default:
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE, _("No audio codec was agreed."));
      return FALSE;
    }

  self->pipeline = gst_pipeline_new ("zveno-call");
  rtpbin = make ("rtpbin", error);
  if (rtpbin == NULL)
    return FALSE;
  g_object_set (rtpbin, "latency", 40, "do-lost", TRUE, NULL);
  gst_bin_add (GST_BIN (self->pipeline), rtpbin);

  /* Receiving. */
  self->rtp_src = make ("udpsrc", error);
  rtcp_src = make ("udpsrc", error);
  if (self->rtp_src == NULL || rtcp_src == NULL)
    return FALSE;
  caps_text = g_strdup_printf ("application/x-rtp,media=audio,clock-rate=%u,encoding-name=%s,payload=%u",
                               rate, encoding, remote->codec.payload_type);
  caps = gst_caps_from_string (caps_text);
  g_object_set (self->rtp_src, "socket", self->rtp_socket, "close-socket", FALSE, "caps", caps, NULL);
  g_object_set (rtcp_src, "socket", self->rtcp_socket, "close-socket", FALSE, NULL);
  gst_bin_add_many (GST_BIN (self->pipeline), self->rtp_src, rtcp_src, NULL);
  if (!gst_element_link_pads (self->rtp_src, "src", rtpbin, "recv_rtp_sink_0")
      || !gst_element_link_pads (rtcp_src, "src", rtpbin, "recv_rtcp_sink_0"))
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the receiver."));
      return FALSE;
    }
  probe_pad = gst_element_get_static_pad (self->rtp_src, "src");
  gst_pad_add_probe (probe_pad, GST_PAD_PROBE_TYPE_BUFFER, count_received, self, NULL);
  g_clear_object (&probe_pad);

  self->tee = make ("tee", error);
  if (self->tee == NULL)
    return FALSE;
  g_object_set (self->tee, "allow-not-linked", TRUE, NULL);
  gst_bin_add (GST_BIN (self->pipeline), self->tee);
  if (self->record_file != NULL)
    {
      g_autofree char *location = g_strescape (self->record_file, NULL);

      record_description = g_strdup_printf ("queue ! audioconvert ! wavenc ! filesink name=recfile location=\"%s\" "
                                            "async=false sync=false", location);
    }
  else
    record_description = g_strdup ("queue ! fakesink name=recfile async=false sync=false processing-deadline=0");
  record_bin = parse_bin (record_description, error);
  if (record_bin == NULL)
    return FALSE;
  gst_bin_add (GST_BIN (self->pipeline), record_bin);
  gst_element_link (self->tee, record_bin);
  {
    GstElement *filesink = gst_bin_get_by_name (GST_BIN (record_bin), "recfile");

    probe_pad = gst_element_get_static_pad (filesink, "sink");
    gst_pad_add_probe (probe_pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, record_eos, self, NULL);
    g_clear_object (&probe_pad);
    gst_object_unref (filesink);
  }
  g_signal_connect (rtpbin, "pad-added", G_CALLBACK (on_pad_added), self);

  /* Sending. */
  if (self->echo)
    source = "appsrc name=echosrc is-live=true format=time do-timestamp=true ! ";
  else if (self->play_file != NULL)
    {
      g_autofree char *location = g_strescape (self->play_file, NULL);

      play = g_strdup_printf ("filesrc location=\"%s\" ! wavparse ! audioconvert ! audioresample ! "
                              "identity sync=true ! ", location);
      source = play;
    }
  else
    /* No microphone asked for: silence, as real samples (wave=silence marks buffers as gaps,
     * which encoders may turn into no packets at all). */
    source = "audiotestsrc is-live=true wave=sine volume=0 samplesperbuffer=960 ! ";
  send_description = g_strdup_printf ("%squeue ! audioconvert ! audioresample ! audio/x-raw,rate=%u,channels=%u ! "
                                      "%s ! %s pt=%u",
                                      source != NULL ? source : "", rate, channels, encoder, payloader,
                                      remote->codec.payload_type);
  send_bin = parse_bin (send_description, error);
  if (send_bin == NULL)
    return FALSE;
  gst_bin_add (GST_BIN (self->pipeline), send_bin);
  if (!gst_element_link_pads (send_bin, "src", rtpbin, "send_rtp_sink_0"))
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the sender."));
      return FALSE;
    }
  if (self->echo)
    {
      GstElement *echo_bin = parse_bin ("queue ! appsink name=echosink emit-signals=true sync=false "
                                        "max-buffers=50 drop=true", error);
      g_autoptr(GstElement) appsink = NULL;
      g_autoptr(GstElement) appsrc = NULL;

      if (echo_bin == NULL)
        return FALSE;
      gst_bin_add (GST_BIN (self->pipeline), echo_bin);
      appsink = gst_bin_get_by_name (GST_BIN (echo_bin), "echosink");
      appsrc = gst_bin_get_by_name (GST_BIN (send_bin), "echosrc");
      if (!gst_element_link (self->tee, echo_bin) || appsink == NULL || appsrc == NULL)
        {
          g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the echo."));
          return FALSE;
        }
      /* The appsrc is owned by the pipeline, which outlives the appsink's signal. */
      g_signal_connect (appsink, "new-sample", G_CALLBACK (echo_sample), appsrc);
    }

  rtp_sink = make ("udpsink", error);
  rtcp_sink = make ("udpsink", error);
  if (rtp_sink == NULL || rtcp_sink == NULL)
    return FALSE;
  g_object_set (rtp_sink, "socket", self->rtp_socket, "close-socket", FALSE, "host", remote->address,
                "port", (gint) remote->port, "sync", FALSE, "async", FALSE, "processing-deadline", (guint64) 0, NULL);
  g_object_set (rtcp_sink, "socket", self->rtcp_socket, "close-socket", FALSE, "host", remote->address,
                "port", (gint) remote->port + 1, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add_many (GST_BIN (self->pipeline), rtp_sink, rtcp_sink, NULL);
  if (!gst_element_link_pads (rtpbin, "send_rtp_src_0", rtp_sink, "sink")
      || !gst_element_link_pads (rtpbin, "send_rtcp_src_0", rtcp_sink, "sink"))
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the sender."));
      return FALSE;
    }
  probe_pad = gst_element_get_static_pad (rtp_sink, "sink");
  gst_pad_add_probe (probe_pad, GST_PAD_PROBE_TYPE_BUFFER, count_sent, self, NULL);

  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);
  return TRUE;
}

/**
 * zv_media_session_start:
 * @remote: the far end's description, with the agreed codec
 *
 * Starts sending to and receiving from @remote. Errors later on arrive as ::failed.
 */
gboolean
zv_media_session_start (ZvMediaSession  *self,
                        const ZvSdp     *remote,
                        GError         **error)
{
  g_return_val_if_fail (ZV_IS_MEDIA_SESSION (self), FALSE);
  g_return_val_if_fail (self->pipeline == NULL, FALSE);

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);
  self->codec = remote->codec;
  if (!build_pipeline (self, remote, error))
    {
      zv_media_session_stop (self);
      return FALSE;
    }
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("The audio pipeline did not start."));
      zv_media_session_stop (self);
      return FALSE;
    }
  self->running = TRUE;
  return TRUE;
}

/* Ends the audio; a recording gets its end (and so a valid WAV header) first. */
void
zv_media_session_stop (ZvMediaSession *self)
{
  g_return_if_fail (ZV_IS_MEDIA_SESSION (self));

  if (self->pipeline == NULL)
    return;
  if (self->running && self->record_file != NULL && self->rtp_src != NULL)
    {
      gint64 deadline = g_get_monotonic_time () + RECORD_FINISH_US;

      /* EOS from the receiving end flows through the jitter buffer and decoder to wavenc,
       * which then rewrites the header with the real length. */
      gst_element_send_event (self->rtp_src, gst_event_new_eos ());
      while (!g_atomic_int_get (&self->record_done) && g_get_monotonic_time () < deadline)
        g_usleep (10 * 1000);
    }
  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  g_clear_pointer (&self->pipeline, gst_object_unref);
  self->rtp_src = NULL;
  self->tee = NULL;
  self->running = FALSE;
}

gboolean
zv_media_session_is_running (ZvMediaSession *self)
{
  return self->running;
}

ZvCodec
zv_media_session_get_codec (ZvMediaSession *self)
{
  return self->codec.codec;
}

/* g_get_monotonic_time() of the first RTP packet received, 0 before. */
gint64
zv_media_session_get_first_rtp_time (ZvMediaSession *self)
{
  return self->first_rtp_time;
}

guint64
zv_media_session_get_packets_received (ZvMediaSession *self)
{
  return self->packets_received;
}

guint64
zv_media_session_get_packets_sent (ZvMediaSession *self)
{
  return self->packets_sent;
}
