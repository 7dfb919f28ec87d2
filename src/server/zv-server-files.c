/* zv-server-files.c: file upload and download. Uploads are streamed to a temporary file while the
 * SHA-256 is computed (never held in memory), checked against the policy's size limit and blocked
 * types, then stored once under FILES_DIR/ab/abcdef... by content. Downloads honour HTTP Range and
 * are allowed only to the uploader and to members of a chat the file was sent to.
 *
 * Resumable uploads (POST/PATCH/HEAD /files/uploads, tus-like) keep their state on disk under
 * FILES_DIR/uploads/ID.json with the bytes so far in ID.part: the offset IS the size of the .part
 * file, so whatever reached the disk before a dropped connection counts and a client resumes from
 * there. Policy is checked when the session is created, before any byte. */
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

/* Moves the finished bytes at @tmp_path into the content-addressed store (once per content: a
 * second copy of the same bytes is dropped) and records the file row. */
static JsonObject *
store_file (ZvServer    *self,
            const char  *tmp_path,
            const char  *sha256,
            gint64       size,
            const char  *name,
            const char  *content_type,
            gint64       uploader_id,
            GError     **error)
{
  g_autofree char *path = stored_path (self, sha256);
  g_autofree char *dir = g_path_get_dirname (path);
  JsonObject *reply = NULL;
  sqlite3_stmt *stmt;
  gint64 id;

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      (!g_file_test (path, G_FILE_TEST_EXISTS) && g_rename (tmp_path, path) != 0))
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot store %s: %s", path,
                   g_strerror (saved));
      return NULL;
    }
  g_unlink (tmp_path);

  stmt = zv_server_db_prepare (self->db,
    "INSERT INTO files (sha256, size, name, content_type, uploader_id, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, size);
  sqlite3_bind_text (stmt, 3, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, content_type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, uploader_id);
  sqlite3_bind_int64 (stmt, 6, zv_server_now_ms ());
  if (!zv_server_db_step_done (self->db, stmt, error))
    return NULL;
  id = sqlite3_last_insert_rowid (zv_server_db_handle (self->db));

  stmt = zv_server_db_prepare (self->db, "SELECT " FILE_COLUMNS " FROM files WHERE id = ?1");
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    reply = file_row_to_json (stmt);
  sqlite3_reset (stmt);
  if (reply == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "file %" G_GINT64_FORMAT " vanished", id);
  return reply;
}

