/* zv-call-record.h: one entry of the call history (a call made or taken, here or on another of
 * the user's devices) as the UI binds it. */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef enum {
  ZV_CALL_STATUS_ANSWERED,
  ZV_CALL_STATUS_MISSED,
  ZV_CALL_STATUS_REJECTED,
  ZV_CALL_STATUS_BUSY,
  ZV_CALL_STATUS_FAILED,
} ZvCallStatus;

#define ZV_TYPE_CALL_STATUS (zv_call_status_get_type ())
GType zv_call_status_get_type (void) G_GNUC_CONST;

#define ZV_TYPE_CALL_RECORD (zv_call_record_get_type ())

G_DECLARE_FINAL_TYPE (ZvCallRecord, zv_call_record, ZV, CALL_RECORD, GObject)

gint64        zv_call_record_get_id           (ZvCallRecord  *self);
const char   *zv_call_record_get_sip_call_id  (ZvCallRecord  *self);
gboolean      zv_call_record_is_incoming      (ZvCallRecord  *self);
const char   *zv_call_record_get_peer_number  (ZvCallRecord  *self);
const char   *zv_call_record_get_peer_name    (ZvCallRecord  *self);
const char   *zv_call_record_get_caller_id    (ZvCallRecord  *self);
ZvCallStatus  zv_call_record_get_status       (ZvCallRecord  *self);
gint64        zv_call_record_get_started_at   (ZvCallRecord  *self);
gint64        zv_call_record_get_duration     (ZvCallRecord  *self);
const char   *zv_call_record_get_outcome      (ZvCallRecord  *self);
const char   *zv_call_record_get_notes        (ZvCallRecord  *self);
gboolean      zv_call_record_is_reported      (ZvCallRecord  *self);
gboolean      zv_call_record_is_missed        (ZvCallRecord  *self);
gboolean      zv_call_record_is_unseen_missed (ZvCallRecord  *self);

const char   *zv_call_status_to_string        (ZvCallStatus   status);
gboolean      zv_call_status_from_string      (const char    *text,
                                               ZvCallStatus  *out);

/* For ZvCallHistory. */
/* ?1: the time (ms) up to which missed calls were seen. */
#define ZV_CALL_RECORD_SELECT_SEEN \
  "SELECT id, sip_call_id, direction, peer_number, peer_name, caller_id, status, started_at, " \
  "duration, outcome, notes, reported, started_at <= ?1 FROM calls "

ZvCallRecord *zv_call_record_new_from_row     (sqlite3_stmt  *stmt);
gboolean      zv_call_record_update_from      (ZvCallRecord  *self,
                                               ZvCallRecord  *other);

G_END_DECLS
