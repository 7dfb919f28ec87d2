/* zv-server-events.c: /api/v1/events, the WebSocket every client keeps open.
 *
 * Changes are stored per user in the events table inside the transaction that made them, and pushed
 * to open sockets after commit (zv_events_flush), so the order on the wire is the commit order and a
 * client resuming with ?since=SEQ gets exactly what it missed. Events pruned away make a resume
 * impossible: then the client gets one resync_required and must /sync. Typing and presence are never
 * stored (seq 0). A housekeeping tick also delivers events other processes stored (the admin CLI) and
 * closes the sockets of disabled accounts and revoked devices. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <string.h>

#include "zv-server-private.h"

struct _ZvEventClient
{
  ZvServer                *server;  /* borrowed */
  SoupWebsocketConnection *conn;    /* owned */
  gint64                   user_id;
  gint64                   device_id;
  gint64                   last_seq;
  gboolean                 closing;
};

static void
event_client_free (ZvEventClient *client)
{
  g_clear_object (&client->conn);
  g_free (client);
}

void
zv_events_init (ZvServer *self)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db, "SELECT ifnull(max(seq), 0) FROM events");

  if (sqlite3_step (stmt) == SQLITE_ROW)
    self->events_flushed = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  self->event_clients = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                               (GDestroyNotify) g_ptr_array_unref);
}

static char *
object_to_text (JsonObject *data)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, data);
  return json_to_string (node, FALSE);
}

static void
insert_event (ZvServer   *self,
              gint64      user_id,
              const char *type,
              const char *data)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "INSERT INTO events (user_id, type, data, created_at) VALUES (?1, ?2, ?3, ?4)");
  g_autoptr(GError) error = NULL;

  sqlite3_bind_int64 (stmt, 1, user_id);
  sqlite3_bind_text (stmt, 2, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, data, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, zv_server_now_ms ());
  if (!zv_server_db_step_done (self->db, stmt, &error))
    g_warning ("Cannot store a %s event: %s", type, error->message);
}

void
zv_events_emit (ZvServer   *self,
                gint64      user_id,
                const char *type,
                JsonObject *data)
{
  g_autofree char *text = object_to_text (data);

  insert_event (self, user_id, type, text);
}

void
zv_events_emit_chat (ZvServer   *self,
                     gint64      chat_id,
                     const char *type,
                     JsonObject *data)
{
  g_autofree char *text = object_to_text (data);
  g_autoptr(GArray) users = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "SELECT user_id FROM members WHERE chat_id = ?1 AND left_at IS NULL");

  sqlite3_bind_int64 (stmt, 1, chat_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 uid = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (users, uid);
    }
  sqlite3_reset (stmt);
  for (guint i = 0; i < users->len; i++)
    insert_event (self, g_array_index (users, gint64, i), type, text);
}

/* The seq of @user_id's stored event before @seq (0: none). Sent as "prev" with every stored event:
 * seqs are shared by all users, so a client sees jumps all the time; "prev" lets it tell a jump from
 * a lost event (prev above the last seq it applied). */
static gint64
previous_seq (ZvServer *self,
              gint64    user_id,
              gint64    seq)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "SELECT ifnull(max(seq), 0) FROM events WHERE user_id = ?1 AND seq < ?2");
  gint64 prev = 0;

  sqlite3_bind_int64 (stmt, 1, user_id);
  sqlite3_bind_int64 (stmt, 2, seq);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    prev = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return prev;
}

/* ZVENO_SERVER_EVENT_SKIP=N (testing only, docs/api.md "Testing"): the Nth stored event this server
 * sends is not sent, once, as if the frame were lost; clients must notice by "prev". */
static gboolean
skip_for_test (void)
{
  static gint64 countdown = -2;

  if (countdown == -2)
    {
      const char *env = g_getenv ("ZVENO_SERVER_EVENT_SKIP");

      countdown = env != NULL ? g_ascii_strtoll (env, NULL, 10) : -1;
    }
  if (countdown <= 0)
    return FALSE;
  return --countdown == 0;
}

