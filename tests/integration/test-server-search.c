/* test-server-search.c: GET /api/v1/search in zveno-server: Russian and English stemming (another
 * form of a word finds it), highlighted snippets, chat / sender / date filters, cursor paging in both
 * ranked and newest-first modes, and that nobody finds a message of a chat they are not in. */
#include "config.h"

#include <string.h>

#include "zv-test-server.h"

typedef struct {
  ZvTestServer *server;
  gint64        anna, boris, clara;
  char         *ta, *tb, *tc;
  gint64        ab_chat, ac_chat;
} Fixture;

static JsonObject *
obj (JsonNode *node)
{
  g_assert_nonnull (node);
  return json_node_get_object (node);
}

static gint64
new_direct (Fixture    *f,
            const char *token,
            gint64      other)
{
  g_autofree char *body = g_strdup_printf ("{\"type\":\"direct\",\"members\":[%" G_GINT64_FORMAT "]}", other);
  g_autoptr(JsonNode) node = zv_test_request (f->server, "POST", "/api/v1/chats", token, body, NULL);

  return json_object_get_int_member (obj (node), "id");
}

static gint64
send_text (Fixture    *f,
           const char *token,
           gint64      chat,
           const char *text)
{
  static int counter;
  g_autofree char *path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages", chat);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *body = NULL;
  g_autofree char *cid = g_strdup_printf ("search-%d", counter++);
  guint status;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "client_id");
  json_builder_add_string_value (builder, cid);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);
  node = zv_test_request (f->server, "POST", path, token, body, &status);
  g_assert_cmpuint (status, ==, 201);
  return json_object_get_int_member (obj (node), "id");
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->server = zv_test_server_start (NULL);
  f->anna = zv_test_add_user (f->server, "anna", "Анна", "pa");
  f->boris = zv_test_add_user (f->server, "boris", "Boris", "pb");
  f->clara = zv_test_add_user (f->server, "clara", "Clara", "pc");
  f->ta = zv_test_login (f->server, "anna", "pa", NULL);
  f->tb = zv_test_login (f->server, "boris", "pb", NULL);
  f->tc = zv_test_login (f->server, "clara", "pc", NULL);
  f->ab_chat = new_direct (f, f->ta, f->boris);
  f->ac_chat = new_direct (f, f->ta, f->clara);

  send_text (f, f->ta, f->ab_chat, "Подписали договоры с «Ромашкой», оригиналы у юристов");
  send_text (f, f->tb, f->ab_chat, "The contracts are signed, invoices go out on Monday");
  send_text (f, f->tb, f->ab_chat, "Ёлка в офисе в пятницу, приходите");
  send_text (f, f->ta, f->ab_chat, "Meeting notes attached");
  send_text (f, f->ta, f->ac_chat, "Секретный договор только для Клары");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  zv_test_server_stop (f->server);
  g_free (f->ta);
  g_free (f->tb);
  g_free (f->tc);
}

static JsonNode *
search (Fixture    *f,
        const char *token,
        const char *query,
        const char *extra,
        guint       expect)
{
  g_autofree char *q = g_uri_escape_string (query, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/api/v1/search?q=%s%s", q, extra != NULL ? extra : "");
  guint status = 0;
  JsonNode *node = zv_test_request (f->server, "GET", path, token, NULL, &status);

  g_assert_cmpuint (status, ==, expect);
  return node;
}

static guint
count (JsonNode *node)
{
  return json_array_get_length (json_object_get_array_member (obj (node), "results"));
}

static JsonObject *
result (JsonNode *node,
        guint     i)
{
  return json_array_get_object_element (json_object_get_array_member (obj (node), "results"), i);
}

static void
test_stemming (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(JsonNode) ru = search (f, f->tb, "договор", NULL, 200);
  g_autoptr(JsonNode) en = search (f, f->tb, "contract", NULL, 200);
  g_autoptr(JsonNode) yo = search (f, f->tb, "елка", NULL, 200);
  g_autoptr(JsonNode) invoice = search (f, f->tb, "Invoice", NULL, 200);
  JsonObject *snippet;
  JsonArray *highlights;
  const char *text;
  glong start, length;
  g_autofree char *hit = NULL;

  /* "договор" finds "договоры" (Russian stemming), and only in Boris's chat. */
  g_assert_cmpuint (count (ru), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (result (ru, 0), "message"), "chat_id"), ==, f->ab_chat);
  snippet = json_object_get_object_member (result (ru, 0), "snippet");
  text = json_object_get_string_member (snippet, "text");
  highlights = json_object_get_array_member (snippet, "highlights");
  g_assert_cmpuint (json_array_get_length (highlights), ==, 1);
  start = json_array_get_int_element (json_array_get_array_element (highlights, 0), 0);
  length = json_array_get_int_element (json_array_get_array_element (highlights, 0), 1);
  hit = g_utf8_substring (text, start, start + length);
  g_assert_cmpstr (hit, ==, "договоры");

  g_assert_cmpuint (count (en), ==, 1);   /* "contract" finds "contracts" */
  g_assert_cmpuint (count (yo), ==, 1);   /* е finds ё */
  g_assert_cmpuint (count (invoice), ==, 1);
}

