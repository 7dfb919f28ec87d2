/* zv-call-transfer.c: transfers of a ZvCall (RFC 3515 REFER, RFC 5589 call transfer, RFC 3891
 * Replaces).
 *
 * We transfer: REFER (blind, or attended with a Replaces naming our other call), then the far
 * end's NOTIFYs (message/sipfrag) say how its new call goes: a 2xx ends ours as "transferred", a
 * failure leaves it as it was. We are transferred: a REFER places a new call to its Refer-To and
 * we report that call's progress by NOTIFY on the old dialog. An INVITE with Replaces naming one
 * of our calls takes that call's place. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "zv-call-private.h"

#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/url.h>

/* RFC 3891: an INVITE with Replaces naming one of our calls takes its place (the far end of an
 * attended transfer calls us instead of the party we talked to). It is answered at once, with the
 * old call's audio settings, and the old call ends. One naming no call of ours gets 481. */
void
zv_call_take_over_replaced (ZvCall      *self,
                            const sip_t *sip)
{
  nua_handle_t *old_nh = nua_handle_by_replaces (zv_sip_account_get_nua (self->account), sip->sip_replaces);
  ZvCall *old = old_nh != NULL ? nua_handle_magic (old_nh) : NULL;
  g_autoptr(GError) error = NULL;

  if (old == NULL || old == self || old->state == ZV_CALL_STATE_ENDED)
    {
      nua_respond (self->nh, SIP_481_NO_TRANSACTION, TAG_END ());
      zv_call_finish_with_reason (self, ZV_CALL_END_FAILED,
                                  g_error_new_literal (ZV_SIP_ERROR, ZV_SIP_ERROR_REJECTED,
                                                       _("The call to be replaced does not exist.")));
    }
  else
    {
      g_autoptr(ZvCall) keep = g_object_ref (old);

      zv_call_set_media_files (self, old->play_file, old->record_file, old->echo);
      if (old->caller_id != NULL && self->caller_id == NULL)
        self->caller_id = g_strdup (old->caller_id);
      /* Answering wants a ringing call; nothing is sent for this state. */
      self->state = ZV_CALL_STATE_RINGING;
      if (!zv_call_answer (self, &error))
        g_debug ("answering the replacing call failed: %s", error->message);
      else
        {
          if (old->nh != NULL && old->state == ZV_CALL_STATE_ACTIVE)
            {
              old->bye_sent = TRUE;
              nua_bye (old->nh, TAG_END ());
            }
          else if (old->nh != NULL)
            zv_call_hangup (old);
          zv_call_finish_with_reason (old, ZV_CALL_END_REPLACED, NULL);
        }
    }
  if (old_nh != NULL)
    nua_handle_unref (old_nh);
}

/* The sipfrag of a NOTIFY about our REFER: "SIP/2.0 200 OK". */
void
zv_call_on_transfer_notify (ZvCall      *self,
                            const sip_t *sip)
{
  int status = 0;
  g_autofree char *phrase = NULL;
  gboolean terminated = sip != NULL && sip->sip_subscription_state != NULL
                        && g_ascii_strcasecmp (sip->sip_subscription_state->ss_substate, "terminated") == 0;

  if (sip == NULL || sip->sip_event == NULL || g_ascii_strncasecmp (sip->sip_event->o_type, "refer", 5) != 0)
    return;
  if (sip->sip_payload != NULL && sip->sip_payload->pl_len > 12)
    {
      g_autofree char *frag = g_strndup (sip->sip_payload->pl_data, sip->sip_payload->pl_len);
      g_autoptr(GMatchInfo) match = NULL;
      g_autoptr(GRegex) re = g_regex_new ("^SIP/2\\.0 ([1-6][0-9][0-9]) ([^\r\n]*)", 0, 0, NULL);

      if (g_regex_match (re, frag, 0, &match))
        {
          g_autofree char *code = g_match_info_fetch (match, 1);

          status = (int) g_ascii_strtoll (code, NULL, 10);
          phrase = g_match_info_fetch (match, 2);
        }
    }
  if (status == 0 && terminated)
    {
      /* The subscription ended without a final answer: the transfer's fate is unknown. */
      status = 500;
      phrase = g_strdup ("Transfer outcome unknown");
    }
  if (status == 0 || !self->transfer_pending)
    return;
  if (status >= 200)
    self->transfer_pending = FALSE;
  zv_call_emit_transfer_progress (self, status, phrase);
  if (status >= 200 && status < 300 && self->state == ZV_CALL_STATE_ACTIVE)
    {
      /* Transferred: our part is over (RFC 5589 6.1, the transferor hangs up). */
      self->transfer_done = TRUE;
      self->bye_sent = TRUE;
      nua_bye (self->nh, TAG_END ());
      zv_call_finish_with_reason (self, ZV_CALL_END_TRANSFERRED, NULL);
    }
}

