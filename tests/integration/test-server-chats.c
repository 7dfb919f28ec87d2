/* test-server-chats.c: chats and messages in zveno-server over real HTTP: direct-chat dedup,
 * idempotent send, history paging, initial and delta sync (limited chats, edits, deletes, reactions,
 * read markers, paging with "more"), per-user settings (muted, pinned) and the external marker, the
 * Echo bot, isolation between users, and the generic error answers (400, 404, 405, 413). */
#include "config.h"

#include <string.h>

#include "zv-test-server.h"

typedef struct {
  ZvTestServer *server;
  gint64        anna, boris, clara;
  char         *ta, *tb, *tc;
} Fixture;

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

static JsonObject *
obj (JsonNode *node)
{
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

/* POST/PATCH/... that must answer @expect; returns the answer. */
static JsonNode *
call (Fixture    *f,
      const char *method,
      const char *path,
      const char *token,
      const char *body,
      guint       expect)
{
  guint status = 0;
  JsonNode *node = zv_test_request (f->server, method, path, token, body, &status);

  if (status != expect)
    {
      g_autofree char *text = node != NULL ? json_to_string (node, FALSE) : g_strdup ("(no JSON)");
      g_error ("%s %s answered %u, expected %u: %s", method, path, status, expect, text);
    }
  return node;
}

static void
drop (JsonNode *node)
{
  if (node != NULL)
    json_node_unref (node);
}

static gint64
create_chat (Fixture    *f,
             const char *token,
             const char *body,
             guint       expect)
{
  g_autoptr(JsonNode) node = call (f, "POST", "/api/v1/chats", token, body, expect);

  return json_object_get_int_member (obj (node), "id");
}

static gint64
send_text (Fixture    *f,
           const char *token,
           gint64      chat,
           const char *client_id,
           const char *text)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages", chat);
  g_autofree char *body = g_strdup_printf ("{\"client_id\":\"%s\",\"text\":\"%s\"}", client_id, text);
  g_autoptr(JsonNode) node = call (f, "POST", path, token, body, 201);

  g_assert_cmpstr (json_object_get_string_member (obj (node), "text"), ==, text);
  return json_object_get_int_member (obj (node), "id");
}

static void
test_direct_dedup (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *body = g_strdup_printf ("{\"type\":\"direct\",\"members\":[%" G_GINT64_FORMAT "]}", f->boris);
  g_autofree char *back = g_strdup_printf ("{\"type\":\"direct\",\"members\":[%" G_GINT64_FORMAT "]}", f->anna);
  g_autofree char *group = g_strdup_printf ("{\"type\":\"group\",\"title\":\"Отдел продаж\",\"members\":[%"
                                            G_GINT64_FORMAT ",%" G_GINT64_FORMAT "]}", f->boris, f->clara);
  gint64 first = create_chat (f, f->ta, body, 201);
  gint64 again = create_chat (f, f->ta, body, 200);
  gint64 reverse = create_chat (f, f->tb, back, 200);
  gint64 g1 = create_chat (f, f->ta, group, 201);
  gint64 g2 = create_chat (f, f->ta, group, 201);
  g_autoptr(JsonNode) bad = NULL;

  g_assert_cmpint (first, ==, again);
  g_assert_cmpint (first, ==, reverse);
  /* Groups are never merged. */
  g_assert_cmpint (g1, !=, g2);

  bad = call (f, "POST", "/api/v1/chats", f->ta, "{\"type\":\"direct\",\"members\":[999]}", 400);
  g_assert_cmpstr (zv_test_error_code (bad), ==, "bad_request");
  g_clear_pointer (&bad, json_node_unref);
  bad = call (f, "POST", "/api/v1/chats", f->ta, "{\"type\":\"channel\",\"members\":[]}", 400);
}

