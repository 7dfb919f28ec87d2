/* zv-server-account.c: what a signed-in user learns about themselves and the company: /me, /policy,
 * /telephony (the SIP account the PBX accepts) and the paged, delta-capable /directory. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "zv-server-private.h"

typedef struct {
  const char *key;
  const char *fallback;
  gboolean    is_int;
} PolicyKey;

/* Every policy key, its default and type; admin "policy set" refuses anything else. */
static const PolicyKey policy_keys[] = {
  { "max_file_size", "104857600", TRUE },
  { "blocked_file_types", "exe,bat,cmd,com,scr,msi,vbs,ps1,jar", FALSE },
  { "external_files_allowed", "0", TRUE },
  { "retention_days", "0", TRUE },
  { "dlp_rules", "[]", FALSE },
  { "conference_number", "", FALSE },
  { "voicemail_number", "", FALSE },
};

static const PolicyKey *
find_policy_key (const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (policy_keys); i++)
    if (g_str_equal (policy_keys[i].key, key))
      return &policy_keys[i];
  return NULL;
}

char *
zv_policy_string (ZvServer   *self,
                  const char *key)
{
  const PolicyKey *pk = find_policy_key (key);
  char *value = zv_server_db_get_setting (self->db, key);

  g_return_val_if_fail (pk != NULL, NULL);
  return value != NULL ? value : g_strdup (pk->fallback);
}

gint64
zv_policy_int (ZvServer   *self,
               const char *key)
{
  g_autofree char *value = zv_policy_string (self, key);

  if (g_str_equal (value, "true"))
    return 1;
  return g_ascii_strtoll (value, NULL, 10);
}

static void
add_text_array (JsonObject *object,
                const char *member,
                const char *value)
{
  JsonArray *array = json_array_new ();

  if (value != NULL && *value != '\0')
    json_array_add_string_element (array, value);
  json_object_set_array_member (object, member, array);
}

#define USER_COLUMNS "id, login, name, title, department, email, extension, mobile, company_phone, " \
                     "external, is_bot, disabled"

static JsonObject *
user_from_row (ZvServer     *self,
               sqlite3_stmt *stmt)
{
  JsonObject *object = json_object_new ();
  JsonObject *phones = json_object_new ();
  gint64 id = sqlite3_column_int64 (stmt, 0);

  json_object_set_int_member (object, "id", id);
  json_object_set_string_member (object, "login", zv_server_db_column_text (stmt, 1));
  json_object_set_string_member (object, "name", zv_server_db_column_text (stmt, 2));
  json_object_set_string_member (object, "title", zv_server_db_column_text (stmt, 3));
  json_object_set_string_member (object, "department", zv_server_db_column_text (stmt, 4));
  add_text_array (object, "emails", zv_server_db_column_text (stmt, 5));
  json_object_set_string_member (phones, "extension", zv_server_db_column_text (stmt, 6));
  json_object_set_string_member (phones, "mobile", zv_server_db_column_text (stmt, 7));
  add_text_array (phones, "company", zv_server_db_column_text (stmt, 8));
  json_object_set_object_member (object, "phones", phones);
  json_object_set_boolean_member (object, "external", sqlite3_column_int (stmt, 9) != 0);
  json_object_set_boolean_member (object, "bot", sqlite3_column_int (stmt, 10) != 0);
  json_object_set_string_member (object, "presence",
                                 sqlite3_column_int (stmt, 10) != 0 || zv_events_is_online (self, id)
                                 ? "online" : "offline");
  return object;
}

JsonObject *
zv_user_to_json (ZvServer *self,
                 gint64    user_id)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db,
    "SELECT " USER_COLUMNS " FROM users WHERE id = ?1");
  JsonObject *object = NULL;

  sqlite3_bind_int64 (stmt, 1, user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    object = user_from_row (self, stmt);
  sqlite3_reset (stmt);
  if (object == NULL)
    {
      object = json_object_new ();
      json_object_set_int_member (object, "id", user_id);
    }
  return object;
}

gboolean
zv_user_is_external (ZvServer *self,
                     gint64    user_id)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (self->db, "SELECT external FROM users WHERE id = ?1");
  gboolean external = FALSE;

  sqlite3_bind_int64 (stmt, 1, user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    external = sqlite3_column_int (stmt, 0) != 0;
  sqlite3_reset (stmt);
  return external;
}

