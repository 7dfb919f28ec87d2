/* zv-call.c: one phone call: the SIP dialog (a nua handle) and its audio (ZvMediaSession).
 *
 * Outgoing: INVITE with our SDP offer through the account's proxy (digest auth when challenged),
 * 180/183 ring, 200 carries the answer, nua ACKs, the audio starts. Incoming: the account hands
 * over the INVITE; an offer we cannot use is refused with 488 at once, otherwise we ring (180) until
 * zv_call_answer() sends 200 with our answer. Either side ends it with BYE (or CANCEL before the
 * answer). The call's company caller id goes out as the From display name and in
 * P-Preferred-Identity (RFC 3325), which the company proxy checks against the account. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "zv-media-session.h"
#include "zv-sdp.h"
#include "zv-sip-private.h"

#include <sofia-sip/su_tag_io.h>

G_DEFINE_ENUM_TYPE (ZvCallState, zv_call_state,
                    G_DEFINE_ENUM_VALUE (ZV_CALL_STATE_NEW, "new"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_STATE_CALLING, "calling"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_STATE_RINGING, "ringing"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_STATE_ACTIVE, "active"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_STATE_ENDED, "ended"))

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

  /* borrowed: the account outlives its calls' handles (it holds a ref while one exists) */
  ZvSipAccount   *account;
  nua_handle_t   *nh;

  ZvCallState     state;
  gboolean        incoming;
  gboolean        echo;
  guint           auth_tries;
  guint64         session_id;
  gint64          invite_time;
  gint64          active_time;
  gint64          end_time;
};

