/* zv-account.c: one company account on this device.
 *
 * What lives where: the API base, login, user and device ids, the token expiry and the company
 * policy and telephony settings are in the cache's meta table (not secret); the refresh and access
 * tokens and the SIP password are in the secret store, keyed by "<api base> <login>"; nothing secret
 * ever reaches a file or a log.
 *
 * Every request goes through zv_account_call_async(), which refreshes the access token shortly
 * before it expires and once more on a 401, with one refresh in flight however many requests wait
 * for it. An answer saying account_disabled or device_revoked, to any request including a refresh,
 * wipes the device (cache, files, drafts, secrets) before the caller hears the error, and emits
 * ::deactivated.
 *
 * The sign-in, zv_account_login_async(), is in zv-account-login.c (fields and shared helpers in
 * zv-account-private.h).
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include "zv-account-private.h"
#include "zv-error.h"
#include "zv-json.h"

#define REFRESH_MARGIN_MS (60 * 1000)


G_DEFINE_FINAL_TYPE (ZvAccount, zv_account, G_TYPE_OBJECT)

enum {
  DEACTIVATED,
  SIGNED_OUT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

char *
zv_account_secret_account (ZvAccount *self)
{
  return g_strdup_printf ("%s %s", self->server, self->login);
}

char *
zv_account_default_data_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "zveno", NULL);
}

ZvAccount *
zv_account_new (const char    *data_dir,
                ZvSecretStore *secrets)
{
  ZvAccount *self;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (ZV_IS_SECRET_STORE (secrets), NULL);

  self = g_object_new (ZV_TYPE_ACCOUNT, NULL);
  self->data_dir = g_strdup (data_dir);
  self->db_path = g_build_filename (data_dir, "zveno.db", NULL);
  self->files_dir = g_build_filename (data_dir, "files", NULL);
  self->secrets = g_object_ref (secrets);
  return self;
}

const char *
zv_account_get_data_dir (ZvAccount *self)
{
  return self->data_dir;
}

const char *
zv_account_get_login (ZvAccount *self)
{
  return self->login;
}

const char *
zv_account_get_server (ZvAccount *self)
{
  return self->server;
}

gint64
zv_account_get_user_id (ZvAccount *self)
{
  return self->user_id;
}

ZvStore *
zv_account_get_store (ZvAccount *self)
{
  return self->store;
}

ZvApi *
zv_account_get_api (ZvAccount *self)
{
  return self->api;
}

gboolean
zv_account_is_signed_in (ZvAccount *self)
{
  return self->api != NULL && self->refresh_token != NULL;
}

void
zv_account_set_ca_file (ZvAccount  *self,
                        const char *ca_file)
{
  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);
}

/* The company CA this account trusts (set, or remembered from sign-in): SIP over TLS uses it too. */
const char *
zv_account_get_ca_file (ZvAccount *self)
{
  return self->ca_file;
}

gboolean
zv_account_make_api (ZvAccount  *self,
                     GError    **error)
{
  g_clear_object (&self->api);
  self->api = zv_api_new (self->server);
  if (self->ca_file != NULL && !zv_api_set_ca_file (self->api, self->ca_file, error))
    {
      g_clear_object (&self->api);
      return FALSE;
    }
  zv_api_set_access_token (self->api, self->access_token);
  return TRUE;
}

/**
 * zv_account_load:
 *
 * Opens the cache if this device has one and reads who is signed in. No network, no secrets:
 * zv_account_restore_async() then fetches the tokens. Blocking (opens SQLite): CLI or worker only.
 */