void
zv_handle_file_upload (ZvRequest *req)
{
  ZvServer *self = req->server;
  Upload *upload = g_object_get_data (G_OBJECT (req->msg), "zv-upload");
  const char *name = zv_request_query (req, "name");
  const char *content_type;
  g_autofree char *sha256 = NULL;
  g_autofree char *type_copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = NULL;

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
  reply = store_file (self, upload->tmp_path, sha256, upload->size, name, type_copy, req->user_id, &error);
  if (reply == NULL)
    {
      zv_reply_internal (req, error);
      return;
    }
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

/* ---- resumable uploads ------------------------------------------------------------------------- */

#define UPLOAD_TTL_MS ((gint64) 24 * 60 * 60 * 1000)
#define UPLOAD_CLEANUP_INTERVAL_US ((gint64) 3600 * G_USEC_PER_SEC)
#define UPLOAD_ID_MAX (G_GINT64_CONSTANT (1) << 53)   /* exact in every JSON reader */
#define HASH_BLOCK (1024 * 1024)

typedef struct {
  gint64  id;
  gint64  owner;
  char   *name;
  gint64  size;
  char   *content_type;
  char   *sha256;       /* what the client declared, or NULL */
  gint64  created_at;
  gint64  file_id;      /* > 0 once finished */
} Session;

static void
session_free (Session *session)
{
  g_free (session->name);
  g_free (session->content_type);
  g_free (session->sha256);
  g_free (session);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Session, session_free)

static char *
uploads_dir (ZvServer *self)
{
  return g_build_filename (self->config.files_dir, "uploads", NULL);
}

static char *
session_file (ZvServer   *self,
              gint64      id,
              const char *extension)
{
  g_autofree char *dir = uploads_dir (self);
  g_autofree char *base = g_strdup_printf ("%" G_GINT64_FORMAT ".%s", id, extension);

  return g_build_filename (dir, base, NULL);
}

static Session *
session_load (ZvServer *self,
              gint64    id)
{
  g_autofree char *path = session_file (self, id, "json");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(Session) session = NULL;
  JsonObject *object;
  gboolean ok = TRUE;

  if (!json_parser_load_from_file (parser, path, NULL) || json_parser_get_root (parser) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  object = json_node_get_object (json_parser_get_root (parser));
  session = g_new0 (Session, 1);
  session->id = id;
  session->owner = zv_json_int (object, "owner", 0, &ok);
  session->name = g_strdup (zv_json_string (object, "name", &ok));
  session->size = zv_json_int (object, "size", -1, &ok);
  session->content_type = g_strdup (zv_json_string (object, "content_type", &ok));
  session->sha256 = g_strdup (zv_json_string (object, "sha256", &ok));
  session->created_at = zv_json_int (object, "created_at", 0, &ok);
  session->file_id = zv_json_int (object, "file_id", 0, &ok);
  if (!ok || session->owner <= 0 || session->name == NULL || session->size < 0 || session->content_type == NULL)
    return NULL;
  return g_steal_pointer (&session);
}

/* Atomic (write and rename), so a crash never leaves half a session behind. */
static gboolean
session_save (ZvServer  *self,
              Session   *session,
              GError   **error)
{
  g_autofree char *path = session_file (self, session->id, "json");
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  json_object_set_int_member (object, "owner", session->owner);
  json_object_set_string_member (object, "name", session->name);
  json_object_set_int_member (object, "size", session->size);
  json_object_set_string_member (object, "content_type", session->content_type);
  if (session->sha256 != NULL)
    json_object_set_string_member (object, "sha256", session->sha256);
  json_object_set_int_member (object, "created_at", session->created_at);
  if (session->file_id > 0)
    json_object_set_int_member (object, "file_id", session->file_id);
  json_node_set_object (node, object);
  text = json_to_string (node, FALSE);
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/* The offset is what reached the disk: the size of the .part file. */
static gint64
session_offset (ZvServer *self,
                Session  *session)
{
  g_autofree char *part = session_file (self, session->id, "part");
  GStatBuf st;

  if (session->file_id > 0)
    return session->size;
  if (g_stat (part, &st) != 0)
    return 0;
  return MIN ((gint64) st.st_size, session->size);
}

static void
session_remove (ZvServer *self,
                gint64    id)
{
  g_autofree char *part = session_file (self, id, "part");
  g_autofree char *meta = session_file (self, id, "json");

  g_unlink (meta);
  g_unlink (part);
}

/* Sessions a request is writing or finishing right now: a second writer gets 409. */
static GHashTable *
busy_set (ZvServer *self)
{
  GHashTable *busy = g_object_get_data (G_OBJECT (self), "zv-uploads-busy");

  if (busy == NULL)
    {
      busy = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
      g_object_set_data_full (G_OBJECT (self), "zv-uploads-busy", busy, (GDestroyNotify) g_hash_table_unref);
    }
  return busy;
}

static gboolean
busy_claim (ZvServer *self,
            gint64    id)
{
  GHashTable *busy = busy_set (self);

  if (g_hash_table_contains (busy, &id))
    return FALSE;
  g_hash_table_add (busy, g_memdup2 (&id, sizeof id));
  return TRUE;
}

static void
busy_release (ZvServer *self,
              gint64    id)
{
  g_hash_table_remove (busy_set (self), &id);
}

static void
set_offset_headers (SoupServerMessage *msg,
                    gint64             offset,
                    gint64             size)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *offset_text = g_strdup_printf ("%" G_GINT64_FORMAT, offset);
  g_autofree char *size_text = g_strdup_printf ("%" G_GINT64_FORMAT, size);

  soup_message_headers_replace (headers, "Upload-Offset", offset_text);
  soup_message_headers_replace (headers, "Upload-Length", size_text);
}

static JsonObject *
file_by_id (ZvServer *self,
            gint64    file_id)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db, "SELECT " FILE_COLUMNS " FROM files WHERE id = ?1");
  JsonObject *file = NULL;

  sqlite3_bind_int64 (stmt, 1, file_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    file = file_row_to_json (stmt);
  sqlite3_reset (stmt);
  return file;
}

static void
reply_session (ZvRequest *req,
               guint      status,
               Session   *session)
{
  g_autoptr(JsonObject) object = json_object_new ();
  gint64 offset = session_offset (req->server, session);
  JsonObject *file = session->file_id > 0 ? file_by_id (req->server, session->file_id) : NULL;

  json_object_set_int_member (object, "upload_id", session->id);
  json_object_set_string_member (object, "name", session->name);
  json_object_set_int_member (object, "size", session->size);
  json_object_set_string_member (object, "content_type", session->content_type);
  json_object_set_int_member (object, "offset", offset);
  zv_json_set_time (object, "expires_at", session->created_at + UPLOAD_TTL_MS);
  if (file != NULL)
    json_object_set_object_member (object, "file", file);
  else
    json_object_set_null_member (object, "file");
  set_offset_headers (req->msg, offset, session->size);
  zv_reply_object (req, status, object);
}

/* Loads the session of the path's id for its owner; replies 404 otherwise (others' uploads do not
 * exist for them). */
static Session *
load_own_session (ZvRequest *req)
{
  Session *session = session_load (req->server, req->ids[0]);

  if (session == NULL || session->owner != req->user_id)
    {
      g_clear_pointer (&session, session_free);
      zv_reply_error (req, ZV_API_ERROR_NOT_FOUND, "No such upload (it may have expired)");
    }
  return session;
}

static gboolean
chat_has_external_member (ZvServer *self,
                          gint64    chat_id)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "SELECT 1 FROM members m JOIN users u ON u.id = m.user_id "
    "WHERE m.chat_id = ?1 AND m.left_at IS NULL AND u.external = 1 LIMIT 1");
  gboolean external;

  sqlite3_bind_int64 (stmt, 1, chat_id);
  external = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return external;
}

