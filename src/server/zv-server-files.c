/* zv-server-files.c: file upload and download. Uploads are streamed to a temporary file while the
 * SHA-256 is computed (never held in memory), checked against the policy's size limit and blocked
 * types, then stored once under FILES_DIR/ab/abcdef... by content. Downloads honour HTTP Range and
 * are allowed only to the uploader and to members of a chat the file was sent to. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "zv-server-private.h"

typedef struct {
  ZvServer  *server;     /* borrowed */
  char      *tmp_path;
  int        fd;
  GChecksum *checksum;
  gint64     size;
  gint64     limit;
  gboolean   too_large;
  gboolean   write_failed;
} Upload;

static void
upload_free (Upload *upload)
{
  if (upload->fd >= 0)
    close (upload->fd);
  if (upload->tmp_path != NULL)
    g_unlink (upload->tmp_path);
  g_free (upload->tmp_path);
  g_clear_pointer (&upload->checksum, g_checksum_free);
  g_free (upload);
}

static const char *
file_extension (const char *name)
{
  const char *dot = strrchr (name, '.');

  return dot != NULL && dot[1] != '\0' ? dot + 1 : NULL;
}

static gboolean
type_blocked (ZvServer   *self,
              const char *name)
{
  g_autofree char *blocked = zv_policy_string (self, "blocked_file_types");
  g_auto(GStrv) types = g_strsplit (blocked, ",", -1);
  const char *ext = file_extension (name);

  if (ext == NULL)
    return FALSE;
  for (guint i = 0; types[i] != NULL; i++)
    {
      g_strstrip (types[i]);
      if (*types[i] != '\0' && g_ascii_strcasecmp (types[i], ext) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
name_valid (const char *name)
{
  return name != NULL && *name != '\0' && strlen (name) <= 255 && g_utf8_validate (name, -1, NULL) &&
         strchr (name, '/') == NULL && strchr (name, '\\') == NULL;
}

static void
got_chunk (SoupServerMessage *msg,
           GBytes            *chunk,
           Upload            *upload)
{
  gsize len;
  const guchar *data = g_bytes_get_data (chunk, &len);

  upload->size += (gint64) len;
  if (upload->size > upload->limit)
    upload->too_large = TRUE;
  if (upload->too_large || upload->write_failed)
    return;
  g_checksum_update (upload->checksum, data, (gssize) len);
  while (len > 0)
    {
      ssize_t written = write (upload->fd, data, len);

      if (written < 0 && errno == EINTR)
        continue;
      if (written <= 0)
        {
          upload->write_failed = TRUE;
          return;
        }
      data += written;
      len -= (gsize) written;
    }
}

void
zv_files_upload_early (ZvServer          *self,
                       SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  ZvRequest req = { .ref_count = 1, .server = self, .msg = msg };
  g_autoptr(GHashTable) query = NULL;
  const char *raw_query = g_uri_get_query (soup_server_message_get_uri (msg));
  const char *name;
  g_autofree char *template = NULL;
  Upload *upload;
  gint64 user_id, device_id, limit;
  ZvApiError code;

  /* Refuse before the body is read: an unauthenticated stranger must not fill the disk. */
  if (!zv_server_authenticate (self, msg, &user_id, &device_id, &code))
    {
      zv_reply_error (&req, code, "A valid bearer token is required");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      return;
    }

  query = raw_query != NULL ? soup_form_decode (raw_query) : NULL;
  name = query != NULL ? g_hash_table_lookup (query, "name") : NULL;
  limit = zv_policy_int (self, "max_file_size");
  if (soup_message_headers_get_content_length (headers) > limit)
    {
      zv_reply_error (&req, ZV_API_ERROR_TOO_LARGE, "The file is larger than the company allows");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      return;
    }
  if (name_valid (name) && type_blocked (self, name))
    {
      zv_reply_error (&req, ZV_API_ERROR_POLICY_VIOLATION, "Company policy blocks this file type");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      return;
    }

  upload = g_new0 (Upload, 1);
  upload->server = self;
  upload->limit = limit;
  upload->checksum = g_checksum_new (G_CHECKSUM_SHA256);
  template = g_build_filename (self->config.files_dir, "upload-XXXXXX", NULL);
  upload->fd = g_mkstemp_full (template, O_RDWR, 0600);
  if (upload->fd < 0)
    upload->write_failed = TRUE;
  else
    upload->tmp_path = g_steal_pointer (&template);
  g_object_set_data_full (G_OBJECT (msg), "zv-upload", upload, (GDestroyNotify) upload_free);

  /* Stream: each chunk goes to disk and is then dropped. */
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk), upload);
}

static char *
stored_path (ZvServer   *self,
             const char *sha256)
{
  g_autofree char *prefix = g_strndup (sha256, 2);

  return g_build_filename (self->config.files_dir, prefix, sha256, NULL);
}

static JsonObject *
file_row_to_json (sqlite3_stmt *stmt)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "id", sqlite3_column_int64 (stmt, 0));
  json_object_set_string_member (object, "name", zv_server_db_column_text (stmt, 1));
  json_object_set_int_member (object, "size", sqlite3_column_int64 (stmt, 2));
  json_object_set_string_member (object, "content_type", zv_server_db_column_text (stmt, 3));
  json_object_set_string_member (object, "sha256", zv_server_db_column_text (stmt, 4));
  json_object_set_int_member (object, "uploader_id", sqlite3_column_int64 (stmt, 5));
  zv_json_set_time (object, "created_at", sqlite3_column_int64 (stmt, 6));
  return object;
}

