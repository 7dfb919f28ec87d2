/* zv-server-auth.c: sign-in, rotating refresh tokens, sign-out and the per-request bearer check.
 * Tokens come from RAND_bytes and only their SHA-256 is stored; the slow password hash runs on a
 * worker thread while the request is paused, so one login never stalls every other client.
 * Failed logins are counted per login name and per client address (429 with Retry-After). */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>

#include "zv-server-private.h"

#define RATE_WINDOW_US (60 * G_USEC_PER_SEC)
#define IP_ATTEMPTS_FACTOR 4

char *
zv_sha256_hex (const void *data,
               gsize       len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

char *
zv_token_new (const char *prefix)
{
  guchar bytes[32];
  g_autofree char *b64 = NULL;
  gsize len;

  if (RAND_bytes (bytes, sizeof bytes) != 1)
    return NULL;
  b64 = g_base64_encode (bytes, sizeof bytes);
  g_strdelimit (b64, "+", '-');
  g_strdelimit (b64, "/", '_');
  len = strlen (b64);
  while (len > 0 && b64[len - 1] == '=')
    b64[--len] = '\0';
  return g_strconcat (prefix, b64, NULL);
}

gboolean
zv_server_authenticate (ZvServer          *self,
                        SoupServerMessage *msg,
                        gint64            *user_id,
                        gint64            *device_id,
                        ZvApiError        *code)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");
  g_autofree char *hash = NULL;
  sqlite3_stmt *stmt;
  gboolean found = FALSE;
  gint64 expires_at = 0, revoked_at = 0, last_seen = 0, now = zv_server_now_ms ();
  int disabled = 0;

  *code = ZV_API_ERROR_UNAUTHORIZED;
  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    return FALSE;
  header += 7;
  while (*header == ' ')
    header++;
  if (*header == '\0' || strlen (header) > 256)
    return FALSE;

  hash = zv_sha256_hex (header, strlen (header));
  stmt = zv_server_db_prepare (self->db,
    "SELECT t.expires_at, d.id, ifnull(d.revoked_at, 0), d.last_seen_at, u.id, u.disabled "
    "FROM access_tokens t JOIN devices d ON d.id = t.device_id JOIN users u ON u.id = d.user_id "
    "WHERE t.token_hash = ?1");
  sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      found = TRUE;
      expires_at = sqlite3_column_int64 (stmt, 0);
      *device_id = sqlite3_column_int64 (stmt, 1);
      revoked_at = sqlite3_column_int64 (stmt, 2);
      last_seen = sqlite3_column_int64 (stmt, 3);
      *user_id = sqlite3_column_int64 (stmt, 4);
      disabled = sqlite3_column_int (stmt, 5);
    }
  sqlite3_reset (stmt);

  if (!found)
    return FALSE;
  /* Deactivation outranks expiry: the client must learn to wipe itself, not to refresh. */
  if (disabled)
    {
      *code = ZV_API_ERROR_ACCOUNT_DISABLED;
      return FALSE;
    }
  if (revoked_at != 0)
    {
      *code = ZV_API_ERROR_DEVICE_REVOKED;
      return FALSE;
    }
  if (expires_at < now)
    {
      *code = ZV_API_ERROR_TOKEN_EXPIRED;
      return FALSE;
    }

  if (now - last_seen > 60 * 1000)
    {
      stmt = zv_server_db_prepare (self->db, "UPDATE devices SET last_seen_at = ?2 WHERE id = ?1");
      sqlite3_bind_int64 (stmt, 1, *device_id);
      sqlite3_bind_int64 (stmt, 2, now);
      zv_server_db_step_done (self->db, stmt, NULL);
    }
  return TRUE;
}

/* ---- rate limiting ----------------------------------------------------------------------------- */

static GArray *
failures_for (ZvServer   *self,
              const char *key)
{
  GArray *times = g_hash_table_lookup (self->login_failures, key);
  gint64 now = g_get_monotonic_time ();

  if (times == NULL)
    {
      times = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (self->login_failures, g_strdup (key), times);
    }
  while (times->len > 0 && g_array_index (times, gint64, 0) < now - RATE_WINDOW_US)
    g_array_remove_index (times, 0);
  return times;
}

