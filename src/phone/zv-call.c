/* zv-call.c: one phone call: the SIP dialog (a nua handle) and its audio (ZvMediaSession).
 *
 * Outgoing: INVITE with our SDP offer through the account's proxy (digest auth when challenged),
 * 180/183 ring (one with SDP starts the audio at once: early media, RFC 3960), 200 carries the
 * answer, nua ACKs, the audio starts. Hanging up before the answer sends CANCEL and the call ends
 * with the INVITE's final answer. Incoming: the account hands over the INVITE; an offer we cannot
 * use is refused with 488 at once, otherwise we ring (180) until zv_call_answer() sends 200 with
 * our answer, or zv_call_decline() 486. Either side ends it with BYE. The company caller id goes
 * out as the From display name and in P-Preferred-Identity (RFC 3325).
 *
 * The rest of ZvCall lives in zv-call-session.c (hold and resume, re-INVITEs, session timers, a
 * far end that goes quiet) and zv-call-transfer.c (REFER, Replaces); zv-call-private.h is what
 * they share. The media section at the end of this file: DTMF, mute, statistics, SRTP. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "zv-call-private.h"

#include <stdlib.h>

#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/url.h>

/* How long a CANCELled INVITE may wait for its final answer (487) before we call it over. */
#define CANCEL_WAIT_SECONDS 4

/* The longest an outgoing call's pipeline waits for its INVITE's first reply (prepare_media_after_reply()). */
#define PREPARE_WAIT_MS 30

G_DEFINE_ENUM_TYPE (ZvCallState, zv_call_state,
                    G_DEFINE_ENUM_VALUE (ZV_CALL_STATE_NEW, "new"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_STATE_CALLING, "calling"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_STATE_RINGING, "ringing"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_STATE_ACTIVE, "active"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_STATE_ENDED, "ended"))

G_DEFINE_ENUM_TYPE (ZvCallEndReason, zv_call_end_reason,
                    G_DEFINE_ENUM_VALUE (ZV_CALL_END_NONE, "none"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_END_HANGUP, "hangup"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_END_REMOTE_HANGUP, "remote-hangup"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_END_BUSY, "busy"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_END_DECLINED, "declined"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_END_CANCELLED, "cancelled"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_END_NOT_FOUND, "not-found"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_END_NOT_ACCEPTABLE, "not-acceptable"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_END_UNREACHABLE, "unreachable"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_END_NO_RESPONSE, "no-response"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_END_TRANSFERRED, "transferred"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_END_REPLACED, "replaced"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_END_FAILED, "failed"))

G_DEFINE_FINAL_TYPE (ZvCall, zv_call, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_TRANSFER_PROGRESS,
  SIGNAL_TRANSFERRED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];


