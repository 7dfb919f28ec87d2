/* zv-sip-account-private.h: ZvSipAccount's fields and the functions its two files share
 * (zv-sip-account.c: the account, its nua stack and event dispatch; zv-sip-register.c: its
 * registration). Never used outside src/phone. */
#pragma once

#include "zv-sip-private.h"

G_BEGIN_DECLS

struct _ZvSipAccount
{
  GObject       parent_instance;

  gboolean      srtp_required;   /* policy: calls must be encrypted (SRTP) even without TLS */
  ZvCodecList   codecs;          /* what our calls offer, in order, and all they accept */

  /* owned */
  char         *aor;             /* sip:user@domain */
  char         *user;
  char         *domain;
  char         *auth_username;
  char         *password;
  char         *proxy;           /* sip:host:port;transport=T */
  char         *proxy_host;
  char         *transport;       /* "udp", "tcp" or "tls" */
  char         *ca_file;         /* the CA that signs the proxy's TLS certificate */
  char         *tls_dir;         /* sofia-sip's private copy of it (cafile.pem) */
  GCancellable *tls_check;       /* a running zv_sip_tls_check_async() */
  GError       *tls_failure;     /* what nua reported while that check runs */
  char         *local_address;
  char         *display_name;
  char         *contact;         /* where our own stack listens, once nua has said */
  GError       *error;
  su_root_t    *root;
  GSource      *source;
  nua_t        *nua;
  GPtrArray    *calls;           /* ZvCall, strong refs while a call has a handle */
  GList        *shutdown_tasks;  /* GTask */

  /* borrowed: nua owns it, we destroy it */
  nua_handle_t *reg_nh;

  ZvSipState    state;
  guint         expires;
  guint         granted_expires;
  guint         auth_tries;
  guint         failures;
  guint         retry_seconds;
  guint         retry_source;
  guint         session_expires;
  guint         min_se;
  gboolean      shutting_down;
  gboolean      shutdown_done;
};

void zv_sip_account_set_state       (ZvSipAccount *self,
                                     ZvSipState    state,
                                     GError       *error);
void zv_sip_account_emit_registered (ZvSipAccount *self);
void zv_sip_register_start          (ZvSipAccount *self);
void zv_sip_register_drop_handle    (ZvSipAccount *self);
void zv_sip_register_on_response    (ZvSipAccount *self,
                                     int           status,
                                     const char   *phrase,
                                     nua_handle_t *nh,
                                     const sip_t  *sip);

G_END_DECLS
