/* test-server-files.c: file upload and download in zveno-server over real HTTP: streamed upload with
 * sha256, Range downloads (206, 416), access only for the uploader and members of a chat the file was
 * sent to, and the policy checks (size limit 413, blocked types and files to externals 403); resumable
 * upload sessions (create, PATCH at the current offset only, 409 on a stale offset, HEAD/GET offset,
 * finish with the file object, identical content stored once, others get 404). */
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

/* PATCH /files/uploads/ID at @offset with @len bytes; returns the status and the Upload-Offset answered. */
static guint
patch_chunk (ZvTestServer *server,
             const char   *token,
             gint64        id,
             gint64        offset,
             const guint8 *data,
             gsize         len,
             gint64       *new_offset,
             JsonNode    **answer)
{
  g_autofree char *uri = g_strdup_printf ("%s/api/v1/files/uploads/%" G_GINT64_FORMAT, server->url, id);
  g_autofree char *header = g_strconcat ("Bearer ", token, NULL);
  g_autofree char *offset_text = g_strdup_printf ("%" G_GINT64_FORMAT, offset);
  g_autoptr(SoupMessage) msg = soup_message_new ("PATCH", uri);
  g_autoptr(GBytes) body = g_bytes_new (data, len);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *answered;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Upload-Offset", offset_text);
  soup_message_set_request_body_from_bytes (msg, "application/offset+octet-stream", body);
  reply = soup_session_send_and_read (server->session, msg, NULL, &error);
  g_assert_no_error (error);
  answered = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Upload-Offset");
  if (new_offset != NULL)
    *new_offset = answered != NULL ? g_ascii_strtoll (answered, NULL, 10) : -1;
  if (answer != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      *answer = NULL;
      if (g_bytes_get_size (reply) > 0 &&
          json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), (gssize) g_bytes_get_size (reply), NULL))
        *answer = json_node_copy (json_parser_get_root (parser));
    }
  return soup_message_get_status (msg);
}

static gint64
upload_offset_by_head (ZvTestServer *server,
                       const char   *token,
                       gint64        id,
                       guint        *status)
{
  g_autofree char *uri = g_strdup_printf ("%s/api/v1/files/uploads/%" G_GINT64_FORMAT, server->url, id);
  g_autofree char *header = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("HEAD", uri);
  g_autoptr(GBytes) reply = NULL;
  const char *answered;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
  reply = soup_session_send_and_read (server->session, msg, NULL, NULL);
  *status = soup_message_get_status (msg);
  g_assert_cmpuint (g_bytes_get_size (reply), ==, 0);
  answered = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Upload-Offset");
  return answered != NULL ? g_ascii_strtoll (answered, NULL, 10) : -1;
}

