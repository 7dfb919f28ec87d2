/* zv-sip-account.c: one SIP account on sofia-sip's nua, driven by the GLib main loop.
 *
 * The account is the user agent: it opens the local SIP sockets next to the address that reaches
 * the proxy, keeps one REGISTER alive (nua refreshes it before it expires), answers digest
 * challenges with the provisioned credentials, and turns every way registration can end into a
 * state and a translated message. Failures other than a refused password are retried with
 * exponential backoff; a refused password is retried too, but slowly, because an administrator
 * may fix it on the server without the user doing anything.
 *
 * Every call's nua handle carries its ZvCall as magic; nua's single callback lands here and is
 * passed on to the call (zv-call.c). Registration and its retries are in zv-sip-register.c. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "zv-media-session.h"
#include "zv-sip-account-private.h"
#include "zv-sip-tls.h"

#include <sofia-sip/msg_header.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/su_uniqueid.h>
#include <sofia-sip/tport_tag.h>
#include <sofia-sip/url.h>

G_DEFINE_QUARK (zv-sip-error-quark, zv_sip_error)

G_DEFINE_ENUM_TYPE (ZvSipState, zv_sip_state,
                    G_DEFINE_ENUM_VALUE (ZV_SIP_STATE_UNREGISTERED, "unregistered"),
                    G_DEFINE_ENUM_VALUE (ZV_SIP_STATE_REGISTERING, "registering"),
                    G_DEFINE_ENUM_VALUE (ZV_SIP_STATE_REGISTERED, "registered"),
                    G_DEFINE_ENUM_VALUE (ZV_SIP_STATE_FAILED, "failed"))

/* How long dispose waits for nua to say goodbye (unregister, close transactions). */
#define SHUTDOWN_WAIT_US (3 * G_USEC_PER_SEC)
/* RFC 4028's recommended session interval, and its smallest Min-SE. */
#define SESSION_EXPIRES_SECONDS 1800
#define SESSION_MIN_SE_SECONDS 90

