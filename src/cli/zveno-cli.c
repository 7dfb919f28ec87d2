/* zveno-cli: Zveno's scriptable client, for IT and for the tests.
 *
 *   zveno-cli [--data-dir DIR] COMMAND ...
 *
 * The command-line interface is fixed (docs/cli.md): commands may be added, existing ones are not
 * changed. Exit status 0 on success; otherwise one line "zveno-cli: MESSAGE" on stderr.
 */
#define G_LOG_DOMAIN "zveno-cli"

#include "config.h"

#include <glib/gi18n.h>
#ifdef G_OS_UNIX
#include <glib-unix.h>
#include <glib/gstdio.h>
#endif
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "zv-account.h"
#include "zv-cli-phone.h"
#include "zv-dtmf.h"
#include "zv-error.h"
#include "zv-events.h"
#include "zv-json.h"
#include "zv-message-list.h"
#include "zv-outbox.h"
#include "zv-profile.h"
#include "zv-search.h"
#include "zv-search-results.h"
#include "zv-store-search.h"
#include "zv-sync.h"

typedef struct {
  char       *data_dir;
  ZvAccount  *account;
  ZvProfile  *profile;
} Cli;

static int
fail (const char *format,
      ...) G_GNUC_PRINTF (1, 2);

static int
fail (const char *format,
      ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  /* One line, whatever the message holds. */
  g_strdelimit (message, "\n\r", ' ');
  fprintf (stderr, "zveno-cli: %s\n", message);
  return 1;
}

/* Runs the default main context until an async call filled *@result. */
static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
open_account (Cli      *cli,
              gboolean  need_signed_in,
              GError  **error)
{
  g_autoptr(ZvSecretStore) secrets = zv_secret_store_new_default ();
  g_autoptr(GAsyncResult) result = NULL;

  const char *ca_file;

  cli->account = zv_account_new (cli->data_dir, secrets);
  /* The company CA from an IT profile applies to every request, as in the app. */
  ca_file = zv_profile_get_string (cli->profile, "security.ca-file");
  if (ca_file != NULL && *ca_file != '\0')
    zv_account_set_ca_file (cli->account, ca_file);
  if (!zv_account_load (cli->account, error))
    return FALSE;
  if (!need_signed_in)
    return TRUE;
  if (zv_account_get_store (cli->account) == NULL)
    {
      g_set_error_literal (error, ZV_API_ERROR, ZV_API_ERROR_UNAUTHORIZED,
                           _("No account is signed in here. Run “zveno-cli login” first."));
      return FALSE;
    }
  zv_account_restore_async (cli->account, NULL, store_result, &result);
  return zv_account_restore_finish (cli->account, wait_for (&result), error);
}

static char *
read_password (void)
{
  char buffer[4096];
  size_t len;

  if (fgets (buffer, sizeof buffer, stdin) == NULL)
    return NULL;
  len = strlen (buffer);
  while (len > 0 && (buffer[len - 1] == '\n' || buffer[len - 1] == '\r'))
    buffer[--len] = '\0';
  {
    char *password = g_strdup (buffer);
    memset (buffer, 0, sizeof buffer);
    return password;
  }
}

static int
cmd_login (Cli *cli, int argc, char **argv)
{
  g_autofree char *server = NULL;
  g_autofree char *login = NULL;
  g_autofree char *device = NULL;
  g_autofree char *ca_file = NULL;
  gboolean password_stdin = FALSE;
  GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &server, N_("Company server or work e-mail address"), "URL" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &login, N_("Login"), "LOGIN" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, N_("Read the password from standard input"), NULL },
    { "device-name", 0, 0, G_OPTION_ARG_STRING, &device, N_("How this device is called in the account's device list"), "NAME" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, N_("Trust this company CA certificate (PEM)"), "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— sign in");
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *password = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail ("%s", error->message);
  /* An IT profile may preset the server and the login, and lock them. */
  {
    const char *preset_server = zv_profile_get_string (cli->profile, "account.server");
    const char *preset_login = zv_profile_get_string (cli->profile, "account.login");
    const char *preset_ca = zv_profile_get_string (cli->profile, "security.ca-file");

    if (server != NULL && zv_profile_is_locked (cli->profile, "account.server") &&
        g_strcmp0 (server, preset_server) != 0)
      return fail (_("The server is set by your company (%s) and cannot be changed"),
                   zv_profile_get_origin (cli->profile, "account.server"));
    if (ca_file != NULL && zv_profile_is_locked (cli->profile, "security.ca-file") &&
        g_strcmp0 (ca_file, preset_ca) != 0)
      return fail (_("The company certificate is set by your company (%s) and cannot be changed"),
                   zv_profile_get_origin (cli->profile, "security.ca-file"));
    if (server == NULL && *preset_server != '\0')
      server = g_strdup (preset_server);
    if (login == NULL && *preset_login != '\0')
      login = g_strdup (preset_login);
  }
  if (server == NULL || login == NULL || !password_stdin)
    return fail ("%s", _("usage: zveno-cli login --server URL --user LOGIN --password-stdin"));

  password = read_password ();
  if (password == NULL || *password == '\0')
    return fail ("%s", _("No password on standard input"));

  if (!open_account (cli, FALSE, &error))
    return fail ("%s", error->message);
  if (ca_file != NULL)
    zv_account_set_ca_file (cli->account, ca_file);
  zv_account_login_async (cli->account, server, login, password, device, NULL, store_result, &result);
  memset (password, 0, strlen (password));
  if (!zv_account_login_finish (cli->account, wait_for (&result), &error))
    return fail ("%s", error->message);

  g_print (_("Signed in to %s as %s\n"), zv_account_get_server (cli->account), login);
  return 0;
}

