/* zv-upload.c: ZvUpload uploads one local file through a resumable upload session of the server
 * (POST /files/uploads, then PATCH chunks at the current offset, see docs/api.md "Files").
 *
 * The file is read chunk by chunk with GIO's async I/O, so neither the main thread blocks on the
 * disk nor the whole file sits in memory. Whoever owns the upload records the session id as soon as
 * it is known (notify::upload-id): a new ZvUpload given that id after a crash or a restart asks the
 * server for its offset and sends only the rest. Any doubt (a lost answer, 409, an expired token)
 * is settled the same way: ask the server where the upload stands, then go on from there.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "zv-error.h"
#include "zv-json.h"
#include "zv-upload.h"

/* Consecutive failed steps (chunks or status questions) before giving up for this run. */
#define MAX_RETRIES 3

struct _ZvUpload
{
  GObject    parent_instance;

  /* owned */
  ZvAccount *account;
  char      *path;
  char      *name;

  gint64     chat_id;
  gint64     upload_id;
  gint64     size;
  gint64     offset;
  guint64    bytes_sent;
  double     progress;
};

G_DEFINE_FINAL_TYPE (ZvUpload, zv_upload, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PROGRESS,
  PROP_UPLOAD_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct {
  GInputStream *stream;
  guint8       *buffer;
  gsize         chunk_len;
  SoupMessage  *message;
  guint         retries;
} Run;

static void
run_free (Run *run)
{
  if (run->stream != NULL)
    g_input_stream_close (run->stream, NULL, NULL);
  g_clear_object (&run->stream);
  g_clear_object (&run->message);
  g_free (run->buffer);
  g_free (run);
}

static void
set_upload_id (ZvUpload *self,
               gint64    upload_id)
{
  if (self->upload_id == upload_id)
    return;
  self->upload_id = upload_id;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPLOAD_ID]);
}

static void
set_offset (ZvUpload *self,
            gint64    offset)
{
  double progress;

  self->offset = offset;
  progress = self->size > 0 ? (double) offset / (double) self->size : 1.0;
  if (progress == self->progress)
    return;
  self->progress = progress;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

/* A local file that vanished, shrank or cannot be read will not get better by retrying. */
static void
return_local_error (GTask        *task,
                    const GError *error)
{
  ZvUpload *self = g_task_get_source_object (task);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_BAD_REQUEST,
                             _("Cannot read the file “%s”: %s"), self->path, error->message);
}

static void send_next (GTask *task);
static void create_session (GTask *task);

/* Reads the status answer (or a finishing PATCH answer): the file when it is complete, else goes
 * on from the server's offset. Takes over @task unless it returns FALSE with @error set. */
static gboolean
apply_status (GTask      *task,
              JsonObject *status,
              GError    **error)
{
  ZvUpload *self = g_task_get_source_object (task);
  JsonNode *file = json_object_get_member (status, "file");
  gint64 offset;

  if (file != NULL && JSON_NODE_HOLDS_OBJECT (file))
    {
      set_offset (self, self->size);
      g_task_return_pointer (task, json_object_ref (json_node_get_object (file)), (GDestroyNotify) json_object_unref);
      g_object_unref (task);
      return TRUE;
    }
  if (!zv_json_get_int (status, "offset", &offset, error))
    return FALSE;
  if (offset < 0 || offset > self->size)
    {
      g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                   _("The server reports an upload offset outside the file"));
      return FALSE;
    }
  set_offset (self, offset);
  send_next (task);
  return TRUE;
}

static void
status_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvUpload *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);

  if (g_error_matches (error, ZV_API_ERROR, ZV_API_ERROR_NOT_FOUND))
    {
      /* Expired (a day) or never finished creating: start a new session from the first byte. */
      set_upload_id (self, 0);
      create_session (g_steal_pointer (&task));
      return;
    }
  if (node != NULL && !JSON_NODE_HOLDS_OBJECT (node))
    g_set_error_literal (&error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                         _("The server's answer is not a JSON object"));
  if (error == NULL && apply_status (task, json_node_get_object (node), &error))
    g_steal_pointer (&task);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
ask_status (GTask *task)
{
  ZvUpload *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autofree char *path = g_strdup_printf ("/files/uploads/%" G_GINT64_FORMAT, self->upload_id);

  if (++run->retries > MAX_RETRIES)
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_UNAVAILABLE,
                               _("The upload of “%s” makes no progress; it will be retried later"), self->name);
      g_object_unref (task);
      return;
    }
  /* Through the account: an expired token is refreshed here, before the next chunk. */
  zv_account_call_async (self->account, "GET", path, NULL, g_task_get_cancellable (task), status_cb, task);
}