G_DEFINE_FINAL_TYPE (ZvSipAccount, zv_sip_account, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_ERROR_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_INCOMING_CALL,
  SIGNAL_CALL_REFUSED,
  SIGNAL_REGISTERED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

GError *
zv_sip_error_from_status (int         status,
                          const char *phrase)
{
  /* sofia reports local failures with these codes and no response from the network. */
  if (status == 408 || status == 503 || status == 504 || status == 900)
    return g_error_new (ZV_SIP_ERROR, ZV_SIP_ERROR_UNREACHABLE,
                        _("The phone server did not answer (%d %s)."), status, phrase);
  if (status == 401 || status == 403 || status == 407)
    return g_error_new (ZV_SIP_ERROR, ZV_SIP_ERROR_AUTH_FAILED,
                        _("The phone server refused the user name or password (%d %s)."),
                        status, phrase);
  if (status == 486 || status == 600)
    return g_error_new (ZV_SIP_ERROR, ZV_SIP_ERROR_BUSY, _("Busy (%d %s)."), status, phrase);
  if (status == 603)
    return g_error_new (ZV_SIP_ERROR, ZV_SIP_ERROR_DECLINED, _("The call was declined (%d %s)."),
                        status, phrase);
  if (status == 404 || status == 480 || status == 604)
    return g_error_new (ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_FOUND,
                        _("Nobody can be reached at that address now (%d %s)."), status, phrase);
  if (status == 487)
    return g_error_new (ZV_SIP_ERROR, ZV_SIP_ERROR_CANCELLED, _("The call was cancelled."));
  if (status == 488 || status == 606)
    return g_error_new (ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE,
                        _("The other side accepts none of our audio formats (%d %s)."),
                        status, phrase);
  return g_error_new (ZV_SIP_ERROR, ZV_SIP_ERROR_REJECTED,
                      _("The phone server refused the request (%d %s)."), status, phrase);
}

/* The registration state and its error (owned), with their notifications. */
void
zv_sip_account_set_state (ZvSipAccount *self,
                          ZvSipState    state,
                          GError       *error)
{
  gboolean message_changed = (error != NULL) != (self->error != NULL)
                             || (error != NULL && g_strcmp0 (error->message, self->error->message) != 0);

  g_clear_error (&self->error);
  self->error = error;
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (message_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
}

/* Answers a digest challenge on any of our handles (REGISTER, INVITE, BYE...). */
void
zv_sip_account_authenticate (ZvSipAccount *self,
                             nua_handle_t *nh,
                             const sip_t  *sip)
{
  const msg_auth_t *challenge = sip->sip_www_authenticate != NULL ? sip->sip_www_authenticate
                                                                   : sip->sip_proxy_authenticate;
  const char *realm = NULL;
  g_autofree char *credentials = NULL;

  if (challenge != NULL)
    realm = msg_params_find (challenge->au_params, "realm=");
  if (challenge == NULL || realm == NULL)
    {
      /* Nothing we can answer: treat like a refusal. */
      nua_cancel (nh, TAG_END ());
      return;
    }
  credentials = g_strdup_printf ("%s:%s%s%s:%s:%s", challenge->au_scheme,
                                 realm[0] == '"' ? "" : "\"", realm, realm[0] == '"' ? "" : "\"",
                                 self->auth_username, self->password);
  nua_authenticate (nh, NUTAG_AUTH (credentials), TAG_END ());
}

/* Every successful REGISTER, the first and each refresh nua sends before expiry. */
void
zv_sip_account_emit_registered (ZvSipAccount *self)
{
  g_signal_emit (self, signals[SIGNAL_REGISTERED], 0, self->granted_expires);
}

static gboolean
destroy_nua_cb (gpointer user_data)
{
  g_autoptr(ZvSipAccount) self = user_data;

  if (self->nua != NULL)
    {
      nua_destroy (self->nua);
      self->nua = NULL;
    }
  while (self->shutdown_tasks != NULL)
    {
      g_autoptr(GTask) task = self->shutdown_tasks->data;

      self->shutdown_tasks = g_list_delete_link (self->shutdown_tasks, self->shutdown_tasks);
      g_task_return_boolean (task, TRUE);
    }
  return G_SOURCE_REMOVE;
}

static void
nua_callback (nua_event_t   event,
              int           status,
              const char   *phrase,
              nua_t        *nua,
              ZvSipAccount *self,
              nua_handle_t *nh,
              ZvCall       *call,
              const sip_t  *sip,
              tagi_t        tags[])
{
  g_debug ("nua event %s %d %s", nua_event_name (event), status, phrase != NULL ? phrase : "");
  zv_phone_trace ("nua %s %d", nua_event_name (event), status);

  if (event == nua_r_shutdown)
    {
      if (status >= 200 && !self->shutdown_done)
        {
          self->shutdown_done = TRUE;
          /* nua must not be destroyed from inside its own callback. */
          g_idle_add (destroy_nua_cb, g_object_ref (self));
        }
      return;
    }

  if (event == nua_r_get_params)
    {
      const sip_contact_t *m = NULL;

      tl_gets (tags, NTATAG_CONTACT_REF (m), TAG_END ());
      if (m != NULL && self->contact == NULL)
        self->contact = url_as_string (NULL, m->m_url);
      return;
    }

  if (nh != NULL && nh == self->reg_nh)
    {
      if (event == nua_r_register)
        zv_sip_register_on_response (self, status, phrase, nh, sip);
      else if (event == nua_r_unregister && status >= 200)
        {
          zv_sip_register_drop_handle (self);
          zv_sip_account_set_state (self, ZV_SIP_STATE_UNREGISTERED, NULL);
        }
      return;
    }

  if (call != NULL)
    {
      zv_call_handle_event (call, event, status, phrase, sip, tags);
      return;
    }

  if (event == nua_i_invite && nh != NULL)
    {
      g_autoptr(ZvCall) incoming = NULL;

      if (self->shutting_down)
        {
          nua_respond (nh, SIP_480_TEMPORARILY_UNAVAILABLE, TAG_END ());
          nua_handle_destroy (nh);
          return;
        }
      incoming = zv_call_new_incoming (self, nh, sip);
      /* A call refused at once (no common codec, broken SDP) has answered 488 itself. */
      if (zv_call_get_state (incoming) == ZV_CALL_STATE_ENDED)
        {
          g_signal_emit (self, signals[SIGNAL_CALL_REFUSED], 0, incoming);
          return;
        }
      g_signal_emit (self, signals[SIGNAL_INCOMING_CALL], 0, incoming);
      return;
    }

  /* Anything else without an owner (a stray NOTIFY, MESSAGE, ...): nua answered it already, the
   * handle nua created for it is ours to free. */
  if (nh != NULL && event >= nua_i_chat && event <= nua_i_subscription && event != nua_i_options)
    nua_handle_destroy (nh);
}

static void
zv_sip_account_dispose (GObject *object)
{
  ZvSipAccount *self = ZV_SIP_ACCOUNT (object);

  g_clear_handle_id (&self->retry_source, g_source_remove);
  if (self->tls_check != NULL)
    g_cancellable_cancel (self->tls_check);
  if (self->nua != NULL)
    {
      gint64 deadline = g_get_monotonic_time () + SHUTDOWN_WAIT_US;

      /* Nobody waited for shutdown_async: do it here, bounded, so sockets and handles close. */
      if (!self->shutting_down)
        {
          self->shutting_down = TRUE;
          nua_shutdown (self->nua);
        }
      while (!self->shutdown_done && g_get_monotonic_time () < deadline)
        g_main_context_iteration (NULL, FALSE);
      nua_destroy (self->nua);
      self->nua = NULL;
    }
  if (self->calls != NULL)
    g_ptr_array_set_size (self->calls, 0);

  G_OBJECT_CLASS (zv_sip_account_parent_class)->dispose (object);
}

static void
zv_sip_account_finalize (GObject *object)
{
  ZvSipAccount *self = ZV_SIP_ACCOUNT (object);

  if (self->root != NULL)
    {
      GSource *source = self->source;

      su_root_destroy (self->root);
      if (source != NULL)
        {
          g_source_destroy (source);
          g_source_unref (source);
        }
    }
  g_clear_pointer (&self->calls, g_ptr_array_unref);
  g_clear_error (&self->error);
  g_free (self->aor);
  g_free (self->user);
  g_free (self->domain);
  g_free (self->auth_username);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_free (self->proxy);
  g_free (self->proxy_host);
  g_free (self->transport);
  g_free (self->ca_file);
  /* After su_root_destroy: sofia has read the folder and is gone. */
  zv_sip_tls_remove_dir (self->tls_dir);
  g_free (self->tls_dir);
  g_clear_error (&self->tls_failure);
  g_free (self->local_address);
  g_free (self->display_name);
  free (self->contact);

  G_OBJECT_CLASS (zv_sip_account_parent_class)->finalize (object);
}

static void
zv_sip_account_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ZvSipAccount *self = ZV_SIP_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error != NULL ? self->error->message : NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_sip_account_class_init (ZvSipAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zv_sip_account_dispose;
  object_class->finalize = zv_sip_account_finalize;
  object_class->get_property = zv_sip_account_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, ZV_TYPE_SIP_STATE, ZV_SIP_STATE_UNREGISTERED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* ZvSipAccount::incoming-call (ZvCall *call): a new call is ringing; answer or decline it. */
  signals[SIGNAL_INCOMING_CALL] =
    g_signal_new ("incoming-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, ZV_TYPE_CALL);
  /* ZvSipAccount::call-refused (ZvCall *call): an incoming call was refused before it rang (488:
   * no audio format in common, a broken offer); @call has ended, its error says why. */
  signals[SIGNAL_CALL_REFUSED] =
    g_signal_new ("call-refused", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, ZV_TYPE_CALL);
  /* ZvSipAccount::registered (guint expires): each successful REGISTER, refreshes included. */
  signals[SIGNAL_REGISTERED] =
    g_signal_new ("registered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
zv_sip_account_init (ZvSipAccount *self)
{
  self->expires = 600;
  self->session_expires = SESSION_EXPIRES_SECONDS;
  self->min_se = SESSION_MIN_SE_SECONDS;
  self->calls = g_ptr_array_new_with_free_func (g_object_unref);
  zv_codec_list_init_default (&self->codecs);
}

static gpointer
init_sofia (gpointer data)
{
  su_init ();
  return NULL;
}

/* "host:port", "[v6]:port" or "host" at the start of @hostport; the host without brackets. */
static char *
split_host (const char *hostport)
{
  const char *end;

  if (hostport[0] == '[')
    {
      end = strchr (hostport, ']');
      return end != NULL ? g_strndup (hostport + 1, (gsize) (end - hostport - 1)) : NULL;
    }
  end = hostport + strcspn (hostport, ":;>");
  return g_strndup (hostport, (gsize) (end - hostport));
}

/**
 * zv_sip_account_new:
 * @aor: the account's address, "sip:user@domain"
 * @auth_username: (nullable): the digest user name, when it is not the user part of @aor
 * @password: the SIP password
 * @proxy: where every request goes: "sip:host:port;transport=udp|tcp" or just "host:port"
 *
 * Nothing is sent before zv_sip_account_start().
 */
ZvSipAccount *
zv_sip_account_new (const char  *aor,
                    const char  *auth_username,
                    const char  *password,
                    const char  *proxy,
                    GError     **error)
{
  g_autoptr(ZvSipAccount) self = NULL;
  const char *rest;
  const char *at;
  const char *transport;
  gboolean sips;

  g_return_val_if_fail (aor != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (proxy != NULL, NULL);

  rest = g_str_has_prefix (aor, "sip:") ? aor + 4 : NULL;
  at = rest != NULL ? strchr (rest, '@') : NULL;
  if (rest == NULL || at == NULL || at == rest || at[1] == '\0' || strpbrk (aor, " <>\"") != NULL)
    {
      g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID_ACCOUNT,
                   _("“%s” is not a SIP address like sip:user@example.com."), aor);
      return NULL;
    }
  if (strpbrk (password, "\r\n") != NULL || *password == '\0')
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID_ACCOUNT,
                           _("The SIP password is empty or has a line break."));
      return NULL;
    }

  self = g_object_new (ZV_TYPE_SIP_ACCOUNT, NULL);
  self->user = g_strndup (rest, (gsize) (at - rest));
  self->domain = g_strndup (at + 1, strcspn (at + 1, ";>"));
  self->aor = g_strdup_printf ("sip:%s@%s", self->user, self->domain);
  self->auth_username = g_strdup (auth_username != NULL && *auth_username != '\0'
                                  ? auth_username : self->user);
  self->password = g_strdup (password);

  /* sips: is TLS to the proxy (RFC 3261 26.2.2); our own address stays sip:. */
  sips = g_str_has_prefix (proxy, "sips:");
  if (g_str_has_prefix (proxy, "sip:") || sips)
    proxy += sips ? 5 : 4;
  if (*proxy == '\0' || strpbrk (proxy, " <>\"@") != NULL)
    {
      g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID_ACCOUNT,
                   _("“%s” is not a SIP proxy address like sip:pbx.example.com:5060."), proxy);
      return NULL;
    }
  self->proxy_host = split_host (proxy);
  if (self->proxy_host == NULL || *self->proxy_host == '\0')
    {
      g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID_ACCOUNT,
                   _("“%s” is not a SIP proxy address like sip:pbx.example.com:5060."), proxy);
      return NULL;
    }
  transport = strstr (proxy, ";transport=");
  if (transport != NULL)
    {
      transport += strlen (";transport=");
      self->transport = g_ascii_strdown (transport, (gssize) strcspn (transport, ";"));
      if (!g_str_equal (self->transport, "udp") && !g_str_equal (self->transport, "tcp")
          && !g_str_equal (self->transport, "tls"))
        {
          g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID_ACCOUNT,
                       _("SIP over “%s” is not supported; use udp, tcp or tls."), self->transport);
          return NULL;
        }
      self->proxy = g_strdup_printf ("sip:%s", proxy);
    }
  else
    {
      self->transport = g_strdup (sips ? "tls" : "udp");
      self->proxy = g_strdup_printf ("sip:%s;transport=%s", proxy, self->transport);
    }
  return g_steal_pointer (&self);
}

