/* test-server-misc.c: the rest of zveno-server's surface over real HTTP(S): directory paging and
 * delta, users, policy, telephony provisioning, call history, notes, quality reports, CRM lookup,
 * the admin CLI's stats, fault injection, and HTTPS with a certificate. */
#include "config.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "zv-test-server.h"

static JsonObject *
obj (JsonNode *node)
{
  g_assert_nonnull (node);
  return json_node_get_object (node);
}

static JsonNode *
call (ZvTestServer *server,
      const char   *method,
      const char   *path,
      const char   *token,
      const char   *body,
      guint         expect)
{
  guint status = 0;
  JsonNode *node = zv_test_request (server, method, path, token, body, &status);

  if (status != expect)
    {
      g_autofree char *text = node != NULL ? json_to_string (node, FALSE) : g_strdup ("(no JSON)");
      g_error ("%s %s answered %u, expected %u: %s", method, path, status, expect, text);
    }
  return node;
}

static void
test_directory (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autofree char *token = NULL, *cursor = NULL, *path = NULL;
  g_autoptr(JsonNode) delta = NULL;
  g_autoptr(JsonNode) user = NULL;
  gint64 newcomer, anna;
  gboolean more = TRUE;
  int pages = 0;

  anna = zv_test_add_user (server, "anna", "Анна", "pa");
  g_assert_cmpint (zv_test_admin (server, "p\n", NULL, "user", "add", "petr", "--name", "Пётр Иванов",
                                  "--password-stdin", "--title", "Бухгалтер", "--department", "Финансы",
                                  "--email", "petr@example.test", "--extension", "204",
                                  "--mobile", "+7 916 000-00-04", "--company-phone", "+7 495 100-00-00", NULL), ==, 0);
  for (int i = 0; i < 7; i++)
    {
      g_autofree char *login = g_strdup_printf ("user%d", i);
      zv_test_add_user (server, login, login, "x");
    }
  token = zv_test_login (server, "anna", "pa", NULL);

  while (more)
    {
      g_autofree char *p = cursor != NULL ? g_strdup_printf ("/api/v1/directory?limit=3&cursor=%s", cursor)
                                          : g_strdup ("/api/v1/directory?limit=3");
      g_autoptr(JsonNode) page = call (server, "GET", p, token, NULL, 200);
      JsonArray *entries = json_object_get_array_member (obj (page), "entries");

      for (guint i = 0; i < json_array_get_length (entries); i++)
        {
          JsonObject *e = json_array_get_object_element (entries, i);
          gint64 id = json_object_get_int_member (e, "id");

          g_assert_false (g_hash_table_contains (seen, &id));
          g_hash_table_add (seen, g_memdup2 (&id, sizeof id));
          if (g_str_equal (json_object_get_string_member (e, "login"), "petr"))
            {
              JsonObject *phones = json_object_get_object_member (e, "phones");

              g_assert_cmpstr (json_object_get_string_member (e, "title"), ==, "Бухгалтер");
              g_assert_cmpstr (json_object_get_string_member (e, "department"), ==, "Финансы");
              g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (e, "emails"), 0), ==, "petr@example.test");
              g_assert_cmpstr (json_object_get_string_member (phones, "extension"), ==, "204");
              g_assert_cmpstr (json_object_get_string_member (phones, "mobile"), ==, "+7 916 000-00-04");
              g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (phones, "company"), 0), ==, "+7 495 100-00-00");
              g_assert_false (json_object_get_boolean_member (e, "external"));
              g_assert_nonnull (json_object_get_string_member (e, "presence"));
            }
        }
      more = json_object_get_boolean_member (obj (page), "more");
      g_free (cursor);
      cursor = g_strdup (json_object_get_string_member (obj (page), "next_cursor"));
      pages++;
    }
  /* 9 people and the Echo bot. */
  g_assert_cmpuint (g_hash_table_size (seen), ==, 10);
  g_assert_cmpint (pages, ==, 4);

  /* Delta: a newcomer arrives, user0 leaves. */
  newcomer = zv_test_add_user (server, "newcomer", "Newcomer", "x");
  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "user", "disable", "user0", NULL), ==, 0);
  path = g_strdup_printf ("/api/v1/directory?cursor=%s", cursor);
  delta = call (server, "GET", path, token, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (delta), "entries")), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (json_object_get_array_member (obj (delta), "entries"), 0), "id"), ==, newcomer);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (delta), "deleted")), ==, 1);

  g_free (path);
  path = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT, anna);
  user = call (server, "GET", path, token, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (user), "name"), ==, "Анна");
  json_node_unref (call (server, "GET", "/api/v1/users/99999", token, NULL, 404));
  json_node_unref (call (server, "GET", "/api/v1/directory?cursor=zzz", token, NULL, 400));
  zv_test_server_stop (server);
}