static int
cmd_logout (Cli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (!open_account (cli, FALSE, &error))
    return fail ("%s", error->message);
  if (zv_account_get_store (cli->account) != NULL)
    {
      g_autoptr(GAsyncResult) restored = NULL;

      /* Without tokens the server cannot be told, but the device is still cleaned. */
      zv_account_restore_async (cli->account, NULL, store_result, &restored);
      zv_account_restore_finish (cli->account, wait_for (&restored), NULL);
    }
  zv_account_logout_async (cli->account, NULL, store_result, &result);
  if (!zv_account_logout_finish (cli->account, wait_for (&result), &error))
    return fail ("%s", error->message);
  g_print ("%s\n", _("Signed out; this device holds no data of the account any more"));
  return 0;
}

/* Delivers the outbox; returns FALSE with @error when the server could not take it all. */
static gboolean
flush_outbox (Cli      *cli,
              guint    *delivered,
              GError  **error)
{
  g_autoptr(ZvOutbox) outbox = zv_outbox_new (cli->account);
  g_autoptr(GAsyncResult) result = NULL;

  zv_outbox_flush_async (outbox, NULL, store_result, &result);
  return zv_outbox_flush_finish (outbox, wait_for (&result), delivered, error);
}

static int
cmd_send (Cli *cli, int argc, char **argv)
{
  gint64 reply_to = 0;
  g_auto(GStrv) files = NULL;
  GOptionEntry entries[] = {
    { "reply-to", 0, 0, G_OPTION_ARG_INT64, &reply_to, N_("Reply to this message"), "MESSAGE_ID" },
    { "file", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, N_("Attach a file (repeatable)"), "PATH" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("CHAT_ID TEXT — send a message (queued when offline)");
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ZvOutbox) outbox = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *text = NULL;
  gint64 chat_id;
  char *end = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail ("%s", error->message);
  if (argc < 3)
    return fail ("%s", _("usage: zveno-cli send CHAT_ID TEXT"));
  chat_id = g_ascii_strtoll (argv[1], &end, 10);
  if (end == argv[1] || *end != '\0' || chat_id <= 0)
    return fail (_("“%s” is not a chat id"), argv[1]);
  if (!g_utf8_validate (argv[2], -1, NULL))
    return fail ("%s", _("The text is not valid UTF-8"));
  text = g_strjoinv (" ", argv + 2);

  /* Queueing needs the cache only: the tokens may be unreachable while offline. */
  if (!open_account (cli, FALSE, &error))
    return fail ("%s", error->message);
  if (zv_account_get_store (cli->account) == NULL)
    return fail ("%s", _("No account is signed in here. Run “zveno-cli login” first."));

  outbox = zv_outbox_new (cli->account);
  zv_outbox_queue_with_files_async (outbox, chat_id, text, reply_to, (const char * const *) files, NULL,
                                    store_result, &result);
  client_id = zv_outbox_queue_finish (outbox, wait_for (&result), &error);
  if (client_id == NULL)
    return fail ("%s", error->message);

  {
    g_autoptr(GAsyncResult) restored = NULL;
    g_autoptr(GError) flush_error = NULL;

    zv_account_restore_async (cli->account, NULL, store_result, &restored);
    if (!zv_account_restore_finish (cli->account, wait_for (&restored), &flush_error) ||
        !flush_outbox (cli, NULL, &flush_error))
      {
        g_printerr (_("Queued %s; it will be sent when the server can be reached (%s)\n"),
                    client_id, flush_error->message);
        return 0;
      }
  }
  /* A refusal (policy, size) leaves the message failed, with the server's reason, not lost. */
  {
    ZvStore *store = zv_account_get_store (cli->account);
    sqlite3_stmt *stmt = store != NULL ? zv_db_prepare (zv_store_get_reader (store),
      "SELECT o.last_error FROM outbox o JOIN messages m ON m.client_id = o.client_id "
      "WHERE o.client_id = ?1 AND m.state = 'failed'", NULL) : NULL;
    g_autofree char *reason = NULL;

    if (stmt != NULL)
      {
        sqlite3_bind_text (stmt, 1, client_id, -1, SQLITE_TRANSIENT);
        if (sqlite3_step (stmt) == SQLITE_ROW)
          reason = g_strdup (zv_db_column_text (stmt, 0));
        sqlite3_reset (stmt);
      }
    if (reason != NULL)
      return fail (_("Not sent %s: %s"), client_id, reason);
  }
  g_print (_("Sent %s\n"), client_id);
  return 0;
}

#define DOWNLOAD_PIECE (1024 * 1024)

static JsonNode *
call_sync (Cli         *cli,
           const char  *method,
           const char  *path,
           GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  zv_account_call_async (cli->account, method, path, NULL, NULL, store_result, &result);
  return zv_account_call_finish (cli->account, wait_for (&result), error);
}

static char *
file_sha256 (const char  *path,
             GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = g_file_read (file, NULL, error);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (DOWNLOAD_PIECE);
  gssize n;

  if (stream == NULL)
    return NULL;
  while ((n = g_input_stream_read (G_INPUT_STREAM (stream), buffer, DOWNLOAD_PIECE, NULL, error)) > 0)
    g_checksum_update (checksum, buffer, n);
  if (n < 0)
    return NULL;
  return g_strdup (g_checksum_get_string (checksum));
}

static int
cmd_download (Cli *cli, int argc, char **argv)
{
  g_autofree char *output = NULL;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Where to write the file"), "PATH" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE_ID — download a file, resuming a partial one");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) meta = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileOutputStream) out = NULL;
  g_autofree char *meta_path = NULL;
  g_autofree char *got_sha = NULL;
  g_autofree char *start_text = NULL;
  g_autofree char *size_text = NULL;
  const char *sha256;
  gint64 file_id, size, offset, start;
  guint retries = 0;
  char *end = NULL;
  GStatBuf st;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail ("%s", error->message);
  if (argc < 2 || output == NULL)
    return fail ("%s", _("usage: zveno-cli download FILE_ID --output PATH"));
  file_id = g_ascii_strtoll (argv[1], &end, 10);
  if (end == argv[1] || *end != '\0' || file_id <= 0)
    return fail (_("“%s” is not a file id"), argv[1]);
  if (!open_account (cli, TRUE, &error))
    return fail ("%s", error->message);

  meta_path = g_strdup_printf ("/files/%" G_GINT64_FORMAT "/meta", file_id);
  meta = call_sync (cli, "GET", meta_path, &error);
  if (meta == NULL || !JSON_NODE_HOLDS_OBJECT (meta) ||
      !zv_json_get_int (json_node_get_object (meta), "size", &size, &error) ||
      (sha256 = zv_json_get_string (json_node_get_object (meta), "sha256", &error)) == NULL)
    return fail ("%s", error != NULL ? error->message : _("The server's answer is not a JSON object"));

  /* What is already there is kept (it is a prefix of the file), unless it is longer than the file. */
  start = g_stat (output, &st) == 0 ? (gint64) st.st_size : 0;
  file = g_file_new_for_path (output);
  if (start > size)
    {
      start = 0;
      out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
    }
  else
    out = g_file_append_to (file, G_FILE_CREATE_NONE, NULL, &error);
  if (out == NULL)
    return fail ("%s", error->message);

  for (offset = start; offset < size;)
    {
      ZvApi *api = zv_account_get_api (cli->account);
      g_autofree char *path = g_strdup_printf ("/files/%" G_GINT64_FORMAT, file_id);
      g_autofree char *range = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT, offset,
                                                MIN (size, offset + DOWNLOAD_PIECE) - 1);
      g_autoptr(SoupMessage) message = zv_api_new_message (api, "GET", path, &error);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GBytes) bytes = NULL;

      if (message == NULL)
        return fail ("%s", error->message);
      soup_message_headers_replace (soup_message_get_request_headers (message), "Range", range);
      zv_api_send_async (api, message, NULL, store_result, &result);
      bytes = zv_api_send_finish_bytes (api, wait_for (&result), &error);
      if (bytes != NULL && soup_message_get_status (message) != 206)
        {
          g_clear_pointer (&bytes, g_bytes_unref);
          g_set_error_literal (&error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE,
                               _("The server ignored the requested range"));
        }
      if (bytes == NULL)
        {
          g_autoptr(JsonNode) again = NULL;

          /* An expired token or a dropped connection: ask through the account (which refreshes
           * the token), then go on from where the file on disk stands. */
          if (++retries > 3 || !(zv_api_error_is_transient (error) ||
                                 g_error_matches (error, ZV_API_ERROR, ZV_API_ERROR_TOKEN_EXPIRED)))
            return fail ("%s", error->message);
          g_clear_error (&error);
          again = call_sync (cli, "GET", meta_path, &error);
          if (again == NULL)
            return fail ("%s", error->message);
          continue;
        }
      retries = 0;
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                      NULL, NULL, &error) ||
          !g_output_stream_flush (G_OUTPUT_STREAM (out), NULL, &error))
        return fail ("%s", error->message);
      offset += (gint64) g_bytes_get_size (bytes);
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error))
    return fail ("%s", error->message);

  got_sha = file_sha256 (output, &error);
  if (got_sha == NULL)
    return fail ("%s", error->message);
  if (!g_str_equal (got_sha, sha256))
    return fail (_("%s does not match the server's checksum; remove it and download again"), output);
  start_text = g_strdup_printf ("%" G_GINT64_FORMAT, start);
  size_text = g_strdup_printf ("%" G_GINT64_FORMAT, size);
  g_print (_("Downloaded %s bytes to %s (resumed from byte %s), sha256 %s\n"), size_text, output, start_text, got_sha);
  return 0;
}