#define FILE_COLUMNS "id, name, size, content_type, sha256, uploader_id, created_at"

void
zv_handle_file_upload (ZvRequest *req)
{
  ZvServer *self = req->server;
  Upload *upload = g_object_get_data (G_OBJECT (req->msg), "zv-upload");
  const char *name = zv_request_query (req, "name");
  const char *content_type;
  g_autofree char *sha256 = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *type_copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = NULL;
  sqlite3_stmt *stmt;
  gint64 id;

  if (!name_valid (name))
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Give the file name as ?name= (no slashes, up to 255 bytes)");
      return;
    }
  if (upload == NULL)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "upload state missing");
      zv_reply_internal (req, error);
      return;
    }
  if (upload->too_large)
    {
      zv_reply_error (req, ZV_API_ERROR_TOO_LARGE, "The file is larger than the company allows");
      return;
    }
  if (upload->write_failed || fsync (upload->fd) != 0)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write the upload to %s",
                   self->config.files_dir);
      zv_reply_internal (req, error);
      return;
    }

  content_type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (req->msg), NULL);
  if (content_type == NULL || strlen (content_type) > 127)
    content_type = "application/octet-stream";
  type_copy = g_strdup (content_type);

  sha256 = g_strdup (g_checksum_get_string (upload->checksum));
  path = stored_path (self, sha256);
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      (!g_file_test (path, G_FILE_TEST_EXISTS) && g_rename (upload->tmp_path, path) != 0))
    {
      g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot store %s: %s", path,
                   g_strerror (errno));
      zv_reply_internal (req, error);
      return;
    }

  stmt = zv_server_db_prepare (self->db,
    "INSERT INTO files (sha256, size, name, content_type, uploader_id, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, upload->size);
  sqlite3_bind_text (stmt, 3, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, type_copy, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, req->user_id);
  sqlite3_bind_int64 (stmt, 6, zv_server_now_ms ());
  if (!zv_server_db_step_done (self->db, stmt, &error))
    {
      zv_reply_internal (req, error);
      return;
    }
  id = sqlite3_last_insert_rowid (zv_server_db_handle (self->db));

  stmt = zv_server_db_prepare (self->db, "SELECT " FILE_COLUMNS " FROM files WHERE id = ?1");
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    reply = file_row_to_json (stmt);
  sqlite3_reset (stmt);
  zv_reply_object (req, 201, reply);
}

gboolean
zv_file_readable (ZvServer *self,
                  gint64    file_id,
                  gint64    user_id)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "SELECT 1 FROM files WHERE id = ?1 AND uploader_id = ?2 "
    "UNION ALL "
    "SELECT 1 FROM message_files mf JOIN messages m ON m.id = mf.message_id "
    "JOIN members mb ON mb.chat_id = m.chat_id AND mb.user_id = ?2 AND mb.left_at IS NULL "
    "WHERE mf.file_id = ?1 AND m.deleted = 0 LIMIT 1");
  gboolean readable;

  sqlite3_bind_int64 (stmt, 1, file_id);
  sqlite3_bind_int64 (stmt, 2, user_id);
  readable = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return readable;
}

