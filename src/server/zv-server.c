/* zv-server.c: ZvServer: binds the SoupServer, routes every request through one table, checks the
 * bearer token on each request (state is read from the database every time, so an account disabled
 * by the admin CLI is refused on its next request), and turns handler results into JSON replies with
 * the stable error codes of zv-error.h. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <string.h>

#include <gio/gnetworking.h>

#include "zv-json.h"
#include "zv-server-private.h"

G_DEFINE_TYPE (ZvServer, zv_server, G_TYPE_OBJECT)

typedef struct {
  const char     *method;
  const char     *pattern;   /* '*' matches one numeric path segment */
  ZvRouteHandler  handler;
  gboolean        auth;
} ZvRoute;

static const ZvRoute routes[] = {
  { "GET",    "/.well-known/zveno.json",                zv_handle_discovery,       FALSE },
  { "POST",   "/api/v1/auth/login",                     zv_handle_login,           FALSE },
  { "POST",   "/api/v1/auth/refresh",                   zv_handle_refresh,         FALSE },
  { "POST",   "/api/v1/auth/logout",                    zv_handle_logout,          TRUE },
  { "GET",    "/api/v1/me",                             zv_handle_me,              TRUE },
  { "GET",    "/api/v1/policy",                         zv_handle_policy,          TRUE },
  { "GET",    "/api/v1/telephony",                      zv_handle_telephony,       TRUE },
  { "GET",    "/api/v1/directory",                      zv_handle_directory,       TRUE },
  { "GET",    "/api/v1/users/*",                        zv_handle_user,            TRUE },
  { "GET",    "/api/v1/sync",                           zv_handle_sync,            TRUE },
  { "POST",   "/api/v1/chats",                          zv_handle_chats_create,    TRUE },
  { "GET",    "/api/v1/chats/*",                        zv_handle_chat_get,        TRUE },
  { "PATCH",  "/api/v1/chats/*",                        zv_handle_chat_update,     TRUE },
  { "POST",   "/api/v1/chats/*/members",                zv_handle_members_add,     TRUE },
  { "DELETE", "/api/v1/chats/*/members/*",              zv_handle_member_remove,   TRUE },
  { "GET",    "/api/v1/chats/*/messages",               zv_handle_chat_messages,   TRUE },
  { "POST",   "/api/v1/chats/*/messages",               zv_handle_message_send,    TRUE },
  { "PATCH",  "/api/v1/chats/*/messages/*",             zv_handle_message_edit,    TRUE },
  { "DELETE", "/api/v1/chats/*/messages/*",             zv_handle_message_delete,  TRUE },
  { "POST",   "/api/v1/chats/*/messages/*/reactions",   zv_handle_reaction_add,    TRUE },
  { "DELETE", "/api/v1/chats/*/messages/*/reactions",   zv_handle_reaction_remove, TRUE },
  { "POST",   "/api/v1/chats/*/read",                   zv_handle_read_marker,     TRUE },
  { "POST",   "/api/v1/chats/*/typing",                 zv_handle_typing,          TRUE },
  { "PATCH",  "/api/v1/chats/*/settings",               zv_handle_chat_settings,   TRUE },
  { "POST",   "/api/v1/files",                          zv_handle_file_upload,     TRUE },
  { "POST",   "/api/v1/files/uploads",                  zv_handle_upload_create,   TRUE },
  { "PATCH",  "/api/v1/files/uploads/*",                zv_handle_upload_patch,    TRUE },
  { "GET",    "/api/v1/files/uploads/*",                zv_handle_upload_status,   TRUE },
  { "DELETE", "/api/v1/files/uploads/*",                zv_handle_upload_delete,   TRUE },
  { "GET",    "/api/v1/files/*",                        zv_handle_file_get,        TRUE },
  { "GET",    "/api/v1/files/*/meta",                   zv_handle_file_meta,       TRUE },
  { "GET",    "/api/v1/search",                         zv_handle_search,          TRUE },
  { "GET",    "/api/v1/events",                         zv_handle_events,          TRUE },
  { "GET",    "/api/v1/calls",                          zv_handle_calls_list,      TRUE },
  { "POST",   "/api/v1/calls",                          zv_handle_calls_create,    TRUE },
  { "POST",   "/api/v1/calls/*/notes",                  zv_handle_call_notes,      TRUE },
  { "POST",   "/api/v1/stats/calls",                    zv_handle_call_stats,      TRUE },
  { "GET",    "/api/v1/crm/lookup",                     zv_handle_crm_lookup,      TRUE },
};