static void
zv_call_dispose (GObject *object)
{
  ZvCall *self = ZV_CALL (object);

  g_clear_handle_id (&self->cancel_timeout, g_source_remove);
  g_clear_handle_id (&self->prepare_timeout, g_source_remove);
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
  g_free (self->refer_event);
  g_free (self->replaces_header);
  g_clear_object (&self->referred_by);
  if (self->dtmf_info_queue != NULL)
    g_string_free (self->dtmf_info_queue, TRUE);
  g_free (self->sip_call_id);
  zv_call_clear_media (self);
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
    case PROP_ON_HOLD:
      g_value_set_boolean (value, self->on_hold);
      break;
    case PROP_REMOTE_HOLD:
      g_value_set_boolean (value, self->remote_hold);
      break;
    default:
      if (!zv_call_get_media_property (self, prop_id, value))
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
  /* We hold the far end (our last description said sendonly or inactive, and it was accepted). */
  properties[PROP_ON_HOLD] =
    g_param_spec_boolean ("on-hold", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* The far end holds us (its description says sendonly or inactive). */
  properties[PROP_REMOTE_HOLD] =
    g_param_spec_boolean ("remote-hold", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* ZvCall::transfer-progress (int status, const char *phrase): how the transfer of this call is
   * going, from the NOTIFYs of the far end (or the refusal of our REFER). 1xx: under way; 2xx:
   * done, the call ends as "transferred"; 3xx and up: failed, the call goes on. */
  signals[SIGNAL_TRANSFER_PROGRESS] =
    g_signal_new ("transfer-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);
  /* ZvCall::transferred (ZvCall *new_call): the far end transferred us (REFER): @new_call is the
   * call we placed to the new party, already started. */
  signals[SIGNAL_TRANSFERRED] =
    g_signal_new ("transferred", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, ZV_TYPE_CALL);
  zv_call_class_init_media (object_class, N_PROPS);
}

static void
zv_call_init (ZvCall *self)
{
  self->session_id = (guint64) g_get_real_time ();
  self->sdp_version = 1;
  self->last_direction = ZV_MEDIA_SENDRECV;
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

static ZvCallEndReason
reason_from_error (const GError *error)
{
  if (error == NULL || error->domain != ZV_SIP_ERROR)
    return error == NULL ? ZV_CALL_END_HANGUP : ZV_CALL_END_FAILED;
  switch ((ZvSipError) error->code)
    {
    case ZV_SIP_ERROR_BUSY: return ZV_CALL_END_BUSY;
    case ZV_SIP_ERROR_DECLINED: return ZV_CALL_END_DECLINED;
    case ZV_SIP_ERROR_NOT_FOUND: return ZV_CALL_END_NOT_FOUND;
    case ZV_SIP_ERROR_NOT_ACCEPTABLE: return ZV_CALL_END_NOT_ACCEPTABLE;
    case ZV_SIP_ERROR_CANCELLED: return ZV_CALL_END_CANCELLED;
    case ZV_SIP_ERROR_UNREACHABLE: return ZV_CALL_END_UNREACHABLE;
    case ZV_SIP_ERROR_NO_RESPONSE: return ZV_CALL_END_NO_RESPONSE;
    case ZV_SIP_ERROR_INVALID_ACCOUNT:
    case ZV_SIP_ERROR_TRANSPORT:
    case ZV_SIP_ERROR_AUTH_FAILED:
    case ZV_SIP_ERROR_REJECTED:
    case ZV_SIP_ERROR_MEDIA:
    case ZV_SIP_ERROR_TRANSFER_FAILED:
    default:
      return ZV_CALL_END_FAILED;
    }
}


/* Ends the call locally with @reason; @error (nullable) says more for the user. */
void
zv_call_finish_with_reason (ZvCall          *self,
                            ZvCallEndReason  reason,
                            GError          *error)
{
  if (self->state != ZV_CALL_STATE_ENDED)
    self->end_reason = reason;
  zv_call_finish (self, error);
}

/* Ends the call locally: audio off, state ENDED with @error (NULL: a normal hang-up). */
void
zv_call_finish (ZvCall *self,
                GError *error)
{
  if (self->state == ZV_CALL_STATE_ENDED)
    {
      g_clear_error (&error);
      return;
    }
  if (self->end_reason == ZV_CALL_END_NONE)
    self->end_reason = reason_from_error (error);
  /* A call placed for a REFER tells the transferor how it ended, if nobody did yet. */
  if (self->referred_by != NULL && self->state != ZV_CALL_STATE_ACTIVE)
    zv_call_notify_referrer (self, error != NULL ? 503 : 487, error != NULL ? "Service Unavailable" : "Request Terminated");
  if (self->error == NULL)
    self->error = error;
  else
    g_clear_error (&error);
  g_clear_handle_id (&self->cancel_timeout, g_source_remove);
  g_clear_handle_id (&self->prepare_timeout, g_source_remove);
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
    {
      self->bye_sent = TRUE;
      nua_bye (self->nh, TAG_END ());
    }
  zv_call_finish (self, g_error_copy (error));
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
  g_signal_connect_object (self->media, "timeout", G_CALLBACK (zv_call_on_media_timeout), self, 0);
  zv_call_connect_media (self);
  return TRUE;
}

/* Idle, once the INVITE is on its way (outgoing) or the incoming call's handlers have set its
 * sources: the pipeline is built and playing before the answer, so the first packet is read the
 * moment it arrives rather than after the pipeline starts. */
static gboolean
prepare_media_idle (gpointer user_data)
{
  g_autoptr(ZvCall) self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->state != ZV_CALL_STATE_CALLING && self->state != ZV_CALL_STATE_RINGING)
    return G_SOURCE_REMOVE;
  if (self->media == NULL || zv_media_session_is_running (self->media))
    return G_SOURCE_REMOVE;
  /* A failure here is not the call's: start() tries again and reports it. */
  if (!zv_media_session_prepare (self->media, self->incoming ? self->remote_sdp : NULL, &error))
    g_debug ("audio not prepared: %s", error->message);
  return G_SOURCE_REMOVE;
}

static void
prepare_media_soon (ZvCall *self)
{
  /* Below the default priority: sofia-sip's source sends the INVITE (or the 180) first. */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, prepare_media_idle, g_object_ref (self), NULL);
}

static gboolean
prepare_timeout_cb (gpointer user_data)
{
  ZvCall *self = user_data;

  self->prepare_timeout = 0;
  prepare_media_soon (self);
  return G_SOURCE_REMOVE;
}

/* Our INVITE's first reply (a proxy's digest challenge or 100 Trying, the far end's 180) comes
 * within a round trip, long before an answer: building the pipeline (milliseconds of this thread)
 * right after sending the INVITE would hold that reply up, and with a challenge the authenticated
 * INVITE too, which is the start of the far end's setup. So the pipeline is built just after the
 * first reply has been handled, or after PREPARE_WAIT_MS if none came. */
static void
prepare_media_after_reply (ZvCall *self)
{
  g_clear_handle_id (&self->prepare_timeout, g_source_remove);
  self->prepare_timeout = g_timeout_add (PREPARE_WAIT_MS, prepare_timeout_cb, self);
}

static void
on_first_reply (ZvCall *self)
{
  if (self->prepare_timeout == 0)
    return;
  g_clear_handle_id (&self->prepare_timeout, g_source_remove);
  prepare_media_soon (self);
}

const char *
zv_call_local_address (ZvCall *self)
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

/* Where the audio comes from and goes to: before the call starts, or for an incoming call in the
 * handler of the account's ::incoming-call (the audio is prepared once that returned). */
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
  /* An incoming call has its session already (so it can be prepared while it rings). */
  if (self->media != NULL)
    {
      zv_media_session_set_play_file (self->media, play_file);
      zv_media_session_set_record_file (self->media, record_file);
      zv_media_session_set_echo (self->media, echo);
    }
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
  offer = zv_call_build_sdp (self, NULL, ZV_MEDIA_SENDRECV);

  self->nh = nua_handle (nua, self, SIPTAG_TO_STR (self->remote_uri), SIPTAG_FROM_STR (from), TAG_END ());
  zv_sip_account_add_call (self->account, self);
  self->invite_time = g_get_monotonic_time ();
  zv_phone_trace ("call: INVITE");
  set_state (self, ZV_CALL_STATE_CALLING);
  nua_invite (self->nh,
              NUTAG_URL (self->remote_uri),
              TAG_IF (ppi != NULL, SIPTAG_HEADER_STR (ppi)),
              TAG_IF (self->replaces_header != NULL, SIPTAG_HEADER_STR (self->replaces_header)),
              SIPTAG_CONTENT_TYPE_STR ("application/sdp"),
              SIPTAG_PAYLOAD_STR (offer),
              TAG_END ());
  prepare_media_after_reply (self);
  return TRUE;
}

/* The Warning of our 488 (RFC 3261 20.43), in English as protocol text is: when no codec matched,
 * both lists, so the caller's user learns what to change without our logs. */
static char *
incoming_refusal_warning (ZvSipAccount *account,
                          const sip_t  *sip)
{
  g_autofree char *offered = NULL;
  g_autofree char *ours = NULL;

  if (sip != NULL && sip->sip_payload != NULL)
    offered = zv_sdp_offered_names (sip->sip_payload->pl_data, sip->sip_payload->pl_len);
  if (offered == NULL)
    return g_strdup ("399 zveno \"no usable audio offer\"");
  ours = zv_codec_list_to_string (zv_sip_account_get_codec_list (account));
  return g_strdup_printf ("399 zveno \"no common audio format: offered %s; accepted %s\"", offered, ours);
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
                     ? zv_sdp_parse_with (sip->sip_payload->pl_data, sip->sip_payload->pl_len,
                                          zv_sip_account_get_codec_list (account), &error)
                     : NULL;
  if (self->remote_sdp == NULL || !zv_call_srtp_acceptable (self, self->remote_sdp, &error))
    {
      if (error == NULL)
        /* An INVITE without an offer wants ours in the 200; that is a later slice's work. */
        error = g_error_new_literal (ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE,
                                     _("The caller sent no audio offer."));
      g_autofree char *warning = incoming_refusal_warning (account, sip);

      g_debug ("refusing incoming call: %s", error->message);
      nua_respond (nh, SIP_488_NOT_ACCEPTABLE, SIPTAG_WARNING_STR (warning), TAG_END ());
      zv_call_finish (self, g_steal_pointer (&error));
      return self;
    }
  zv_call_choose_refresh_method (self, sip);
  if (sip->sip_replaces != NULL)
    {
      zv_call_take_over_replaced (self, sip);
      return self;
    }
  set_state (self, ZV_CALL_STATE_RINGING);
  nua_respond (nh, SIP_180_RINGING, TAG_END ());
  if (prepare_media (self, &error))
    prepare_media_soon (self);
  else
    g_debug ("no audio for the incoming call yet: %s", error->message);
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
  zv_phone_trace ("call: answer");
  if (!prepare_media (self, error) || !zv_media_session_start (self->media, self->remote_sdp, error))
    {
      nua_respond (self->nh, SIP_500_INTERNAL_SERVER_ERROR, TAG_END ());
      zv_call_finish (self, g_error_new_literal (ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio could not start.")));
      return FALSE;
    }
  self->remote_hold = !self->remote_sdp->receives || zv_call_sdp_held_address (self->remote_sdp);
  self->last_direction = zv_call_answer_direction (self, self->remote_sdp);
  zv_call_sync_media_direction (self);
  answer = zv_call_build_sdp (self, self->remote_sdp, self->last_direction);
  self->invite_time = g_get_monotonic_time ();
  zv_phone_trace ("call: 200 OK");
  nua_respond (self->nh, SIP_200_OK,
               SIPTAG_CONTENT_TYPE_STR ("application/sdp"),
               SIPTAG_PAYLOAD_STR (answer),
               TAG_END ());
  set_state (self, ZV_CALL_STATE_ACTIVE);
  if (self->remote_hold)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_HOLD]);
  return TRUE;
}

void
zv_call_decline (ZvCall *self)
{
  g_return_if_fail (ZV_IS_CALL (self));

  if (self->incoming && self->state == ZV_CALL_STATE_RINGING && self->nh != NULL)
    nua_respond (self->nh, SIP_486_BUSY_HERE, TAG_END ());
  zv_call_finish_with_reason (self, ZV_CALL_END_DECLINED, NULL);
}

/* No final answer to our CANCELled INVITE: the far end or the proxy is gone; the call is over. */
static gboolean
cancel_timeout_cb (gpointer user_data)
{
  ZvCall *self = user_data;

  self->cancel_timeout = 0;
  zv_call_finish_with_reason (self, ZV_CALL_END_CANCELLED, NULL);
  return G_SOURCE_REMOVE;
}

void
zv_call_hangup (ZvCall *self)
{
  g_return_if_fail (ZV_IS_CALL (self));

  if (self->nh != NULL)
    {
      if (self->state == ZV_CALL_STATE_ACTIVE)
        {
          self->bye_sent = TRUE;
          nua_bye (self->nh, TAG_END ());
        }
      else if (self->incoming && self->state == ZV_CALL_STATE_RINGING)
        nua_respond (self->nh, SIP_603_DECLINE, TAG_END ());
      else if (self->state == ZV_CALL_STATE_CALLING || self->state == ZV_CALL_STATE_RINGING)
        {
          /* The call ends with the INVITE's final answer (487; a 200 that crossed the CANCEL gets
           * a BYE): ended earlier, its transaction would still be open when the phone shuts
           * down, and nua would try to cancel it again and wait for it. */
          if (!self->cancel_sent)
            {
              self->cancel_sent = TRUE;
              nua_cancel (self->nh, TAG_END ());
              self->cancel_timeout = g_timeout_add_seconds (CANCEL_WAIT_SECONDS, cancel_timeout_cb, self);
            }
          return;
        }
    }
  zv_call_finish_with_reason (self, ZV_CALL_END_HANGUP, NULL);
}

/* The SDP in @sip, NULL when there is none (and @error unset) or it is unusable (@error set). */
ZvSdp *
zv_call_parse_body (ZvCall       *self,
                    const sip_t  *sip,
                    GError      **error)
{
  if (sip == NULL || sip->sip_payload == NULL || sip->sip_payload->pl_len == 0)
    return NULL;
  return zv_sdp_parse_with (sip->sip_payload->pl_data, sip->sip_payload->pl_len,
                            zv_sip_account_get_codec_list (self->account), error);
}

void
zv_call_set_flag (ZvCall   *self,
                  gboolean *flag,
                  gboolean  value,
                  guint     prop)
{
  if (*flag == value)
    return;
  *flag = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
zv_call_notify_prop (ZvCall *self,
                     guint   prop)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* Our description: an offer (@offer NULL) or the answer to @offer, with @direction, our current
 * o= version, and our SRTP key when the call is encrypted. */
char *
zv_call_build_sdp (ZvCall           *self,
                   const ZvSdp      *offer,
                   ZvMediaDirection  direction)
{
  const char *address = zv_call_local_address (self);
  guint port = zv_media_session_get_port (self->media);

  if (offer == NULL)
    return zv_call_secure_sdp (self, zv_sdp_build_offer_with (address, port, self->session_id, self->sdp_version, direction,
                                                              zv_sip_account_get_codec_list (self->account)),
                       NULL);
  return zv_call_secure_sdp (self, zv_sdp_build_answer_full (address, port, self->session_id, self->sdp_version, offer,
                                                     direction),
                     offer);
}

void
zv_call_emit_transfer_progress (ZvCall     *self,
                                int         status,
                                const char *phrase)
{
  g_signal_emit (self, signals[SIGNAL_TRANSFER_PROGRESS], 0, status, phrase);
}

void
zv_call_emit_transferred (ZvCall *self,
                          ZvCall *next)
{
  g_signal_emit (self, signals[SIGNAL_TRANSFERRED], 0, next);
}

static void
on_invite_response (ZvCall      *self,
                    int          status,
                    const char  *phrase,
                    const sip_t *sip)
{
  g_autoptr(GError) error = NULL;
  ZvSdp *sdp;

  if (self->state == ZV_CALL_STATE_ACTIVE)
    {
      zv_call_on_reoffer_response (self, status, phrase, sip);
      return;
    }
  if (status > 100 && status < 200 && !self->cancel_sent)
    {
      /* Early media (RFC 3960): the far end's announcement or ring-back plays from now on. */
      sdp = self->media != NULL && !zv_media_session_is_running (self->media) ? zv_call_parse_body (self, sip, &error) : NULL;
      if (sdp != NULL)
        {
          zv_media_session_set_direction (self->media, ZV_MEDIA_SENDRECV);
          if (zv_media_session_start (self->media, sdp, &error))
            {
              self->early_media = TRUE;
              g_clear_pointer (&self->remote_sdp, zv_sdp_free);
              self->remote_sdp = sdp;
            }
          else
            {
              g_debug ("early media did not start: %s", error->message);
              zv_sdp_free (sdp);
            }
        }
      set_state (self, ZV_CALL_STATE_RINGING);
      zv_call_notify_referrer (self, status, phrase);
      return;
    }
  if (status < 200)
    return;
  if (self->cancel_sent)
    {
      /* We gave up: 487 as expected, or an answer that crossed our CANCEL and is hung up. */
      if (status < 300)
        {
          self->bye_sent = TRUE;
          nua_bye (self->nh, TAG_END ());
        }
      zv_call_finish_with_reason (self, ZV_CALL_END_CANCELLED, NULL);
      return;
    }
  if ((status == 401 || status == 407) && sip != NULL && self->auth_tries++ == 0)
    {
      zv_sip_account_authenticate (self->account, self->nh, sip);
      return;
    }
  if (status >= 300)
    {
      GError *refusal = zv_sip_error_from_status (status, phrase);

      /* A 488's Warning says why (ours names both codec lists): worth more than the status. */
      if ((status == 488 || status == 606) && sip != NULL && sip->sip_warning != NULL
          && sip->sip_warning->w_text != NULL)
        {
          g_autofree char *status_text = g_strdup (refusal->message);
          GError *explained;

          if (g_str_has_suffix (status_text, "."))
            status_text[strlen (status_text) - 1] = '\0';
          explained = g_error_new (refusal->domain, refusal->code, "%s: %s.", status_text,
                                   sip->sip_warning->w_text);

          g_error_free (refusal);
          refusal = explained;
        }
      zv_call_finish (self, refusal);
      return;
    }

  sdp = zv_call_parse_body (self, sip, &error);
  if (sdp == NULL && error == NULL && self->early_media)
    sdp = NULL;   /* the 200 repeats nothing: the early description stays */
  else if (sdp == NULL && error == NULL)
    error = g_error_new_literal (ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE, _("The answer has no audio description."));
  if (error != NULL
      || (!zv_media_session_is_running (self->media) && !zv_media_session_start (self->media, sdp, &error)))
    {
      /* nua has ACKed the 200 already; the dialog exists and must be closed. */
      g_clear_pointer (&sdp, zv_sdp_free);
      self->bye_sent = TRUE;
      nua_bye (self->nh, TAG_END ());
      zv_call_finish (self, g_steal_pointer (&error));
      return;
    }
  if (sdp != NULL)
    {
      if (self->remote_sdp != NULL && self->early_media)
        zv_call_apply_remote (self, sdp);
      else
        {
          g_clear_pointer (&self->remote_sdp, zv_sdp_free);
          self->remote_sdp = sdp;
        }
    }
  zv_call_choose_refresh_method (self, sip);
  set_state (self, ZV_CALL_STATE_ACTIVE);
  zv_call_notify_referrer (self, status, phrase);
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

  zv_call_remember_call_id (self, sip);
  switch (event)
    {
    case nua_r_invite:
      on_first_reply (self);
      on_invite_response (self, status, phrase, sip);
      break;

    case nua_i_invite:
      /* The initial INVITE was the account's; one on our handle is a re-INVITE. */
      if (self->state == ZV_CALL_STATE_ACTIVE && self->nh != NULL)
        zv_call_on_reinvite (self, sip);
      break;

    case nua_i_ack:
      zv_call_on_ack (self, sip);
      break;

    case nua_r_update:
      if (status == 408 || status == 481)
        zv_call_end_unresponsive (self);
      break;

    case nua_i_refer:
      zv_call_on_refer (self, sip, tags);
      break;

    case nua_r_refer:
      zv_call_on_refer_response (self, status, phrase, sip);
      break;

    case nua_i_notify:
      zv_call_on_transfer_notify (self, sip);
      break;

    case nua_i_info:
      zv_call_on_info (self, sip);
      break;

    case nua_r_info:
      zv_call_on_info_response (self, status, sip);
      break;

    case nua_i_cancel:
      zv_call_finish (self, g_error_new_literal (ZV_SIP_ERROR, ZV_SIP_ERROR_CANCELLED, _("The caller hung up before the answer.")));
      break;

    case nua_i_bye:
      zv_call_finish_with_reason (self, self->transfer_done ? ZV_CALL_END_TRANSFERRED : ZV_CALL_END_REMOTE_HANGUP, NULL);
      break;

    case nua_r_bye:
      if ((status == 401 || status == 407) && sip != NULL && self->auth_tries++ < 2)
        zv_sip_account_authenticate (self->account, self->nh, sip);
      else if (!self->bye_sent && self->state == ZV_CALL_STATE_ACTIVE)
        /* nua's own BYE: the far end, which was to refresh the session, did not (RFC 4028 10). */
        zv_call_end_unresponsive (self);
      break;

    case nua_i_state:
      {
        int call_state = nua_callstate_init;

        tl_gets (tags, NUTAG_CALLSTATE_REF (call_state), TAG_END ());
        if (call_state == nua_callstate_terminating && !self->bye_sent
            && self->state == ZV_CALL_STATE_ACTIVE)
          /* nua hangs up by itself only when the session expired unrefreshed. */
          zv_call_end_unresponsive (self);
        if (call_state == nua_callstate_terminated)
          {
            zv_call_finish (self, NULL);
            release_handle (self);
          }
      }
      break;

    case nua_i_terminated:
      zv_call_finish_with_reason (self, self->state == ZV_CALL_STATE_ACTIVE ? ZV_CALL_END_REMOTE_HANGUP
                                                                           : ZV_CALL_END_FAILED, NULL);
      release_handle (self);
      break;

    default:
      break;
    }
}

ZvCallEndReason
zv_call_get_end_reason (ZvCall *self)
{
  g_return_val_if_fail (ZV_IS_CALL (self), ZV_CALL_END_NONE);
  return self->end_reason;
}

/* "busy", "no-response", ...: the reason as a word for scripts and logs. */
const char *
zv_call_get_end_reason_nick (ZvCall *self)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (ZV_TYPE_CALL_END_REASON);
  GEnumValue *value = g_enum_get_value (klass, (gint) zv_call_get_end_reason (self));

  return value != NULL ? value->value_nick : "none";
}

/* The audio started before the answer (a 180/183 with SDP). */
gboolean
zv_call_has_early_media (ZvCall *self)
{
  g_return_val_if_fail (ZV_IS_CALL (self), FALSE);
  return self->early_media;
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