static int
cmd_sync (Cli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ZvSync) sync = NULL;
  const ZvSyncStats *stats;
  g_autofree char *chats = NULL;
  g_autofree char *messages = NULL;
  g_autofree char *contacts = NULL;
  g_autofree char *pages = NULL;

  if (!open_account (cli, TRUE, &error))
    return fail ("%s", error->message);
  /* What was typed offline goes first, so the sync brings back the server's copies. */
  if (!flush_outbox (cli, NULL, &error))
    return fail ("%s", error->message);
  sync = zv_sync_new (cli->account);
  zv_sync_run_async (sync, NULL, store_result, &result);
  if (!zv_sync_run_finish (sync, wait_for (&result), &error))
    return fail ("%s", error->message);

  stats = zv_sync_get_stats (sync);
  chats = g_strdup_printf ("%u", stats->chats);
  messages = g_strdup_printf ("%u", stats->messages);
  contacts = g_strdup_printf ("%u", stats->contacts);
  pages = g_strdup_printf ("%u", stats->pages);
  g_print (_("Up to date: %s chats, %s messages and %s contacts received in %s pages\n"),
           chats, messages, contacts, pages);
  return 0;
}

static int
cmd_backfill (Cli *cli, int argc, char **argv)
{
  int limit = 0;
  GOptionEntry entries[] = {
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("Stop after this many older messages (default: all)"), "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("CHAT_ID — fetch a chat's older history into the cache");
  g_autoptr(GError) error = NULL;
  g_autoptr(ZvMessageList) list = NULL;
  g_autofree char *count = NULL;
  guint total = 0;
  gint64 chat_id;
  char *end = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail ("%s", error->message);
  if (argc < 2)
    return fail ("%s", _("usage: zveno-cli backfill CHAT_ID [--limit N]"));
  chat_id = g_ascii_strtoll (argv[1], &end, 10);
  if (end == argv[1] || *end != '\0' || chat_id <= 0)
    return fail (_("“%s” is not a chat id"), argv[1]);
  if (limit < 0)
    return fail ("%s", _("--limit must be a positive number"));
  if (!open_account (cli, TRUE, &error))
    return fail ("%s", error->message);

  /* The same path the conversation view takes when the user scrolls up. */
  list = zv_message_list_new (zv_account_get_store (cli->account), cli->account, chat_id,
                              zv_account_get_user_id (cli->account));
  while (!zv_message_list_get_history_complete (list) && (limit == 0 || total < (guint) limit))
    {
      g_autoptr(GAsyncResult) result = NULL;
      guint loaded = 0;

      zv_message_list_load_older_async (list, 200, NULL, store_result, &result);
      if (!zv_message_list_load_older_finish (list, wait_for (&result), &loaded, &error))
        return fail ("%s", error->message);
      total += loaded;
      if (loaded == 0)
        break;
    }
  count = g_strdup_printf ("%u", total);
  g_print (_("%s older messages fetched\n"), count);
  return 0;
}

static int
cmd_whoami (Cli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) me = NULL;
  JsonObject *object;
  const char *login;
  const char *name;

  if (!open_account (cli, TRUE, &error))
    return fail ("%s", error->message);
  zv_account_call_async (cli->account, "GET", "/me", NULL, NULL, store_result, &result);
  me = zv_account_call_finish (cli->account, wait_for (&result), &error);
  if (me == NULL)
    return fail ("%s", error->message);
  object = json_node_get_object (me);
  if (json_object_has_member (object, "user"))
    object = zv_json_get_object (object, "user", &error);
  if (object == NULL || (login = zv_json_get_string (object, "login", &error)) == NULL ||
      (name = zv_json_get_string (object, "name", &error)) == NULL)
    return fail ("%s", error->message);
  g_print ("%s (%s) on %s\n", login, name, zv_account_get_server (cli->account));
  return 0;
}

