/* zv-call-history.h: the user's calls, newest first, as a GListModel of ZvCallRecord over the
 * cache's `calls` table: filled from GET /calls and call.updated events, plus the calls made or
 * taken on this computer (kept locally until the server has them). */
#pragma once

#include <gio/gio.h>

#include "zv-account.h"
#include "zv-call-record.h"
#include "zv-item-list.h"
#include "zv-store.h"

G_BEGIN_DECLS

/* What this computer knows about a call it placed or took, for zv_call_history_report_async(). */
typedef struct {
  const char   *sip_call_id;
  gboolean      incoming;
  const char   *peer_number;
  const char   *peer_name;     /* may be NULL */
  const char   *caller_id;     /* the company number shown to the callee; may be NULL */
  ZvCallStatus  status;
  gint64        started_at;    /* ms since the epoch */
  gint64        answered_at;   /* 0: not answered */
  gint64        ended_at;      /* 0: not over yet */
} ZvCallReport;

#define ZV_TYPE_CALL_HISTORY (zv_call_history_get_type ())

G_DECLARE_FINAL_TYPE (ZvCallHistory, zv_call_history, ZV, CALL_HISTORY, ZvItemList)

ZvCallHistory *zv_call_history_new               (ZvStore         *store);
gboolean       zv_call_history_refresh           (ZvCallHistory   *self,
                                                  GError         **error);
guint          zv_call_history_get_missed_count  (ZvCallHistory   *self);
void           zv_call_history_mark_seen         (ZvCallHistory   *self);
ZvCallRecord  *zv_call_history_lookup            (ZvCallHistory   *self,
                                                  const char      *sip_call_id);

void           zv_call_history_fetch_async       (ZvCallHistory   *self,
                                                  ZvAccount       *account,
                                                  GCancellable    *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer         user_data);
gboolean       zv_call_history_fetch_finish      (ZvCallHistory   *self,
                                                  GAsyncResult    *result,
                                                  GError         **error);
void           zv_call_history_apply_async       (ZvCallHistory   *self,
                                                  JsonObject      *call,
                                                  GCancellable    *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer         user_data);
gboolean       zv_call_history_apply_finish      (ZvCallHistory   *self,
                                                  GAsyncResult    *result,
                                                  GError         **error);
void           zv_call_history_report_async      (ZvCallHistory   *self,
                                                  ZvAccount       *account,
                                                  const ZvCallReport *report,
                                                  GCancellable    *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer         user_data);
gint64         zv_call_history_report_finish     (ZvCallHistory   *self,
                                                  GAsyncResult    *result,
                                                  GError         **error);
void           zv_call_history_save_notes_async  (ZvCallHistory   *self,
                                                  ZvAccount       *account,
                                                  const char      *sip_call_id,
                                                  const char      *notes,
                                                  GCancellable    *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer         user_data);
gboolean       zv_call_history_save_notes_finish (ZvCallHistory   *self,
                                                  GAsyncResult    *result,
                                                  GError         **error);

G_END_DECLS
