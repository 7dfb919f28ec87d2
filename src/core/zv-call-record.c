/* zv-call-record.c: ZvCallRecord, one row of the `calls` table of the cache.
 *
 * Plain values read once from the row; ZvCallHistory brings an item up to date in place
 * (zv_call_record_update_from) so the list view rebinds only the rows that changed. */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include "zv-call-record.h"
#include "zv-db.h"

struct _ZvCallRecord
{
  GObject       parent_instance;

  /* owned */
  char         *sip_call_id;
  char         *peer_number;
  char         *peer_name;
  char         *caller_id;
  char         *outcome;
  char         *notes;

  gint64        id;
  gint64        started_at;
  gint64        duration;
  ZvCallStatus  status;
  gboolean      incoming;
  gboolean      reported;
  gboolean      seen;
};

G_DEFINE_FINAL_TYPE (ZvCallRecord, zv_call_record, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (ZvCallStatus, zv_call_status,
                    G_DEFINE_ENUM_VALUE (ZV_CALL_STATUS_ANSWERED, "answered"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_STATUS_MISSED, "missed"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_STATUS_REJECTED, "rejected"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_STATUS_BUSY, "busy"),
                    G_DEFINE_ENUM_VALUE (ZV_CALL_STATUS_FAILED, "failed"))

/* The API's words for a call's status (docs/api.md, Calls). */
static const char * const status_names[] = { "answered", "missed", "rejected", "busy", "failed" };

const char *
zv_call_status_to_string (ZvCallStatus status)
{
  g_return_val_if_fail (status <= ZV_CALL_STATUS_FAILED, "failed");
  return status_names[status];
}

gboolean
zv_call_status_from_string (const char   *text,
                            ZvCallStatus *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    if (g_strcmp0 (text, status_names[i]) == 0)
      {
        *out = (ZvCallStatus) i;
        return TRUE;
      }
  return FALSE;
}

static void
zv_call_record_finalize (GObject *object)
{
  ZvCallRecord *self = ZV_CALL_RECORD (object);

  g_free (self->sip_call_id);
  g_free (self->peer_number);
  g_free (self->peer_name);
  g_free (self->caller_id);
  g_free (self->outcome);
  g_free (self->notes);

  G_OBJECT_CLASS (zv_call_record_parent_class)->finalize (object);
}

static void
zv_call_record_class_init (ZvCallRecordClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = zv_call_record_finalize;
}

static void
zv_call_record_init (ZvCallRecord *self)
{
}

/**
 * zv_call_record_new_from_row:
 * @stmt: a row of %ZV_CALL_RECORD_SELECT
 */
ZvCallRecord *
zv_call_record_new_from_row (sqlite3_stmt *stmt)
{
  ZvCallRecord *self = g_object_new (ZV_TYPE_CALL_RECORD, NULL);
  ZvCallStatus status = ZV_CALL_STATUS_FAILED;

  self->id = sqlite3_column_int64 (stmt, 0);
  self->sip_call_id = g_strdup (zv_db_column_text (stmt, 1));
  self->incoming = g_strcmp0 (zv_db_column_text (stmt, 2), "in") == 0;
  self->peer_number = g_strdup (zv_db_column_text (stmt, 3));
  self->peer_name = g_strdup (zv_db_column_text (stmt, 4));
  self->caller_id = g_strdup (zv_db_column_text (stmt, 5));
  /* The table's CHECK keeps the status one of the API's words. */
  zv_call_status_from_string (zv_db_column_text (stmt, 6), &status);
  self->status = status;
  self->started_at = sqlite3_column_int64 (stmt, 7);
  self->duration = sqlite3_column_int64 (stmt, 8);
  self->outcome = g_strdup (zv_db_column_text (stmt, 9));
  self->notes = g_strdup (zv_db_column_text (stmt, 10));
  self->reported = sqlite3_column_int (stmt, 11) != 0;
  self->seen = sqlite3_column_int (stmt, 12) != 0;
  return self;
}

static gboolean
take_string (char       **field,
             const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

/**
 * zv_call_record_update_from:
 *
 * Copies @other's values into @self (the same call read again); TRUE when anything changed.
 */
gboolean
zv_call_record_update_from (ZvCallRecord *self,
                            ZvCallRecord *other)
{
  gboolean changed = FALSE;

  g_return_val_if_fail (ZV_IS_CALL_RECORD (self), FALSE);
  g_return_val_if_fail (ZV_IS_CALL_RECORD (other), FALSE);

  if (self == other)
    return FALSE;
  changed |= take_string (&self->sip_call_id, other->sip_call_id);
  changed |= take_string (&self->peer_number, other->peer_number);
  changed |= take_string (&self->peer_name, other->peer_name);
  changed |= take_string (&self->caller_id, other->caller_id);
  changed |= take_string (&self->outcome, other->outcome);
  changed |= take_string (&self->notes, other->notes);
  if (self->id != other->id || self->started_at != other->started_at ||
      self->duration != other->duration || self->status != other->status ||
      self->incoming != other->incoming || self->reported != other->reported ||
      self->seen != other->seen)
    changed = TRUE;
  self->id = other->id;
  self->started_at = other->started_at;
  self->duration = other->duration;
  self->status = other->status;
  self->incoming = other->incoming;
  self->reported = other->reported;
  self->seen = other->seen;
  return changed;
}

gint64
zv_call_record_get_id (ZvCallRecord *self)
{
  g_return_val_if_fail (ZV_IS_CALL_RECORD (self), 0);
  return self->id;
}

const char *
zv_call_record_get_sip_call_id (ZvCallRecord *self)
{
  g_return_val_if_fail (ZV_IS_CALL_RECORD (self), NULL);
  return self->sip_call_id;
}

gboolean
zv_call_record_is_incoming (ZvCallRecord *self)
{
  g_return_val_if_fail (ZV_IS_CALL_RECORD (self), FALSE);
  return self->incoming;
}

const char *
zv_call_record_get_peer_number (ZvCallRecord *self)
{
  g_return_val_if_fail (ZV_IS_CALL_RECORD (self), NULL);
  return self->peer_number;
}

const char *
zv_call_record_get_peer_name (ZvCallRecord *self)
{
  g_return_val_if_fail (ZV_IS_CALL_RECORD (self), NULL);
  return self->peer_name;
}

const char *
zv_call_record_get_caller_id (ZvCallRecord *self)
{
  g_return_val_if_fail (ZV_IS_CALL_RECORD (self), NULL);
  return self->caller_id;
}

ZvCallStatus
zv_call_record_get_status (ZvCallRecord *self)
{
  g_return_val_if_fail (ZV_IS_CALL_RECORD (self), ZV_CALL_STATUS_FAILED);
  return self->status;
}

/* Milliseconds since the epoch. */
gint64
zv_call_record_get_started_at (ZvCallRecord *self)
{
  g_return_val_if_fail (ZV_IS_CALL_RECORD (self), 0);
  return self->started_at;
}

/* Seconds from the answer to the end; 0 when not answered. */
gint64
zv_call_record_get_duration (ZvCallRecord *self)
{
  g_return_val_if_fail (ZV_IS_CALL_RECORD (self), 0);
  return self->duration;
}

const char *
zv_call_record_get_outcome (ZvCallRecord *self)
{
  g_return_val_if_fail (ZV_IS_CALL_RECORD (self), NULL);
  return self->outcome;
}

const char *
zv_call_record_get_notes (ZvCallRecord *self)
{
  g_return_val_if_fail (ZV_IS_CALL_RECORD (self), NULL);
  return self->notes;
}

/* FALSE while the call is only in this cache (made here, not yet accepted by the server). */
gboolean
zv_call_record_is_reported (ZvCallRecord *self)
{
  g_return_val_if_fail (ZV_IS_CALL_RECORD (self), FALSE);
  return self->reported;
}

/* An incoming call nobody took: what the Calls page highlights. */
gboolean
zv_call_record_is_missed (ZvCallRecord *self)
{
  g_return_val_if_fail (ZV_IS_CALL_RECORD (self), FALSE);
  return self->incoming && self->status == ZV_CALL_STATUS_MISSED;
}

gboolean
zv_call_record_is_unseen_missed (ZvCallRecord *self)
{
  g_return_val_if_fail (ZV_IS_CALL_RECORD (self), FALSE);
  return zv_call_record_is_missed (self) && !self->seen;
}