/* Loads file ids[0] for a reader; replies 404/403 and returns NULL when it is not theirs to read. */
static JsonObject *
load_readable_file (ZvRequest *req)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (req->server->db, "SELECT " FILE_COLUMNS " FROM files WHERE id = ?1");
  JsonObject *file = NULL;

  sqlite3_bind_int64 (stmt, 1, req->ids[0]);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    file = file_row_to_json (stmt);
  sqlite3_reset (stmt);
  if (file == NULL)
    {
      zv_reply_error (req, ZV_API_ERROR_NOT_FOUND, "No such file");
      return NULL;
    }
  if (!zv_file_readable (req->server, req->ids[0], req->user_id))
    {
      json_object_unref (file);
      zv_reply_error (req, ZV_API_ERROR_FORBIDDEN, "This file was not shared with you");
      return NULL;
    }
  return file;
}

void
zv_handle_file_meta (ZvRequest *req)
{
  g_autoptr(JsonObject) file = load_readable_file (req);

  if (file != NULL)
    zv_reply_object (req, 200, file);
}

void
zv_handle_file_get (ZvRequest *req)
{
  g_autoptr(JsonObject) file = load_readable_file (req);
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *disposition = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *etag = NULL;
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (req->msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (req->msg);
  SoupRange *ranges = NULL;
  int n_ranges = 0;
  goffset total;

  if (file == NULL)
    return;
  path = stored_path (req->server, json_object_get_string_member (file, "sha256"));
  mapped = g_mapped_file_new (path, FALSE, &error);
  if (mapped == NULL)
    {
      zv_reply_internal (req, error);
      return;
    }
  bytes = g_mapped_file_get_bytes (mapped);
  total = (goffset) g_bytes_get_size (bytes);

  escaped = g_uri_escape_string (json_object_get_string_member (file, "name"), NULL, FALSE);
  disposition = g_strdup_printf ("attachment; filename*=UTF-8''%s", escaped);
  etag = g_strdup_printf ("\"%s\"", json_object_get_string_member (file, "sha256"));
  soup_message_headers_replace (headers, "Content-Disposition", disposition);
  soup_message_headers_replace (headers, "Accept-Ranges", "bytes");
  soup_message_headers_replace (headers, "ETag", etag);
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Cache-Control", "private, max-age=31536000, immutable");
  soup_message_headers_set_content_type (headers, json_object_get_string_member (file, "content_type"), NULL);

  /* A malformed Range is ignored (RFC 9110: serve the whole file); one beyond the end is 416.
   * Of several ranges the first is served, which RFC 9110 allows. */
  if (soup_message_headers_get_one (request_headers, "Range") != NULL &&
      soup_message_headers_get_ranges (request_headers, total, &ranges, &n_ranges) && n_ranges > 0)
    {
      goffset start = ranges[0].start, end = MIN (ranges[0].end, total - 1);

      soup_message_headers_free_ranges (request_headers, ranges);
      if (start < 0 || start >= total || end < start)
        {
          g_autofree char *content_range = g_strdup_printf ("bytes */%" G_GOFFSET_FORMAT, total);

          soup_message_headers_replace (headers, "Content-Range", content_range);
          zv_reply_error (req, ZV_API_ERROR_RANGE_NOT_SATISFIABLE, "The requested range is outside the file");
          return;
        }
      else
        {
          g_autoptr(GBytes) slice = g_bytes_new_from_bytes (bytes, (gsize) start, (gsize) (end - start + 1));

          soup_message_headers_set_content_range (headers, start, end, total);
          soup_server_message_set_status (req->msg, 206, NULL);
          soup_message_body_append_bytes (soup_server_message_get_response_body (req->msg), slice);
          return;
        }
    }

  soup_server_message_set_status (req->msg, 200, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (req->msg), bytes);
}
