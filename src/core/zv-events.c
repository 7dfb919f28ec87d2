/* zv-events.c: ZvEvents keeps the event stream open and the cache current between syncs.
 *
 * The stream (docs/api.md, "Events") sends every stored change after ?since=SEQ, then "ready", then
 * live changes. Stored events are queued and written in order, a small batch per store
 * transaction together with the seq of the last one ("events_seq"), so after any crash the stream
 * resumes exactly where the cache stands. The server numbers events over all users, so a jump in
 * seq is normal and says nothing; a gap shows as an event the cache cannot place (a message for a
 * chat it does not hold), and a sync closes it. Whenever a sync runs (the first connection of a
 * fresh cache, resync_required, a gap, a chat joined with history) the queue waits for it, so a
 * sync page fetched earlier never overwrites a newer event.
 *
 * A stream that goes quiet without closing (a proxy or NAT that dropped it, a hung server) is
 * noticed by the keepalive: the client pings every KEEPALIVE_S and anything heard back (a pong, an
 * event) proves the path; after two intervals of silence the connection is dropped and reopened
 * from the stored seq, so nothing is lost (libsoup 3.2 pings but never times a pong out itself).
 *
 * Connections are retried with exponential backoff and jitter (1 s doubling to 60 s), reset once a
 * connection has lasted; while the network is gone nothing is tried, and its return reconnects at
 * once. A refused upgrade (401) refreshes the token through an ordinary authenticated call first;
 * a disabled account or a revoked device wipes the device, as any request saying so does.
 */
#define G_LOG_DOMAIN "zveno-core"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "zv-error.h"
#include "zv-events.h"
#include "zv-events-private.h"
#include "zv-json.h"
#include "zv-sync.h"

#define BATCH_MAX          100
#define BACKOFF_FIRST_MS   1000
#define BACKOFF_CAP_MS     60000
#define STABLE_S           10      /* a connection this old resets the backoff */
#define KEEPALIVE_S        20

struct _ZvEvents
{
  GObject                  parent_instance;

  /* owned */
  ZvAccount               *account;
  ZvSync                  *sync;
  GCancellable            *cancellable;     /* of the current run: cancelled by zv_events_stop() */
  SoupWebsocketConnection *connection;
  GQueue                   queue;           /* ZvEvent*: received, not yet written */
  guint                    retry_id;
  guint                    stable_id;
  guint                    watchdog_id;     /* checks that the stream is still heard from */
  gint64                   heard_us;        /* monotonic time of the last frame or pong */

  /* borrowed */
  GNetworkMonitor         *monitor;

  ZvEventsState            state;
  ZvEventsStats            stats;
  gint64                   seq;             /* last written; -1 while the cache has none */
  gint64                   received;        /* last queued on this connection */
  guint                    attempt;         /* connection failures since the last stable one */
  gboolean                 running;
  gboolean                 writing;
  gboolean                 syncing;
  gboolean                 sync_wanted;
  gboolean                 auth_retried;    /* a refused upgrade already led to a token refresh */
  gboolean                 scratch_tried;   /* a sync from scratch already followed a refused token */
  gboolean                 reset_seq;       /* resync_required: the next "ready" sets the seq */
  const char              *sync_reason;     /* why the wanted sync is wanted (static string) */
  const char              *syncing_reason;  /* and the running one */
  gboolean                 network_available;
};

