/* zv-cli-cache.c: the zveno-cli commands that read what this device holds: status, chats,
 * history, search and doctor. They read the cache only (search --server also asks the server for
 * older history) and print text, or with --json the objects docs/cli.md fixes. */
#define G_LOG_DOMAIN "zveno-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-cli-private.h"
#include "zv-search.h"
#include "zv-search-results.h"
#include "zv-store-search.h"

static gint64
count_rows (ZvStore *store, const char *sql)
{
  sqlite3_stmt *stmt = zv_db_prepare (zv_store_get_reader (store), sql, NULL);
  gint64 n = 0;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return n;
}

static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/* How one column of a result row reads in --json output (docs/cli.md fixes the names). */
typedef enum {
  JSON_INT,
  JSON_INT_OR_NULL,
  JSON_TEXT,
  JSON_TEXT_OR_NULL,
  JSON_BOOL,
} JsonKind;

typedef struct {
  const char *member;
  int         column;
  JsonKind    kind;
} JsonColumn;

/* One result row as a JSON object: the --json printers of chats and history are this and a table. */
static void
add_row_object (JsonBuilder      *builder,
                sqlite3_stmt     *stmt,
                const JsonColumn *columns,
                gsize             n_columns)
{
  json_builder_begin_object (builder);
  for (gsize i = 0; i < n_columns; i++)
    {
      int c = columns[i].column;
      JsonKind kind = columns[i].kind;

      json_builder_set_member_name (builder, columns[i].member);
      if ((kind == JSON_INT_OR_NULL || kind == JSON_TEXT_OR_NULL) && sqlite3_column_type (stmt, c) == SQLITE_NULL)
        json_builder_add_null_value (builder);
      else if (kind == JSON_INT || kind == JSON_INT_OR_NULL)
        json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, c));
      else if (kind == JSON_BOOL)
        json_builder_add_boolean_value (builder, sqlite3_column_int (stmt, c) != 0);
      else
        json_builder_add_string_value (builder, zv_db_column_text (stmt, c));
    }
  json_builder_end_object (builder);
}

int
zv_cli_cmd_status (Cli *cli, int argc, char **argv)
{
  gboolean as_json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— what this device holds");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  ZvStore *store;
  g_autofree char *token = NULL;
  gint64 n_chats = 0, n_messages = 0, n_contacts = 0, n_pending = 0;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return zv_cli_fail ("%s", error->message);
  if (!zv_cli_open_account (cli, FALSE, &error))
    return zv_cli_fail ("%s", error->message);

  store = zv_account_get_store (cli->account);
  if (store != NULL)
    {
      token = zv_store_get_meta (store, "sync_token");
      /* One count each, for the JSON and the sentence alike. */
      n_chats = count_rows (store, "SELECT count(*) FROM chats");
      n_messages = count_rows (store, "SELECT count(*) FROM messages WHERE state = 'sent'");
      n_contacts = count_rows (store, "SELECT count(*) FROM users");
      n_pending = count_rows (store, "SELECT count(*) FROM outbox");
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "signed_in");
  json_builder_add_boolean_value (builder, store != NULL && zv_account_get_login (cli->account) != NULL);
  json_builder_set_member_name (builder, "server");
  json_builder_add_string_value (builder, zv_account_get_server (cli->account));
  json_builder_set_member_name (builder, "login");
  json_builder_add_string_value (builder, zv_account_get_login (cli->account));
  json_builder_set_member_name (builder, "user_id");
  json_builder_add_int_value (builder, zv_account_get_user_id (cli->account));
  json_builder_set_member_name (builder, "chats");
  json_builder_add_int_value (builder, n_chats);
  json_builder_set_member_name (builder, "messages");
  json_builder_add_int_value (builder, n_messages);
  json_builder_set_member_name (builder, "contacts");
  json_builder_add_int_value (builder, n_contacts);
  json_builder_set_member_name (builder, "outbox_pending");
  json_builder_add_int_value (builder, n_pending);
  json_builder_set_member_name (builder, "sync_token");
  json_builder_add_string_value (builder, token);
  json_builder_end_object (builder);

  if (as_json)
    print_json (builder);
  else if (store == NULL)
    g_print ("%s\n", _("Not signed in"));
  else
    {
      g_autofree char *chats = g_strdup_printf ("%" G_GINT64_FORMAT, n_chats);
      g_autofree char *messages = g_strdup_printf ("%" G_GINT64_FORMAT, n_messages);
      g_autofree char *contacts = g_strdup_printf ("%" G_GINT64_FORMAT, n_contacts);
      g_autofree char *pending = g_strdup_printf ("%" G_GINT64_FORMAT, n_pending);

      /* The numbers are formatted outside the message: xgettext cannot read G_GINT64_FORMAT. */
      g_print (_("%s on %s: %s chats, %s messages, %s contacts, %s waiting to be sent\n"),
               zv_account_get_login (cli->account), zv_account_get_server (cli->account),
               chats, messages, contacts, pending);
    }
  return 0;
}

