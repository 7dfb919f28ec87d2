/* zv-server-admin.c: `zveno-server admin --db FILE COMMAND ...`: users (add, disable, enable, passwd,
 * list), devices (list, revoke), policy (set, get), caller ids, CRM clients and stats. Output is for
 * people, except `stats --json` and `user list --json`, which are for scripts. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "zv-server-admin.h"
#include "zv-server-private.h"

static const char usage_text[] =
  "usage: zveno-server admin --db FILE COMMAND\n"
  "  user add LOGIN --name NAME [--password-stdin] [--title T] [--department D] [--email E]\n"
  "           [--extension X] [--mobile M] [--company-phone P] [--external]\n"
  "  user disable LOGIN | user enable LOGIN\n"
  "  user passwd LOGIN --password-stdin\n"
  "  user list [--json]\n"
  "  device list LOGIN | device revoke DEVICE_ID\n"
  "  policy set KEY VALUE | policy get KEY\n"
  "  caller-id add NUMBER [--label L] [--default]\n"
  "  crm add NAME --phone P [--company C] [--email E] [--notes N]\n"
  "  stats [--json]\n";

static int
usage (void)
{
  fputs (usage_text, stderr);
  return 2;
}

static int
fail (const char *what,
      GError     *error)
{
  fprintf (stderr, "zveno-server admin: %s%s%s\n", what, error ? ": " : "", error ? error->message : "");
  return 1;
}

/* Takes "--name VALUE" style options out of argv; returns the value or NULL. */
static const char *
take_option (GPtrArray  *args,
             const char *name)
{
  for (guint i = 0; i < args->len; i++)
    if (g_str_equal (args->pdata[i], name))
      {
        const char *value = i + 1 < args->len ? args->pdata[i + 1] : NULL;

        if (value == NULL)
          return NULL;
        g_ptr_array_remove_range (args, i, 2);
        return value;
      }
  return NULL;
}

static gboolean
take_flag (GPtrArray  *args,
           const char *name)
{
  for (guint i = 0; i < args->len; i++)
    if (g_str_equal (args->pdata[i], name))
      {
        g_ptr_array_remove_index (args, i);
        return TRUE;
      }
  return FALSE;
}

static char *
read_password (void)
{
  char buffer[1024];
  gsize len;

  if (fgets (buffer, sizeof buffer, stdin) == NULL)
    return NULL;
  len = strlen (buffer);
  while (len > 0 && (buffer[len - 1] == '\n' || buffer[len - 1] == '\r'))
    buffer[--len] = '\0';
  return len > 0 ? g_strdup (buffer) : NULL;
}

static gint64
count (ZvServerDb *db,
       const char *sql)
{
  sqlite3_stmt *stmt = zv_server_db_prepare (db, sql);
  gint64 n = 0;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return n;
}

static int
cmd_stats (ZvServerDb *db,
           gboolean    json)
{
  gint64 users = count (db, "SELECT count(*) FROM users WHERE is_bot = 0");
  gint64 active = count (db, "SELECT count(*) FROM users WHERE is_bot = 0 AND disabled = 0");
  gint64 chats = count (db, "SELECT count(*) FROM chats");
  gint64 messages = count (db, "SELECT count(*) FROM messages");
  gint64 files = count (db, "SELECT count(*) FROM files");
  gint64 bytes = count (db, "SELECT ifnull(sum(size), 0) FROM files");
  gint64 devices = count (db, "SELECT count(*) FROM devices WHERE revoked_at IS NULL");
  gint64 calls = count (db, "SELECT count(*) FROM calls");

  if (json)
    printf ("{\"users\": %" G_GINT64_FORMAT ", \"active_users\": %" G_GINT64_FORMAT
            ", \"chats\": %" G_GINT64_FORMAT ", \"messages\": %" G_GINT64_FORMAT
            ", \"files\": %" G_GINT64_FORMAT ", \"file_bytes\": %" G_GINT64_FORMAT
            ", \"devices\": %" G_GINT64_FORMAT ", \"calls\": %" G_GINT64_FORMAT "}\n",
            users, active, chats, messages, files, bytes, devices, calls);
  else
    printf ("users %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT " active)\nchats %" G_GINT64_FORMAT
            "\nmessages %" G_GINT64_FORMAT "\nfiles %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT " bytes)\n"
            "devices %" G_GINT64_FORMAT "\ncalls %" G_GINT64_FORMAT "\n",
            users, active, chats, messages, files, bytes, devices, calls);
  return 0;
}

