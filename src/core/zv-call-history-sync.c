/* zv-call-history-sync.c: ZvCallHistory and the server: a call of this computer shown at once and
 * reported (POST /calls), the history fetched (GET /calls, newest pages until the known calls) with
 * the still unreported calls posted again, and the user's notes on a call (POST /calls/{id}/notes).
 * What the server answers is stored through zv-call-history.c's writer. */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "zv-call-history-private.h"
#include "zv-error.h"
#include "zv-json.h"

#define PAGE_SIZE 200
#define MAX_PAGES 10

/* ---- report a call of this computer ------------------------------------------------------------- */

static char *
iso_time (gint64 ms)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (ms / 1000);
  g_autoptr(GDateTime) exact = g_date_time_add (time, (ms % 1000) * 1000);
  g_autofree char *base = g_date_time_format (exact, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", base, (int) (ms % 1000));
}

static JsonNode *
report_body (const ZvCallHistoryRow *row)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *started = iso_time (row->started_at);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "sip_call_id");
  json_builder_add_string_value (builder, row->sip_call_id);
  json_builder_set_member_name (builder, "direction");
  json_builder_add_string_value (builder, row->direction);
  json_builder_set_member_name (builder, "peer_number");
  json_builder_add_string_value (builder, row->peer_number);
  json_builder_set_member_name (builder, "started_at");
  json_builder_add_string_value (builder, started);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, row->status);
  if (row->peer_name != NULL && *row->peer_name != '\0')
    {
      json_builder_set_member_name (builder, "peer_name");
      json_builder_add_string_value (builder, row->peer_name);
    }
  if (row->caller_id != NULL && *row->caller_id != '\0')
    {
      json_builder_set_member_name (builder, "caller_id");
      json_builder_add_string_value (builder, row->caller_id);
    }
  if (row->answered_at > 0)
    {
      g_autofree char *answered = iso_time (row->answered_at);

      json_builder_set_member_name (builder, "answered_at");
      json_builder_add_string_value (builder, answered);
    }
  if (row->ended_at > 0)
    {
      g_autofree char *ended = iso_time (row->ended_at);

      json_builder_set_member_name (builder, "ended_at");
      json_builder_add_string_value (builder, ended);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

typedef struct {
  ZvAccount *account;
  ZvCallHistoryRow   *row;
  gint64     server_id;
} ReportData;

static void
report_data_free (ReportData *data)
{
  g_clear_object (&data->account);
  g_clear_pointer (&data->row, zv_call_history_row_free);
  g_free (data);
}

static void
report_stored_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvCallHistory *self = g_task_get_source_object (task);
  ReportData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!zv_store_write_finish (ZV_STORE (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  zv_call_history_refresh_or_warn (self);
  g_task_return_int (task, data->server_id);
}

static void
report_posted_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvCallHistory *self = g_task_get_source_object (task);
  ReportData *data = g_task_get_task_data (task);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_call_history_row_free);
  g_autoptr(JsonNode) answer = NULL;
  GCancellable *cancellable;
  GError *error = NULL;
  ZvCallHistoryRow *row;

  answer = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);
  if (answer == NULL)
    {
      /* The local row stays (reported = 0); the next fetch posts it again. */
      g_task_return_error (task, error);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (answer) || (row = zv_call_history_row_from_json (json_node_get_object (answer), &error)) == NULL)
    {
      if (error == NULL)
        error = g_error_new_literal (ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE, _("POST /calls did not answer a call."));
      g_task_return_error (task, error);
      return;
    }
  data->server_id = row->id;
  g_ptr_array_add (rows, row);
  /* Read before the task is handed over: arguments are evaluated in no set order. */
  cancellable = g_task_get_cancellable (task);
  zv_call_history_write_rows_async (self, rows, cancellable, report_stored_cb, g_steal_pointer (&task));
}

static void
post_report (GTask *task)
{
  ReportData *data = g_task_get_task_data (task);
  g_autoptr(JsonNode) body = report_body (data->row);

  zv_account_call_async (data->account, "POST", "/calls", body, g_task_get_cancellable (task),
                         report_posted_cb, task);
}