G_DEFINE_FINAL_TYPE (ZvEvents, zv_events, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (ZvEventsState, zv_events_state,
  G_DEFINE_ENUM_VALUE (ZV_EVENTS_STATE_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (ZV_EVENTS_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (ZV_EVENTS_STATE_CONNECTED, "connected"),
  G_DEFINE_ENUM_VALUE (ZV_EVENTS_STATE_BACKING_OFF, "backing-off"))

enum {
  PROP_0,
  PROP_STATE,
  PROP_SEQ,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  APPLIED,
  SYNCED,
  TYPING,
  PRESENCE,
  FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void connect_now      (ZvEvents *self);
static void want_sync        (ZvEvents   *self,
                              const char *reason);
static void schedule_retry   (ZvEvents *self);
static void process_queue    (ZvEvents *self);
static void maybe_start_sync (ZvEvents *self);

static void
set_state (ZvEvents      *self,
           ZvEventsState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_seq (ZvEvents *self,
         gint64    seq)
{
  if (seq <= self->seq)
    return;
  self->seq = seq;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEQ]);
}

static gboolean
unref_later_cb (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

/* ZVENO_EVENTS_KEEPALIVE (seconds) shortens the ping interval, and so the stall timeout, for tests. */
static guint
keepalive_s (void)
{
  return zv_api_seconds_from_env ("ZVENO_EVENTS_KEEPALIVE", KEEPALIVE_S);
}

static void
drop_connection (ZvEvents *self)
{
  g_clear_handle_id (&self->stable_id, g_source_remove);
  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  if (self->connection == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->connection, self);
  if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  /* This may run inside the connection's own ::message or ::closed emission, which still uses it. */
  g_idle_add (unref_later_cb, g_steal_pointer (&self->connection));
}

static void
clear_queue (ZvEvents *self)
{
  ZvEvent *event;

  while ((event = g_queue_pop_head (&self->queue)) != NULL)
    zv_event_free (event);
}

/* Ends the run for good: the account is gone or cannot sign in. */
static void
give_up (ZvEvents     *self,
         const GError *error)
{
  self->running = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  drop_connection (self);
  clear_queue (self);
  set_state (self, ZV_EVENTS_STATE_DISCONNECTED);
  g_signal_emit (self, signals[FAILED], 0, error);
}

/* ---- deactivation ------------------------------------------------------------------------------- */

typedef struct {
  ZvEvents *self;
  GError   *cause;
} Deactivation;

static void
deactivation_wiped_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Deactivation *deactivation = user_data;
  g_autoptr(GError) error = NULL;

  if (!zv_account_wipe_finish (ZV_ACCOUNT (object), result, &error))
    g_warning ("Wiping the deactivated account failed: %s", error->message);
  /* The same signal a deactivating HTTP answer raises, so the UI has one place to listen. */
  g_signal_emit_by_name (object, "deactivated", deactivation->cause->message);
  give_up (deactivation->self, deactivation->cause);
  g_object_unref (deactivation->self);
  g_error_free (deactivation->cause);
  g_free (deactivation);
}

static void
deactivate (ZvEvents   *self,
            ZvApiError  code)
{
  Deactivation *deactivation;

  if (!self->running)
    return;
  self->running = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  drop_connection (self);
  clear_queue (self);

  deactivation = g_new0 (Deactivation, 1);
  deactivation->self = g_object_ref (self);
  deactivation->cause = g_error_new_literal (ZV_API_ERROR, code,
                                             code == ZV_API_ERROR_DEVICE_REVOKED
                                             ? _("This device was signed out by the company; its data has been removed")
                                             : _("The company disabled this account; its data has been removed from this device"));
  zv_account_wipe_async (self->account, NULL, deactivation_wiped_cb, deactivation);
}

/* ---- syncing ------------------------------------------------------------------------------------ */

/* @reason: "initial", "resync", "gap" or "joined"; the first reason for a pending sync is kept. */
static void
want_sync (ZvEvents   *self,
           const char *reason)
{
  self->sync_wanted = TRUE;
  if (self->sync_reason == NULL)
    self->sync_reason = reason;
}

static void
forgot_sync_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ZvEvents) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!zv_store_write_finish (ZV_STORE (object), result, &error))
    g_warning ("Cannot forget the sync token: %s", error->message);
  self->syncing = FALSE;
  if (!self->running)
    return;
  want_sync (self, self->syncing_reason);
  maybe_start_sync (self);
}

