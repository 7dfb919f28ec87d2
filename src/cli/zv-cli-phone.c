/* zv-cli-phone.c: zveno-cli call and answer, a headless Zveno phone.
 *
 * Both load the SIP account (the signed-in account's GET /telephony, the password from that
 * answer or the secret store; or a standalone one from the options), run sofia-sip and GStreamer
 * on the default main loop, and print the outcome and statistics, one "key: value" a line. */
#define G_LOG_DOMAIN "zveno-cli"

#include "config.h"

#include <glib/gi18n.h>
#ifdef G_OS_UNIX
#include <glib-unix.h>
#endif
#include <stdio.h>
#include <string.h>

#include "zv-call.h"
#include "zv-cli-phone.h"
#include "zv-error.h"
#include "zv-json.h"
#include "zv-secret-store.h"
#include "zv-sip-account.h"

typedef struct {
  GMainLoop    *loop;
  ZvSipAccount *sip;
  GError       *error;
  ZvCall       *call;
  const char   *play;
  const char   *record;
  gboolean      echo;
  int           answered;
  int           count;
  int           status;
  gboolean      registered;
  gboolean      need_registration;
} Phone;

static int
phone_fail (const char *message)
{
  g_autofree char *line = g_strdup (message);

  g_strdelimit (line, "\n\r", ' ');
  fprintf (stderr, "zveno-cli: %s\n", line);
  return 1;
}

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static ZvSipAccount *
load_account (ZvCliSipSource *source,
              char          **caller_id,
              GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *telephony, *sip;
  const char *username, *auth_username, *domain, *proxy, *transport, *password;
  g_autofree char *secret = NULL;
  g_autofree char *aor = NULL;
  g_autofree char *proxy_uri = NULL;

  if (source->account == NULL)
    {
      if (source->sip_user == NULL || source->sip_proxy == NULL || source->sip_password == NULL)
        {
          g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID_ACCOUNT,
                               _("Without a signed-in account, give --sip-user, --sip-proxy and --sip-password-stdin."));
          return NULL;
        }
      return zv_sip_account_new (source->sip_user, NULL, source->sip_password, source->sip_proxy, error);
    }

  zv_account_call_async (source->account, "GET", "/telephony", NULL, NULL, store_result, &result);
  node = zv_account_call_finish (source->account, wait_for (&result), error);
  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE, _("/telephony did not answer an object."));
      return NULL;
    }
  telephony = json_node_get_object (node);
  sip = zv_json_get_object (telephony, "sip", error);
  if (sip == NULL)
    return NULL;
  username = zv_json_get_string (sip, "username", error);
  domain = username != NULL ? zv_json_get_string (sip, "domain", error) : NULL;
  proxy = domain != NULL ? zv_json_get_string (sip, "proxy", error) : NULL;
  if (proxy == NULL)
    return NULL;
  auth_username = json_object_has_member (sip, "auth_username") ? zv_json_get_string (sip, "auth_username", NULL) : NULL;
  transport = json_object_has_member (sip, "transport") ? zv_json_get_string (sip, "transport", NULL) : NULL;
  password = json_object_has_member (sip, "password") ? zv_json_get_string (sip, "password", NULL) : NULL;
  if (*username == '\0' || *domain == '\0' || *proxy == '\0')
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID_ACCOUNT,
                           _("The company has not set up telephony for this account."));
      return NULL;
    }
  if (password == NULL || *password == '\0')
    {
      /* Saved at sign-in under the account's secret-store name. */
      g_autoptr(ZvSecretStore) secrets = zv_secret_store_new_default ();
      g_autofree char *name = g_strdup_printf ("%s %s", zv_account_get_server (source->account),
                                               zv_account_get_login (source->account));
      g_autoptr(GAsyncResult) lookup = NULL;

      zv_secret_store_lookup_async (secrets, name, "sip-password", NULL, store_result, &lookup);
      secret = zv_secret_store_lookup_finish (secrets, wait_for (&lookup), error);
      if (secret == NULL)
        {
          if (error != NULL && *error == NULL)
            g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID_ACCOUNT,
                                 _("No SIP password is saved for this account; sign in again."));
          return NULL;
        }
      password = secret;
    }

  if (caller_id != NULL && *caller_id == NULL && json_object_has_member (telephony, "caller_ids"))
    {
      JsonArray *ids = json_object_get_array_member (telephony, "caller_ids");

      for (guint i = 0; ids != NULL && i < json_array_get_length (ids); i++)
        {
          JsonObject *id = json_array_get_object_element (ids, i);

          if (id != NULL && json_object_get_boolean_member_with_default (id, "default", FALSE))
            *caller_id = g_strdup (json_object_get_string_member_with_default (id, "number", ""));
        }
    }

  aor = g_strdup_printf ("sip:%s@%s", username, domain);
  proxy_uri = g_strdup_printf ("sip:%s;transport=%s", proxy,
                               transport != NULL && *transport != '\0' ? transport : "udp");
  return zv_sip_account_new (aor, auth_username, password, proxy_uri, error);
}

