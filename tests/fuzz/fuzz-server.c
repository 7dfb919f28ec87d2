/* fuzz-server.c: zveno-server's request bodies, through the real request path. A ZvServer runs in
 * this process on a loopback port, over a small seeded company in a temporary folder; each input is
 * one HTTP request sent with libsoup as anna (signed in once), so the bytes pass through SoupServer,
 * the router, zv_request_json_object and the handler's own checks, as a client's would.
 *
 * Input: the first line is "METHOD /path?query", the rest is the body, e.g.
 *   POST /api/v1/chats/1/messages
 *   {"client_id": "c1", "text": "hello"}
 * Invariants: the server answers every request (no hang, no dropped connection) and never with a
 * 500: malformed input is the client's error (4xx), an internal error on hostile input is a bug. */
#define G_LOG_DOMAIN "zveno-fuzz"

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "zv-json.h"
#include "zv-seed.h"
#include "zv-server.h"

static char *tmpdir;
static ZvServer *server;
static SoupSession *session;
static char *token;

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
    }
  g_remove (path);
}

static void
cleanup (void)
{
  if (tmpdir != NULL)
    remove_tree (tmpdir);
}

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GBytes **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  if (*out == NULL)
    zv_fuzz_fail ("the server dropped a request: %s", error->message);
}

/* Sends and waits, running the main context the server lives in too. */
static GBytes *
send_request (SoupMessage *msg)
{
  GBytes *reply = NULL;

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, &reply);
  while (reply == NULL)
    g_main_context_iteration (NULL, TRUE);
  return reply;
}

static void
sign_in (void)
{
  g_autofree char *uri = g_strconcat (zv_server_get_url (server), "/api/v1/auth/login", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
  static const char body[] = "{\"login\": \"" ZV_SEED_DEMO_LOGIN "\", \"password\": \"" ZV_SEED_DEMO_PASSWORD
                             "\", \"device_name\": \"fuzz\"}";
  g_autoptr(GBytes) request = g_bytes_new_static (body, sizeof body - 1);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  reply = send_request (msg);
  if (soup_message_get_status (msg) != SOUP_STATUS_OK ||
      !json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), (gssize) g_bytes_get_size (reply), NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    zv_fuzz_fail ("cannot sign in as " ZV_SEED_DEMO_LOGIN ": HTTP %u", soup_message_get_status (msg));
  object = json_node_get_object (json_parser_get_root (parser));
  g_free (token);
  token = g_strdup (json_object_get_string_member (object, "access_token"));
}

static void
start_server (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;
  ZvServerConfig config = { 0 };

  tmpdir = g_dir_make_tmp ("zveno-fuzz-server-XXXXXX", &error);
  if (tmpdir == NULL)
    zv_fuzz_fail ("temporary folder: %s", error->message);
  atexit (cleanup);
  db_path = g_build_filename (tmpdir, "server.db", NULL);
  {
    /* A small company: enough chats, messages, files and people for every route to find rows. */
    char *argv[] = { g_strdup ("seed"), g_strdup ("--db"), g_strdup (db_path), g_strdup ("--users"),
                     g_strdup ("12"), g_strdup ("--chats"), g_strdup ("10"), g_strdup ("--messages"),
                     g_strdup ("300"), g_strdup ("--quiet"), NULL };
    char *copy[G_N_ELEMENTS (argv)];
    int rc;

    memcpy (copy, argv, sizeof argv);
    rc = zv_seed_main (G_N_ELEMENTS (argv) - 1, copy);
    for (gsize i = 0; i < G_N_ELEMENTS (argv); i++)
      g_free (argv[i]);
    if (rc != 0)
      zv_fuzz_fail ("zveno-server seed failed (%d)", rc);
  }

  config.db_path = g_steal_pointer (&db_path);
  config.listen = g_strdup ("127.0.0.1:0");
  /* Inputs that try to sign in must not lock anna out for the rest of the run. */
  config.login_attempts = G_MAXINT;
  config.echo_delay_ms = 1;
  server = zv_server_new (&config, &error);
  zv_server_config_clear (&config);
  if (server == NULL || !zv_server_start (server, &error))
    zv_fuzz_fail ("zveno-server: %s", error->message);

  session = soup_session_new ();
  soup_session_set_timeout (session, 30);
  sign_in ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char *const methods[] = { "GET", "POST", "PATCH", "PUT", "DELETE" };
  const char *newline = memchr (data, '\n', size);
  g_autofree char *line = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) reply = NULL;
  const char *space, *path;
  gboolean known_method = FALSE;
  guint status;

  zv_fuzz_init ();
  if (server == NULL)
    start_server ();
  if (newline == NULL)
    return 0;
  line = g_strndup ((const char *) data, newline - (const char *) data);
  space = strchr (line, ' ');
  if (space == NULL)
    return 0;
  line[space - line] = '\0';
  path = space + 1;
  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    known_method |= g_str_equal (line, methods[i]);
  /* The events WebSocket is another protocol; a plain GET of it only tests libsoup. */
  if (!known_method || path[0] != '/' || g_str_has_prefix (path, "/api/v1/events"))
    return 0;

  uri = g_strconcat (zv_server_get_url (server), path, NULL);
  if (!g_uri_is_valid (uri, SOUP_HTTP_URI_FLAGS, NULL))
    return 0;
  msg = soup_message_new (line, uri);
  if (msg == NULL)
    return 0;
  body = g_bytes_new (newline + 1, size - (gsize) (newline + 1 - (const char *) data));
  if (g_bytes_get_size (body) > 0)
    soup_message_set_request_body_from_bytes (msg, "application/json", body);
  {
    g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  }
  reply = send_request (msg);
  status = soup_message_get_status (msg);
  if (status >= 500)
    zv_fuzz_fail ("%s %s answered %u: %.*s", line, path, status, (int) MIN (g_bytes_get_size (reply), 400),
                  (const char *) g_bytes_get_data (reply, NULL));
  /* Whatever the server stored, its JSON answer must be readable by our own client: a string that
   * is not UTF-8 in one message would make every sync page carrying it unreadable. */
  {
    const char *type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) root = NULL;

    if (g_strcmp0 (type, "application/json") == 0 && g_bytes_get_size (reply) > 0 &&
        (root = zv_json_parse (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), &error)) == NULL)
      zv_fuzz_fail ("%s %s answered %u with JSON our client cannot read: %s", line, path, status, error->message);
  }
  /* The input signed anna out (logout, or a device revoked): sign in again for the next one. */
  if (status == SOUP_STATUS_UNAUTHORIZED || g_str_has_prefix (path, "/api/v1/auth/logout"))
    sign_in ();
  return 0;
}
