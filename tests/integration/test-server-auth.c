/* test-server-auth.c: zveno-server sign-in over real HTTP: discovery, login, rotating refresh (and
 * reuse revoking the device), logout, disabled accounts and revoked devices answering 401 on the
 * next request, the login rate limit, token expiry, and the SIP credentials Kamailio checks. */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "zv-test-server.h"

static JsonObject *
obj (JsonNode *node)
{
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

static guint
get_status (ZvTestServer *server,
            const char   *path,
            const char   *token,
            char        **code)
{
  guint status = 0;
  g_autoptr(JsonNode) node = zv_test_request (server, "GET", path, token, NULL, &status);

  if (code != NULL)
    *code = g_strdup (zv_test_error_code (node));
  return status;
}

static void
test_discovery (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *api = g_strconcat (server->url, "/api/v1", NULL);
  guint status;

  node = zv_test_request (server, "GET", "/.well-known/zveno.json", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (node), "api"), ==, api);
  zv_test_server_stop (server);
}

static void
test_login_errors (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  g_autoptr(JsonNode) node = NULL;
  guint status;

  zv_test_add_user (server, "anna", "Анна", "correct horse");

  node = zv_test_request (server, "POST", "/api/v1/auth/login", NULL,
                          "{\"login\":\"anna\",\"password\":\"wrong\",\"device_name\":\"t\"}", &status);
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpstr (zv_test_error_code (node), ==, "invalid_credentials");
  g_clear_pointer (&node, json_node_unref);

  node = zv_test_request (server, "POST", "/api/v1/auth/login", NULL,
                          "{\"login\":\"nobody\",\"password\":\"x\"}", &status);
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpstr (zv_test_error_code (node), ==, "invalid_credentials");
  g_clear_pointer (&node, json_node_unref);

  node = zv_test_request (server, "POST", "/api/v1/auth/login", NULL, "{\"login\": \"anna\", ", &status);
  g_assert_cmpuint (status, ==, 400);
  g_assert_cmpstr (zv_test_error_code (node), ==, "bad_request");
  g_clear_pointer (&node, json_node_unref);

  node = zv_test_request (server, "POST", "/api/v1/auth/login", NULL, "{\"login\": 5}", &status);
  g_assert_cmpuint (status, ==, 400);
  g_clear_pointer (&node, json_node_unref);

  node = zv_test_request (server, "POST", "/api/v1/auth/login", NULL, "[1, 2]", &status);
  g_assert_cmpuint (status, ==, 400);
  g_clear_pointer (&node, json_node_unref);

  /* The echo bot exists but cannot sign in. */
  node = zv_test_request (server, "POST", "/api/v1/auth/login", NULL,
                          "{\"login\":\"echo\",\"password\":\"\"}", &status);
  g_assert_cmpuint (status, ==, 401);
  zv_test_server_stop (server);
}

