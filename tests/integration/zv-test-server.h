/* zv-test-server.h: what every zveno-server integration test shares: start the real binary on a
 * free loopback port with a throw-away database, make accounts through the admin CLI, and talk
 * JSON over HTTP and WebSocket with libsoup. */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
  char        *dir;       /* temporary directory, removed by stop */
  char        *db;
  char        *url;       /* http://127.0.0.1:PORT */
  GSubprocess *process;
  SoupSession *session;
  SoupMessageHeaders *last_headers;  /* of the last zv_test_request answer */
} ZvTestServer;

/* Starts zveno-server with --db in a fresh directory plus @extra_args (NULL-terminated, may be NULL). */
ZvTestServer *zv_test_server_start   (const char *const *extra_args);
void          zv_test_server_stop    (ZvTestServer      *server);

/* Runs `zveno-server admin --db DB ARGS...` with @stdin_text on standard input; returns its exit
 * status and (when @out is not NULL) its standard output. */
int           zv_test_admin          (ZvTestServer      *server,
                                      const char        *stdin_text,
                                      char             **out,
                                      ...) G_GNUC_NULL_TERMINATED;
/* Adds a user with a password and returns their id. */
gint64        zv_test_add_user       (ZvTestServer      *server,
                                      const char        *login,
                                      const char        *name,
                                      const char        *password);

/* Sends a request; @body is JSON text or NULL. Returns the parsed JSON answer (or NULL when the
 * body is empty or not JSON) and the status. */
JsonNode     *zv_test_request        (ZvTestServer      *server,
                                      const char        *method,
                                      const char        *path,
                                      const char        *token,
                                      const char        *body,
                                      guint             *status);
/* The "error" code of a JSON error answer, or "" when there is none. */
const char   *zv_test_error_code     (JsonNode          *node);
/* Signs in; returns the access token and sets *refresh (optional) to the refresh token. */
char         *zv_test_login          (ZvTestServer      *server,
                                      const char        *login,
                                      const char        *password,
                                      char             **refresh);

/* WebSocket /api/v1/events; @since < 0 leaves it out. */
typedef struct {
  SoupWebsocketConnection *conn;
  GQueue                   messages;   /* JsonNode* */
  gboolean                 closed;
} ZvTestEvents;

ZvTestEvents *zv_test_events_open    (ZvTestServer      *server,
                                      const char        *token,
                                      gint64             since,
                                      guint             *status);
/* The next event as a JsonObject (new ref), waiting up to @timeout_ms; NULL on timeout or close. */
JsonObject   *zv_test_events_next    (ZvTestEvents      *events,
                                      guint              timeout_ms);
/* The next event of @type, skipping others (e.g. "ready", presence). */
JsonObject   *zv_test_events_wait    (ZvTestEvents      *events,
                                      const char        *type,
                                      guint              timeout_ms);
void          zv_test_events_close   (ZvTestEvents      *events);

/* Iterates the default main context for @ms. */
void          zv_test_sleep          (guint              ms);

G_END_DECLS