G_DEFINE_FINAL_TYPE (ZvCall, zv_call, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
zv_call_dispose (GObject *object)
{
  ZvCall *self = ZV_CALL (object);

  if (self->media != NULL)
    zv_media_session_stop (self->media);
  g_clear_object (&self->media);
  G_OBJECT_CLASS (zv_call_parent_class)->dispose (object);
}

static void
zv_call_finalize (GObject *object)
{
  ZvCall *self = ZV_CALL (object);

  g_free (self->remote_uri);
  g_free (self->caller_id);
  g_free (self->play_file);
  g_free (self->record_file);
  g_clear_pointer (&self->remote_sdp, zv_sdp_free);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (zv_call_parent_class)->finalize (object);
}

static void
zv_call_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  ZvCall *self = ZV_CALL (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_call_class_init (ZvCallClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zv_call_dispose;
  object_class->finalize = zv_call_finalize;
  object_class->get_property = zv_call_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, ZV_TYPE_CALL_STATE, ZV_CALL_STATE_NEW,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zv_call_init (ZvCall *self)
{
  self->session_id = (guint64) g_get_real_time ();
}

static void
set_state (ZvCall      *self,
           ZvCallState  state)
{
  if (self->state == state || self->state == ZV_CALL_STATE_ENDED)
    return;
  self->state = state;
  if (state == ZV_CALL_STATE_ACTIVE)
    self->active_time = g_get_monotonic_time ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Ends the call locally: audio off, state ENDED with @error (NULL: a normal hang-up). */
static void
finish (ZvCall *self,
        GError *error)
{
  if (self->state == ZV_CALL_STATE_ENDED)
    {
      g_clear_error (&error);
      return;
    }
  if (self->error == NULL)
    self->error = error;
  else
    g_clear_error (&error);
  if (self->media != NULL)
    zv_media_session_stop (self->media);
  self->end_time = g_get_monotonic_time ();
  set_state (self, ZV_CALL_STATE_ENDED);
}

static void
release_handle (ZvCall *self)
{
  g_autoptr(ZvCall) keep G_GNUC_UNUSED = g_object_ref (self);

  if (self->nh == NULL)
    return;
  nua_handle_bind (self->nh, NULL);
  nua_handle_destroy (self->nh);
  self->nh = NULL;
  zv_sip_account_remove_call (self->account, self);
}

static void
on_media_failed (ZvMediaSession *media,
                 GError         *error,
                 gpointer        user_data)
{
  ZvCall *self = user_data;

  if (self->nh != NULL && self->state != ZV_CALL_STATE_ENDED)
    nua_bye (self->nh, TAG_END ());
  finish (self, g_error_copy (error));
}

static gboolean
prepare_media (ZvCall  *self,
               GError **error)
{
  const char *local = zv_sip_account_get_local_address (self->account);

  if (self->media != NULL)
    return TRUE;
  self->media = zv_media_session_new (local != NULL ? local : "127.0.0.1", error);
  if (self->media == NULL)
    return FALSE;
  zv_media_session_set_play_file (self->media, self->play_file);
  zv_media_session_set_record_file (self->media, self->record_file);
  zv_media_session_set_echo (self->media, self->echo);
  g_signal_connect_object (self->media, "failed", G_CALLBACK (on_media_failed), self, 0);
  return TRUE;
}

static const char *
local_address (ZvCall *self)
{
  const char *local = zv_sip_account_get_local_address (self->account);

  return local != NULL ? local : "127.0.0.1";
}

/**
 * zv_call_new_outgoing:
 * @uri: whom to call, a SIP URI
 * @caller_id: (nullable): the company number to present
 */
ZvCall *
zv_call_new_outgoing (ZvSipAccount *account,
                      const char   *uri,
                      const char   *caller_id)
{
  ZvCall *self = g_object_new (ZV_TYPE_CALL, NULL);

  self->account = account;
  self->remote_uri = g_strdup (uri);
  self->caller_id = caller_id != NULL && *caller_id != '\0'
                    ? g_strdelimit (g_strdup (caller_id), "\"\\<>\r\n", ' ') : NULL;
  return self;
}

/* Where the audio comes from and goes to, before the call starts or is answered. */
void
zv_call_set_media_files (ZvCall     *self,
                         const char *play_file,
                         const char *record_file,
                         gboolean    echo)
{
  g_return_if_fail (ZV_IS_CALL (self));
  g_free (self->play_file);
  self->play_file = g_strdup (play_file);
  g_free (self->record_file);
  self->record_file = g_strdup (record_file);
  self->echo = echo;
}

gboolean
zv_call_start (ZvCall  *self,
               GError **error)
{
  nua_t *nua = zv_sip_account_get_nua (self->account);
  g_autofree char *offer = NULL;
  g_autofree char *from = NULL;
  g_autofree char *ppi = NULL;
  const char *display;

  g_return_val_if_fail (ZV_IS_CALL (self), FALSE);
  g_return_val_if_fail (self->state == ZV_CALL_STATE_NEW && !self->incoming, FALSE);

  if (nua == NULL)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_TRANSPORT, _("The phone is not started."));
      return FALSE;
    }
  if (!g_str_has_prefix (self->remote_uri, "sip:") || strpbrk (self->remote_uri, " <>\"\r\n") != NULL)
    {
      g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID_ACCOUNT,
                   _("“%s” is not a SIP address like sip:user@example.com."), self->remote_uri);
      return FALSE;
    }
  if (!prepare_media (self, error))
    return FALSE;

  display = self->caller_id != NULL ? self->caller_id : zv_sip_account_get_display_name (self->account);
  from = display != NULL ? g_strdup_printf ("\"%s\" <%s>", display, zv_sip_account_get_aor (self->account))
                         : g_strdup (zv_sip_account_get_aor (self->account));
  if (self->caller_id != NULL)
    {
      g_autofree char *digits = g_strdup (self->caller_id);
      char *out = digits;

      /* A tel-style user part: the number without spaces and dashes. */
      for (const char *in = self->caller_id; *in != '\0'; in++)
        if (g_ascii_isdigit (*in) || *in == '+')
          *out++ = *in;
      *out = '\0';
      ppi = g_strdup_printf ("P-Preferred-Identity: \"%s\" <sip:%s@%s;user=phone>", self->caller_id, digits,
                             zv_sip_account_get_domain (self->account));
    }
  offer = zv_sdp_build_offer (local_address (self), zv_media_session_get_port (self->media),
                              self->session_id, 1);

  self->nh = nua_handle (nua, self, SIPTAG_TO_STR (self->remote_uri), SIPTAG_FROM_STR (from), TAG_END ());
  zv_sip_account_add_call (self->account, self);
  self->invite_time = g_get_monotonic_time ();
  set_state (self, ZV_CALL_STATE_CALLING);
  nua_invite (self->nh,
              NUTAG_URL (self->remote_uri),
              TAG_IF (ppi != NULL, SIPTAG_HEADER_STR (ppi)),
              SIPTAG_CONTENT_TYPE_STR ("application/sdp"),
              SIPTAG_PAYLOAD_STR (offer),
              TAG_END ());
  return TRUE;
}

ZvCall *
zv_call_new_incoming (ZvSipAccount *account,
                      nua_handle_t *nh,
                      const sip_t  *sip)
{
  ZvCall *self = g_object_new (ZV_TYPE_CALL, NULL);
  g_autoptr(GError) error = NULL;

  self->account = account;
  self->incoming = TRUE;
  self->nh = nh;
  nua_handle_bind (nh, self);
  zv_sip_account_add_call (account, self);
  if (sip != NULL && sip->sip_from != NULL)
    self->remote_uri = g_strdup_printf ("sip:%s@%s",
                                        sip->sip_from->a_url->url_user != NULL ? sip->sip_from->a_url->url_user : "",
                                        sip->sip_from->a_url->url_host != NULL ? sip->sip_from->a_url->url_host : "");
  self->remote_sdp = sip != NULL && sip->sip_payload != NULL
                     ? zv_sdp_parse (sip->sip_payload->pl_data, sip->sip_payload->pl_len, &error)
                     : NULL;
  if (self->remote_sdp == NULL)
    {
      if (error == NULL)
        /* An INVITE without an offer wants ours in the 200; that is a later slice's work. */
        error = g_error_new_literal (ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE,
                                     _("The caller sent no audio offer."));
      g_debug ("refusing incoming call: %s", error->message);
      nua_respond (nh, SIP_488_NOT_ACCEPTABLE,
                   SIPTAG_WARNING_STR ("399 zveno \"no usable audio offer\""), TAG_END ());
      finish (self, g_steal_pointer (&error));
      return self;
    }
  set_state (self, ZV_CALL_STATE_RINGING);
  nua_respond (nh, SIP_180_RINGING, TAG_END ());
  return self;
}

gboolean
zv_call_answer (ZvCall  *self,
                GError **error)
{
  g_autofree char *answer = NULL;

  g_return_val_if_fail (ZV_IS_CALL (self), FALSE);
  g_return_val_if_fail (self->incoming, FALSE);

  if (self->state != ZV_CALL_STATE_RINGING || self->nh == NULL)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_CANCELLED, _("The call is no longer ringing."));
      return FALSE;
    }
  if (!prepare_media (self, error) || !zv_media_session_start (self->media, self->remote_sdp, error))
    {
      nua_respond (self->nh, SIP_500_INTERNAL_SERVER_ERROR, TAG_END ());
      finish (self, g_error_new_literal (ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio could not start.")));
      return FALSE;
    }
  answer = zv_sdp_build_answer (local_address (self), zv_media_session_get_port (self->media),
                                self->session_id, 1, self->remote_sdp);
  self->invite_time = g_get_monotonic_time ();
  nua_respond (self->nh, SIP_200_OK,
               SIPTAG_CONTENT_TYPE_STR ("application/sdp"),
               SIPTAG_PAYLOAD_STR (answer),
               TAG_END ());
  set_state (self, ZV_CALL_STATE_ACTIVE);
  return TRUE;
}

void
zv_call_decline (ZvCall *self)
{
  g_return_if_fail (ZV_IS_CALL (self));

  if (self->incoming && self->state == ZV_CALL_STATE_RINGING && self->nh != NULL)
    nua_respond (self->nh, SIP_486_BUSY_HERE, TAG_END ());
  finish (self, NULL);
}

void
zv_call_hangup (ZvCall *self)
{
  g_return_if_fail (ZV_IS_CALL (self));

  if (self->nh != NULL)
    {
      if (self->state == ZV_CALL_STATE_ACTIVE)
        nua_bye (self->nh, TAG_END ());
      else if (self->incoming && self->state == ZV_CALL_STATE_RINGING)
        nua_respond (self->nh, SIP_603_DECLINE, TAG_END ());
      else if (self->state == ZV_CALL_STATE_CALLING || self->state == ZV_CALL_STATE_RINGING)
        nua_cancel (self->nh, TAG_END ());
    }
  finish (self, NULL);
}

static void
on_invite_response (ZvCall      *self,
                    int          status,
                    const char  *phrase,
                    const sip_t *sip)
{
  g_autoptr(GError) error = NULL;

  if (status == 180 || status == 183)
    {
      set_state (self, ZV_CALL_STATE_RINGING);
      return;
    }
  if (status < 200)
    return;
  if ((status == 401 || status == 407) && sip != NULL && self->auth_tries++ == 0)
    {
      zv_sip_account_authenticate (self->account, self->nh, sip);
      return;
    }
  if (status >= 300)
    {
      finish (self, zv_sip_error_from_status (status, phrase));
      return;
    }
  if (self->state == ZV_CALL_STATE_ACTIVE)
    return;   /* a retransmitted 200 */

  g_clear_pointer (&self->remote_sdp, zv_sdp_free);
  self->remote_sdp = sip != NULL && sip->sip_payload != NULL
                     ? zv_sdp_parse (sip->sip_payload->pl_data, sip->sip_payload->pl_len, &error)
                     : NULL;
  if (self->remote_sdp == NULL && error == NULL)
    error = g_error_new_literal (ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE, _("The answer has no audio description."));
  if (self->remote_sdp == NULL || !zv_media_session_start (self->media, self->remote_sdp, &error))
    {
      /* nua has ACKed the 200 already; the dialog exists and must be closed. */
      nua_bye (self->nh, TAG_END ());
      finish (self, g_steal_pointer (&error));
      return;
    }
  set_state (self, ZV_CALL_STATE_ACTIVE);
}

void
zv_call_handle_event (ZvCall      *self,
                      nua_event_t  event,
                      int          status,
                      const char  *phrase,
                      const sip_t *sip,
                      tagi_t       tags[])
{
  g_autoptr(ZvCall) keep G_GNUC_UNUSED = g_object_ref (self);

  switch (event)
    {
    case nua_r_invite:
      on_invite_response (self, status, phrase, sip);
      break;

    case nua_i_cancel:
      finish (self, g_error_new_literal (ZV_SIP_ERROR, ZV_SIP_ERROR_CANCELLED, _("The caller hung up before the answer.")));
      break;

    case nua_i_bye:
      finish (self, NULL);
      break;

    case nua_r_bye:
      if ((status == 401 || status == 407) && sip != NULL && self->auth_tries++ < 2)
        zv_sip_account_authenticate (self->account, self->nh, sip);
      break;

    case nua_i_state:
      {
        int call_state = nua_callstate_init;

        tl_gets (tags, NUTAG_CALLSTATE_REF (call_state), TAG_END ());
        if (call_state == nua_callstate_terminated)
          {
            finish (self, NULL);
            release_handle (self);
          }
      }
      break;

    case nua_i_terminated:
      finish (self, NULL);
      release_handle (self);
      break;

    default:
      break;
    }
}

ZvCallState
zv_call_get_state (ZvCall *self)
{
  g_return_val_if_fail (ZV_IS_CALL (self), ZV_CALL_STATE_ENDED);
  return self->state;
}

gboolean
zv_call_is_incoming (ZvCall *self)
{
  return self->incoming;
}

const char *
zv_call_get_remote_uri (ZvCall *self)
{
  return self->remote_uri;
}

/* Why the call ended, when it was not a normal hang-up. */
const GError *
zv_call_get_error (ZvCall *self)
{
  return self->error;
}

const char *
zv_call_get_codec_name (ZvCall *self)
{
  return self->media != NULL ? zv_codec_name (zv_media_session_get_codec (self->media)) : "none";
}

/* From the INVITE (or our 200 for incoming calls) to the first RTP packet, -1 if none came. */
gint64
zv_call_get_setup_time_us (ZvCall *self)
{
  gint64 first = self->media != NULL ? zv_media_session_get_first_rtp_time (self->media) : 0;

  return first > 0 && self->invite_time > 0 ? first - self->invite_time : -1;
}

gint64
zv_call_get_duration_us (ZvCall *self)
{
  if (self->active_time == 0)
    return 0;
  return (self->end_time != 0 ? self->end_time : g_get_monotonic_time ()) - self->active_time;
}

guint64
zv_call_get_packets_received (ZvCall *self)
{
  return self->media != NULL ? zv_media_session_get_packets_received (self->media) : 0;
}

guint64
zv_call_get_packets_sent (ZvCall *self)
{
  return self->media != NULL ? zv_media_session_get_packets_sent (self->media) : 0;
}
