/* zveno-cli: Zveno's scriptable client, for IT and for the tests.
 *
 *   zveno-cli [--data-dir DIR] COMMAND ...
 *
 * The command-line interface is fixed (docs/cli.md): commands may be added, existing ones are not
 * changed. Exit status 0 on success; otherwise one line "zveno-cli: MESSAGE" on stderr.
 *
 * This file holds main(), the command table, and the account (login, logout, whoami, wipe) and
 * messaging (send, download, sync, backfill) commands and the call/answer option glue. The commands
 * that read the cache are in zv-cli-cache.c, follow in zv-cli-follow.c, the phone in zv-cli-phone.c,
 * and what they all share in zv-cli-private.h / zv-cli-common.c.
 */
#define G_LOG_DOMAIN "zveno-cli"

#include "config.h"

#include <glib/gi18n.h>
#ifdef G_OS_UNIX
#include <glib/gstdio.h>
#endif
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "zv-account.h"
#include "zv-cli-phone.h"
#include "zv-cli-private.h"
#include "zv-dtmf.h"
#include "zv-error.h"
#include "zv-json.h"
#include "zv-message-list.h"
#include "zv-outbox.h"
#include "zv-profile.h"
#include "zv-sync.h"

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
    return zv_cli_fail ("%s", error->message);
  /* An IT profile may preset the server and the login, and lock them. */
  {
    const char *preset_server = zv_profile_get_string (cli->profile, "account.server");
    const char *preset_login = zv_profile_get_string (cli->profile, "account.login");
    const char *preset_ca = zv_profile_get_string (cli->profile, "security.ca-file");

    if (server != NULL && zv_profile_is_locked (cli->profile, "account.server") &&
        g_strcmp0 (server, preset_server) != 0)
      return zv_cli_fail (_("The server is set by your company (%s) and cannot be changed"),
                          zv_profile_get_origin (cli->profile, "account.server"));
    if (ca_file != NULL && zv_profile_is_locked (cli->profile, "security.ca-file") &&
        g_strcmp0 (ca_file, preset_ca) != 0)
      return zv_cli_fail (_("The company certificate is set by your company (%s) and cannot be changed"),
                          zv_profile_get_origin (cli->profile, "security.ca-file"));
    if (server == NULL && *preset_server != '\0')
      server = g_strdup (preset_server);
    if (login == NULL && *preset_login != '\0')
      login = g_strdup (preset_login);
  }
  if (server == NULL || login == NULL || !password_stdin)
    return zv_cli_fail ("%s", _("usage: zveno-cli login --server URL --user LOGIN --password-stdin"));

  password = zv_cli_read_password ();
  if (password == NULL || *password == '\0')
    return zv_cli_fail ("%s", _("No password on standard input"));

  if (!zv_cli_open_account (cli, FALSE, &error))
    return zv_cli_fail ("%s", error->message);
  if (ca_file != NULL)
    zv_account_set_ca_file (cli->account, ca_file);
  zv_account_login_async (cli->account, server, login, password, device, NULL, zv_cli_store_result, &result);
  memset (password, 0, strlen (password));
  if (!zv_account_login_finish (cli->account, zv_cli_wait_for (&result), &error))
    return zv_cli_fail ("%s", error->message);

  g_print (_("Signed in to %s as %s\n"), zv_account_get_server (cli->account), login);
  return 0;
}