static void
report_local_written_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvCallHistory *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!zv_store_write_finish (ZV_STORE (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  zv_call_history_refresh_or_warn (self);
  post_report (g_steal_pointer (&task));
}

/**
 * zv_call_history_report_async:
 *
 * Records a call of this computer in the history at once, then tells the server (POST /calls; the
 * same sip_call_id again updates the server's record). Reporting a call at its start and again at
 * its end is the intended use. Finishes with the server's id of the call.
 */
void
zv_call_history_report_async (ZvCallHistory       *self,
                              ZvAccount           *account,
                              const ZvCallReport  *report,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  ReportData *data;
  ZvCallHistoryRow *row;

  g_return_if_fail (ZV_IS_CALL_HISTORY (self));
  g_return_if_fail (ZV_IS_ACCOUNT (account));
  g_return_if_fail (report != NULL && report->sip_call_id != NULL && report->started_at > 0);

  row = g_new0 (ZvCallHistoryRow, 1);
  row->local = TRUE;
  row->sip_call_id = g_strdup (report->sip_call_id);
  row->direction = g_strdup (report->incoming ? "in" : "out");
  row->peer_number = g_strdup (report->peer_number != NULL ? report->peer_number : "");
  row->peer_name = g_strdup (report->peer_name);
  row->caller_id = g_strdup (report->caller_id);
  row->status = g_strdup (zv_call_status_to_string (report->status));
  row->started_at = report->started_at;
  row->answered_at = report->answered_at;
  row->ended_at = report->ended_at;
  row->duration = report->answered_at > 0 && report->ended_at > report->answered_at
                  ? (report->ended_at - report->answered_at) / 1000 : 0;

  data = g_new0 (ReportData, 1);
  data->account = g_object_ref (account);
  data->row = row;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zv_call_history_report_async);
  g_task_set_task_data (task, data, (GDestroyNotify) report_data_free);
  g_ptr_array_add (rows, row);
  zv_call_history_write_rows_async (self, rows, cancellable, report_local_written_cb, g_steal_pointer (&task));
}

gint64
zv_call_history_report_finish (ZvCallHistory  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  return g_task_propagate_int (G_TASK (result), error);
}

/* ---- fetch: GET /calls, newest first, then post what is still unreported -------------------------- */

typedef struct {
  ZvAccount *account;
  gint64     known_max;     /* the newest server id the cache held before */
  guint      pages;
  GQueue     pending;       /* ZvCallHistoryRow, local rows to post again */
  GPtrArray *accepted;      /* ZvCallHistoryRow, the server's copies of those it accepted */
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  g_clear_object (&data->account);
  g_queue_clear_full (&data->pending, (GDestroyNotify) zv_call_history_row_free);
  g_clear_pointer (&data->accepted, g_ptr_array_unref);
  g_free (data);
}

static void fetch_page (GTask *task, gint64 before);
static void post_next_pending (GTask *task);

static void
pending_posted_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  FetchData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);
  ZvCallHistoryRow *row;

  if (answer == NULL)
    {
      /* Still offline (or refused): the rest waits for the next fetch; what was fetched stands. */
      g_debug ("call history: a call is still not on the server: %s", error->message);
      g_queue_clear_full (&data->pending, (GDestroyNotify) zv_call_history_row_free);
    }
  else if (JSON_NODE_HOLDS_OBJECT (answer) && (row = zv_call_history_row_from_json (json_node_get_object (answer), NULL)) != NULL)
    g_ptr_array_add (data->accepted, row);
  post_next_pending (task);
}

