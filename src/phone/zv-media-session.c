/* zv-media-session.c: one call's audio as a GStreamer pipeline around rtpbin.
 *
 *   source -> audioconvert -> audioresample -> caps -> encoder -> payloader -> rtpbin -> udpsink
 *   udpsrc -> rtpbin (jitter buffer) -> depayloader -> decoder -> valve -> tee -> recording | echo
 *
 * The echo (zveno-cli answer --echo) returns what it hears through an appsink/appsrc pair rather than
 * a link from the tee into the sender: a link would close a loop through rtpbin, which GStreamer
 * reports ("loop detected in the graph") and cannot compute latency for.
 *
 * RTP and RTCP each use one socket for both directions (symmetric RTP, so NATs and SBCs see the
 * replies where they expect them). The rules measured in TOOLING.md apply: the RTP udpsink is
 * sync=false async=false, sinks have processing-deadline=0, latency messages are recalculated.
 * Files are paced by an identity sync=true, since nothing else would hold them to real time.
 *
 * The sending half is built in zv-media-send.c; DTMF lives in zv-media-dtmf.c; SRTP, sound devices
 * and webrtcdsp in zv-media-io.c; making and linking elements, and the warm-up, in zv-media-build.c; the fields all share are in zv-media-session-private.h. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include "zv-media-session-private.h"
#include "zv-phone-trace.h"
#include "zv-media-stats.h"
#include "zv-sip-account.h"

/* How long stop() waits for the recording to be finished (its WAV header written). */
#define RECORD_FINISH_US (2 * G_USEC_PER_SEC)

/* RFC 3550 section 6.2 has a peer considered gone after a few reporting intervals; with RTP every 20 ms
 * a far end that sends nothing for this long has vanished (or its network has). */
#define DEFAULT_RTP_TIMEOUT_S 30.0

G_DEFINE_FINAL_TYPE (ZvMediaSession, zv_media_session, G_TYPE_OBJECT)

enum {
  SIGNAL_FAILED,
  SIGNAL_TIMEOUT,
  SIGNAL_DTMF_RECEIVED,
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
  g_free (self->srtp_key);
  g_clear_object (&self->input_device);
  g_clear_object (&self->output_device);
  g_free (self->echo_probe_name);
  g_clear_pointer (&self->srtp_remote_key, g_bytes_unref);
  gst_clear_object (&self->mix_target);
  gst_clear_caps (&self->mix_caps);
  g_mutex_clear (&self->lock);
  g_string_free (self->dtmf_queue, TRUE);
  g_clear_pointer (&self->context, g_main_context_unref);
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