static void
sync_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(ZvEvents) self = user_data;
  g_autoptr(GError) error = NULL;
  ZvStore *store;

  if (!zv_sync_run_finish (ZV_SYNC (object), result, &error))
    {
      self->syncing = FALSE;
      if (!self->running || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* ZvAccount has wiped the device already and said so. */
      if (zv_api_error_is_deactivation (error) || zv_account_get_store (self->account) == NULL ||
          !zv_account_is_signed_in (self->account))
        {
          give_up (self, error);
          return;
        }
      store = zv_account_get_store (self->account);
      if (g_error_matches (error, ZV_API_ERROR, ZV_API_ERROR_BAD_REQUEST) && !self->scratch_tried)
        {
          /* The server cannot use our token any more (docs/api.md: start again without since). */
          self->scratch_tried = TRUE;
          self->syncing = TRUE;
          zv_store_write_async (store, zv_events_write_forget_sync, NULL, NULL, self->cancellable,
                                forgot_sync_cb, g_object_ref (self));
          return;
        }
      g_debug ("The sync the event stream asked for failed: %s", error->message);
      /* Still wanted: it runs again once the stream is back. */
      want_sync (self, self->syncing_reason);
      drop_connection (self);
      schedule_retry (self);
      return;
    }

  self->syncing = FALSE;
  self->scratch_tried = FALSE;
  self->stats.syncs++;
  g_signal_emit (self, signals[SYNCED], 0, self->syncing_reason);
  maybe_start_sync (self);
  process_queue (self);
}

/* The queue holds still while a sync runs, and a sync waits for the batch being written. */
static void
maybe_start_sync (ZvEvents *self)
{
  if (!self->running || !self->sync_wanted || self->syncing || self->writing)
    return;
  self->sync_wanted = FALSE;
  self->syncing = TRUE;
  self->syncing_reason = self->sync_reason;
  self->sync_reason = NULL;
  zv_sync_run_async (self->sync, self->cancellable, sync_cb, g_object_ref (self));
}

static void
request_sync (ZvEvents   *self,
              const char *reason)
{
  want_sync (self, reason);
  maybe_start_sync (self);
}

/* ---- writing ------------------------------------------------------------------------------------ */

typedef struct {
  ZvEvents      *self;
  ZvEventsBatch *batch;
} BatchWrite;

static void
batch_written_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  BatchWrite *write = user_data;
  g_autoptr(ZvEvents) self = write->self;
  ZvEventsBatch *batch = write->batch;
  g_autoptr(GError) error = NULL;

  g_free (write);
  self->writing = FALSE;
  if (!zv_store_write_finish (ZV_STORE (object), result, &error))
    {
      zv_events_batch_free (batch);
      if (!self->running || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Nothing of the batch is in the cache; the stream replays it from the stored seq. */
      g_warning ("Cannot apply events to the cache: %s", error->message);
      clear_queue (self);
      drop_connection (self);
      schedule_retry (self);
      return;
    }

  set_seq (self, batch->seq);
  self->stats.events += batch->applied;
  for (guint i = 0; i < batch->applied; i++)
    {
      ZvEvent *event = g_ptr_array_index (batch->events, i);
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (node, event->data);
      g_signal_emit (self, signals[APPLIED], 0, event->type, event->seq, node);
    }
  /* What was not applied goes back to the front, in order. */
  for (guint i = batch->events->len; i > batch->applied; i--)
    g_queue_push_head (&self->queue, g_ptr_array_steal_index (batch->events, i - 1));
  if (batch->gap)
    {
      ZvEvent *event = g_queue_peek_head (&self->queue);

      self->stats.gaps++;
      event->after_gap_sync = TRUE;
      g_debug ("Event %" G_GINT64_FORMAT " (%s) refers to what the cache lacks: syncing", event->seq, event->type);
      want_sync (self, "gap");
    }
  if (batch->want_sync)
    want_sync (self, "joined");
  zv_events_batch_free (batch);

  maybe_start_sync (self);
  process_queue (self);
}

static void
process_queue (ZvEvents *self)
{
  ZvStore *store = zv_account_get_store (self->account);
  ZvEventsBatch *batch;
  BatchWrite *write;
  ZvEvent *event;

  if (!self->running || self->writing || self->syncing || self->sync_wanted || store == NULL)
    return;
  /* Already applied (a replay after a reconnect that overlapped a write). */
  while ((event = g_queue_peek_head (&self->queue)) != NULL && event->seq <= self->seq)
    zv_event_free (g_queue_pop_head (&self->queue));
  if (g_queue_is_empty (&self->queue))
    return;

  batch = g_new0 (ZvEventsBatch, 1);
  batch->events = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_event_free);
  batch->me = zv_account_get_user_id (self->account);
  while (batch->events->len < BATCH_MAX && (event = g_queue_pop_head (&self->queue)) != NULL)
    g_ptr_array_add (batch->events, event);

  write = g_new0 (BatchWrite, 1);
  write->self = g_object_ref (self);
  write->batch = batch;
  self->writing = TRUE;
  zv_store_write_async (store, zv_events_write_batch, batch, NULL, self->cancellable, batch_written_cb, write);
}