static void
client_send (ZvEventClient *client,
             gint64         seq,
             gint64         prev,
             const char    *type,
             const char    *data)
{
  g_autofree char *text = NULL;

  if (client->closing || soup_websocket_connection_get_state (client->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  if (prev > 0 && skip_for_test ())
    {
      client->last_seq = MAX (client->last_seq, seq);
      return;
    }
  /* type is one of our own identifiers and data is JSON we generated: plain concatenation is safe. */
  if (prev >= 0)
    text = g_strdup_printf ("{\"seq\":%" G_GINT64_FORMAT ",\"prev\":%" G_GINT64_FORMAT ",\"type\":\"%s\",\"data\":%s}",
                            seq, prev, type, data);
  else
    text = g_strdup_printf ("{\"seq\":%" G_GINT64_FORMAT ",\"type\":\"%s\",\"data\":%s}", seq, type, data);
  soup_websocket_connection_send_text (client->conn, text);
  if (seq > client->last_seq)
    client->last_seq = seq;
}

static void
client_close (ZvEventClient *client,
              const char    *reason)
{
  if (client->closing)
    return;
  client->closing = TRUE;
  if (soup_websocket_connection_get_state (client->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (client->conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, reason);
}

void
zv_events_flush (ZvServer *self)
{
  sqlite3_stmt *stmt;

  if (self->event_clients == NULL)
    return;
  stmt = zv_server_db_prepare (self->db,
    "SELECT seq, user_id, type, data FROM events WHERE seq > ?1 ORDER BY seq");
  sqlite3_bind_int64 (stmt, 1, self->events_flushed);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);
      gint64 user_id = sqlite3_column_int64 (stmt, 1);
      const char *type = zv_server_db_column_text (stmt, 2);
      GPtrArray *clients = g_hash_table_lookup (self->event_clients, &user_id);

      gint64 prev = -1;

      self->events_flushed = seq;
      if (clients == NULL)
        continue;
      for (guint i = 0; i < clients->len; i++)
        {
          ZvEventClient *client = clients->pdata[i];

          if (seq <= client->last_seq)
            continue;
          if (prev < 0)
            prev = previous_seq (self, user_id, seq);
          client_send (client, seq, prev, type, zv_server_db_column_text (stmt, 3));
          if (g_str_equal (type, "account.disabled"))
            client_close (client, "account_disabled");
        }
    }
  sqlite3_reset (stmt);
}

void
zv_events_send_live (ZvServer   *self,
                     gint64      user_id,
                     const char *type,
                     JsonObject *data)
{
  GPtrArray *clients = g_hash_table_lookup (self->event_clients, &user_id);
  g_autofree char *text = NULL;

  if (clients == NULL || clients->len == 0)
    return;
  text = object_to_text (data);
  for (guint i = 0; i < clients->len; i++)
    client_send (clients->pdata[i], 0, -1, type, text);
}

static void
broadcast_presence (ZvServer *self,
                    gint64    user_id,
                    gboolean  online)
{
  g_autoptr(JsonObject) data = json_object_new ();
  g_autoptr(GList) users = g_hash_table_get_keys (self->event_clients);

  json_object_set_int_member (data, "user_id", user_id);
  json_object_set_string_member (data, "presence", online ? "online" : "offline");
  for (GList *l = users; l != NULL; l = l->next)
    if (*(gint64 *) l->data != user_id)
      zv_events_send_live (self, *(gint64 *) l->data, "presence", data);
}

gboolean
zv_events_is_online (ZvServer *self,
                     gint64    user_id)
{
  GPtrArray *clients = self->event_clients != NULL ? g_hash_table_lookup (self->event_clients, &user_id) : NULL;

  return clients != NULL && clients->len > 0;
}

/* Closes the streams of accounts disabled and devices revoked since they connected: the admin CLI
 * is another process, so the server looks instead of being told. */
void
zv_events_check_clients (ZvServer *self)
{
  GHashTableIter iter;
  gpointer value;

  if (self->event_clients == NULL)
    return;
  g_hash_table_iter_init (&iter, self->event_clients);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GPtrArray *clients = value;

      for (guint i = 0; i < clients->len; i++)
        {
          ZvEventClient *client = clients->pdata[i];
          sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
            "SELECT u.disabled, d.revoked_at IS NOT NULL FROM devices d JOIN users u ON u.id = d.user_id "
            "WHERE d.id = ?1");
          int disabled = 1, revoked = 1;

          sqlite3_bind_int64 (stmt, 1, client->device_id);
          if (sqlite3_step (stmt) == SQLITE_ROW)
            {
              disabled = sqlite3_column_int (stmt, 0);
              revoked = sqlite3_column_int (stmt, 1);
            }
          sqlite3_reset (stmt);
          if (disabled)
            client_close (client, "account_disabled");
          else if (revoked)
            {
              client_send (client, 0, -1, "device.revoked", "{}");
              client_close (client, "device_revoked");
            }
        }
    }
}