  /* ZvMediaSession::timeout: no RTP arrived for ZVENO_RTP_TIMEOUT seconds (30 by default) while the
   * far end should have been sending. Emitted once per silence, in the main context that started
   * the session. */
  signals[SIGNAL_TIMEOUT] =
    g_signal_new ("timeout", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /* ZvMediaSession::dtmf-received (const char *digit): a telephone-event began; one signal per
   * digit however many packets repeat it. */
  signals[SIGNAL_DTMF_RECEIVED] =
    g_signal_new ("dtmf-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
zv_media_session_init (ZvMediaSession *self)
{
  const char *timeout = g_getenv ("ZVENO_RTP_TIMEOUT");

  self->codec.codec = ZV_CODEC_NONE;
  self->direction = ZV_MEDIA_SENDRECV;
  self->dtmf_pt = -1;
  self->dtmf_queue = g_string_new (NULL);
  {
    static gint sessions;

    /* webrtcdsp finds its echo probe by name: one per session in the process. */
    self->echo_probe_name = g_strdup_printf ("zvechoprobe%d", g_atomic_int_add (&sessions, 1));
  }
  g_mutex_init (&self->lock);
  self->rtp_timeout = DEFAULT_RTP_TIMEOUT_S;
  if (g_getenv ("ZVENO_TEST_DROP_EVERY") != NULL)
    self->drop_every = (guint) g_ascii_strtoull (g_getenv ("ZVENO_TEST_DROP_EVERY"), NULL, 10);
  /* Fractions allowed, so tests need not wait half a minute. */
  if (timeout != NULL && g_ascii_strtod (timeout, NULL) > 0)
    self->rtp_timeout = g_ascii_strtod (timeout, NULL);
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
  gint64 now = g_get_monotonic_time ();

  if (self->packets_received++ == 0)
    {
      self->first_rtp_time = now;
      zv_phone_trace ("media: first RTP in");
    }
  g_mutex_lock (&self->lock);
  self->last_rtp_time = now;
  g_mutex_unlock (&self->lock);
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

/* Streaming thread: the depayloader and decoder for the new stream, chosen by its payload type
 * (the pad is recv_rtp_src_0_SSRC_PT), which may arrive before the answer told us the codec. */
static void
on_pad_added (GstElement *rtpbin,
              GstPad     *pad,
              gpointer    user_data)
{
  ZvMediaSession *self = user_data;
  g_autofree char *name = gst_pad_get_name (pad);
  g_auto(GStrv) fields = NULL;
  ZvCodecChoice choice;
  const char *depay = NULL;
  const char *decoder = NULL;
  g_autoptr(GError) error = NULL;
  GstElement *bin;
  g_autoptr(GstPad) sink = NULL;

  if (!g_str_has_prefix (name, "recv_rtp_src_0_"))
    return;
  fields = g_strsplit (name, "_", -1);
  if (g_strv_length (fields) != 6 || !zv_media_session_codec_for_pt (self, (guint) g_ascii_strtoull (fields[5], NULL, 10), &choice))
    return;
  switch (choice.codec)
    {
    case ZV_CODEC_OPUS: depay = "rtpopusdepay"; decoder = "opusdec"; break;
    case ZV_CODEC_PCMU: depay = "rtppcmudepay"; decoder = "mulawdec"; break;
    case ZV_CODEC_PCMA: depay = "rtppcmadepay"; decoder = "alawdec"; break;
    case ZV_CODEC_G722: depay = "rtpg722depay"; decoder = "avdec_g722"; break;
    case ZV_CODEC_NONE:
    default: return;
    }
  /* The converters stay although each branch of the tee behind has its own: without them a
   * conference's branch, linked to the tee later, left the other call without this one's audio in
   * about half the runs of tests/integration/test-phone-conference.py. */
  {
    const char *factories[] = { depay, decoder, "audioconvert", "audioresample", NULL };
    GstElement *e[4];

    bin = zv_media_chain (factories, e, &error);
  }
  if (bin == NULL)
    {
      g_warning ("%s", error->message);
      return;
    }
  gst_bin_add (GST_BIN (self->pipeline), bin);
  zv_media_link (bin, NULL, self->recv_valve, NULL);
  sink = gst_element_get_static_pad (bin, "sink");
  gst_pad_link_full (pad, sink, GST_PAD_LINK_CHECK_NOTHING);
  gst_element_sync_state_with_parent (bin);
}

/* The codec of what arrives as @pt: the agreed one, or before the answer any of our offer's. */
gboolean
zv_media_session_codec_for_pt (ZvMediaSession *self,
                               guint           pt,
                               ZvCodecChoice  *out)
{
  if (self->codec.codec != ZV_CODEC_NONE && self->codec.payload_type == pt)
    {
      *out = self->codec;
      return TRUE;
    }
  return zv_sdp_offered_codec (pt, out);
}

/* Streaming thread: rtpbin's jitter buffer asks what a payload type is (the udpsrc's caps name
 * none, since the receiving side starts before the codec is agreed). */
static GstCaps *
on_request_pt_map (GstElement *rtpbin,
                   guint       session,
                   guint       pt,
                   gpointer    user_data)
{
  ZvMediaSession *self = user_data;
  ZvCodecChoice choice;
  const char *encoding;

  if (self->dtmf_pt >= 0 && pt == (guint) self->dtmf_pt)
    return gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "audio", "clock-rate", G_TYPE_INT, 8000,
                                "encoding-name", G_TYPE_STRING, "TELEPHONE-EVENT", "payload", G_TYPE_INT, (int) pt, NULL);
  if (!zv_media_session_codec_for_pt (self, pt, &choice))
    return NULL;
  switch (choice.codec)
    {
    case ZV_CODEC_OPUS: encoding = "OPUS"; break;
    case ZV_CODEC_PCMU: encoding = "PCMU"; break;
    case ZV_CODEC_PCMA: encoding = "PCMA"; break;
    case ZV_CODEC_G722: encoding = "G722"; break;
    case ZV_CODEC_NONE:
    default: return NULL;
    }
  return gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "audio",
                              "clock-rate", G_TYPE_INT, (int) choice.clock_rate,
                              "encoding-name", G_TYPE_STRING, encoding, "payload", G_TYPE_INT, (int) pt, NULL);
}

static gboolean
recalculate_latency (gpointer user_data)
{
  ZvMediaSession *self = user_data;

  g_clear_pointer (&self->latency_source, g_source_unref);
  if (self->pipeline != NULL)
    gst_bin_recalculate_latency (GST_BIN (self->pipeline));
  return G_SOURCE_REMOVE;
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
      /* A starting pipeline posts several (each encoder, decoder and jitter buffer as it learns
       * its own), and each recalculation queries every sink: one run once the main loop is idle
       * does, rather than several between an answer and its 200 OK (perf: a third of the
       * answering side's work). */
      if (self->latency_source == NULL)
        {
          self->latency_source = g_idle_source_new ();
          g_source_set_priority (self->latency_source, G_PRIORITY_DEFAULT_IDLE);
          g_source_set_callback (self->latency_source, recalculate_latency, self, NULL);
          g_source_set_name (self->latency_source, "[zveno] latency");
          g_source_attach (self->latency_source, self->context);
        }
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

/* Any thread: ::dtmf-received in the session's main context. */
void
zv_media_session_emit_dtmf (ZvMediaSession *self,
                            const char     *digit)
{
  g_signal_emit (self, signals[SIGNAL_DTMF_RECEIVED], 0, digit);
}

static gboolean
direction_sends (ZvMediaDirection direction)
{
  return direction == ZV_MEDIA_SENDRECV || direction == ZV_MEDIA_SENDONLY;
}

static gboolean
direction_receives (ZvMediaDirection direction)
{
  return direction == ZV_MEDIA_SENDRECV || direction == ZV_MEDIA_RECVONLY;
}

/* The receiving half, which needs no codec yet: sockets -> [srtpdec] -> rtpbin (its jitter buffer
 * learns payload types from on_request_pt_map()) -> decoder (on_pad_added()) -> valve -> tee ->
 * recording, speaker. */
static gboolean
build_receiver (ZvMediaSession *self,
                GError        **error)
{
  GstElement *rtpbin, *rtcp_src, *record_bin;
  GstPad *rtpbin_pad;
  g_autofree char *record_description = NULL;
  g_autofree char *probe = NULL;
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GstPad) probe_pad = NULL;
  g_autoptr(GstBus) bus = NULL;

  self->pipeline = gst_pipeline_new ("zveno-call");
  {
    g_autoptr(GstClock) clock = gst_system_clock_obtain ();

    /* Not a sound card's clock: the card may be switched or unplugged during the call, and a
     * pipeline left with the clock of a removed sink stops. */
    gst_pipeline_use_clock (GST_PIPELINE (self->pipeline), clock);
  }
  rtpbin = zv_media_make ("rtpbin", error);
  if (rtpbin == NULL)
    return FALSE;
  g_object_set (rtpbin, "latency", 40, "do-lost", TRUE, NULL);
  g_signal_connect (rtpbin, "request-pt-map", G_CALLBACK (on_request_pt_map), self);
  gst_bin_add (GST_BIN (self->pipeline), rtpbin);
  self->rtpbin = rtpbin;

  self->rtp_src = zv_media_make ("udpsrc", error);
  rtcp_src = zv_media_make ("udpsrc", error);
  if (self->rtp_src == NULL || rtcp_src == NULL)
    return FALSE;
  /* Encrypted when our description is: the far end's answer must be too (checked by start()). */
  caps = gst_caps_new_simple (self->srtp_key != NULL ? "application/x-srtp" : "application/x-rtp",
                              "media", G_TYPE_STRING, "audio", NULL);
  g_object_set (self->rtp_src, "socket", self->rtp_socket, "close-socket", FALSE, "caps", caps, NULL);
  g_object_set (rtcp_src, "socket", self->rtcp_socket, "close-socket", FALSE, NULL);
  gst_bin_add_many (GST_BIN (self->pipeline), self->rtp_src, rtcp_src, NULL);
  if (!zv_media_session_link_receiver (self, rtpbin, rtcp_src, error))
    return FALSE;
  probe_pad = gst_element_get_static_pad (self->rtp_src, "src");
  gst_pad_add_probe (probe_pad, GST_PAD_PROBE_TYPE_BUFFER, count_received, self, NULL);
  g_clear_object (&probe_pad);
  /* Telephone-events are read in the clear: after SRTP, before rtpbin. */
  rtpbin_pad = gst_element_get_static_pad (rtpbin, "recv_rtp_sink_0");
  probe_pad = gst_pad_get_peer (rtpbin_pad);
  gst_object_unref (rtpbin_pad);
  gst_pad_add_probe (probe_pad, GST_PAD_PROBE_TYPE_BUFFER, zv_media_session_take_dtmf, self, NULL);
  g_clear_object (&probe_pad);

  self->tee = zv_media_make ("tee", error);
  if (self->tee == NULL)
    return FALSE;
  g_object_set (self->tee, "allow-not-linked", TRUE, NULL);
  self->recv_valve = zv_media_make ("valve", error);
  if (self->recv_valve == NULL)
    return FALSE;
  g_object_set (self->recv_valve, "drop", !direction_receives (self->direction), NULL);
  gst_bin_add_many (GST_BIN (self->pipeline), self->recv_valve, self->tee, NULL);
  zv_media_link (self->recv_valve, NULL, self->tee, NULL);
  /* Without a speaker the recording is what is played: webrtcdsp cancels its echo. */
  self->probe_in_record = zv_media_session_use_dsp (self) && self->output_device == NULL;
  if (self->probe_in_record)
    probe = g_strdup_printf ("audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000 ! "
                             "webrtcechoprobe name=%s ! ", self->echo_probe_name);
  if (probe == NULL)
    {
      /* A file behind a queue, so that a slow disk does not hold up the jitter buffer; nothing
       * written, no queue (and its thread). */
      static const char *const to_file[] = { "queue", "audioconvert", "wavenc", "filesink:recfile", NULL };
      static const char *const to_nothing[] = { "fakesink:recfile", NULL };
      GstElement *e[4];

      record_bin = zv_media_chain (self->record_file != NULL ? to_file : to_nothing, e, error);
      if (record_bin == NULL)
        return FALSE;
      if (self->record_file != NULL)
        g_object_set (e[3], "location", self->record_file, "async", FALSE, "sync", FALSE, NULL);
      else
        g_object_set (e[0], "async", FALSE, "sync", FALSE, "processing-deadline", (guint64) 0, NULL);
    }
  else
    {
      if (self->record_file != NULL)
        {
          g_autofree char *location = g_strescape (self->record_file, NULL);

          record_description = g_strdup_printf ("queue ! %saudioconvert ! wavenc ! filesink name=recfile location=\"%s\" "
                                                "async=false sync=false", probe, location);
        }
      else
        record_description = g_strdup_printf ("%sfakesink name=recfile async=false sync=false processing-deadline=0", probe);
      record_bin = zv_media_parse_bin (record_description, error);
      if (record_bin == NULL)
        return FALSE;
    }
  gst_bin_add (GST_BIN (self->pipeline), record_bin);
  zv_media_link (self->tee, "src_%u", record_bin, NULL);
  if (self->output_device != NULL && !zv_media_session_build_output (self, error))
    return FALSE;
  {
    GstElement *filesink = gst_bin_get_by_name (GST_BIN (record_bin), "recfile");

    probe_pad = gst_element_get_static_pad (filesink, "sink");
    gst_pad_add_probe (probe_pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, record_eos, self, NULL);
    g_clear_object (&probe_pad);
    gst_object_unref (filesink);
  }
  g_signal_connect (rtpbin, "pad-added", G_CALLBACK (on_pad_added), self);
  {
    GObject *session = NULL;

    /* RTCP every second rather than every 5 (RFC 3550 6.2 allows a smaller minimum): the quality
     * indicator and a short call's report then have loss and round trip to show. */
    g_signal_emit_by_name (rtpbin, "get-internal-session", 0u, &session);
    if (session != NULL)
      {
        g_object_set (session, "rtcp-min-interval", (guint64) GST_SECOND, NULL);
        g_object_unref (session);
      }
  }
  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);
  return TRUE;
}

/* Streaming thread, ZVENO_PHONE_TRACE only: when the first buffer leaves each element. */
static GstPadProbeReturn
trace_first_buffer (GstPad          *pad,
                    GstPadProbeInfo *info,
                    gpointer         user_data)
{
  zv_phone_trace ("media: first buffer out of %s:%s", GST_DEBUG_PAD_NAME (pad));
  return GST_PAD_PROBE_REMOVE;
}

static void
trace_first_buffers (GstElement *pipeline)
{
  g_autoptr(GstIterator) elements = NULL;
  GValue item = G_VALUE_INIT;

  if (!zv_phone_trace_enabled ())
    return;
  elements = gst_bin_iterate_recurse (GST_BIN (pipeline));
  while (gst_iterator_next (elements, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);

      for (GList *l = element->srcpads; l != NULL; l = l->next)
        if (!GST_IS_GHOST_PAD (l->data) && g_object_get_data (l->data, "zv-traced") == NULL)
          {
            g_object_set_data (l->data, "zv-traced", GINT_TO_POINTER (1));
            gst_pad_add_probe (l->data, GST_PAD_PROBE_TYPE_BUFFER, trace_first_buffer, NULL, NULL);
          }
      g_value_reset (&item);
    }
  g_value_unset (&item);
}

/* Main loop: the far end should be sending, yet nothing came for rtp_timeout seconds. */
static gboolean
check_rtp_timeout (gpointer user_data)
{
  ZvMediaSession *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 since;

  if (!self->running || !self->remote_sends || !direction_receives (self->direction))
    return G_SOURCE_CONTINUE;
  g_mutex_lock (&self->lock);
  since = MAX (self->last_rtp_time, self->expect_since);
  g_mutex_unlock (&self->lock);
  if (now - since < (gint64) (self->rtp_timeout * G_USEC_PER_SEC))
    {
      /* RTP came back: a later silence is a new one. */
      self->timeout_emitted = FALSE;
      return G_SOURCE_CONTINUE;
    }
  if (!self->timeout_emitted)
    {
      self->timeout_emitted = TRUE;
      g_debug ("no RTP for %.1f s", (double) (now - since) / G_USEC_PER_SEC);
      g_signal_emit (self, signals[SIGNAL_TIMEOUT], 0);
    }
  return G_SOURCE_CONTINUE;
}

static void
start_timeout_watch (ZvMediaSession *self)
{
  /* A quarter of the timeout, at most a second: the signal comes at most that late. */
  guint interval = (guint) CLAMP (self->rtp_timeout * 1000 / 4, 10, 1000);
  g_autoptr(GSource) source = g_timeout_source_new (interval);

  g_source_set_callback (source, check_rtp_timeout, self, NULL);
  g_source_set_name (source, "[zveno] RTP timeout");
  g_source_attach (source, self->context);
  self->timeout_source = g_steal_pointer (&source);
}

/**
 * zv_media_session_prepare:
 * @offer: (nullable): the far end's offer when we answer; NULL when we offer
 *
 * Builds the pipeline and sets it playing before the call is answered, so that audio flows the
 * moment it is: the receiving side always (the sockets are read from now on, whatever codec the
 * answer picks), and with @offer the sending side too, its valve closed (and a file to be played
 * held at its start) until zv_media_session_start(). A microphone is opened only then. Errors
 * later on arrive as ::failed.
 */
gboolean
zv_media_session_prepare (ZvMediaSession  *self,
                          const ZvSdp     *offer,
                          GError         **error)
{
  g_return_val_if_fail (ZV_IS_MEDIA_SESSION (self), FALSE);

  if (self->pipeline != NULL)
    return TRUE;
  zv_phone_trace ("media: prepare");
  zv_media_session_warm_up ();
  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  if (offer != NULL)
    {
      self->codec = offer->codec;
      self->dtmf_pt = offer->dtmf_payload;
    }
  if (!build_receiver (self, error)
      || (offer != NULL && self->input_device == NULL && !zv_media_session_build_sender (self, offer, TRUE, error)))
    {
      zv_media_session_stop (self);
      return FALSE;
    }
  zv_phone_trace ("media: built");
  trace_first_buffers (self->pipeline);
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("The audio pipeline did not start."));
      zv_media_session_stop (self);
      return FALSE;
    }
  if (self->out_selector != NULL)
    {
      self->output = zv_media_session_attach_output (self, self->output_device, error);
      if (self->output == NULL)
        {
          zv_media_session_stop (self);
          return FALSE;
        }
    }
  zv_phone_trace ("media: prepared");
  return TRUE;
}

