/* zv-sip-account.h: one SIP account, the user agent every call of that account runs in.
 *
 * Owns the sofia-sip stack (nua on the GLib main loop), keeps the registration alive (digest
 * auth, refresh before expiry, retry with backoff) and hands incoming calls to whoever listens. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define ZV_SIP_ERROR (zv_sip_error_quark ())

typedef enum {
  ZV_SIP_ERROR_INVALID_ACCOUNT,   /* an address or setting that cannot be used */
  ZV_SIP_ERROR_TRANSPORT,         /* no local SIP socket could be opened */
  ZV_SIP_ERROR_AUTH_FAILED,       /* the registrar refused the user name or password */
  ZV_SIP_ERROR_UNREACHABLE,       /* no answer, or a network error, from the registrar/proxy */
  ZV_SIP_ERROR_REJECTED,          /* any other final refusal */
  ZV_SIP_ERROR_BUSY,              /* the callee is busy (486/600) */
  ZV_SIP_ERROR_DECLINED,          /* the callee declined (603) */
  ZV_SIP_ERROR_NOT_FOUND,         /* no such user, or not reachable now (404/480) */
  ZV_SIP_ERROR_NOT_ACCEPTABLE,    /* no common codec, or a broken SDP (488) */
  ZV_SIP_ERROR_MEDIA,             /* the audio pipeline failed */
  ZV_SIP_ERROR_CANCELLED,         /* the call was cancelled before it was answered */
  ZV_SIP_ERROR_CERTIFICATE,       /* the proxy's TLS certificate is not trusted */
  ZV_SIP_ERROR_NO_RESPONSE,       /* the far end vanished: no RTP, or a session refresh failed */
  ZV_SIP_ERROR_TRANSFER_FAILED,   /* a transfer (REFER) was refused or its new call failed */
  ZV_SIP_ERROR_INVALID,           /* a bad argument: DTMF digits that are not digits, and such */
} ZvSipError;

typedef enum {
  ZV_SIP_STATE_UNREGISTERED,
  ZV_SIP_STATE_REGISTERING,
  ZV_SIP_STATE_REGISTERED,
  ZV_SIP_STATE_FAILED,
} ZvSipState;

#define ZV_TYPE_SIP_STATE (zv_sip_state_get_type ())
GType zv_sip_state_get_type (void) G_GNUC_CONST;

#define ZV_TYPE_SIP_ACCOUNT (zv_sip_account_get_type ())

G_DECLARE_FINAL_TYPE (ZvSipAccount, zv_sip_account, ZV, SIP_ACCOUNT, GObject)

GQuark         zv_sip_error_quark                  (void);

ZvSipAccount  *zv_sip_account_new                  (const char     *aor,
                                                    const char     *auth_username,
                                                    const char     *password,
                                                    const char     *proxy,
                                                    GError        **error);
const char    *zv_sip_account_get_aor              (ZvSipAccount   *self);
const char    *zv_sip_account_get_domain           (ZvSipAccount   *self);
const char    *zv_sip_account_get_transport        (ZvSipAccount   *self);
void           zv_sip_account_set_ca_file          (ZvSipAccount   *self,
                                                    const char     *ca_file);
const char    *zv_sip_account_get_local_address    (ZvSipAccount   *self);
ZvSipState     zv_sip_account_get_state            (ZvSipAccount   *self);
const GError  *zv_sip_account_get_error            (ZvSipAccount   *self);
guint          zv_sip_account_get_retry_seconds    (ZvSipAccount   *self);
guint          zv_sip_account_get_expires          (ZvSipAccount   *self);
void           zv_sip_account_set_expires          (ZvSipAccount   *self,
                                                    guint           seconds);
void           zv_sip_account_set_display_name     (ZvSipAccount   *self,
                                                    const char     *display_name);
const char    *zv_sip_account_get_display_name     (ZvSipAccount   *self);
void           zv_sip_account_set_session_timer    (ZvSipAccount   *self,
                                                    guint           expires,
                                                    guint           min_se);
const char    *zv_sip_account_get_contact          (ZvSipAccount   *self);

gboolean       zv_sip_account_start                (ZvSipAccount   *self,
                                                    GError        **error);
void           zv_sip_account_register             (ZvSipAccount   *self);
void           zv_sip_account_shutdown_async       (ZvSipAccount   *self,
                                                    GCancellable   *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer        user_data);
gboolean       zv_sip_account_shutdown_finish      (ZvSipAccount   *self,
                                                    GAsyncResult   *result,
                                                    GError        **error);
void           zv_sip_account_set_srtp_required    (ZvSipAccount   *self,
                                                    gboolean        required);
gboolean       zv_sip_account_get_srtp_required    (ZvSipAccount   *self);
gboolean       zv_sip_account_set_codecs           (ZvSipAccount   *self,
                                                    const char     *codecs,
                                                    GError        **error);
char          *zv_sip_account_dup_codecs           (ZvSipAccount   *self);

G_END_DECLS