static void
presence_written_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!zv_store_write_finish (ZV_STORE (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Presence not stored: %s", error->message);
}

/* ---- the stream --------------------------------------------------------------------------------- */

static void
on_live_event (ZvEvents   *self,
               const char *type,
               JsonObject *data)
{
  g_autoptr(GError) error = NULL;

  if (g_str_equal (type, "typing"))
    {
      gint64 chat_id, user_id;

      if (zv_json_get_int (data, "chat_id", &chat_id, &error) && zv_json_get_int (data, "user_id", &user_id, &error))
        g_signal_emit (self, signals[TYPING], 0, chat_id, user_id);
    }
  else if (g_str_equal (type, "presence"))
    {
      gint64 user_id;
      const char *state;
      ZvStore *store = zv_account_get_store (self->account);

      if (zv_json_get_int (data, "user_id", &user_id, &error) &&
          (state = zv_json_get_string (data, "presence", &error)) != NULL)
        {
          if (store != NULL)
            zv_store_write_async (store, zv_events_write_presence, json_object_ref (data),
                                  (GDestroyNotify) json_object_unref, self->cancellable,
                                  presence_written_cb, NULL);
          g_signal_emit (self, signals[PRESENCE], 0, user_id, state);
        }
    }
  else if (g_str_equal (type, "device.revoked"))
    deactivate (self, ZV_API_ERROR_DEVICE_REVOKED);
  if (error != NULL)
    g_debug ("Ignoring a malformed %s event: %s", type, error->message);
}

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *message,
            ZvEvents                *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object, *data = NULL;
  const char *event_type = NULL;
  gint64 seq = 0;
  gsize length;
  const char *text = g_bytes_get_data (message, &length);

  self->heard_us = g_get_monotonic_time ();
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;
  root = zv_json_parse (text, length, &error);
  if (root != NULL && !JSON_NODE_HOLDS_OBJECT (root))
    g_set_error_literal (&error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE, _("The server's answer is not a JSON object"));
  if (error == NULL)
    {
      object = json_node_get_object (root);
      if (zv_json_get_int (object, "seq", &seq, &error) &&
          (event_type = zv_json_get_string (object, "type", &error)) != NULL)
        data = zv_json_get_object (object, "data", &error);
    }
  if (error != NULL)
    {
      /* A stream that breaks the contract cannot be trusted to be complete: start it again. */
      g_warning ("Malformed event from the server: %s", error->message);
      drop_connection (self);
      schedule_retry (self);
      return;
    }

  /* Live-only events carry seq 0; "ready" may too, on a server that has stored nothing yet. */
  if (seq == 0 && !g_str_equal (event_type, "ready") && !g_str_equal (event_type, "resync_required"))
    {
      on_live_event (self, event_type, data);
      return;
    }
  if (g_str_equal (event_type, "account.disabled"))
    {
      deactivate (self, ZV_API_ERROR_ACCOUNT_DISABLED);
      return;
    }
  if (g_str_equal (event_type, "resync_required"))
    {
      /* Events were pruned (or the server forgot our seq): the stored ones are not coming, a sync
       * from the stored token brings the same changes. The "ready" that follows is queued behind
       * it and stores the new seq once the sync is in. */
      self->stats.resyncs++;
      /* The seq may also be one the server never had (its database was restored): from here on
       * the server's numbering counts, even if lower than ours. */
      self->seq = seq - 1;
      self->received = seq - 1;
      self->reset_seq = TRUE;
      request_sync (self, "resync");
      return;
    }
  /* A fresh cache: what happened before this stream opened comes by sync, and the sync must
   * start after the stream did. */
  if (g_str_equal (event_type, "ready") && self->seq < 0)
    want_sync (self, "initial");

  if (seq <= self->received)
    return;   /* the server's own replay overlap; resume makes this rare */
  /* Seqs are shared by every user, so jumps are normal; "prev" (the seq of this user's previous
   * stored event) tells a jump from a lost event. */
  if (self->received >= 0 && json_object_has_member (object, "prev"))
    {
      gint64 prev = 0;

      if (zv_json_get_int (object, "prev", &prev, NULL) && prev > self->received)
        {
          g_debug ("event %" G_GINT64_FORMAT " follows %" G_GINT64_FORMAT ", but %" G_GINT64_FORMAT
                   " was the last received: an event was lost", seq, prev, self->received);
          self->stats.gaps++;
          request_sync (self, "gap");
        }
    }
  self->received = seq;
  {
    ZvEvent *event = zv_event_new (seq, event_type, data);

    if (g_str_equal (event_type, "ready"))
      {
        event->reset_seq = self->reset_seq;
        self->reset_seq = FALSE;
      }
    g_queue_push_tail (&self->queue, event);
  }
  maybe_start_sync (self);
  process_queue (self);
}

