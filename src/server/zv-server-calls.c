/* zv-server-calls.c: telephony records: call history (reported by the clients that placed or took
 * the calls), notes and outcome per call (the CRM hook), call quality reports, and the caller card
 * lookup shown while a call rings. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <string.h>

#include "zv-server-private.h"

#define CALL_COLUMNS "id, sip_call_id, direction, peer_number, peer_name, caller_id, status, started_at, " \
                     "answered_at, ended_at, outcome, notes, notes_at"

static const char *const call_statuses[] = { "answered", "missed", "rejected", "busy", "failed", NULL };

static JsonObject *
call_from_row (sqlite3_stmt *stmt)
{
  JsonObject *object = json_object_new ();
  gint64 answered = sqlite3_column_int64 (stmt, 8);
  gint64 ended = sqlite3_column_int64 (stmt, 9);

  json_object_set_int_member (object, "id", sqlite3_column_int64 (stmt, 0));
  json_object_set_string_member (object, "sip_call_id", zv_server_db_column_text (stmt, 1));
  json_object_set_string_member (object, "direction", zv_server_db_column_text (stmt, 2));
  json_object_set_string_member (object, "peer_number", zv_server_db_column_text (stmt, 3));
  json_object_set_string_member (object, "peer_name", zv_server_db_column_text (stmt, 4));
  json_object_set_string_member (object, "caller_id", zv_server_db_column_text (stmt, 5));
  json_object_set_string_member (object, "status", zv_server_db_column_text (stmt, 6));
  zv_json_set_time (object, "started_at", sqlite3_column_int64 (stmt, 7));
  zv_json_set_time (object, "answered_at", answered);
  zv_json_set_time (object, "ended_at", ended);
  json_object_set_int_member (object, "duration", answered > 0 && ended > answered ? (ended - answered) / 1000 : 0);
  json_object_set_string_member (object, "outcome", zv_server_db_column_text (stmt, 10));
  json_object_set_string_member (object, "notes", zv_server_db_column_text (stmt, 11));
  zv_json_set_time (object, "notes_at", sqlite3_column_int64 (stmt, 12));
  return object;
}

static JsonObject *
load_call (ZvServer *self,
           gint64    call_id,
           gint64    user_id)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "SELECT " CALL_COLUMNS " FROM calls WHERE id = ?1 AND user_id = ?2");
  JsonObject *call = NULL;

  sqlite3_bind_int64 (stmt, 1, call_id);
  sqlite3_bind_int64 (stmt, 2, user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    call = call_from_row (stmt);
  sqlite3_reset (stmt);
  return call;
}

void
zv_handle_calls_list (ZvRequest *req)
{
  ZvServer *self = req->server;
  g_autoptr(JsonObject) reply = json_object_new ();
  JsonArray *calls = json_array_new ();
  gint64 before, limit, count = 0;
  gboolean more = FALSE;
  sqlite3_stmt *stmt;

  json_object_set_array_member (reply, "calls", calls);
  if (!zv_request_query_int (req, "before", G_MAXINT64, 1, G_MAXINT64, &before) ||
      !zv_request_query_int (req, "limit", 50, 1, 500, &limit))
    return;
  stmt = zv_server_db_prepare (self->db,
    "SELECT " CALL_COLUMNS " FROM calls WHERE user_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3");
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  sqlite3_bind_int64 (stmt, 2, before);
  sqlite3_bind_int64 (stmt, 3, limit + 1);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      if (count++ == limit)
        {
          more = TRUE;
          break;
        }
      json_array_add_object_element (calls, call_from_row (stmt));
    }
  sqlite3_reset (stmt);
  json_object_set_boolean_member (reply, "more", more);
  zv_reply_object (req, 200, reply);
}

static gboolean
parse_optional_time (JsonObject *body,
                     const char *member,
                     gint64     *out,
                     gboolean   *ok)
{
  const char *text = zv_json_string (body, member, ok);

  *out = 0;
  if (text == NULL)
    return TRUE;
  *out = zv_parse_time (text);
  if (*out < 0)
    *ok = FALSE;
  return *ok;
}

void
zv_handle_calls_create (ZvRequest *req)
{
  ZvServer *self = req->server;
  JsonObject *body = zv_request_json_object (req);
  g_autoptr(JsonObject) call = NULL;
  g_autoptr(GError) error = NULL;
  const char *sip_call_id, *direction, *peer_number, *peer_name, *caller_id, *status;
  gboolean ok = TRUE, existed = FALSE;
  gint64 started = 0, answered = 0, ended = 0, id = 0;
  sqlite3_stmt *stmt;

  if (body == NULL)
    return;
  sip_call_id = zv_json_string (body, "sip_call_id", &ok);
  direction = zv_json_string (body, "direction", &ok);
  peer_number = zv_json_string (body, "peer_number", &ok);
  peer_name = zv_json_string (body, "peer_name", &ok);
  caller_id = zv_json_string (body, "caller_id", &ok);
  status = zv_json_string (body, "status", &ok);
  parse_optional_time (body, "started_at", &started, &ok);
  parse_optional_time (body, "answered_at", &answered, &ok);
  parse_optional_time (body, "ended_at", &ended, &ok);
  if (status == NULL)
    status = answered > 0 ? "answered" : "missed";
  if (!ok || sip_call_id == NULL || *sip_call_id == '\0' || strlen (sip_call_id) > 256 ||
      direction == NULL || (!g_str_equal (direction, "in") && !g_str_equal (direction, "out")) ||
      peer_number == NULL || strlen (peer_number) > 64 || started <= 0 ||
      !g_strv_contains (call_statuses, status) ||
      (peer_name != NULL && strlen (peer_name) > 256) || (caller_id != NULL && strlen (caller_id) > 64))
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST,
                      "Need \"sip_call_id\", \"direction\" (in|out), \"peer_number\", \"started_at\"; "
                      "optional \"peer_name\", \"caller_id\", \"status\", \"answered_at\", \"ended_at\"");
      return;
    }

  stmt = zv_server_db_prepare (self->db, "SELECT id FROM calls WHERE user_id = ?1 AND sip_call_id = ?2");
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  sqlite3_bind_text (stmt, 2, sip_call_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      existed = TRUE;
      id = sqlite3_column_int64 (stmt, 0);
    }
  sqlite3_reset (stmt);

  /* Reporting the same call again (a retry, or the final report after the first) updates it. */
  stmt = zv_server_db_prepare (self->db,
    "INSERT INTO calls (user_id, sip_call_id, direction, peer_number, peer_name, caller_id, status, "
    "started_at, answered_at, ended_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
    "ON CONFLICT (user_id, sip_call_id) DO UPDATE SET status = excluded.status, "
    "peer_name = excluded.peer_name, answered_at = excluded.answered_at, ended_at = excluded.ended_at");
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  sqlite3_bind_text (stmt, 2, sip_call_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, direction, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, peer_number, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, peer_name != NULL ? peer_name : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, caller_id != NULL ? caller_id : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 7, status, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 8, started);
  if (answered > 0)
    sqlite3_bind_int64 (stmt, 9, answered);
  if (ended > 0)
    sqlite3_bind_int64 (stmt, 10, ended);
  if (!zv_server_db_step_done (self->db, stmt, &error))
    {
      zv_reply_internal (req, error);
      return;
    }
  if (!existed)
    id = sqlite3_last_insert_rowid (zv_server_db_handle (self->db));
  call = load_call (self, id, req->user_id);
  zv_reply_object (req, existed ? 200 : 201, call);
}