/**
 * zv_media_session_start:
 * @remote: the far end's description, with the agreed codec
 *
 * Starts sending to and receiving from @remote: opens the prepared pipeline
 * (zv_media_session_prepare()), or builds and starts it now. Errors later on arrive as ::failed.
 */
gboolean
zv_media_session_start (ZvMediaSession  *self,
                        const ZvSdp     *remote,
                        GError         **error)
{
  g_return_val_if_fail (ZV_IS_MEDIA_SESSION (self), FALSE);
  g_return_val_if_fail (!self->running, FALSE);

  if ((remote->crypto_key != NULL) != (self->srtp_key != NULL))
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE,
                           self->srtp_key != NULL ? _("The other side does not encrypt the call’s audio.")
                                                  : _("The other side wants encrypted audio that was not offered."));
      return FALSE;
    }
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->srtp_remote_key, g_bytes_unref);
  if (remote->crypto_key != NULL)
    {
      gsize length = 0;
      guchar *raw = g_base64_decode (remote->crypto_key, &length);

      self->srtp_remote_key = g_bytes_new_take (raw, length);
    }
  g_mutex_unlock (&self->lock);
  if (self->sender_built && (remote->codec.codec != self->codec.codec
                             || remote->codec.payload_type != self->codec.payload_type))
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("The call’s audio changed codec before it started."));
      return FALSE;
    }
  self->codec = remote->codec;
  zv_phone_trace ("media: start");
  /* Not prepared yet (answered at once, or an answer that came quickly): both halves are built
   * before the pipeline plays, which costs less than starting the sender in a playing one. */
  if (!zv_media_session_prepare (self, remote, error))
    return FALSE;
  if (!self->sender_built && !zv_media_session_build_sender (self, remote, FALSE, error))
    {
      zv_media_session_stop (self);
      return FALSE;
    }
  zv_phone_trace ("media: sender built");
  trace_first_buffers (self->pipeline);
  self->running = TRUE;
  zv_media_session_set_direction (self, self->direction);
  /* After the valve opened: the file's first buffer would be dropped by the closed one, and the
   * next one comes only when the pacer lets it (tens of ms later). */
  zv_media_session_release_play_file (self);
  self->remote_sends = remote->sends;
  g_mutex_lock (&self->lock);
  self->expect_since = g_get_monotonic_time ();
  g_mutex_unlock (&self->lock);
  start_timeout_watch (self);
  zv_phone_trace ("media: started");
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
  if (self->running)
    {
      zv_media_session_get_stats (self, &self->final_stats);
      self->have_final_stats = TRUE;
    }
  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->latency_source != NULL)
    {
      g_source_destroy (self->latency_source);
      g_clear_pointer (&self->latency_source, g_source_unref);
    }
  if (self->timeout_source != NULL)
    {
      g_source_destroy (self->timeout_source);
      g_clear_pointer (&self->timeout_source, g_source_unref);
    }
  g_clear_pointer (&self->pipeline, gst_object_unref);
  self->rtp_src = NULL;
  self->tee = NULL;
  self->rtp_sink = NULL;
  self->rtcp_sink = NULL;
  self->send_valve = NULL;
  self->recv_valve = NULL;
  self->mute_volume = NULL;
  self->rtpbin = NULL;
  self->in_selector = NULL;
  self->out_selector = NULL;
  self->input = NULL;
  self->output = NULL;
  self->dtmf_src = NULL;
  self->send_head = NULL;
  self->send_source = NULL;
  self->mixer = NULL;
  self->mix_in = NULL;
  self->mix_in_src = NULL;
  self->mix_probe = 0;
  g_mutex_lock (&self->lock);
  gst_clear_object (&self->mix_target);
  gst_clear_caps (&self->mix_caps);
  g_mutex_unlock (&self->lock);
  self->dtmf_pt = -1;
  self->dtmf_tone_on = FALSE;
  g_string_truncate (self->dtmf_queue, 0);
  if (self->dtmf_source != NULL)
    {
      g_source_destroy (self->dtmf_source);
      g_clear_pointer (&self->dtmf_source, g_source_unref);
    }
  self->sender_built = FALSE;
  self->play_hold = 0;
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