static int
cmd_wipe (Cli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (!open_account (cli, FALSE, &error))
    return fail ("%s", error->message);
  zv_account_wipe_async (cli->account, NULL, store_result, &result);
  if (!zv_account_wipe_finish (cli->account, wait_for (&result), &error))
    return fail ("%s", error->message);
  g_print ("%s\n", _("Wiped: the cache, the files and the secrets of the account are gone"));
  return 0;
}

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

static int
cmd_status (Cli *cli, int argc, char **argv)
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
    return fail ("%s", error->message);
  if (!open_account (cli, FALSE, &error))
    return fail ("%s", error->message);

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

static int
cmd_chats (Cli *cli, int argc, char **argv)
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
    return fail ("%s", error->message);
  if (!open_account (cli, FALSE, &error))
    return fail ("%s", error->message);
  if (zv_account_get_store (cli->account) == NULL)
    return fail ("%s", _("No account is signed in here. Run “zveno-cli login” first."));

  stmt = zv_db_prepare (zv_store_get_reader (zv_account_get_store (cli->account)),
                        /* A direct chat is called after the other person, as people see it. */
                        "SELECT c.id, c.type, CASE WHEN c.title = '' AND c.type = 'direct' THEN "
                        "ifnull((SELECT u.name FROM members m JOIN users u ON u.id = m.user_id "
                        "WHERE m.chat_id = c.id AND m.user_id != ?1 LIMIT 1), '') ELSE c.title END, "
                        "c.unread, c.last_activity, c.limited, c.title, c.muted, c.pinned, c.external "
                        "FROM chats c ORDER BY c.pinned DESC, c.last_activity DESC, c.id DESC", &error);
  if (stmt == NULL)
    return fail ("%s", error->message);
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

