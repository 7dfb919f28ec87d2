/* bench-http.c: a synchronous libsoup client for the benchmarks: one connection kept alive, as a
 * real client keeps it, so the numbers are the server's and not TCP handshakes'. */
#define G_LOG_DOMAIN "zveno-bench"

#include "config.h"

#include <math.h>
#include <string.h>

#include "bench-http.h"

BenchHttp *
bench_http_new (const char *base)
{
  BenchHttp *http = g_new0 (BenchHttp, 1);

  http->session = soup_session_new_with_options ("timeout", 120, "max-conns-per-host", 1, NULL);
  http->base = g_strdup (base);
  return http;
}

void
bench_http_free (BenchHttp *http)
{
  g_clear_object (&http->session);
  g_free (http->base);
  g_free (http->token);
  g_free (http);
}

double
bench_now_ms (void)
{
  return (double) g_get_monotonic_time () / 1000.0;
}

static JsonNode *
parse_reply (SoupMessage *msg, GBytes *body, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize size = 0;
  const char *data = body ? g_bytes_get_data (body, &size) : NULL;
  guint status = soup_message_get_status (msg);

  if (status < 200 || status >= 300)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "HTTP %u: %.*s", status,
                   (int) MIN (size, 300), data ? data : "");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data ? data : "", (gssize) size, error))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The answer is not a JSON object");
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

gboolean
bench_http_login (BenchHttp *http, const char *login, const char *password, GError **error)
{
  g_autofree char *url = g_strconcat (http->base, "/api/v1/auth/login", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *text = NULL;
  const char *token;

  if (msg == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Bad server URL %s", http->base);
      return FALSE;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "login");
  json_builder_add_string_value (builder, login);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_set_member_name (builder, "device_name");
  json_builder_add_string_value (builder, "zveno benchmark");
  json_builder_end_object (builder);
  request = json_builder_get_root (builder);
  text = json_to_string (request, FALSE);
  {
    g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
    soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  }
  body = soup_session_send_and_read (http->session, msg, NULL, error);
  if (body == NULL)
    return FALSE;
  reply = parse_reply (msg, body, error);
  if (reply == NULL)
    return FALSE;
  token = json_object_get_string_member_with_default (json_node_get_object (reply), "access_token", NULL);
  if (token == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The login answer has no access_token");
      return FALSE;
    }
  g_free (http->token);
  http->token = g_strdup (token);
  return TRUE;
}

JsonNode *
bench_http_get (BenchHttp *http, const char *path_and_query, double *ms, GError **error)
{
  g_autofree char *url = g_strconcat (http->base, path_and_query, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autofree char *auth = NULL;
  g_autoptr(GBytes) body = NULL;
  double start = bench_now_ms ();

  if (msg == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Bad URL %s", url);
      return NULL;
    }
  if (http->token != NULL)
    {
      auth = g_strconcat ("Bearer ", http->token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  body = soup_session_send_and_read (http->session, msg, NULL, error);
  if (ms != NULL)
    *ms = bench_now_ms () - start;
  if (body == NULL)
    return NULL;
  http->bytes += g_bytes_get_size (body);
  return parse_reply (msg, body, error);
}

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

double
bench_percentile (GArray *values, double p)
{
  gsize rank;

  if (values->len == 0)
    return NAN;
  g_array_sort (values, compare_doubles);
  rank = (gsize) ceil (p / 100.0 * (double) values->len);
  rank = CLAMP (rank, 1, values->len);
  return g_array_index (values, double, rank - 1);
}
