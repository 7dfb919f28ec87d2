/* zv-cli-common.c: the helpers every zveno-cli command shares (declared in zv-cli-private.h):
 * errors as one line on stderr, waiting on the default main context for an async call, opening
 * the account in --data-dir, and reading a password from standard input. */
#define G_LOG_DOMAIN "zveno-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "zv-cli-private.h"
#include "zv-error.h"
#include "zv-secret-store.h"

int
zv_cli_fail (const char *format,
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
GAsyncResult *
zv_cli_wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

void
zv_cli_store_result (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

gboolean
zv_cli_open_account (Cli      *cli,
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
  zv_account_restore_async (cli->account, NULL, zv_cli_store_result, &result);
  return zv_account_restore_finish (cli->account, zv_cli_wait_for (&result), error);
}

char *
zv_cli_read_password (void)
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

gboolean
zv_cli_parse_chat_id (const char *text,
                      gint64     *chat_id)
{
  char *end = NULL;

  *chat_id = g_ascii_strtoll (text, &end, 10);
  if (end == text || *end != '\0' || *chat_id <= 0)
    {
      zv_cli_fail (_("“%s” is not a chat id"), text);
      return FALSE;
    }
  return TRUE;
}