static void
print_stats (ZvCall *call)
{
  gint64 setup = zv_call_get_setup_time_us (call);

  printf ("codec: %s\n", zv_call_get_codec_name (call));
  if (setup >= 0)
    printf ("setup_ms: %.1f\n", setup / 1000.0);
  printf ("duration_s: %.1f\n", zv_call_get_duration_us (call) / (double) G_USEC_PER_SEC);
  printf ("packets_sent: %" G_GUINT64_FORMAT "\n", zv_call_get_packets_sent (call));
  printf ("packets_received: %" G_GUINT64_FORMAT "\n", zv_call_get_packets_received (call));
  fflush (stdout);
}

static void
on_account_state (ZvSipAccount *sip,
                  GParamSpec   *pspec,
                  gpointer      user_data)
{
  Phone *phone = user_data;
  const GError *error = zv_sip_account_get_error (sip);

  if (zv_sip_account_get_state (sip) != ZV_SIP_STATE_FAILED || error == NULL)
    return;
  if (!phone->need_registration)
    return;
  if (g_error_matches (error, ZV_SIP_ERROR, ZV_SIP_ERROR_AUTH_FAILED) && !phone->registered)
    {
      /* A wrong password will not fix itself while we wait: say so and stop. */
      g_clear_error (&phone->error);
      phone->error = g_error_copy (error);
      g_main_loop_quit (phone->loop);
      return;
    }
  {
    /* TRANSLATORS: after a registration error; %u is seconds */
    g_autofree char *retry = g_strdup_printf (_("Retrying in %u s."), zv_sip_account_get_retry_seconds (sip));

    fprintf (stderr, "zveno-cli: %s %s\n", error->message, retry);
  }
}

static void
on_registered (ZvSipAccount *sip,
               guint         expires,
               gpointer      user_data)
{
  Phone *phone = user_data;

  if (!phone->registered)
    printf ("registered: %s expires=%u\n", zv_sip_account_get_aor (sip), expires);
  else
    printf ("refreshed: %s expires=%u\n", zv_sip_account_get_aor (sip), expires);
  fflush (stdout);
  phone->registered = TRUE;
}

static void
on_call_state (ZvCall     *call,
               GParamSpec *pspec,
               gpointer    user_data)
{
  Phone *phone = user_data;
  ZvCallState state = zv_call_get_state (call);

  if (state == ZV_CALL_STATE_RINGING && !zv_call_is_incoming (call))
    printf ("ringing\n");
  else if (state == ZV_CALL_STATE_ACTIVE)
    printf ("answered: %s\n", zv_call_get_remote_uri (call));
  else if (state == ZV_CALL_STATE_ENDED)
    {
      const GError *error = zv_call_get_error (call);

      printf ("ended: %s\n", error != NULL ? error->message : "hangup");
      print_stats (call);
      if (zv_call_is_incoming (call))
        {
          if (++phone->answered >= phone->count && phone->count > 0)
            g_main_loop_quit (phone->loop);
        }
      else
        {
          if (error != NULL)
            {
              g_clear_error (&phone->error);
              phone->error = g_error_copy (error);
            }
          else if (zv_call_get_duration_us (call) == 0)
            phone->error = g_error_new_literal (ZV_SIP_ERROR, ZV_SIP_ERROR_CANCELLED, _("The call was not answered."));
          g_main_loop_quit (phone->loop);
        }
    }
  fflush (stdout);
}

static gboolean
hangup_cb (gpointer user_data)
{
  Phone *phone = user_data;

  if (phone->call != NULL && zv_call_get_state (phone->call) == ZV_CALL_STATE_ACTIVE)
    zv_call_hangup (phone->call);
  return G_SOURCE_REMOVE;
}

static void
on_call_state_for_duration (ZvCall     *call,
                            GParamSpec *pspec,
                            gpointer    user_data)
{
  guint *duration = user_data;

  if (zv_call_get_state (call) == ZV_CALL_STATE_ACTIVE && *duration > 0)
    {
      g_timeout_add_seconds (*duration, hangup_cb, g_object_get_data (G_OBJECT (call), "zv-phone"));
      *duration = 0;
    }
}

