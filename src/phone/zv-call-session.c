/* zv-call-session.c: a ZvCall after the answer: hold and resume both ways, the far end's
 * re-INVITEs, session timers (RFC 4028) and a far end that goes quiet.
 *
 * Either side holds with a re-INVITE whose SDP says sendonly (inactive when both hold); we answer
 * a far end holding us with recvonly (inactive), and our audio follows: while we hold, nothing is
 * sent or played, so a held caller hears nothing of the room. Session refreshes are nua's (by
 * UPDATE when the far end allows it, else by re-INVITE); a refresh answered 408/481 or never
 * answered, a far end that should refresh and does not, or RTP that stops (the media session's
 * "timeout") ends the call with BYE and ZV_CALL_END_NO_RESPONSE. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "zv-call-private.h"

/* A description that puts nobody on hold says where to send; 0.0.0.0 (RFC 2543 hold) does not. */
gboolean
zv_call_sdp_held_address (const ZvSdp *sdp)
{
  return g_strcmp0 (sdp->address, "0.0.0.0") == 0 || g_strcmp0 (sdp->address, "::") == 0;
}

/* What we answer to @offer: we send if the far end wants our audio, we receive if it sends and we
 * do not hold it. */
ZvMediaDirection
zv_call_answer_direction (ZvCall      *self,
                          const ZvSdp *offer)
{
  gboolean send = offer->receives && !zv_call_sdp_held_address (offer);
  gboolean recv = offer->sends && !self->on_hold;

  if (send && recv)
    return ZV_MEDIA_SENDRECV;
  if (send)
    return ZV_MEDIA_SENDONLY;
  if (recv)
    return ZV_MEDIA_RECVONLY;
  return ZV_MEDIA_INACTIVE;
}

/* What our next offer asks for: sendonly puts the far end on hold, inactive when it holds us too. */
static ZvMediaDirection
offer_direction (ZvCall *self)
{
  if (self->on_hold)
    return self->remote_hold ? ZV_MEDIA_INACTIVE : ZV_MEDIA_SENDONLY;
  return self->remote_hold ? ZV_MEDIA_RECVONLY : ZV_MEDIA_SENDRECV;
}

/* What our audio does: what we last agreed to, except that while we hold the far end we neither
 * send nor play anything, whatever sendonly would allow (a held party must not hear the room). */
void
zv_call_sync_media_direction (ZvCall *self)
{
  if (self->media != NULL)
    zv_media_session_set_direction (self->media, self->on_hold ? ZV_MEDIA_INACTIVE : self->last_direction);
}

/* A new description from the far end in a running call: new address, port or direction. */
void
zv_call_apply_remote (ZvCall *self,
                      ZvSdp  *sdp)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->remote_sdp, zv_sdp_free);
  self->remote_sdp = sdp;
  if (self->media == NULL)
    return;
  zv_call_sync_media_direction (self);
  if (zv_media_session_is_running (self->media) && !zv_media_session_update (self->media, sdp, &error))
    g_debug ("the audio could not follow the new description: %s", error->message);
}

/* Session refreshes by UPDATE (no SDP, no risk to the media) when the far end allows it, else
 * nua re-sends our last INVITE. */
void
zv_call_choose_refresh_method (ZvCall      *self,
                               const sip_t *sip)
{
  if (self->nh != NULL && sip != NULL && sip->sip_allow != NULL
      && sip_is_allowed (sip->sip_allow, sip_method_update, "UPDATE"))
    nua_set_hparams (self->nh, NUTAG_UPDATE_REFRESH (1), TAG_END ());
}

/* Ends an established call whose far end no longer answers (RFC 4028 10: a refresh that timed out
 * or got 408/481 ends the session with BYE). */
