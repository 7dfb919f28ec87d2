/* zv-call-history.c: ZvCallHistory, the Calls page's model.
 *
 * The whole history is held as small ZvCallRecord objects ordered by start time (a person makes
 * tens of calls a day, not millions), re-read after each write of ours and diffed into precise
 * items-changed. Every write goes through the store's writer thread. Calls made or taken here get a
 * local row at once (id from 2^52 up, reported = 0) so they show before the server answers; the
 * server's copy replaces it by sip_call_id. Rows still unreported are posted again on the next
 * fetch. A missed call counts as new until the user looks at the Calls page ("calls_seen_at").
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "zv-call-history.h"
#include "zv-error.h"
#include "zv-json.h"

/* As outbox messages: ids from 2^52 up are this computer's own, never the server's. */
#define FIRST_LOCAL_CALL_ID (G_GINT64_CONSTANT (1) << 52)
#define PAGE_SIZE 200
#define MAX_PAGES 10

/* The items (ZvItemList's) are ZvCallRecords, newest first. */
struct _ZvCallHistory
{
  ZvItemList  parent_instance;

  /* owned */
  ZvStore    *store;
  gulong      changed_id;

  guint       missed_count;
};

G_DEFINE_FINAL_TYPE (ZvCallHistory, zv_call_history, ZV_TYPE_ITEM_LIST)

enum {
  PROP_0,
  PROP_MISSED_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One call as the writer stores it. */
typedef struct {
  gint64  id;
  char   *sip_call_id;
  char   *direction;
  char   *peer_number;
  char   *peer_name;
  char   *caller_id;
  char   *status;
  gint64  started_at;
  gint64  answered_at;
  gint64  ended_at;
  gint64  duration;
  char   *outcome;
  char   *notes;
  gboolean local;
} CallRow;

static void
call_row_free (CallRow *row)
{
  g_free (row->sip_call_id);
  g_free (row->direction);
  g_free (row->peer_number);
  g_free (row->peer_name);
  g_free (row->caller_id);
  g_free (row->status);
  g_free (row->outcome);
  g_free (row->notes);
  g_free (row);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CallRow, call_row_free)

/* ---- the list ----------------------------------------------------------------------------------- */

static gint64
record_key (gpointer item)
{
  return zv_call_record_get_id (item);
}

static gboolean
record_update (gpointer old_item,
               gpointer new_item)
{
  return zv_call_record_update_from (old_item, new_item);
}

static gint64
seen_at (ZvCallHistory *self)
{
  g_autofree char *value = zv_store_get_meta (self->store, "calls_seen_at");

  return value != NULL ? g_ascii_strtoll (value, NULL, 10) : 0;
}

/**
 * zv_call_history_refresh:
 *
 * Re-reads the history from the cache (done after each write of the history's own).
 */
gboolean
zv_call_history_refresh (ZvCallHistory  *self,
                         GError        **error)
{
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);
  guint missed = 0;
  ZvDb *db;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (ZV_IS_CALL_HISTORY (self), FALSE);

  db = zv_store_get_reader (self->store);
  /* "seen": a missed call from before the user last looked at the Calls page. */
  stmt = zv_db_prepare (db, ZV_CALL_RECORD_SELECT_SEEN "ORDER BY started_at DESC, id DESC", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seen_at (self));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ZvCallRecord *record = zv_call_record_new_from_row (stmt);

      if (zv_call_record_is_unseen_missed (record))
        missed++;
      g_ptr_array_add (fresh, record);
    }
  if (rc != SQLITE_DONE)
    {
      zv_db_set_error (db, error);
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);

  zv_item_list_replace (ZV_ITEM_LIST (self), fresh);
  if (missed != self->missed_count)
    {
      self->missed_count = missed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MISSED_COUNT]);
    }
  return TRUE;
}

static void
refresh_or_warn (ZvCallHistory *self)
{
  g_autoptr(GError) error = NULL;

  if (!zv_call_history_refresh (self, &error))
    g_warning ("Could not read the call history from the local cache: %s", error->message);
}

static void
on_store_changed (ZvStore        *store,
                  ZvStoreChanges *changes,
                  ZvCallHistory  *self)
{
  /* The history's own writes refresh when they finish; a wipe or a resync changes everything. */
  if (changes->flags == ZV_STORE_CHANGED_ALL)
    refresh_or_warn (self);
}

guint
zv_call_history_get_missed_count (ZvCallHistory *self)
{
  g_return_val_if_fail (ZV_IS_CALL_HISTORY (self), 0);
  return self->missed_count;
}

/**
 * zv_call_history_lookup:
 *
 * Returns: (transfer none) (nullable): the call with this SIP Call-ID, if the history holds it
 */