static void
test_resumable (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  g_autofree char *ta = NULL, *tb = NULL, *sha = NULL, *create = NULL, *path = NULL;
  g_autofree char *files_dir = NULL, *uploads = NULL;
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) done = NULL;
  g_autoptr(GBytes) got = NULL;
  gint64 id, offset, file_id, boris;
  gsize len = 1000 * 1000 + 17;
  guint status;

  zv_test_add_user (server, "anna", "Anna", "pa");
  boris = zv_test_add_user (server, "boris", "Boris", "pb");
  ta = zv_test_login (server, "anna", "pa", NULL);
  tb = zv_test_login (server, "boris", "pb", NULL);
  for (gsize i = 0; i < len; i++)
    {
      guint8 b = (guint8) ((i * 2246822519u) >> 23);
      g_byte_array_append (data, &b, 1);
    }
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data->data, data->len);

  create = g_strdup_printf ("{\"name\":\"смета.xlsx\",\"size\":%" G_GSIZE_FORMAT ",\"content_type\":\"application/vnd.ms-excel\","
                            "\"sha256\":\"%s\"}", len, sha);
  node = zv_test_request (server, "POST", "/api/v1/files/uploads", ta, create, &status);
  g_assert_cmpuint (status, ==, 201);
  id = json_object_get_int_member (obj (node), "upload_id");
  g_assert_cmpint (id, >, 0);
  g_assert_cmpint (json_object_get_int_member (obj (node), "offset"), ==, 0);
  g_clear_pointer (&node, json_node_unref);

  /* Partial data lives under FILES_DIR/uploads/. */
  files_dir = g_strconcat (server->db, ".files", NULL);
  uploads = g_build_filename (files_dir, "uploads", NULL);
  g_assert_true (g_file_test (uploads, G_FILE_TEST_IS_DIR));

  /* First chunk, then a stale offset (a client that lost the answer) is refused with the truth. */
  g_assert_cmpuint (patch_chunk (server, ta, id, 0, data->data, 300000, &offset, NULL), ==, 204);
  g_assert_cmpint (offset, ==, 300000);
  g_assert_cmpuint (patch_chunk (server, ta, id, 0, data->data, 300000, &offset, NULL), ==, 409);
  g_assert_cmpint (offset, ==, 300000);
  g_assert_cmpint (upload_offset_by_head (server, ta, id, &status), ==, 300000);
  g_assert_cmpuint (status, ==, 200);

  /* Not Boris's upload: it does not exist for him, neither to read nor to write. */
  upload_offset_by_head (server, tb, id, &status);
  g_assert_cmpuint (status, ==, 404);
  g_assert_cmpuint (patch_chunk (server, tb, id, 300000, data->data + 300000, 10, NULL, NULL), ==, 404);
  path = g_strdup_printf ("/api/v1/files/uploads/%" G_GINT64_FORMAT, id);
  node = zv_test_request (server, "GET", path, tb, NULL, &status);
  g_assert_cmpuint (status, ==, 404);
  g_clear_pointer (&node, json_node_unref);

  /* More than the declared size is refused; a missing offset header is a bad request. */
  {
    g_autofree guint8 *big = g_malloc0 (len);

    g_assert_cmpuint (patch_chunk (server, ta, id, 300000, big, len, NULL, NULL), ==, 413);
  }
  g_assert_cmpint (upload_offset_by_head (server, ta, id, &status), ==, 300000);

  g_assert_cmpuint (patch_chunk (server, ta, id, 300000, data->data + 300000, 400000, &offset, NULL), ==, 204);
  g_assert_cmpint (offset, ==, 700000);
  node = zv_test_request (server, "GET", path, ta, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (obj (node), "offset"), ==, 700000);
  g_assert_true (json_object_get_null_member (obj (node), "file"));
  g_clear_pointer (&node, json_node_unref);

  /* The last chunk finishes it: the answer carries the file. */
  g_assert_cmpuint (patch_chunk (server, ta, id, 700000, data->data + 700000, len - 700000, &offset, &done), ==, 200);
  g_assert_cmpint (offset, ==, (gint64) len);
  {
    JsonObject *file = json_object_get_object_member (obj (done), "file");

    g_assert_cmpstr (json_object_get_string_member (file, "sha256"), ==, sha);
    g_assert_cmpint (json_object_get_int_member (file, "size"), ==, (gint64) len);
    g_assert_cmpstr (json_object_get_string_member (file, "name"), ==, "смета.xlsx");
    g_assert_cmpstr (json_object_get_string_member (file, "content_type"), ==, "application/vnd.ms-excel");
    file_id = json_object_get_int_member (file, "id");
  }
  /* Asking again (the answer was lost) gives the same file, never a second one. */
  node = zv_test_request (server, "GET", path, ta, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (obj (node), "file"), "id"), ==, file_id);
  g_clear_pointer (&node, json_node_unref);
  g_assert_cmpuint (patch_chunk (server, ta, id, (gint64) len, data->data, 0, NULL, &node), ==, 200);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (obj (node), "file"), "id"), ==, file_id);
  g_clear_pointer (&node, json_node_unref);

  got = download (server, ta, file_id, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), data->data, data->len);
  g_clear_pointer (&got, g_bytes_unref);

  /* Identical content sent again through POST /files is stored once on disk. */
  {
    g_autofree char *prefix = g_strndup (sha, 2);
    g_autofree char *blob = g_build_filename (files_dir, prefix, sha, NULL);
    g_autoptr(GDir) dir = NULL;
    guint parts = 0;
    const char *entry;

    node = upload (server, ta, "copy.xlsx", (const char *) data->data, data->len, &status);
    g_assert_cmpuint (status, ==, 201);
    g_assert_cmpint (json_object_get_int_member (obj (node), "id"), !=, file_id);
    g_assert_cmpstr (json_object_get_string_member (obj (node), "sha256"), ==, sha);
    g_clear_pointer (&node, json_node_unref);
    g_assert_true (g_file_test (blob, G_FILE_TEST_IS_REGULAR));
    dir = g_dir_open (uploads, 0, NULL);
    while ((entry = g_dir_read_name (dir)) != NULL)
      parts += g_str_has_suffix (entry, ".part");
    g_assert_cmpuint (parts, ==, 0);
  }

  /* Sent in a chat, Boris can read it. */
  {
    gint64 chat = new_direct (server, ta, boris);

    g_assert_cmpuint (send_with_file (server, ta, chat, "up-1", file_id, NULL), ==, 201);
    got = download (server, tb, file_id, "bytes=0-99", &status, NULL);
    g_assert_cmpuint (status, ==, 206);
    g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), data->data, 100);
    g_clear_pointer (&got, g_bytes_unref);
  }

  /* Bytes that do not match the declared sha256 are discarded, not stored. */
  {
    g_autofree char *body = g_strdup_printf ("{\"name\":\"a.txt\",\"size\":4,\"sha256\":\"%s\"}", sha);
    g_autofree char *p2 = NULL;
    gint64 id2;

    node = zv_test_request (server, "POST", "/api/v1/files/uploads", ta, body, &status);
    g_assert_cmpuint (status, ==, 201);
    id2 = json_object_get_int_member (obj (node), "upload_id");
    g_clear_pointer (&node, json_node_unref);
    g_assert_cmpuint (patch_chunk (server, ta, id2, 0, (const guint8 *) "abcd", 4, NULL, &node), ==, 400);
    g_clear_pointer (&node, json_node_unref);
    p2 = g_strdup_printf ("/api/v1/files/uploads/%" G_GINT64_FORMAT, id2);
    node = zv_test_request (server, "GET", p2, ta, NULL, &status);
    g_assert_cmpuint (status, ==, 404);
    g_clear_pointer (&node, json_node_unref);
  }

  /* A cancelled upload is gone. */
  {
    gint64 id3;
    g_autofree char *p3 = NULL;

    node = zv_test_request (server, "POST", "/api/v1/files/uploads", ta, "{\"name\":\"b.bin\",\"size\":10}", &status);
    g_assert_cmpuint (status, ==, 201);
    id3 = json_object_get_int_member (obj (node), "upload_id");
    g_clear_pointer (&node, json_node_unref);
    p3 = g_strdup_printf ("/api/v1/files/uploads/%" G_GINT64_FORMAT, id3);
    node = zv_test_request (server, "DELETE", p3, ta, NULL, &status);
    g_assert_cmpuint (status, ==, 204);
    g_clear_pointer (&node, json_node_unref);
    node = zv_test_request (server, "GET", p3, ta, NULL, &status);
    g_assert_cmpuint (status, ==, 404);
    g_clear_pointer (&node, json_node_unref);
  }
  zv_test_server_stop (server);
}