void
zv_handle_me (ZvRequest *req)
{
  g_autoptr(JsonObject) object = zv_user_to_json (req->server, req->user_id);

  json_object_set_int_member (object, "device_id", req->device_id);
  zv_reply_object (req, 200, object);
}

void
zv_handle_user (ZvRequest *req)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (req->server->db,
    "SELECT " USER_COLUMNS " FROM users WHERE id = ?1");
  g_autoptr(JsonObject) object = NULL;

  sqlite3_bind_int64 (stmt, 1, req->ids[0]);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_int (stmt, 11) == 0)
    object = user_from_row (req->server, stmt);
  sqlite3_reset (stmt);
  if (object == NULL)
    zv_reply_error (req, ZV_API_ERROR_NOT_FOUND, "No such user");
  else
    zv_reply_object (req, 200, object);
}

void
zv_handle_policy (ZvRequest *req)
{
  ZvServer *self = req->server;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autofree char *blocked = zv_policy_string (self, "blocked_file_types");
  g_autofree char *dlp = zv_policy_string (self, "dlp_rules");
  g_auto(GStrv) types = g_strsplit (blocked, ",", -1);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *array = json_array_new ();

  json_object_set_int_member (object, "max_file_size", zv_policy_int (self, "max_file_size"));
  for (guint i = 0; types[i] != NULL; i++)
    {
      g_strstrip (types[i]);
      if (*types[i] != '\0')
        json_array_add_string_element (array, types[i]);
    }
  json_object_set_array_member (object, "blocked_file_types", array);
  json_object_set_boolean_member (object, "external_files_allowed",
                                  zv_policy_int (self, "external_files_allowed") != 0);
  json_object_set_int_member (object, "retention_days", zv_policy_int (self, "retention_days"));
  if (json_parser_load_from_data (parser, dlp, -1, NULL) && json_parser_get_root (parser) != NULL &&
      JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    json_object_set_member (object, "dlp_rules", json_node_copy (json_parser_get_root (parser)));
  else
    json_object_set_array_member (object, "dlp_rules", json_array_new ());
  zv_reply_object (req, 200, object);
}

void
zv_handle_telephony (ZvRequest *req)
{
  ZvServer *self = req->server;
  g_autoptr(JsonObject) object = json_object_new ();
  JsonObject *sip = json_object_new ();
  JsonArray *caller_ids = json_array_new ();
  g_autofree char *conference = zv_policy_string (self, "conference_number");
  g_autofree char *voicemail = zv_policy_string (self, "voicemail_number");
  sqlite3_stmt *stmt;

  stmt = zv_server_db_prepare (self->db,
    "SELECT sip_username, sip_password, extension FROM users WHERE id = ?1");
  sqlite3_bind_int64 (stmt, 1, req->user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      json_object_set_string_member (sip, "registrar", self->config.sip_registrar);
      json_object_set_string_member (sip, "proxy", self->config.sip_registrar);
      json_object_set_string_member (sip, "transport", self->config.sip_transport);
      json_object_set_string_member (sip, "username", zv_server_db_column_text (stmt, 0));
      json_object_set_string_member (sip, "auth_username", zv_server_db_column_text (stmt, 0));
      json_object_set_string_member (sip, "password", zv_server_db_column_text (stmt, 1));
      json_object_set_string_member (sip, "domain", self->config.sip_domain);
      json_object_set_string_member (object, "extension", zv_server_db_column_text (stmt, 2));
    }
  sqlite3_reset (stmt);
  json_object_set_object_member (object, "sip", sip);

  stmt = zv_server_db_prepare (self->db,
    "SELECT number, label, is_default FROM caller_ids ORDER BY is_default DESC, id");
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      JsonObject *cid = json_object_new ();

      json_object_set_string_member (cid, "number", zv_server_db_column_text (stmt, 0));
      json_object_set_string_member (cid, "label", zv_server_db_column_text (stmt, 1));
      json_object_set_boolean_member (cid, "default", sqlite3_column_int (stmt, 2) != 0);
      json_array_add_object_element (caller_ids, cid);
    }
  sqlite3_reset (stmt);
  json_object_set_array_member (object, "caller_ids", caller_ids);
  json_object_set_string_member (object, "conference_number", conference);
  json_object_set_string_member (object, "voicemail_number", voicemail);
  zv_reply_object (req, 200, object);
}