static void
on_closed (SoupWebsocketConnection *connection,
           ZvEvents                *self)
{
  gushort code = soup_websocket_connection_get_close_code (connection);
  const char *reason = soup_websocket_connection_get_close_data (connection);

  g_debug ("Event stream closed: %u %s", code, reason != NULL ? reason : "");
  if (code == SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION && g_strcmp0 (reason, "account_disabled") == 0)
    {
      deactivate (self, ZV_API_ERROR_ACCOUNT_DISABLED);
      return;
    }
  if (code == SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION && g_strcmp0 (reason, "device_revoked") == 0)
    {
      deactivate (self, ZV_API_ERROR_DEVICE_REVOKED);
      return;
    }
  drop_connection (self);
  schedule_retry (self);
}

static void
on_pong (SoupWebsocketConnection *connection,
         GBytes                  *message,
         ZvEvents                *self)
{
  self->heard_us = g_get_monotonic_time ();
}

static gboolean
watchdog_cb (gpointer user_data)
{
  ZvEvents *self = user_data;

  if (g_get_monotonic_time () - self->heard_us <= 2 * (gint64) keepalive_s () * G_USEC_PER_SEC)
    return G_SOURCE_CONTINUE;
  self->watchdog_id = 0;
  g_debug ("The event stream has been silent for %u s: reconnecting", 2 * keepalive_s ());
  self->stats.stalls++;
  drop_connection (self);
  schedule_retry (self);
  return G_SOURCE_REMOVE;
}

static gboolean
stable_cb (gpointer user_data)
{
  ZvEvents *self = user_data;

  self->stable_id = 0;
  self->attempt = 0;
  return G_SOURCE_REMOVE;
}

static void
me_cb (GObject      *object,
       GAsyncResult *result,
       gpointer      user_data)
{
  g_autoptr(ZvEvents) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) me = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);

  if (!self->running || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (me != NULL)
    {
      connect_now (self);   /* with the refreshed token */
      return;
    }
  /* Deactivated (ZvAccount wiped and said so) or signed out: nothing to reconnect to. */
  if (zv_api_error_is_deactivation (error) || !zv_account_is_signed_in (self->account) ||
      zv_account_get_store (self->account) == NULL)
    {
      give_up (self, error);
      return;
    }
  /* The server could not be asked: try the refresh again after the next refused upgrade. */
  self->auth_retried = FALSE;
  schedule_retry (self);
}

