/* zv-server-echo.c: "Echo", the demo bot. It exists in every database (created at server start), and
 * in any chat it is a member of it answers each message from someone else after a short delay, by
 * the same send path a person's message takes, so sync, events and unread counts all see it. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include "zv-server-private.h"

void
zv_echo_ensure_user (ZvServer *self)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db, "SELECT id FROM users WHERE login = 'echo'");
  g_autoptr(GError) error = NULL;
  ZvUserSpec spec = {
    .login = "echo",
    .name = "Echo",
    .title = "Demo bot: answers every message",
    .is_bot = TRUE,
  };

  if (sqlite3_step (stmt) == SQLITE_ROW)
    self->echo_user_id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (self->echo_user_id != 0)
    return;
  self->echo_user_id = zv_users_create (self->db, &spec, self->config.sip_domain, &error);
  if (self->echo_user_id == 0)
    g_warning ("Cannot create the Echo bot: %s", error->message);
}

typedef struct {
  ZvServer *server;
  gint64    chat_id;
  gint64    message_id;
} EchoJob;

static gboolean
echo_answer (gpointer user_data)
{
  EchoJob *job = user_data;
  ZvServer *self = job->server;
  g_autoptr(JsonObject) original = zv_message_to_json (self, job->message_id);
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *client_id = g_strdup_printf ("echo-%" G_GINT64_FORMAT, job->message_id);
  g_autofree char *text = NULL;
  gboolean created;
  ZvApiError code;

  if (original == NULL || json_object_get_boolean_member (original, "deleted") ||
      !zv_chat_is_member (self, job->chat_id, self->echo_user_id))
    return G_SOURCE_REMOVE;
  text = g_strdup_printf ("Echo: %s", json_object_get_string_member (original, "text"));
  reply = zv_chat_send_message (self, self->echo_user_id, job->chat_id, client_id, text,
                                job->message_id, NULL, &created, &code, &error);
  if (reply == NULL)
    g_warning ("Echo could not answer: %s", error->message);
  return G_SOURCE_REMOVE;
}

void
zv_echo_schedule (ZvServer *self,
               gint64    chat_id,
               gint64    message_id,
               gint64    sender_id)
{
  EchoJob *job;

  if (self->echo_user_id == 0 || sender_id == self->echo_user_id ||
      !zv_chat_is_member (self, chat_id, self->echo_user_id))
    return;
  job = g_new0 (EchoJob, 1);
  job->server = self;
  job->chat_id = chat_id;
  job->message_id = message_id;
  /* The server outlives its timeouts: zveno-server quits its main loop only on SIGTERM. */
  g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) self->config.echo_delay_ms, echo_answer, job, g_free);
}
