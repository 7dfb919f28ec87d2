/* zv-sip-private.h: what the phone's own objects share about sofia-sip, never used outside
 * src/phone. The account owns the nua stack; each call owns one nua handle whose magic is the
 * ZvCall, and the account routes that handle's events to it. */
#pragma once

#include "zv-sip-account.h"
#include "zv-call.h"
#include "zv-phone-trace.h"
#include "zv-sdp.h"

/* sofia-sip's typed "magic" pointers: the stack hands them back on every event. */
#define SU_ROOT_MAGIC_T ZvSipAccount
#define NUA_MAGIC_T     ZvSipAccount
#define NUA_HMAGIC_T    ZvCall

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_glib.h>

G_BEGIN_DECLS

nua_t      *zv_sip_account_get_nua        (ZvSipAccount  *self);
void        zv_sip_account_add_call       (ZvSipAccount  *self,
                                           ZvCall        *call);
void        zv_sip_account_remove_call    (ZvSipAccount  *self,
                                           ZvCall        *call);
const ZvCodecList *zv_sip_account_get_codec_list (ZvSipAccount *self);
void        zv_sip_account_authenticate   (ZvSipAccount  *self,
                                           nua_handle_t  *nh,
                                           const sip_t   *sip);
GError     *zv_sip_error_from_status      (int            status,
                                           const char    *phrase);

ZvCall     *zv_call_new_incoming          (ZvSipAccount  *account,
                                           nua_handle_t  *nh,
                                           const sip_t   *sip);
void        zv_call_handle_event          (ZvCall        *self,
                                           nua_event_t    event,
                                           int            status,
                                           const char    *phrase,
                                           const sip_t   *sip,
                                           tagi_t         tags[]);

G_END_DECLS