static gboolean
sha256_valid (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

void
zv_handle_upload_create (ZvRequest *req)
{
  ZvServer *self = req->server;
  JsonObject *body = zv_request_json_object (req);
  g_autoptr(Session) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *location = NULL;
  const char *name, *content_type, *sha256;
  gint64 size, chat_id;
  gboolean ok = TRUE;

  if (body == NULL)
    return;
  name = zv_json_string (body, "name", &ok);
  size = zv_json_int (body, "size", -1, &ok);
  content_type = zv_json_string (body, "content_type", &ok);
  sha256 = zv_json_string (body, "sha256", &ok);
  chat_id = zv_json_int (body, "chat_id", 0, &ok);
  if (!ok || !name_valid (name) || size < 0 ||
      (content_type != NULL && (*content_type == '\0' || strlen (content_type) > 127)) ||
      (sha256 != NULL && !sha256_valid (sha256)))
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST,
                      "Give \"name\" (no slashes, up to 255 bytes) and \"size\" (bytes); \"content_type\", "
                      "\"sha256\" (lowercase hex) and \"chat_id\" are optional");
      return;
    }

  /* Every policy check happens here, before a single byte is sent. */
  if (size > zv_policy_int (self, "max_file_size"))
    {
      zv_reply_error (req, ZV_API_ERROR_TOO_LARGE, "The file is larger than the company allows");
      return;
    }
  if (type_blocked (self, name))
    {
      zv_reply_error (req, ZV_API_ERROR_POLICY_VIOLATION, "Company policy blocks this file type");
      return;
    }
  if (chat_id != 0)
    {
      if (!zv_chat_is_member (self, chat_id, req->user_id))
        {
          zv_reply_error (req, ZV_API_ERROR_FORBIDDEN, "You are not a member of this chat");
          return;
        }
      if (zv_policy_int (self, "external_files_allowed") == 0 && chat_has_external_member (self, chat_id))
        {
          zv_reply_error (req, ZV_API_ERROR_POLICY_VIOLATION,
                          "Company policy forbids files in chats with external contacts");
          return;
        }
    }

  dir = uploads_dir (self);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s", dir);
      zv_reply_internal (req, error);
      return;
    }

  session = g_new0 (Session, 1);
  session->owner = req->user_id;
  session->name = g_strdup (name);
  session->size = size;
  session->content_type = g_strdup (content_type != NULL ? content_type : "application/octet-stream");
  session->sha256 = g_strdup (sha256);
  session->created_at = zv_server_now_ms ();
  /* A random id, claimed by creating its .part file exclusively. */
  for (guint attempt = 0; session->id == 0; attempt++)
    {
      gint64 id = (((gint64) g_random_int () << 21) ^ g_random_int ()) % UPLOAD_ID_MAX;
      g_autofree char *part = NULL;
      int fd;

      if (id <= 0)
        continue;
      part = session_file (self, id, "part");
      fd = g_open (part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd >= 0)
        {
          close (fd);
          session->id = id;
        }
      else if (errno != EEXIST || attempt > 16)
        {
          g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s", part);
          zv_reply_internal (req, error);
          return;
        }
    }
  if (!session_save (self, session, &error))
    {
      session_remove (self, session->id);
      zv_reply_internal (req, error);
      return;
    }

  location = g_strdup_printf ("/api/v1/files/uploads/%" G_GINT64_FORMAT, session->id);
  soup_message_headers_replace (soup_server_message_get_response_headers (req->msg), "Location", location);
  reply_session (req, 201, session);
}