static void
test_idempotent_send (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *body = g_strdup_printf ("{\"type\":\"direct\",\"members\":[%" G_GINT64_FORMAT "]}", f->boris);
  gint64 chat = create_chat (f, f->ta, body, 201);
  g_autofree char *path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages", chat);
  const char *msg = "{\"client_id\":\"6c0b5d1e-0000-4000-8000-000000000001\",\"text\":\"Привет!\"}";
  g_autoptr(JsonNode) first = call (f, "POST", path, f->ta, msg, 201);
  g_autoptr(JsonNode) second = call (f, "POST", path, f->ta, msg, 200);
  g_autoptr(JsonNode) history = NULL;
  JsonObject *m = obj (first);

  g_assert_cmpint (json_object_get_int_member (m, "id"), ==, json_object_get_int_member (obj (second), "id"));
  /* The documented message fields are all there. */
  for (const char *const *field = (const char *const[]) { "id", "chat_id", "sender_id", "client_id", "text",
                                                          "created_at", "edited_at", "deleted", "reply_to",
                                                          "attachments", "reactions", NULL };
       *field != NULL; field++)
    g_assert_true (json_object_has_member (m, *field));
  g_assert_cmpint (json_object_get_int_member (m, "sender_id"), ==, f->anna);

  history = call (f, "GET", path, f->tb, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (history), "messages")), ==, 1);
}

static void
test_history_paging (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *body = g_strdup_printf ("{\"type\":\"direct\",\"members\":[%" G_GINT64_FORMAT "]}", f->boris);
  gint64 chat = create_chat (f, f->ta, body, 201);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  gint64 before = 0, previous = G_MAXINT64;
  gboolean more = TRUE;
  int pages = 0;

  for (int i = 0; i < 25; i++)
    {
      g_autofree char *cid = g_strdup_printf ("p-%d", i);
      g_autofree char *text = g_strdup_printf ("message %d", i);

      send_text (f, i % 2 ? f->tb : f->ta, chat, cid, text);
    }

  while (more)
    {
      g_autofree char *path = before != 0
        ? g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages?limit=10&before=%" G_GINT64_FORMAT, chat, before)
        : g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages?limit=10", chat);
      g_autoptr(JsonNode) page = call (f, "GET", path, f->ta, NULL, 200);
      JsonArray *messages = json_object_get_array_member (obj (page), "messages");

      for (guint i = 0; i < json_array_get_length (messages); i++)
        {
          gint64 id = json_object_get_int_member (json_array_get_object_element (messages, i), "id");

          g_assert_cmpint (id, <, previous);   /* newest first, strictly */
          previous = id;
          g_hash_table_add (seen, g_memdup2 (&id, sizeof id));
          before = id;
        }
      more = json_object_get_boolean_member (obj (page), "more");
      pages++;
    }
  g_assert_cmpint (pages, ==, 3);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 25);
}

/* Runs a sync from @since (NULL: initial) with @limit, following "more"; returns the final token and
 * the union of messages by id (last version wins). */
static char *
sync_all (Fixture    *f,
          const char *token,
          const char *since,
          const char *extra,
          GHashTable *messages,
          JsonArray  *chats_out,
          JsonArray  *markers_out,
          int        *pages)
{
  g_autofree char *next = g_strdup (since);
  gboolean more = TRUE;

  *pages = 0;
  while (more)
    {
      g_autofree char *path = next != NULL
        ? g_strdup_printf ("/api/v1/sync?since=%s%s", next, extra)
        : g_strdup_printf ("/api/v1/sync?x=1%s", extra);
      g_autoptr(JsonNode) page = call (f, "GET", path, token, NULL, 200);
      JsonObject *o = obj (page);
      JsonArray *array = json_object_get_array_member (o, "messages");

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *m = json_array_get_object_element (array, i);
          gint64 id = json_object_get_int_member (m, "id");

          g_hash_table_replace (messages, g_memdup2 (&id, sizeof id), json_object_ref (m));
        }
      array = json_object_get_array_member (o, "chats");
      for (guint i = 0; chats_out != NULL && i < json_array_get_length (array); i++)
        json_array_add_object_element (chats_out, json_object_ref (json_array_get_object_element (array, i)));
      array = json_object_get_array_member (o, "read_markers");
      for (guint i = 0; markers_out != NULL && i < json_array_get_length (array); i++)
        json_array_add_object_element (markers_out, json_object_ref (json_array_get_object_element (array, i)));
      g_free (next);
      next = g_strdup (json_object_get_string_member (o, "next"));
      more = json_object_get_boolean_member (o, "more");
      (*pages)++;
      g_assert_cmpint (*pages, <, 100);
    }
  return g_steal_pointer (&next);
}

static GHashTable *
message_table (void)
{
  return g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) json_object_unref);
}