ZvCallRecord *
zv_call_history_lookup (ZvCallHistory *self,
                        const char    *sip_call_id)
{
  GPtrArray *items;

  g_return_val_if_fail (ZV_IS_CALL_HISTORY (self), NULL);

  items = zv_item_list_get_items (ZV_ITEM_LIST (self));
  for (guint i = 0; i < items->len; i++)
    {
      ZvCallRecord *record = g_ptr_array_index (items, i);

      if (g_strcmp0 (zv_call_record_get_sip_call_id (record), sip_call_id) == 0)
        return record;
    }
  return NULL;
}

/* ---- writing ------------------------------------------------------------------------------------ */

static gboolean
write_rows (ZvDb            *db,
            gpointer         data,
            ZvStoreChanges  *changes,
            GError         **error)
{
  GPtrArray *rows = data;

  for (guint i = 0; i < rows->len; i++)
    {
      CallRow *row = g_ptr_array_index (rows, i);
      sqlite3_stmt *stmt;

      if (row->local)
        /* A call of this computer: a new local row, or the same call's later state (answered,
         * ended) while the server does not have it yet. The server's copy is never overwritten. */
        stmt = zv_db_prepare (db,
                              "INSERT INTO calls (id, sip_call_id, direction, peer_number, peer_name, caller_id, "
                              "status, started_at, answered_at, ended_at, duration, reported) "
                              "VALUES ((SELECT max(?1, coalesce(max(id), 0)) + 1 FROM calls WHERE id >= ?1), "
                              "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0) "
                              "ON CONFLICT (sip_call_id) DO UPDATE SET peer_name = excluded.peer_name, "
                              "status = excluded.status, answered_at = excluded.answered_at, "
                              "ended_at = excluded.ended_at, duration = excluded.duration "
                              "WHERE reported = 0", error);
      else
        stmt = zv_db_prepare (db,
                              "INSERT INTO calls (id, sip_call_id, direction, peer_number, peer_name, caller_id, "
                              "status, started_at, answered_at, ended_at, duration, outcome, notes, reported) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 1) "
                              "ON CONFLICT (sip_call_id) DO UPDATE SET id = excluded.id, "
                              "direction = excluded.direction, peer_number = excluded.peer_number, "
                              "peer_name = excluded.peer_name, caller_id = excluded.caller_id, "
                              "status = excluded.status, started_at = excluded.started_at, "
                              "answered_at = excluded.answered_at, ended_at = excluded.ended_at, "
                              "duration = excluded.duration, outcome = excluded.outcome, "
                              "notes = excluded.notes, reported = 1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, row->local ? FIRST_LOCAL_CALL_ID : row->id);
      sqlite3_bind_text (stmt, 2, row->sip_call_id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, row->direction, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, row->peer_number != NULL ? row->peer_number : "", -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 5, row->peer_name != NULL ? row->peer_name : "", -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 6, row->caller_id != NULL ? row->caller_id : "", -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 7, row->status, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 8, row->started_at);
      if (row->answered_at > 0)
        sqlite3_bind_int64 (stmt, 9, row->answered_at);
      else
        sqlite3_bind_null (stmt, 9);
      if (row->ended_at > 0)
        sqlite3_bind_int64 (stmt, 10, row->ended_at);
      else
        sqlite3_bind_null (stmt, 10);
      sqlite3_bind_int64 (stmt, 11, row->duration);
      if (!row->local)
        {
          sqlite3_bind_text (stmt, 12, row->outcome != NULL ? row->outcome : "", -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (stmt, 13, row->notes != NULL ? row->notes : "", -1, SQLITE_TRANSIENT);
        }
      if (!zv_db_step_done (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

static void
write_rows_async (ZvCallHistory *self,
                  GPtrArray     *rows,
                  GCancellable  *cancellable,
                  GAsyncReadyCallback callback,
                  gpointer       user_data)
{
  zv_store_write_async (self->store, write_rows, g_ptr_array_ref (rows), (GDestroyNotify) g_ptr_array_unref,
                        cancellable, callback, user_data);
}

/* A call object of the API (docs/api.md, Calls) as a row; NULL with @error when it does not decode. */
static CallRow *
row_from_json (JsonObject  *object,
               GError     **error)
{
  g_autoptr(CallRow) row = g_new0 (CallRow, 1);
  const char *text;
  const char *peer_name = NULL, *caller_id = NULL, *outcome = NULL, *notes = NULL;
  ZvCallStatus status;

  if (!zv_json_get_int (object, "id", &row->id, error) ||
      (text = zv_json_get_string (object, "sip_call_id", error)) == NULL)
    return NULL;
  row->sip_call_id = g_strdup (text);
  if ((text = zv_json_get_string (object, "direction", error)) == NULL)
    return NULL;
  if (!g_str_equal (text, "in") && !g_str_equal (text, "out"))
    {
      g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                   _("The server sent a call with the direction “%s”."), text);
      return NULL;
    }
  row->direction = g_strdup (text);
  if ((text = zv_json_get_string (object, "peer_number", error)) == NULL)
    return NULL;
  row->peer_number = g_strdup (text);
  if ((text = zv_json_get_string (object, "status", error)) == NULL)
    return NULL;
  if (!zv_call_status_from_string (text, &status))
    {
      g_set_error (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                   _("The server sent a call with the status “%s”."), text);
      return NULL;
    }
  row->status = g_strdup (text);
  if (!zv_json_get_string_or_null (object, "peer_name", &peer_name, error) ||
      !zv_json_get_string_or_null (object, "caller_id", &caller_id, error) ||
      !zv_json_get_string_or_null (object, "outcome", &outcome, error) ||
      !zv_json_get_string_or_null (object, "notes", &notes, error) ||
      !zv_json_get_time (object, "started_at", FALSE, &row->started_at, error) ||
      !zv_json_get_time (object, "answered_at", TRUE, &row->answered_at, error) ||
      !zv_json_get_time (object, "ended_at", TRUE, &row->ended_at, error) ||
      !zv_json_get_int_or_null (object, "duration", 0, &row->duration, error))
    return NULL;
  row->peer_name = g_strdup (peer_name);
  row->caller_id = g_strdup (caller_id);
  row->outcome = g_strdup (outcome);
  row->notes = g_strdup (notes);
  return g_steal_pointer (&row);
}

/* ---- apply one call (an event, an answer of the server) ------------------------------------------ */

static void
apply_written_cb (GObject      *object,
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
  refresh_or_warn (self);
  g_task_return_boolean (task, TRUE);
}

/**
 * zv_call_history_apply_async:
 * @call: a call object of the API (a call.updated event's data, an answer of POST /calls)
 *
 * Stores the server's copy of one call (replacing a local row with the same sip_call_id).
 */
void
zv_call_history_apply_async (ZvCallHistory       *self,
                             JsonObject          *call,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) call_row_free);
  GError *error = NULL;
  CallRow *row;

  g_return_if_fail (ZV_IS_CALL_HISTORY (self));
  g_return_if_fail (call != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zv_call_history_apply_async);
  row = row_from_json (call, &error);
  if (row == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_ptr_array_add (rows, row);
  write_rows_async (self, rows, cancellable, apply_written_cb, g_steal_pointer (&task));
}

gboolean
zv_call_history_apply_finish (ZvCallHistory  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- seen ---------------------------------------------------------------------------------------- */

static gboolean
write_seen_at (ZvDb            *db,
               gpointer         data,
               ZvStoreChanges  *changes,
               GError         **error)
{
  g_autofree char *value = g_strdup_printf ("%" G_GINT64_FORMAT, *(gint64 *) data);

  return zv_store_set_meta (db, "calls_seen_at", value, error);
}

static void
seen_written_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ZvCallHistory) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!zv_store_write_finish (ZV_STORE (object), result, &error))
    g_warning ("Could not note that the missed calls were seen: %s", error->message);
  else
    refresh_or_warn (self);
}

/**
 * zv_call_history_mark_seen:
 *
 * The user looked at the history: the missed calls so far stop counting as new.
 */
void
zv_call_history_mark_seen (ZvCallHistory *self)
{
  gint64 newest = 0;
  GPtrArray *items;

  g_return_if_fail (ZV_IS_CALL_HISTORY (self));

  if (self->missed_count == 0)
    return;
  items = zv_item_list_get_items (ZV_ITEM_LIST (self));
  for (guint i = 0; i < items->len; i++)
    newest = MAX (newest, zv_call_record_get_started_at (g_ptr_array_index (items, i)));
  zv_store_write_async (self->store, write_seen_at, g_memdup2 (&newest, sizeof newest), g_free, NULL,
                        seen_written_cb, g_object_ref (self));
}

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
report_body (const CallRow *row)
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
  CallRow   *row;
  gint64     server_id;
} ReportData;

static void
report_data_free (ReportData *data)
{
  g_clear_object (&data->account);
  g_clear_pointer (&data->row, call_row_free);
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
  refresh_or_warn (self);
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
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) call_row_free);
  g_autoptr(JsonNode) answer = NULL;
  GCancellable *cancellable;
  GError *error = NULL;
  CallRow *row;

  answer = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);
  if (answer == NULL)
    {
      /* The local row stays (reported = 0); the next fetch posts it again. */
      g_task_return_error (task, error);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (answer) || (row = row_from_json (json_node_get_object (answer), &error)) == NULL)
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
  write_rows_async (self, rows, cancellable, report_stored_cb, g_steal_pointer (&task));
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
  refresh_or_warn (self);
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
  CallRow *row;

  g_return_if_fail (ZV_IS_CALL_HISTORY (self));
  g_return_if_fail (ZV_IS_ACCOUNT (account));
  g_return_if_fail (report != NULL && report->sip_call_id != NULL && report->started_at > 0);

  row = g_new0 (CallRow, 1);
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
  write_rows_async (self, rows, cancellable, report_local_written_cb, g_steal_pointer (&task));
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
  GQueue     pending;       /* CallRow, local rows to post again */
  GPtrArray *accepted;      /* CallRow, the server's copies of those it accepted */
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  g_clear_object (&data->account);
  g_queue_clear_full (&data->pending, (GDestroyNotify) call_row_free);
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
  CallRow *row;

  if (answer == NULL)
    {
      /* Still offline (or refused): the rest waits for the next fetch; what was fetched stands. */
      g_debug ("call history: a call is still not on the server: %s", error->message);
      g_queue_clear_full (&data->pending, (GDestroyNotify) call_row_free);
    }
  else if (JSON_NODE_HOLDS_OBJECT (answer) && (row = row_from_json (json_node_get_object (answer), NULL)) != NULL)
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
  refresh_or_warn (g_task_get_source_object (task));
  g_task_return_boolean (task, TRUE);
}