static int
cmd_history (Cli *cli, int argc, char **argv)
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
  char *end = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail ("%s", error->message);
  if (argc < 2)
    return fail ("%s", _("usage: zveno-cli history CHAT_ID [--limit N] [--json]"));
  chat_id = g_ascii_strtoll (argv[1], &end, 10);
  if (end == argv[1] || *end != '\0' || chat_id <= 0)
    return fail (_("“%s” is not a chat id"), argv[1]);
  if (limit <= 0)
    return fail ("%s", _("--limit must be a positive number"));
  if (!open_account (cli, FALSE, &error))
    return fail ("%s", error->message);
  if (zv_account_get_store (cli->account) == NULL)
    return fail ("%s", _("No account is signed in here. Run “zveno-cli login” first."));

  stmt = zv_db_prepare (zv_store_get_reader (zv_account_get_store (cli->account)),
                        "SELECT id, sender_id, text, created_at, edited_at, deleted, state, reply_to, client_id "
                        "FROM messages WHERE chat_id = ?1 ORDER BY id DESC LIMIT ?2", &error);
  if (stmt == NULL)
    return fail ("%s", error->message);
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

static int
cmd_search (Cli *cli, int argc, char **argv)
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
    return fail ("%s", error->message);
  if (argc < 2)
    return fail ("%s", _("usage: zveno-cli search QUERY [--limit N] [--json]"));
  if (limit <= 0)
    return fail ("%s", _("--limit must be a positive number"));
  if (!open_account (cli, server, &error))
    return fail ("%s", error->message);
  if (zv_account_get_store (cli->account) == NULL)
    return fail ("%s", _("No account is signed in here. Run “zveno-cli login” first."));

  text = g_strjoinv (" ", argv + 1);
  query.text = text;
  query.limit = (guint) limit;
  query.chat_id = chat;
  if (server)
    hits = search_merged (cli, text, chat, (guint) limit, from_server, &error);
  else
    hits = zv_store_search (zv_store_get_reader (zv_account_get_store (cli->account)), &query, NULL, &ranked, &error);
  if (hits == NULL)
    return fail ("%s", error->message);

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

static int
cmd_doctor (Cli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);

  if (!open_account (cli, FALSE, &error))
    return fail ("%s", error->message);
  if (zv_account_get_store (cli->account) == NULL)
    {
      g_print ("ok\n");   /* nothing cached is a consistent state */
      return 0;
    }
  if (!zv_store_check (zv_account_get_store (cli->account), problems, &error))
    return fail ("%s", error->message);
  if (problems->len == 0)
    {
      g_print ("ok\n");
      return 0;
    }
  for (guint i = 0; i < problems->len; i++)
    g_print ("%s\n", (char *) g_ptr_array_index (problems, i));
  return 2;
}

typedef struct {
  GMainLoop *loop;
  gboolean   as_json;
  int        status;
} Follow;

/* One line per event, flushed at once: scripts and tests read it as it comes. */
static void
follow_print (Follow     *follow,
              const char *type,
              gint64      seq,
              JsonNode   *data)
{
  g_autofree char *text = data != NULL ? json_to_string (data, FALSE) : g_strdup ("{}");

  if (follow->as_json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *line = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "seq");
      json_builder_add_int_value (builder, seq);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, type);
      json_builder_set_member_name (builder, "data");
      json_builder_add_value (builder, data != NULL ? json_node_copy (data) : json_node_init_object (json_node_alloc (), json_object_new ()));
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      line = json_to_string (root, FALSE);
      g_print ("%s\n", line);
    }
  else
    g_print ("%" G_GINT64_FORMAT " %s %s\n", seq, type, text);
  fflush (stdout);
}

