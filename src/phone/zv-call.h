/* zv-call.h: one phone call, outgoing or incoming: its SIP dialog and its audio. */
#pragma once

#include <gio/gio.h>

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

G_END_DECLS