static void
test_sync (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *body = g_strdup_printf ("{\"type\":\"direct\",\"members\":[%" G_GINT64_FORMAT "]}", f->boris);
  const char *other = "{\"type\":\"group\",\"title\":\"Clara alone\",\"members\":[]}";
  gint64 chat = create_chat (f, f->ta, body, 201);
  g_autofree char *with_anna = g_strdup_printf ("{\"type\":\"direct\",\"members\":[%" G_GINT64_FORMAT "]}", f->anna);
  gint64 hidden = create_chat (f, f->tc, with_anna, 201);
  g_autoptr(GHashTable) messages = message_table ();
  g_autoptr(GHashTable) delta = message_table ();
  g_autoptr(JsonArray) chats = json_array_new ();
  g_autoptr(JsonArray) markers = json_array_new ();
  g_autofree char *token = NULL, *token2 = NULL, *token3 = NULL;
  g_autofree char *path = NULL;
  gint64 edited, deleted, read_up_to = 0;
  int pages;
  JsonObject *m;

  g_assert_cmpint (create_chat (f, f->tc, other, 201), >, 0);
  for (int i = 0; i < 12; i++)
    {
      g_autofree char *cid = g_strdup_printf ("s-%d", i);
      g_autofree char *text = g_strdup_printf ("hello %d", i);

      read_up_to = send_text (f, f->ta, chat, cid, text);
    }
  send_text (f, f->tc, hidden, "c-1", "for anna only");

  /* Initial sync of Boris with 5 messages of history: one chat, cut, flagged limited. */
  token = sync_all (f, f->tb, NULL, "&history=5", messages, chats, markers, &pages);
  g_assert_cmpuint (json_array_get_length (chats), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (chats, 0), "id"), ==, chat);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (chats, 0), "limited"));
  g_assert_cmpuint (g_hash_table_size (messages), ==, 5);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (chats, 0), "unread_count"), ==, 12);

  /* Changes: new messages, an edit, a delete, a reaction, a read marker. */
  edited = send_text (f, f->ta, chat, "s-edit", "typo heer");
  deleted = send_text (f, f->ta, chat, "s-del", "oops");
  path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages/%" G_GINT64_FORMAT, chat, edited);
  drop (call (f, "PATCH", path, f->ta, "{\"text\":\"typo here\"}", 200));
  drop (call (f, "PATCH", path, f->tb, "{\"text\":\"not mine\"}", 403));
  g_free (path);
  path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages/%" G_GINT64_FORMAT, chat, deleted);
  drop (call (f, "DELETE", path, f->tb, NULL, 403));
  drop (call (f, "DELETE", path, f->ta, NULL, 200));
  drop (call (f, "PATCH", path, f->ta, "{\"text\":\"revive\"}", 409));
  g_free (path);
  path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages/%" G_GINT64_FORMAT "/reactions", chat, edited);
  drop (call (f, "POST", path, f->tb, "{\"emoji\":\"👍\"}", 200));
  g_free (path);
  path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/read", chat);
  {
    g_autofree char *mark = g_strdup_printf ("{\"message_id\":%" G_GINT64_FORMAT "}", read_up_to);
    g_autoptr(JsonNode) answer = call (f, "POST", path, f->tb, mark, 200);

    g_assert_cmpint (json_object_get_int_member (obj (answer), "message_id"), ==, read_up_to);
  }

  token2 = sync_all (f, f->tb, token, "&limit=1", delta, NULL, markers, &pages);
  g_assert_cmpint (pages, >=, 2);   /* "more" was honoured */
  g_assert_cmpuint (g_hash_table_size (delta), ==, 2);
  m = g_hash_table_lookup (delta, &edited);
  g_assert_nonnull (m);
  g_assert_cmpstr (json_object_get_string_member (m, "text"), ==, "typo here");
  g_assert_false (json_object_get_null_member (m, "edited_at"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (m, "reactions")), ==, 1);
  m = g_hash_table_lookup (delta, &deleted);
  g_assert_nonnull (m);
  g_assert_true (json_object_get_boolean_member (m, "deleted"));
  g_assert_cmpstr (json_object_get_string_member (m, "text"), ==, "");
  {
    gboolean found = FALSE;

    for (guint i = 0; i < json_array_get_length (markers); i++)
      {
        JsonObject *r = json_array_get_object_element (markers, i);

        found |= json_object_get_int_member (r, "user_id") == f->boris &&
                 json_object_get_int_member (r, "message_id") == read_up_to;
      }
    g_assert_true (found);
  }

  /* Nothing new: an empty page with the same token. */
  g_hash_table_remove_all (delta);
  token3 = sync_all (f, f->tb, token2, "", delta, NULL, NULL, &pages);
  g_assert_cmpuint (g_hash_table_size (delta), ==, 0);
  g_assert_cmpstr (token3, ==, token2);

  /* Nothing of Clara's chats ever reached Boris. */
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, messages);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_assert_cmpint (json_object_get_int_member (value, "chat_id"), ==, chat);
  }

  drop (call (f, "GET", "/api/v1/sync?since=bogus", f->tb, NULL, 400));
}