typedef struct {
  ZvServer *server;   /* borrowed */
  gint64    id;
  int       fd;
  gint64    remaining;
  gboolean  claimed;
  gboolean  too_large;
  gboolean  write_failed;
} Patch;

static void
patch_free (Patch *patch)
{
  if (patch->fd >= 0)
    close (patch->fd);
  if (patch->claimed)
    busy_release (patch->server, patch->id);
  g_free (patch);
}

static void
patch_got_chunk (SoupServerMessage *msg,
                 GBytes            *chunk,
                 Patch             *patch)
{
  gsize len;
  const guchar *data = g_bytes_get_data (chunk, &len);

  if (patch->too_large || patch->write_failed)
    return;
  /* Bytes past the declared size are refused; those before them are kept. */
  if ((gint64) len > patch->remaining)
    {
      patch->too_large = TRUE;
      len = (gsize) patch->remaining;
    }
  patch->remaining -= (gint64) len;
  while (len > 0)
    {
      ssize_t written = write (patch->fd, data, len);

      if (written < 0 && errno == EINTR)
        continue;
      if (written <= 0)
        {
          patch->write_failed = TRUE;
          return;
        }
      data += written;
      len -= (gsize) written;
    }
}

static void
early_refuse (ZvServer          *self,
              SoupServerMessage *msg,
              ZvApiError         code,
              const char        *message)
{
  ZvRequest req = { .ref_count = 1, .server = self, .msg = msg };

  zv_reply_error (&req, code, message);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
}

/* PATCH /files/uploads/ID: checked before the body is read (token, owner, offset, size), then the
 * body is streamed to the end of the .part file. Returns FALSE for any other request. */
