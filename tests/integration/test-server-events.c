/* test-server-events.c: /api/v1/events over a real WebSocket: every change in order with its seq,
 * edits and deletes as events, live-only typing, resume from a seq, resync_required once the log
 * was pruned, refusal without a token, and the stream closed when the account is disabled. */
#include "config.h"

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

  g_assert_cmpuint (status, ==, expect);
  return node;
}

static gint64
new_direct (ZvTestServer *server,
            const char   *token,
            gint64        other)
{
  g_autofree char *body = g_strdup_printf ("{\"type\":\"direct\",\"members\":[%" G_GINT64_FORMAT "]}", other);
  g_autoptr(JsonNode) node = zv_test_request (server, "POST", "/api/v1/chats", token, body, NULL);

  return json_object_get_int_member (obj (node), "id");
}

static gint64
send_text (ZvTestServer *server,
           const char   *token,
           gint64        chat,
           const char   *client_id,
           const char   *text)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages", chat);
  g_autofree char *body = g_strdup_printf ("{\"client_id\":\"%s\",\"text\":\"%s\"}", client_id, text);
  g_autoptr(JsonNode) node = call (server, "POST", path, token, body, 201);

  return json_object_get_int_member (obj (node), "id");
}

static void
test_live_events (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  gint64 anna = zv_test_add_user (server, "anna", "Anna", "pa");
  gint64 boris = zv_test_add_user (server, "boris", "Boris", "pb");
  g_autofree char *ta = zv_test_login (server, "anna", "pa", NULL);
  g_autofree char *tb = zv_test_login (server, "boris", "pb", NULL);
  ZvTestEvents *events = zv_test_events_open (server, tb, -1, NULL);
  g_autoptr(JsonObject) ready = NULL, created = NULL, chat_event = NULL, updated = NULL, deleted = NULL;
  g_autoptr(JsonObject) typing = NULL, marker = NULL;
  g_autofree char *path = NULL;
  gint64 chat, id, last_seq;

  g_assert_nonnull (events);
  ready = zv_test_events_wait (events, "ready", 5000);
  g_assert_nonnull (ready);

  chat = new_direct (server, ta, boris);
  chat_event = zv_test_events_wait (events, "chat.created", 5000);
  g_assert_nonnull (chat_event);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (chat_event, "data"), "id"), ==, chat);
  last_seq = json_object_get_int_member (chat_event, "seq");

  id = send_text (server, ta, chat, "ev-1", "первое");
  created = zv_test_events_wait (events, "message.created", 5000);
  g_assert_nonnull (created);
  g_assert_cmpint (json_object_get_int_member (created, "seq"), >, last_seq);
  last_seq = json_object_get_int_member (created, "seq");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (created, "data"), "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (created, "data"), "text"), ==, "первое");

  path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages/%" G_GINT64_FORMAT, chat, id);
  json_node_unref (call (server, "PATCH", path, ta, "{\"text\":\"исправлено\"}", 200));
  updated = zv_test_events_wait (events, "message.updated", 5000);
  g_assert_nonnull (updated);
  g_assert_cmpint (json_object_get_int_member (updated, "seq"), >, last_seq);
  last_seq = json_object_get_int_member (updated, "seq");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (updated, "data"), "text"), ==, "исправлено");

  json_node_unref (call (server, "DELETE", path, ta, NULL, 200));
  deleted = zv_test_events_wait (events, "message.deleted", 5000);
  g_assert_nonnull (deleted);
  g_assert_cmpint (json_object_get_int_member (deleted, "seq"), >, last_seq);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (deleted, "data"), "deleted"));

  g_free (path);
  path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/typing", chat);
  g_assert_null (call (server, "POST", path, ta, NULL, 204));
  typing = zv_test_events_wait (events, "typing", 5000);
  g_assert_nonnull (typing);
  g_assert_cmpint (json_object_get_int_member (typing, "seq"), ==, 0);   /* live-only */
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (typing, "data"), "user_id"), ==, anna);

  g_free (path);
  path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/read", chat);
  {
    gint64 m2 = send_text (server, ta, chat, "ev-2", "второе");
    g_autofree char *b = g_strdup_printf ("{\"message_id\":%" G_GINT64_FORMAT "}", m2);

    json_node_unref (call (server, "POST", path, tb, b, 200));
  }
  marker = zv_test_events_wait (events, "read_marker", 5000);
  g_assert_nonnull (marker);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (marker, "data"), "user_id"), ==, boris);

  zv_test_events_close (events);
  zv_test_server_stop (server);
}

