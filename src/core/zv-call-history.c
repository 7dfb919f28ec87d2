/* zv-call-history.c: ZvCallHistory, the Calls page's model.
 *
 * The whole history is held as small ZvCallRecord objects ordered by start time (a person makes
 * tens of calls a day, not millions), re-read after each write of ours and diffed into precise
 * items-changed. Every write goes through the store's writer thread. Calls made or taken here get a
 * local row at once (id from 2^52 up, reported = 0) so they show before the server answers; the
 * server's copy replaces it by sip_call_id. Rows still unreported are posted again on the next
 * fetch. A missed call counts as new until the user looks at the Calls page ("calls_seen_at").
 *
 * This file is the model over the cache and its writes; what talks to the server (reporting this
 * computer's calls, fetching GET /calls, saving notes) is in zv-call-history-sync.c, sharing
 * zv-call-history-private.h.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "zv-call-history-private.h"
#include "zv-error.h"
#include "zv-json.h"

G_DEFINE_FINAL_TYPE (ZvCallHistory, zv_call_history, ZV_TYPE_ITEM_LIST)

enum {
  PROP_0,
  PROP_MISSED_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
zv_call_history_row_free (ZvCallHistoryRow *row)
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

void
zv_call_history_refresh_or_warn (ZvCallHistory *self)
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
    zv_call_history_refresh_or_warn (self);
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
      ZvCallHistoryRow *row = g_ptr_array_index (rows, i);
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
      sqlite3_bind_int64 (stmt, 1, row->local ? ZV_CALL_HISTORY_FIRST_LOCAL_ID : row->id);
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

void
zv_call_history_write_rows_async (ZvCallHistory       *self,
                                  GPtrArray           *rows,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  zv_store_write_async (self->store, write_rows, g_ptr_array_ref (rows), (GDestroyNotify) g_ptr_array_unref,
                        cancellable, callback, user_data);
}

/* A call object of the API (docs/api.md, Calls) as a row; NULL with @error when it does not decode. */
ZvCallHistoryRow *
zv_call_history_row_from_json (JsonObject  *object,
                               GError     **error)
{
  g_autoptr(ZvCallHistoryRow) row = g_new0 (ZvCallHistoryRow, 1);
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
  zv_call_history_refresh_or_warn (self);
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
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_call_history_row_free);
  GError *error = NULL;
  ZvCallHistoryRow *row;

  g_return_if_fail (ZV_IS_CALL_HISTORY (self));
  g_return_if_fail (call != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, zv_call_history_apply_async);
  row = zv_call_history_row_from_json (call, &error);
  if (row == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_ptr_array_add (rows, row);
  zv_call_history_write_rows_async (self, rows, cancellable, apply_written_cb, g_steal_pointer (&task));
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
    zv_call_history_refresh_or_warn (self);
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
  zv_call_history_refresh_or_warn (self);
  return self;
}