gboolean
zv_account_load (ZvAccount  *self,
                 GError    **error)
{
  g_autofree char *user_id = NULL;
  g_autofree char *expires = NULL;

  g_return_val_if_fail (ZV_IS_ACCOUNT (self), FALSE);

  if (self->store != NULL)
    return TRUE;
  if (!g_file_test (self->db_path, G_FILE_TEST_EXISTS))
    return TRUE;

  self->store = zv_store_open (self->db_path, error);
  if (self->store == NULL)
    return FALSE;

  g_free (self->server);
  self->server = zv_store_get_meta (self->store, "server");
  g_free (self->login);
  self->login = zv_store_get_meta (self->store, "login");
  /* A company CA given at sign-in (not by a profile, which is read anew each time) stays trusted. */
  if (self->ca_file == NULL)
    {
      g_autofree char *ca_file = zv_store_get_meta (self->store, "ca_file");

      if (ca_file != NULL && *ca_file != '\0')
        self->ca_file = g_steal_pointer (&ca_file);
    }
  user_id = zv_store_get_meta (self->store, "user_id");
  expires = zv_store_get_meta (self->store, "access_expires_at");
  self->user_id = user_id != NULL ? g_ascii_strtoll (user_id, NULL, 10) : 0;
  self->access_expires_at = expires != NULL ? g_ascii_strtoll (expires, NULL, 10) : 0;

  if (self->server != NULL && *self->server == '\0')
    g_clear_pointer (&self->server, g_free);
  return TRUE;
}

/* ---- restore: tokens from the secret store ----------------------------------------------------- */

static void
restore_access_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvAccount *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *token = zv_secret_store_lookup_finish (ZV_SECRET_STORE (object), result, &error);

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_free (self->access_token);
  self->access_token = g_steal_pointer (&token);
  if (!zv_account_make_api (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
restore_refresh_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvAccount *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *account = NULL;
  GCancellable *cancellable;
  char *token = zv_secret_store_lookup_finish (ZV_SECRET_STORE (object), result, &error);

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (token == NULL)
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_UNAUTHORIZED,
                               _("You are signed out. Sign in again."));
      return;
    }
  g_free (self->refresh_token);
  self->refresh_token = token;
  account = zv_account_secret_account (self);
  cancellable = g_task_get_cancellable (task);
  zv_secret_store_lookup_async (self->secrets, account, "access-token", cancellable,
                                restore_access_cb, g_steal_pointer (&task));
}

void
zv_account_restore_async (ZvAccount           *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *account = NULL;

  g_task_set_source_tag (task, zv_account_restore_async);
  if (self->server == NULL || self->login == NULL)
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_UNAUTHORIZED,
                               _("No account is signed in on this device"));
      return;
    }
  account = zv_account_secret_account (self);
  zv_secret_store_lookup_async (self->secrets, account, "refresh-token", cancellable,
                                restore_refresh_cb, g_steal_pointer (&task));
}

