/* zv-media-session-private.h: ZvMediaSession's fields and the helpers its files share
 * (zv-media-session.c: the pipeline and its receiving half; zv-media-send.c: the sending half;
 * zv-media-dtmf.c: RFC 4733; zv-media-io.c: SRTP, sound devices and webrtcdsp; zv-media-mix.c:
 * conferences; zv-media-build.c: making and linking elements, the warm-up). Never used outside
 * src/phone. */
#pragma once

#include <gst/audio/audio.h>
#include <gst/gst.h>

#include "zv-media-session.h"
#include "zv-media-stats.h"

G_BEGIN_DECLS

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
  GSource     *latency_source;     /* a latency recalculation due (several LATENCY messages, one run) */

  /* borrowed: children of pipeline */
  GstElement  *rtp_src;
  GstElement  *tee;
  GstElement  *send_in;
  GstElement  *rtp_sink;
  GstElement  *rtcp_sink;
  GstElement  *send_valve;         /* closed when we do not send (hold, recvonly) */
  GstElement  *recv_valve;         /* closed when we do not play what arrives */
  GstElement  *mute_volume;        /* silences the microphone; packets keep flowing */
  GstElement  *rtpbin;
  char        *srtp_key;           /* ours (base64 SDES inline key), NULL: plain RTP */

  /* Sound devices (NULL: files, silence, echo) and their switches in a running session. */
  GstDevice   *input_device;
  GstDevice   *output_device;
  gboolean     dsp;                /* webrtcdsp on the microphone (with a real device only) */
  GstElement  *in_selector;        /* borrowed, like the three below: an audiomixer */
  GstElement  *out_selector;       /* a tee */
  GstElement  *input;
  GstElement  *output;
  char        *echo_probe_name;
  GBytes      *srtp_remote_key;    /* the far end's, raw, while a session runs */
  ZvCallStats  final_stats;        /* taken when the session stopped */
  gboolean     have_final_stats;
  guint        drop_every;         /* tests: ZVENO_TEST_DROP_EVERY drops every Nth RTP packet sent */
  guint        drop_count;
  gboolean     muted;

  ZvMediaDirection direction;      /* what we do */
  gboolean     remote_sends;       /* what the far end's description says it does */
  GMutex       lock;               /* last_rtp_time, between the streaming thread and the main loop */
  gint64       last_rtp_time;
  gint64       expect_since;       /* since when RTP should arrive: start, or the last direction change */
  double       rtp_timeout;        /* seconds */
  GSource     *timeout_source;
  gboolean     timeout_emitted;

  GMainContext *context;           /* where signals are emitted: the one that started the session */

  /* DTMF (RFC 4733). */
  GstElement  *dtmf_src;           /* borrowed; NULL when the far end takes no telephone-event */
  int          dtmf_pt;            /* what we receive them as, -1: none */
  GString     *dtmf_queue;         /* digits waiting to be sent */
  GSource     *dtmf_source;        /* the next step of sending them */
  gboolean     dtmf_tone_on;
  guint32      dtmf_last_ts;       /* streaming thread: the event seen last (its RTP timestamp) */
  gboolean     dtmf_seen;

  ZvCodecChoice codec;
  gboolean     echo;
  gboolean     running;
  gboolean     sender_built;       /* the sending half exists (prepared for an incoming call, or started) */
  gboolean     probe_in_record;    /* webrtcdsp's echo probe is in the recording branch (no speaker) */
  gulong       play_hold;          /* the probe holding a file to be played until start(), 0: none */
  gint         record_done;       /* atomic */
  gint64       first_rtp_time;    /* atomic-ish: written once by the streaming thread */
  guint64      packets_received;
  guint64      packets_sent;

  /* A local conference (zv-media-mix.c). */
  GstElement  *send_head;          /* borrowed: the encoding bin (its first element a queue) */
  GstElement  *send_source;        /* borrowed: what feeds it: the source bin, or the microphone's mixer */
  GstElement  *mixer;              /* borrowed: the audiomixer put between them at the first merge */
  GstElement  *mix_in;             /* borrowed: the other call's audio into the mixer (appsrc bin) */
  GstElement  *mix_in_src;         /* borrowed: that bin's appsrc */
  gulong       mix_probe;          /* on the tee's sink pad: what we hear, also to mix_target */
  GstCaps     *mix_caps;           /* owned, under lock: that audio's format... */
  GstAudioInfo mix_info;           /* ...and the same parsed, under lock */
  GstElement  *mix_target;         /* owned, under lock: the other session's mix_in_src */
  GstClockTime mix_next_pts;       /* under lock: where the next buffer to mix_target goes in its pipeline's time */
  guint        mix_resyncs;        /* under lock: how often that timeline was set back to the clock */
};

GstElement        *zv_media_make                   (const char      *factory,
                                                    GError         **error);
GstElement        *zv_media_parse_bin              (const char      *description,
                                                    GError         **error);
GstElement        *zv_media_chain                  (const char *const *factories,
                                                    GstElement     **elements,
                                                    GError         **error);
gboolean           zv_media_link                   (GstElement      *src,
                                                    const char      *src_pad,
                                                    GstElement      *sink,
                                                    const char      *sink_pad);
void               zv_media_session_emit_dtmf      (ZvMediaSession  *self,
                                                    const char      *digit);
GstPadProbeReturn  zv_media_session_take_dtmf      (GstPad          *pad,
                                                    GstPadProbeInfo *info,
                                                    gpointer         user_data);
gboolean           zv_media_session_link_receiver  (ZvMediaSession  *self,
                                                    GstElement      *rtpbin,
                                                    GstElement      *rtcp_src,
                                                    GError         **error);
gboolean           zv_media_session_link_sender    (ZvMediaSession  *self,
                                                    GstElement      *rtpbin,
                                                    GstElement      *rtp_sink,
                                                    GstElement      *rtcp_sink);
gboolean           zv_media_session_build_sender   (ZvMediaSession  *self,
                                                    const ZvSdp     *remote,
                                                    gboolean         hold_file,
                                                    GError         **error);
void               zv_media_session_release_play_file (ZvMediaSession *self);
gboolean           zv_media_session_codec_for_pt   (ZvMediaSession  *self,
                                                    guint            pt,
                                                    ZvCodecChoice   *out);
gboolean           zv_media_session_use_dsp        (ZvMediaSession  *self);
gboolean           zv_media_session_build_input    (ZvMediaSession  *self,
                                                    GstElement      *send_bin,
                                                    GError         **error);
gboolean           zv_media_session_build_output   (ZvMediaSession  *self,
                                                    GError         **error);
GstElement        *zv_media_session_attach_output  (ZvMediaSession  *self,
                                                    GstDevice       *device,
                                                    GError         **error);

G_END_DECLS