static void
test_resume (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  gint64 boris;
  g_autofree char *ta = NULL, *tb = NULL;
  ZvTestEvents *events;
  g_autoptr(JsonObject) ready = NULL;
  gint64 chat, since, m1, m2, m3;

  zv_test_add_user (server, "anna", "Anna", "pa");
  boris = zv_test_add_user (server, "boris", "Boris", "pb");
  ta = zv_test_login (server, "anna", "pa", NULL);
  tb = zv_test_login (server, "boris", "pb", NULL);
  chat = new_direct (server, ta, boris);

  events = zv_test_events_open (server, tb, -1, NULL);
  ready = zv_test_events_wait (events, "ready", 5000);
  since = json_object_get_int_member (ready, "seq");
  zv_test_events_close (events);

  /* Boris is offline while three messages arrive. */
  m1 = send_text (server, ta, chat, "r-1", "one");
  m2 = send_text (server, ta, chat, "r-2", "two");
  m3 = send_text (server, ta, chat, "r-3", "three");

  events = zv_test_events_open (server, tb, since, NULL);
  {
    gint64 expected[] = { m1, m2, m3 };
    gint64 last = since;

    for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
      {
        g_autoptr(JsonObject) e = zv_test_events_next (events, 5000);

        g_assert_nonnull (e);
        g_assert_cmpstr (json_object_get_string_member (e, "type"), ==, "message.created");
        g_assert_cmpint (json_object_get_int_member (e, "seq"), >, last);
        last = json_object_get_int_member (e, "seq");
        g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (e, "data"), "id"), ==, expected[i]);
      }
    /* Then the stream says where it stands. */
    {
      g_autoptr(JsonObject) e = zv_test_events_next (events, 5000);

      g_assert_nonnull (e);
      g_assert_cmpstr (json_object_get_string_member (e, "type"), ==, "ready");
    }
  }
  zv_test_events_close (events);
  zv_test_server_stop (server);
}

static void
test_resync_required (void)
{
  const char *const args[] = { "--events-keep", "4", NULL };
  ZvTestServer *server = zv_test_server_start (args);
  gint64 boris;
  g_autofree char *ta = NULL, *tb = NULL;
  g_autoptr(JsonObject) first = NULL;
  ZvTestEvents *events;
  gint64 chat;

  zv_test_add_user (server, "anna", "Anna", "pa");
  boris = zv_test_add_user (server, "boris", "Boris", "pb");
  ta = zv_test_login (server, "anna", "pa", NULL);
  tb = zv_test_login (server, "boris", "pb", NULL);
  chat = new_direct (server, ta, boris);
  for (int i = 0; i < 12; i++)
    {
      g_autofree char *cid = g_strdup_printf ("x-%d", i);
      send_text (server, ta, chat, cid, "filler");
    }
  /* Pruning runs on the server's housekeeping tick (every second). */
  g_usleep (2500 * 1000);

  events = zv_test_events_open (server, tb, 1, NULL);
  g_assert_nonnull (events);
  first = zv_test_events_next (events, 5000);
  g_assert_nonnull (first);
  g_assert_cmpstr (json_object_get_string_member (first, "type"), ==, "resync_required");
  g_assert_cmpint (json_object_get_int_member (first, "seq"), >, 1);
  zv_test_events_close (events);

  /* A seq from the future (another server's, or a reset database) is no resume point either. */
  events = zv_test_events_open (server, tb, 999999, NULL);
  g_clear_pointer (&first, json_object_unref);
  first = zv_test_events_next (events, 5000);
  g_assert_cmpstr (json_object_get_string_member (first, "type"), ==, "resync_required");
  zv_test_events_close (events);
  zv_test_server_stop (server);
}