gboolean
zv_files_upload_patch_early (ZvServer          *self,
                             SoupServerMessage *msg,
                             const char        *path)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *rest = path + strlen ("/api/v1/files/uploads/");
  const char *offset_text;
  g_autoptr(Session) session = NULL;
  g_autofree char *part = NULL;
  gint64 id, offset, claimed_offset, user_id, device_id;
  goffset length;
  ZvApiError code;
  Patch *patch;
  char *end = NULL;

  if (!g_str_equal (soup_server_message_get_method (msg), "PATCH") ||
      !g_str_has_prefix (path, "/api/v1/files/uploads/") || !g_ascii_isdigit (*rest))
    return FALSE;
  id = g_ascii_strtoll (rest, &end, 10);
  if (!(*end == '\0' || g_str_equal (end, "/")))
    return FALSE;

  if (!zv_server_authenticate (self, msg, &user_id, &device_id, &code))
    {
      early_refuse (self, msg, code, "A valid bearer token is required");
      return TRUE;
    }
  session = session_load (self, id);
  if (session == NULL || session->owner != user_id)
    {
      early_refuse (self, msg, ZV_API_ERROR_NOT_FOUND, "No such upload (it may have expired)");
      return TRUE;
    }
  offset_text = soup_message_headers_get_one (headers, "Upload-Offset");
  if (offset_text == NULL || !g_ascii_string_to_signed (offset_text, 10, 0, G_MAXINT64, &claimed_offset, NULL))
    {
      early_refuse (self, msg, ZV_API_ERROR_BAD_REQUEST, "The Upload-Offset header (bytes) is required");
      return TRUE;
    }
  offset = session_offset (self, session);
  if (claimed_offset != offset)
    {
      set_offset_headers (msg, offset, session->size);
      early_refuse (self, msg, ZV_API_ERROR_CONFLICT,
                    "Upload-Offset is not the upload's current offset; ask for it with HEAD");
      return TRUE;
    }
  if (session->file_id > 0)
    return TRUE;   /* finished already: the handler answers with the file */
  length = soup_message_headers_get_content_length (headers);
  if (length > session->size - offset)
    {
      early_refuse (self, msg, ZV_API_ERROR_TOO_LARGE, "The chunk goes past the upload's declared size");
      return TRUE;
    }
  if (!busy_claim (self, id))
    {
      early_refuse (self, msg, ZV_API_ERROR_CONFLICT, "Another request is writing this upload");
      return TRUE;
    }

  patch = g_new0 (Patch, 1);
  patch->server = self;
  patch->id = id;
  patch->claimed = TRUE;
  patch->remaining = session->size - offset;
  part = session_file (self, id, "part");
  patch->fd = g_open (part, O_WRONLY | O_APPEND | O_CLOEXEC, 0600);
  if (patch->fd < 0)
    patch->write_failed = TRUE;
  g_object_set_data_full (G_OBJECT (msg), "zv-upload-patch", patch, (GDestroyNotify) patch_free);
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (patch_got_chunk), patch);
  return TRUE;
}

typedef struct {
  ZvRequest *req;
  Session   *session;
  char      *part;
} Finish;

static void
finish_free (Finish *finish)
{
  g_free (finish->part);
  g_free (finish);
}

static void
hash_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Finish *finish = task_data;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *block = g_malloc (HASH_BLOCK);
  int fd = g_open (finish->part, O_RDONLY | O_CLOEXEC, 0);
  ssize_t n;

  if (fd < 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errno), "cannot open %s", finish->part);
      return;
    }
  while ((n = read (fd, block, HASH_BLOCK)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          close (fd);
          g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved), "cannot read %s", finish->part);
          return;
        }
      g_checksum_update (checksum, block, n);
    }
  close (fd);
  g_task_return_pointer (task, g_strdup (g_checksum_get_string (checksum)), g_free);
}

static void
hashed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Finish *finish = user_data;
  ZvRequest *req = finish->req;
  ZvServer *self = req->server;
  Session *session = finish->session;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(JsonObject) file = NULL;

  if (sha256 == NULL)
    zv_reply_internal (req, error);
  else if (session->sha256 != NULL && !g_str_equal (session->sha256, sha256))
    {
      /* The bytes are not what the client declared: nothing to resume from, start over. */
      session_remove (self, session->id);
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST,
                      "The uploaded bytes do not match the declared sha256; the upload was discarded");
    }
  else if ((file = store_file (self, finish->part, sha256, session->size, session->name,
                               session->content_type, session->owner, &error)) == NULL)
    zv_reply_internal (req, error);
  else
    {
      session->file_id = json_object_get_int_member (file, "id");
      if (!session_save (self, session, &error))
        zv_reply_internal (req, error);
      else
        reply_session (req, 200, session);
    }

  busy_release (self, session->id);
  soup_server_message_unpause (req->msg);
  session_free (session);
  zv_request_unref (req);
  finish_free (finish);
}

/* All bytes are in: hash them off the main loop (100 MB take a while), then store the file once. */
static void
finish_upload (ZvRequest *req,
               Session   *session)
{
  Finish *finish = g_new0 (Finish, 1);
  g_autoptr(GTask) task = NULL;

  finish->req = zv_request_ref (req);
  finish->session = session;
  finish->part = session_file (req->server, session->id, "part");
  soup_server_message_pause (req->msg);
  task = g_task_new (NULL, NULL, hashed_cb, finish);
  g_task_set_source_tag (task, finish_upload);
  g_task_set_task_data (task, finish, NULL);
  g_task_run_in_thread (task, hash_thread);
}