/**
 * zv_media_session_set_direction:
 * @direction: what we do: with SENDRECV or SENDONLY we send; with RECVONLY or INACTIVE we stop
 *   sending. What arrives is played (recorded, echoed) only with SENDRECV or RECVONLY.
 *
 * Takes effect at once on a running session, without restarting it. Before start() it sets how the
 * session starts.
 */
void
zv_media_session_set_direction (ZvMediaSession   *self,
                                ZvMediaDirection  direction)
{
  g_return_if_fail (ZV_IS_MEDIA_SESSION (self));

  if (direction_receives (direction) && !direction_receives (self->direction))
    {
      /* The far end had no reason to send until now: its silence so far is no timeout. */
      g_mutex_lock (&self->lock);
      self->expect_since = g_get_monotonic_time ();
      g_mutex_unlock (&self->lock);
    }
  self->direction = direction;
  /* A prepared session sends nothing before start(): the call is not answered yet. */
  if (self->send_valve != NULL)
    g_object_set (self->send_valve, "drop", !self->running || !direction_sends (direction), NULL);
  if (self->recv_valve != NULL)
    g_object_set (self->recv_valve, "drop", !direction_receives (direction), NULL);
}

ZvMediaDirection
zv_media_session_get_direction (ZvMediaSession *self)
{
  return self->direction;
}