/* Seconds until another attempt is allowed, or 0. */
static int
rate_limited (ZvServer   *self,
              const char *key,
              guint       limit)
{
  GArray *times = failures_for (self, key);
  gint64 now = g_get_monotonic_time ();
  gint64 wait;

  if (times->len < limit)
    return 0;
  wait = g_array_index (times, gint64, times->len - limit) + RATE_WINDOW_US - now;
  return (int) MAX (1, (wait + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

static void
record_failure (ZvServer   *self,
                const char *key)
{
  GArray *times = failures_for (self, key);
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (times, now);
  /* Keep memory bounded under a flood of distinct names. */
  if (g_hash_table_size (self->login_failures) > 100000)
    g_hash_table_remove_all (self->login_failures);
}

/* ---- token issue ------------------------------------------------------------------------------- */

static gboolean
issue_tokens (ZvServer    *self,
              gint64       device_id,
              JsonObject  *reply,
              GError     **error)
{
  g_autofree char *access = zv_token_new ("zva_");
  g_autofree char *refresh = zv_token_new ("zvr_");
  g_autofree char *access_hash = NULL;
  g_autofree char *refresh_hash = NULL;
  gint64 now = zv_server_now_ms ();
  sqlite3_stmt *stmt;

  if (access == NULL || refresh == NULL)
    {
      g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_INTERNAL, "RAND_bytes failed");
      return FALSE;
    }
  access_hash = zv_sha256_hex (access, strlen (access));
  refresh_hash = zv_sha256_hex (refresh, strlen (refresh));

  stmt = zv_server_db_prepare (self->db,
    "INSERT INTO access_tokens (token_hash, device_id, expires_at) VALUES (?1, ?2, ?3)");
  sqlite3_bind_text (stmt, 1, access_hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, device_id);
  sqlite3_bind_int64 (stmt, 3, now + (gint64) self->config.access_ttl * 1000);
  if (!zv_server_db_step_done (self->db, stmt, error))
    return FALSE;

  stmt = zv_server_db_prepare (self->db,
    "INSERT INTO refresh_tokens (token_hash, device_id, created_at) VALUES (?1, ?2, ?3)");
  sqlite3_bind_text (stmt, 1, refresh_hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, device_id);
  sqlite3_bind_int64 (stmt, 3, now);
  if (!zv_server_db_step_done (self->db, stmt, error))
    return FALSE;

  /* Expired access tokens of this device are useless now; keep the table small. */
  stmt = zv_server_db_prepare (self->db,
    "DELETE FROM access_tokens WHERE device_id = ?1 AND expires_at < ?2");
  sqlite3_bind_int64 (stmt, 1, device_id);
  sqlite3_bind_int64 (stmt, 2, now - 24 * 3600 * 1000);
  if (!zv_server_db_step_done (self->db, stmt, error))
    return FALSE;

  json_object_set_string_member (reply, "access_token", access);
  json_object_set_string_member (reply, "refresh_token", refresh);
  json_object_set_string_member (reply, "token_type", "Bearer");
  json_object_set_int_member (reply, "expires_in", self->config.access_ttl);
  json_object_set_int_member (reply, "device_id", device_id);
  return TRUE;
}

/* ---- login ------------------------------------------------------------------------------------- */

typedef struct {
  ZvRequest *req;
  char      *login;
  char      *password;
  char      *device_name;
  char      *stored_hash;
  char      *ip_key;
  char      *login_key;
  gint64     user_id;
  gboolean   disabled;
} LoginData;

static void
login_data_free (LoginData *data)
{
  g_clear_pointer (&data->req, zv_request_unref);
  g_free (data->login);
  if (data->password != NULL)
    memset (data->password, 0, strlen (data->password));
  g_free (data->password);
  g_free (data->device_name);
  g_free (data->stored_hash);
  g_free (data->ip_key);
  g_free (data->login_key);
  g_free (data);
}

static void
login_verify_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  LoginData *data = task_data;
  /* A well-formed hash nobody's password matches, so unknown logins cost as much as known ones. */
  static const char *dummy = "pbkdf2-sha256$200000$AAAAAAAAAAAAAAAAAAAAAA==$"
                             "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  gboolean ok = zv_password_verify (data->password, data->stored_hash != NULL ? data->stored_hash : dummy);

  g_task_return_boolean (task, ok && data->stored_hash != NULL);
}

static void
login_verified (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LoginData *data = user_data;
  ZvRequest *req = data->req;
  ZvServer *self = req->server;
  g_autoptr(JsonObject) reply = json_object_new ();
  g_autoptr(GError) error = NULL;
  gint64 now = zv_server_now_ms ();
  gint64 device_id;
  sqlite3_stmt *stmt;

  if (!g_task_propagate_boolean (G_TASK (result), NULL))
    {
      record_failure (self, data->login_key);
      record_failure (self, data->ip_key);
      zv_reply_error (req, ZV_API_ERROR_INVALID_CREDENTIALS, "Wrong login or password");
      goto out;
    }
  /* Only someone who knows the password learns that the account is disabled. */
  if (data->disabled)
    {
      zv_reply_error_status (req, 403, ZV_API_ERROR_ACCOUNT_DISABLED, "This account is disabled");
      goto out;
    }

  if (!zv_server_db_begin (self->db, &error))
    {
      zv_reply_internal (req, error);
      goto out;
    }
  stmt = zv_server_db_prepare (self->db,
    "INSERT INTO devices (user_id, name, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)");
  sqlite3_bind_int64 (stmt, 1, data->user_id);
  sqlite3_bind_text (stmt, 2, data->device_name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, now);
  if (!zv_server_db_step_done (self->db, stmt, &error))
    {
      zv_server_db_rollback (self->db);
      zv_reply_internal (req, error);
      goto out;
    }
  device_id = sqlite3_last_insert_rowid (zv_server_db_handle (self->db));
  if (!issue_tokens (self, device_id, reply, &error) || !zv_server_db_commit (self->db, &error))
    {
      zv_server_db_rollback (self->db);
      zv_reply_internal (req, error);
      goto out;
    }
  json_object_set_object_member (reply, "user", zv_user_to_json (self, data->user_id));
  zv_reply_object (req, 200, reply);
  g_message ("login: user %" G_GINT64_FORMAT " device %" G_GINT64_FORMAT, data->user_id, device_id);

out:
  soup_server_message_unpause (req->msg);
  login_data_free (data);
}

void
zv_handle_login (ZvRequest *req)
{
  ZvServer *self = req->server;
  JsonObject *body = zv_request_json_object (req);
  g_autoptr(GTask) task = NULL;
  g_autofree char *address = NULL;
  const char *login, *password, *device_name;
  gboolean ok = TRUE;
  LoginData *data;
  sqlite3_stmt *stmt;
  int wait;

  if (body == NULL)
    return;
  login = zv_json_string (body, "login", &ok);
  password = zv_json_string (body, "password", &ok);
  device_name = zv_json_string (body, "device_name", &ok);
  if (!ok || login == NULL || password == NULL || *login == '\0' || strlen (login) > 256 ||
      strlen (password) > 1024 || (device_name != NULL && strlen (device_name) > 256))
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "\"login\" and \"password\" strings are required");
      return;
    }

  data = g_new0 (LoginData, 1);
  data->login = g_utf8_casefold (login, -1);
  data->password = g_strdup (password);
  data->device_name = g_strdup (device_name != NULL ? device_name : "");
  address = zv_request_client_address (req);
  data->ip_key = g_strconcat ("ip:", address, NULL);
  data->login_key = g_strconcat ("login:", data->login, NULL);

  wait = MAX (rate_limited (self, data->login_key, (guint) self->config.login_attempts),
              rate_limited (self, data->ip_key, (guint) self->config.login_attempts * IP_ATTEMPTS_FACTOR));
  if (wait > 0)
    {
      g_autofree char *retry = g_strdup_printf ("%d", wait);

      soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                    "Retry-After", retry);
      zv_reply_error (req, ZV_API_ERROR_RATE_LIMITED, "Too many failed sign-in attempts; try again later");
      login_data_free (data);
      return;
    }

  stmt = zv_server_db_prepare (self->db,
    "SELECT id, password_hash, disabled FROM users WHERE login = ?1 AND is_bot = 0");
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      data->user_id = sqlite3_column_int64 (stmt, 0);
      data->stored_hash = g_strdup (zv_server_db_column_text (stmt, 1));
      data->disabled = sqlite3_column_int (stmt, 2) != 0;
    }
  sqlite3_reset (stmt);

  data->req = zv_request_ref (req);
  soup_server_message_pause (req->msg);
  task = g_task_new (NULL, NULL, login_verified, data);
  g_task_set_source_tag (task, zv_handle_login);
  g_task_set_task_data (task, data, NULL);
  g_task_run_in_thread (task, login_verify_thread);
}