void
zv_events_prune (ZvServer *self)
{
  gint64 pruned = zv_server_db_get_meta (self->db, "events_pruned");
  gint64 cut = self->events_flushed - self->config.events_keep;
  sqlite3_stmt *stmt;

  /* Prune in steps of a tenth of the window so the DELETE is not run every second. */
  if (cut <= pruned || cut - pruned < MAX (1, self->config.events_keep / 10))
    return;
  if (!zv_server_db_begin (self->db, NULL))
    return;
  stmt = zv_server_db_prepare (self->db, "DELETE FROM events WHERE seq <= ?1");
  sqlite3_bind_int64 (stmt, 1, cut);
  if (!zv_server_db_step_done (self->db, stmt, NULL))
    {
      zv_server_db_rollback (self->db);
      return;
    }
  zv_server_db_set_meta (self->db, "events_pruned", cut);
  zv_server_db_commit (self->db, NULL);
}

/* ---- the socket -------------------------------------------------------------------------------- */

void
zv_handle_events (ZvRequest *req)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (req->msg);
  gint64 since;

  if (!zv_request_query_int (req, "since", -1, 0, G_MAXINT64, &since))
    return;
  if (!soup_message_headers_header_contains (headers, "Upgrade", "websocket"))
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "This resource is a WebSocket: send an Upgrade request");
      return;
    }
  /* Fault injection (tests only): a stream that goes quiet after the handshake. */
  if (zv_faults_stall_websocket (req->server, req->msg, req->path))
    return;
  /* Leaving the status unset lets libsoup complete the handshake and call zv_events_websocket_cb. */
  g_object_set_data_full (G_OBJECT (req->msg), "zv-user-id", g_memdup2 (&req->user_id, sizeof (gint64)), g_free);
  g_object_set_data_full (G_OBJECT (req->msg), "zv-device-id", g_memdup2 (&req->device_id, sizeof (gint64)), g_free);
  g_object_set_data_full (G_OBJECT (req->msg), "zv-since", g_memdup2 (&since, sizeof (gint64)), g_free);
}

static void
on_closed (SoupWebsocketConnection *conn,
           ZvEventClient           *client)
{
  ZvServer *self = client->server;
  gint64 user_id = client->user_id;
  GPtrArray *clients = g_hash_table_lookup (self->event_clients, &user_id);

  g_signal_handlers_disconnect_by_data (conn, client);
  if (clients == NULL)
    return;
  g_ptr_array_remove (clients, client);
  if (clients->len == 0)
    {
      g_hash_table_remove (self->event_clients, &user_id);
      broadcast_presence (self, user_id, FALSE);
    }
}

