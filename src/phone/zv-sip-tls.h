/* zv-sip-tls.h: what SIP over TLS needs around sofia-sip's own TLS: the folder of trusted
 * certificates it reads, and a check that says why the phone server's certificate was refused. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

char     *zv_sip_tls_make_dir      (const char          *ca_file,
                                    GError             **error);
void      zv_sip_tls_remove_dir    (const char          *dir);

void      zv_sip_tls_check_async   (const char          *host,
                                    guint16              port,
                                    const char          *ca_file,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
gboolean  zv_sip_tls_check_finish  (GAsyncResult        *result,
                                    GError             **error);

G_END_DECLS
