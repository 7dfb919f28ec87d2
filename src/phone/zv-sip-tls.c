/* zv-sip-tls.c: the pieces of SIP over TLS that sofia-sip leaves to us.
 *
 * sofia-sip (tport_tls.c) reads the certificates it trusts from a folder, as "cafile.pem", and
 * verifies the proxy's certificate and name itself. We give it a private folder holding only
 * the company's CA (or the system's bundle when there is none), so a phone never trusts more
 * than the account says.
 *
 * When a TLS connection is refused, sofia only closes it: the REGISTER ends with a local 503 that
 * reads like an unreachable server. zv_sip_tls_check_async() then repeats the handshake with
 * GIO's TLS and the same trust, and turns the certificate's faults into a message that says what
 * is wrong (unknown CA, another host's name, expired). */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "zv-sip-account.h"
#include "zv-sip-tls.h"

/* Where Debian, Fedora and others keep the system's trusted CAs, for accounts without a company CA. */
static const char *const system_bundles[] = {
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/ca-bundle.pem",
};

/**
 * zv_sip_tls_make_dir:
 * @ca_file: (nullable): the company CA certificate(s), PEM; NULL for the system's trusted CAs
 *
 * Returns: (transfer full): a new private folder for TPTAG_CERTIFICATE, to be removed with
 * zv_sip_tls_remove_dir() once the SIP stack is gone.
 */
char *
zv_sip_tls_make_dir (const char  *ca_file,
                     GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *target = NULL;
  g_autofree char *pem = NULL;
  gsize length = 0;

  if (ca_file != NULL)
    {
      g_autoptr(GError) local_error = NULL;
      GList *certs = g_tls_certificate_list_new_from_file (ca_file, &local_error);

      if (certs == NULL)
        {
          g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID_ACCOUNT,
                       _("The certificate authority file %s holds no usable certificate: %s"), ca_file,
                       local_error != NULL ? local_error->message : _("it is empty"));
          return NULL;
        }
      g_list_free_full (certs, g_object_unref);
      if (!g_file_get_contents (ca_file, &pem, &length, error))
        return NULL;
    }
  else
    {
      for (gsize i = 0; i < G_N_ELEMENTS (system_bundles) && pem == NULL; i++)
        if (!g_file_get_contents (system_bundles[i], &pem, &length, NULL))
          g_clear_pointer (&pem, g_free);
    }

  dir = g_dir_make_tmp ("zveno-sip-tls-XXXXXX", error);
  if (dir == NULL)
    return NULL;
  /* No bundle at all: an empty folder, so nothing is trusted and the check below says so. */
  if (pem == NULL)
    return g_steal_pointer (&dir);
  target = g_build_filename (dir, "cafile.pem", NULL);
  if (!g_file_set_contents_full (target, pem, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    {
      zv_sip_tls_remove_dir (dir);
      return NULL;
    }
  return g_steal_pointer (&dir);
}

void
zv_sip_tls_remove_dir (const char *dir)
{
  g_autofree char *cafile = NULL;

  if (dir == NULL)
    return;
  cafile = g_build_filename (dir, "cafile.pem", NULL);
  g_unlink (cafile);
  g_rmdir (dir);
}

typedef struct {
  char                 *host;
  guint16               port;
  char                 *ca_file;
  GTlsCertificateFlags  faults;
} Check;

static void
check_free (Check *check)
{
  g_free (check->host);
  g_free (check->ca_file);
  g_free (check);
}

static GError *
certificate_error (const Check *check)
{
  GTlsCertificateFlags faults = check->faults;

  if (faults & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return g_error_new (ZV_SIP_ERROR, ZV_SIP_ERROR_CERTIFICATE,
                        check->ca_file != NULL
                        ? _("The phone server’s certificate is not trusted: it is not signed by the company’s certificate authority (%s).")
                        : _("The phone server’s certificate is not trusted: no trusted certificate authority signed it (%s)."),
                        check->host);
  if (faults & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return g_error_new (ZV_SIP_ERROR, ZV_SIP_ERROR_CERTIFICATE,
                        _("The phone server’s certificate is not trusted: it was issued for another server, not %s."),
                        check->host);
  if (faults & (G_TLS_CERTIFICATE_EXPIRED | G_TLS_CERTIFICATE_NOT_ACTIVATED))
    return g_error_new (ZV_SIP_ERROR, ZV_SIP_ERROR_CERTIFICATE,
                        _("The phone server’s certificate is not trusted: it has expired or is not valid yet (%s)."),
                        check->host);
  return g_error_new (ZV_SIP_ERROR, ZV_SIP_ERROR_CERTIFICATE,
                      _("The phone server’s certificate is not trusted (%s)."), check->host);
}

static gboolean
on_accept_certificate (GTlsConnection       *connection,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  Check *check = user_data;

  check->faults |= errors;
  return FALSE;
}

static void
handshake_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (check->faults != 0 || g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    g_task_return_error (task, certificate_error (check));
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
connected (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  if (connection == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  identity = g_network_address_new (check->host, check->port);
  tls = g_tls_client_connection_new (G_IO_STREAM (connection), identity, &error);
  if (tls == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (check->ca_file != NULL)
    {
      database = g_tls_file_database_new (check->ca_file, &error);
      if (database == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
    }
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (on_accept_certificate), check);
  /* The task holds the connection until the handshake is over. */
  g_object_set_data_full (G_OBJECT (task), "zv-tls", g_object_ref (tls), g_object_unref);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, cancellable,
                                    handshake_done, g_steal_pointer (&task));
}

/**
 * zv_sip_tls_check_async:
 * @host: the proxy's host name or address, as the SIP account dials it
 * @ca_file: (nullable): the company CA; NULL for the system's trusted CAs
 *
 * One TLS handshake with the proxy under the trust sofia-sip was given. Finishes with TRUE when
 * the certificate is fine (the failure was elsewhere), with a ZV_SIP_ERROR_CERTIFICATE error that
 * says what is wrong with it, or with the network's error.
 */
void
zv_sip_tls_check_async (const char          *host,
                        guint16              port,
                        const char          *ca_file,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address = NULL;
  Check *check = g_new0 (Check, 1);

  g_task_set_source_tag (task, zv_sip_tls_check_async);
  check->host = g_strdup (host);
  check->port = port;
  check->ca_file = g_strdup (ca_file);
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);
  g_socket_client_set_timeout (client, 10);
  address = g_network_address_new (host, port);
  g_socket_client_connect_async (client, address, cancellable, connected, g_steal_pointer (&task));
}

gboolean
zv_sip_tls_check_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
