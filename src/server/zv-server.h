/* zv-server.h: ZvServer, the UC API over HTTP(S) and WebSocket: listening, routing, authentication,
 * JSON replies and the live event fan-out. The resource handlers live in zv-server-*.c. */
#pragma once

#include <gio/gio.h>

#include "zv-server-db.h"

G_BEGIN_DECLS

/* Everything the command line can set; zv_server_new copies it. */
typedef struct {
  char  *db_path;
  char  *files_dir;
  char  *listen;          /* "127.0.0.1:0", "[::1]:8080", ... */
  char  *tls_cert;
  char  *tls_key;
  char  *sip_domain;
  char  *sip_registrar;   /* host:port */
  char  *sip_transport;   /* udp, tcp, tls */
  char  *public_url;      /* base advertised by discovery; default from the listen address */
  char  *faults;          /* fault-injection rules, see zv-server-faults.c */
  int    access_ttl;      /* seconds an access token lives */
  int    login_attempts;  /* failed logins per login name and minute before 429 */
  int    events_keep;     /* events retained for resume */
  int    echo_delay_ms;   /* how long the Echo bot "types" */
} ZvServerConfig;

void zv_server_config_clear (ZvServerConfig *config);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ZvServerConfig, zv_server_config_clear)

#define ZV_TYPE_SERVER (zv_server_get_type ())
G_DECLARE_FINAL_TYPE (ZvServer, zv_server, ZV, SERVER, GObject)

ZvServer   *zv_server_new        (const ZvServerConfig *config,
                                  GError              **error);
/* Starts accepting connections. */
gboolean    zv_server_start      (ZvServer             *self,
                                  GError              **error);
/* The base URL actually bound ("http://127.0.0.1:PORT"), after zv_server_start. */
const char *zv_server_get_url    (ZvServer             *self);
void        zv_server_stop       (ZvServer             *self);

G_END_DECLS
