/* zv-server-main.c: the zveno-server command line: `serve` (the default), `seed` and `admin`. */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "zv-server-admin.h"
#include "zv-seed.h"
#include "zv-server.h"

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static int
serve_main (int    argc,
            char **argv)
{
  g_auto(ZvServerConfig) config = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ZvServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &config.db_path, "SQLite database (created if missing)", "FILE" },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &config.listen, "Address and port (default 127.0.0.1:8080; port 0 picks one)", "ADDR:PORT" },
    { "files", 0, 0, G_OPTION_ARG_FILENAME, &config.files_dir, "Where uploaded files live (default DB.files)", "DIR" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &config.tls_cert, "Serve HTTPS with this certificate (PEM)", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &config.tls_key, "Private key of --tls-cert (PEM)", "FILE" },
    { "public-url", 0, 0, G_OPTION_ARG_STRING, &config.public_url, "Base URL clients reach (behind a proxy)", "URL" },
    { "sip-domain", 0, 0, G_OPTION_ARG_STRING, &config.sip_domain, "SIP domain (default 127.0.0.1)", "DOMAIN" },
    { "sip-registrar", 0, 0, G_OPTION_ARG_STRING, &config.sip_registrar, "SIP registrar (default 127.0.0.1:5060)", "HOST:PORT" },
    { "sip-transport", 0, 0, G_OPTION_ARG_STRING, &config.sip_transport, "udp, tcp or tls (default udp)", "T" },
    { "access-ttl", 0, 0, G_OPTION_ARG_INT, &config.access_ttl, "Access token lifetime in seconds (default 3600)", "S" },
    { "login-attempts", 0, 0, G_OPTION_ARG_INT, &config.login_attempts, "Failed logins per minute before 429 (default 5)", "N" },
    { "events-keep", 0, 0, G_OPTION_ARG_INT, &config.events_keep, "Events kept for resume (default 100000)", "N" },
    { "echo-delay", 0, 0, G_OPTION_ARG_INT, &config.echo_delay_ms, "Echo bot answer delay in ms (default 400)", "MS" },
    { "fault", 0, 0, G_OPTION_ARG_STRING, &config.faults, "Fault injection rules (tests; see docs/api.md)", "SPEC" },
    { NULL }
  };

  config.echo_delay_ms = -1;
  context = g_option_context_new ("- the Zveno UC API server");
  g_option_context_set_summary (context, "Commands: serve (default), seed, admin. "
                                         "See `zveno-server admin` and `zveno-server seed --help`.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "zveno-server: %s\n", error->message);
      return 2;
    }
  if (config.db_path == NULL)
    {
      fprintf (stderr, "zveno-server: --db FILE is required\n");
      return 2;
    }
  if (config.faults == NULL && g_getenv ("ZVENO_SERVER_FAULTS") != NULL)
    config.faults = g_strdup (g_getenv ("ZVENO_SERVER_FAULTS"));

  server = zv_server_new (&config, &error);
  if (server == NULL || !zv_server_start (server, &error))
    {
      fprintf (stderr, "zveno-server: %s\n", error->message);
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_unix_signal_add (SIGINT, on_signal, loop);

  /* Tests and ./run wait for this exact line. */
  printf ("listening on %s\n", zv_server_get_url (server));
  fflush (stdout);

  g_main_loop_run (loop);
  zv_server_stop (server);
  g_message ("stopped");
  return 0;
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");

  if (argc > 1 && g_str_equal (argv[1], "admin"))
    return zv_server_admin_main (argc - 1, argv + 1);
  if (argc > 1 && g_str_equal (argv[1], "seed"))
    return zv_seed_main (argc - 1, argv + 1);
  if (argc > 1 && g_str_equal (argv[1], "serve"))
    return serve_main (argc - 1, argv + 1);
  return serve_main (argc, argv);
}
