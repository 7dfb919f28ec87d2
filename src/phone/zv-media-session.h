/* zv-media-session.h: the audio of one call: RTP in and out through a GStreamer rtpbin.
 *
 * Sources and sinks are swappable so calls run without a sound card: a WAV file or a silent
 * generator as the microphone, a WAV file (or nothing) as the speaker, or the far end's own audio
 * sent back (echo). */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include "zv-media-stats.h"
#include "zv-sdp.h"

G_BEGIN_DECLS

#define ZV_TYPE_MEDIA_SESSION (zv_media_session_get_type ())

G_DECLARE_FINAL_TYPE (ZvMediaSession, zv_media_session, ZV, MEDIA_SESSION, GObject)

ZvMediaSession *zv_media_session_new             (const char      *local_address,
                                                  GError         **error);
guint           zv_media_session_get_port        (ZvMediaSession  *self);
void            zv_media_session_set_play_file   (ZvMediaSession  *self,
                                                  const char      *path);
void            zv_media_session_set_record_file (ZvMediaSession  *self,
                                                  const char      *path);
void            zv_media_session_set_echo        (ZvMediaSession  *self,
                                                  gboolean         echo);
void            zv_media_session_warm_up         (void);
void            zv_media_session_warm_up_in_background (void);
gboolean        zv_media_session_prepare         (ZvMediaSession  *self,
                                                  const ZvSdp     *offer,
                                                  GError         **error);
gboolean        zv_media_session_start           (ZvMediaSession  *self,
                                                  const ZvSdp     *remote,
                                                  GError         **error);
void            zv_media_session_stop            (ZvMediaSession  *self);
gboolean        zv_media_session_is_running      (ZvMediaSession  *self);
ZvCodec         zv_media_session_get_codec       (ZvMediaSession  *self);
gint64          zv_media_session_get_first_rtp_time (ZvMediaSession *self);
guint64         zv_media_session_get_packets_received (ZvMediaSession *self);
guint64         zv_media_session_get_packets_sent     (ZvMediaSession *self);
void            zv_media_session_set_direction   (ZvMediaSession  *self,
                                                  ZvMediaDirection direction);
ZvMediaDirection zv_media_session_get_direction  (ZvMediaSession  *self);
gboolean        zv_media_session_update          (ZvMediaSession  *self,
                                                  const ZvSdp     *remote,
                                                  GError         **error);
gboolean        zv_media_session_can_send_dtmf   (ZvMediaSession  *self);
gboolean        zv_media_session_send_dtmf       (ZvMediaSession  *self,
                                                  const char      *digits,
                                                  GError         **error);
gboolean        zv_media_session_is_sending_dtmf (ZvMediaSession  *self);
void            zv_media_session_set_muted       (ZvMediaSession  *self,
                                                  gboolean         muted);
gboolean        zv_media_session_get_muted       (ZvMediaSession  *self);
void            zv_media_session_get_stats       (ZvMediaSession  *self,
                                                  ZvCallStats     *out);
gboolean        zv_media_session_enable_srtp     (ZvMediaSession  *self,
                                                  GError         **error);
const char     *zv_media_session_get_srtp_key    (ZvMediaSession  *self);
void            zv_media_session_set_dsp         (ZvMediaSession  *self,
                                                  gboolean         dsp);
gboolean        zv_media_session_has_dsp         (ZvMediaSession  *self);
gboolean        zv_media_session_set_input_device  (ZvMediaSession *self,
                                                    GstDevice      *device,
                                                    GError        **error);
gboolean        zv_media_session_set_output_device (ZvMediaSession *self,
                                                    GstDevice      *device,
                                                    GError        **error);
gboolean        zv_media_session_mix_into        (ZvMediaSession  *self,
                                                  ZvMediaSession  *other,
                                                  GError         **error);
void            zv_media_session_unmix           (ZvMediaSession  *self);
gboolean        zv_media_session_is_mixing       (ZvMediaSession  *self);

G_END_DECLS
