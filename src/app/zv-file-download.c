/* zv-file-download.c: downloads one attachment for the app (open, save, thumbnails).
 *
 * The same protocol as `zveno-cli download`: the file's meta first (size and sha256, through the
 * account so an expired token is refreshed), then the bytes in Range pieces, so no answer is larger
 * than the API's size cap and a dropped connection costs one piece. The bytes go to DEST.part and
 * are renamed to DEST only when their sha256 matches, so a file in the cache is always complete.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-api.h"
#include "zv-error.h"
#include "zv-file-download.h"
#include "zv-json.h"

#define PIECE (4 * 1024 * 1024)
#define MAX_RETRIES 3

typedef struct {
  ZvAccount         *account;
  gint64             file_id;
  char              *destination;
  char              *partial;
  char              *sha256;
  GFileOutputStream *out;
  GChecksum         *checksum;
  gint64             size;
  gint64             offset;
  guint              retries;
} Download;

static void
download_free (Download *download)
{
  g_clear_object (&download->account);
  g_clear_object (&download->out);
  g_clear_pointer (&download->checksum, g_checksum_free);
  g_free (download->destination);
  g_free (download->partial);
  g_free (download->sha256);
  g_free (download);
}

/**
 * zv_file_download_cache_path:
 *
 * Where an attachment lives in the cache: one directory per file id, the file under its own name
 * (so "Open" shows the right name in the viewer).
 */
char *
zv_file_download_cache_path (gint64      file_id,
                             const char *name)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, file_id);
  g_autofree char *base = g_path_get_basename (name != NULL && *name != '\0' ? name : "file");

  /* A name of "." or "/" must not climb out of the directory. */
  if (g_str_equal (base, ".") || g_str_equal (base, "..") || g_str_equal (base, G_DIR_SEPARATOR_S))
    {
      g_free (base);
      base = g_strdup ("file");
    }
  return g_build_filename (g_get_user_cache_dir (), "zveno", "files", id, base, NULL);
}

static void request_piece (GTask *task);

static void
finish_file (GTask *task)
{
  Download *download = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) partial = g_file_new_for_path (download->partial);
  g_autoptr(GFile) destination = g_file_new_for_path (download->destination);

  if (!g_output_stream_close (G_OUTPUT_STREAM (download->out), NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_strcmp0 (g_checksum_get_string (download->checksum), download->sha256) != 0)
    {
      g_file_delete (partial, NULL, NULL);
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE, "%s",
                               _("The downloaded file does not match the server's checksum"));
      return;
    }
  if (!g_file_move (partial, destination, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
meta_again_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) meta = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);

  if (meta == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    request_piece (g_steal_pointer (&task));
}

static void
piece_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *download = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = zv_api_send_finish_bytes (ZV_API (object), result, &error);
  gsize length = 0;
  const guint8 *data;

  if (bytes == NULL)
    {
      g_autofree char *meta_path = NULL;

      /* An expired token or a dropped connection: a call through the account refreshes the token,
       * then the piece is asked for again. */
      if (g_task_return_error_if_cancelled (task))
        return;
      if (++download->retries > MAX_RETRIES ||
          !(zv_api_error_is_transient (error) || g_error_matches (error, ZV_API_ERROR, ZV_API_ERROR_TOKEN_EXPIRED)))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      meta_path = g_strdup_printf ("/files/%" G_GINT64_FORMAT "/meta", download->file_id);
      {
        GCancellable *cancellable = g_task_get_cancellable (task);

        zv_account_call_async (download->account, "GET", meta_path, NULL, cancellable,
                               meta_again_cb, g_steal_pointer (&task));
      }
      return;
    }
  download->retries = 0;
  data = g_bytes_get_data (bytes, &length);
  if (length == 0 || download->offset + (gint64) length > download->size)
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE, "%s",
                               _("The server sent a piece of the file that does not fit"));
      return;
    }
  if (!g_output_stream_write_all (G_OUTPUT_STREAM (download->out), data, length, NULL, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_checksum_update (download->checksum, data, (gssize) length);
  download->offset += (gint64) length;
  if (download->offset >= download->size)
    finish_file (task);
  else
    request_piece (g_steal_pointer (&task));
}

static void
request_piece (GTask *task)
{
  Download *download = g_task_get_task_data (task);
  ZvApi *api = zv_account_get_api (download->account);
  g_autofree char *path = g_strdup_printf ("/files/%" G_GINT64_FORMAT, download->file_id);
  g_autofree char *range = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT, download->offset,
                                            MIN (download->size, download->offset + PIECE) - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) message = zv_api_new_message (api, "GET", path, &error);

  if (message == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  soup_message_headers_replace (soup_message_get_request_headers (message), "Range", range);
  zv_api_send_async (api, message, g_task_get_cancellable (task), piece_cb, task);
}

static void
meta_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Download *download = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) meta = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);
  g_autoptr(GFile) partial = NULL;
  g_autoptr(GFile) directory = NULL;
  const char *sha256;

  if (meta == NULL || !JSON_NODE_HOLDS_OBJECT (meta) ||
      !zv_json_get_int (json_node_get_object (meta), "size", &download->size, &error) ||
      (sha256 = zv_json_get_string (json_node_get_object (meta), "sha256", &error)) == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                             _("The server's answer is not a JSON object"));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  download->sha256 = g_strdup (sha256);
  partial = g_file_new_for_path (download->partial);
  directory = g_file_get_parent (partial);
  if (!g_file_make_directory_with_parents (directory, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_clear_error (&error);
  download->out = g_file_replace (partial, NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL, &error);
  if (download->out == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  download->checksum = g_checksum_new (G_CHECKSUM_SHA256);
  if (download->size == 0)
    finish_file (task);
  else
    request_piece (g_steal_pointer (&task));
}

/**
 * zv_file_download_async:
 * @destination: the file to write (its directory is made if needed)
 *
 * Downloads attachment @file_id. Finish with zv_file_download_finish().
 */
void
zv_file_download_async (ZvAccount           *account,
                        gint64               file_id,
                        const char          *destination,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *meta_path = NULL;
  Download *download;

  g_return_if_fail (ZV_IS_ACCOUNT (account));
  g_return_if_fail (destination != NULL);

  task = g_task_new (account, cancellable, callback, user_data);
  g_task_set_source_tag (task, zv_file_download_async);
  download = g_new0 (Download, 1);
  download->account = g_object_ref (account);
  download->file_id = file_id;
  download->destination = g_strdup (destination);
  download->partial = g_strconcat (destination, ".part", NULL);
  g_task_set_task_data (task, download, (GDestroyNotify) download_free);

  meta_path = g_strdup_printf ("/files/%" G_GINT64_FORMAT "/meta", file_id);
  zv_account_call_async (account, "GET", meta_path, NULL, cancellable, meta_cb, g_steal_pointer (&task));
}

gboolean
zv_file_download_finish (ZvAccount     *account,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, account), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
