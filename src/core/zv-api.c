/* zv-api.c: one libsoup session per account talking JSON to /api/v1.
 *
 * Every answer is read with a size cap (an oversized or endless answer is an error, not an
 * out-of-memory), decoded strictly, and turned into a ZV_API_ERROR: the server's stable code when
 * it sent one, ZV_API_ERROR_NETWORK when it could not be reached, ZV_API_ERROR_INVALID_RESPONSE when
 * the answer broke the contract. TLS is always verified, against the system's CAs plus the company
 * CA a profile names.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <unistd.h>

#include "zv-api.h"
#include "zv-error.h"
#include "zv-json.h"

#define DEFAULT_MAX_RESPONSE (32 * 1024 * 1024)
#define DEFAULT_TIMEOUT_S 30
#define READ_CHUNK 65536

struct _ZvApi
{
  GObject      parent_instance;

  /* owned */
  SoupSession  *session;
  GMainContext *context;     /* the session's: where it was created and must be used */
  char         *base_url;
  char        *access_token;
  gsize        max_response;
};

G_DEFINE_FINAL_TYPE (ZvApi, zv_api, G_TYPE_OBJECT)

typedef struct {
  SoupMessage  *message;
  GInputStream *stream;
  GByteArray   *body;
  gsize         max_response;
} Call;

static void
call_free (Call *call)
{
  /* Closing hands the connection back to the session (at EOF this does no I/O). */
  if (call->stream != NULL && !g_input_stream_is_closed (call->stream))
    g_input_stream_close (call->stream, NULL, NULL);
  g_clear_object (&call->message);
  g_clear_object (&call->stream);
  g_clear_pointer (&call->body, g_byte_array_unref);
  g_free (call);
}

guint
zv_api_seconds_from_env (const char *variable,
                         guint       fallback)
{
  const char *env = g_getenv (variable);
  guint64 value;

  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 1, 3600, &value, NULL))
    return (guint) value;
  return fallback;
}

/* ZVENO_HTTP_TIMEOUT (seconds) shortens the I/O timeout for tests and for IT's scripts. */
static guint
io_timeout (void)
{
  return zv_api_seconds_from_env ("ZVENO_HTTP_TIMEOUT", DEFAULT_TIMEOUT_S);
}

static SoupSession *
new_session (void)
{
  g_autofree char *agent = g_strdup_printf ("Zveno/%s", PACKAGE_VERSION);

  return soup_session_new_with_options ("user-agent", agent,
                                        "timeout", io_timeout (),
                                        "idle-timeout", 60,
                                        NULL);
}