gboolean
zv_account_restore_finish (ZvAccount     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- storing tokens ------------------------------------------------------------------------------ */

void
zv_account_tokens_free (ZvAccountTokens *tokens)
{
  g_free (tokens->access);
  g_free (tokens->refresh);
  g_free (tokens);
}

ZvAccountTokens *
zv_account_parse_tokens (JsonObject  *object,
                         GError     **error)
{
  const char *access = zv_json_get_string (object, "access_token", error);
  const char *refresh = access != NULL ? zv_json_get_string (object, "refresh_token", error) : NULL;
  gint64 expires_in = 0;
  ZvAccountTokens *tokens;

  if (refresh == NULL || !zv_json_get_int (object, "expires_in", &expires_in, error))
    return NULL;
  tokens = g_new0 (ZvAccountTokens, 1);
  tokens->access = g_strdup (access);
  tokens->refresh = g_strdup (refresh);
  tokens->expires_at = now_ms () + expires_in * 1000;
  return tokens;
}

static gboolean
write_expiry (ZvDb            *db,
              gpointer         data,
              ZvStoreChanges  *changes,
              GError         **error)
{
  g_autofree char *value = g_strdup_printf ("%" G_GINT64_FORMAT, *(gint64 *) data);

  return zv_store_set_meta (db, "access_expires_at", value, error);
}

static void
stored_access_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!zv_secret_store_store_finish (ZV_SECRET_STORE (object), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
stored_refresh_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvAccount *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *account = NULL;
  GCancellable *cancellable;

  if (!zv_secret_store_store_finish (ZV_SECRET_STORE (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  account = zv_account_secret_account (self);
  cancellable = g_task_get_cancellable (task);
  zv_secret_store_store_async (self->secrets, account, "access-token", self->access_token,
                               cancellable, stored_access_cb, g_steal_pointer (&task));
}

/* Adopts @tokens in memory and saves them: secrets to the secret store, the expiry to the cache. */
void
zv_account_save_tokens (ZvAccount           *self,
                        ZvAccountTokens     *tokens,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *account = zv_account_secret_account (self);

  g_free (self->access_token);
  self->access_token = g_strdup (tokens->access);
  g_free (self->refresh_token);
  self->refresh_token = g_strdup (tokens->refresh);
  self->access_expires_at = tokens->expires_at;
  if (self->api != NULL)
    zv_api_set_access_token (self->api, self->access_token);
  if (self->store != NULL)
    zv_store_write_async (self->store, write_expiry, g_memdup2 (&self->access_expires_at, sizeof (gint64)),
                          g_free, NULL, NULL, NULL);

  zv_secret_store_store_async (self->secrets, account, "refresh-token", self->refresh_token,
                               cancellable, stored_refresh_cb, g_steal_pointer (&task));
}

gboolean
zv_account_save_tokens_finish (ZvAccount     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- wipe ----------------------------------------------------------------------------------------- */

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_remove (path);
}

static void
wipe_files_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  ZvAccount *self = source_object;
  static const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (self->db_path, suffixes[i], NULL);
      g_unlink (path);
    }
  remove_tree (self->files_dir);
  g_task_return_boolean (task, TRUE);
}

static void
wipe_secrets_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvAccount *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!zv_secret_store_clear_finish (ZV_SECRET_STORE (object), result, &error))
    g_warning ("Could not remove the account's secrets: %s", error->message);

  /* The files go after the secrets: without tokens nothing can write the cache again. */
  g_task_run_in_thread (task, wipe_files_thread);
  g_clear_pointer (&self->server, g_free);
  g_clear_pointer (&self->login, g_free);
  self->user_id = 0;
}

/**
 * zv_account_wipe_async:
 *
 * Removes everything of this account from the device: the cache (messages, drafts, outbox), the
 * downloaded files and every secret. Used by sign-out and by deactivation.
 */
void
zv_account_wipe_async (ZvAccount           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, zv_account_wipe_async);

  if (self->store != NULL)
    {
      zv_store_close (self->store);
      g_clear_object (&self->store);
    }
  g_clear_object (&self->api);
  g_clear_pointer (&self->access_token, g_free);
  g_clear_pointer (&self->refresh_token, g_free);
  self->access_expires_at = 0;

  if (self->server != NULL && self->login != NULL)
    {
      g_autofree char *account = zv_account_secret_account (self);
      zv_secret_store_clear_async (self->secrets, account, NULL, wipe_secrets_cb, g_steal_pointer (&task));
    }
  else
    g_task_run_in_thread (task, wipe_files_thread);
}

gboolean
zv_account_wipe_finish (ZvAccount     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct {
  GError *error;
} Deactivation;

static void
deactivation_wiped_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvAccount *self = ZV_ACCOUNT (object);
  GError *cause = g_task_get_task_data (task);

  zv_account_wipe_finish (self, result, NULL);
  g_signal_emit (self, signals[DEACTIVATED], 0, cause->message);
  g_task_return_error (task, g_error_copy (cause));
}

/* Wipes, emits ::deactivated and then fails @task with @cause. */
static void
deactivate (ZvAccount *self,
            GTask     *task,
            GError    *cause)
{
  g_task_set_task_data (task, cause, (GDestroyNotify) g_error_free);
  zv_account_wipe_async (self, NULL, deactivation_wiped_cb, g_object_ref (task));
}

/* ---- refresh ------------------------------------------------------------------------------------ */

static void call_send (GTask *task);