static void
test_isolation (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonNode) boris = search (f, f->tb, "секретный", NULL, 200);
  g_autoptr(JsonNode) clara = search (f, f->tc, "договор", NULL, 200);
  g_autoptr(JsonNode) anna = search (f, f->ta, "договор", NULL, 200);
  g_autoptr(JsonNode) forbidden = NULL;
  g_autofree char *filter = g_strdup_printf ("&chat=%" G_GINT64_FORMAT, f->ac_chat);

  g_assert_cmpuint (count (boris), ==, 0);
  g_assert_cmpuint (count (clara), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (result (clara, 0), "message"), "chat_id"), ==, f->ac_chat);
  g_assert_cmpuint (count (anna), ==, 2);

  forbidden = search (f, f->tb, "договор", filter, 403);
  g_assert_cmpstr (zv_test_error_code (forbidden), ==, "forbidden");
}

static void
test_filters (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *chat = g_strdup_printf ("&chat=%" G_GINT64_FORMAT, f->ac_chat);
  g_autofree char *from_boris = g_strdup_printf ("&from=%" G_GINT64_FORMAT, f->boris);
  g_autofree char *from_anna = g_strdup_printf ("&from=%" G_GINT64_FORMAT, f->anna);
  g_autoptr(JsonNode) in_chat = search (f, f->ta, "договор", chat, 200);
  g_autoptr(JsonNode) by_boris = search (f, f->ta, "contracts OR договор", from_boris, 200);
  g_autoptr(JsonNode) by_anna = search (f, f->ta, "договор", from_anna, 200);
  g_autoptr(JsonNode) future = search (f, f->ta, "договор", "&after=2999-01-01T00:00:00Z", 200);
  g_autoptr(JsonNode) past = search (f, f->ta, "договор", "&before=2000-01-01", 200);
  g_autoptr(JsonNode) now = search (f, f->ta, "договор", "&after=2000-01-01&before=2999-01-01", 200);
  g_autoptr(JsonNode) bad = search (f, f->ta, "договор", "&after=yesterday-ish", 400);
  g_autoptr(JsonNode) empty = search (f, f->ta, "  \"\" ", NULL, 400);

  g_assert_cmpuint (count (in_chat), ==, 1);
  /* "OR" is a plain word here, so nothing matches all three words: the query language is words. */
  g_assert_cmpuint (count (by_boris), ==, 0);
  g_assert_cmpuint (count (by_anna), ==, 2);
  g_assert_cmpuint (count (future), ==, 0);
  g_assert_cmpuint (count (past), ==, 0);
  g_assert_cmpuint (count (now), ==, 2);
}

static void
test_paging (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autofree char *cursor = NULL;
  const char *order = NULL;
  int pages = 0;

  /* More matches than the server ranks: it answers newest first. */
  for (int i = 0; i < 1010; i++)
    {
      g_autofree char *text = g_strdup_printf ("отчёт номер %d готов", i);
      send_text (f, i % 2 ? f->tb : f->ta, f->ab_chat, text);
    }
  do
    {
      g_autofree char *extra = cursor != NULL ? g_strdup_printf ("&limit=100&cursor=%s", cursor) : g_strdup ("&limit=100");
      g_autoptr(JsonNode) page = search (f, f->tb, "отчеты", extra, 200);
      JsonNode *next = json_object_get_member (obj (page), "next_cursor");
      gint64 previous = G_MAXINT64;

      order = json_object_get_string_member (obj (page), "order");
      g_assert_cmpstr (order, ==, "newest");
      for (guint i = 0; i < count (page); i++)
        {
          gint64 id = json_object_get_int_member (json_object_get_object_member (result (page, i), "message"), "id");

          g_assert_cmpint (id, <, previous);
          previous = id;
          g_assert_false (g_hash_table_contains (seen, &id));
          g_hash_table_add (seen, g_memdup2 (&id, sizeof id));
        }
      g_free (cursor);
      cursor = JSON_NODE_HOLDS_NULL (next) ? NULL : g_strdup (json_node_get_string (next));
      pages++;
    }
  while (cursor != NULL && pages < 50);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 1010);
  g_assert_cmpint (pages, >=, 11);

  /* Few matches are ranked, and page with an offset cursor. */
  g_hash_table_remove_all (seen);
  send_text (f, f->ta, f->ab_chat, "квартальный отчёт почти готов");
  send_text (f, f->tb, f->ab_chat, "квартальный план на подпись");
  {
    g_autoptr(JsonNode) first = search (f, f->ta, "квартальные", "&limit=1", 200);
    g_autofree char *extra = NULL;
    g_autoptr(JsonNode) second = NULL;

    g_assert_cmpstr (json_object_get_string_member (obj (first), "order"), ==, "rank");
    g_assert_cmpuint (count (first), ==, 1);
    g_assert_false (JSON_NODE_HOLDS_NULL (json_object_get_member (obj (first), "next_cursor")));
    extra = g_strdup_printf ("&limit=1&cursor=%s", json_object_get_string_member (obj (first), "next_cursor"));
    second = search (f, f->ta, "квартальные", extra, 200);
    g_assert_cmpuint (count (second), ==, 1);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (result (first, 0), "message"), "id"), !=,
                     json_object_get_int_member (json_object_get_object_member (result (second, 0), "message"), "id"));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/server/search/stemming", test_stemming);
  ADD ("/server/search/isolation", test_isolation);
  ADD ("/server/search/filters", test_filters);
  ADD ("/server/search/paging", test_paging);
#undef ADD
  return g_test_run ();
}
