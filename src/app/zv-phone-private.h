/* zv-phone-private.h: what zv-phone.c (calls, provisioning) and zv-phone-report.c (who is on the
 * other end, reporting to the backend) share of ZvPhone: the instance struct and the CallInfo
 * every call of the phone carries on its object data. Not for other files. */
#pragma once

#include <gtk/gtk.h>

#include "zv-phone.h"

G_BEGIN_DECLS

#define ZV_PHONE_CALL_INFO_KEY "zv-phone-call-info"

struct _ZvPhone
{
  GObject         parent_instance;

  /* owned */
  ZvAccount      *account;
  ZvEvents       *events;
  ZvCallHistory  *history;
  ZvSipAccount   *sip;
  ZvCall         *call;            /* the call in the foreground (outgoing, or an answered incoming one) */
  ZvCall         *held;            /* the second call, on hold while the other one talks */
  ZvCall         *incoming;        /* ringing here, not answered yet (a waiting call when there is one) */
  ZvConference   *conference;      /* call and held merged (zv_phone_merge()), NULL otherwise */
  GtkStringList  *caller_ids;      /* "Label · number" as the selector shows them */
  GPtrArray      *caller_numbers;  /* char*, the numbers in the same order */
  char           *status_message;
  char           *extension;
  char           *domain;
  GCancellable   *cancellable;
  GSettings      *settings;        /* the sound devices and voice processing the user chose */
  ZvAudioDevices *devices;         /* started with the first call (or the first to ask for it) */

  ZvPhoneState    state;
  guint           default_caller_id;
  guint           provision_retry_id;
};

typedef struct {
  char   *sip_call_id;
  char   *number;        /* as the user reads it: an extension or a formatted number */
  char   *name;          /* from the directory or the CRM; NULL while unknown */
  char   *detail;        /* title and department, or the client's company */
  char   *caller_id;
  gint64  started_at;    /* ms since the epoch */
  gint64  answered_at;
  gint64  ended_at;
  ZvCallStats stats;     /* the last reading while the audio ran (the end's may be empty) */
} ZvPhoneCallInfo;

static inline ZvPhoneCallInfo *
zv_phone_call_info (ZvCall *call)
{
  return call != NULL ? g_object_get_data (G_OBJECT (call), ZV_PHONE_CALL_INFO_KEY) : NULL;
}

void          zv_phone_call_info_free    (ZvPhoneCallInfo *info);
void          zv_phone_conference_call_ended (ZvPhone     *self,
                                              ZvCall      *call);
void          zv_phone_emit_peer_changed (ZvPhone         *self,
                                          ZvCall          *call);

void          zv_phone_emit_audio_device_lost (ZvPhone    *self,
                                               const char *message);

/* zv-phone-devices.c */
void          zv_phone_apply_sound       (ZvPhone         *self,
                                          ZvCall          *call);

/* zv-phone-report.c */
gboolean      zv_phone_lookup_user       (ZvPhone         *self,
                                          const char      *column_value,
                                          gboolean         by_extension,
                                          char           **login,
                                          char           **name,
                                          char           **detail,
                                          char           **extension);
char         *zv_phone_uri_user          (const char      *uri);
char         *zv_phone_resolve           (ZvPhone         *self,
                                          const char      *number,
                                          char           **shown,
                                          char           **name,
                                          char           **detail,
                                          GError         **error);
void          zv_phone_identify_peer     (ZvPhone         *self,
                                          ZvCall          *call);
ZvCallStatus  zv_phone_final_status      (ZvCall          *call);
void          zv_phone_report_call       (ZvPhone         *self,
                                          ZvCall          *call,
                                          ZvCallStatus     status);

G_END_DECLS