static void
on_incoming (ZvSipAccount *sip,
             ZvCall       *call,
             gpointer      user_data)
{
  Phone *phone = user_data;
  g_autoptr(GError) error = NULL;

  printf ("incoming: %s\n", zv_call_get_remote_uri (call));
  g_signal_connect (call, "notify::state", G_CALLBACK (on_call_state), phone);
  zv_call_set_media_files (call, phone->play, phone->record, phone->echo);
  if (!zv_call_answer (call, &error))
    fprintf (stderr, "zveno-cli: %s\n", error->message);
}

#ifdef G_OS_UNIX
static gboolean
on_signal (gpointer user_data)
{
  Phone *phone = user_data;

  if (phone->call != NULL)
    zv_call_hangup (phone->call);
  g_main_loop_quit (phone->loop);
  return G_SOURCE_CONTINUE;
}
#endif

static int
shutdown_phone (Phone *phone)
{
  g_autoptr(GAsyncResult) result = NULL;
  int status = 0;

  if (phone->error != NULL)
    status = phone_fail (phone->error->message);
  if (phone->sip != NULL)
    {
      zv_sip_account_shutdown_async (phone->sip, NULL, store_result, &result);
      zv_sip_account_shutdown_finish (phone->sip, wait_for (&result), NULL);
    }
  g_clear_object (&phone->call);
  g_clear_object (&phone->sip);
  g_clear_error (&phone->error);
  g_clear_pointer (&phone->loop, g_main_loop_unref);
  return status;
}

static gboolean
start_phone (Phone          *phone,
             ZvCliSipSource *source,
             char          **caller_id)
{
  const char *expires = g_getenv ("ZVENO_SIP_EXPIRES");

  phone->loop = g_main_loop_new (NULL, FALSE);
  phone->sip = load_account (source, caller_id, &phone->error);
  if (phone->sip == NULL)
    return FALSE;
  /* Tests ask for short registrations to see the refresh happen. */
  if (expires != NULL)
    zv_sip_account_set_expires (phone->sip, (guint) g_ascii_strtoull (expires, NULL, 10));
  g_signal_connect (phone->sip, "notify::state", G_CALLBACK (on_account_state), phone);
  g_signal_connect (phone->sip, "registered", G_CALLBACK (on_registered), phone);
#ifdef G_OS_UNIX
  g_unix_signal_add (SIGINT, on_signal, phone);
  g_unix_signal_add (SIGTERM, on_signal, phone);
#endif
  return zv_sip_account_start (phone->sip, &phone->error);
}

int
zv_cli_phone_call (ZvCliSipSource *source,
                   const char     *uri,
                   int             duration,
                   const char     *record,
                   const char     *play,
                   const char     *caller_id)
{
  Phone phone = { .status = 0 };
  g_autofree char *chosen_id = g_strdup (caller_id);
  guint remaining = duration > 0 ? (guint) duration : 10;

  if (!start_phone (&phone, source, &chosen_id))
    return shutdown_phone (&phone);
  /* Calling needs no registration: the proxy challenges the INVITE itself. */
  phone.need_registration = FALSE;
  phone.call = zv_call_new_outgoing (phone.sip, uri, chosen_id);
  g_object_set_data (G_OBJECT (phone.call), "zv-phone", &phone);
  zv_call_set_media_files (phone.call, play, record, FALSE);
  g_signal_connect (phone.call, "notify::state", G_CALLBACK (on_call_state), &phone);
  g_signal_connect (phone.call, "notify::state", G_CALLBACK (on_call_state_for_duration), &remaining);
  if (!zv_call_start (phone.call, &phone.error))
    return shutdown_phone (&phone);
  printf ("calling: %s%s%s\n", uri, chosen_id != NULL ? " as " : "", chosen_id != NULL ? chosen_id : "");
  fflush (stdout);
  g_main_loop_run (phone.loop);
  return shutdown_phone (&phone);
}

int
zv_cli_phone_answer (ZvCliSipSource *source,
                     int             count,
                     gboolean        echo,
                     const char     *play,
                     const char     *record)
{
  Phone phone = { .count = count, .echo = echo, .play = play, .record = record };

  phone.need_registration = TRUE;
  if (!start_phone (&phone, source, NULL))
    return shutdown_phone (&phone);
  g_signal_connect (phone.sip, "incoming-call", G_CALLBACK (on_incoming), &phone);
  g_main_loop_run (phone.loop);
  return shutdown_phone (&phone);
}