static void
test_membership_delta (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GHashTable) messages = message_table ();
  g_autoptr(JsonArray) chats = json_array_new ();
  g_autofree char *token = NULL, *token2 = NULL;
  g_autofree char *group = g_strdup_printf ("{\"type\":\"group\",\"title\":\"Late\",\"members\":[%"
                                            G_GINT64_FORMAT "]}", f->boris);
  gint64 chat;
  int pages;

  token = sync_all (f, f->tb, NULL, "", messages, chats, NULL, &pages);
  g_assert_cmpuint (json_array_get_length (chats), ==, 0);
  chat = create_chat (f, f->ta, group, 201);
  send_text (f, f->ta, chat, "late-1", "welcome");
  token2 = sync_all (f, f->tb, token, "", messages, chats, NULL, &pages);
  g_assert_cmpuint (json_array_get_length (chats), >=, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (chats, 0), "id"), ==, chat);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (chats, 0), "title"), ==, "Late");
  g_assert_cmpuint (g_hash_table_size (messages), ==, 1);
}

static void
test_membership_changes (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GHashTable) messages = message_table ();
  g_autoptr(JsonArray) chats = json_array_new ();
  g_autofree char *group = g_strdup_printf ("{\"type\":\"group\",\"title\":\"Проект\",\"members\":[%"
                                            G_GINT64_FORMAT "]}", f->boris);
  g_autofree char *direct = g_strdup_printf ("{\"type\":\"direct\",\"members\":[%" G_GINT64_FORMAT "]}", f->boris);
  g_autofree char *token_b = NULL, *token_c = NULL, *token_b2 = NULL, *token_c2 = NULL;
  g_autofree char *base = NULL, *members = NULL, *remove_boris = NULL, *remove_anna = NULL, *add = NULL;
  g_autofree char *direct_path = NULL;
  g_autoptr(JsonNode) renamed = NULL;
  g_autoptr(JsonNode) sync_b = NULL;
  gint64 chat, dchat;
  int pages;

  chat = create_chat (f, f->ta, group, 201);
  dchat = create_chat (f, f->ta, direct, 201);
  send_text (f, f->ta, chat, "m-1", "kickoff");
  token_b = sync_all (f, f->tb, NULL, "", messages, NULL, NULL, &pages);
  token_c = sync_all (f, f->tc, NULL, "", messages, NULL, NULL, &pages);

  base = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT, chat);
  members = g_strconcat (base, "/members", NULL);
  remove_boris = g_strdup_printf ("%s/%" G_GINT64_FORMAT, members, f->boris);
  remove_anna = g_strdup_printf ("%s/%" G_GINT64_FORMAT, members, f->anna);
  add = g_strdup_printf ("{\"user_ids\":[%" G_GINT64_FORMAT "]}", f->clara);
  direct_path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT, dchat);

  renamed = call (f, "PATCH", base, f->tb, "{\"title\":\"Проект Альфа\"}", 200);
  g_assert_cmpstr (json_object_get_string_member (obj (renamed), "title"), ==, "Проект Альфа");
  drop (call (f, "PATCH", direct_path, f->ta, "{\"title\":\"x\"}", 409));
  drop (call (f, "PATCH", base, f->tc, "{\"title\":\"x\"}", 403));
  drop (call (f, "POST", members, f->tb, add, 200));
  /* Boris is not the creator: he may leave but not remove Anna. */
  drop (call (f, "DELETE", remove_anna, f->tb, NULL, 403));
  drop (call (f, "DELETE", remove_boris, f->ta, NULL, 200));
  drop (call (f, "GET", base, f->tb, NULL, 403));

  /* Boris's delta says the chat is gone; Clara's brings it with its history. */
  g_free (token_b2);
  token_b2 = g_strdup_printf ("/api/v1/sync?since=%s", token_b);
  sync_b = call (f, "GET", token_b2, f->tb, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (sync_b), "removed_chats")), ==, 1);
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (obj (sync_b), "removed_chats"), 0), ==, chat);

  g_hash_table_remove_all (messages);
  token_c2 = sync_all (f, f->tc, token_c, "", messages, chats, NULL, &pages);
  g_assert_cmpuint (json_array_get_length (chats), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (chats, 0), "title"), ==, "Проект Альфа");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_array_get_object_element (chats, 0), "members")), ==, 2);
  g_assert_cmpuint (g_hash_table_size (messages), ==, 1);

  /* Leaving oneself answers 204: there is no chat left to show. */
  {
    g_autofree char *leave = g_strdup_printf ("%s/%" G_GINT64_FORMAT, members, f->clara);

    drop (call (f, "DELETE", leave, f->tc, NULL, 204));
    drop (call (f, "DELETE", leave, f->tc, NULL, 403));
  }
}