/* The local address packets to the proxy leave from: our Contact and SDP must name it, and our
 * sockets are bound to it. A UDP connect() sends nothing; it only asks the routing table. A
 * proxy given by name is left to sofia's resolver, and we listen on every address. */
static char *
local_address_towards (const char *host)
{
  g_autoptr(GInetAddress) remote = g_inet_address_new_from_string (host);
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  if (remote == NULL)
    return NULL;
  socket = g_socket_new (g_inet_address_get_family (remote), G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, NULL);
  if (socket == NULL)
    return NULL;
  target = g_inet_socket_address_new (remote, 5060);
  if (!g_socket_connect (socket, target, NULL, NULL))
    return NULL;
  local = g_socket_get_local_address (socket, NULL);
  if (local == NULL)
    return NULL;
  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
}

/**
 * zv_sip_account_start:
 *
 * Opens the local SIP sockets on the default main context and starts registering. Registration
 * then lives on its own: watch #ZvSipAccount:state.
 */
gboolean
zv_sip_account_start (ZvSipAccount  *self,
                      GError       **error)
{
  static GOnce sofia_once = G_ONCE_INIT;
  g_autofree char *bind_url = NULL;
  g_autofree char *sips_url = NULL;
  g_autofree char *user_agent = NULL;

  g_return_val_if_fail (ZV_IS_SIP_ACCOUNT (self), FALSE);
  g_return_val_if_fail (self->nua == NULL, FALSE);

  g_once (&sofia_once, init_sofia, NULL);
  /* GStreamer and the codecs load while we register: a first call then does not wait for them. */
  zv_media_session_warm_up_in_background ();

  self->local_address = local_address_towards (self->proxy_host);
  if (self->local_address != NULL && strchr (self->local_address, ':') != NULL)
    bind_url = g_strdup_printf ("sip:[%s]:*", self->local_address);
  else
    bind_url = g_strdup_printf ("sip:%s:*", self->local_address != NULL ? self->local_address : "*");
  if (g_str_equal (self->transport, "tls"))
    {
      /* sofia connects to a TLS proxy from a TLS transport of its own, which needs a sips: URL. */
      sips_url = g_strconcat ("sips", bind_url + strlen ("sip"), NULL);
      self->tls_dir = zv_sip_tls_make_dir (self->ca_file, error);
      if (self->tls_dir == NULL)
        return FALSE;
    }

  self->root = su_glib_root_create (self);
  if (self->root == NULL)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_TRANSPORT,
                           _("The SIP stack could not start."));
      return FALSE;
    }
  self->source = g_source_ref (su_glib_root_gsource (self->root));
  g_source_attach (self->source, NULL);

  user_agent = g_strdup_printf ("Zveno/%s", PACKAGE_VERSION);
  self->nua = nua_create (self->root, nua_callback, self,
                          NUTAG_URL (bind_url),
                          TAG_IF (sips_url != NULL, NUTAG_SIPS_URL (sips_url)),
                          /* TLS: the proxy's certificate must chain to our CA and name the host
                           * we dial (sofia checks both); version 0 lets OpenSSL pick the newest TLS
                           * instead of sofia's default of TLS 1.0 only. */
                          TAG_IF (sips_url != NULL, TPTAG_CERTIFICATE (self->tls_dir)),
                          TAG_IF (sips_url != NULL, TPTAG_TLS_VERIFY_POLICY (TPTLS_VERIFY_SUBJECTS_OUT)),
                          TAG_IF (sips_url != NULL, TPTAG_TLS_VERSION (0)),
                          NUTAG_PROXY (self->proxy),
                          NUTAG_USER_AGENT (user_agent),
                          /* SDP is ours (zv-sdp.c): nua only carries the bodies. */
                          NUTAG_MEDIA_ENABLE (0),
                          NUTAG_AUTOALERT (0),
                          NUTAG_AUTOANSWER (0),
                          NUTAG_ENABLEINVITE (1),
                          NUTAG_ALLOW ("INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE, REFER, NOTIFY"),
                          /* Session timers (RFC 4028): nua refreshes when we are the refresher and
                           * sends BYE when the far end, refreshing, goes quiet; Replaces (RFC 3891)
                           * for attended transfers. */
                          NUTAG_SUPPORTED ("timer, replaces"),
                          NUTAG_SESSION_TIMER (self->session_expires),
                          NUTAG_MIN_SE (self->min_se),
                          /* A REFER from the far end is answered 202 by nua; we place the call
                           * and send the NOTIFYs ourselves (nua's own would report a digest
                           * challenge on the new call as a failed transfer). */
                          /* rport and received= rewrite our Contact behind NAT; the proxy is
                           * trusted, so no extra OPTIONS round to validate it. */
                          NUTAG_OUTBOUND ("natify no-validate no-options-keepalive"),
                          NUTAG_KEEPALIVE (30000),
                          TAG_END ());
  if (self->nua == NULL)
    {
      g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_TRANSPORT,
                   _("Could not open a SIP socket on %s."), bind_url);
      return FALSE;
    }
  /* Ask nua where it listens (reported as nua_r_get_params): peers dialled directly need it. */
  nua_get_params (self->nua, TAG_ANY (), TAG_END ());
  zv_sip_register_start (self);
  return TRUE;
}