ZvApi *
zv_api_new (const char *base_url)
{
  ZvApi *self;

  g_return_val_if_fail (base_url != NULL, NULL);

  self = g_object_new (ZV_TYPE_API, NULL);
  /* Paths are appended as "/chats", so keep the base without a trailing slash. */
  self->base_url = g_strdup (base_url);
  while (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  return self;
}

const char *
zv_api_get_base_url (ZvApi *self)
{
  g_return_val_if_fail (ZV_IS_API (self), NULL);

  return self->base_url;
}

/* A TLS database with the system's CAs and the company's own CA from @path.
 *
 * GTlsFileDatabase takes one file and reads it again at handshakes, so the combined bundle (system
 * CAs followed by the company CA) is kept in the user's cache folder, named by its content's hash.
 * It holds public certificates only. */
static GTlsDatabase *
tls_database_with_ca (const char  *path,
                      GError     **error)
{
  g_autofree char *system_bundle = NULL;
  g_autofree char *company = NULL;
  g_autofree char *combined = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *name = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *bundle_path = NULL;

  if (!g_file_get_contents (path, &company, NULL, error))
    return NULL;
  if (strstr (company, "-----BEGIN CERTIFICATE-----") == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s is not a PEM certificate"), path);
      return NULL;
    }
  g_file_get_contents ("/etc/ssl/certs/ca-certificates.crt", &system_bundle, NULL, NULL);
  combined = g_strconcat (system_bundle != NULL ? system_bundle : "", "\n", company, NULL);
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, combined, -1);
  name = g_strdup_printf ("ca-%s.pem", digest);
  dir = g_build_filename (g_get_user_cache_dir (), "zveno", NULL);
  bundle_path = g_build_filename (dir, name, NULL);
  if (!g_file_test (bundle_path, G_FILE_TEST_EXISTS))
    {
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Could not create the folder %s: %s"), dir, g_strerror (saved));
          return NULL;
        }
      if (!g_file_set_contents_full (bundle_path, combined, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
        return NULL;
    }
  return g_tls_file_database_new (bundle_path, error);
}

gboolean
zv_api_set_ca_file (ZvApi       *self,
                    const char  *path,
                    GError     **error)
{
  g_autoptr(GTlsDatabase) database = NULL;

  g_return_val_if_fail (ZV_IS_API (self), FALSE);

  if (path == NULL || *path == '\0')
    {
      soup_session_set_tls_database (self->session, NULL);
      return TRUE;
    }
  database = tls_database_with_ca (path, error);
  if (database == NULL)
    return FALSE;
  soup_session_set_tls_database (self->session, database);
  return TRUE;
}

void
zv_api_set_access_token (ZvApi      *self,
                         const char *token)
{
  g_return_if_fail (ZV_IS_API (self));

  g_free (self->access_token);
  self->access_token = g_strdup (token);
}

void
zv_api_set_max_response_size (ZvApi *self,
                              gsize  bytes)
{
  g_return_if_fail (ZV_IS_API (self));

  self->max_response = bytes;
}

void
zv_api_set_timeout (ZvApi *self,
                    guint  seconds)
{
  g_return_if_fail (ZV_IS_API (self));

  soup_session_set_timeout (self->session, seconds);
}

static GError *
network_error (const GError *cause)
{
  if (cause->domain == G_TLS_ERROR)
    return g_error_new (ZV_API_ERROR, ZV_API_ERROR_NETWORK,
                        _("The server's certificate is not trusted: %s"), cause->message);
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new_literal (ZV_API_ERROR, ZV_API_ERROR_NETWORK,
                                _("The server did not answer in time"));
  return g_error_new (ZV_API_ERROR, ZV_API_ERROR_NETWORK,
                      _("Cannot reach the server: %s"), cause->message);
}

/* Turns a non-2xx answer into the server's error code, or one derived from the status. */
static GError *
http_error (guint         status,
            const guint8 *data,
            gsize         length)
{
  g_autoptr(JsonNode) root = NULL;
  const char *code = NULL;
  const char *message = NULL;
  ZvApiError error_code;

  if (length > 0)
    root = zv_json_parse ((const char *) data, length, NULL);
  if (root != NULL)
    {
      JsonObject *object = json_node_get_object (root);

      zv_json_get_string_or_null (object, "error", &code, NULL);
      zv_json_get_string_or_null (object, "message", &message, NULL);
    }

  error_code = zv_api_error_from_code (code);
  if (error_code == ZV_API_ERROR_UNKNOWN)
    {
      if (status == 401)
        error_code = ZV_API_ERROR_UNAUTHORIZED;
      else if (status == 403)
        error_code = ZV_API_ERROR_FORBIDDEN;
      else if (status == 404)
        error_code = ZV_API_ERROR_NOT_FOUND;
      else if (status == 413)
        error_code = ZV_API_ERROR_TOO_LARGE;
      else if (status == 429)
        error_code = ZV_API_ERROR_RATE_LIMITED;
      else if (status >= 500)
        error_code = ZV_API_ERROR_UNAVAILABLE;
      else if (status >= 400)
        error_code = ZV_API_ERROR_BAD_REQUEST;
    }

  if (message == NULL || *message == '\0')
    return g_error_new (ZV_API_ERROR, error_code, _("The server answered with HTTP status %u"), status);
  return g_error_new (ZV_API_ERROR, error_code, "%s", message);
}

static void finish_call (GTask *task);

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);

  if (chunk == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                                 _("The server's answer was cut off: %s"), error->message);
      return;
    }

  if (g_bytes_get_size (chunk) == 0)
    {
      finish_call (g_steal_pointer (&task));
      return;
    }

  if (call->body->len + g_bytes_get_size (chunk) > call->max_response)
    {
      g_autofree char *limit = g_format_size (call->max_response);

      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                               _("The server's answer is larger than %s"), limit);
      return;
    }
  g_byte_array_append (call->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));

  g_input_stream_read_bytes_async (call->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), read_cb, task);
  g_steal_pointer (&task);
}