void
zv_server_config_clear (ZvServerConfig *config)
{
  g_clear_pointer (&config->db_path, g_free);
  g_clear_pointer (&config->files_dir, g_free);
  g_clear_pointer (&config->listen, g_free);
  g_clear_pointer (&config->tls_cert, g_free);
  g_clear_pointer (&config->tls_key, g_free);
  g_clear_pointer (&config->sip_domain, g_free);
  g_clear_pointer (&config->sip_registrar, g_free);
  g_clear_pointer (&config->sip_transport, g_free);
  g_clear_pointer (&config->public_url, g_free);
  g_clear_pointer (&config->faults, g_free);
}

/* ---- requests ---------------------------------------------------------------------------------- */

ZvRequest *
zv_request_ref (ZvRequest *req)
{
  g_atomic_int_inc (&req->ref_count);
  return req;
}

void
zv_request_unref (ZvRequest *req)
{
  if (!g_atomic_int_dec_and_test (&req->ref_count))
    return;
  g_clear_object (&req->msg);
  g_clear_pointer (&req->query, g_hash_table_unref);
  g_clear_pointer (&req->body, json_node_unref);
  g_free (req->method);
  g_free (req->path);
  g_free (req);
}

const char *
zv_request_query (ZvRequest  *req,
                  const char *name)
{
  const char *value;

  if (req->query == NULL)
    return NULL;
  value = g_hash_table_lookup (req->query, name);
  return value != NULL && *value != '\0' ? value : NULL;
}

gboolean
zv_request_query_int (ZvRequest  *req,
                      const char *name,
                      gint64      fallback,
                      gint64      min,
                      gint64      max,
                      gint64     *out)
{
  const char *text = zv_request_query (req, name);
  gint64 value;

  if (text == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  if (!g_ascii_string_to_signed (text, 10, min, max, &value, NULL))
    {
      g_autofree char *message = g_strdup_printf ("Parameter \"%s\" must be an integer from %"
                                                  G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                                                  name, min, max);
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, message);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

JsonObject *
zv_request_json_object (ZvRequest *req)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageBody *body;
  JsonNode *root;

  if (req->body != NULL)
    return json_node_get_object (req->body);

  body = soup_server_message_get_request_body (req->msg);
  bytes = soup_message_body_flatten (body);
  if (g_bytes_get_size (bytes) > ZV_MAX_JSON_BODY)
    {
      zv_reply_error (req, ZV_API_ERROR_TOO_LARGE, "Request body too large");
      return NULL;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "A JSON object body is required");
      return NULL;
    }
  parser = json_parser_new_immutable ();
  if (!g_utf8_validate (g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes), NULL) ||
      !json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                   (gssize) g_bytes_get_size (bytes), &error))
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Malformed JSON");
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "The body must be a JSON object");
      return NULL;
    }
  /* json-glib turns escapes JSON lacks ("\202") into bytes that are not UTF-8 (zv-json.c). */
  if (!zv_json_node_is_utf8 (root))
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Malformed JSON");
      return NULL;
    }
  req->body = json_node_ref (root);
  return json_node_get_object (req->body);
}

char *
zv_request_client_address (ZvRequest *req)
{
  const char *host = soup_server_message_get_remote_host (req->msg);

  return g_strdup (host != NULL ? host : "unknown");
}

/* ---- replies ----------------------------------------------------------------------------------- */

void
zv_reply_json (ZvRequest *req,
               guint      status,
               JsonNode  *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  char *text;
  gsize len;

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, &len);
  soup_server_message_set_status (req->msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_response (req->msg, "application/json; charset=utf-8",
                                    SOUP_MEMORY_TAKE, text, len);
}

void
zv_reply_object (ZvRequest  *req,
                 guint       status,
                 JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  zv_reply_json (req, status, node);
}

void
zv_reply_error_status (ZvRequest  *req,
                       guint       status,
                       ZvApiError  code,
                       const char *message)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_string_member (object, "error", zv_api_error_to_code (code));
  json_object_set_string_member (object, "message", message);
  if (status == 401)
    soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                  "WWW-Authenticate", "Bearer realm=\"zveno\"");
  zv_reply_object (req, status, object);
}

void
zv_reply_error (ZvRequest  *req,
                ZvApiError  code,
                const char *message)
{
  zv_reply_error_status (req, zv_api_error_http_status (code), code, message);
}