static void
follow_applied_cb (ZvEvents   *events,
                   const char *type,
                   gint64      seq,
                   JsonNode   *data,
                   Follow     *follow)
{
  follow_print (follow, type, seq, data);
}

static void
follow_synced_cb (ZvEvents   *events,
                  const char *reason,
                  Follow     *follow)
{
  g_autoptr(JsonNode) data = json_node_init_object (json_node_alloc (), json_object_new ());

  json_object_set_string_member (json_node_get_object (data), "reason", reason != NULL ? reason : "");
  follow_print (follow, "synced", 0, data);
}

static void
follow_typing_cb (ZvEvents *events,
                  gint64    chat_id,
                  gint64    user_id,
                  Follow   *follow)
{
  g_autoptr(JsonNode) data = json_node_init_object (json_node_alloc (), json_object_new ());

  json_object_set_int_member (json_node_get_object (data), "chat_id", chat_id);
  json_object_set_int_member (json_node_get_object (data), "user_id", user_id);
  follow_print (follow, "typing", 0, data);
}

static void
follow_presence_cb (ZvEvents   *events,
                    gint64      user_id,
                    const char *presence,
                    Follow     *follow)
{
  g_autoptr(JsonNode) data = json_node_init_object (json_node_alloc (), json_object_new ());

  json_object_set_int_member (json_node_get_object (data), "user_id", user_id);
  json_object_set_string_member (json_node_get_object (data), "presence", presence);
  follow_print (follow, "presence", 0, data);
}

static void
follow_state_cb (ZvEvents   *events,
                 GParamSpec *pspec,
                 Follow     *follow)
{
  g_autoptr(GEnumClass) states = g_type_class_ref (ZV_TYPE_EVENTS_STATE);
  GEnumValue *value = g_enum_get_value (states, zv_events_get_state (events));
  g_autoptr(JsonNode) data = json_node_init_object (json_node_alloc (), json_object_new ());

  json_object_set_string_member (json_node_get_object (data), "state", value->value_nick);
  follow_print (follow, "state", 0, data);
}

static void
follow_failed_cb (ZvEvents     *events,
                  const GError *error,
                  Follow       *follow)
{
  follow->status = fail ("%s", error->message);
  g_main_loop_quit (follow->loop);
}

static gboolean
follow_quit_cb (gpointer user_data)
{
  Follow *follow = user_data;

  g_main_loop_quit (follow->loop);
  return G_SOURCE_CONTINUE;
}