static void
finish_call (GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  Call *call = g_task_get_task_data (task);
  guint status = soup_message_get_status (call->message);
  goffset declared = soup_message_headers_get_content_length (soup_message_get_response_headers (call->message));
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  /* A body shorter than its Content-Length means the connection dropped mid-answer. */
  if (declared > 0 && (goffset) call->body->len < declared)
    {
      g_autofree char *got = g_strdup_printf ("%u", call->body->len);
      g_autofree char *expected = g_strdup_printf ("%" G_GOFFSET_FORMAT, declared);

      /* Numbers formatted first: xgettext cannot read G_GOFFSET_FORMAT in a message. */
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                               _("The server's answer was cut off after %s of %s bytes"), got, expected);
      return;
    }

  if (status < 200 || status >= 300)
    {
      g_task_return_error (task, http_error (status, call->body->data, call->body->len));
      return;
    }

  if (status == 204 || call->body->len == 0)
    {
      g_task_return_pointer (task, json_node_new (JSON_NODE_NULL), (GDestroyNotify) json_node_unref);
      return;
    }

  root = zv_json_parse ((const char *) call->body->data, call->body->len, &error);
  if (root == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, root, (GDestroyNotify) json_node_unref);
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  call->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (call->stream == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_error (task, network_error (error));
      return;
    }

  g_input_stream_read_bytes_async (call->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), read_cb, task);
  g_steal_pointer (&task);
}

static SoupMessage *
build_message (ZvApi       *self,
               const char  *method,
               const char  *url,
               JsonNode    *body,
               GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  SoupMessage *message;

  if (uri == NULL)
    {
      g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_NETWORK, _("“%s” is not a valid server address"), url);
      return NULL;
    }
  message = soup_message_new_from_uri (method, uri);
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept", "application/json");
  if (self != NULL && self->access_token != NULL)
    {
      g_autofree char *bearer = g_strdup_printf ("Bearer %s", self->access_token);
      soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", bearer);
    }
  if (body != NULL)
    {
      g_autofree char *text = json_to_string (body, FALSE);
      gsize len = strlen (text);
      g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&text), len);

      soup_message_set_request_body_from_bytes (message, "application/json", bytes);
    }
  return message;
}

static void
start_call (GTask       *task,
            SoupSession *session,
            SoupMessage *message,
            gsize        max_response)
{
  Call *call = g_new0 (Call, 1);

  call->message = message;
  call->body = g_byte_array_new ();
  call->max_response = max_response;
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);
  soup_session_send_async (session, message, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                           send_cb, g_object_ref (task));
}

/**
 * zv_api_call_async:
 * @path: below the base URL, with its query string, e.g. "/sync?since=42"
 * @body: (nullable): the JSON to send
 */