void
zv_call_end_unresponsive (ZvCall *self)
{
  if (self->nh != NULL && !self->bye_sent)
    {
      self->bye_sent = TRUE;
      nua_bye (self->nh, SIPTAG_REASON_STR ("SIP;cause=408;text=\"Session refresh failed\""), TAG_END ());
    }
  zv_call_finish_with_reason (self, ZV_CALL_END_NO_RESPONSE,
                              g_error_new_literal (ZV_SIP_ERROR, ZV_SIP_ERROR_NO_RESPONSE,
                                                   _("The other side stopped responding.")));
}

/* The far end stopped sending RTP while it should have been: it (or its network) is gone, and a
 * BYE may never come. */
void
zv_call_on_media_timeout (ZvMediaSession *media,
                          gpointer        user_data)
{
  ZvCall *self = user_data;

  if (self->state == ZV_CALL_STATE_ENDED)
    return;
  g_debug ("no RTP from %s: ending the call", self->remote_uri);
  if (self->nh != NULL)
    {
      self->bye_sent = TRUE;
      nua_bye (self->nh, SIPTAG_REASON_STR ("SIP;cause=408;text=\"RTP timeout\""), TAG_END ());
    }
  zv_call_finish_with_reason (self, ZV_CALL_END_NO_RESPONSE,
                              g_error_new_literal (ZV_SIP_ERROR, ZV_SIP_ERROR_NO_RESPONSE,
                                                   _("The other side stopped responding.")));
}

/* The answer to a re-INVITE or UPDATE of ours: hold, resume, or nua's session refresh. */
void
zv_call_on_reoffer_response (ZvCall      *self,
                             int          status,
                             const char  *phrase,
                             const sip_t *sip)
{
  gboolean ours = self->reoffer_pending;
  g_autoptr(GError) error = NULL;
  ZvSdp *answer;

  if (status < 200)
    return;
  if ((status == 401 || status == 407) && sip != NULL && self->auth_tries++ < 3)
    {
      zv_sip_account_authenticate (self->account, self->nh, sip);
      return;
    }
  self->reoffer_pending = FALSE;
  if (status == 408 || status == 481)
    {
      zv_call_end_unresponsive (self);
      return;
    }
  if (status >= 300)
    {
      /* The call goes on as before: a refused hold is no hold. */
      g_debug ("re-INVITE refused: %d %s", status, phrase);
      if (ours)
        {
          zv_call_set_flag (self, &self->on_hold, !self->on_hold, PROP_ON_HOLD);
          self->last_direction = offer_direction (self);
          zv_call_sync_media_direction (self);
        }
      return;
    }
  answer = zv_call_parse_body (self, sip, &error);
  if (answer != NULL)
    zv_call_apply_remote (self, answer);
  else if (error != NULL)
    g_debug ("unusable answer to our re-INVITE: %s", error->message);
}

/* A re-INVITE from the far end: hold, resume, a new address, or its session refresh. */
void
zv_call_on_reinvite (ZvCall      *self,
                     const sip_t *sip)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  ZvSdp *offer = zv_call_parse_body (self, sip, &error);
  ZvMediaDirection direction;

  if (offer == NULL && error == NULL)
    {
      /* No offer: ours goes in the 200, the answer comes in the ACK. */
      direction = offer_direction (self);
      if (direction != self->last_direction)
        self->sdp_version++;
      self->last_direction = direction;
      self->offer_in_200 = TRUE;
      body = zv_call_build_sdp (self, NULL, direction);
      nua_respond (self->nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR ("application/sdp"),
                   SIPTAG_PAYLOAD_STR (body), TAG_END ());
      return;
    }
  if (offer == NULL)
    {
      /* The call goes on with what was agreed before (RFC 3264 8). */
      g_debug ("refusing a re-INVITE: %s", error->message);
      nua_respond (self->nh, SIP_488_NOT_ACCEPTABLE,
                   SIPTAG_WARNING_STR ("399 zveno \"no usable audio offer\""), TAG_END ());
      return;
    }
  zv_call_set_flag (self, &self->remote_hold, !offer->receives || zv_call_sdp_held_address (offer), PROP_REMOTE_HOLD);
  direction = zv_call_answer_direction (self, offer);
  if (direction != self->last_direction)
    self->sdp_version++;
  self->last_direction = direction;
  body = zv_call_build_sdp (self, offer, direction);
  nua_respond (self->nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR ("application/sdp"),
               SIPTAG_PAYLOAD_STR (body), TAG_END ());
  zv_call_apply_remote (self, offer);
}

