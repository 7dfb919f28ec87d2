/* test-server-files.c: file upload and download in zveno-server over real HTTP: streamed upload with
 * sha256, Range downloads (206, 416), access only for the uploader and members of a chat the file was
 * sent to, and the policy checks (size limit 413, blocked types and files to externals 403). */
#include "config.h"

#include <string.h>

#include "zv-test-server.h"

static JsonObject *
obj (JsonNode *node)
{
  g_assert_nonnull (node);
  return json_node_get_object (node);
}

/* Uploads @data as @name; returns the answer and sets *status. */
static JsonNode *
upload (ZvTestServer *server,
        const char   *token,
        const char   *name,
        const char   *data,
        gsize         len,
        guint        *status)
{
  g_autofree char *escaped = g_uri_escape_string (name, NULL, FALSE);
  g_autofree char *uri = g_strdup_printf ("%s/api/v1/files?name=%s", server->url, escaped);
  g_autofree char *header = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
  g_autoptr(GBytes) body = g_bytes_new (data, len);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
  soup_message_set_request_body_from_bytes (msg, "application/pdf", body);
  reply = soup_session_send_and_read (server->session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  if (!json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), (gssize) g_bytes_get_size (reply), NULL))
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

/* GETs /files/ID with an optional Range; returns the body. */
static GBytes *
download (ZvTestServer  *server,
          const char    *token,
          gint64         id,
          const char    *range,
          guint         *status,
          char         **content_range)
{
  g_autofree char *uri = g_strdup_printf ("%s/api/v1/files/%" G_GINT64_FORMAT, server->url, id);
  g_autofree char *header = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  g_autoptr(GError) error = NULL;
  GBytes *reply;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
  if (range != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Range", range);
  reply = soup_session_send_and_read (server->session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  if (content_range != NULL)
    *content_range = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Content-Range"));
  return reply;
}

static gint64
new_direct (ZvTestServer *server,
            const char   *token,
            gint64        other)
{
  g_autofree char *body = g_strdup_printf ("{\"type\":\"direct\",\"members\":[%" G_GINT64_FORMAT "]}", other);
  g_autoptr(JsonNode) node = zv_test_request (server, "POST", "/api/v1/chats", token, body, NULL);

  return json_object_get_int_member (obj (node), "id");
}

static guint
send_with_file (ZvTestServer *server,
                const char   *token,
                gint64        chat,
                const char   *client_id,
                gint64        file,
                char        **code)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages", chat);
  g_autofree char *body = g_strdup_printf ("{\"client_id\":\"%s\",\"text\":\"see attached\",\"attachments\":[%"
                                           G_GINT64_FORMAT "]}", client_id, file);
  guint status = 0;
  g_autoptr(JsonNode) node = zv_test_request (server, "POST", path, token, body, &status);

  if (code != NULL)
    *code = g_strdup (zv_test_error_code (node));
  return status;
}

static void
test_upload_range_access (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  gint64 boris;
  g_autofree char *ta = NULL, *tb = NULL, *tc = NULL, *content_range = NULL, *sha = NULL;
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GBytes) got = NULL;
  gint64 file, chat;
  guint status;

  zv_test_add_user (server, "anna", "Anna", "pa");
  boris = zv_test_add_user (server, "boris", "Boris", "pb");
  zv_test_add_user (server, "clara", "Clara", "pc");
  ta = zv_test_login (server, "anna", "pa", NULL);
  tb = zv_test_login (server, "boris", "pb", NULL);
  tc = zv_test_login (server, "clara", "pc", NULL);

  /* 3 MB, so the upload really arrives in many chunks. */
  for (guint i = 0; i < 3 * 1024 * 1024; i++)
    {
      guint8 b = (guint8) ((i * 2654435761u) >> 24);
      g_byte_array_append (data, &b, 1);
    }
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data->data, data->len);

  node = upload (server, ta, "Отчёт за квартал.pdf", (const char *) data->data, data->len, &status);
  g_assert_cmpuint (status, ==, 201);
  g_assert_cmpstr (json_object_get_string_member (obj (node), "sha256"), ==, sha);
  g_assert_cmpint (json_object_get_int_member (obj (node), "size"), ==, data->len);
  g_assert_cmpstr (json_object_get_string_member (obj (node), "name"), ==, "Отчёт за квартал.pdf");
  file = json_object_get_int_member (obj (node), "id");

  got = download (server, ta, file, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), data->data, data->len);
  g_clear_pointer (&got, g_bytes_unref);

  got = download (server, ta, file, "bytes=1000-1999", &status, &content_range);
  g_assert_cmpuint (status, ==, 206);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), data->data + 1000, 1000);
  g_assert_cmpstr (content_range, ==, "bytes 1000-1999/3145728");
  g_clear_pointer (&got, g_bytes_unref);
  g_clear_pointer (&content_range, g_free);

  /* Resume from the middle to the end. */
  got = download (server, ta, file, "bytes=3145000-", &status, NULL);
  g_assert_cmpuint (status, ==, 206);
  g_assert_cmpuint (g_bytes_get_size (got), ==, 728);
  g_clear_pointer (&got, g_bytes_unref);

  got = download (server, ta, file, "bytes=4000000-4000100", &status, &content_range);
  g_assert_cmpuint (status, ==, 416);
  g_assert_cmpstr (content_range, ==, "bytes */3145728");
  g_clear_pointer (&got, g_bytes_unref);

  /* Nobody else may read it until it is sent to them. */
  got = download (server, tb, file, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 403);
  g_clear_pointer (&got, g_bytes_unref);
  got = download (server, ta, 424242, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 404);
  g_clear_pointer (&got, g_bytes_unref);

  chat = new_direct (server, ta, boris);
  g_assert_cmpuint (send_with_file (server, ta, chat, "f-1", file, NULL), ==, 201);
  got = download (server, tb, file, "bytes=0-9", &status, NULL);
  g_assert_cmpuint (status, ==, 206);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), data->data, 10);
  g_clear_pointer (&got, g_bytes_unref);

  /* Clara is in no chat with it; nor may she attach it herself. */
  got = download (server, tc, file, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 403);
  g_clear_pointer (&got, g_bytes_unref);
  {
    g_autoptr(JsonNode) own = NULL;
    gint64 clara_chat = new_direct (server, tc, boris);

    g_assert_cmpuint (send_with_file (server, tc, clara_chat, "steal", file, NULL), ==, 400);
    own = zv_test_request (server, "GET", "/api/v1/files/1/meta", tc, NULL, &status);
    g_assert_cmpuint (status, ==, 403);
  }

  /* Without a token the upload is refused before its body is read. */
  {
    g_autofree char *uri = g_strdup_printf ("%s/api/v1/files?name=a.txt", server->url);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
    g_autoptr(GBytes) body = g_bytes_new_static ("hello", 5);
    g_autoptr(GBytes) reply = NULL;

    soup_message_set_request_body_from_bytes (msg, "text/plain", body);
    reply = soup_session_send_and_read (server->session, msg, NULL, NULL);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 401);
  }
  zv_test_server_stop (server);
}