static void
accepted_written_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!zv_store_write_finish (ZV_STORE (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  zv_call_history_refresh_or_warn (g_task_get_source_object (task));
  g_task_return_boolean (task, TRUE);
}

static void
post_next_pending (GTask *task)
{
  FetchData *data = g_task_get_task_data (task);
  g_autoptr(ZvCallHistoryRow) row = g_queue_pop_head (&data->pending);
  g_autoptr(JsonNode) body = NULL;

  if (row == NULL)
    {
      zv_call_history_write_rows_async (g_task_get_source_object (task), data->accepted, g_task_get_cancellable (task),
                        accepted_written_cb, task);
      return;
    }
  body = report_body (row);
  zv_account_call_async (data->account, "POST", "/calls", body, g_task_get_cancellable (task),
                         pending_posted_cb, task);
}

static void
queue_unreported (ZvCallHistory *self,
                  FetchData     *data)
{
  ZvDb *db = zv_store_get_reader (self->store);
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;

  stmt = zv_db_prepare (db, "SELECT sip_call_id, direction, peer_number, peer_name, caller_id, status, "
                            "started_at, coalesce(answered_at, 0), coalesce(ended_at, 0) "
                            "FROM calls WHERE reported = 0 ORDER BY id", &error);
  if (stmt == NULL)
    {
      g_warning ("Could not read the unreported calls: %s", error->message);
      return;
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      ZvCallHistoryRow *row = g_new0 (ZvCallHistoryRow, 1);

      row->local = TRUE;
      row->sip_call_id = g_strdup (zv_db_column_text (stmt, 0));
      row->direction = g_strdup (zv_db_column_text (stmt, 1));
      row->peer_number = g_strdup (zv_db_column_text (stmt, 2));
      row->peer_name = g_strdup (zv_db_column_text (stmt, 3));
      row->caller_id = g_strdup (zv_db_column_text (stmt, 4));
      row->status = g_strdup (zv_db_column_text (stmt, 5));
      row->started_at = sqlite3_column_int64 (stmt, 6);
      row->answered_at = sqlite3_column_int64 (stmt, 7);
      row->ended_at = sqlite3_column_int64 (stmt, 8);
      g_queue_push_tail (&data->pending, row);
    }
  sqlite3_reset (stmt);
}

static void
page_written_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  ZvCallHistory *self = g_task_get_source_object (task);
  FetchData *data = g_task_get_task_data (task);
  GPtrArray *rows = g_object_get_data (G_OBJECT (task), "rows");
  gboolean more = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "more"));
  GError *error = NULL;
  gint64 oldest = G_MAXINT64;

  if (!zv_store_write_finish (ZV_STORE (object), result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  zv_call_history_refresh_or_warn (self);
  for (guint i = 0; i < rows->len; i++)
    oldest = MIN (oldest, ((ZvCallHistoryRow *) g_ptr_array_index (rows, i))->id);
  /* Older pages only while they may hold calls the cache has not seen; changes to known calls
   * arrive as call.updated. */
  if (more && rows->len > 0 && oldest > data->known_max && ++data->pages < MAX_PAGES)
    {
      fetch_page (task, oldest);
      return;
    }
  queue_unreported (self, data);
  post_next_pending (task);
}

static void
page_fetched_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  ZvCallHistory *self = g_task_get_source_object (task);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_call_history_row_free);
  GError *error = NULL;
  JsonArray *calls;
  gboolean more = FALSE;

  answer = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);
  if (answer == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (answer))
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE, _("GET /calls did not answer an object."));
      g_object_unref (task);
      return;
    }
  calls = zv_json_get_array (json_node_get_object (answer), "calls", TRUE, &error);
  if (calls == NULL || !zv_json_get_bool (json_node_get_object (answer), "more", FALSE, &more, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  for (guint i = 0; i < json_array_get_length (calls); i++)
    {
      JsonObject *call = zv_json_array_get_object (calls, i, "calls", &error);
      ZvCallHistoryRow *row = call != NULL ? zv_call_history_row_from_json (call, &error) : NULL;

      if (row == NULL)
        {
          g_task_return_error (task, error);
          g_object_unref (task);
          return;
        }
      g_ptr_array_add (rows, row);
    }
  g_object_set_data_full (G_OBJECT (task), "rows", g_ptr_array_ref (rows), (GDestroyNotify) g_ptr_array_unref);
  g_object_set_data (G_OBJECT (task), "more", GINT_TO_POINTER (more));
  zv_call_history_write_rows_async (self, rows, g_task_get_cancellable (task), page_written_cb, task);
}

static void
fetch_page (GTask  *task,
            gint64  before)
{
  FetchData *data = g_task_get_task_data (task);
  g_autofree char *path = NULL;

  if (before > 0)
    path = g_strdup_printf ("/calls?limit=%d&before=%" G_GINT64_FORMAT, PAGE_SIZE, before);
  else
    path = g_strdup_printf ("/calls?limit=%d", PAGE_SIZE);
  zv_account_call_async (data->account, "GET", path, NULL, g_task_get_cancellable (task), page_fetched_cb, task);
}

static gboolean
write_first_seen_at (ZvDb            *db,
                     gpointer         data,
                     ZvStoreChanges  *changes,
                     GError         **error)
{
  sqlite3_stmt *stmt = zv_db_prepare (db, "SELECT 1 FROM meta WHERE key = 'calls_seen_at'", error);
  g_autofree char *value = NULL;
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_ROW)
    return TRUE;
  /* A new cache: calls missed before this computer was signed in are history, not news. */
  value = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / 1000);
  return zv_store_set_meta (db, "calls_seen_at", value, error);
}

