/* zv-sip-register.c: the registration half of ZvSipAccount: one REGISTER kept alive (nua
 * refreshes it before it expires), digest challenges answered, every way it can end turned into
 * the account's state and a translated message, and retries with exponential backoff (a refused
 * password or certificate slowly, as an administrator may fix it without the user). For TLS, a
 * GIO handshake tells a refused certificate from an unreachable proxy (sofia-sip only times out).
 * The account itself, its nua stack and the dispatch of call events are in zv-sip-account.c. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "zv-sip-account-private.h"
#include "zv-sip-tls.h"

#include <sofia-sip/msg_header.h>

/* Backoff between registration attempts: first retry after this, doubling up to the cap. */
#define RETRY_FIRST_SECONDS 2
#define RETRY_MAX_SECONDS 300
/* A refused password is retried no faster than this: hammering the registrar gets us blocked. */
#define RETRY_AUTH_SECONDS 60
static gboolean
retry_cb (gpointer user_data)
{
  ZvSipAccount *self = user_data;

  self->retry_source = 0;
  self->retry_seconds = 0;
  zv_sip_register_start (self);
  return G_SOURCE_REMOVE;
}

void
zv_sip_register_drop_handle (ZvSipAccount *self)
{
  if (self->reg_nh != NULL)
    {
      nua_handle_destroy (self->reg_nh);
      self->reg_nh = NULL;
    }
}

static void
schedule_retry (ZvSipAccount *self,
                GError       *error)
{
  guint delay;
  /* A refused certificate, like a refused password, needs an administrator, not a quick retry. */
  gboolean auth = g_error_matches (error, ZV_SIP_ERROR, ZV_SIP_ERROR_AUTH_FAILED)
                  || g_error_matches (error, ZV_SIP_ERROR, ZV_SIP_ERROR_CERTIFICATE);

  zv_sip_register_drop_handle (self);
  g_debug ("registration of %s failed: %s", self->aor, error->message);
  zv_sip_account_set_state (self, ZV_SIP_STATE_FAILED, error);
  if (self->shutting_down)
    return;

  self->failures++;
  delay = RETRY_FIRST_SECONDS << MIN (self->failures - 1, 8u);
  delay = MIN (delay, RETRY_MAX_SECONDS);
  if (auth)
    delay = MAX (delay, RETRY_AUTH_SECONDS);
  /* Jitter, so a hundred phones cut off together do not come back in the same second. */
  delay += (guint) g_random_int_range (0, (gint) delay / 4 + 1);
  self->retry_seconds = delay;
  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->retry_source = g_timeout_add_seconds (delay, retry_cb, self);
}

static void
tls_checked (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ZvSipAccount) self = user_data;
  g_autoptr(GError) error = NULL;
  GError *failure = g_steal_pointer (&self->tls_failure);

  g_clear_object (&self->tls_check);
  if (!zv_sip_tls_check_finish (result, &error) && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&failure);
      return;
    }
  /* sofia has the last word: a certificate it accepted (registered) stays accepted. */
  if (g_error_matches (error, ZV_SIP_ERROR, ZV_SIP_ERROR_CERTIFICATE) && self->state != ZV_SIP_STATE_REGISTERED)
    {
      g_clear_error (&failure);
      failure = g_steal_pointer (&error);
    }
  /* Nothing wrong with the certificate and nua has not failed: the REGISTER goes on. */
  if (failure != NULL)
    schedule_retry (self, failure);
}

/* Repeats the TLS handshake with GIO to tell a refused certificate from an unreachable proxy;
 * @failure is what nua said, kept when the certificate turns out fine. Also run alongside each
 * new REGISTER (@failure NULL), since sofia would only time out 32 s later. */
static void
check_tls (ZvSipAccount *self,
           GError       *failure)
{
  const char *hostport = self->proxy + strlen ("sip:");
  const char *port;

  g_clear_error (&self->tls_failure);
  self->tls_failure = failure;
  if (hostport[0] == '[')
    hostport = strchr (hostport, ']');
  port = hostport + strcspn (hostport, ":;");
  self->tls_check = g_cancellable_new ();
  zv_sip_tls_check_async (self->proxy_host, *port == ':' ? (guint16) g_ascii_strtoull (port + 1, NULL, 10) : 5061,
                          self->ca_file, self->tls_check, tls_checked, g_object_ref (self));
}