static char *
format_time (gint64 ms)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (ms / 1000);

  return time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M") : g_strdup ("?");
}

int
zv_cli_cmd_chats (Cli *cli, int argc, char **argv)
{
  gboolean as_json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— the chat list");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  sqlite3_stmt *stmt;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return zv_cli_fail ("%s", error->message);
  if (!zv_cli_open_account (cli, FALSE, &error))
    return zv_cli_fail ("%s", error->message);
  if (zv_account_get_store (cli->account) == NULL)
    return zv_cli_fail ("%s", _("No account is signed in here. Run “zveno-cli login” first."));

  stmt = zv_db_prepare (zv_store_get_reader (zv_account_get_store (cli->account)),
                        /* A direct chat is called after the other person, as people see it. */
                        "SELECT c.id, c.type, CASE WHEN c.title = '' AND c.type = 'direct' THEN "
                        "ifnull((SELECT u.name FROM members m JOIN users u ON u.id = m.user_id "
                        "WHERE m.chat_id = c.id AND m.user_id != ?1 LIMIT 1), '') ELSE c.title END, "
                        "c.unread, c.last_activity, c.limited, c.title, c.muted, c.pinned, c.external "
                        "FROM chats c ORDER BY c.pinned DESC, c.last_activity DESC, c.id DESC", &error);
  if (stmt == NULL)
    return zv_cli_fail ("%s", error->message);
  sqlite3_bind_int64 (stmt, 1, zv_account_get_user_id (cli->account));

  json_builder_begin_array (builder);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      static const JsonColumn chat_columns[] = {
        { "id", 0, JSON_INT }, { "type", 1, JSON_TEXT }, { "title", 6, JSON_TEXT }, { "name", 2, JSON_TEXT },
        { "unread", 3, JSON_INT }, { "last_activity", 4, JSON_INT }, { "limited", 5, JSON_BOOL },
        { "muted", 7, JSON_BOOL }, { "pinned", 8, JSON_BOOL }, { "external", 9, JSON_BOOL },
      };

      if (as_json)
        add_row_object (builder, stmt, chat_columns, G_N_ELEMENTS (chat_columns));
      else
        {
          g_autofree char *when = format_time (sqlite3_column_int64 (stmt, 4));

          g_print ("%6" G_GINT64_FORMAT "  %-6s  %s  %s%s\n", (gint64) sqlite3_column_int64 (stmt, 0),
                   zv_db_column_text (stmt, 1), when, zv_db_column_text (stmt, 2),
                   sqlite3_column_int64 (stmt, 3) > 0 ? " •" : "");
        }
    }
  sqlite3_reset (stmt);
  json_builder_end_array (builder);
  if (as_json)
    print_json (builder);
  return 0;
}