/* ---- refresh ----------------------------------------------------------------------------------- */

static void
revoke_device (ZvServer *self,
               gint64    device_id)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL");

  sqlite3_bind_int64 (stmt, 1, device_id);
  sqlite3_bind_int64 (stmt, 2, zv_server_now_ms ());
  /* Its refresh tokens stay, so that presenting one answers device_revoked, not "unknown". */
  zv_server_db_step_done (self->db, stmt, NULL);
}

void
zv_handle_refresh (ZvRequest *req)
{
  ZvServer *self = req->server;
  JsonObject *body = zv_request_json_object (req);
  g_autoptr(JsonObject) reply = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;
  const char *token;
  gboolean ok = TRUE, found = FALSE;
  gint64 device_id = 0, user_id = 0, used_at = 0, revoked_at = 0;
  int disabled = 0;
  sqlite3_stmt *stmt;

  if (body == NULL)
    return;
  token = zv_json_string (body, "refresh_token", &ok);
  if (!ok || token == NULL || strlen (token) > 256)
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "\"refresh_token\" string is required");
      return;
    }
  hash = zv_sha256_hex (token, strlen (token));

  if (!zv_server_db_begin (self->db, &error))
    {
      zv_reply_internal (req, error);
      return;
    }
  stmt = zv_server_db_prepare (self->db,
    "SELECT r.device_id, ifnull(r.used_at, 0), ifnull(d.revoked_at, 0), u.id, u.disabled "
    "FROM refresh_tokens r JOIN devices d ON d.id = r.device_id JOIN users u ON u.id = d.user_id "
    "WHERE r.token_hash = ?1");
  sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      found = TRUE;
      device_id = sqlite3_column_int64 (stmt, 0);
      used_at = sqlite3_column_int64 (stmt, 1);
      revoked_at = sqlite3_column_int64 (stmt, 2);
      user_id = sqlite3_column_int64 (stmt, 3);
      disabled = sqlite3_column_int (stmt, 4);
    }
  sqlite3_reset (stmt);

  if (!found)
    {
      zv_server_db_rollback (self->db);
      zv_reply_error (req, ZV_API_ERROR_UNAUTHORIZED, "Unknown refresh token");
      return;
    }
  if (disabled)
    {
      zv_server_db_rollback (self->db);
      zv_reply_error (req, ZV_API_ERROR_ACCOUNT_DISABLED, "This account is disabled");
      return;
    }
  if (revoked_at != 0)
    {
      zv_server_db_rollback (self->db);
      zv_reply_error (req, ZV_API_ERROR_DEVICE_REVOKED, "This device was signed out by the server");
      return;
    }
  if (used_at != 0)
    {
      /* A refresh token presented twice was copied: nobody can tell the thief from the owner,
       * so the whole device goes. */
      revoke_device (self, device_id);
      zv_server_db_commit (self->db, NULL);
      g_message ("refresh token reuse: device %" G_GINT64_FORMAT " of user %" G_GINT64_FORMAT " revoked",
                 device_id, user_id);
      zv_reply_error (req, ZV_API_ERROR_DEVICE_REVOKED, "Refresh token reused; this device is signed out");
      return;
    }

  stmt = zv_server_db_prepare (self->db, "UPDATE refresh_tokens SET used_at = ?2 WHERE token_hash = ?1");
  sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, zv_server_now_ms ());
  if (!zv_server_db_step_done (self->db, stmt, &error) ||
      !issue_tokens (self, device_id, reply, &error) ||
      !zv_server_db_commit (self->db, &error))
    {
      zv_server_db_rollback (self->db);
      zv_reply_internal (req, error);
      return;
    }
  json_object_set_object_member (reply, "user", zv_user_to_json (self, user_id));
  zv_reply_object (req, 200, reply);
}

/* ---- logout ------------------------------------------------------------------------------------ */

void
zv_handle_logout (ZvRequest *req)
{
  ZvServer *self = req->server;
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;

  if (!zv_server_db_begin (self->db, &error))
    {
      zv_reply_internal (req, error);
      return;
    }
  revoke_device (self, req->device_id);
  stmt = zv_server_db_prepare (self->db, "DELETE FROM access_tokens WHERE device_id = ?1");
  sqlite3_bind_int64 (stmt, 1, req->device_id);
  if (!zv_server_db_step_done (self->db, stmt, &error) || !zv_server_db_commit (self->db, &error))
    {
      zv_server_db_rollback (self->db);
      zv_reply_internal (req, error);
      return;
    }
  soup_server_message_set_status (req->msg, 204, NULL);
}