static void
fail_refresh_waiters (ZvAccount    *self,
                      const GError *error)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->refresh_waiters);

  self->refresh_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->refreshing = FALSE;
  for (guint i = 0; i < waiters->len; i++)
    g_task_return_error (g_ptr_array_index (waiters, i), g_error_copy (error));
}

static void
refresh_saved_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ZvAccount *self = ZV_ACCOUNT (object);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) waiters = NULL;

  if (!zv_account_save_tokens_finish (self, result, &error))
    {
      fail_refresh_waiters (self, error);
      return;
    }
  waiters = g_steal_pointer (&self->refresh_waiters);
  self->refresh_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->refreshing = FALSE;
  for (guint i = 0; i < waiters->len; i++)
    call_send (g_object_ref (g_ptr_array_index (waiters, i)));
}

static void
refresh_wiped_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ZvAccount *self = ZV_ACCOUNT (object);
  g_autoptr(GError) cause = user_data;

  zv_account_wipe_finish (self, result, NULL);
  g_signal_emit (self, signals[DEACTIVATED], 0, cause->message);
  fail_refresh_waiters (self, cause);
}

static void
refresh_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ZvAccount) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = zv_api_call_finish (ZV_API (object), result, &error);
  ZvAccountTokens *tokens;

  if (root == NULL)
    {
      if (zv_api_error_is_deactivation (error))
        {
          zv_account_wipe_async (self, NULL, refresh_wiped_cb, g_steal_pointer (&error));
          return;
        }
      if (error->domain == ZV_API_ERROR && !zv_api_error_is_transient (error))
        {
          /* The refresh token is no longer good: the user has to sign in again. */
          g_clear_pointer (&self->refresh_token, g_free);
          g_signal_emit (self, signals[SIGNED_OUT], 0);
          g_clear_error (&error);
          g_set_error_literal (&error, ZV_API_ERROR, ZV_API_ERROR_UNAUTHORIZED,
                               _("Your session has ended. Sign in again."));
        }
      fail_refresh_waiters (self, error);
      return;
    }

  tokens = zv_account_parse_tokens (json_node_get_object (root), &error);
  if (tokens == NULL)
    {
      fail_refresh_waiters (self, error);
      return;
    }
  zv_account_save_tokens (self, tokens, NULL, refresh_saved_cb, NULL);
  zv_account_tokens_free (tokens);
}

/* Queues @task (a call) until a fresh access token is there; starts the refresh if none runs. */
static void
refresh_then_send (ZvAccount *self,
                   GTask     *task)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) body = NULL;

  g_ptr_array_add (self->refresh_waiters, task);
  if (self->refreshing)
    return;
  self->refreshing = TRUE;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "refresh_token");
  json_builder_add_string_value (builder, self->refresh_token);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  zv_api_call_async (self->api, "POST", "/auth/refresh", body, NULL, refresh_cb, g_object_ref (self));
}

/* ---- calls -------------------------------------------------------------------------------------- */

typedef struct {
  char     *method;
  char     *path;
  JsonNode *body;
  gboolean  retried;
} CallData;

static void
call_data_free (CallData *data)
{
  g_free (data->method);
  g_free (data->path);
  g_clear_pointer (&data->body, json_node_unref);
  g_free (data);
}

static void
call_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvAccount *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);
  GError *error = NULL;
  JsonNode *root = zv_api_call_finish (ZV_API (object), result, &error);

  if (root != NULL)
    {
      g_task_return_pointer (task, root, (GDestroyNotify) json_node_unref);
      return;
    }

  if (zv_api_error_is_deactivation (error))
    {
      /* The task's data is replaced by the cause; the call data is no longer needed. */
      deactivate (self, task, error);
      return;
    }

  if (!data->retried && self->refresh_token != NULL &&
      (g_error_matches (error, ZV_API_ERROR, ZV_API_ERROR_TOKEN_EXPIRED) ||
       g_error_matches (error, ZV_API_ERROR, ZV_API_ERROR_UNAUTHORIZED)))
    {
      data->retried = TRUE;
      g_error_free (error);
      refresh_then_send (self, g_steal_pointer (&task));
      return;
    }

  g_task_return_error (task, error);
}