/* Tells the call whose REFER placed this one how this one is going (RFC 3515 2.4.5). */
void
zv_call_notify_referrer (ZvCall     *self,
                         int         status,
                         const char *phrase)
{
  ZvCall *ref = self->referred_by;
  g_autofree char *frag = NULL;

  if (ref == NULL)
    return;
  if (status >= 200)
    self->referred_by = NULL;
  if (ref->nh != NULL && ref->refer_event != NULL)
    {
      frag = g_strdup_printf ("SIP/2.0 %03d %s\r\n", status, phrase != NULL ? phrase : "");
      nua_notify (ref->nh,
                  SIPTAG_EVENT_STR (ref->refer_event),
                  SIPTAG_SUBSCRIPTION_STATE_STR (status < 200 ? "active;expires=60" : "terminated;reason=noresource"),
                  SIPTAG_CONTENT_TYPE_STR ("message/sipfrag;version=2.0"),
                  SIPTAG_PAYLOAD_STR (frag),
                  TAG_END ());
    }
  if (status >= 200 && status < 300)
    ref->transfer_done = TRUE;
  if (status >= 200)
    g_object_unref (ref);
}

/* The far end transfers us (RFC 3515): call whom its Refer-To names, with Replaces when it asks
 * for it, and report how that call goes on this dialog. */
void
zv_call_on_refer (ZvCall      *self,
                  const sip_t *sip,
                  tagi_t       tags[])
{
  const sip_event_t *event = NULL;
  g_autofree char *target = NULL;
  g_autoptr(ZvCall) next = NULL;
  g_autoptr(GError) error = NULL;
  su_home_t home[1] = { SU_HOME_INIT (home) };
  url_t *url;

  tl_gets (tags, NUTAG_REFER_EVENT_REF (event), TAG_END ());
  if (sip == NULL || sip->sip_refer_to == NULL || event == NULL || self->state != ZV_CALL_STATE_ACTIVE)
    return;
  g_free (self->refer_event);
  self->refer_event = g_strdup (sip_header_as_string (home, (const sip_header_t *) event));

  url = url_hdup (home, sip->sip_refer_to->r_url);
  next = zv_call_new_outgoing (self->account, NULL, self->caller_id);
  if (url->url_headers != NULL)
    {
      /* ?Replaces=... in the URI becomes a Replaces header of the new INVITE. */
      char *headers = url_query_as_header_string (home, url->url_headers);

      if (headers != NULL && g_ascii_strncasecmp (headers, "Replaces:", 9) == 0)
        next->replaces_header = g_strndup (headers, strcspn (headers, "\r\n"));
      url->url_headers = NULL;
    }
  target = g_strdup (url_as_string (home, url));
  su_home_deinit (home);
  if (target == NULL)
    return;
  next->remote_uri = g_steal_pointer (&target);
  zv_call_set_media_files (next, self->play_file, self->record_file, self->echo);
  next->referred_by = g_object_ref (self);
  zv_call_notify_referrer (next, 100, "Trying");
  if (!zv_call_start (next, &error))
    {
      g_debug ("the transfer's call could not start: %s", error->message);
      zv_call_finish (next, g_steal_pointer (&error));
      return;
    }
  zv_call_emit_transferred (self, next);
}