static void
test_policy_and_telephony (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  g_autofree char *token = NULL;
  g_autoptr(JsonNode) policy = NULL;
  g_autoptr(JsonNode) tel = NULL;
  JsonArray *caller_ids;

  zv_test_add_user (server, "anna", "Anna", "pa");
  token = zv_test_login (server, "anna", "pa", NULL);
  policy = call (server, "GET", "/api/v1/policy", token, NULL, 200);
  g_assert_cmpint (json_object_get_int_member (obj (policy), "max_file_size"), ==, 104857600);
  g_assert_false (json_object_get_boolean_member (obj (policy), "external_files_allowed"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (policy), "blocked_file_types")), >, 0);
  g_assert_cmpint (json_object_get_int_member (obj (policy), "retention_days"), ==, 0);
  g_assert_nonnull (json_object_get_array_member (obj (policy), "dlp_rules"));

  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "policy", "set", "retention_days", "365", NULL), ==, 0);
  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "policy", "set", "no_such_key", "1", NULL), !=, 0);
  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "policy", "set", "max_file_size", "lots", NULL), !=, 0);
  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "policy", "set", "dlp_rules",
                                  "[{\"name\":\"cards\",\"pattern\":\"\\\\b4[0-9]{15}\\\\b\",\"action\":\"block\"}]", NULL), ==, 0);
  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "policy", "set", "conference_number", "+7 495 100-00-99", NULL), ==, 0);
  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "caller-id", "add", "+7 495 100-00-00", "--label", "Офис", "--default", NULL), ==, 0);
  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "caller-id", "add", "+7 812 200-00-00", "--label", "СПб", NULL), ==, 0);

  g_clear_pointer (&policy, json_node_unref);
  policy = call (server, "GET", "/api/v1/policy", token, NULL, 200);
  g_assert_cmpint (json_object_get_int_member (obj (policy), "retention_days"), ==, 365);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (policy), "dlp_rules")), ==, 1);

  tel = call (server, "GET", "/api/v1/telephony", token, NULL, 200);
  caller_ids = json_object_get_array_member (obj (tel), "caller_ids");
  g_assert_cmpuint (json_array_get_length (caller_ids), ==, 2);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (caller_ids, 0), "default"));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (caller_ids, 0), "number"), ==, "+7 495 100-00-00");
  g_assert_cmpstr (json_object_get_string_member (obj (tel), "conference_number"), ==, "+7 495 100-00-99");

  /* The DLP rule blocks a card number in a message. */
  {
    g_autoptr(JsonNode) chat = call (server, "POST", "/api/v1/chats", token, "{\"type\":\"group\",\"title\":\"Notes\",\"members\":[]}", 201);
    g_autofree char *path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages",
                                             json_object_get_int_member (obj (chat), "id"));
    g_autoptr(JsonNode) refused = call (server, "POST", path, token,
                                        "{\"client_id\":\"dlp\",\"text\":\"card 4111111111111111 ok?\"}", 403);

    g_assert_cmpstr (zv_test_error_code (refused), ==, "policy_violation");
    json_node_unref (call (server, "POST", path, token, "{\"client_id\":\"dlp2\",\"text\":\"no card here\"}", 201));
  }
  zv_test_server_stop (server);
}