/* The answer to our REGISTER (and to each refresh nua sends). */
void
zv_sip_register_on_response (ZvSipAccount *self,
                             int           status,
                             const char   *phrase,
                             nua_handle_t *nh,
                             const sip_t  *sip)
{
  if (status < 200)
    return;

  if (status == 401 || status == 407)
    {
      /* A second challenge for the same registration means the answer was wrong, unless the
       * server only says our nonce went stale. */
      const msg_auth_t *challenge = sip != NULL ? (sip->sip_www_authenticate != NULL
                                                   ? sip->sip_www_authenticate
                                                   : sip->sip_proxy_authenticate) : NULL;
      const char *stale = challenge != NULL ? msg_params_find (challenge->au_params, "stale=") : NULL;

      if (sip != NULL && (self->auth_tries == 0 || (stale != NULL && g_ascii_strcasecmp (stale, "true") == 0))
          && self->auth_tries < 3)
        {
          self->auth_tries++;
          zv_sip_account_authenticate (self, nh, sip);
          return;
        }
      schedule_retry (self, zv_sip_error_from_status (status, phrase));
      return;
    }

  if (status >= 300)
    {
      /* sofia closes a TLS connection whose certificate it refuses without a word, and the
       * REGISTER times out: let the certificate check say what happened first. */
      if (g_str_equal (self->transport, "tls") && (status == 408 || status >= 500))
        {
          if (self->tls_check == NULL)
            check_tls (self, zv_sip_error_from_status (status, phrase));
          else
            {
              g_clear_error (&self->tls_failure);
              self->tls_failure = zv_sip_error_from_status (status, phrase);
            }
          return;
        }
      schedule_retry (self, zv_sip_error_from_status (status, phrase));
      return;
    }

  self->auth_tries = 0;
  self->failures = 0;
  self->granted_expires = self->expires;
  if (sip != NULL && sip->sip_expires != NULL)
    self->granted_expires = (guint) sip->sip_expires->ex_delta;
  if (sip != NULL)
    for (const sip_contact_t *m = sip->sip_contact; m != NULL; m = m->m_next)
      if (m->m_expires != NULL && m->m_url->url_user != NULL
          && g_strcmp0 (m->m_url->url_user, self->user) == 0)
        self->granted_expires = (guint) g_ascii_strtoull (m->m_expires, NULL, 10);
  g_debug ("%s registered for %u s", self->aor, self->granted_expires);
  zv_sip_account_set_state (self, ZV_SIP_STATE_REGISTERED, NULL);
  zv_sip_account_emit_registered (self);
}

/* A new REGISTER (a new handle; nua refreshes it from then on). */
void
zv_sip_register_start (ZvSipAccount *self)
{
  g_autofree char *expires = g_strdup_printf ("%u", self->expires);
  g_autofree char *registrar = g_strdup_printf ("sip:%s;transport=%s", self->domain, self->transport);
  g_autofree char *from = NULL;

  if (self->nua == NULL || self->shutting_down)
    return;
  zv_sip_register_drop_handle (self);
  self->auth_tries = 0;
  if (g_str_equal (self->transport, "tls") && self->tls_check == NULL)
    check_tls (self, NULL);
  from = self->display_name != NULL
         ? g_strdup_printf ("\"%s\" <%s>", self->display_name, self->aor) : g_strdup (self->aor);
  self->reg_nh = nua_handle (self->nua, NULL,
                             SIPTAG_TO_STR (self->aor),
                             SIPTAG_FROM_STR (from),
                             TAG_END ());
  zv_sip_account_set_state (self, ZV_SIP_STATE_REGISTERING, self->error != NULL ? g_error_copy (self->error) : NULL);
  nua_register (self->reg_nh,
                NUTAG_REGISTRAR (registrar),
                SIPTAG_EXPIRES_STR (expires),
                NUTAG_M_USERNAME (self->user),
                TAG_END ());
}

/**
 * zv_sip_account_register:
 *
 * Registers now, skipping any backoff wait (the user pressed "Retry", or the network came back).
 */
void
zv_sip_account_register (ZvSipAccount *self)
{
  g_return_if_fail (ZV_IS_SIP_ACCOUNT (self));

  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->retry_seconds = 0;
  self->failures = 0;
  zv_sip_register_start (self);
}
