/* test-api.c: the UC API client against a raw HTTP server on loopback that answers the way broken
 * servers and networks do: errors with and without codes, garbage, wrong JSON types, oversized,
 * cut-off and never-ending answers. Each must become a clear typed error, never a crash. */
#include "config.h"

#include <string.h>

#include "zv-api.h"
#include "zv-error.h"
#include "zv-json.h"

static char *last_authorization;

static void
respond (GOutputStream *out,
         const char    *status,
         const char    *headers,
         const char    *body)
{
  g_autofree char *length = body != NULL && strstr (headers, "Content-Length") == NULL
                            ? g_strdup_printf ("Content-Length: %zu\r\n", strlen (body)) : g_strdup ("");
  g_autofree char *head = g_strdup_printf ("HTTP/1.1 %s\r\nConnection: close\r\n%s%s\r\n", status,
                                           headers, length);

  g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL);
  if (body != NULL)
    g_output_stream_write_all (out, body, strlen (body), NULL, NULL, NULL);
}

static gboolean
handle (GThreadedSocketService *service,
        GSocketConnection      *connection,
        GObject                *source,
        gpointer                user_data)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr(GDataInputStream) data = g_data_input_stream_new (in);
  g_autofree char *request = g_data_input_stream_read_line (data, NULL, NULL, NULL);
  g_auto(GStrv) parts = NULL;
  const char *path;
  char *line;

  if (request == NULL)
    return TRUE;
  while ((line = g_data_input_stream_read_line (data, NULL, NULL, NULL)) != NULL)
    {
      g_strchomp (line);
      if (g_ascii_strncasecmp (line, "Authorization:", 14) == 0)
        {
          g_free (last_authorization);
          last_authorization = g_strdup (g_strstrip (line + 14));
        }
      if (*line == '\0')
        {
          g_free (line);
          break;
        }
      g_free (line);
    }

  parts = g_strsplit (g_strchomp (request), " ", 3);
  path = parts[1] != NULL ? parts[1] : "/";

  if (g_str_equal (path, "/api/v1/ok"))
    respond (out, "200 OK", "Content-Type: application/json\r\n", "{\"id\": 42, \"name\": \"Анна\", \"flag\": true, \"items\": [1]}");
  else if (g_str_equal (path, "/api/v1/empty"))
    respond (out, "204 No Content", "", NULL);
  else if (g_str_equal (path, "/api/v1/disabled"))
    respond (out, "401 Unauthorized", "Content-Type: application/json\r\n",
             "{\"error\": \"account_disabled\", \"message\": \"This account is disabled\"}");
  else if (g_str_equal (path, "/api/v1/html500"))
    respond (out, "502 Bad Gateway", "Content-Type: text/html\r\n", "<html>nginx</html>");
  else if (g_str_equal (path, "/api/v1/garbage"))
    respond (out, "200 OK", "Content-Type: application/json\r\n", "{\"id\": 42, \"name\": ");
  else if (g_str_equal (path, "/api/v1/array"))
    respond (out, "200 OK", "Content-Type: application/json\r\n", "[1, 2, 3]");
  else if (g_str_equal (path, "/api/v1/binary"))
    respond (out, "200 OK", "Content-Type: application/json\r\n", "{\"a\": \"\xff\xfe\"}");
  else if (g_str_equal (path, "/api/v1/huge"))
    {
      GString *big = g_string_new ("{\"pad\": \"");
      for (int i = 0; i < 20000; i++)
        g_string_append (big, "0123456789");
      g_string_append (big, "\"}");
      respond (out, "200 OK", "Content-Type: application/json\r\n", big->str);
      g_string_free (big, TRUE);
    }
  else if (g_str_equal (path, "/api/v1/truncated"))
    respond (out, "200 OK", "Content-Type: application/json\r\nContent-Length: 500\r\n", "{\"id\": 1, \"na");
  else if (g_str_equal (path, "/api/v1/slow"))
    g_usleep (3 * G_USEC_PER_SEC);
  else if (g_str_equal (path, "/.well-known/zveno.json"))
    respond (out, "200 OK", "Content-Type: application/json\r\n", "{\"api\": \"http://127.0.0.1/api/v1\"}");
  else
    respond (out, "404 Not Found", "Content-Type: application/json\r\n", "{\"error\": \"not_found\", \"message\": \"No such route\"}");

  g_output_stream_flush (out, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return TRUE;
}

static GSocketService *service;
static guint16 port;
static GMainLoop *server_loop;

/* The server accepts on its own thread and main context, so the client's private contexts and the
 * test's default context never have to run it. */
static gpointer
server_thread (gpointer data)
{
  GMainContext *context = g_main_context_new ();
  GAsyncQueue *ready = data;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (context);
  server_loop = g_main_loop_new (context, FALSE);
  service = g_threaded_socket_service_new (8);
  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "run", G_CALLBACK (handle), NULL);
  g_socket_service_start (service);
  g_async_queue_push (ready, GINT_TO_POINTER (1));
  g_main_loop_run (server_loop);
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_clear_object (&service);
  g_main_loop_unref (server_loop);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static ZvApi *
new_api (void)
{
  g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u/api/v1/", port);

  return zv_api_new (base);
}

static JsonNode *
call (ZvApi *api, const char *path, GError **error)
{
  return zv_api_call_sync (api, "GET", path, NULL, NULL, error);
}