static void
connected_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ZvEvents) self = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection = zv_api_websocket_connect_finish (ZV_API (object), result, &error);

  if (connection == NULL)
    {
      if (!self->running || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if ((g_error_matches (error, ZV_API_ERROR, ZV_API_ERROR_UNAUTHORIZED) ||
           g_error_matches (error, ZV_API_ERROR, ZV_API_ERROR_TOKEN_EXPIRED)) && !self->auth_retried)
        {
          /* ZvAccount refreshes on a 401 of an ordinary call (and wipes on a deactivated one). */
          self->auth_retried = TRUE;
          zv_account_call_async (self->account, "GET", "/me", NULL, self->cancellable, me_cb, g_object_ref (self));
          return;
        }
      g_debug ("Cannot open the event stream: %s", error->message);
      schedule_retry (self);
      return;
    }

  if (!self->running)
    {
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (connection);
      return;
    }
  self->connection = connection;
  self->auth_retried = FALSE;
  self->stats.connects++;
  soup_websocket_connection_set_keepalive_interval (connection, keepalive_s ());
  soup_websocket_connection_set_max_incoming_payload_size (connection, 4 * 1024 * 1024);
  g_signal_connect (connection, "message", G_CALLBACK (on_message), self);
  g_signal_connect (connection, "pong", G_CALLBACK (on_pong), self);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), self);
  self->stable_id = g_timeout_add_seconds (STABLE_S, stable_cb, self);
  self->heard_us = g_get_monotonic_time ();
  self->watchdog_id = g_timeout_add_seconds (keepalive_s (), watchdog_cb, self);
  set_state (self, ZV_EVENTS_STATE_CONNECTED);
}

static void
connect_now (ZvEvents *self)
{
  ZvApi *api = zv_account_get_api (self->account);
  g_autofree char *path = NULL;

  g_clear_handle_id (&self->retry_id, g_source_remove);
  drop_connection (self);
  if (!self->running)
    return;
  if (api == NULL || zv_account_get_store (self->account) == NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (ZV_API_ERROR, ZV_API_ERROR_UNAUTHORIZED,
                                                     _("No account is signed in on this device"));
      give_up (self, error);
      return;
    }
  /* The server replays everything after the stored seq: what was queued comes again. */
  clear_queue (self);
  self->received = self->seq;
  self->reset_seq = FALSE;
  if (self->seq >= 0)
    path = g_strdup_printf ("/events?since=%" G_GINT64_FORMAT, self->seq);
  else
    path = g_strdup ("/events");
  set_state (self, ZV_EVENTS_STATE_CONNECTING);
  zv_api_websocket_connect_async (api, path, self->cancellable, connected_cb, g_object_ref (self));
}