static void
created_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvUpload *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);
  gint64 upload_id;

  if (node != NULL && !JSON_NODE_HOLDS_OBJECT (node))
    g_set_error_literal (&error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                         _("The server's answer is not a JSON object"));
  if (error != NULL || !zv_json_get_int (json_node_get_object (node), "upload_id", &upload_id, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  set_upload_id (self, upload_id);
  if (apply_status (task, json_node_get_object (node), &error))
    g_steal_pointer (&task);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
create_session (GTask *task)
{
  ZvUpload *self = g_task_get_source_object (task);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *content_type = g_content_type_guess (self->name, NULL, 0, NULL);
  g_autofree char *mime = g_content_type_get_mime_type (content_type);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, self->name);
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, self->size);
  if (mime != NULL)
    {
      json_builder_set_member_name (builder, "content_type");
      json_builder_add_string_value (builder, mime);
    }
  if (self->chat_id > 0)
    {
      /* Lets the server apply the external-contacts rule before a byte is sent. */
      json_builder_set_member_name (builder, "chat_id");
      json_builder_add_int_value (builder, self->chat_id);
    }
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  zv_account_call_async (self->account, "POST", "/files/uploads", body, g_task_get_cancellable (task),
                         created_cb, task);
}

static void
patched_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvUpload *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = zv_api_send_finish (ZV_API (object), result, &error);
  const char *answered;
  gint64 offset;

  if (node == NULL)
    {
      gboolean retry = zv_api_error_is_transient (error) ||
                       g_error_matches (error, ZV_API_ERROR, ZV_API_ERROR_CONFLICT) ||
                       g_error_matches (error, ZV_API_ERROR, ZV_API_ERROR_TOKEN_EXPIRED) ||
                       g_error_matches (error, ZV_API_ERROR, ZV_API_ERROR_UNAUTHORIZED);

      if (retry && !g_error_matches (error, ZV_API_ERROR, ZV_API_ERROR_NETWORK))
        ask_status (g_steal_pointer (&task));
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  self->bytes_sent += run->chunk_len;
  run->retries = 0;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      if (apply_status (task, json_node_get_object (node), &error))
        g_steal_pointer (&task);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  answered = soup_message_headers_get_one (soup_message_get_response_headers (run->message), "Upload-Offset");
  if (answered == NULL || !g_ascii_string_to_signed (answered, 10, 0, self->size, &offset, NULL))
    {
      ask_status (g_steal_pointer (&task));
      return;
    }
  set_offset (self, offset);
  send_next (g_steal_pointer (&task));
}

static void
chunk_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvUpload *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  ZvApi *api = zv_account_get_api (self->account);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *offset = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GCancellable *cancellable;
  gsize got = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (object), result, &got, &error))
    {
      return_local_error (task, error);
      return;
    }
  if (got != run->chunk_len)
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_BAD_REQUEST,
                               _("The file “%s” changed while it was being sent"), self->path);
      return;
    }
  if (api == NULL)
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_UNAUTHORIZED,
                               _("No account is signed in on this device"));
      return;
    }

  path = g_strdup_printf ("/files/uploads/%" G_GINT64_FORMAT, self->upload_id);
  g_clear_object (&run->message);
  run->message = zv_api_new_message (api, "PATCH", path, &error);
  if (run->message == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  offset = g_strdup_printf ("%" G_GINT64_FORMAT, self->offset);
  soup_message_headers_replace (soup_message_get_request_headers (run->message), "Upload-Offset", offset);
  bytes = g_bytes_new (run->buffer, got);
  soup_message_set_request_body_from_bytes (run->message, "application/offset+octet-stream", bytes);
  cancellable = g_task_get_cancellable (task);
  zv_api_send_async (api, run->message, cancellable, patched_cb, g_steal_pointer (&task));
}