void
zv_reply_internal (ZvRequest    *req,
                   const GError *error)
{
  /* The details go to the log, never to the client. */
  g_warning ("%s %s: %s", req->method, req->path, error != NULL ? error->message : "failed");
  zv_reply_error (req, ZV_API_ERROR_INTERNAL, "Internal server error");
}

/* ---- JSON helpers ------------------------------------------------------------------------------ */

const char *
zv_json_string (JsonObject *object,
                const char *member,
                gboolean   *ok)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      *ok = FALSE;
      return NULL;
    }
  return json_node_get_string (node);
}

gint64
zv_json_int (JsonObject *object,
             const char *member,
             gint64      fallback,
             gboolean   *ok)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return fallback;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      *ok = FALSE;
      return fallback;
    }
  return json_node_get_int (node);
}

char *
zv_format_time (gint64 ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (ms / 1000);
  g_autofree char *base = NULL;

  if (dt == NULL)
    return g_strdup ("1970-01-01T00:00:00.000Z");
  base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%03dZ", base, (int) (ms % 1000));
}

void
zv_json_set_time (JsonObject *object,
                  const char *member,
                  gint64      ms)
{
  g_autofree char *text = NULL;

  if (ms <= 0)
    {
      json_object_set_null_member (object, member);
      return;
    }
  text = zv_format_time (ms);
  json_object_set_string_member (object, member, text);
}

gint64
zv_parse_time (const char *text)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) dt = NULL;
  gint64 ms;

  if (text == NULL)
    return -1;
  if (g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, &ms, NULL))
    return ms;
  dt = g_date_time_new_from_iso8601 (text, utc);
  if (dt == NULL)
    {
      /* A bare date means its midnight, UTC. */
      g_autofree char *full = g_strconcat (text, "T00:00:00Z", NULL);
      dt = g_date_time_new_from_iso8601 (full, utc);
    }
  if (dt == NULL)
    return -1;
  return g_date_time_to_unix (dt) * 1000 + g_date_time_get_microsecond (dt) / 1000;
}

/* ---- routing ----------------------------------------------------------------------------------- */

static gboolean
route_matches_path (const ZvRoute *route,
                    const char    *path,
                    gint64        *ids,
                    guint         *n_ids)
{
  const char *p = route->pattern;
  const char *s = path;

  *n_ids = 0;
  while (*p != '\0')
    {
      if (*p == '*')
        {
          const char *start = s;
          gint64 value = 0;

          while (g_ascii_isdigit (*s))
            {
              if (value > G_MAXINT64 / 10 - 10)
                return FALSE;
              value = value * 10 + (*s - '0');
              s++;
            }
          if (s == start || *n_ids >= 3)
            return FALSE;
          ids[(*n_ids)++] = value;
          p++;
          continue;
        }
      if (*p != *s)
        return FALSE;
      p++;
      s++;
    }
  /* One trailing slash is forgiven. */
  return *s == '\0' || (s[0] == '/' && s[1] == '\0');
}

static void
reply_method_not_allowed (ZvRequest *req,
                          GString   *allow)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (req->msg), "Allow", allow->str);
  zv_reply_error (req, ZV_API_ERROR_METHOD_NOT_ALLOWED, "Method not allowed on this resource");
}

static void
dispatch (SoupServer        *soup,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  ZvServer *self = user_data;
  g_autoptr(ZvRequest) req = g_new0 (ZvRequest, 1);
  g_autoptr(GString) allow = g_string_new (NULL);
  const ZvRoute *route = NULL;
  gint64 ids[3];
  guint n_ids = 0;

  req->ref_count = 1;
  req->server = self;
  req->msg = g_object_ref (msg);
  req->method = g_strdup (soup_server_message_get_method (msg));
  req->path = g_strdup (path);
  req->query = query != NULL ? g_hash_table_ref (query) : NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      if (!route_matches_path (&routes[i], path, ids, &n_ids))
        continue;
      if (g_str_equal (routes[i].method, req->method) ||
          (g_str_equal (req->method, "HEAD") && g_str_equal (routes[i].method, "GET")))
        {
          route = &routes[i];
          memcpy (req->ids, ids, sizeof ids);
          req->n_ids = n_ids;
          break;
        }
      if (allow->len > 0)
        g_string_append (allow, ", ");
      g_string_append (allow, routes[i].method);
    }

  if (route == NULL && allow->len > 0)
    reply_method_not_allowed (req, allow);
  else if (route == NULL)
    zv_reply_error (req, ZV_API_ERROR_NOT_FOUND, "No such resource");
  else
    {
      ZvApiError code;

      if (route->auth && !zv_server_authenticate (self, msg, &req->user_id, &req->device_id, &code))
        {
          static const char *const messages[] = {
            [ZV_API_ERROR_ACCOUNT_DISABLED] = "This account is disabled",
            [ZV_API_ERROR_DEVICE_REVOKED] = "This device was signed out by the server",
            [ZV_API_ERROR_TOKEN_EXPIRED] = "The access token expired; refresh it",
            [ZV_API_ERROR_UNAUTHORIZED] = "A valid bearer token is required",
          };
          zv_reply_error (req, code, code < G_N_ELEMENTS (messages) && messages[code] != NULL
                                     ? messages[code] : "Not authorized");
        }
      else
        route->handler (req);
    }

  zv_faults_apply (self, msg, path);
}