static int
cmd_user (ZvServerDb *db,
          GPtrArray  *args)
{
  g_autoptr(GError) error = NULL;
  const char *verb = args->len > 0 ? args->pdata[0] : "";

  if (g_str_equal (verb, "add") && args->len >= 2)
    {
      g_autofree char *password = NULL;
      ZvUserSpec spec = { 0 };
      gboolean from_stdin;
      gint64 id;

      spec.name = take_option (args, "--name");
      spec.title = take_option (args, "--title");
      spec.department = take_option (args, "--department");
      spec.email = take_option (args, "--email");
      spec.extension = take_option (args, "--extension");
      spec.mobile = take_option (args, "--mobile");
      spec.company_phone = take_option (args, "--company-phone");
      spec.external = take_flag (args, "--external");
      from_stdin = take_flag (args, "--password-stdin");
      if (args->len != 2 || spec.name == NULL)
        return usage ();
      spec.login = args->pdata[1];
      if (from_stdin)
        {
          password = read_password ();
          if (password == NULL)
            return fail ("no password on standard input", NULL);
        }
      spec.password = password;
      id = zv_users_create (db, &spec, NULL, &error);
      if (id == 0)
        return fail ("cannot add the user", error);
      printf ("%" G_GINT64_FORMAT "\n", id);
      return 0;
    }
  if ((g_str_equal (verb, "disable") || g_str_equal (verb, "enable")) && args->len == 2)
    {
      if (!zv_users_set_disabled (db, args->pdata[1], g_str_equal (verb, "disable"), NULL, &error))
        return fail ("cannot change the user", error);
      return 0;
    }
  if (g_str_equal (verb, "passwd") && args->len == 3 && g_str_equal (args->pdata[2], "--password-stdin"))
    {
      g_autofree char *password = read_password ();

      if (password == NULL)
        return fail ("no password on standard input", NULL);
      if (!zv_users_set_password (db, args->pdata[1], password, &error))
        return fail ("cannot set the password", error);
      return 0;
    }
  if (g_str_equal (verb, "list"))
    {
      gboolean json = take_flag (args, "--json");
      sqlite3_stmt *stmt = zv_server_db_prepare (db,
        "SELECT id, login, name, disabled, external, is_bot, extension FROM users ORDER BY id");
      g_autoptr(JsonArray) array = json_array_new ();

      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          if (json)
            {
              JsonObject *o = json_object_new ();

              json_object_set_int_member (o, "id", sqlite3_column_int64 (stmt, 0));
              json_object_set_string_member (o, "login", zv_server_db_column_text (stmt, 1));
              json_object_set_string_member (o, "name", zv_server_db_column_text (stmt, 2));
              json_object_set_boolean_member (o, "disabled", sqlite3_column_int (stmt, 3) != 0);
              json_object_set_boolean_member (o, "external", sqlite3_column_int (stmt, 4) != 0);
              json_object_set_boolean_member (o, "bot", sqlite3_column_int (stmt, 5) != 0);
              json_object_set_string_member (o, "extension", zv_server_db_column_text (stmt, 6));
              json_array_add_object_element (array, o);
            }
          else
            printf ("%" G_GINT64_FORMAT "\t%s\t%s%s%s%s\n", (gint64) sqlite3_column_int64 (stmt, 0),
                    zv_server_db_column_text (stmt, 1), zv_server_db_column_text (stmt, 2),
                    sqlite3_column_int (stmt, 3) ? "\t(disabled)" : "",
                    sqlite3_column_int (stmt, 4) ? "\t(external)" : "",
                    sqlite3_column_int (stmt, 5) ? "\t(bot)" : "");
        }
      sqlite3_reset (stmt);
      if (json)
        {
          g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
          g_autofree char *text = NULL;

          json_node_set_array (node, array);
          text = json_to_string (node, FALSE);
          printf ("%s\n", text);
        }
      return 0;
    }
  return usage ();
}

static int
cmd_device (ZvServerDb *db,
            GPtrArray  *args)
{
  g_autoptr(GError) error = NULL;
  const char *verb = args->len > 0 ? args->pdata[0] : "";
  sqlite3_stmt *stmt;

  if (g_str_equal (verb, "list") && args->len == 2)
    {
      stmt = zv_server_db_prepare (db,
        "SELECT d.id, d.name, d.created_at, d.last_seen_at, d.revoked_at IS NOT NULL FROM devices d "
        "JOIN users u ON u.id = d.user_id WHERE u.login = ?1 ORDER BY d.id");
      sqlite3_bind_text (stmt, 1, args->pdata[1], -1, SQLITE_TRANSIENT);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          g_autofree char *seen = zv_format_time (sqlite3_column_int64 (stmt, 3));

          printf ("%" G_GINT64_FORMAT "\t%s\tlast seen %s%s\n", (gint64) sqlite3_column_int64 (stmt, 0),
                  zv_server_db_column_text (stmt, 1), seen, sqlite3_column_int (stmt, 4) ? "\t(revoked)" : "");
        }
      sqlite3_reset (stmt);
      return 0;
    }
  if (g_str_equal (verb, "revoke") && args->len == 2)
    {
      gint64 id;

      if (!g_ascii_string_to_signed (args->pdata[1], 10, 1, G_MAXINT64, &id, NULL))
        return usage ();
      stmt = zv_server_db_prepare (db,
        "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL");
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_int64 (stmt, 2, zv_server_now_ms ());
      if (!zv_server_db_step_done (db, stmt, &error))
        return fail ("cannot revoke the device", error);
      return 0;
    }
  return usage ();
}

