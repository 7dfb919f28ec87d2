/* zv-call-private.h: what the files of ZvCall share (zv-call.c: the call itself, its answer and
 * end; zv-call-media.c: DTMF, mute, SRTP policy, statistics; zv-call-session.c: re-INVITEs, hold
 * and resume, session timers and a far end that goes quiet; zv-call-transfer.c: REFER both ways
 * and Replaces). Never included outside those files. */
#pragma once

#include "zv-call.h"
#include "zv-media-session.h"
#include "zv-sdp.h"
#include "zv-sip-private.h"

G_BEGIN_DECLS

struct _ZvCall
{
  GObject         parent_instance;

  /* owned */
  char           *remote_uri;
  char           *caller_id;
  char           *play_file;
  char           *record_file;
  ZvSdp          *remote_sdp;
  ZvMediaSession *media;
  GError         *error;
  char           *refer_event;     /* the Event of a REFER we received ("refer;id=N"), for our NOTIFYs */
  char           *replaces_header; /* "Replaces: ..." to send in our INVITE (a REFER asked for it) */
  ZvCall         *referred_by;     /* the call whose REFER placed this one: it hears our progress */

  /* borrowed: the account outlives its calls' handles (it holds a ref while one exists) */
  ZvSipAccount   *account;
  nua_handle_t   *nh;

  ZvCallState     state;
  gboolean        incoming;
  gboolean        echo;
  guint           auth_tries;
  guint           sdp_version;      /* our o= version: +1 whenever our description changes */
  ZvMediaDirection last_direction;  /* the direction of the last description we sent */
  ZvCallEndReason end_reason;
  gboolean        on_hold;          /* we hold the far end */
  gboolean        remote_hold;      /* the far end holds us */
  gboolean        early_media;      /* audio started with a 180/183 */
  gboolean        bye_sent;         /* we asked for BYE; one we did not ask for is nua's session timer */
  gboolean        cancel_sent;      /* we CANCELled our INVITE and wait for its final answer */
  guint           cancel_timeout;   /* gives up waiting for that answer */
  guint           prepare_timeout;  /* our INVITE's audio is prepared at its first reply, or then */
  gboolean        reoffer_pending;  /* our re-INVITE (hold, resume) waits for its answer */
  gboolean        offer_in_200;     /* we answered an offer-less re-INVITE with an offer: the ACK answers */
  gboolean        transfer_pending; /* our REFER is under way */
  gboolean        transfer_done;    /* a transfer of this call succeeded (either direction) */
  guint64         session_id;
  gint64          invite_time;
  gint64          active_time;
  gint64          end_time;

  /* Media features: the section at the end of zv-call.c. */
  gboolean        muted;
  GString        *dtmf_info_queue;  /* digits waiting to go by SIP INFO, NULL before the first */
  gboolean        dtmf_info_pending; /* an INFO of ours waits for its response */
  char           *sip_call_id;      /* the dialog's Call-ID, for the quality report */
  gboolean        srtp_required;    /* this call must be encrypted (or the account says so) */
  GstDevice      *input_device;     /* chosen for the call (zv_call_set_input_device()), NULL: none */
  GstDevice      *output_device;
  gboolean        dsp;              /* webrtcdsp on our microphone */
};

enum {
  PROP_0,
  PROP_STATE,
  PROP_ON_HOLD,
  PROP_REMOTE_HOLD,
  N_PROPS
};

/* zv-call.c */
void         zv_call_finish                 (ZvCall           *self,
                                             GError           *error);
void         zv_call_finish_with_reason     (ZvCall           *self,
                                             ZvCallEndReason   reason,
                                             GError           *error);
void         zv_call_set_flag               (ZvCall           *self,
                                             gboolean         *flag,
                                             gboolean          value,
                                             guint             prop);
void         zv_call_notify_prop            (ZvCall           *self,
                                             guint             prop);
const char  *zv_call_local_address          (ZvCall           *self);
ZvSdp       *zv_call_parse_body             (ZvCall           *self,
                                             const sip_t      *sip,
                                             GError          **error);
char        *zv_call_build_sdp              (ZvCall           *self,
                                             const ZvSdp      *offer,
                                             ZvMediaDirection  direction);
void         zv_call_emit_transfer_progress (ZvCall           *self,
                                             int               status,
                                             const char       *phrase);
void         zv_call_emit_transferred       (ZvCall           *self,
                                             ZvCall           *next);

/* zv-call-session.c */
gboolean     zv_call_sdp_held_address       (const ZvSdp      *sdp);
ZvMediaDirection zv_call_answer_direction   (ZvCall           *self,
                                             const ZvSdp      *offer);
void         zv_call_sync_media_direction   (ZvCall           *self);
void         zv_call_apply_remote           (ZvCall           *self,
                                             ZvSdp            *sdp);
void         zv_call_choose_refresh_method  (ZvCall           *self,
                                             const sip_t      *sip);
void         zv_call_end_unresponsive       (ZvCall           *self);
void         zv_call_on_media_timeout       (ZvMediaSession   *media,
                                             gpointer          user_data);
void         zv_call_on_reoffer_response    (ZvCall           *self,
                                             int               status,
                                             const char       *phrase,
                                             const sip_t      *sip);
void         zv_call_on_reinvite            (ZvCall           *self,
                                             const sip_t      *sip);
void         zv_call_on_ack                 (ZvCall           *self,
                                             const sip_t      *sip);

/* zv-call-media.c */
void         zv_call_class_init_media       (GObjectClass     *object_class,
                                             guint             first_prop_id);
gboolean     zv_call_get_media_property     (ZvCall           *self,
                                             guint             prop_id,
                                             GValue           *value);
void         zv_call_connect_media          (ZvCall           *self);
void         zv_call_clear_media            (ZvCall           *self);
void         zv_call_on_info                (ZvCall           *self,
                                             const sip_t      *sip);
void         zv_call_on_info_response       (ZvCall           *self,
                                             int               status,
                                             const sip_t      *sip);
void         zv_call_remember_call_id       (ZvCall           *self,
                                             const sip_t      *sip);
char        *zv_call_secure_sdp             (ZvCall           *self,
                                             char             *sdp,
                                             const ZvSdp      *offer);
gboolean     zv_call_srtp_acceptable        (ZvCall           *self,
                                             const ZvSdp      *offer,
                                             GError          **error);

/* zv-call-transfer.c */
void         zv_call_take_over_replaced     (ZvCall           *self,
                                             const sip_t      *sip);
void         zv_call_notify_referrer        (ZvCall           *self,
                                             int               status,
                                             const char       *phrase);
void         zv_call_on_refer               (ZvCall           *self,
                                             const sip_t      *sip,
                                             tagi_t            tags[]);
void         zv_call_on_refer_response      (ZvCall           *self,
                                             int               status,
                                             const char       *phrase,
                                             const sip_t      *sip);
void         zv_call_on_transfer_notify     (ZvCall           *self,
                                             const sip_t      *sip);

G_END_DECLS
