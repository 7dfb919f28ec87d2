/* zv-account-login.c: ZvAccount's sign-in: discovery, POST /auth/login, a new cache, the tokens
 * to the secret store, then the company policy and telephony settings (the SIP password to the
 * secret store, never the cache). A sign-in that fails half-way wipes what it saved. */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "zv-account-private.h"
#include "zv-error.h"
#include "zv-json.h"

typedef enum {
  LOGIN_DISCOVER,
  LOGIN_AUTH,
  LOGIN_OPEN_STORE,
  LOGIN_SAVE_TOKENS,
  LOGIN_POLICY,
  LOGIN_TELEPHONY,
  LOGIN_SIP_SECRET,
  LOGIN_DONE,
} LoginStage;

typedef struct {
  LoginStage  stage;
  char       *ca_file;
  char       *address;
  char       *login;
  char       *password;
  char       *device_name;
  char       *server;
  ZvAccountTokens     *tokens;
  JsonNode   *auth;
  JsonNode   *policy;
  JsonNode   *telephony;
} LoginData;

static void
login_data_free (LoginData *data)
{
  g_free (data->ca_file);
  g_free (data->address);
  g_free (data->login);
  /* The password never outlives the login. */
  if (data->password != NULL)
    memset (data->password, 0, strlen (data->password));
  g_free (data->password);
  g_free (data->device_name);
  g_free (data->server);
  g_clear_pointer (&data->tokens, zv_account_tokens_free);
  g_clear_pointer (&data->auth, json_node_unref);
  g_clear_pointer (&data->policy, json_node_unref);
  g_clear_pointer (&data->telephony, json_node_unref);
  g_free (data);
}

static void login_next (GTask *task);

static gboolean
write_login_meta (ZvDb            *db,
                  gpointer         user_data,
                  ZvStoreChanges  *changes,
                  GError         **error)
{
  LoginData *data = user_data;
  JsonObject *user = zv_json_get_object (json_node_get_object (data->auth), "user", NULL);
  g_autofree char *user_id = NULL;
  g_autofree char *expires = g_strdup_printf ("%" G_GINT64_FORMAT, data->tokens->expires_at);
  g_autofree char *me = NULL;
  g_autofree char *policy = NULL;
  g_autofree char *telephony = NULL;
  gint64 id = 0;

  if (user == NULL || !zv_json_get_int (user, "id", &id, error))
    return FALSE;
  user_id = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  me = zv_json_to_string (json_object_get_member (json_node_get_object (data->auth), "user"));
  policy = data->policy != NULL ? zv_json_to_string (data->policy) : g_strdup ("{}");
  telephony = data->telephony != NULL ? zv_json_to_string (data->telephony) : g_strdup ("{}");

  changes->flags |= ZV_STORE_CHANGED_META;
  return zv_store_set_meta (db, "ca_file", data->ca_file != NULL ? data->ca_file : "", error) &&
         zv_store_set_meta (db, "server", data->server, error) &&
         zv_store_set_meta (db, "login", data->login, error) &&
         zv_store_set_meta (db, "user_id", user_id, error) &&
         zv_store_set_meta (db, "access_expires_at", expires, error) &&
         zv_store_set_meta (db, "me", me, error) &&
         zv_store_set_meta (db, "policy", policy, error) &&
         zv_store_set_meta (db, "telephony", telephony, error);
}

static void
login_aborted_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  zv_account_wipe_finish (ZV_ACCOUNT (object), result, NULL);
  g_task_return_error (task, g_error_copy (g_task_get_task_data (task)));
}

static void
login_step_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvAccount *self = g_task_get_source_object (task);
  LoginData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  switch (data->stage)
    {
    case LOGIN_DISCOVER:
      data->server = zv_api_discover_finish (result, &error);
      break;

    case LOGIN_AUTH:
      data->auth = zv_api_call_finish (ZV_API (object), result, &error);
      if (data->auth != NULL)
        data->tokens = zv_account_parse_tokens (json_node_get_object (data->auth), &error);
      if (data->tokens != NULL && zv_json_get_object (json_node_get_object (data->auth), "user", &error) == NULL)
        g_clear_pointer (&data->tokens, zv_account_tokens_free);
      break;

    case LOGIN_OPEN_STORE:
      self->store = zv_store_open_finish (result, &error);
      break;

    case LOGIN_SAVE_TOKENS:
      zv_account_save_tokens_finish (self, result, &error);
      break;

    case LOGIN_POLICY:
      data->policy = zv_account_call_finish (self, result, &error);
      break;

    case LOGIN_TELEPHONY:
      data->telephony = zv_account_call_finish (self, result, &error);
      if (data->telephony != NULL && JSON_NODE_HOLDS_OBJECT (data->telephony))
        {
          JsonObject *telephony = json_node_get_object (data->telephony);
          JsonObject *sip = json_object_has_member (telephony, "sip")
                            ? zv_json_get_object (telephony, "sip", NULL) : telephony;

          /* The SIP password goes to the secret store; the cached copy never holds it. */
          if (sip != NULL && json_object_has_member (sip, "password"))
            {
              const char *password = zv_json_get_string (sip, "password", NULL);
              g_autofree char *account = zv_account_secret_account (self);

              if (password != NULL)
                {
                  data->stage = LOGIN_SIP_SECRET;
                  zv_secret_store_store_async (self->secrets, account, "sip-password", password,
                                               g_task_get_cancellable (task), login_step_cb,
                                               g_object_ref (task));
                  json_object_remove_member (sip, "password");
                  return;
                }
            }
        }
      break;

    case LOGIN_SIP_SECRET:
      zv_secret_store_store_finish (ZV_SECRET_STORE (object), result, &error);
      break;

    case LOGIN_DONE:
      zv_store_write_finish (ZV_STORE (object), result, &error);
      break;

    default:
      g_assert_not_reached ();
    }

  if (error != NULL)
    {
      if (data->stage >= LOGIN_OPEN_STORE)
        {
          /* Half a sign-in is no sign-in: remove what was saved, then report why. */
          g_task_set_task_data (task, g_steal_pointer (&error), (GDestroyNotify) g_error_free);
          zv_account_wipe_async (self, NULL, login_aborted_cb, g_steal_pointer (&task));
          return;
        }
      g_clear_pointer (&self->server, g_free);
      g_clear_pointer (&self->login, g_free);
      g_clear_object (&self->api);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (data->stage == LOGIN_DONE)
    {
      g_free (self->server);
      self->server = g_strdup (data->server);
      g_free (self->login);
      self->login = g_strdup (data->login);
      zv_json_get_int (zv_json_get_object (json_node_get_object (data->auth), "user", NULL), "id",
                       &self->user_id, NULL);
      g_task_return_boolean (task, TRUE);
      return;
    }

  data->stage++;
  login_next (g_steal_pointer (&task));
}