void
zv_handle_call_notes (ZvRequest *req)
{
  ZvServer *self = req->server;
  JsonObject *body;
  g_autoptr(JsonObject) call = NULL;
  g_autoptr(GError) error = NULL;
  const char *outcome, *notes;
  gboolean ok = TRUE;
  sqlite3_stmt *stmt;

  call = load_call (self, req->ids[0], req->user_id);
  if (call == NULL)
    {
      /* Another user's call is reported as absent: call records are private. */
      zv_reply_error (req, ZV_API_ERROR_NOT_FOUND, "No such call in your history");
      return;
    }
  g_clear_pointer (&call, json_object_unref);
  if ((body = zv_request_json_object (req)) == NULL)
    return;
  outcome = zv_json_string (body, "outcome", &ok);
  notes = zv_json_string (body, "notes", &ok);
  if (!ok || (outcome == NULL && notes == NULL) ||
      (outcome != NULL && strlen (outcome) > 256) || (notes != NULL && strlen (notes) > 16 * 1024))
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Need \"outcome\" (up to 256 bytes) and/or \"notes\" (16 KiB)");
      return;
    }

  if (!zv_server_db_begin (self->db, &error))
    {
      zv_reply_internal (req, error);
      return;
    }
  stmt = zv_server_db_prepare (self->db,
    "UPDATE calls SET outcome = ifnull(?3, outcome), notes = ifnull(?4, notes), notes_at = ?5 "
    "WHERE id = ?1 AND user_id = ?2");
  sqlite3_bind_int64 (stmt, 1, req->ids[0]);
  sqlite3_bind_int64 (stmt, 2, req->user_id);
  if (outcome != NULL)
    sqlite3_bind_text (stmt, 3, outcome, -1, SQLITE_TRANSIENT);
  if (notes != NULL)
    sqlite3_bind_text (stmt, 4, notes, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, zv_server_now_ms ());
  if (!zv_server_db_step_done (self->db, stmt, &error))
    {
      zv_server_db_rollback (self->db);
      zv_reply_internal (req, error);
      return;
    }
  call = load_call (self, req->ids[0], req->user_id);
  /* The user's other devices show the same notes. */
  zv_events_emit (self, req->user_id, "call.updated", call);
  if (!zv_server_db_commit (self->db, &error))
    {
      zv_server_db_rollback (self->db);
      zv_reply_internal (req, error);
      return;
    }
  zv_events_flush (self);
  zv_reply_object (req, 200, call);
}