/* Refuses oversized bodies before they are read (a 413 after reading 2 GB helps nobody). */
static void
early_dispatch (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  ZvServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  goffset length = soup_message_headers_get_content_length (headers);

  if (g_str_equal (path, "/api/v1/files") &&
      g_str_equal (soup_server_message_get_method (msg), "POST"))
    {
      zv_files_upload_early (self, msg);
      return;
    }
  if (zv_files_upload_patch_early (self, msg, path))
    return;
  if (length > ZV_MAX_JSON_BODY)
    {
      ZvRequest req = { .ref_count = 1, .server = self, .msg = msg };

      zv_reply_error (&req, ZV_API_ERROR_TOO_LARGE, "Request body too large");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
    }
}

static gboolean
housekeeping (gpointer user_data)
{
  ZvServer *self = user_data;

  zv_events_flush (self);
  zv_events_check_clients (self);
  zv_events_prune (self);
  zv_files_uploads_cleanup (self);
  return G_SOURCE_CONTINUE;
}

/* ---- object ------------------------------------------------------------------------------------ */

static void
zv_server_dispose (GObject *object)
{
  ZvServer *self = ZV_SERVER (object);

  g_clear_handle_id (&self->housekeeping_id, g_source_remove);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  zv_events_shutdown (self);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (zv_server_parent_class)->dispose (object);
}

static void
zv_server_finalize (GObject *object)
{
  ZvServer *self = ZV_SERVER (object);

  zv_server_config_clear (&self->config);
  g_clear_object (&self->db);
  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->faults, g_ptr_array_unref);
  g_clear_pointer (&self->login_failures, g_hash_table_unref);
  g_clear_pointer (&self->presence, g_hash_table_unref);

  G_OBJECT_CLASS (zv_server_parent_class)->finalize (object);
}

static void
zv_server_class_init (ZvServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zv_server_dispose;
  object_class->finalize = zv_server_finalize;
}

static void
zv_server_init (ZvServer *self)
{
  self->login_failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                (GDestroyNotify) g_array_unref);
  self->presence = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

static char *
config_dup (const char *value,
            const char *fallback)
{
  return g_strdup (value != NULL ? value : fallback);
}

/* The SIP domain lives in the database so that the admin CLI writes subscriber rows for the same
 * domain the running server hands out; a changed --sip-domain rewrites them all. */
