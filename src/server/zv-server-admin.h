/* zv-server-admin.h: `zveno-server admin`, the operator's command line. It writes the database
 * directly, so it works while the server runs (the server reads account state on every request). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* argv[0] is "admin". Returns the process exit status. */
int zv_server_admin_main (int    argc,
                          char **argv);

G_END_DECLS