static void
test_calls_and_crm (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  g_autofree char *ta = NULL, *tb = NULL, *path = NULL, *out = NULL;
  g_autoptr(JsonNode) call1 = NULL, again = NULL, list = NULL, notes = NULL, stats = NULL, other = NULL;
  g_autoptr(JsonNode) by_ext = NULL, by_mobile = NULL, client = NULL, unknown = NULL;
  gint64 id;

  g_assert_cmpint (zv_test_admin (server, "pa\n", NULL, "user", "add", "anna", "--name", "Анна", "--password-stdin",
                                  "--extension", "101", "--mobile", "+7 (916) 123-45-67", NULL), ==, 0);
  zv_test_add_user (server, "boris", "Boris", "pb");
  g_assert_cmpint (zv_test_admin (server, NULL, &out, "crm", "add", "ООО Ромашка", "--phone", "+7 495 555-12-34",
                                  "--company", "Ромашка", NULL), ==, 0);
  ta = zv_test_login (server, "anna", "pa", NULL);
  tb = zv_test_login (server, "boris", "pb", NULL);

  call1 = call (server, "POST", "/api/v1/calls", ta,
                "{\"sip_call_id\":\"abc@host\",\"direction\":\"in\",\"peer_number\":\"+74955551234\","
                "\"started_at\":\"2026-01-15T10:00:00Z\",\"answered_at\":\"2026-01-15T10:00:05Z\","
                "\"ended_at\":\"2026-01-15T10:03:05Z\"}", 201);
  id = json_object_get_int_member (obj (call1), "id");
  g_assert_cmpint (json_object_get_int_member (obj (call1), "duration"), ==, 180);
  g_assert_cmpstr (json_object_get_string_member (obj (call1), "status"), ==, "answered");
  again = call (server, "POST", "/api/v1/calls", ta,
                "{\"sip_call_id\":\"abc@host\",\"direction\":\"in\",\"peer_number\":\"+74955551234\","
                "\"started_at\":\"2026-01-15T10:00:00Z\"}", 200);
  g_assert_cmpint (json_object_get_int_member (obj (again), "id"), ==, id);
  json_node_unref (call (server, "POST", "/api/v1/calls", ta, "{\"direction\":\"sideways\"}", 400));

  list = call (server, "GET", "/api/v1/calls", ta, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (list), "calls")), ==, 1);
  other = call (server, "GET", "/api/v1/calls", tb, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (other), "calls")), ==, 0);

  path = g_strdup_printf ("/api/v1/calls/%" G_GINT64_FORMAT "/notes", id);
  notes = call (server, "POST", path, ta, "{\"outcome\":\"deal\",\"notes\":\"Клиент готов подписать\"}", 200);
  g_assert_cmpstr (json_object_get_string_member (obj (notes), "outcome"), ==, "deal");
  g_assert_cmpstr (json_object_get_string_member (obj (notes), "notes"), ==, "Клиент готов подписать");
  json_node_unref (call (server, "POST", path, tb, "{\"notes\":\"not mine\"}", 404));

  stats = call (server, "POST", "/api/v1/stats/calls", ta,
                "{\"sip_call_id\":\"abc@host\",\"codec\":\"opus\",\"mos\":4.3,\"jitter_ms\":4,\"loss\":0.01,\"rtt_ms\":22}", 202);
  g_assert_cmpint (json_object_get_int_member (obj (stats), "call_id"), ==, id);
  json_node_unref (call (server, "POST", "/api/v1/stats/calls", ta, "{\"mos\":1}", 400));

  by_ext = call (server, "GET", "/api/v1/crm/lookup?number=101", tb, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (by_ext), "kind"), ==, "user");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (obj (by_ext), "user"), "login"), ==, "anna");
  by_mobile = call (server, "GET", "/api/v1/crm/lookup?number=89161234567", tb, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (by_mobile), "kind"), ==, "user");
  client = call (server, "GET", "/api/v1/crm/lookup?number=%2B7%20495%20555%2012%2034", tb, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (client), "kind"), ==, "client");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (obj (client), "client"), "name"), ==, "ООО Ромашка");
  unknown = call (server, "GET", "/api/v1/crm/lookup?number=12345", tb, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (unknown), "kind"), ==, "unknown");
  json_node_unref (call (server, "GET", "/api/v1/crm/lookup", tb, NULL, 400));
  zv_test_server_stop (server);
}