static int
cmd_policy (ZvServerDb *db,
            GPtrArray  *args)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  const char *verb = args->len > 0 ? args->pdata[0] : "";

  if (g_str_equal (verb, "set") && args->len == 3)
    {
      if (!zv_policy_key_valid (args->pdata[1], args->pdata[2], &message))
        return fail (message, NULL);
      if (!zv_server_db_set_setting (db, args->pdata[1], args->pdata[2], &error))
        return fail ("cannot store the policy", error);
      return 0;
    }
  if (g_str_equal (verb, "get") && args->len == 2)
    {
      g_autofree char *value = NULL;

      if (!zv_policy_key_valid (args->pdata[1], "0", &message) && strstr (message, "Unknown") != NULL)
        return fail (message, NULL);
      value = zv_server_db_get_setting (db, args->pdata[1]);
      printf ("%s\n", value != NULL ? value : "(default)");
      return 0;
    }
  return usage ();
}

static int
cmd_caller_id (ZvServerDb *db,
               GPtrArray  *args)
{
  g_autoptr(GError) error = NULL;
  const char *label = take_option (args, "--label");
  gboolean is_default = take_flag (args, "--default");
  sqlite3_stmt *stmt;

  if (args->len != 2 || !g_str_equal (args->pdata[0], "add"))
    return usage ();
  if (!zv_server_db_begin (db, &error))
    return fail ("cannot add the caller id", error);
  if (is_default)
    zv_server_db_exec (db, "UPDATE caller_ids SET is_default = 0", NULL);
  stmt = zv_server_db_prepare (db,
    "INSERT INTO caller_ids (number, label, is_default) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (number) DO UPDATE SET label = excluded.label, is_default = excluded.is_default");
  sqlite3_bind_text (stmt, 1, args->pdata[1], -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, label != NULL ? label : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 3, is_default ? 1 : 0);
  if (!zv_server_db_step_done (db, stmt, &error) || !zv_server_db_commit (db, &error))
    {
      zv_server_db_rollback (db);
      return fail ("cannot add the caller id", error);
    }
  return 0;
}

static int
cmd_crm (ZvServerDb *db,
         GPtrArray  *args)
{
  g_autoptr(GError) error = NULL;
  const char *phone = take_option (args, "--phone");
  const char *company = take_option (args, "--company");
  const char *email = take_option (args, "--email");
  const char *notes = take_option (args, "--notes");
  g_autoptr(GString) digits = g_string_new (NULL);
  sqlite3_stmt *stmt;

  if (args->len != 2 || !g_str_equal (args->pdata[0], "add") || phone == NULL)
    return usage ();
  for (const char *p = phone; *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      g_string_append_c (digits, *p);
  stmt = zv_server_db_prepare (db,
    "INSERT INTO crm_clients (name, company, phone, phone_digits, email, notes, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  sqlite3_bind_text (stmt, 1, args->pdata[1], -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, company != NULL ? company : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, phone, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, digits->str, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, email != NULL ? email : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, notes != NULL ? notes : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 7, zv_server_now_ms ());
  if (!zv_server_db_step_done (db, stmt, &error))
    return fail ("cannot add the client", error);
  printf ("%" G_GINT64_FORMAT "\n", (gint64) sqlite3_last_insert_rowid (zv_server_db_handle (db)));
  return 0;
}

int
zv_server_admin_main (int    argc,
                      char **argv)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(ZvServerDb) db = NULL;
  g_autoptr(GError) error = NULL;
  const char *db_path, *command;

  for (int i = 1; i < argc; i++)
    g_ptr_array_add (args, argv[i]);
  db_path = take_option (args, "--db");
  if (db_path == NULL || args->len == 0)
    return usage ();

  db = zv_server_db_open (db_path, &error);
  if (db == NULL)
    return fail ("cannot open the database", error);

  command = args->pdata[0];
  g_ptr_array_remove_index (args, 0);
  if (g_str_equal (command, "user"))
    return cmd_user (db, args);
  if (g_str_equal (command, "device"))
    return cmd_device (db, args);
  if (g_str_equal (command, "policy"))
    return cmd_policy (db, args);
  if (g_str_equal (command, "caller-id"))
    return cmd_caller_id (db, args);
  if (g_str_equal (command, "crm"))
    return cmd_crm (db, args);
  if (g_str_equal (command, "stats"))
    return cmd_stats (db, take_flag (args, "--json"));
  return usage ();
}