static void
send_next (GTask *task)
{
  ZvUpload *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (self->offset >= self->size)
    {
      /* Every byte is there but the answer that finished it was lost: the server finishes it now. */
      ask_status (task);
      return;
    }
  if (!g_seekable_seek (G_SEEKABLE (run->stream), self->offset, G_SEEK_SET, NULL, &error))
    {
      return_local_error (task, error);
      g_object_unref (task);
      return;
    }
  run->chunk_len = (gsize) MIN ((gint64) ZV_UPLOAD_CHUNK_SIZE, self->size - self->offset);
  g_input_stream_read_all_async (run->stream, run->buffer, run->chunk_len, G_PRIORITY_DEFAULT,
                                 g_task_get_cancellable (task), chunk_read_cb, task);
}

static void
opened_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvUpload *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  run->stream = G_INPUT_STREAM (g_file_read_finish (G_FILE (object), result, &error));
  if (run->stream == NULL)
    {
      return_local_error (task, error);
      return;
    }
  if (self->upload_id > 0)
    ask_status (g_steal_pointer (&task));
  else
    create_session (g_steal_pointer (&task));
}

static void
info_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvUpload *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = g_file_query_info_finish (G_FILE (object), result, &error);
  GCancellable *cancellable;

  if (info == NULL)
    {
      return_local_error (task, error);
      return;
    }
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_BAD_REQUEST,
                               _("“%s” is not a regular file"), self->path);
      return;
    }
  self->size = g_file_info_get_size (info);
  cancellable = g_task_get_cancellable (task);
  g_file_read_async (G_FILE (object), G_PRIORITY_DEFAULT, cancellable, opened_cb, g_steal_pointer (&task));
}

/**
 * zv_upload_run_async:
 *
 * Uploads the file, resuming the session given to zv_upload_new() when there is one. Finishes with
 * the server's file object (id, sha256, size, name, content_type).
 */
void
zv_upload_run_async (ZvUpload            *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GFile) file = NULL;
  Run *run;

  g_return_if_fail (ZV_IS_UPLOAD (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zv_upload_run_async);
  run = g_new0 (Run, 1);
  run->buffer = g_malloc (ZV_UPLOAD_CHUNK_SIZE);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  file = g_file_new_for_path (self->path);
  g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_SIZE "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                           G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT, cancellable, info_cb,
                           g_steal_pointer (&task));
}

/* Returns: (transfer full): the server's file object. */
JsonObject *
zv_upload_run_finish (ZvUpload      *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

ZvUpload *
zv_upload_new (ZvAccount  *account,
               const char *path,
               const char *name,
               gint64      chat_id,
               gint64      upload_id)
{
  ZvUpload *self;

  g_return_val_if_fail (ZV_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (ZV_TYPE_UPLOAD, NULL);
  self->account = g_object_ref (account);
  self->path = g_strdup (path);
  self->name = name != NULL ? g_strdup (name) : g_path_get_basename (path);
  self->chat_id = chat_id;
  self->upload_id = upload_id;
  return self;
}

const char *
zv_upload_get_path (ZvUpload *self)
{
  g_return_val_if_fail (ZV_IS_UPLOAD (self), NULL);
  return self->path;
}

gint64
zv_upload_get_upload_id (ZvUpload *self)
{
  g_return_val_if_fail (ZV_IS_UPLOAD (self), 0);
  return self->upload_id;
}

double
zv_upload_get_progress (ZvUpload *self)
{
  g_return_val_if_fail (ZV_IS_UPLOAD (self), 0.0);
  return self->progress;
}

gint64
zv_upload_get_offset (ZvUpload *self)
{
  g_return_val_if_fail (ZV_IS_UPLOAD (self), 0);
  return self->offset;
}

/* Bytes this object sent (not those a previous run already had on the server). */
guint64
zv_upload_get_bytes_sent (ZvUpload *self)
{
  g_return_val_if_fail (ZV_IS_UPLOAD (self), 0);
  return self->bytes_sent;
}

static void
zv_upload_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  ZvUpload *self = ZV_UPLOAD (object);

  switch (prop_id)
    {
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_UPLOAD_ID:
      g_value_set_int64 (value, self->upload_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_upload_finalize (GObject *object)
{
  ZvUpload *self = ZV_UPLOAD (object);

  g_clear_object (&self->account);
  g_free (self->path);
  g_free (self->name);

  G_OBJECT_CLASS (zv_upload_parent_class)->finalize (object);
}

static void
zv_upload_class_init (ZvUploadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = zv_upload_get_property;
  object_class->finalize = zv_upload_finalize;

  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_UPLOAD_ID] =
    g_param_spec_int64 ("upload-id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zv_upload_init (ZvUpload *self)
{
}