static gboolean
retry_cb (gpointer user_data)
{
  ZvEvents *self = user_data;

  self->retry_id = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

/* A loopback server (tests, a server on this machine) is reachable whatever the network does. */
static gboolean
server_is_local (ZvEvents *self)
{
  ZvApi *api = zv_account_get_api (self->account);
  g_autoptr(GUri) uri = api != NULL ? g_uri_parse (zv_api_get_base_url (api), G_URI_FLAGS_NONE, NULL) : NULL;
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;
  g_autoptr(GInetAddress) address = host != NULL ? g_inet_address_new_from_string (host) : NULL;

  return g_strcmp0 (host, "localhost") == 0 || (address != NULL && g_inet_address_get_is_loopback (address));
}

static void
schedule_retry (ZvEvents *self)
{
  guint delay;

  if (!self->running || self->retry_id != 0)
    return;
  set_state (self, ZV_EVENTS_STATE_BACKING_OFF);
  /* Offline: no timer at all; network-changed reconnects when it is back. */
  if (!g_network_monitor_get_network_available (self->monitor) && !server_is_local (self))
    return;
  delay = BACKOFF_FIRST_MS << MIN (self->attempt, 6);
  delay = MIN (delay, BACKOFF_CAP_MS);
  /* Jitter: a server restart must not see every client come back in the same second. */
  delay = (guint) g_random_int_range ((gint32) (delay / 2), (gint32) delay + 1);
  self->attempt++;
  g_debug ("Reconnecting the event stream in %u ms", delay);
  self->retry_id = g_timeout_add (delay, retry_cb, self);
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    ZvEvents        *self)
{
  gboolean came_back = available && !self->network_available;

  /* Only the return of the network counts: some systems announce every route change, and
   * reconnecting on each would undo the backoff while the server is down. */
  self->network_available = available;
  if (!self->running || !came_back || self->state != ZV_EVENTS_STATE_BACKING_OFF)
    return;
  self->attempt = 0;
  connect_now (self);
}

/* ---- public ------------------------------------------------------------------------------------- */

ZvEvents *
zv_events_new (ZvAccount *account)
{
  ZvEvents *self;

  g_return_val_if_fail (ZV_IS_ACCOUNT (account), NULL);

  self = g_object_new (ZV_TYPE_EVENTS, NULL);
  self->account = g_object_ref (account);
  self->sync = zv_sync_new (account);
  return self;
}

/**
 * zv_events_start:
 *
 * Opens the stream (resuming from the cache's seq) and keeps it open until zv_events_stop(), a
 * deactivation or a sign-out (then ::failed). A cache never synced is synced first.
 */
void
zv_events_start (ZvEvents *self)
{
  ZvStore *store;
  g_autofree char *token = NULL;

  g_return_if_fail (ZV_IS_EVENTS (self));

  if (self->running)
    return;
  store = zv_account_get_store (self->account);
  self->running = TRUE;
  self->attempt = 0;
  self->auth_retried = FALSE;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->seq = store != NULL ? zv_events_read_seq (store) : -1;
  token = store != NULL ? zv_store_get_meta (store, "sync_token") : NULL;
  /* The sync starts when the stream is ready (see on_message), so it covers all before it. */
  if (token == NULL)
    want_sync (self, "initial");
  connect_now (self);
}

void
zv_events_stop (ZvEvents *self)
{
  g_return_if_fail (ZV_IS_EVENTS (self));

  self->running = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  drop_connection (self);
  clear_queue (self);
  self->sync_wanted = FALSE;
  self->sync_reason = NULL;
  set_state (self, ZV_EVENTS_STATE_DISCONNECTED);
}

ZvEventsState
zv_events_get_state (ZvEvents *self)
{
  g_return_val_if_fail (ZV_IS_EVENTS (self), ZV_EVENTS_STATE_DISCONNECTED);

  return self->state;
}

gint64
zv_events_get_seq (ZvEvents *self)
{
  g_return_val_if_fail (ZV_IS_EVENTS (self), -1);

  return self->seq;
}

const ZvEventsStats *
zv_events_get_stats (ZvEvents *self)
{
  g_return_val_if_fail (ZV_IS_EVENTS (self), NULL);

  return &self->stats;
}

static void
zv_events_dispose (GObject *object)
{
  ZvEvents *self = ZV_EVENTS (object);

  zv_events_stop (self);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  self->monitor = NULL;
  g_clear_object (&self->cancellable);
  g_clear_object (&self->sync);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (zv_events_parent_class)->dispose (object);
}

static void
zv_events_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  ZvEvents *self = ZV_EVENTS (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_SEQ:
      g_value_set_int64 (value, self->seq);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_events_class_init (ZvEventsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = zv_events_dispose;
  object_class->get_property = zv_events_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, ZV_TYPE_EVENTS_STATE, ZV_EVENTS_STATE_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SEQ] =
    g_param_spec_int64 ("seq", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ZvEvents::applied:
   * @type: the event type ("message.created", ..., "ready")
   * @seq: its seq, now stored as "events_seq"
   * @data: (type Json.Node): the event's data object
   *
   * A stored event is in the cache (emitted after ZvStore::changed).
   */
  signals[APPLIED] = g_signal_new ("applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                   NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_INT64, JSON_TYPE_NODE);
  /**
   * ZvEvents::synced:
   * @reason: "initial" (a fresh cache), "resync" (resync_required), "gap" (an event the cache could
   *   not place) or "joined" (a chat joined with history)
   *
   * A sync the stream asked for finished.
   */
  signals[SYNCED] = g_signal_new ("synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * ZvEvents::typing:
   *
   * Someone types in a chat; there is no "stopped": forget it after about 6 s.
   */
  signals[TYPING] = g_signal_new ("typing", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                  NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
  /**
   * ZvEvents::presence:
   * @user_id: who
   * @presence: "online" or "offline" (also stored in users.presence)
   */
  signals[PRESENCE] = g_signal_new ("presence", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                    NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_STRING);
  /**
   * ZvEvents::failed:
   * @error: why
   *
   * The stream stopped for good: the account was deactivated (and wiped) or cannot sign in.
   */
  signals[FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                  NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
zv_events_init (ZvEvents *self)
{
  self->seq = -1;
  self->received = -1;
  g_queue_init (&self->queue);
  self->monitor = g_network_monitor_get_default ();
  self->network_available = g_network_monitor_get_network_available (self->monitor);
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (network_changed_cb), self);
}
