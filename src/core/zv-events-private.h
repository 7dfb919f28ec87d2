/* zv-events-private.h: what ZvEvents (zv-events.c) and its store writes (zv-events-apply.c) share.
 * Not installed, not for the UI. */
#pragma once

#include <json-glib/json-glib.h>

#include "zv-store.h"

G_BEGIN_DECLS

/* One stored (resumable) event off the stream. */
typedef struct {
  gint64      seq;
  char       *type;
  JsonObject *data;
  /* The sync run for this event's gap already happened: if it still cannot be applied, the cache
   * holds the server's truth anyway and the event is passed over instead of stopping the stream. */
  gboolean    after_gap_sync;
  /* "ready" after resync_required: its seq is stored even if lower than the stored one. */
  gboolean    reset_seq;
} ZvEvent;

ZvEvent  *zv_event_new   (gint64      seq,
                          const char *type,
                          JsonObject *data);
void      zv_event_free  (ZvEvent    *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvEvent, zv_event_free)

/* A run of events written in one transaction, with the last applied seq ("events_seq" in meta). */
typedef struct {
  /* in */
  GPtrArray *events;        /* ZvEvent*, in seq order */
  gint64     me;
  /* out */
  guint      applied;       /* events[0 .. applied-1] are in the cache (or were passed over) */
  gboolean   gap;           /* events[applied] refers to what the cache lacks: sync, then retry */
  gboolean   want_sync;     /* an applied event asks for a sync (a chat joined with history) */
  gint64     seq;           /* the events_seq written */
} ZvEventsBatch;

void      zv_events_batch_free  (ZvEventsBatch  *batch);

gboolean  zv_events_write_batch     (ZvDb            *db,
                                     gpointer         data,
                                     ZvStoreChanges  *changes,
                                     GError         **error);
gboolean  zv_events_write_presence  (ZvDb            *db,
                                     gpointer         data,
                                     ZvStoreChanges  *changes,
                                     GError         **error);
gboolean  zv_events_write_forget_sync (ZvDb          *db,
                                     gpointer         data,
                                     ZvStoreChanges  *changes,
                                     GError         **error);
gint64    zv_events_read_seq        (ZvStore         *store);

G_END_DECLS