void
zv_api_call_async (ZvApi               *self,
                   const char          *method,
                   const char          *path,
                   JsonNode            *body,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessage *message;

  g_return_if_fail (ZV_IS_API (self));
  g_return_if_fail (method != NULL && path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zv_api_call_async);

  url = g_strconcat (self->base_url, path, NULL);
  message = build_message (self, method, url, body, &error);
  if (message == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  start_call (task, self->session, message, self->max_response);
}

/**
 * zv_api_call_finish:
 *
 * Returns: (transfer full): the answer's JSON object, a null node for an empty answer, or %NULL
 * with @error set.
 */
JsonNode *
zv_api_call_finish (ZvApi         *self,
                    GAsyncResult  *result,
                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * zv_api_new_message:
 * @path: below the base URL, with its query string
 *
 * A request with this API's address, token and Accept header, for callers that need their own
 * headers or a body that is not JSON (file chunks, ranged downloads); send it with
 * zv_api_send_async() and read the answer's headers from it afterwards.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 */
SoupMessage *
zv_api_new_message (ZvApi       *self,
                    const char  *method,
                    const char  *path,
                    GError     **error)
{
  g_autofree char *url = NULL;

  g_return_val_if_fail (ZV_IS_API (self), NULL);
  g_return_val_if_fail (method != NULL && path != NULL, NULL);

  url = g_strconcat (self->base_url, path, NULL);
  return build_message (self, method, url, NULL, error);
}

/**
 * zv_api_send_async:
 *
 * Sends a message made by zv_api_new_message() and reads its answer like zv_api_call_async() does
 * (size cap, typed errors, strict JSON).
 */
void
zv_api_send_async (ZvApi               *self,
                   SoupMessage         *message,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (ZV_IS_API (self));
  g_return_if_fail (SOUP_IS_MESSAGE (message));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zv_api_send_async);
  start_call (task, self->session, g_object_ref (message), self->max_response);
}

/* Returns: (transfer full): as zv_api_call_finish(). */
JsonNode *
zv_api_send_finish (ZvApi         *self,
                    GAsyncResult  *result,
                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Returns: (transfer full): the raw body of a 2xx answer to a message sent by zv_api_send_async(),
 * for answers that are not JSON (file bytes). */
GBytes *
zv_api_send_finish_bytes (ZvApi         *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) local_error = NULL;
  Call *call;
  guint status;
  goffset declared;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  node = g_task_propagate_pointer (G_TASK (result), &local_error);
  call = g_task_get_task_data (G_TASK (result));
  status = soup_message_get_status (call->message);
  declared = soup_message_headers_get_content_length (soup_message_get_response_headers (call->message));
  /* Bytes are not JSON, so a complete 2xx answer that failed to parse is exactly what we want. */
  if (status >= 200 && status < 300 && (declared <= 0 || (goffset) call->body->len >= declared) &&
      (local_error == NULL || g_error_matches (local_error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE)))
    return g_bytes_new (call->body->data, call->body->len);
  if (local_error == NULL)
    g_set_error_literal (&local_error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE, _("The server sent no file data"));
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

static void
websocket_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SoupMessage *message = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection;
  guint status;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &error);
  if (connection != NULL)
    {
      g_task_return_pointer (task, connection, g_object_unref);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* A refused upgrade leaves its status on the message (the body is not read): 401 tells the
   * caller to refresh its token, anything else is the server's or the network's trouble. */
  status = soup_message_get_status (message);
  if (status >= 400)
    g_task_return_error (task, http_error (status, NULL, 0));
  else
    g_task_return_error (task, network_error (error));
}

/**
 * zv_api_websocket_connect_async:
 * @path: below the base URL, with its query string, e.g. "/events?since=42"
 *
 * Opens a WebSocket on the account's session (same TLS trust, same bearer token, same main
 * context), for the event stream.
 */
void
zv_api_websocket_connect_async (ZvApi               *self,
                                const char          *path,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessage *message;

  g_return_if_fail (ZV_IS_API (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zv_api_websocket_connect_async);

  url = g_strconcat (self->base_url, path, NULL);
  message = build_message (self, "GET", url, NULL, &error);
  if (message == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_set_task_data (task, message, g_object_unref);
  soup_session_websocket_connect_async (self->session, message, NULL, NULL, G_PRIORITY_DEFAULT,
                                        cancellable, websocket_cb, g_object_ref (task));
}

/**
 * zv_api_websocket_connect_finish:
 *
 * Returns: (transfer full): the open connection, or %NULL with @error set (ZV_API_ERROR).
 */
SoupWebsocketConnection *
zv_api_websocket_connect_finish (ZvApi         *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  GMainLoop    *loop;
  GAsyncResult *result;
} SyncWait;

static void
sync_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  SyncWait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

/* For zveno-cli and tests: spins the session's own main context until the call is done. A libsoup
 * session must only ever run in the context it was created in (it finishes connections there), so
 * this never uses a private context; and the app never calls it. */
JsonNode *
zv_api_call_sync (ZvApi         *self,
                  const char    *method,
                  const char    *path,
                  JsonNode      *body,
                  GCancellable  *cancellable,
                  GError       **error)
{
  SyncWait wait = { NULL, NULL };
  JsonNode *node;

  g_return_val_if_fail (ZV_IS_API (self), NULL);

  if (!g_main_context_acquire (self->context))
    {
      g_critical ("zv_api_call_sync() called from a thread that cannot run the session's context");
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "wrong thread");
      return NULL;
    }
  wait.loop = g_main_loop_new (self->context, FALSE);
  zv_api_call_async (self, method, path, body, cancellable, sync_cb, &wait);
  g_main_loop_run (wait.loop);
  node = zv_api_call_finish (self, wait.result, error);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
  g_main_context_release (self->context);
  return node;
}

/**
 * zv_api_discovery_url:
 * @address: what the person typed: "company.com", "anna@company.com", "https://uc.company.com"
 *
 * Returns: (transfer full): the URL of the discovery document for @address.
 */
char *
zv_api_discovery_url (const char  *address,
                      GError     **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (address));
  g_autoptr(GUri) uri = NULL;
  const char *at;

  if (*trimmed == '\0')
    {
      g_set_error_literal (error, ZV_API_ERROR, ZV_API_ERROR_BAD_REQUEST,
                           _("Enter your company's server or your work e-mail address"));
      return NULL;
    }

  if (strstr (trimmed, "://") == NULL)
    {
      g_autofree char *host = NULL;

      at = strrchr (trimmed, '@');
      host = g_strdup (at != NULL ? at + 1 : trimmed);
      if (*host == '\0' || strpbrk (host, " /\\?#") != NULL)
        goto invalid;
      return g_strdup_printf ("https://%s/.well-known/zveno.json", host);
    }

  uri = g_uri_parse (trimmed, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "http") != 0))
    goto invalid;

  {
    g_autoptr(GUri) well_known = g_uri_build (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL,
                                              g_uri_get_host (uri), g_uri_get_port (uri),
                                              "/.well-known/zveno.json", NULL, NULL);
    return g_uri_to_string (well_known);
  }

