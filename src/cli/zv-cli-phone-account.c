/* zv-cli-phone-account.c: where zveno-cli's headless phone gets its SIP account: the signed-in
 * account's GET /telephony (the password from that answer or the secret store), or a standalone
 * one from --sip-user, --sip-proxy and --sip-password-stdin. The phone itself is zv-cli-phone.c. */
#define G_LOG_DOMAIN "zveno-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "zv-cli-phone.h"
#include "zv-cli-private.h"
#include "zv-error.h"
#include "zv-json.h"
#include "zv-secret-store.h"
#include "zv-sip-account.h"

ZvSipAccount *
zv_cli_phone_load_account (ZvCliSipSource  *source,
                           char           **caller_id,
                           GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *telephony, *sip;
  const char *username, *auth_username, *domain, *proxy, *transport, *password;
  g_autofree char *secret = NULL;
  g_autofree char *aor = NULL;
  g_autofree char *proxy_uri = NULL;
  ZvSipAccount *sip_account;

  if (source->account == NULL)
    {
      if (source->sip_user == NULL || source->sip_proxy == NULL || source->sip_password == NULL)
        {
          g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID_ACCOUNT,
                               _("Without a signed-in account, give --sip-user, --sip-proxy and --sip-password-stdin."));
          return NULL;
        }
      sip_account = zv_sip_account_new (source->sip_user, NULL, source->sip_password, source->sip_proxy, error);
      if (sip_account != NULL)
        zv_sip_account_set_ca_file (sip_account, source->sip_ca_file);
      return sip_account;
    }

  zv_account_call_async (source->account, "GET", "/telephony", NULL, NULL, zv_cli_store_result, &result);
  node = zv_account_call_finish (source->account, zv_cli_wait_for (&result), error);
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

      zv_secret_store_lookup_async (secrets, name, "sip-password", NULL, zv_cli_store_result, &lookup);
      secret = zv_secret_store_lookup_finish (secrets, zv_cli_wait_for (&lookup), error);
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
  sip_account = zv_sip_account_new (aor, auth_username, password, proxy_uri, error);
  /* The company CA that signs the server's HTTPS certificate signs the PBX's TLS one too. */
  if (sip_account != NULL)
    zv_sip_account_set_ca_file (sip_account, source->sip_ca_file != NULL ? source->sip_ca_file
                                                                       : zv_account_get_ca_file (source->account));
  return sip_account;
}