static void
test_policy_checks (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  g_autofree char *ta = NULL, *code = NULL, *input = NULL, *out = NULL;
  g_autoptr(JsonNode) node = NULL;
  gint64 guest, chat, file;
  guint status;
  char data[300];

  memset (data, 'x', sizeof data);
  zv_test_add_user (server, "anna", "Anna", "pa");
  ta = zv_test_login (server, "anna", "pa", NULL);

  node = upload (server, ta, "setup.exe", data, sizeof data, &status);
  g_assert_cmpuint (status, ==, 403);
  g_assert_cmpstr (zv_test_error_code (node), ==, "policy_violation");
  g_clear_pointer (&node, json_node_unref);

  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "policy", "set", "max_file_size", "200", NULL), ==, 0);
  node = upload (server, ta, "notes.txt", data, sizeof data, &status);
  g_assert_cmpuint (status, ==, 413);
  g_assert_cmpstr (zv_test_error_code (node), ==, "too_large");
  g_clear_pointer (&node, json_node_unref);
  node = upload (server, ta, "notes.txt", data, 200, &status);
  g_assert_cmpuint (status, ==, 201);
  file = json_object_get_int_member (obj (node), "id");
  g_clear_pointer (&node, json_node_unref);

  /* A guest from a client company: files in chats with externals are off by default. */
  g_assert_cmpint (zv_test_admin (server, "pg\n", &out, "user", "add", "guest", "--name", "Гость",
                                  "--password-stdin", "--external", NULL), ==, 0);
  guest = g_ascii_strtoll (out, NULL, 10);
  chat = new_direct (server, ta, guest);
  g_assert_cmpuint (send_with_file (server, ta, chat, "ext-1", file, &code), ==, 403);
  g_assert_cmpstr (code, ==, "policy_violation");
  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "policy", "set", "external_files_allowed", "1", NULL), ==, 0);
  g_assert_cmpuint (send_with_file (server, ta, chat, "ext-2", file, NULL), ==, 201);

  node = zv_test_request (server, "GET", "/api/v1/policy", ta, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (obj (node), "max_file_size"), ==, 200);
  g_assert_true (json_object_get_boolean_member (obj (node), "external_files_allowed"));
  zv_test_server_stop (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/files/upload-range-access", test_upload_range_access);
  g_test_add_func ("/server/files/policy", test_policy_checks);
  return g_test_run ();
}