static void
test_login_me_logout (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  gint64 id = zv_test_add_user (server, "anna", "Анна Петрова", "pw-anna");
  g_autofree char *token = zv_test_login (server, "anna", "pw-anna", NULL);
  g_autofree char *code = NULL;
  g_autoptr(JsonNode) me = NULL;
  guint status;

  me = zv_test_request (server, "GET", "/api/v1/me", token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (obj (me), "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (obj (me), "name"), ==, "Анна Петрова");

  g_assert_cmpuint (get_status (server, "/api/v1/me", NULL, &code), ==, 401);
  g_assert_cmpstr (code, ==, "unauthorized");
  g_clear_pointer (&code, g_free);
  g_assert_cmpuint (get_status (server, "/api/v1/me", "zva_not-a-token", &code), ==, 401);
  g_assert_cmpstr (code, ==, "unauthorized");
  g_clear_pointer (&code, g_free);
  g_assert_nonnull (soup_message_headers_get_one (server->last_headers, "WWW-Authenticate"));

  g_clear_pointer (&me, json_node_unref);
  me = zv_test_request (server, "POST", "/api/v1/auth/logout", token, NULL, &status);
  g_assert_cmpuint (status, ==, 204);
  g_assert_cmpuint (get_status (server, "/api/v1/me", token, &code), ==, 401);
  g_assert_cmpstr (code, ==, "unauthorized");
  zv_test_server_stop (server);
}

static char *
refresh (ZvTestServer *server,
         const char   *refresh_token,
         guint        *status,
         char        **code,
         char        **access)
{
  g_autofree char *body = g_strdup_printf ("{\"refresh_token\":\"%s\"}", refresh_token);
  g_autoptr(JsonNode) node = zv_test_request (server, "POST", "/api/v1/auth/refresh", NULL, body, status);

  *code = g_strdup (zv_test_error_code (node));
  if (*status != 200)
    return NULL;
  if (access != NULL)
    *access = g_strdup (json_object_get_string_member (obj (node), "access_token"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (obj (node), "user"), "id"), >, 0);
  return g_strdup (json_object_get_string_member (obj (node), "refresh_token"));
}

static void
test_refresh_rotation_and_reuse (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL, *again = NULL;
  g_autofree char *a1 = NULL, *a2 = NULL, *a3 = NULL, *other = NULL;
  g_autofree char *code = NULL;
  guint status;

  zv_test_add_user (server, "anna", "Anna", "pw");
  a1 = zv_test_login (server, "anna", "pw", &r1);
  other = zv_test_login (server, "anna", "pw", NULL);

  r2 = refresh (server, r1, &status, &code, &a2);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (r2, !=, r1);
  g_assert_cmpstr (a2, !=, a1);
  g_assert_cmpuint (get_status (server, "/api/v1/me", a2, NULL), ==, 200);
  g_clear_pointer (&code, g_free);

  r3 = refresh (server, r2, &status, &code, &a3);
  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&code, g_free);

  /* r1 was already exchanged: someone copied it. The device is revoked, for thief and owner. */
  again = refresh (server, r1, &status, &code, NULL);
  g_assert_null (again);
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpstr (code, ==, "device_revoked");
  g_clear_pointer (&code, g_free);

  g_assert_cmpuint (get_status (server, "/api/v1/me", a3, &code), ==, 401);
  g_assert_cmpstr (code, ==, "device_revoked");
  g_clear_pointer (&code, g_free);
  again = refresh (server, r3, &status, &code, NULL);
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpstr (code, ==, "device_revoked");
  g_clear_pointer (&code, g_free);

  /* The user's other device is untouched. */
  g_assert_cmpuint (get_status (server, "/api/v1/me", other, NULL), ==, 200);

  again = refresh (server, "zvr_unknown", &status, &code, NULL);
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpstr (code, ==, "unauthorized");
  zv_test_server_stop (server);
}

static char *
query_text (const char *db_path,
            const char *sql,
            const char *arg)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static void
test_disabled_account (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  g_autofree char *refresh_token = NULL, *token = NULL, *code = NULL, *ha1 = NULL, *again = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint status;

  zv_test_add_user (server, "boris", "Boris", "pw");
  token = zv_test_login (server, "boris", "pw", &refresh_token);
  ha1 = query_text (server->db, "SELECT ha1 FROM subscriber WHERE username = ?1", "boris");
  g_assert_nonnull (ha1);

  /* Disabled by the admin CLI while the server runs: refused on the very next request. */
  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "user", "disable", "boris", NULL), ==, 0);
  g_assert_cmpuint (get_status (server, "/api/v1/me", token, &code), ==, 401);
  g_assert_cmpstr (code, ==, "account_disabled");
  g_clear_pointer (&code, g_free);
  again = refresh (server, refresh_token, &status, &code, NULL);
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpstr (code, ==, "account_disabled");

  node = zv_test_request (server, "POST", "/api/v1/auth/login", NULL,
                          "{\"login\":\"boris\",\"password\":\"pw\"}", &status);
  g_assert_cmpuint (status, ==, 403);
  g_assert_cmpstr (zv_test_error_code (node), ==, "account_disabled");
  g_clear_pointer (&node, json_node_unref);

  /* The PBX refuses the SIP account too. */
  g_clear_pointer (&ha1, g_free);
  ha1 = query_text (server->db, "SELECT ha1 FROM subscriber WHERE username = ?1", "boris");
  g_assert_null (ha1);

  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "user", "enable", "boris", NULL), ==, 0);
  g_free (token);
  token = zv_test_login (server, "boris", "pw", NULL);
  g_assert_cmpuint (get_status (server, "/api/v1/me", token, NULL), ==, 200);
  ha1 = query_text (server->db, "SELECT ha1 FROM subscriber WHERE username = ?1", "boris");
  g_assert_nonnull (ha1);
  zv_test_server_stop (server);
}

static void
test_admin_revoke_and_passwd (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  g_autofree char *token = NULL, *code = NULL, *out = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) me = NULL;
  g_autofree char *device = NULL;
  guint status;

  zv_test_add_user (server, "vera", "Vera", "old-password");
  token = zv_test_login (server, "vera", "old-password", NULL);
  me = zv_test_request (server, "GET", "/api/v1/me", token, NULL, &status);
  device = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (obj (me), "device_id"));

  g_assert_cmpint (zv_test_admin (server, NULL, &out, "device", "list", "vera", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, device));
  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "device", "revoke", device, NULL), ==, 0);
  g_assert_cmpuint (get_status (server, "/api/v1/me", token, &code), ==, 401);
  g_assert_cmpstr (code, ==, "device_revoked");

  g_assert_cmpint (zv_test_admin (server, "new-password\n", NULL, "user", "passwd", "vera", "--password-stdin", NULL), ==, 0);
  node = zv_test_request (server, "POST", "/api/v1/auth/login", NULL,
                          "{\"login\":\"vera\",\"password\":\"old-password\"}", &status);
  g_assert_cmpuint (status, ==, 401);
  g_free (token);
  token = zv_test_login (server, "vera", "new-password", NULL);
  g_assert_cmpuint (get_status (server, "/api/v1/me", token, NULL), ==, 200);

  /* Bad admin usage fails loudly. */
  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "user", "disable", "nobody", NULL), !=, 0);
  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "frobnicate", NULL), !=, 0);
  zv_test_server_stop (server);
}