static void
test_resumable_policy (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  g_autofree char *ta = NULL, *out = NULL, *body = NULL;
  g_autoptr(JsonNode) node = NULL;
  gint64 guest, chat;
  guint status;

  zv_test_add_user (server, "anna", "Anna", "pa");
  ta = zv_test_login (server, "anna", "pa", NULL);

  /* Refused when the session is created, before any byte. */
  node = zv_test_request (server, "POST", "/api/v1/files/uploads", ta, "{\"name\":\"setup.EXE\",\"size\":10}", &status);
  g_assert_cmpuint (status, ==, 403);
  g_assert_cmpstr (zv_test_error_code (node), ==, "policy_violation");
  g_clear_pointer (&node, json_node_unref);

  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "policy", "set", "max_file_size", "1000", NULL), ==, 0);
  node = zv_test_request (server, "POST", "/api/v1/files/uploads", ta, "{\"name\":\"big.bin\",\"size\":1001}", &status);
  g_assert_cmpuint (status, ==, 413);
  g_assert_cmpstr (zv_test_error_code (node), ==, "too_large");
  g_clear_pointer (&node, json_node_unref);

  node = zv_test_request (server, "POST", "/api/v1/files/uploads", ta, "{\"name\":\"a/b\",\"size\":1}", &status);
  g_assert_cmpuint (status, ==, 400);
  g_clear_pointer (&node, json_node_unref);
  node = zv_test_request (server, "POST", "/api/v1/files/uploads", ta, "{\"name\":\"a.txt\",\"size\":\"1\"}", &status);
  g_assert_cmpuint (status, ==, 400);
  g_clear_pointer (&node, json_node_unref);
  node = zv_test_request (server, "POST", "/api/v1/files/uploads", NULL, "{\"name\":\"a.txt\",\"size\":1}", &status);
  g_assert_cmpuint (status, ==, 401);
  g_clear_pointer (&node, json_node_unref);

  /* The external rule applies when the chat is named. */
  g_assert_cmpint (zv_test_admin (server, "pg\n", &out, "user", "add", "guest", "--name", "Гость",
                                  "--password-stdin", "--external", NULL), ==, 0);
  guest = g_ascii_strtoll (out, NULL, 10);
  chat = new_direct (server, ta, guest);
  body = g_strdup_printf ("{\"name\":\"a.txt\",\"size\":10,\"chat_id\":%" G_GINT64_FORMAT "}", chat);
  node = zv_test_request (server, "POST", "/api/v1/files/uploads", ta, body, &status);
  g_assert_cmpuint (status, ==, 403);
  g_assert_cmpstr (zv_test_error_code (node), ==, "policy_violation");
  g_clear_pointer (&node, json_node_unref);
  node = zv_test_request (server, "GET", "/api/v1/files/uploads/12345", ta, NULL, &status);
  g_assert_cmpuint (status, ==, 404);
  zv_test_server_stop (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/files/upload-range-access", test_upload_range_access);
  g_test_add_func ("/server/files/policy", test_policy_checks);
  g_test_add_func ("/server/files/resumable", test_resumable);
  g_test_add_func ("/server/files/resumable-policy", test_resumable_policy);
  return g_test_run ();
}