static void
test_isolation (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *body = g_strdup_printf ("{\"type\":\"direct\",\"members\":[%" G_GINT64_FORMAT "]}", f->boris);
  gint64 chat = create_chat (f, f->ta, body, 201);
  gint64 id = send_text (f, f->ta, chat, "secret-1", "private");
  g_autofree char *base = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT, chat);
  g_autofree char *messages = g_strconcat (base, "/messages", NULL);
  g_autofree char *one = g_strdup_printf ("%s/%" G_GINT64_FORMAT, messages, id);
  g_autofree char *reactions = g_strconcat (one, "/reactions", NULL);
  g_autofree char *read = g_strconcat (base, "/read", NULL);
  g_autofree char *typing = g_strconcat (base, "/typing", NULL);
  g_autoptr(JsonNode) node = NULL;

  node = call (f, "GET", base, f->tc, NULL, 403);
  g_assert_cmpstr (zv_test_error_code (node), ==, "forbidden");
  g_assert_null (json_object_get_member (obj (node), "members"));
  drop (call (f, "GET", messages, f->tc, NULL, 403));
  drop (call (f, "POST", messages, f->tc, "{\"client_id\":\"x\",\"text\":\"hi\"}", 403));
  drop (call (f, "PATCH", one, f->tc, "{\"text\":\"x\"}", 403));
  drop (call (f, "DELETE", one, f->tc, NULL, 403));
  drop (call (f, "POST", reactions, f->tc, "{\"emoji\":\"x\"}", 403));
  drop (call (f, "POST", read, f->tc, "{\"message_id\":1}", 403));
  drop (call (f, "POST", typing, f->tc, NULL, 403));
  drop (call (f, "GET", "/api/v1/chats/424242", f->tc, NULL, 404));
  drop (call (f, "GET", "/api/v1/chats/424242/messages", f->tc, NULL, 404));
  drop (call (f, "POST", typing, f->tb, NULL, 204));

  /* A reply may not point into another chat. */
  {
    g_autofree char *with_boris = g_strdup_printf ("{\"type\":\"direct\",\"members\":[%" G_GINT64_FORMAT "]}", f->boris);
    gint64 other = create_chat (f, f->tc, with_boris, 201);
    g_autofree char *p = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages", other);
    g_autofree char *b = g_strdup_printf ("{\"client_id\":\"r1\",\"text\":\"re\",\"reply_to\":%" G_GINT64_FORMAT "}", id);

    drop (call (f, "POST", p, f->tb, b, 400));
  }
}