/* Sends our new description (hold or resume) in a re-INVITE. */
static gboolean
send_reoffer (ZvCall  *self,
              GError **error)
{
  g_autofree char *offer = NULL;

  if (self->state != ZV_CALL_STATE_ACTIVE || self->nh == NULL || self->media == NULL)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_CANCELLED, _("The call is not in progress."));
      return FALSE;
    }
  self->last_direction = offer_direction (self);
  self->sdp_version++;
  self->reoffer_pending = TRUE;
  self->auth_tries = 0;
  /* Our side goes quiet (or speaks again) now; the far end's answer can only agree. */
  zv_call_sync_media_direction (self);
  offer = zv_call_build_sdp (self, NULL, self->last_direction);
  nua_invite (self->nh,
              SIPTAG_CONTENT_TYPE_STR ("application/sdp"),
              SIPTAG_PAYLOAD_STR (offer),
              TAG_END ());
  return TRUE;
}

/**
 * zv_call_hold:
 *
 * Puts the far end on hold: a re-INVITE with a=sendonly (a=inactive when it holds us already).
 * Our audio to it stops. #ZvCall:on-hold says whether the call is held.
 */
gboolean
zv_call_hold (ZvCall  *self,
              GError **error)
{
  g_return_val_if_fail (ZV_IS_CALL (self), FALSE);

  if (self->on_hold)
    return TRUE;
  if (self->reoffer_pending)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_REJECTED,
                           _("The previous hold or resume is still under way."));
      return FALSE;
    }
  self->on_hold = TRUE;
  if (!send_reoffer (self, error))
    {
      self->on_hold = FALSE;
      return FALSE;
    }
  zv_call_notify_prop (self, PROP_ON_HOLD);
  return TRUE;
}

/* Takes the far end off hold: a re-INVITE with a=sendrecv (a=recvonly while it holds us). */
gboolean
zv_call_resume (ZvCall  *self,
                GError **error)
{
  g_return_val_if_fail (ZV_IS_CALL (self), FALSE);

  if (!self->on_hold)
    return TRUE;
  if (self->reoffer_pending)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_REJECTED,
                           _("The previous hold or resume is still under way."));
      return FALSE;
    }
  self->on_hold = FALSE;
  if (!send_reoffer (self, error))
    {
      self->on_hold = TRUE;
      return FALSE;
    }
  zv_call_notify_prop (self, PROP_ON_HOLD);
  return TRUE;
}

gboolean
zv_call_is_on_hold (ZvCall *self)
{
  g_return_val_if_fail (ZV_IS_CALL (self), FALSE);
  return self->on_hold;
}

gboolean
zv_call_is_remote_hold (ZvCall *self)
{
  g_return_val_if_fail (ZV_IS_CALL (self), FALSE);
  return self->remote_hold;
}

/* The ACK of an offer-less re-INVITE that we answered with an offer carries the far end's answer. */
void
zv_call_on_ack (ZvCall      *self,
                const sip_t *sip)
{
  g_autoptr(GError) error = NULL;
  ZvSdp *answer;

  if (!self->offer_in_200)
    return;
  self->offer_in_200 = FALSE;
  answer = zv_call_parse_body (self, sip, &error);
  if (answer == NULL)
    {
      if (error != NULL)
        g_debug ("unusable answer in the ACK: %s", error->message);
      return;
    }
  zv_call_set_flag (self, &self->remote_hold, !answer->receives || zv_call_sdp_held_address (answer),
                    PROP_REMOTE_HOLD);
  zv_call_apply_remote (self, answer);
}
