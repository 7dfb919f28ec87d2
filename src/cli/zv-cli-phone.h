/* zv-cli-phone.h: zveno-cli's headless phone (call, answer), kept out of zveno-cli.c. */
#pragma once

#include <glib.h>

#include "zv-account.h"

G_BEGIN_DECLS

/* Where the SIP account comes from: the signed-in account's /telephony (account != NULL), or
 * the standalone --sip-user/--sip-proxy/--sip-password-stdin options. */
typedef struct {
  ZvAccount  *account;     /* borrowed, signed in and restored; NULL when standalone */
  const char *sip_user;
  const char *sip_proxy;
  char       *sip_password;
  const char *sip_ca_file;  /* --sip-ca-file, else the account's company CA */
} ZvCliSipSource;

const GOptionEntry *zv_cli_phone_call_entries   (void);
const GOptionEntry *zv_cli_phone_answer_entries (void);
void                zv_cli_phone_set_dtmf       (const char *digits);

int zv_cli_phone_call   (ZvCliSipSource *source,
                         const char     *uri,
                         int             duration,
                         const char     *record,
                         const char     *play,
                         const char     *caller_id);
int zv_cli_phone_answer (ZvCliSipSource *source,
                         int             count,
                         gboolean        echo,
                         const char     *play,
                         const char     *record);

G_END_DECLS
