/* zv-account-private.h: ZvAccount's fields and the helpers its two files share (zv-account.c: the
 * account, its tokens, wipe, refresh and requests; zv-account-login.c: the sign-in). Never used
 * outside src/core. */
#pragma once

#include "zv-account.h"

G_BEGIN_DECLS

struct _ZvAccount
{
  GObject        parent_instance;

  /* owned */
  char          *data_dir;
  char          *db_path;
  char          *files_dir;
  char          *ca_file;
  ZvSecretStore *secrets;
  ZvStore       *store;
  ZvApi         *api;
  char          *server;
  char          *login;
  gint64         user_id;
  char          *access_token;
  char          *refresh_token;
  gint64         access_expires_at;   /* ms, wall clock */
  GPtrArray     *refresh_waiters;     /* GTask*s waiting for the refresh in flight */
  gboolean       refreshing;
};

/* The tokens of a /auth/login or /auth/refresh answer. */
typedef struct {
  char  *access;
  char  *refresh;
  gint64 expires_at;
} ZvAccountTokens;

void             zv_account_tokens_free        (ZvAccountTokens     *tokens);
ZvAccountTokens *zv_account_parse_tokens       (JsonObject          *object,
                                                GError             **error);
void             zv_account_save_tokens        (ZvAccount           *self,
                                                ZvAccountTokens     *tokens,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean         zv_account_save_tokens_finish (ZvAccount           *self,
                                                GAsyncResult        *result,
                                                GError             **error);
char            *zv_account_secret_account     (ZvAccount           *self);
gboolean         zv_account_make_api           (ZvAccount           *self,
                                                GError             **error);

G_END_DECLS