int
zv_cli_cmd_history (Cli *cli, int argc, char **argv)
{
  gboolean as_json = FALSE;
  int limit = 50;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print JSON"), NULL },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("How many of the newest messages"), "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("CHAT_ID — the newest messages of a chat");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  gint64 chat_id;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return zv_cli_fail ("%s", error->message);
  if (argc < 2)
    return zv_cli_fail ("%s", _("usage: zveno-cli history CHAT_ID [--limit N] [--json]"));
  if (!zv_cli_parse_chat_id (argv[1], &chat_id))
    return 1;
  if (limit <= 0)
    return zv_cli_fail ("%s", _("--limit must be a positive number"));
  if (!zv_cli_open_account (cli, FALSE, &error))
    return zv_cli_fail ("%s", error->message);
  if (zv_account_get_store (cli->account) == NULL)
    return zv_cli_fail ("%s", _("No account is signed in here. Run “zveno-cli login” first."));

  stmt = zv_db_prepare (zv_store_get_reader (zv_account_get_store (cli->account)),
                        "SELECT id, sender_id, text, created_at, edited_at, deleted, state, reply_to, client_id "
                        "FROM messages WHERE chat_id = ?1 ORDER BY id DESC LIMIT ?2", &error);
  if (stmt == NULL)
    return zv_cli_fail ("%s", error->message);
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int (stmt, 2, limit);

  json_builder_begin_array (builder);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      static const JsonColumn message_columns[] = {
        { "id", 0, JSON_INT }, { "sender_id", 1, JSON_INT }, { "text", 2, JSON_TEXT },
        { "created_at", 3, JSON_INT }, { "edited_at", 4, JSON_INT_OR_NULL }, { "deleted", 5, JSON_BOOL },
        { "state", 6, JSON_TEXT }, { "reply_to", 7, JSON_INT_OR_NULL }, { "client_id", 8, JSON_TEXT_OR_NULL },
      };

      if (as_json)
        add_row_object (builder, stmt, message_columns, G_N_ELEMENTS (message_columns));
      else
        {
          g_autofree char *when = format_time (sqlite3_column_int64 (stmt, 3));

          g_ptr_array_add (lines, g_strdup_printf ("%s  #%" G_GINT64_FORMAT "  u%" G_GINT64_FORMAT ": %s%s%s",
                                                   when, (gint64) sqlite3_column_int64 (stmt, 0),
                                                   (gint64) sqlite3_column_int64 (stmt, 1),
                                                   sqlite3_column_int (stmt, 5) ? _("(deleted)") : zv_db_column_text (stmt, 2),
                                                   sqlite3_column_type (stmt, 4) != SQLITE_NULL ? _(" (edited)") : "",
                                                   g_str_equal (zv_db_column_text (stmt, 6), "sent") ? "" : _(" (not sent yet)")));
        }
    }
  sqlite3_reset (stmt);
  json_builder_end_array (builder);

  if (as_json)
    print_json (builder);
  else
    for (guint i = lines->len; i > 0; i--)   /* oldest first, as a conversation reads */
      g_print ("%s\n", (char *) g_ptr_array_index (lines, i - 1));
  return 0;
}