static void
test_generic_errors (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GString) big = g_string_new ("{\"client_id\":\"big\",\"text\":\"");
  g_autofree char *body = g_strdup_printf ("{\"type\":\"direct\",\"members\":[%" G_GINT64_FORMAT "]}", f->boris);
  gint64 chat = create_chat (f, f->ta, body, 201);
  g_autofree char *path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages", chat);

  node = call (f, "GET", "/api/v1/nothing-here", f->ta, NULL, 404);
  g_assert_cmpstr (zv_test_error_code (node), ==, "not_found");
  g_clear_pointer (&node, json_node_unref);
  node = call (f, "DELETE", "/api/v1/me", f->ta, NULL, 405);
  g_assert_cmpstr (zv_test_error_code (node), ==, "method_not_allowed");
  g_assert_cmpstr (soup_message_headers_get_one (f->server->last_headers, "Allow"), ==, "GET");
  g_clear_pointer (&node, json_node_unref);
  node = call (f, "POST", path, f->ta, "{\"client_id\": \"x\", \"text\": ", 400);
  g_assert_cmpstr (zv_test_error_code (node), ==, "bad_request");
  g_clear_pointer (&node, json_node_unref);
  node = call (f, "POST", path, f->ta, "{\"text\": \"no client id\"}", 400);
  g_clear_pointer (&node, json_node_unref);
  node = call (f, "GET", "/api/v1/directory?limit=abc", f->ta, NULL, 400);
  g_clear_pointer (&node, json_node_unref);

  /* 2 MiB of JSON: refused as too large, before or after reading. */
  while (big->len < 2 * 1024 * 1024)
    g_string_append (big, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  g_string_append (big, "\"}");
  node = call (f, "POST", path, f->ta, big->str, 413);
  g_assert_cmpstr (zv_test_error_code (node), ==, "too_large");
  g_clear_pointer (&node, json_node_unref);

  /* The server survived all of that. */
  node = call (f, "GET", "/api/v1/me", f->ta, NULL, 200);
}

static void
test_echo_bot (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(JsonNode) dir = call (f, "GET", "/api/v1/directory", f->ta, NULL, 200);
  JsonArray *entries = json_object_get_array_member (obj (dir), "entries");
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  gint64 echo = 0, chat, sent;
  gboolean answered = FALSE;

  for (guint i = 0; i < json_array_get_length (entries); i++)
    if (json_object_get_boolean_member (json_array_get_object_element (entries, i), "bot"))
      echo = json_object_get_int_member (json_array_get_object_element (entries, i), "id");
  g_assert_cmpint (echo, >, 0);
  body = g_strdup_printf ("{\"type\":\"direct\",\"members\":[%" G_GINT64_FORMAT "]}", echo);
  chat = create_chat (f, f->ta, body, 201);
  sent = send_text (f, f->ta, chat, "echo-1", "ping");
  path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages?after=%" G_GINT64_FORMAT, chat, sent);
  for (int i = 0; i < 50 && !answered; i++)
    {
      g_autoptr(JsonNode) page = call (f, "GET", path, f->ta, NULL, 200);
      JsonArray *messages = json_object_get_array_member (obj (page), "messages");

      if (json_array_get_length (messages) > 0)
        {
          JsonObject *reply = json_array_get_object_element (messages, 0);

          g_assert_cmpint (json_object_get_int_member (reply, "sender_id"), ==, echo);
          g_assert_cmpint (json_object_get_int_member (reply, "reply_to"), ==, sent);
          g_assert_nonnull (strstr (json_object_get_string_member (reply, "text"), "ping"));
          answered = TRUE;
        }
      else
        g_usleep (100 * 1000);
    }
  g_assert_true (answered);
}

/* PATCH /chats/{id}/settings: the caller's own muted/pinned, in the chat object for them only, in a
 * chat.settings event to their devices, and in the delta sync of their other devices (as a changed
 * chat, not as a newly joined one with history). "external" follows the current members. */