static void
test_admin_stats (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  g_autofree char *token = NULL, *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *stats;

  zv_test_add_user (server, "anna", "Anna", "pa");
  token = zv_test_login (server, "anna", "pa", NULL);
  {
    g_autoptr(JsonNode) chat = call (server, "POST", "/api/v1/chats", token, "{\"type\":\"group\",\"title\":\"T\",\"members\":[]}", 201);
    g_autofree char *path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages", json_object_get_int_member (obj (chat), "id"));

    json_node_unref (call (server, "POST", path, token, "{\"client_id\":\"1\",\"text\":\"one\"}", 201));
    json_node_unref (call (server, "POST", path, token, "{\"client_id\":\"2\",\"text\":\"two\"}", 201));
  }
  g_assert_cmpint (zv_test_admin (server, NULL, &out, "stats", "--json", NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  stats = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (stats, "users"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (stats, "chats"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (stats, "messages"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (stats, "files"), ==, 0);
  zv_test_server_stop (server);
}

static void
test_faults (void)
{
  const char *const args[] = { "--fault", "/api/v1/me=malformed*1;GET /api/v1/policy=status:503;"
                                          "/api/v1/telephony=slow:700;/api/v1/directory=truncated;"
                                          "/api/v1/calls=oversized:3000000;/api/v1/users=drop", NULL };
  ZvTestServer *server = zv_test_server_start (args);
  g_autofree char *token = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint status;
  gint64 start;

  zv_test_add_user (server, "anna", "Anna", "pa");
  token = zv_test_login (server, "anna", "pa", NULL);

  node = zv_test_request (server, "GET", "/api/v1/me", token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_null (node);   /* not JSON */
  node = zv_test_request (server, "GET", "/api/v1/me", token, NULL, &status);
  g_assert_nonnull (node);   /* *1: only the first time */
  g_clear_pointer (&node, json_node_unref);

  node = zv_test_request (server, "GET", "/api/v1/policy", token, NULL, &status);
  g_assert_cmpuint (status, ==, 503);
  g_assert_cmpstr (zv_test_error_code (node), ==, "unavailable");
  g_assert_cmpstr (soup_message_headers_get_one (server->last_headers, "Retry-After"), ==, "1");
  g_clear_pointer (&node, json_node_unref);

  start = g_get_monotonic_time ();
  node = zv_test_request (server, "GET", "/api/v1/telephony", token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 600 * 1000);
  g_clear_pointer (&node, json_node_unref);

  node = zv_test_request (server, "GET", "/api/v1/directory", token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_null (node);
  node = zv_test_request (server, "GET", "/api/v1/calls", token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpint (soup_message_headers_get_content_length (server->last_headers), ==, 3000000);
  g_clear_pointer (&node, json_node_unref);

  /* drop: the connection closes without an answer. */
  {
    g_autofree char *uri = g_strdup_printf ("%s/api/v1/users/1", server->url);
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
    g_autofree char *header = g_strconcat ("Bearer ", token, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) body = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
    body = soup_session_send_and_read (server->session, msg, NULL, &error);
    g_assert_nonnull (error);
  }
  zv_test_server_stop (server);
}

/* A self-signed certificate for 127.0.0.1, written as PEM into @dir. */
static void
make_certificate (const char *cert_path,
                  const char *key_path)
{
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  X509 *x509 = X509_new ();
  X509_NAME *name;
  FILE *f;

  g_assert_nonnull (key);
  ASN1_INTEGER_set (X509_get_serialNumber (x509), 1);
  X509_gmtime_adj (X509_getm_notBefore (x509), 0);
  X509_gmtime_adj (X509_getm_notAfter (x509), 3600);
  X509_set_pubkey (x509, key);
  name = X509_get_subject_name (x509);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, (const unsigned char *) "127.0.0.1", -1, -1, 0);
  X509_set_issuer_name (x509, name);
  g_assert_cmpint (X509_sign (x509, key, EVP_sha256 ()), >, 0);

  f = fopen (cert_path, "w");
  g_assert_nonnull (f);
  PEM_write_X509 (f, x509);
  fclose (f);
  f = fopen (key_path, "w");
  g_assert_nonnull (f);
  PEM_write_PrivateKey (f, key, NULL, NULL, 0, NULL, NULL);
  fclose (f);
  X509_free (x509);
  EVP_PKEY_free (key);
}

static gboolean
accept_any (SoupMessage          *msg,
            GTlsCertificate      *certificate,
            GTlsCertificateFlags  errors,
            gpointer              user_data)
{
  return TRUE;
}

static void
test_tls (void)
{
  const char *tmp = g_getenv ("ZVENO_TEST_TMPDIR");
  g_autofree char *dir = g_build_filename (tmp != NULL ? tmp : g_get_tmp_dir (), "tls-XXXXXX", NULL);
  g_autofree char *cert = NULL, *key = NULL, *stdout_text = NULL, *db = NULL, *uri = NULL;
  g_autofree char *binary = g_build_filename (g_getenv ("ZVENO_BUILD_ROOT"), "src", "server", "zveno-server", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *asan = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_assert_nonnull (g_mkdtemp (dir));
  cert = g_build_filename (dir, "cert.pem", NULL);
  key = g_build_filename (dir, "key.pem", NULL);
  db = g_build_filename (dir, "tls.db", NULL);
  make_certificate (cert, key);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  /* Under ASan, LeakSanitizer's own tracer crashes (SIGSEGV in the tracer, not in our code) when it
   * stops glib-networking's GnuTLS threads at exit; leaks are checked by the plain-HTTP tests. */
  asan = g_strconcat (g_getenv ("ASAN_OPTIONS") != NULL ? g_getenv ("ASAN_OPTIONS") : "",
                      ":detect_leaks=0:fast_unwind_on_malloc=1", NULL);
  g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", asan, TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, binary, "--db", db, "--listen", "127.0.0.1:0",
                                         "--tls-cert", cert, "--tls-key", key, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "listening on https://127.0.0.1:"));

  uri = g_strconcat (line + strlen ("listening on "), "/.well-known/zveno.json", NULL);
  msg = soup_message_new ("GET", uri);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any), NULL);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body), "https://"));

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/misc/directory", test_directory);
  g_test_add_func ("/server/misc/policy-and-telephony", test_policy_and_telephony);
  g_test_add_func ("/server/misc/calls-and-crm", test_calls_and_crm);
  g_test_add_func ("/server/misc/admin-stats", test_admin_stats);
  g_test_add_func ("/server/misc/faults", test_faults);
  g_test_add_func ("/server/misc/tls", test_tls);
  return g_test_run ();
}