static gboolean
apply_sip_domain (ZvServer  *self,
                  GError   **error)
{
  g_autofree char *stored = zv_server_db_get_setting (self->db, "sip_domain");
  sqlite3_stmt *stmt;

  if (stored != NULL && g_str_equal (stored, self->config.sip_domain))
    return TRUE;
  if (!zv_server_db_set_setting (self->db, "sip_domain", self->config.sip_domain, error))
    return FALSE;
  stmt = zv_server_db_prepare (self->db,
    "UPDATE subscriber SET domain = ?1, "
    "ha1 = '', ha1b = '' WHERE domain <> ?1");
  sqlite3_bind_text (stmt, 1, self->config.sip_domain, -1, SQLITE_TRANSIENT);
  if (!zv_server_db_step_done (self->db, stmt, error))
    return FALSE;
  /* ha1 depends on the domain: recompute each row's digests from its stored password. */
  {
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);

    stmt = zv_server_db_prepare (self->db, "SELECT id, username, password FROM subscriber WHERE ha1 = ''");
    while (sqlite3_step (stmt) == SQLITE_ROW)
      {
        g_autofree char *a = g_strdup_printf ("%s:%s:%s", zv_server_db_column_text (stmt, 1),
                                              self->config.sip_domain, zv_server_db_column_text (stmt, 2));
        g_autofree char *b = g_strdup_printf ("%s@%s:%s:%s", zv_server_db_column_text (stmt, 1),
                                              self->config.sip_domain, self->config.sip_domain,
                                              zv_server_db_column_text (stmt, 2));
        g_ptr_array_add (rows, g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) sqlite3_column_int64 (stmt, 0)));
        g_ptr_array_add (rows, g_compute_checksum_for_string (G_CHECKSUM_MD5, a, -1));
        g_ptr_array_add (rows, g_compute_checksum_for_string (G_CHECKSUM_MD5, b, -1));
      }
    sqlite3_reset (stmt);
    for (guint i = 0; i + 2 < rows->len; i += 3)
      {
        stmt = zv_server_db_prepare (self->db, "UPDATE subscriber SET ha1 = ?2, ha1b = ?3 WHERE id = ?1");
        sqlite3_bind_int64 (stmt, 1, g_ascii_strtoll (rows->pdata[i], NULL, 10));
        sqlite3_bind_text (stmt, 2, rows->pdata[i + 1], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text (stmt, 3, rows->pdata[i + 2], -1, SQLITE_TRANSIENT);
        if (!zv_server_db_step_done (self->db, stmt, error))
          return FALSE;
      }
  }
  return TRUE;
}

ZvServer *
zv_server_new (const ZvServerConfig  *config,
               GError               **error)
{
  g_autoptr(ZvServer) self = g_object_new (ZV_TYPE_SERVER, NULL);

  g_return_val_if_fail (config != NULL && config->db_path != NULL, NULL);

  self->config.db_path = g_strdup (config->db_path);
  self->config.listen = config_dup (config->listen, "127.0.0.1:8080");
  self->config.tls_cert = g_strdup (config->tls_cert);
  self->config.tls_key = g_strdup (config->tls_key);
  self->config.sip_domain = config_dup (config->sip_domain, "127.0.0.1");
  self->config.sip_registrar = config_dup (config->sip_registrar, "127.0.0.1:5060");
  self->config.sip_transport = config_dup (config->sip_transport, "udp");
  self->config.public_url = g_strdup (config->public_url);
  self->config.faults = g_strdup (config->faults);
  self->config.access_ttl = config->access_ttl > 0 ? config->access_ttl : 3600;
  self->config.login_attempts = config->login_attempts > 0 ? config->login_attempts : 5;
  self->config.events_keep = config->events_keep > 0 ? config->events_keep : 100000;
  self->config.echo_delay_ms = config->echo_delay_ms >= 0 ? config->echo_delay_ms : 400;

  if (config->files_dir != NULL)
    self->config.files_dir = g_strdup (config->files_dir);
  else
    self->config.files_dir = g_strconcat (config->db_path, ".files", NULL);
  if (g_mkdir_with_parents (self->config.files_dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "Cannot create %s: %s", self->config.files_dir, g_strerror (errno));
      return NULL;
    }

  self->faults = zv_faults_parse (self->config.faults, error);
  if (self->faults == NULL)
    return NULL;

  self->db = zv_server_db_open (config->db_path, error);
  if (self->db == NULL)
    return NULL;
  if (!apply_sip_domain (self, error))
    return NULL;

  zv_events_init (self);
  zv_echo_ensure_user (self);
  return g_steal_pointer (&self);
}

static gboolean
parse_listen (const char      *listen,
              GSocketAddress **address,
              GError         **error)
{
  const char *colon = strrchr (listen, ':');
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  guint64 port;

  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    goto bad;
  host = g_strndup (listen, (gsize) (colon - listen));
  if (host[0] == '[' && g_str_has_suffix (host, "]"))
    {
      char *inner = g_strndup (host + 1, strlen (host) - 2);
      g_free (host);
      host = inner;
    }
  if (g_str_equal (host, "localhost"))
    {
      g_free (host);
      host = g_strdup ("127.0.0.1");
    }
  inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    goto bad;
  *address = g_inet_socket_address_new (inet, (guint16) port);
  return TRUE;

bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "--listen wants ADDRESS:PORT (e.g. 127.0.0.1:8080), not \"%s\"", listen);
  return FALSE;
}

/* The kernel's queue of connections not yet accepted. soup_server_listen() leaves GLib's default of
 * 10: when 200 clients open their event streams at the same moment (the office arriving at nine, or
 * every client reconnecting after a server restart) the queue overflows, the kernel drops the
 * handshakes and the clients' TCP retries come 1, 3, 7, 15, 31 s later, so some streams had no
 * `ready` for a minute (tests/integration/test-server-events-burst.py). The kernel caps this at
 * net.core.somaxconn. */
