/* zv-phone.h: the app's telephone: the SIP account the company provisions for the signed-in user
 * (GET /telephony), the call in progress and a held second one, a ringing (or waiting) call, who
 * is on the other end (the directory or the CRM), and the call history with every call reported
 * to the backend. */
#pragma once

#include <gio/gio.h>

#include "zv-account.h"
#include "zv-audio-devices.h"
#include "zv-call-history.h"
#include "zv-call.h"
#include "zv-conference.h"
#include "zv-events.h"
#include "zv-sip-account.h"

G_BEGIN_DECLS

typedef enum {
  ZV_PHONE_STATE_OFF,            /* not started */
  ZV_PHONE_STATE_PROVISIONING,   /* asking the server for the SIP account */
  ZV_PHONE_STATE_NOT_SET_UP,     /* the company gave this user no SIP account */
  ZV_PHONE_STATE_CONNECTING,     /* registering with the company's phone system */
  ZV_PHONE_STATE_READY,          /* registered: calls can be made and received */
  ZV_PHONE_STATE_FAILED,         /* see the status message; retried by itself */
} ZvPhoneState;

#define ZV_TYPE_PHONE_STATE (zv_phone_state_get_type ())
GType zv_phone_state_get_type (void) G_GNUC_CONST;

#define ZV_PHONE_APP_ERROR (zv_phone_app_error_quark ())

typedef enum {
  ZV_PHONE_APP_ERROR_NOT_READY,   /* the phone is not set up or not connected */
  ZV_PHONE_APP_ERROR_BUSY,        /* a call is already in progress */
} ZvPhoneAppError;

GQuark zv_phone_app_error_quark (void);

#define ZV_TYPE_PHONE (zv_phone_get_type ())

G_DECLARE_FINAL_TYPE (ZvPhone, zv_phone, ZV, PHONE, GObject)

ZvPhone        *zv_phone_new                   (ZvAccount     *account,
                                                ZvEvents      *events);
void            zv_phone_start                 (ZvPhone       *self);
void            zv_phone_stop                  (ZvPhone       *self);
ZvPhoneState    zv_phone_get_state             (ZvPhone       *self);
const char     *zv_phone_get_status_message    (ZvPhone       *self);
ZvCallHistory  *zv_phone_get_history           (ZvPhone       *self);
ZvAccount      *zv_phone_get_account           (ZvPhone       *self);
const char     *zv_phone_get_extension         (ZvPhone       *self);

GListModel     *zv_phone_get_caller_ids        (ZvPhone       *self);
const char     *zv_phone_get_caller_id_number  (ZvPhone       *self,
                                                guint          position);
guint           zv_phone_get_default_caller_id (ZvPhone       *self);

ZvCall         *zv_phone_dial                  (ZvPhone       *self,
                                                const char    *number,
                                                const char    *caller_id,
                                                GError       **error);
ZvCall         *zv_phone_get_call              (ZvPhone       *self);
ZvCall         *zv_phone_get_incoming_call     (ZvPhone       *self);
ZvCall         *zv_phone_get_held_call         (ZvPhone       *self);
gboolean        zv_phone_is_call_waiting       (ZvPhone       *self);
gboolean        zv_phone_answer                (ZvPhone       *self,
                                                GError       **error);
gboolean        zv_phone_end_and_answer        (ZvPhone       *self,
                                                GError       **error);
gboolean        zv_phone_swap                  (ZvPhone       *self,
                                                GError       **error);
void            zv_phone_decline               (ZvPhone       *self);
void            zv_phone_hangup                (ZvPhone       *self);
gboolean        zv_phone_transfer              (ZvPhone       *self,
                                                const char    *number,
                                                GError       **error);
gboolean        zv_phone_transfer_to_other     (ZvPhone       *self,
                                                GError       **error);
gboolean        zv_phone_merge                 (ZvPhone       *self,
                                                GError       **error);
ZvConference   *zv_phone_get_conference        (ZvPhone       *self);

const char     *zv_phone_call_get_number       (ZvCall        *call);
const char     *zv_phone_call_get_name         (ZvCall        *call);
const char     *zv_phone_call_get_detail       (ZvCall        *call);
const char     *zv_phone_call_get_sip_call_id  (ZvCall        *call);
gint64          zv_phone_call_get_answered_at  (ZvCall        *call);
double          zv_phone_call_get_quality      (ZvCall        *call);

ZvAudioDevices *zv_phone_get_audio_devices     (ZvPhone       *self);
GstDevice      *zv_phone_dup_ringing_device    (ZvPhone       *self);
GPtrArray      *zv_phone_list_sound_devices    (ZvAudioDevices *devices,
                                                gboolean       inputs);

void            zv_phone_save_notes_async      (ZvPhone       *self,
                                                const char    *sip_call_id,
                                                const char    *notes,
                                                GCancellable  *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer       user_data);
gboolean        zv_phone_save_notes_finish     (ZvPhone       *self,
                                                GAsyncResult  *result,
                                                GError       **error);

G_END_DECLS
