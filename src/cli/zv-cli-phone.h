/* zv-cli-phone.h: zveno-cli's headless phone (call, answer), kept out of zveno-cli.c. */
#pragma once

#include <glib.h>

#include "zv-account.h"
#include "zv-sip-account.h"

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

/* zv-cli-phone-account.c, for zv-cli-phone.c: the account @source describes; @caller_id (inout)
 * is checked against, or defaulted from, the provisioned company numbers. */
ZvSipAccount       *zv_cli_phone_load_account   (ZvCliSipSource  *source,
                                                 char           **caller_id,
                                                 GError         **error);

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