#define LISTEN_BACKLOG 1024

static GSocket *
listen_socket (GSocketAddress  *address,
               GError         **error)
{
  g_autoptr(GSocket) socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, error);

  if (socket == NULL)
    return NULL;
  /* As soup_server_listen() does: an IPv6 address does not also take the IPv4 one. */
  if (g_socket_address_get_family (address) == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, error))
    return NULL;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

gboolean
zv_server_start (ZvServer  *self,
                 GError   **error)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GSocket) socket = NULL;
  SoupServerListenOptions options = 0;
  GSList *uris;
  gboolean tls = self->config.tls_cert != NULL;

  g_return_val_if_fail (ZV_IS_SERVER (self), FALSE);

  if (!parse_listen (self->config.listen, &address, error))
    return FALSE;

  if (tls)
    {
      if (self->config.tls_key == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "--tls-cert needs --tls-key");
          return FALSE;
        }
      certificate = g_tls_certificate_new_from_files (self->config.tls_cert, self->config.tls_key, error);
      if (certificate == NULL)
        return FALSE;
      options |= SOUP_SERVER_LISTEN_HTTPS;
    }

  self->soup = g_object_new (SOUP_TYPE_SERVER,
                             "server-header", "zveno-server/" PACKAGE_VERSION " ",
                             "tls-certificate", certificate,
                             NULL);
  soup_server_add_early_handler (self->soup, NULL, early_dispatch, self, NULL);
  soup_server_add_handler (self->soup, NULL, dispatch, self, NULL);
  soup_server_add_early_handler (self->soup, "/api/v1/files", early_dispatch, self, NULL);
  soup_server_add_handler (self->soup, "/api/v1/files", dispatch, self, NULL);
  soup_server_add_handler (self->soup, "/api/v1/events", dispatch, self, NULL);
  soup_server_add_websocket_handler (self->soup, "/api/v1/events", NULL, NULL,
                                     (SoupServerWebsocketCallback) zv_events_websocket_cb, self, NULL);

  socket = listen_socket (address, error);
  if (socket == NULL || !soup_server_listen_socket (self->soup, socket, options, error))
    return FALSE;

  uris = soup_server_get_uris (self->soup);
  if (uris != NULL)
    {
      GUri *uri = uris->data;
      const char *host = g_uri_get_host (uri);
      gboolean v6 = strchr (host, ':') != NULL;

      self->url = g_strdup_printf ("%s://%s%s%s:%d", tls ? "https" : "http",
                                   v6 ? "[" : "", host, v6 ? "]" : "", g_uri_get_port (uri));
    }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  zv_files_uploads_cleanup (self);
  self->housekeeping_id = g_timeout_add (1000, housekeeping, self);
  return TRUE;
}

const char *
zv_server_get_url (ZvServer *self)
{
  g_return_val_if_fail (ZV_IS_SERVER (self), NULL);
  /* The address actually bound (what tests and scripts connect to), never --public-url. */
  return self->url;
}

void
zv_server_stop (ZvServer *self)
{
  g_return_if_fail (ZV_IS_SERVER (self));

  g_clear_handle_id (&self->housekeeping_id, g_source_remove);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
}

/* ---- discovery --------------------------------------------------------------------------------- */

void
zv_handle_discovery (ZvRequest *req)
{
  g_autoptr(JsonObject) object = json_object_new ();
  GUri *uri = soup_server_message_get_uri (req->msg);
  g_autofree char *api = NULL;

  /* Answer with the name the client used (it may reach us through a proxy or a DNS name),
   * unless the operator fixed the public URL. */
  if (req->server->config.public_url != NULL)
    api = g_strconcat (req->server->config.public_url, "/api/v1", NULL);
  else
    {
      const char *host = g_uri_get_host (uri);
      gboolean v6 = host != NULL && strchr (host, ':') != NULL;

      api = g_strdup_printf ("%s://%s%s%s:%d/api/v1", g_uri_get_scheme (uri), v6 ? "[" : "",
                             host != NULL ? host : "127.0.0.1", v6 ? "]" : "", g_uri_get_port (uri));
    }

  json_object_set_string_member (object, "api", api);
  json_object_set_string_member (object, "server", "zveno-server " PACKAGE_VERSION);
  zv_reply_object (req, 200, object);
}