static void
test_success_and_auth (void)
{
  g_autoptr(ZvApi) api = new_api ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) empty = NULL;
  JsonObject *object;
  gint64 id = 0;
  gboolean flag = FALSE;

  g_autofree char *expected_base = g_strdup_printf ("http://127.0.0.1:%u/api/v1", port);

  g_assert_cmpstr (zv_api_get_base_url (api), ==, expected_base);
  zv_api_set_access_token (api, "zva_secret");
  node = call (api, "/ok", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (last_authorization, ==, "Bearer zva_secret");

  object = json_node_get_object (node);
  g_assert_true (zv_json_get_int (object, "id", &id, &error));
  g_assert_cmpint (id, ==, 42);
  g_assert_cmpstr (zv_json_get_string (object, "name", &error), ==, "Анна");
  g_assert_true (zv_json_get_bool (object, "flag", FALSE, &flag, &error));
  g_assert_true (flag);

  /* Strict types: a string is not an integer, a number not a string, a missing member is named. */
  g_assert_false (zv_json_get_int (object, "name", &id, &error));
  g_assert_error (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "name"));
  g_clear_error (&error);
  g_assert_null (zv_json_get_string (object, "id", &error));
  g_assert_error (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE);
  g_clear_error (&error);
  g_assert_null (zv_json_get_string (object, "missing", &error));
  g_assert_nonnull (strstr (error->message, "missing"));
  g_clear_error (&error);
  g_assert_null (zv_json_get_array (object, "name", TRUE, &error));
  g_clear_error (&error);
  g_assert_nonnull (zv_json_get_array (object, "items", TRUE, &error));
  g_assert_null (zv_json_get_array (object, "absent", FALSE, &error));
  g_assert_no_error (error);

  empty = call (api, "/empty", &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_NULL (empty));
}

static void
test_errors (void)
{
  static const struct { const char *path; ZvApiError code; const char *in_message; } cases[] = {
    { "/disabled", ZV_API_ERROR_ACCOUNT_DISABLED, "disabled" },
    { "/html500", ZV_API_ERROR_UNAVAILABLE, "502" },
    { "/nowhere", ZV_API_ERROR_NOT_FOUND, "No such route" },
    { "/garbage", ZV_API_ERROR_INVALID_RESPONSE, "JSON" },
    { "/array", ZV_API_ERROR_INVALID_RESPONSE, "object" },
    { "/binary", ZV_API_ERROR_INVALID_RESPONSE, "UTF-8" },
    { "/huge", ZV_API_ERROR_INVALID_RESPONSE, "larger" },
    { "/truncated", ZV_API_ERROR_INVALID_RESPONSE, "cut off" },
  };
  g_autoptr(ZvApi) api = new_api ();

  zv_api_set_max_response_size (api, 100 * 1024);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = call (api, cases[i].path, &error);

      g_test_message ("%s: %s", cases[i].path, error != NULL ? error->message : "(no error)");
      g_assert_null (node);
      g_assert_error (error, ZV_API_ERROR, (int) cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].in_message));
    }
}

static void
test_network (void)
{
  g_autoptr(ZvApi) api = new_api ();
  g_autoptr(ZvApi) nowhere = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *url = NULL;

  zv_api_set_timeout (api, 1);
  node = call (api, "/slow", &error);
  g_assert_null (node);
  g_assert_error (error, ZV_API_ERROR, ZV_API_ERROR_NETWORK);
  g_assert_true (zv_api_error_is_transient (error));
  g_clear_error (&error);

  /* A port nobody listens on: bind one, note it, close it. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_assert_true (g_socket_bind (socket, address, TRUE, NULL));
  g_clear_object (&address);
  address = g_socket_get_local_address (socket, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/api/v1", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
  g_socket_close (socket, NULL);
  nowhere = zv_api_new (url);
  node = call (nowhere, "/ok", &error);
  g_assert_null (node);
  g_assert_error (error, ZV_API_ERROR, ZV_API_ERROR_NETWORK);
}

static void
test_discovery_url (void)
{
  static const struct { const char *in, *out; } ok[] = {
    { "company.com", "https://company.com/.well-known/zveno.json" },
    { "anna@company.com", "https://company.com/.well-known/zveno.json" },
    { "  uc.company.com  ", "https://uc.company.com/.well-known/zveno.json" },
    { "https://uc.company.com/some/path", "https://uc.company.com/.well-known/zveno.json" },
    { "http://127.0.0.1:8480", "http://127.0.0.1:8480/.well-known/zveno.json" },
  };
  static const char *bad[] = { "", "   ", "ftp://company.com", "company.com/x y", "http://" };

  for (gsize i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = zv_api_discovery_url (ok[i].in, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (url, ==, ok[i].out);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = zv_api_discovery_url (bad[i], &error);

      g_assert_null (url);
      g_assert_error (error, ZV_API_ERROR, ZV_API_ERROR_BAD_REQUEST);
    }
}

static void
discovered (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_discover (void)
{
  g_autofree char *address = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  g_autofree char *api = NULL;

  zv_api_discover_async (address, NULL, NULL, discovered, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  api = zv_api_discover_finish (result, &error);
  g_object_unref (result);
  g_assert_no_error (error);
  g_assert_cmpstr (api, ==, "http://127.0.0.1/api/v1");
}

int
main (int   argc,
      char *argv[])
{
  GAsyncQueue *ready = g_async_queue_new ();
  GThread *thread;
  int ret;

  g_test_init (&argc, &argv, NULL);

  thread = g_thread_new ("http-server", server_thread, ready);
  g_async_queue_pop (ready);
  g_async_queue_unref (ready);

  g_test_add_func ("/api/success-and-auth", test_success_and_auth);
  g_test_add_func ("/api/errors", test_errors);
  g_test_add_func ("/api/network", test_network);
  g_test_add_func ("/api/discovery-url", test_discovery_url);
  g_test_add_func ("/api/discover", test_discover);
  ret = g_test_run ();

  g_main_loop_quit (server_loop);
  g_thread_join (thread);
  g_free (last_authorization);
  return ret;
}