void
zv_handle_call_stats (ZvRequest *req)
{
  ZvServer *self = req->server;
  JsonObject *body = zv_request_json_object (req);
  g_autoptr(JsonObject) reply = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *sip_call_id;
  gboolean ok = TRUE;
  gint64 call_id;
  sqlite3_stmt *stmt;

  if (body == NULL)
    return;
  sip_call_id = zv_json_string (body, "sip_call_id", &ok);
  call_id = zv_json_int (body, "call_id", 0, &ok);
  if (!ok || (sip_call_id == NULL && call_id == 0) || (sip_call_id != NULL && strlen (sip_call_id) > 256))
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Need \"sip_call_id\" or \"call_id\" and the metrics");
      return;
    }
  if (call_id != 0)
    {
      g_autoptr(JsonObject) call = load_call (self, call_id, req->user_id);

      if (call == NULL)
        {
          zv_reply_error (req, ZV_API_ERROR_NOT_FOUND, "No such call in your history");
          return;
        }
    }
  else
    {
      stmt = zv_server_db_prepare (self->db, "SELECT id FROM calls WHERE user_id = ?1 AND sip_call_id = ?2");
      sqlite3_bind_int64 (stmt, 1, req->user_id);
      sqlite3_bind_text (stmt, 2, sip_call_id, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        call_id = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, body);
  text = json_to_string (node, FALSE);
  stmt = zv_server_db_prepare (self->db,
    "INSERT INTO call_stats (user_id, call_id, sip_call_id, reported_at, data) VALUES (?1, ?2, ?3, ?4, ?5)");
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  if (call_id != 0)
    sqlite3_bind_int64 (stmt, 2, call_id);
  sqlite3_bind_text (stmt, 3, sip_call_id != NULL ? sip_call_id : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, zv_server_now_ms ());
  sqlite3_bind_text (stmt, 5, text, -1, SQLITE_TRANSIENT);
  if (!zv_server_db_step_done (self->db, stmt, &error))
    {
      zv_reply_internal (req, error);
      return;
    }
  json_object_set_int_member (reply, "id", sqlite3_last_insert_rowid (zv_server_db_handle (self->db)));
  if (call_id != 0)
    json_object_set_int_member (reply, "call_id", call_id);
  else
    json_object_set_null_member (reply, "call_id");
  zv_reply_object (req, 202, reply);
}