static void
first_seen_written_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!zv_store_write_finish (ZV_STORE (object), result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  fetch_page (task, 0);
}

/**
 * zv_call_history_fetch_async:
 *
 * Brings the history up to date with the server (GET /calls, newest pages until the known calls)
 * and posts the calls of this computer the server does not have yet.
 */
void
zv_call_history_fetch_async (ZvCallHistory       *self,
                             ZvAccount           *account,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;
  FetchData *data;
  sqlite3_stmt *stmt;

  g_return_if_fail (ZV_IS_CALL_HISTORY (self));
  g_return_if_fail (ZV_IS_ACCOUNT (account));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zv_call_history_fetch_async);
  data = g_new0 (FetchData, 1);
  data->account = g_object_ref (account);
  g_queue_init (&data->pending);
  data->accepted = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_call_history_row_free);
  g_task_set_task_data (task, data, (GDestroyNotify) fetch_data_free);

  stmt = zv_db_prepare (zv_store_get_reader (self->store), "SELECT max(id) FROM calls WHERE id < ?1", NULL);
  if (stmt != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, ZV_CALL_HISTORY_FIRST_LOCAL_ID);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        data->known_max = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }
  zv_store_write_async (self->store, write_first_seen_at, NULL, NULL, cancellable, first_seen_written_cb, task);
}

gboolean
zv_call_history_fetch_finish (ZvCallHistory  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- notes ---------------------------------------------------------------------------------------- */

static void
notes_stored_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!zv_call_history_apply_finish (ZV_CALL_HISTORY (object), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
notes_posted_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ZvCallHistory *self = g_task_get_source_object (task);
  g_autoptr(JsonNode) answer = NULL;
  GCancellable *cancellable;
  GError *error = NULL;

  answer = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);
  if (answer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (answer))
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                               _("The server did not answer the notes with the call."));
      return;
    }
  cancellable = g_task_get_cancellable (task);
  zv_call_history_apply_async (self, json_node_get_object (answer), cancellable, notes_stored_cb,
                               g_steal_pointer (&task));
}

/**
 * zv_call_history_save_notes_async:
 *
 * Saves the user's notes on a call to the server (POST /calls/{id}/notes, the CRM hook) and then
 * the cache. Fails with ZV_API_ERROR_NOT_FOUND while the call is not on the server yet.
 */
void
zv_call_history_save_notes_async (ZvCallHistory       *self,
                                  ZvAccount           *account,
                                  const char          *sip_call_id,
                                  const char          *notes,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = NULL;
  ZvCallRecord *record;

  g_return_if_fail (ZV_IS_CALL_HISTORY (self));
  g_return_if_fail (ZV_IS_ACCOUNT (account));
  g_return_if_fail (sip_call_id != NULL && notes != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zv_call_history_save_notes_async);
  record = zv_call_history_lookup (self, sip_call_id);
  if (record == NULL || !zv_call_record_is_reported (record))
    {
      g_task_return_new_error (task, ZV_API_ERROR, ZV_API_ERROR_NOT_FOUND,
                               _("The call is not on the server yet. Try again in a moment."));
      return;
    }
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "notes");
  json_builder_add_string_value (builder, notes);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  path = g_strdup_printf ("/calls/%" G_GINT64_FORMAT "/notes", zv_call_record_get_id (record));
  zv_account_call_async (account, "POST", path, body, cancellable, notes_posted_cb, g_steal_pointer (&task));
}

gboolean
zv_call_history_save_notes_finish (ZvCallHistory  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