static void
test_settings (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GHashTable) messages = message_table ();
  g_autoptr(JsonArray) chats = json_array_new ();
  g_autofree char *group = g_strdup_printf ("{\"type\":\"group\",\"title\":\"Pins\",\"members\":[%"
                                            G_GINT64_FORMAT "]}", f->boris);
  g_autofree char *base = NULL, *settings = NULL, *token_a = NULL, *token_a2 = NULL, *add = NULL;
  g_autofree char *members = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) as_boris = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(JsonNode) with_guest = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) next = NULL;
  ZvTestEvents *events;
  JsonObject *event_data;
  gint64 chat, guest;
  int pages;

  chat = create_chat (f, f->ta, group, 201);
  send_text (f, f->ta, chat, "s-1", "hello");
  base = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT, chat);
  settings = g_strconcat (base, "/settings", NULL);
  token_a = sync_all (f, f->ta, NULL, "", messages, chats, NULL, &pages);
  g_assert_cmpuint (json_array_get_length (chats), ==, 1);
  g_assert_false (json_object_get_boolean_member (json_array_get_object_element (chats, 0), "muted"));
  g_assert_false (json_object_get_boolean_member (json_array_get_object_element (chats, 0), "pinned"));
  g_assert_false (json_object_get_boolean_member (json_array_get_object_element (chats, 0), "external"));

  events = zv_test_events_open (f->server, f->ta, 0, NULL);
  g_assert_nonnull (events);
  answer = call (f, "PATCH", settings, f->ta, "{\"muted\": true}", 200);
  g_assert_true (json_object_get_boolean_member (obj (answer), "muted"));
  g_assert_false (json_object_get_boolean_member (obj (answer), "pinned"));
  event = zv_test_events_wait (events, "chat.settings", 5000);
  g_assert_nonnull (event);
  event_data = json_object_get_object_member (event, "data");
  g_assert_cmpint (json_object_get_int_member (event_data, "chat_id"), ==, chat);
  g_assert_true (json_object_get_boolean_member (event_data, "muted"));
  g_assert_false (json_object_get_boolean_member (event_data, "pinned"));

  /* Only one field given: the other keeps its value. Repeating a value stores no event. */
  drop (call (f, "PATCH", settings, f->ta, "{\"pinned\": true}", 200));
  again = call (f, "PATCH", settings, f->ta, "{\"pinned\": true, \"muted\": true}", 200);
  g_assert_true (json_object_get_boolean_member (obj (again), "muted"));
  g_assert_true (json_object_get_boolean_member (obj (again), "pinned"));
  g_clear_pointer (&event, json_object_unref);
  event = zv_test_events_wait (events, "chat.settings", 5000);
  g_assert_nonnull (event);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (event, "data"), "pinned"));
  next = zv_test_events_wait (events, "chat.settings", 500);
  g_assert_null (next);
  zv_test_events_close (events);

  /* The settings are Anna's: Boris sees the chat unmuted and unpinned. */
  as_boris = call (f, "GET", base, f->tb, NULL, 200);
  g_assert_false (json_object_get_boolean_member (obj (as_boris), "muted"));
  g_assert_false (json_object_get_boolean_member (obj (as_boris), "pinned"));

  /* Anna's other device: the delta returns the chat with her settings, and no history again. */
  g_hash_table_remove_all (messages);
  json_array_remove_element (chats, 0);
  token_a2 = sync_all (f, f->ta, token_a, "", messages, chats, NULL, &pages);
  g_assert_cmpuint (json_array_get_length (chats), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (chats, 0), "id"), ==, chat);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (chats, 0), "muted"));
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (chats, 0), "pinned"));
  g_assert_cmpuint (g_hash_table_size (messages), ==, 0);

  /* Bad bodies, non-members, unknown chats. */
  drop (call (f, "PATCH", settings, f->ta, "{}", 400));
  drop (call (f, "PATCH", settings, f->ta, "{\"muted\": 1}", 400));
  drop (call (f, "PATCH", settings, f->ta, "{\"pinned\": \"yes\"}", 400));
  drop (call (f, "PATCH", settings, f->tc, "{\"muted\": true}", 403));
  drop (call (f, "PATCH", "/api/v1/chats/999999/settings", f->ta, "{\"muted\": true}", 404));

  /* An external guest joins: the chat is marked for everyone. */
  {
    g_autofree char *out = NULL;

    g_assert_cmpint (zv_test_admin (f->server, NULL, &out, "user", "add", "guest", "--name", "Guest",
                                    "--external", NULL), ==, 0);
    guest = g_ascii_strtoll (out, NULL, 10);
    g_assert_cmpint (guest, >, 0);
  }
  add = g_strdup_printf ("{\"user_ids\":[%" G_GINT64_FORMAT "]}", guest);
  members = g_strconcat (base, "/members", NULL);
  drop (call (f, "POST", members, f->ta, add, 200));
  with_guest = call (f, "GET", base, f->tb, NULL, 200);
  g_assert_true (json_object_get_boolean_member (obj (with_guest), "external"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/server/chats/direct-dedup", test_direct_dedup);
  ADD ("/server/chats/idempotent-send", test_idempotent_send);
  ADD ("/server/chats/history-paging", test_history_paging);
  ADD ("/server/chats/sync", test_sync);
  ADD ("/server/chats/membership-delta", test_membership_delta);
  ADD ("/server/chats/membership-changes", test_membership_changes);
  ADD ("/server/chats/isolation", test_isolation);
  ADD ("/server/chats/generic-errors", test_generic_errors);
  ADD ("/server/chats/echo-bot", test_echo_bot);
  ADD ("/server/chats/settings", test_settings);
#undef ADD
  return g_test_run ();
}