static void
login_next (GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  ZvAccount *self = g_task_get_source_object (task);
  LoginData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GError) error = NULL;

  switch (data->stage)
    {
    case LOGIN_DISCOVER:
      zv_api_discover_async (data->address, self->ca_file, cancellable, login_step_cb, g_steal_pointer (&task));
      return;

    case LOGIN_AUTH:
      {
        g_autoptr(JsonBuilder) builder = json_builder_new ();
        g_autoptr(JsonNode) body = NULL;

        g_free (self->server);
        self->server = g_strdup (data->server);
        g_free (self->login);
        self->login = g_strdup (data->login);
        g_clear_pointer (&self->access_token, g_free);
        if (!zv_account_make_api (self, &error))
          {
            g_task_return_error (task, g_steal_pointer (&error));
            return;
          }
        json_builder_begin_object (builder);
        json_builder_set_member_name (builder, "login");
        json_builder_add_string_value (builder, data->login);
        json_builder_set_member_name (builder, "password");
        json_builder_add_string_value (builder, data->password);
        json_builder_set_member_name (builder, "device_name");
        json_builder_add_string_value (builder, data->device_name);
        json_builder_end_object (builder);
        body = json_builder_get_root (builder);
        zv_api_call_async (self->api, "POST", "/auth/login", body, cancellable, login_step_cb,
                           g_steal_pointer (&task));
        return;
      }

    case LOGIN_OPEN_STORE:
      zv_store_open_async (self->db_path, cancellable, login_step_cb, g_steal_pointer (&task));
      return;

    case LOGIN_SAVE_TOKENS:
      zv_account_save_tokens (self, data->tokens, cancellable, login_step_cb, g_steal_pointer (&task));
      return;

    case LOGIN_POLICY:
      zv_account_call_async (self, "GET", "/policy", NULL, cancellable, login_step_cb, g_steal_pointer (&task));
      return;

    case LOGIN_TELEPHONY:
      zv_account_call_async (self, "GET", "/telephony", NULL, cancellable, login_step_cb, g_steal_pointer (&task));
      return;

    case LOGIN_SIP_SECRET:
      data->stage = LOGIN_DONE;
      G_GNUC_FALLTHROUGH;
    case LOGIN_DONE:
      zv_store_write_async (self->store, write_login_meta, data, NULL, cancellable, login_step_cb,
                            g_steal_pointer (&task));
      return;

    default:
      g_assert_not_reached ();
    }
}

/**
 * zv_account_login_async:
 * @address: the company's server or the user's e-mail address (see zv_api_discovery_url())
 *
 * Discovers the API, signs in, keeps the tokens in the secret store and the account, policy and
 * telephony settings in a new cache. A device holds one account: sign out of another first.
 */
void
zv_account_login_async (ZvAccount           *self,
                        const char          *address,
                        const char          *login,
                        const char          *password,
                        const char          *device_name,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  LoginData *data;

  g_task_set_source_tag (task, zv_account_login_async);

  if (self->store != NULL && self->login != NULL)
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_CONFLICT,
                               _("%s is already signed in on this device. Sign out first."), self->login);
      return;
    }
  if (login == NULL || *login == '\0' || password == NULL || *password == '\0')
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_BAD_REQUEST,
                               _("Enter your login and password"));
      return;
    }

  data = g_new0 (LoginData, 1);
  data->ca_file = g_strdup (self->ca_file);
  data->address = g_strdup (address);
  data->login = g_strdup (login);
  data->password = g_strdup (password);
  data->device_name = g_strdup (device_name != NULL ? device_name : g_get_host_name ());
  g_task_set_task_data (task, data, (GDestroyNotify) login_data_free);
  login_next (g_steal_pointer (&task));
}

gboolean
zv_account_login_finish (ZvAccount     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
