/* zv-call.h: one phone call, outgoing or incoming: its SIP dialog and its audio. */
#pragma once

#include <gio/gio.h>

#include "zv-media-stats.h"

G_BEGIN_DECLS

typedef enum {
  ZV_CALL_STATE_NEW,         /* not started yet */
  ZV_CALL_STATE_CALLING,     /* INVITE sent, nothing back yet */
  ZV_CALL_STATE_RINGING,     /* outgoing: the far end rings (180/183); incoming: we ring */
  ZV_CALL_STATE_ACTIVE,      /* answered, audio flowing */
  ZV_CALL_STATE_ENDED,       /* over; zv_call_get_error() says why when it did not end normally */
} ZvCallState;

#define ZV_TYPE_CALL_STATE (zv_call_state_get_type ())
GType zv_call_state_get_type (void) G_GNUC_CONST;

/* Why a call ended; the nicks ("busy", "no-response"...) are what zveno-cli prints. */
typedef enum {
  ZV_CALL_END_NONE,            /* not ended */
  ZV_CALL_END_HANGUP,          /* we hung up (or cancelled, or declined) */
  ZV_CALL_END_REMOTE_HANGUP,   /* the other side hung up */
  ZV_CALL_END_BUSY,            /* 486/600 */
  ZV_CALL_END_DECLINED,        /* 603, or we declined */
  ZV_CALL_END_CANCELLED,       /* CANCEL before the answer, by either side */
  ZV_CALL_END_NOT_FOUND,       /* 404/480/604 */
  ZV_CALL_END_NOT_ACCEPTABLE,  /* 488/606: no common codec, or a broken SDP */
  ZV_CALL_END_UNREACHABLE,     /* no answer at all from the network */
  ZV_CALL_END_NO_RESPONSE,     /* the far end vanished: no RTP, or a session refresh failed */
  ZV_CALL_END_TRANSFERRED,     /* handed over by a transfer that succeeded */
  ZV_CALL_END_REPLACED,        /* replaced by another call (INVITE with Replaces) */
  ZV_CALL_END_FAILED,          /* anything else: refused, audio failure */
} ZvCallEndReason;

#define ZV_TYPE_CALL_END_REASON (zv_call_end_reason_get_type ())
GType zv_call_end_reason_get_type (void) G_GNUC_CONST;

#define ZV_TYPE_CALL (zv_call_get_type ())

G_DECLARE_FINAL_TYPE (ZvCall, zv_call, ZV, CALL, GObject)

typedef struct _ZvSipAccount ZvSipAccount;

ZvCall       *zv_call_new_outgoing        (ZvSipAccount  *account,
                                           const char    *uri,
                                           const char    *caller_id);
void          zv_call_set_media_files     (ZvCall        *self,
                                           const char    *play_file,
                                           const char    *record_file,
                                           gboolean       echo);
gboolean      zv_call_start               (ZvCall        *self,
                                           GError       **error);
gboolean      zv_call_answer              (ZvCall        *self,
                                           GError       **error);
void          zv_call_decline             (ZvCall        *self);
void          zv_call_hangup              (ZvCall        *self);
ZvCallState   zv_call_get_state           (ZvCall        *self);
gboolean      zv_call_is_incoming         (ZvCall        *self);
const char   *zv_call_get_remote_uri      (ZvCall        *self);
const GError *zv_call_get_error           (ZvCall        *self);
const char   *zv_call_get_codec_name      (ZvCall        *self);
gint64        zv_call_get_setup_time_us   (ZvCall        *self);
gint64        zv_call_get_duration_us     (ZvCall        *self);
guint64       zv_call_get_packets_received (ZvCall       *self);
guint64       zv_call_get_packets_sent    (ZvCall        *self);

ZvCallEndReason zv_call_get_end_reason    (ZvCall        *self);
const char   *zv_call_get_end_reason_nick (ZvCall        *self);
gboolean      zv_call_has_early_media     (ZvCall        *self);
gboolean      zv_call_hold                (ZvCall        *self,
                                           GError       **error);
gboolean      zv_call_resume              (ZvCall        *self,
                                           GError       **error);
gboolean      zv_call_is_on_hold          (ZvCall        *self);
gboolean      zv_call_is_remote_hold      (ZvCall        *self);
gboolean      zv_call_transfer            (ZvCall        *self,
                                           const char    *uri,
                                           GError       **error);
gboolean      zv_call_transfer_attended   (ZvCall        *self,
                                           ZvCall        *other,
                                           GError       **error);

/* Media features (DTMF, mute, statistics). */
gboolean      zv_call_send_dtmf           (ZvCall        *self,
                                           const char    *digits,
                                           GError       **error);
gboolean      zv_call_is_sending_dtmf     (ZvCall        *self);
void          zv_call_set_muted           (ZvCall        *self,
                                           gboolean       muted);
gboolean      zv_call_get_muted           (ZvCall        *self);
const char   *zv_call_get_sip_call_id     (ZvCall        *self);
void          zv_call_set_srtp_required   (ZvCall        *self,
                                           gboolean       required);
gboolean      zv_call_is_encrypted        (ZvCall        *self);
void          zv_call_get_stats           (ZvCall        *self,
                                           ZvCallStats   *out);

/* A local conference (ZvConference): what @self hears is also sent on @other. */
gboolean      zv_call_mix_into            (ZvCall        *self,
                                           ZvCall        *other,
                                           GError       **error);
void          zv_call_unmix               (ZvCall        *self);

/* Sound devices and echo cancellation (ids from ZvAudioDevices, zv_audio_device_get_id()). */
typedef struct _ZvAudioDevices ZvAudioDevices;

gboolean      zv_call_set_input_device    (ZvCall        *self,
                                           ZvAudioDevices *devices,
                                           const char    *id,
                                           GError       **error);
gboolean      zv_call_set_output_device   (ZvCall        *self,
                                           ZvAudioDevices *devices,
                                           const char    *id,
                                           GError       **error);
char         *zv_call_dup_input_device_id (ZvCall        *self);
char         *zv_call_dup_output_device_id (ZvCall       *self);
void          zv_call_set_dsp             (ZvCall        *self,
                                           gboolean       dsp);
gboolean      zv_call_get_dsp             (ZvCall        *self);

G_END_DECLS