static int
cmd_logout (Cli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (!zv_cli_open_account (cli, FALSE, &error))
    return zv_cli_fail ("%s", error->message);
  if (zv_account_get_store (cli->account) != NULL)
    {
      g_autoptr(GAsyncResult) restored = NULL;

      /* Without tokens the server cannot be told, but the device is still cleaned. */
      zv_account_restore_async (cli->account, NULL, zv_cli_store_result, &restored);
      zv_account_restore_finish (cli->account, zv_cli_wait_for (&restored), NULL);
    }
  zv_account_logout_async (cli->account, NULL, zv_cli_store_result, &result);
  if (!zv_account_logout_finish (cli->account, zv_cli_wait_for (&result), &error))
    return zv_cli_fail ("%s", error->message);
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

  zv_outbox_flush_async (outbox, NULL, zv_cli_store_result, &result);
  return zv_outbox_flush_finish (outbox, zv_cli_wait_for (&result), delivered, error);
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

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return zv_cli_fail ("%s", error->message);
  if (argc < 3)
    return zv_cli_fail ("%s", _("usage: zveno-cli send CHAT_ID TEXT"));
  if (!zv_cli_parse_chat_id (argv[1], &chat_id))
    return 1;
  if (!g_utf8_validate (argv[2], -1, NULL))
    return zv_cli_fail ("%s", _("The text is not valid UTF-8"));
  text = g_strjoinv (" ", argv + 2);

  /* Queueing needs the cache only: the tokens may be unreachable while offline. */
  if (!zv_cli_open_account (cli, FALSE, &error))
    return zv_cli_fail ("%s", error->message);
  if (zv_account_get_store (cli->account) == NULL)
    return zv_cli_fail ("%s", _("No account is signed in here. Run “zveno-cli login” first."));

  outbox = zv_outbox_new (cli->account);
  zv_outbox_queue_with_files_async (outbox, chat_id, text, reply_to, (const char * const *) files, NULL,
                                    zv_cli_store_result, &result);
  client_id = zv_outbox_queue_finish (outbox, zv_cli_wait_for (&result), &error);
  if (client_id == NULL)
    return zv_cli_fail ("%s", error->message);

  {
    g_autoptr(GAsyncResult) restored = NULL;
    g_autoptr(GError) flush_error = NULL;

    zv_account_restore_async (cli->account, NULL, zv_cli_store_result, &restored);
    if (!zv_account_restore_finish (cli->account, zv_cli_wait_for (&restored), &flush_error) ||
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
      return zv_cli_fail (_("Not sent %s: %s"), client_id, reason);
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

  zv_account_call_async (cli->account, method, path, NULL, NULL, zv_cli_store_result, &result);
  return zv_account_call_finish (cli->account, zv_cli_wait_for (&result), error);
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
    return zv_cli_fail ("%s", error->message);
  if (argc < 2 || output == NULL)
    return zv_cli_fail ("%s", _("usage: zveno-cli download FILE_ID --output PATH"));
  file_id = g_ascii_strtoll (argv[1], &end, 10);
  if (end == argv[1] || *end != '\0' || file_id <= 0)
    return zv_cli_fail (_("“%s” is not a file id"), argv[1]);
  if (!zv_cli_open_account (cli, TRUE, &error))
    return zv_cli_fail ("%s", error->message);

  meta_path = g_strdup_printf ("/files/%" G_GINT64_FORMAT "/meta", file_id);
  meta = call_sync (cli, "GET", meta_path, &error);
  if (meta == NULL || !JSON_NODE_HOLDS_OBJECT (meta) ||
      !zv_json_get_int (json_node_get_object (meta), "size", &size, &error) ||
      (sha256 = zv_json_get_string (json_node_get_object (meta), "sha256", &error)) == NULL)
    return zv_cli_fail ("%s", error != NULL ? error->message : _("The server's answer is not a JSON object"));

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
    return zv_cli_fail ("%s", error->message);

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
        return zv_cli_fail ("%s", error->message);
      soup_message_headers_replace (soup_message_get_request_headers (message), "Range", range);
      zv_api_send_async (api, message, NULL, zv_cli_store_result, &result);
      bytes = zv_api_send_finish_bytes (api, zv_cli_wait_for (&result), &error);
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
            return zv_cli_fail ("%s", error->message);
          g_clear_error (&error);
          again = call_sync (cli, "GET", meta_path, &error);
          if (again == NULL)
            return zv_cli_fail ("%s", error->message);
          continue;
        }
      retries = 0;
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                      NULL, NULL, &error) ||
          !g_output_stream_flush (G_OUTPUT_STREAM (out), NULL, &error))
        return zv_cli_fail ("%s", error->message);
      offset += (gint64) g_bytes_get_size (bytes);
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error))
    return zv_cli_fail ("%s", error->message);

  got_sha = file_sha256 (output, &error);
  if (got_sha == NULL)
    return zv_cli_fail ("%s", error->message);
  if (!g_str_equal (got_sha, sha256))
    return zv_cli_fail (_("%s does not match the server's checksum; remove it and download again"), output);
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

  if (!zv_cli_open_account (cli, TRUE, &error))
    return zv_cli_fail ("%s", error->message);
  /* What was typed offline goes first, so the sync brings back the server's copies. */
  if (!flush_outbox (cli, NULL, &error))
    return zv_cli_fail ("%s", error->message);
  sync = zv_sync_new (cli->account);
  zv_sync_run_async (sync, NULL, zv_cli_store_result, &result);
  if (!zv_sync_run_finish (sync, zv_cli_wait_for (&result), &error))
    return zv_cli_fail ("%s", error->message);

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

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return zv_cli_fail ("%s", error->message);
  if (argc < 2)
    return zv_cli_fail ("%s", _("usage: zveno-cli backfill CHAT_ID [--limit N]"));
  if (!zv_cli_parse_chat_id (argv[1], &chat_id))
    return 1;
  if (limit < 0)
    return zv_cli_fail ("%s", _("--limit must be a positive number"));
  if (!zv_cli_open_account (cli, TRUE, &error))
    return zv_cli_fail ("%s", error->message);

  /* The same path the conversation view takes when the user scrolls up. */
  list = zv_message_list_new (zv_account_get_store (cli->account), cli->account, chat_id,
                              zv_account_get_user_id (cli->account));
  while (!zv_message_list_get_history_complete (list) && (limit == 0 || total < (guint) limit))
    {
      g_autoptr(GAsyncResult) result = NULL;
      guint loaded = 0;

      zv_message_list_load_older_async (list, 200, NULL, zv_cli_store_result, &result);
      if (!zv_message_list_load_older_finish (list, zv_cli_wait_for (&result), &loaded, &error))
        return zv_cli_fail ("%s", error->message);
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

  if (!zv_cli_open_account (cli, TRUE, &error))
    return zv_cli_fail ("%s", error->message);
  zv_account_call_async (cli->account, "GET", "/me", NULL, NULL, zv_cli_store_result, &result);
  me = zv_account_call_finish (cli->account, zv_cli_wait_for (&result), &error);
  if (me == NULL)
    return zv_cli_fail ("%s", error->message);
  object = json_node_get_object (me);
  if (json_object_has_member (object, "user"))
    object = zv_json_get_object (object, "user", &error);
  if (object == NULL || (login = zv_json_get_string (object, "login", &error)) == NULL ||
      (name = zv_json_get_string (object, "name", &error)) == NULL)
    return zv_cli_fail ("%s", error->message);
  g_print ("%s (%s) on %s\n", login, name, zv_account_get_server (cli->account));
  return 0;
}