static void
test_refused_and_closed (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  g_autofree char *tb = NULL;
  ZvTestEvents *events;
  g_autoptr(JsonNode) plain = NULL;
  guint status = 0;

  zv_test_add_user (server, "boris", "Boris", "pb");
  tb = zv_test_login (server, "boris", "pb", NULL);

  g_assert_null (zv_test_events_open (server, NULL, -1, &status));
  g_assert_cmpuint (status, ==, 401);
  g_assert_null (zv_test_events_open (server, "zva_forged", -1, &status));
  g_assert_cmpuint (status, ==, 401);

  /* A plain GET is told to upgrade. */
  plain = zv_test_request (server, "GET", "/api/v1/events", tb, NULL, &status);
  g_assert_cmpuint (status, ==, 400);

  events = zv_test_events_open (server, tb, -1, NULL);
  g_assert_nonnull (events);
  g_assert_cmpint (zv_test_admin (server, NULL, NULL, "user", "disable", "boris", NULL), ==, 0);
  for (int i = 0; i < 300 && !events->closed; i++)
    zv_test_sleep (10);
  g_assert_true (events->closed);
  g_assert_cmpint (soup_websocket_connection_get_close_code (events->conn), ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  g_assert_cmpstr (soup_websocket_connection_get_close_data (events->conn), ==, "account_disabled");
  zv_test_events_close (events);
  zv_test_server_stop (server);
}

static void
test_presence (void)
{
  ZvTestServer *server = zv_test_server_start (NULL);
  gint64 boris;
  g_autofree char *ta = NULL, *tb = NULL, *path = NULL;
  ZvTestEvents *anna_events, *boris_events;
  g_autoptr(JsonObject) ready = NULL, online = NULL, offline = NULL;
  g_autoptr(JsonNode) user = NULL;

  zv_test_add_user (server, "anna", "Anna", "pa");
  boris = zv_test_add_user (server, "boris", "Boris", "pb");
  ta = zv_test_login (server, "anna", "pa", NULL);
  tb = zv_test_login (server, "boris", "pb", NULL);
  path = g_strdup_printf ("/api/v1/users/%" G_GINT64_FORMAT, boris);

  anna_events = zv_test_events_open (server, ta, -1, NULL);
  ready = zv_test_events_wait (anna_events, "ready", 5000);
  g_assert_nonnull (ready);
  user = call (server, "GET", path, ta, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (user), "presence"), ==, "offline");

  boris_events = zv_test_events_open (server, tb, -1, NULL);
  online = zv_test_events_wait (anna_events, "presence", 5000);
  g_assert_nonnull (online);
  g_assert_cmpint (json_object_get_int_member (online, "seq"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (online, "data"), "user_id"), ==, boris);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (online, "data"), "presence"), ==, "online");
  g_clear_pointer (&user, json_node_unref);
  user = call (server, "GET", path, ta, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (obj (user), "presence"), ==, "online");

  zv_test_events_close (boris_events);
  offline = zv_test_events_wait (anna_events, "presence", 5000);
  g_assert_nonnull (offline);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (offline, "data"), "presence"), ==, "offline");
  zv_test_events_close (anna_events);
  zv_test_server_stop (server);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/events/live", test_live_events);
  g_test_add_func ("/server/events/resume", test_resume);
  g_test_add_func ("/server/events/resync-required", test_resync_required);
  g_test_add_func ("/server/events/refused-and-closed", test_refused_and_closed);
  g_test_add_func ("/server/events/presence", test_presence);
  return g_test_run ();
}