static void
test_rate_limit (void)
{
  const char *const args[] = { "--login-attempts", "3", NULL };
  ZvTestServer *server = zv_test_server_start (args);
  g_autoptr(JsonNode) node = NULL;
  const char *retry;
  guint status;

  zv_test_add_user (server, "gleb", "Gleb", "pw");
  for (int i = 0; i < 3; i++)
    {
      g_clear_pointer (&node, json_node_unref);
      node = zv_test_request (server, "POST", "/api/v1/auth/login", NULL,
                              "{\"login\":\"gleb\",\"password\":\"guess\"}", &status);
      g_assert_cmpuint (status, ==, 401);
    }
  g_clear_pointer (&node, json_node_unref);
  /* Even the right password waits now: the limit protects the account, not the guess. */
  node = zv_test_request (server, "POST", "/api/v1/auth/login", NULL,
                          "{\"login\":\"gleb\",\"password\":\"pw\"}", &status);
  g_assert_cmpuint (status, ==, 429);
  g_assert_cmpstr (zv_test_error_code (node), ==, "rate_limited");
  retry = soup_message_headers_get_one (server->last_headers, "Retry-After");
  g_assert_nonnull (retry);
  g_assert_cmpint (g_ascii_strtoll (retry, NULL, 10), >, 0);
  g_assert_cmpint (g_ascii_strtoll (retry, NULL, 10), <=, 60);
  zv_test_server_stop (server);
}

static void
test_token_expiry (void)
{
  const char *const args[] = { "--access-ttl", "1", NULL };
  ZvTestServer *server = zv_test_server_start (args);
  g_autofree char *refresh_token = NULL, *token = NULL, *code = NULL, *next = NULL, *access = NULL;
  guint status;

  zv_test_add_user (server, "dina", "Dina", "pw");
  token = zv_test_login (server, "dina", "pw", &refresh_token);
  g_assert_cmpuint (get_status (server, "/api/v1/me", token, NULL), ==, 200);
  g_usleep (1500 * 1000);
  g_assert_cmpuint (get_status (server, "/api/v1/me", token, &code), ==, 401);
  g_assert_cmpstr (code, ==, "token_expired");
  g_clear_pointer (&code, g_free);
  next = refresh (server, refresh_token, &status, &code, &access);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (get_status (server, "/api/v1/me", access, NULL), ==, 200);
  zv_test_server_stop (server);
}

static void
test_sip_credentials (void)
{
  const char *const args[] = { "--sip-domain", "pbx.example.test", "--sip-registrar", "127.0.0.1:5070", NULL };
  ZvTestServer *server = zv_test_server_start (args);
  g_autofree char *token = NULL, *ha1 = NULL, *expected_src = NULL, *expected = NULL, *version = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *sip;
  guint status;

  zv_test_add_user (server, "egor", "Egor", "pw");
  token = zv_test_login (server, "egor", "pw", NULL);
  node = zv_test_request (server, "GET", "/api/v1/telephony", token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  sip = json_object_get_object_member (obj (node), "sip");
  g_assert_cmpstr (json_object_get_string_member (sip, "domain"), ==, "pbx.example.test");
  g_assert_cmpstr (json_object_get_string_member (sip, "registrar"), ==, "127.0.0.1:5070");
  g_assert_cmpstr (json_object_get_string_member (sip, "username"), ==, "egor");
  g_assert_cmpint (strlen (json_object_get_string_member (sip, "password")), >=, 16);

  /* Kamailio's auth_db checks exactly this row. */
  expected_src = g_strdup_printf ("egor:pbx.example.test:%s", json_object_get_string_member (sip, "password"));
  expected = g_compute_checksum_for_string (G_CHECKSUM_MD5, expected_src, -1);
  ha1 = query_text (server->db, "SELECT ha1 FROM subscriber WHERE username = ?1 AND domain = 'pbx.example.test'", "egor");
  g_assert_cmpstr (ha1, ==, expected);
  version = query_text (server->db, "SELECT table_version FROM version WHERE table_name = ?1", "subscriber");
  g_assert_cmpstr (version, ==, "7");
  zv_test_server_stop (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/auth/discovery", test_discovery);
  g_test_add_func ("/server/auth/login-errors", test_login_errors);
  g_test_add_func ("/server/auth/login-me-logout", test_login_me_logout);
  g_test_add_func ("/server/auth/refresh-rotation-and-reuse", test_refresh_rotation_and_reuse);
  g_test_add_func ("/server/auth/disabled-account", test_disabled_account);
  g_test_add_func ("/server/auth/admin-revoke-and-passwd", test_admin_revoke_and_passwd);
  g_test_add_func ("/server/auth/rate-limit", test_rate_limit);
  g_test_add_func ("/server/auth/token-expiry", test_token_expiry);
  g_test_add_func ("/server/auth/sip-credentials", test_sip_credentials);
  return g_test_run ();
}