/* Digits only; a Russian trunk prefix 8 before ten digits becomes the country code 7. */
static char *
number_key (const char *number)
{
  GString *digits = g_string_new (NULL);

  for (const char *p = number; p != NULL && *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      g_string_append_c (digits, *p);
  if (digits->len == 11 && digits->str[0] == '8')
    digits->str[0] = '7';
  return g_string_free (digits, FALSE);
}

/* Long numbers match on their last ten digits (country code written or not); short ones
 * (extensions) must match exactly. */
static gboolean
numbers_match (const char *a,
               const char *b)
{
  gsize la = strlen (a), lb = strlen (b);

  if (la == 0 || lb == 0)
    return FALSE;
  if (la >= 10 && lb >= 10)
    return g_str_equal (a + la - 10, b + lb - 10);
  return g_str_equal (a, b);
}

void
zv_handle_crm_lookup (ZvRequest *req)
{
  ZvServer *self = req->server;
  const char *number = zv_request_query (req, "number");
  g_autoptr(JsonObject) reply = json_object_new ();
  g_autofree char *key = NULL;
  sqlite3_stmt *stmt;
  gint64 user_id = 0;

  if (number == NULL || strlen (number) > 64)
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Give the phone number as ?number=");
      return;
    }
  key = number_key (number);
  json_object_set_string_member (reply, "number", number);
  if (*key == '\0')
    {
      json_object_set_string_member (reply, "kind", "unknown");
      zv_reply_object (req, 200, reply);
      return;
    }

  stmt = zv_server_db_prepare (self->db,
    "SELECT id, extension, mobile, company_phone FROM users WHERE disabled = 0 AND is_bot = 0 ORDER BY id");
  while (user_id == 0 && sqlite3_step (stmt) == SQLITE_ROW)
    for (int col = 1; col <= 3 && user_id == 0; col++)
      {
        g_autofree char *candidate = number_key (zv_server_db_column_text (stmt, col));

        if (numbers_match (key, candidate))
          user_id = sqlite3_column_int64 (stmt, 0);
      }
  sqlite3_reset (stmt);
  if (user_id != 0)
    {
      json_object_set_string_member (reply, "kind", "user");
      json_object_set_object_member (reply, "user", zv_user_to_json (self, user_id));
      zv_reply_object (req, 200, reply);
      return;
    }

  stmt = zv_server_db_prepare (self->db,
    "SELECT id, name, company, phone, email, notes, phone_digits FROM crm_clients "
    "WHERE phone_digits = ?1 OR (length(?1) >= 10 AND substr(phone_digits, -10) = substr(?1, -10)) "
    "ORDER BY id LIMIT 1");
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      JsonObject *client = json_object_new ();

      json_object_set_int_member (client, "id", sqlite3_column_int64 (stmt, 0));
      json_object_set_string_member (client, "name", zv_server_db_column_text (stmt, 1));
      json_object_set_string_member (client, "company", zv_server_db_column_text (stmt, 2));
      json_object_set_string_member (client, "phone", zv_server_db_column_text (stmt, 3));
      json_object_set_string_member (client, "email", zv_server_db_column_text (stmt, 4));
      json_object_set_string_member (client, "notes", zv_server_db_column_text (stmt, 5));
      json_object_set_string_member (reply, "kind", "client");
      json_object_set_object_member (reply, "client", client);
    }
  else
    json_object_set_string_member (reply, "kind", "unknown");
  sqlite3_reset (stmt);
  zv_reply_object (req, 200, reply);
}