static int
cmd_wipe (Cli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (!zv_cli_open_account (cli, FALSE, &error))
    return zv_cli_fail ("%s", error->message);
  zv_account_wipe_async (cli->account, NULL, zv_cli_store_result, &result);
  if (!zv_account_wipe_finish (cli->account, zv_cli_wait_for (&result), &error))
    return zv_cli_fail ("%s", error->message);
  g_print ("%s\n", _("Wiped: the cache, the files and the secrets of the account are gone"));
  return 0;
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
      source->sip_password = password_stdin ? zv_cli_read_password () : NULL;
      return TRUE;
    }
  if (!zv_cli_open_account (cli, TRUE, error))
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
    return zv_cli_fail ("%s", error->message);
  if (argc != 2)
    return zv_cli_fail ("%s", _("usage: zveno-cli call URI [--duration S] [--record WAV] [--play WAV] [--dtmf DIGITS] [--caller-id NUMBER]"));
  if (dtmf != NULL && !zv_dtmf_check_digits (dtmf, &error))
    return zv_cli_fail ("%s", error->message);
  zv_cli_phone_set_dtmf (dtmf);
  source.sip_user = sip_user;
  source.sip_proxy = sip_proxy;
  source.sip_ca_file = sip_ca_file;
  if (!phone_source (cli, &source, password_stdin, &error))
    return zv_cli_fail ("%s", error->message);
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
    return zv_cli_fail ("%s", error->message);
  if (argc != 1)
    return zv_cli_fail ("%s", _("usage: zveno-cli answer [--count N] [--echo] [--play WAV] [--record WAV]"));
  source.sip_user = sip_user;
  source.sip_proxy = sip_proxy;
  source.sip_ca_file = sip_ca_file;
  if (!phone_source (cli, &source, password_stdin, &error))
    return zv_cli_fail ("%s", error->message);
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
  { "status", zv_cli_cmd_status, N_("What this device holds [--json]") },
  { "chats", zv_cli_cmd_chats, N_("The chat list [--json]") },
  { "history", zv_cli_cmd_history, N_("CHAT_ID [--limit N] [--json]: a chat's newest messages") },
  { "search", zv_cli_cmd_search, N_("QUERY [--limit N] [--json] [--server]: search everything cached (--server: and older messages on the server)") },
  { "doctor", zv_cli_cmd_doctor, N_("Check the cache; prints “ok” or what is wrong") },
  { "wipe", cmd_wipe, N_("Remove every trace of the account from this device") },
  { "call", cmd_call, N_("URI [--duration S] [--record WAV] [--play WAV] [--caller-id NUMBER]: a phone call") },
  { "answer", cmd_answer, N_("[--count N] [--echo] [--play WAV] [--record WAV]: answer phone calls") },
  { "follow", zv_cli_cmd_follow, N_("[--seconds N] [--json]: keep the cache live from the event stream, a line per event") },
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
    status = zv_cli_fail (_("unknown command “%s”; see zveno-cli --help"), argv[first]);

  g_clear_object (&cli.account);
  g_clear_object (&cli.profile);
  g_free (cli.data_dir);
  return status;
}

