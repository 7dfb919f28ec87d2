/* zv-test-server.c: the shared harness of the zveno-server integration tests (see the header). */
#define G_LOG_DOMAIN "zveno-test"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdarg.h>
#include <string.h>

#include "zv-test-server.h"

static char *
server_binary (void)
{
  const char *build = g_getenv ("ZVENO_BUILD_ROOT");

  g_assert_nonnull (build);
  return g_build_filename (build, "src", "server", "zveno-server", NULL);
}

/* A server must not outlive a test that failed an assertion (it would hold the test's pipes). */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static GSubprocessLauncher *
new_launcher (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  /* OpenSSL 3's PBKDF2 allocates on each of its 200,000 iterations; with ASan's slow unwinding
   * (fast_unwind_on_malloc=0, which ./run sets for precise leak stacks) one password hash then takes
   * ~8 s. The server processes keep full leak checking, only with the fast unwinder. */
  if (g_getenv ("ASAN_OPTIONS") != NULL)
    {
      g_autofree char *asan = g_strconcat (g_getenv ("ASAN_OPTIONS"), ":fast_unwind_on_malloc=1", NULL);

      g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", asan, TRUE);
    }

  /* The test's fatal-warnings must not turn a logged server warning into a crash of the server
   * under test: the tests judge the server by its answers. */
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  return launcher;
}

ZvTestServer *
zv_test_server_start (const char *const *extra_args)
{
  ZvTestServer *server = g_new0 (ZvTestServer, 1);
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  const char *tmp = g_getenv ("ZVENO_TEST_TMPDIR");
  g_autofree char *template = g_build_filename (tmp != NULL ? tmp : g_get_tmp_dir (), "server-XXXXXX", NULL);

  server->dir = g_mkdtemp (g_steal_pointer (&template));
  g_assert_nonnull (server->dir);
  server->db = g_build_filename (server->dir, "zveno.db", NULL);

  g_ptr_array_add (argv, server_binary ());
  g_ptr_array_add (argv, g_strdup ("--db"));
  g_ptr_array_add (argv, g_strdup (server->db));
  g_ptr_array_add (argv, g_strdup ("--listen"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1:0"));
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra_args[i]));
  g_ptr_array_add (argv, NULL);

  server->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);

  /* The server prints this line only once it accepts connections. */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on http://127.0.0.1:"));
  server->url = g_strdup (line + strlen ("listening on "));

  server->session = soup_session_new_with_options ("timeout", 30, NULL);
  return server;
}

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
          g_remove (child);
      }
  g_rmdir (path);
}

void
zv_test_server_stop (ZvTestServer *server)
{
  g_autoptr(GError) error = NULL;

  /* SIGTERM must stop it cleanly, with exit status 0. */
  g_subprocess_send_signal (server->process, SIGTERM);
  g_subprocess_wait (server->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (server->process));
  g_assert_cmpint (g_subprocess_get_exit_status (server->process), ==, 0);

  g_clear_object (&server->session);
  g_clear_object (&server->process);
  g_clear_pointer (&server->last_headers, soup_message_headers_unref);
  remove_tree (server->dir);
  g_free (server->dir);
  g_free (server->db);
  g_free (server->url);
  g_free (server);
}

int
zv_test_admin (ZvTestServer  *server,
               const char    *stdin_text,
               char         **out,
               ...)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                          G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  const char *arg;
  va_list ap;

  g_ptr_array_add (argv, server_binary ());
  g_ptr_array_add (argv, g_strdup ("admin"));
  g_ptr_array_add (argv, g_strdup ("--db"));
  g_ptr_array_add (argv, g_strdup (server->db));
  va_start (ap, out);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, stdin_text != NULL ? stdin_text : "", NULL, &stdout_text, NULL, &error);
  g_assert_no_error (error);
  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  return g_subprocess_get_exit_status (process);
}

gint64
zv_test_add_user (ZvTestServer *server,
                  const char   *login,
                  const char   *name,
                  const char   *password)
{
  g_autofree char *out = NULL;
  g_autofree char *input = g_strconcat (password, "\n", NULL);
  int status = zv_test_admin (server, input, &out, "user", "add", login, "--name", name, "--password-stdin", NULL);

  g_assert_cmpint (status, ==, 0);
  return g_ascii_strtoll (out, NULL, 10);
}