static gboolean
send_refer (ZvCall     *self,
            const char *refer_to,
            GError    **error)
{
  g_autofree char *referred_by = g_strdup_printf ("<%s>", zv_sip_account_get_aor (self->account));

  if (self->state != ZV_CALL_STATE_ACTIVE || self->nh == NULL)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_CANCELLED, _("The call is not in progress."));
      return FALSE;
    }
  if (self->transfer_pending)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_TRANSFER_FAILED,
                           _("This call is being transferred already."));
      return FALSE;
    }
  self->transfer_pending = TRUE;
  self->auth_tries = 0;
  nua_refer (self->nh,
             SIPTAG_REFER_TO_STR (refer_to),
             SIPTAG_REFERRED_BY_STR (referred_by),
             TAG_END ());
  return TRUE;
}

/**
 * zv_call_transfer:
 * @uri: the SIP address the far end should call instead of us
 *
 * Blind transfer (RFC 3515 REFER). #ZvCall::transfer-progress follows it; when the far end reports
 * success the call ends as ZV_CALL_END_TRANSFERRED, when it fails the call stays as it was.
 */
gboolean
zv_call_transfer (ZvCall      *self,
                  const char  *uri,
                  GError     **error)
{
  g_autofree char *refer_to = NULL;

  g_return_val_if_fail (ZV_IS_CALL (self), FALSE);
  g_return_val_if_fail (uri != NULL, FALSE);

  if (!g_str_has_prefix (uri, "sip:") || strpbrk (uri, " <>\"\r\n?") != NULL)
    {
      g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID_ACCOUNT,
                   _("“%s” is not a SIP address like sip:user@example.com."), uri);
      return FALSE;
    }
  refer_to = g_strdup_printf ("<%s>", uri);
  return send_refer (self, refer_to, error);
}

/**
 * zv_call_transfer_attended:
 * @other: our call with the party @self's far end should talk to instead
 *
 * Attended transfer (RFC 5589): REFER whose Refer-To carries a Replaces naming @other's dialog, so
 * the far end's INVITE takes @other's place at its far end.
 */
gboolean
zv_call_transfer_attended (ZvCall  *self,
                           ZvCall  *other,
                           GError **error)
{
  su_home_t home[1] = { SU_HOME_INIT (home) };
  sip_replaces_t *replaces;
  char *query;
  g_autofree char *refer_to = NULL;

  g_return_val_if_fail (ZV_IS_CALL (self), FALSE);
  g_return_val_if_fail (ZV_IS_CALL (other), FALSE);

  if (other == self || other->state != ZV_CALL_STATE_ACTIVE || other->nh == NULL || other->remote_uri == NULL)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_TRANSFER_FAILED,
                           _("The other call is not in progress."));
      return FALSE;
    }
  replaces = nua_handle_make_replaces (other->nh, home, 0);
  query = replaces != NULL ? sip_headers_as_url_query (home, SIPTAG_REPLACES (replaces), TAG_END ()) : NULL;
  if (query != NULL)
    refer_to = g_strdup_printf ("<%s?%s>", other->remote_uri, query);
  su_home_deinit (home);
  if (refer_to == NULL)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_TRANSFER_FAILED,
                           _("The other call cannot be named for a transfer."));
      return FALSE;
    }
  return send_refer (self, refer_to, error);
}

/* The answer to our REFER: a refusal is the transfer's end; a 202 waits for the NOTIFYs. */
void
zv_call_on_refer_response (ZvCall      *self,
                           int          status,
                           const char  *phrase,
                           const sip_t *sip)
{
  if ((status == 401 || status == 407) && sip != NULL && self->auth_tries++ < 3)
    zv_sip_account_authenticate (self->account, self->nh, sip);
  else if (status >= 300 && self->transfer_pending)
    {
      self->transfer_pending = FALSE;
      zv_call_emit_transfer_progress (self, status, phrase);
    }
}
