/* zv-events.h: the live event stream (GET /events, a WebSocket): changes applied to the cache as
 * they happen, typing and presence passed on, reconnection with backoff, and a sync whenever the
 * stream alone cannot bring the cache up to date. */
#pragma once

#include <gio/gio.h>

#include "zv-account.h"

G_BEGIN_DECLS

typedef enum {
  ZV_EVENTS_STATE_DISCONNECTED,   /* not started, stopped, or given up (signed out, deactivated) */
  ZV_EVENTS_STATE_CONNECTING,
  ZV_EVENTS_STATE_CONNECTED,
  ZV_EVENTS_STATE_BACKING_OFF,    /* waiting to reconnect (or for the network to come back) */
} ZvEventsState;

#define ZV_TYPE_EVENTS_STATE (zv_events_state_get_type ())
GType zv_events_state_get_type (void) G_GNUC_CONST;

typedef struct {
  guint64 events;        /* stored events applied to the cache */
  guint   connects;      /* connections opened */
  guint   syncs;         /* sync runs the stream asked for (initial, resync, gaps, joined chats) */
  guint   resyncs;       /* resync_required received */
  guint   gaps;          /* events that referred to what the cache lacked */
  guint   stalls;        /* connections dropped because the stream went silent */
} ZvEventsStats;

#define ZV_TYPE_EVENTS (zv_events_get_type ())

G_DECLARE_FINAL_TYPE (ZvEvents, zv_events, ZV, EVENTS, GObject)

ZvEvents             *zv_events_new        (ZvAccount  *account);
void                  zv_events_start      (ZvEvents   *self);
void                  zv_events_stop       (ZvEvents   *self);
ZvEventsState         zv_events_get_state  (ZvEvents   *self);
gint64                zv_events_get_seq    (ZvEvents   *self);
const ZvEventsStats  *zv_events_get_stats  (ZvEvents   *self);

G_END_DECLS