JsonNode *
zv_test_request (ZvTestServer *server,
                 const char   *method,
                 const char   *path,
                 const char   *token,
                 const char   *body,
                 guint        *status)
{
  g_autofree char *uri = g_strconcat (server->url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_nonnull (msg);
  if (token != NULL)
    {
      g_autofree char *header = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  reply = soup_session_send_and_read (server->session, msg, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&server->last_headers, soup_message_headers_unref);
  server->last_headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  if (status != NULL)
    *status = soup_message_get_status (msg);
  if (g_bytes_get_size (reply) == 0 ||
      !json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), (gssize) g_bytes_get_size (reply), NULL))
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

const char *
zv_test_error_code (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return "";
  return json_object_get_string_member_with_default (json_node_get_object (node), "error", "");
}

char *
zv_test_login (ZvTestServer  *server,
               const char    *login,
               const char    *password,
               char         **refresh)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *body = NULL;
  JsonObject *object;
  guint status = 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "login");
  json_builder_add_string_value (builder, login);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_set_member_name (builder, "device_name");
  json_builder_add_string_value (builder, "test");
  json_builder_end_object (builder);
  request = json_builder_get_root (builder);
  body = json_to_string (request, FALSE);

  reply = zv_test_request (server, "POST", "/api/v1/auth/login", NULL, body, &status);
  g_assert_cmpuint (status, ==, 200);
  object = json_node_get_object (reply);
  if (refresh != NULL)
    *refresh = g_strdup (json_object_get_string_member (object, "refresh_token"));
  return g_strdup (json_object_get_string_member (object, "access_token"));
}

void
zv_test_sleep (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static void
on_ws_message (SoupWebsocketConnection *conn,
               int                      type,
               GBytes                  *message,
               ZvTestEvents            *events)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (message, NULL),
                                             (gssize) g_bytes_get_size (message), NULL));
  g_queue_push_tail (&events->messages, json_node_copy (json_parser_get_root (parser)));
}

static void
on_ws_closed (SoupWebsocketConnection *conn,
              ZvTestEvents            *events)
{
  events->closed = TRUE;
}

static void
on_ws_connected (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  SoupWebsocketConnection *conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);

  if (conn != NULL)
    g_task_return_pointer (task, conn, g_object_unref);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

ZvTestEvents *
zv_test_events_open (ZvTestServer *server,
                     const char   *token,
                     gint64        since,
                     guint        *status)
{
  g_autofree char *uri = since >= 0
    ? g_strdup_printf ("%s/api/v1/events?since=%" G_GINT64_FORMAT, server->url, since)
    : g_strdup_printf ("%s/api/v1/events", server->url);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  ZvTestEvents *events;
  SoupWebsocketConnection *conn;

  if (token != NULL)
    {
      g_autofree char *header = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
    }
  soup_session_websocket_connect_async (server->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_ws_connected, g_object_ref (task));
  while (!g_task_get_completed (task))
    g_main_context_iteration (NULL, TRUE);
  conn = g_task_propagate_pointer (task, &error);
  if (status != NULL)
    *status = soup_message_get_status (msg);
  if (conn == NULL)
    return NULL;

  events = g_new0 (ZvTestEvents, 1);
  g_queue_init (&events->messages);
  events->conn = conn;
  g_signal_connect (conn, "message", G_CALLBACK (on_ws_message), events);
  g_signal_connect (conn, "closed", G_CALLBACK (on_ws_closed), events);
  return events;
}

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

JsonObject *
zv_test_events_next (ZvTestEvents *events,
                     guint         timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, on_timeout, &timed_out);
  JsonNode *node;
  JsonObject *object;

  while (g_queue_is_empty (&events->messages) && !timed_out && !events->closed)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  node = g_queue_pop_head (&events->messages);
  if (node == NULL)
    return NULL;
  object = json_object_ref (json_node_get_object (node));
  json_node_unref (node);
  return object;
}

JsonObject *
zv_test_events_wait (ZvTestEvents *events,
                     const char   *type,
                     guint         timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      JsonObject *event = zv_test_events_next (events, (guint) MAX (1, (end - g_get_monotonic_time ()) / 1000));

      if (event == NULL)
        return NULL;
      if (g_str_equal (json_object_get_string_member (event, "type"), type))
        return event;
      json_object_unref (event);
    }
  return NULL;
}

void
zv_test_events_close (ZvTestEvents *events)
{
  g_signal_handlers_disconnect_by_data (events->conn, events);
  if (soup_websocket_connection_get_state (events->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (events->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&events->conn);
  g_queue_clear_full (&events->messages, (GDestroyNotify) json_node_unref);
  g_free (events);
}