/**
 * zv_media_session_update:
 * @remote: the far end's new description (a re-INVITE or its answer)
 *
 * Sends RTP and RTCP to @remote's address and port from now on, and takes its direction into account
 * for the RTP timeout, without restarting the pipeline. The codec cannot change this way: a
 * description whose codec differs from the running one fails with ZV_SIP_ERROR_NOT_ACCEPTABLE (answer
 * the re-INVITE with 488; the call goes on as it was).
 */
gboolean
zv_media_session_update (ZvMediaSession  *self,
                         const ZvSdp     *remote,
                         GError         **error)
{
  g_return_val_if_fail (ZV_IS_MEDIA_SESSION (self), FALSE);
  g_return_val_if_fail (remote != NULL, FALSE);

  if (self->pipeline == NULL)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("The call’s audio is not running."));
      return FALSE;
    }
  if (remote->codec.codec != self->codec.codec || remote->codec.payload_type != self->codec.payload_type)
    {
      g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE,
                   _("The other side asked to switch the call’s audio from %s to %s."),
                   zv_codec_name (self->codec.codec), zv_codec_name (remote->codec.codec));
      return FALSE;
    }
  if (remote->port != 0 && remote->address != NULL)
    {
      g_object_set (self->rtp_sink, "host", remote->address, "port", (gint) remote->port, NULL);
      g_object_set (self->rtcp_sink, "host", remote->address, "port", (gint) remote->port + 1, NULL);
    }
  if (remote->sends && !self->remote_sends)
    {
      g_mutex_lock (&self->lock);
      self->expect_since = g_get_monotonic_time ();
      g_mutex_unlock (&self->lock);
    }
  self->remote_sends = remote->sends && remote->port != 0;
  return TRUE;
}

