/* zv-call-history-private.h: ZvCallHistory's fields and the helpers its two files share
 * (zv-call-history.c: the model over the cache and its writes; zv-call-history-sync.c: reporting,
 * fetching and notes with the server). Never used outside src/core. */
#pragma once

#include "zv-call-history.h"

G_BEGIN_DECLS

/* As outbox messages: ids from 2^52 up are this computer's own, never the server's. */
#define ZV_CALL_HISTORY_FIRST_LOCAL_ID (G_GINT64_CONSTANT (1) << 52)

/* The items (ZvItemList's) are ZvCallRecords, newest first. */
struct _ZvCallHistory
{
  ZvItemList  parent_instance;

  /* owned */
  ZvStore    *store;
  gulong      changed_id;

  guint       missed_count;
};

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
} ZvCallHistoryRow;

void              zv_call_history_row_free         (ZvCallHistoryRow     *row);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvCallHistoryRow, zv_call_history_row_free)

ZvCallHistoryRow *zv_call_history_row_from_json    (JsonObject           *object,
                                                    GError              **error);
void              zv_call_history_write_rows_async (ZvCallHistory        *self,
                                                    GPtrArray            *rows,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
void              zv_call_history_refresh_or_warn  (ZvCallHistory        *self);

G_END_DECLS