static int
cmd_follow (Cli *cli, int argc, char **argv)
{
  gboolean as_json = FALSE;
  int seconds = 0;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print JSON, one object a line"), NULL },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, N_("Stop after N seconds (default: run until interrupted)"), "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— apply live events to the cache and print them");
  g_autoptr(GError) error = NULL;
  g_autoptr(ZvEvents) events = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  Follow follow = { 0 };
  guint timeout_id = 0;
  guint signal_ids[2] = { 0, 0 };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail ("%s", error->message);
  if (seconds < 0)
    return fail ("%s", _("--seconds must not be negative"));
  if (!open_account (cli, TRUE, &error))
    return fail ("%s", error->message);

  loop = g_main_loop_new (NULL, FALSE);
  follow.loop = loop;
  follow.as_json = as_json;
  events = zv_events_new (cli->account);
  g_signal_connect (events, "applied", G_CALLBACK (follow_applied_cb), &follow);
  g_signal_connect (events, "synced", G_CALLBACK (follow_synced_cb), &follow);
  g_signal_connect (events, "typing", G_CALLBACK (follow_typing_cb), &follow);
  g_signal_connect (events, "presence", G_CALLBACK (follow_presence_cb), &follow);
  g_signal_connect (events, "notify::state", G_CALLBACK (follow_state_cb), &follow);
  g_signal_connect (events, "failed", G_CALLBACK (follow_failed_cb), &follow);
  if (seconds > 0)
    timeout_id = g_timeout_add_seconds ((guint) seconds, follow_quit_cb, &follow);
#ifdef G_OS_UNIX
  /* Interrupted or terminated is a normal end for a follower: exit 0 with the cache consistent. */
  signal_ids[0] = g_unix_signal_add (SIGINT, follow_quit_cb, &follow);
  signal_ids[1] = g_unix_signal_add (SIGTERM, follow_quit_cb, &follow);
#endif
  zv_events_start (events);
  g_main_loop_run (loop);
  for (guint i = 0; i < G_N_ELEMENTS (signal_ids); i++)
    g_clear_handle_id (&signal_ids[i], g_source_remove);
  g_clear_handle_id (&timeout_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (events, &follow);
  zv_events_stop (events);
  return follow.status;
}

/* call and answer: the headless phone (zv-cli-phone.c). The SIP account is the signed-in one's
 * unless --sip-user/--sip-proxy/--sip-password-stdin give a standalone one. */
static gboolean
phone_source (Cli             *cli,
              ZvCliSipSource  *source,
              gboolean         password_stdin,
              GError         **error)
{
  if (source->sip_user != NULL || source->sip_proxy != NULL || password_stdin)
    {
      source->sip_password = password_stdin ? read_password () : NULL;
      return TRUE;
    }
  if (!open_account (cli, TRUE, error))
    return FALSE;
  source->account = cli->account;
  return TRUE;
}

static int
cmd_call (Cli *cli, int argc, char **argv)
{
  ZvCliSipSource source = { 0 };
  g_autofree char *record = NULL, *play = NULL, *caller_id = NULL, *dtmf = NULL;
  g_autofree char *sip_user = NULL, *sip_proxy = NULL, *sip_ca_file = NULL;
  gboolean password_stdin = FALSE;
  int duration = 10;
  int status;
  GOptionEntry entries[] = {
    { "duration", 0, 0, G_OPTION_ARG_INT, &duration, N_("Hang up this many seconds after the answer (default 10)"), "S" },
    { "record", 0, 0, G_OPTION_ARG_FILENAME, &record, N_("Write what the other side says to this WAV file"), "WAV" },
    { "play", 0, 0, G_OPTION_ARG_FILENAME, &play, N_("Send this WAV file instead of silence"), "WAV" },
    { "dtmf", 0, 0, G_OPTION_ARG_STRING, &dtmf, N_("Press these keys once answered"), "DIGITS" },
    { "caller-id", 0, 0, G_OPTION_ARG_STRING, &caller_id, N_("Present this company number (default: the default one)"), "NUMBER" },
    { "sip-user", 0, 0, G_OPTION_ARG_STRING, &sip_user, N_("Standalone SIP account, e.g. sip:anna@example.com"), "URI" },
    { "sip-proxy", 0, 0, G_OPTION_ARG_STRING, &sip_proxy, N_("Standalone SIP proxy, e.g. sip:pbx.example.com:5060;transport=tcp"), "URI" },
    { "sip-password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, N_("Read the standalone SIP password from standard input"), NULL },
    { "sip-ca-file", 0, 0, G_OPTION_ARG_FILENAME, &sip_ca_file, N_("Trust this CA certificate (PEM) for SIP over TLS (default: the account’s company CA)"), "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("URI — call a SIP address"));
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, zv_cli_phone_call_entries (), GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail ("%s", error->message);
  if (argc != 2)
    return fail ("%s", _("usage: zveno-cli call URI [--duration S] [--record WAV] [--play WAV] [--dtmf DIGITS] [--caller-id NUMBER]"));
  if (dtmf != NULL && !zv_dtmf_check_digits (dtmf, &error))
    return fail ("%s", error->message);
  zv_cli_phone_set_dtmf (dtmf);
  source.sip_user = sip_user;
  source.sip_proxy = sip_proxy;
  source.sip_ca_file = sip_ca_file;
  if (!phone_source (cli, &source, password_stdin, &error))
    return fail ("%s", error->message);
  status = zv_cli_phone_call (&source, argv[1], duration, record, play, caller_id);
  g_free (source.sip_password);
  return status;
}

static int
cmd_answer (Cli *cli, int argc, char **argv)
{
  ZvCliSipSource source = { 0 };
  g_autofree char *record = NULL, *play = NULL;
  g_autofree char *sip_user = NULL, *sip_proxy = NULL, *sip_ca_file = NULL;
  gboolean password_stdin = FALSE, echo = FALSE;
  int count = 0;
  int status;
  GOptionEntry entries[] = {
    { "count", 0, 0, G_OPTION_ARG_INT, &count, N_("Stop after answering N calls (default: run until interrupted)"), "N" },
    { "echo", 0, 0, G_OPTION_ARG_NONE, &echo, N_("Send every caller their own voice back"), NULL },
    { "play", 0, 0, G_OPTION_ARG_FILENAME, &play, N_("Send this WAV file instead of silence"), "WAV" },
    { "record", 0, 0, G_OPTION_ARG_FILENAME, &record, N_("Write what the caller says to this WAV file"), "WAV" },
    { "sip-user", 0, 0, G_OPTION_ARG_STRING, &sip_user, N_("Standalone SIP account, e.g. sip:anna@example.com"), "URI" },
    { "sip-proxy", 0, 0, G_OPTION_ARG_STRING, &sip_proxy, N_("Standalone SIP proxy, e.g. sip:pbx.example.com:5060;transport=tcp"), "URI" },
    { "sip-password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, N_("Read the standalone SIP password from standard input"), NULL },
    { "sip-ca-file", 0, 0, G_OPTION_ARG_FILENAME, &sip_ca_file, N_("Trust this CA certificate (PEM) for SIP over TLS (default: the account’s company CA)"), "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— register and answer incoming calls"));
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, zv_cli_phone_answer_entries (), GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail ("%s", error->message);
  if (argc != 1)
    return fail ("%s", _("usage: zveno-cli answer [--count N] [--echo] [--play WAV] [--record WAV]"));
  source.sip_user = sip_user;
  source.sip_proxy = sip_proxy;
  source.sip_ca_file = sip_ca_file;
  if (!phone_source (cli, &source, password_stdin, &error))
    return fail ("%s", error->message);
  status = zv_cli_phone_answer (&source, count, echo, play, record);
  g_free (source.sip_password);
  return status;
}

static const struct {
  const char *name;
  int (*run) (Cli *cli, int argc, char **argv);
  const char *help;
} commands[] = {
  { "login", cmd_login, N_("Sign in: --server URL --user LOGIN --password-stdin") },
  { "logout", cmd_logout, N_("Sign out and remove the account from this device") },
  { "whoami", cmd_whoami, N_("Ask the server who is signed in (checks the account works)") },
  { "send", cmd_send, N_("CHAT_ID TEXT [--file PATH]…: send a message; queued and sent later when offline") },
  { "backfill", cmd_backfill, N_("CHAT_ID [--limit N]: fetch a chat's older history") },
  { "download", cmd_download, N_("FILE_ID --output PATH: download a file (resumes a partial PATH)") },
  { "sync", cmd_sync, N_("Bring the cache up to date with the server") },
  { "status", cmd_status, N_("What this device holds [--json]") },
  { "chats", cmd_chats, N_("The chat list [--json]") },
  { "history", cmd_history, N_("CHAT_ID [--limit N] [--json]: a chat's newest messages") },
  { "search", cmd_search, N_("QUERY [--limit N] [--json] [--server]: search everything cached (--server: and older messages on the server)") },
  { "doctor", cmd_doctor, N_("Check the cache; prints “ok” or what is wrong") },
  { "wipe", cmd_wipe, N_("Remove every trace of the account from this device") },
  { "call", cmd_call, N_("URI [--duration S] [--record WAV] [--play WAV] [--caller-id NUMBER]: a phone call") },
  { "answer", cmd_answer, N_("[--count N] [--echo] [--play WAV] [--record WAV]: answer phone calls") },
  { "follow", cmd_follow, N_("[--seconds N] [--json]: keep the cache live from the event stream, a line per event") },
};

static void
usage (FILE *out)
{
  fprintf (out, "%s\n", _("usage: zveno-cli [--data-dir DIR] COMMAND [ARGS]"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-8s %s\n", commands[i].name, _(commands[i].help));
}

int
main (int   argc,
      char *argv[])
{
  Cli cli = { 0 };
  int first = 1;
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("ZVENO_LOCALEDIR") != NULL ? g_getenv ("ZVENO_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc > 2 && g_str_equal (argv[1], "--data-dir"))
    {
      cli.data_dir = g_strdup (argv[2]);
      first = 3;
    }
  else if (argc > 1 && g_str_has_prefix (argv[1], "--data-dir="))
    {
      cli.data_dir = g_strdup (argv[1] + strlen ("--data-dir="));
      first = 2;
    }
  else
    cli.data_dir = zv_account_default_data_dir ();

  /* IT presets: built-in defaults < system profiles < the user's settings. A bad profile line is
   * reported (file:line) and skipped, never fatal. */
  cli.profile = zv_profile_new ();
  {
    g_auto(GStrv) dirs = zv_profile_system_dirs ();
    g_autofree char *user_settings = g_build_filename (g_get_user_config_dir (), "zveno", "settings.ini", NULL);
    GPtrArray *diagnostics;

    zv_profile_load_system (cli.profile, (const char **) dirs);
    zv_profile_load_file (cli.profile, user_settings, ZV_PROFILE_LAYER_USER);
    diagnostics = zv_profile_get_diagnostics (cli.profile);
    for (guint i = 0; i < diagnostics->len; i++)
      g_printerr (_("zveno-cli: warning: profile %s\n"), (char *) g_ptr_array_index (diagnostics, i));
  }

  if (argc <= first || g_str_equal (argv[first], "--help") || g_str_equal (argv[first], "-h"))
    {
      usage (argc <= first ? stderr : stdout);
      g_clear_object (&cli.profile);
      g_free (cli.data_dir);
      return argc <= first ? 2 : 0;
    }

  status = -1;
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[first], commands[i].name))
      {
        status = commands[i].run (&cli, argc - first, argv + first);
        break;
      }
  if (status == -1)
    status = fail (_("unknown command “%s”; see zveno-cli --help"), argv[first]);

  g_clear_object (&cli.account);
  g_clear_object (&cli.profile);
  g_free (cli.data_dir);
  return status;
}