/**
 * zv_media_session_set_muted:
 *
 * Mutes the microphone: silence is sent instead (not nothing, so the far end sees no vanishing
 * RTP and its jitter buffer keeps its timing). DTMF still goes out.
 */
void
zv_media_session_set_muted (ZvMediaSession *self,
                            gboolean        muted)
{
  g_return_if_fail (ZV_IS_MEDIA_SESSION (self));

  self->muted = muted;
  if (self->mute_volume != NULL)
    g_object_set (self->mute_volume, "mute", muted, NULL);
}

gboolean
zv_media_session_get_muted (ZvMediaSession *self)
{
  return self->muted;
}

/**
 * zv_media_session_get_stats:
 * @out: (out caller-allocates): filled in
 *
 * The call's audio quality now (or when it stopped): packets, loss both ways, jitter, round trip
 * and a MOS estimate (zv_call_stats_mos()).
 */
void
zv_media_session_get_stats (ZvMediaSession *self,
                            ZvCallStats    *out)
{
  g_return_if_fail (ZV_IS_MEDIA_SESSION (self));
  g_return_if_fail (out != NULL);

  if (self->rtpbin == NULL && self->have_final_stats)
    {
      *out = self->final_stats;
      return;
    }
  *out = (ZvCallStats) { .codec = self->codec.codec, .loss_sent = -1, .rtt_ms = -1 };
  out->packets_sent = self->packets_sent;
  out->packets_received = self->packets_received;
  if (self->rtpbin != NULL)
    zv_media_stats_read_rtpbin (self->rtpbin, self->codec.clock_rate, out);
  out->loss = MAX (out->loss_received, out->loss_sent);
  out->mos = zv_call_stats_mos (out->codec, out->loss, out->jitter_ms, out->rtt_ms);
}