static void
post_next_pending (GTask *task)
{
  FetchData *data = g_task_get_task_data (task);
  g_autoptr(CallRow) row = g_queue_pop_head (&data->pending);
  g_autoptr(JsonNode) body = NULL;

  if (row == NULL)
    {
      write_rows_async (g_task_get_source_object (task), data->accepted, g_task_get_cancellable (task),
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
      CallRow *row = g_new0 (CallRow, 1);

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
  refresh_or_warn (self);
  for (guint i = 0; i < rows->len; i++)
    oldest = MIN (oldest, ((CallRow *) g_ptr_array_index (rows, i))->id);
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
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) call_row_free);
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
      CallRow *row = call != NULL ? row_from_json (call, &error) : NULL;

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
  write_rows_async (self, rows, g_task_get_cancellable (task), page_written_cb, task);
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
  data->accepted = g_ptr_array_new_with_free_func ((GDestroyNotify) call_row_free);
  g_task_set_task_data (task, data, (GDestroyNotify) fetch_data_free);

  stmt = zv_db_prepare (zv_store_get_reader (self->store), "SELECT max(id) FROM calls WHERE id < ?1", NULL);
  if (stmt != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, FIRST_LOCAL_CALL_ID);
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

/* ---- GObject --------------------------------------------------------------------------------------- */

static void
zv_call_history_dispose (GObject *object)
{
  ZvCallHistory *self = ZV_CALL_HISTORY (object);

  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (zv_call_history_parent_class)->dispose (object);
}

static void
zv_call_history_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ZvCallHistory *self = ZV_CALL_HISTORY (object);

  switch (prop_id)
    {
    case PROP_MISSED_COUNT:
      g_value_set_uint (value, self->missed_count);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_call_history_class_init (ZvCallHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ZvItemListClass *list_class = ZV_ITEM_LIST_CLASS (klass);

  object_class->dispose = zv_call_history_dispose;
  object_class->get_property = zv_call_history_get_property;
  list_class->item_type = ZV_TYPE_CALL_RECORD;
  list_class->item_key = record_key;
  list_class->item_update = record_update;

  /* Missed incoming calls since the user last looked at the history (the Calls tab's badge). */
  properties[PROP_MISSED_COUNT] =
    g_param_spec_uint ("missed-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
zv_call_history_init (ZvCallHistory *self)
{
}

/**
 * zv_call_history_new:
 *
 * The history as the cache holds it now; zv_call_history_fetch_async() brings the server's.
 */
ZvCallHistory *
zv_call_history_new (ZvStore *store)
{
  ZvCallHistory *self;

  g_return_val_if_fail (ZV_IS_STORE (store), NULL);

  self = g_object_new (ZV_TYPE_CALL_HISTORY, NULL);
  self->store = g_object_ref (store);
  self->changed_id = g_signal_connect (store, "changed", G_CALLBACK (on_store_changed), self);
  refresh_or_warn (self);
  return self;
}