/* Directory cursors: "p.SNAPSHOT.LASTID" while paging the full list, "d.SEQ" for the delta. */
void
zv_handle_directory (ZvRequest *req)
{
  ZvServer *self = req->server;
  const char *cursor = zv_request_query (req, "cursor");
  g_autoptr(JsonObject) reply = json_object_new ();
  JsonArray *entries = json_array_new ();
  JsonArray *deleted = json_array_new ();
  g_autofree char *next = NULL;
  gint64 limit, snapshot = 0, last = 0;
  gboolean more = FALSE, delta = FALSE;
  sqlite3_stmt *stmt;
  int count = 0;

  json_object_set_array_member (reply, "entries", entries);
  json_object_set_array_member (reply, "deleted", deleted);
  if (!zv_request_query_int (req, "limit", 200, 1, 1000, &limit))
    return;

  if (cursor == NULL)
    snapshot = zv_server_db_current_seq (self->db);
  else if (sscanf (cursor, "p.%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT, &snapshot, &last) == 2)
    ;
  else if (sscanf (cursor, "d.%" G_GINT64_FORMAT, &snapshot) == 1)
    delta = TRUE;
  else
    {
      zv_reply_error (req, ZV_API_ERROR_BAD_REQUEST, "Malformed cursor");
      return;
    }

  if (!delta)
    {
      stmt = zv_server_db_prepare (self->db,
        "SELECT " USER_COLUMNS " FROM users WHERE id > ?1 AND disabled = 0 ORDER BY id LIMIT ?2");
      sqlite3_bind_int64 (stmt, 1, last);
      sqlite3_bind_int64 (stmt, 2, limit + 1);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          if (count++ == limit)
            {
              more = TRUE;
              break;
            }
          last = sqlite3_column_int64 (stmt, 0);
          json_array_add_object_element (entries, user_from_row (self, stmt));
        }
      sqlite3_reset (stmt);
      next = more ? g_strdup_printf ("p.%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT, snapshot, last)
                  : g_strdup_printf ("d.%" G_GINT64_FORMAT, snapshot);
    }
  else
    {
      gint64 upper = snapshot;

      stmt = zv_server_db_prepare (self->db,
        "SELECT " USER_COLUMNS ", seq FROM users WHERE seq > ?1 ORDER BY seq LIMIT ?2");
      sqlite3_bind_int64 (stmt, 1, snapshot);
      sqlite3_bind_int64 (stmt, 2, limit + 1);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          if (count++ == limit)
            {
              more = TRUE;
              break;
            }
          upper = sqlite3_column_int64 (stmt, 12);
          if (sqlite3_column_int (stmt, 11) != 0)
            json_array_add_int_element (deleted, sqlite3_column_int64 (stmt, 0));
          else
            json_array_add_object_element (entries, user_from_row (self, stmt));
        }
      sqlite3_reset (stmt);
      if (!more)
        upper = MAX (upper, zv_server_db_current_seq (self->db));
      next = g_strdup_printf ("d.%" G_GINT64_FORMAT, upper);
    }

  json_object_set_string_member (reply, "next_cursor", next);
  json_object_set_boolean_member (reply, "more", more);
  zv_reply_object (req, 200, reply);
}

/* Used by the admin CLI: is @value acceptable for @key? */
gboolean
zv_policy_key_valid (const char  *key,
                     const char  *value,
                     char       **message)
{
  const PolicyKey *pk = find_policy_key (key);
  gint64 number;

  if (pk == NULL)
    {
      g_autoptr(GString) known = g_string_new (NULL);

      for (gsize i = 0; i < G_N_ELEMENTS (policy_keys); i++)
        g_string_append_printf (known, "%s%s", i ? ", " : "", policy_keys[i].key);
      *message = g_strdup_printf ("Unknown policy key \"%s\" (known: %s)", key, known->str);
      return FALSE;
    }
  if (pk->is_int && !g_ascii_string_to_signed (value, 10, 0, G_MAXINT64, &number, NULL) &&
      !g_str_equal (value, "true") && !g_str_equal (value, "false"))
    {
      *message = g_strdup_printf ("\"%s\" wants a non-negative integer (or true/false)", key);
      return FALSE;
    }
  if (g_str_equal (key, "dlp_rules"))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (!json_parser_load_from_data (parser, value, -1, NULL) ||
          !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
        {
          *message = g_strdup ("\"dlp_rules\" wants a JSON array of {\"name\", \"pattern\", \"action\"}");
          return FALSE;
        }
    }
  return TRUE;
}