void
zv_handle_upload_patch (ZvRequest *req)
{
  Patch *patch = g_object_get_data (G_OBJECT (req->msg), "zv-upload-patch");
  g_autoptr(Session) session = load_own_session (req);
  g_autoptr(GError) error = NULL;

  if (session == NULL)
    return;
  if (session->file_id > 0)
    {
      reply_session (req, 200, session);
      return;
    }
  if (patch == NULL)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "upload state missing");
      zv_reply_internal (req, error);
      return;
    }
  if (patch->write_failed || fsync (patch->fd) != 0)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write upload %" G_GINT64_FORMAT, session->id);
      zv_reply_internal (req, error);
      return;
    }
  if (patch->too_large)
    {
      set_offset_headers (req->msg, session_offset (req->server, session), session->size);
      zv_reply_error (req, ZV_API_ERROR_TOO_LARGE, "The chunk goes past the upload's declared size");
      return;
    }
  if (session_offset (req->server, session) < session->size)
    {
      set_offset_headers (req->msg, session_offset (req->server, session), session->size);
      soup_server_message_set_status (req->msg, 204, NULL);
      return;
    }
  /* The session stays claimed (busy) through hashing; the Patch no longer owns the claim. */
  patch->claimed = FALSE;
  finish_upload (req, g_steal_pointer (&session));
}

void
zv_handle_upload_status (ZvRequest *req)
{
  g_autoptr(Session) session = load_own_session (req);

  if (session == NULL)
    return;
  /* Every byte is in but the answer that finished it was lost (or never sent): finish now. */
  if (session->file_id == 0 && session_offset (req->server, session) == session->size &&
      busy_claim (req->server, session->id))
    {
      finish_upload (req, g_steal_pointer (&session));
      return;
    }
  reply_session (req, 200, session);
}

void
zv_handle_upload_delete (ZvRequest *req)
{
  g_autoptr(Session) session = load_own_session (req);

  if (session == NULL)
    return;
  if (!busy_claim (req->server, session->id))
    {
      zv_reply_error (req, ZV_API_ERROR_CONFLICT, "Another request is writing this upload");
      return;
    }
  session_remove (req->server, session->id);
  busy_release (req->server, session->id);
  soup_server_message_set_status (req->msg, 204, NULL);
}

/* Drops sessions older than a day (finished ones too: their file lives on). Runs when the server
 * starts and then at most hourly, from the housekeeping tick. */
void
zv_files_uploads_cleanup (ZvServer *self)
{
  gint64 *last = g_object_get_data (G_OBJECT (self), "zv-uploads-cleaned");
  gint64 now = g_get_monotonic_time ();
  gint64 now_ms = zv_server_now_ms ();
  g_autofree char *dir_path = uploads_dir (self);
  g_autoptr(GDir) dir = NULL;
  const char *entry;
  guint removed = 0;

  if (last != NULL && now - *last < UPLOAD_CLEANUP_INTERVAL_US)
    return;
  if (last == NULL)
    {
      last = g_new0 (gint64, 1);
      g_object_set_data_full (G_OBJECT (self), "zv-uploads-cleaned", last, g_free);
    }
  *last = now;

  dir = g_dir_open (dir_path, 0, NULL);
  if (dir == NULL)
    return;
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, entry, NULL);
      char *end = NULL;
      gint64 id = g_ascii_strtoll (entry, &end, 10);
      g_autoptr(Session) session = NULL;
      GStatBuf st;

      if (id <= 0 || end == NULL || !(g_str_equal (end, ".json") || g_str_equal (end, ".part")))
        continue;
      if (g_hash_table_contains (busy_set (self), &id))
        continue;
      session = session_load (self, id);
      if (session != NULL)
        {
          if (g_str_equal (end, ".json") && now_ms - session->created_at > UPLOAD_TTL_MS)
            {
              session_remove (self, id);
              removed++;
            }
        }
      else if (g_stat (path, &st) == 0 && now_ms / 1000 - (gint64) st.st_mtime > UPLOAD_TTL_MS / 1000)
        {
          /* Debris without (readable) metadata, e.g. from a crash between the two files. */
          g_unlink (path);
          removed++;
        }
    }
  if (removed > 0)
    g_message ("uploads: removed %u expired", removed);
}