static char *
snippet_for_terminal (const char *snippet)
{
  GString *out = g_string_new (NULL);

  for (const char *p = snippet; *p != '\0'; p++)
    {
      if (*p == ZV_SEARCH_MARK_START[0])
        g_string_append_c (out, '[');
      else if (*p == ZV_SEARCH_MARK_END[0])
        g_string_append_c (out, ']');
      else if (*p == '\n')
        g_string_append_c (out, ' ');
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* search --server: the app's search model, the cache first, then the server's older history. The
 * hits become ZvSearchHit so both ways print alike; *@from_server gets which came from the server. */
static GPtrArray *
search_merged (Cli         *cli,
               const char  *text,
               gint64       chat,
               guint        limit,
               GArray      *from_server,
               GError     **error)
{
  g_autoptr(ZvSearchResults) results = zv_search_results_new (zv_account_get_store (cli->account),
                                                              zv_account_get_user_id (cli->account));
  g_autoptr(GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_search_hit_free);
  GListModel *model = G_LIST_MODEL (results);

  /* The query last: setting it searches. Refreshing again right away surfaces a cache error (the
   * setter only logs it); the request the setter began is cancelled before it went out. */
  zv_search_results_set_account (results, cli->account);
  zv_search_results_set_typing (results, FALSE);
  zv_search_results_set_page_size (results, limit);
  zv_search_results_set_chat_id (results, chat);
  zv_search_results_set_query (results, text);
  if (!zv_search_results_refresh (results, error))
    return NULL;
  while (g_list_model_get_n_items (model) < limit)
    {
      if (zv_search_results_get_searching_server (results))
        g_main_context_iteration (NULL, TRUE);
      else if (!zv_search_results_get_has_more (results))
        break;
      else if (!zv_search_results_load_more (results, error))
        return NULL;
    }
  if (zv_search_results_get_server_failed (results))
    g_printerr (_("zveno-cli: older messages could not be searched on the server (%s); showing cached messages only\n"),
                zv_search_results_get_server_error (results));

  for (guint i = 0; i < g_list_model_get_n_items (model) && i < limit; i++)
    {
      g_autoptr(ZvSearchResult) item = g_list_model_get_item (model, i);
      ZvSearchHit *hit = g_new0 (ZvSearchHit, 1);
      gboolean remote = zv_search_result_get_from_server (item);

      hit->message_id = zv_search_result_get_message_id (item);
      hit->chat_id = zv_search_result_get_chat_id (item);
      hit->sender_id = zv_search_result_get_sender_id (item);
      hit->created_at = zv_search_result_get_created_at (item);
      hit->snippet = g_strdup (zv_search_result_get_snippet (item));
      g_ptr_array_add (hits, hit);
      g_array_append_val (from_server, remote);
    }
  return g_steal_pointer (&hits);
}

int
zv_cli_cmd_search (Cli *cli, int argc, char **argv)
{
  gboolean as_json = FALSE;
  gboolean server = FALSE;
  int limit = 20;
  gint64 chat = 0;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print JSON"), NULL },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("How many results"), "N" },
    { "chat", 0, 0, G_OPTION_ARG_INT64, &chat, N_("Only in this chat"), "CHAT_ID" },
    { "server", 0, 0, G_OPTION_ARG_NONE, &server, N_("Also search older messages on the server"), NULL },
    { NULL }
  };
  g_autoptr(GArray) from_server = g_array_new (FALSE, TRUE, sizeof (gboolean));
  g_autoptr(GOptionContext) context = g_option_context_new ("QUERY — search all cached messages");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) hits = NULL;
  g_autofree char *text = NULL;
  ZvSearchQuery query = { 0 };
  gboolean ranked = FALSE;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return zv_cli_fail ("%s", error->message);
  if (argc < 2)
    return zv_cli_fail ("%s", _("usage: zveno-cli search QUERY [--limit N] [--json]"));
  if (limit <= 0)
    return zv_cli_fail ("%s", _("--limit must be a positive number"));
  if (!zv_cli_open_account (cli, server, &error))
    return zv_cli_fail ("%s", error->message);
  if (zv_account_get_store (cli->account) == NULL)
    return zv_cli_fail ("%s", _("No account is signed in here. Run “zveno-cli login” first."));

  text = g_strjoinv (" ", argv + 1);
  query.text = text;
  query.limit = (guint) limit;
  query.chat_id = chat;
  if (server)
    hits = search_merged (cli, text, chat, (guint) limit, from_server, &error);
  else
    hits = zv_store_search (zv_store_get_reader (zv_account_get_store (cli->account)), &query, NULL, &ranked, &error);
  if (hits == NULL)
    return zv_cli_fail ("%s", error->message);

  json_builder_begin_array (builder);
  for (guint i = 0; i < hits->len; i++)
    {
      ZvSearchHit *hit = g_ptr_array_index (hits, i);
      g_autofree char *plain = snippet_for_terminal (hit->snippet);

      if (as_json)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "message_id");
          json_builder_add_int_value (builder, hit->message_id);
          json_builder_set_member_name (builder, "chat_id");
          json_builder_add_int_value (builder, hit->chat_id);
          json_builder_set_member_name (builder, "sender_id");
          json_builder_add_int_value (builder, hit->sender_id);
          json_builder_set_member_name (builder, "created_at");
          json_builder_add_int_value (builder, hit->created_at);
          json_builder_set_member_name (builder, "snippet");
          json_builder_add_string_value (builder, plain);
          if (server)
            {
              json_builder_set_member_name (builder, "from_server");
              json_builder_add_boolean_value (builder, g_array_index (from_server, gboolean, i));
            }
          json_builder_end_object (builder);
        }
      else
        {
          g_autofree char *when = format_time (hit->created_at);
          g_print ("%s  chat %" G_GINT64_FORMAT "  #%" G_GINT64_FORMAT "  %s\n", when, hit->chat_id, hit->message_id, plain);
        }
    }
  json_builder_end_array (builder);
  if (as_json)
    print_json (builder);
  return 0;
}

int
zv_cli_cmd_doctor (Cli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);

  if (!zv_cli_open_account (cli, FALSE, &error))
    return zv_cli_fail ("%s", error->message);
  if (zv_account_get_store (cli->account) == NULL)
    {
      g_print ("ok\n");   /* nothing cached is a consistent state */
      return 0;
    }
  if (!zv_store_check (zv_account_get_store (cli->account), problems, &error))
    return zv_cli_fail ("%s", error->message);
  if (problems->len == 0)
    {
      g_print ("ok\n");
      return 0;
    }
  for (guint i = 0; i < problems->len; i++)
    g_print ("%s\n", (char *) g_ptr_array_index (problems, i));
  return 2;
}