static void
call_send (GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  ZvAccount *self = g_task_get_source_object (task);
  CallData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (self->api == NULL)
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_UNAUTHORIZED,
                               _("No account is signed in on this device"));
      return;
    }

  zv_api_call_async (self->api, data->method, data->path, data->body,
                     cancellable, call_cb, g_steal_pointer (&task));
}

void
zv_account_call_async (ZvAccount           *self,
                       const char          *method,
                       const char          *path,
                       JsonNode            *body,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  CallData *data = g_new0 (CallData, 1);

  g_task_set_source_tag (task, zv_account_call_async);
  data->method = g_strdup (method);
  data->path = g_strdup (path);
  data->body = body != NULL ? json_node_ref (body) : NULL;
  g_task_set_task_data (task, data, (GDestroyNotify) call_data_free);

  if (self->api != NULL && self->refresh_token != NULL &&
      self->access_expires_at - REFRESH_MARGIN_MS < now_ms ())
    {
      data->retried = TRUE;
      refresh_then_send (self, g_steal_pointer (&task));
      return;
    }
  call_send (g_steal_pointer (&task));
}

JsonNode *
zv_account_call_finish (ZvAccount     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- logout ------------------------------------------------------------------------------------- */

static void
logout_wiped_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!zv_account_wipe_finish (ZV_ACCOUNT (object), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
logout_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvAccount *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = zv_api_call_finish (ZV_API (object), result, &error);

  /* Signing out works offline too: the server forgets the device when it next sees the token
   * fail; this device forgets everything now. */
  if (root == NULL)
    g_debug ("logout request failed: %s", error->message);
  zv_account_wipe_async (self, NULL, logout_wiped_cb, g_steal_pointer (&task));
}

/**
 * zv_account_logout_async:
 *
 * Tells the server to end this device's session and removes the account from the device. A work
 * messenger on a shared computer must not leave the company's chats behind.
 */
void
zv_account_logout_async (ZvAccount           *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, zv_account_logout_async);
  if (self->api == NULL)
    {
      zv_account_wipe_async (self, NULL, logout_wiped_cb, g_steal_pointer (&task));
      return;
    }
  zv_api_call_async (self->api, "POST", "/auth/logout", NULL, cancellable, logout_cb, g_steal_pointer (&task));
}

gboolean
zv_account_logout_finish (ZvAccount     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
zv_account_dispose (GObject *object)
{
  ZvAccount *self = ZV_ACCOUNT (object);

  if (self->store != NULL)
    zv_store_close (self->store);
  g_clear_object (&self->store);
  g_clear_object (&self->api);
  g_clear_object (&self->secrets);

  G_OBJECT_CLASS (zv_account_parent_class)->dispose (object);
}

static void
zv_account_finalize (GObject *object)
{
  ZvAccount *self = ZV_ACCOUNT (object);

  g_free (self->data_dir);
  g_free (self->db_path);
  g_free (self->files_dir);
  g_free (self->ca_file);
  g_free (self->server);
  g_free (self->login);
  g_free (self->access_token);
  g_free (self->refresh_token);
  g_clear_pointer (&self->refresh_waiters, g_ptr_array_unref);

  G_OBJECT_CLASS (zv_account_parent_class)->finalize (object);
}

static void
zv_account_class_init (ZvAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zv_account_dispose;
  object_class->finalize = zv_account_finalize;

  /**
   * ZvAccount::deactivated:
   * @reason: the server's words
   *
   * The company disabled the account or revoked this device; everything is already wiped.
   */
  signals[DEACTIVATED] = g_signal_new ("deactivated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * ZvAccount::signed-out:
   *
   * The session ended (the refresh token was refused); the user has to sign in again.
   */
  signals[SIGNED_OUT] = g_signal_new ("signed-out", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
zv_account_init (ZvAccount *self)
{
  self->refresh_waiters = g_ptr_array_new_with_free_func (g_object_unref);
}
