/* zv-cli-private.h: what the zveno-cli source files share, and only they: the Cli state main()
 * hands to every command, the helpers each command uses (one-line errors, waiting for an async
 * call, opening the account, reading a password from stdin; zv-cli-common.c), and the commands
 * that live outside zveno-cli.c (zv-cli-cache.c, zv-cli-follow.c) for its command table. */
#pragma once

#include <glib.h>

#include "zv-account.h"
#include "zv-profile.h"

G_BEGIN_DECLS

typedef struct {
  char       *data_dir;
  ZvAccount  *account;
  ZvProfile  *profile;
} Cli;

/* Prints "zveno-cli: MESSAGE" as one line on stderr; returns the exit status 1. */
int           zv_cli_fail          (const char     *format,
                                    ...) G_GNUC_PRINTF (1, 2);
/* A GAsyncReadyCallback that keeps the result in the GAsyncResult * at @user_data. */
void          zv_cli_store_result  (GObject        *object,
                                    GAsyncResult   *result,
                                    gpointer        user_data);
GAsyncResult *zv_cli_wait_for      (GAsyncResult  **result);
gboolean      zv_cli_open_account  (Cli            *cli,
                                    gboolean        need_signed_in,
                                    GError        **error);
char         *zv_cli_read_password (void);
/* @text as a chat id (a positive integer) in *@chat_id; FALSE (error printed) if it is not one. */
gboolean      zv_cli_parse_chat_id (const char     *text,
                                    gint64         *chat_id);

/* zv-cli-cache.c: the commands that read the cache (no network, except search --server). */
int zv_cli_cmd_status  (Cli *cli, int argc, char **argv);
int zv_cli_cmd_chats   (Cli *cli, int argc, char **argv);
int zv_cli_cmd_history (Cli *cli, int argc, char **argv);
int zv_cli_cmd_search  (Cli *cli, int argc, char **argv);
int zv_cli_cmd_doctor  (Cli *cli, int argc, char **argv);

/* zv-cli-follow.c: the live event stream. */
int zv_cli_cmd_follow  (Cli *cli, int argc, char **argv);

G_END_DECLS