static void
on_message (SoupWebsocketConnection *conn,
            int                      type,
            GBytes                  *message,
            ZvEventClient           *client)
{
  /* The stream is one-way; clients write through HTTP. Anything sent here is ignored. */
}

void
zv_events_websocket_cb (SoupServer              *soup,
                        SoupServerMessage       *msg,
                        const char              *path,
                        SoupWebsocketConnection *connection,
                        gpointer                 user_data)
{
  ZvServer *self = user_data;
  gint64 *user_id = g_object_get_data (G_OBJECT (msg), "zv-user-id");
  gint64 *device_id = g_object_get_data (G_OBJECT (msg), "zv-device-id");
  gint64 *since = g_object_get_data (G_OBJECT (msg), "zv-since");
  gint64 pruned;
  ZvEventClient *client;
  GPtrArray *clients;
  gboolean first;

  if (user_id == NULL || device_id == NULL || since == NULL)
    {
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "unauthorized");
      return;
    }

  client = g_new0 (ZvEventClient, 1);
  client->server = self;
  client->conn = g_object_ref (connection);
  client->user_id = *user_id;
  client->device_id = *device_id;
  soup_websocket_connection_set_keepalive_interval (connection, 30);
  soup_websocket_connection_set_max_incoming_payload_size (connection, 64 * 1024);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), client);
  g_signal_connect (connection, "message", G_CALLBACK (on_message), client);

  /* Push whatever is committed but not yet pushed, so the backlog below ends where live delivery
   * begins. */
  zv_events_flush (self);
  pruned = zv_server_db_get_meta (self->db, "events_pruned");

  if (*since >= 0 && (*since < pruned || *since > self->events_flushed))
    {
      client_send (client, self->events_flushed, -1, "resync_required", "{}");
    }
  else if (*since >= 0)
    {
      sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
        "SELECT seq, type, data FROM events WHERE user_id = ?1 AND seq > ?2 AND seq <= ?3 ORDER BY seq");

      sqlite3_bind_int64 (stmt, 1, client->user_id);
      sqlite3_bind_int64 (stmt, 2, *since);
      sqlite3_bind_int64 (stmt, 3, self->events_flushed);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          gint64 seq = sqlite3_column_int64 (stmt, 0);

          client_send (client, seq, previous_seq (self, client->user_id, seq),
                       zv_server_db_column_text (stmt, 1), zv_server_db_column_text (stmt, 2));
        }
      sqlite3_reset (stmt);
    }
  client->last_seq = MAX (client->last_seq, self->events_flushed);
  /* Tells the client where the stream stands, so it can resume from here even if nothing
   * happens to it before it disconnects. */
  client_send (client, self->events_flushed, -1, "ready", "{}");

  clients = g_hash_table_lookup (self->event_clients, &client->user_id);
  first = clients == NULL;
  if (clients == NULL)
    {
      clients = g_ptr_array_new_with_free_func ((GDestroyNotify) event_client_free);
      g_hash_table_insert (self->event_clients, g_memdup2 (&client->user_id, sizeof (gint64)), clients);
    }
  g_ptr_array_add (clients, client);
  if (first)
    broadcast_presence (self, client->user_id, TRUE);
}

void
zv_events_shutdown (ZvServer *self)
{
  GHashTableIter iter;
  gpointer value;

  if (self->event_clients == NULL)
    return;
  g_hash_table_iter_init (&iter, self->event_clients);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GPtrArray *clients = value;

      for (guint i = 0; i < clients->len; i++)
        {
          ZvEventClient *client = clients->pdata[i];

          g_signal_handlers_disconnect_by_data (client->conn, client);
          if (soup_websocket_connection_get_state (client->conn) == SOUP_WEBSOCKET_STATE_OPEN)
            soup_websocket_connection_close (client->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "server stopping");
        }
    }
  g_clear_pointer (&self->event_clients, g_hash_table_unref);
}