invalid:
  g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_BAD_REQUEST,
               _("“%s” is not a server address or an e-mail address"), address);
  return NULL;
}

static void
discover_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = g_task_propagate_pointer (G_TASK (result), &error);
  const char *from = g_task_get_task_data (task);
  const char *api;
  g_autoptr(GUri) uri = NULL;

  if (root == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  api = zv_json_get_string (json_node_get_object (root), "api", &error);
  if (api == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  uri = g_uri_parse (api, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "http") != 0))
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                               _("The server announced an invalid API address “%s”"), api);
      return;
    }
  /* A discovery made over HTTPS never downgrades the API to plain HTTP. */
  if (g_str_has_prefix (from, "https:") && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0)
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                               _("The server announced an insecure API address “%s”"), api);
      return;
    }
  g_task_return_pointer (task, g_strdup (api), g_free);
}

void
zv_api_discover_async (const char          *address,
                       const char          *ca_file,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GTask) inner = NULL;
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  SoupMessage *message;

  g_task_set_source_tag (task, zv_api_discover_async);

  url = zv_api_discovery_url (address, &error);
  if (url == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (ca_file != NULL && *ca_file != '\0')
    {
      g_autoptr(GTlsDatabase) database = tls_database_with_ca (ca_file, &error);

      if (database == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      soup_session_set_tls_database (session, database);
    }

  message = build_message (NULL, "GET", url, NULL, &error);
  if (message == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_set_task_data (task, g_strdup (url), g_free);
  /* The inner task keeps the session alive for the duration of the request. */
  inner = g_task_new (session, cancellable, discover_cb, g_steal_pointer (&task));
  start_call (inner, session, message, 64 * 1024);
}

char *
zv_api_discover_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
zv_api_finalize (GObject *object)
{
  ZvApi *self = ZV_API (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->access_token, g_free);

  G_OBJECT_CLASS (zv_api_parent_class)->finalize (object);
}

static void
zv_api_class_init (ZvApiClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = zv_api_finalize;
}

static void
zv_api_init (ZvApi *self)
{
  self->session = new_session ();
  self->context = g_main_context_ref_thread_default ();
  self->max_response = DEFAULT_MAX_RESPONSE;
}