void
zv_sip_account_shutdown_async (ZvSipAccount        *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, zv_sip_account_shutdown_async);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  if (self->nua == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  self->shutdown_tasks = g_list_append (self->shutdown_tasks, g_steal_pointer (&task));
  if (!self->shutting_down)
    {
      self->shutting_down = TRUE;
      /* Unregisters, ends calls and closes transactions; nua_r_shutdown says when it is done. */
      nua_shutdown (self->nua);
    }
}

gboolean
zv_sip_account_shutdown_finish (ZvSipAccount  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

const char *
zv_sip_account_get_aor (ZvSipAccount *self)
{
  g_return_val_if_fail (ZV_IS_SIP_ACCOUNT (self), NULL);
  return self->aor;
}

const char *
zv_sip_account_get_domain (ZvSipAccount *self)
{
  g_return_val_if_fail (ZV_IS_SIP_ACCOUNT (self), NULL);
  return self->domain;
}

const char *
zv_sip_account_get_transport (ZvSipAccount *self)
{
  g_return_val_if_fail (ZV_IS_SIP_ACCOUNT (self), NULL);
  return self->transport;
}

/**
 * zv_sip_account_set_ca_file:
 * @ca_file: (nullable): PEM file with the CA certificate(s) that sign the proxy's certificate,
 *   the company CA; NULL to trust the system's CAs
 *
 * For transport "tls", before zv_sip_account_start(): only these CAs are trusted.
 */
void
zv_sip_account_set_ca_file (ZvSipAccount *self,
                            const char   *ca_file)
{
  g_return_if_fail (ZV_IS_SIP_ACCOUNT (self));
  g_return_if_fail (self->nua == NULL);
  g_free (self->ca_file);
  self->ca_file = ca_file != NULL && *ca_file != '\0' ? g_strdup (ca_file) : NULL;
}

/* The address our sockets are bound to (NULL before start, or when listening on all). */
const char *
zv_sip_account_get_local_address (ZvSipAccount *self)
{
  g_return_val_if_fail (ZV_IS_SIP_ACCOUNT (self), NULL);
  return self->local_address;
}

ZvSipState
zv_sip_account_get_state (ZvSipAccount *self)
{
  g_return_val_if_fail (ZV_IS_SIP_ACCOUNT (self), ZV_SIP_STATE_FAILED);
  return self->state;
}

/* Why the last registration failed; kept while retrying, cleared once registered. */
const GError *
zv_sip_account_get_error (ZvSipAccount *self)
{
  g_return_val_if_fail (ZV_IS_SIP_ACCOUNT (self), NULL);
  return self->error;
}

/* Seconds until the next attempt after a failure, 0 when none is scheduled. */
guint
zv_sip_account_get_retry_seconds (ZvSipAccount *self)
{
  g_return_val_if_fail (ZV_IS_SIP_ACCOUNT (self), 0);
  return self->retry_seconds;
}

/* What the registrar granted, else what we asked for. */
guint
zv_sip_account_get_expires (ZvSipAccount *self)
{
  g_return_val_if_fail (ZV_IS_SIP_ACCOUNT (self), 0);
  return self->granted_expires != 0 ? self->granted_expires : self->expires;
}

void
zv_sip_account_set_expires (ZvSipAccount *self,
                            guint         seconds)
{
  g_return_if_fail (ZV_IS_SIP_ACCOUNT (self));
  self->expires = CLAMP (seconds, 30, 3600);
}

/* The name shown to the people we call (the company's, with a caller id). */
void
zv_sip_account_set_display_name (ZvSipAccount *self,
                                 const char   *display_name)
{
  g_return_if_fail (ZV_IS_SIP_ACCOUNT (self));
  g_free (self->display_name);
  /* A quote or backslash would end the quoted display name early. */
  self->display_name = display_name != NULL && *display_name != '\0'
                       ? g_strdelimit (g_strdup (display_name), "\"\\\r\n", ' ') : NULL;
}

const char *
zv_sip_account_get_display_name (ZvSipAccount *self)
{
  g_return_val_if_fail (ZV_IS_SIP_ACCOUNT (self), NULL);
  return self->display_name;
}

/**
 * zv_sip_account_set_session_timer:
 * @expires: the session interval we ask for (Session-Expires), 0 for none
 * @min_se: the shortest interval we accept from the far end (Min-SE)
 *
 * Before zv_sip_account_start(). A session that is not refreshed within its interval is over:
 * this is how a far end that vanished without a BYE is noticed on the signalling side.
 */
void
zv_sip_account_set_session_timer (ZvSipAccount *self,
                                  guint         expires,
                                  guint         min_se)
{
  g_return_if_fail (ZV_IS_SIP_ACCOUNT (self));
  self->session_expires = expires;
  self->min_se = MAX (min_se, 1);
}

/* Our stack's own SIP URI (host and port it listens on), NULL until nua has reported it. */
const char *
zv_sip_account_get_contact (ZvSipAccount *self)
{
  g_return_val_if_fail (ZV_IS_SIP_ACCOUNT (self), NULL);
  return self->contact;
}

nua_t *
zv_sip_account_get_nua (ZvSipAccount *self)
{
  return self->nua;
}

/* The account keeps each call alive while nua may still report on its handle. */
void
zv_sip_account_add_call (ZvSipAccount *self,
                         ZvCall       *call)
{
  g_ptr_array_add (self->calls, g_object_ref (call));
}

void
zv_sip_account_remove_call (ZvSipAccount *self,
                            ZvCall       *call)
{
  g_ptr_array_remove (self->calls, call);
}

/**
 * zv_sip_account_set_srtp_required:
 *
 * Company policy: every call of this account encrypts its audio (SRTP with SDES keys), offers
 * carry a=crypto and an incoming offer without it is refused with 488. Always so over TLS.
 */
void
zv_sip_account_set_srtp_required (ZvSipAccount *self,
                                  gboolean      required)
{
  g_return_if_fail (ZV_IS_SIP_ACCOUNT (self));
  self->srtp_required = required;
}

/**
 * zv_sip_account_set_codecs:
 * @codecs: codec names, preferred first ("opus,G722,PCMU,PCMA"); NULL for all we speak
 *
 * The audio codecs of this account's calls from now on: offers list only these, in this order;
 * answering, the offer's first codec that is in the list wins (the offerer's preference, RFC 3264),
 * and an offer with none of them is refused with 488.
 *
 * Returns: FALSE, with ZV_SIP_ERROR_INVALID, for an unknown name; the list is then unchanged.
 */
gboolean
zv_sip_account_set_codecs (ZvSipAccount  *self,
                           const char    *codecs,
                           GError       **error)
{
  g_return_val_if_fail (ZV_IS_SIP_ACCOUNT (self), FALSE);
  if (codecs == NULL)
    {
      zv_codec_list_init_default (&self->codecs);
      return TRUE;
    }
  return zv_codec_list_parse (codecs, &self->codecs, error);
}

/* Returns: (transfer full): the codec list as zv_sip_account_set_codecs() reads it. */
char *
zv_sip_account_dup_codecs (ZvSipAccount *self)
{
  g_return_val_if_fail (ZV_IS_SIP_ACCOUNT (self), NULL);
  return zv_codec_list_to_string (&self->codecs);
}

const ZvCodecList *
zv_sip_account_get_codec_list (ZvSipAccount *self)
{
  return &self->codecs;
}

gboolean
zv_sip_account_get_srtp_required (ZvSipAccount *self)
{
  g_return_val_if_fail (ZV_IS_SIP_ACCOUNT (self), FALSE);
  /* SDES keys travel in the SDP: only a TLS hop keeps them secret, and over TLS they must be used. */
  return self->srtp_required || g_strcmp0 (self->transport, "tls") == 0;
}

/* sofia-sip's su_uniqueid destructor deletes its thread-specific key when the process exits,
 * created or not; never created, that key is 0, which is GLib's, and libadwaita's resources then
 * abort at exit (pthread_setspecific: EINVAL) in any process that links the phone but never placed
 * a call (a second instance that only hands over to the first, the widget tests). Drawing one
 * random number when the library loads creates sofia-sip's own key. It lives in this file because
 * every program that uses the phone links this object (a static library's other files may be left
 * out of a program that does not call them). */
#if defined(__GNUC__)
__attribute__ ((constructor)) static void
create_sofia_key (void)
{
  (void) su_randint (0, 1);
}
#endif
