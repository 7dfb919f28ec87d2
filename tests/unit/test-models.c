/* test-models.c: the list models the UI binds to (chats, one chat's messages, contacts, search
 * results) against a real ZvStore in a temp dir.
 *
 * Each model's items-changed signals are replayed on a shadow array of snapshots (text copies of
 * what each item showed when it was handed out), and the shadow must equal a model built afresh:
 * a missing, misplaced or extra signal makes them differ. */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "zv-chat-list.h"
#include "zv-contact-list.h"
#include "zv-error.h"
#include "zv-message-list.h"
#include "zv-outbox.h"
#include "zv-search-results.h"
#include "zv-store-search.h"
#include "zv-sync.h"

typedef struct {
  char    *dir;
  ZvStore *store;
} Fixture;

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);
        remove_tree (child);
      }
  g_remove (path);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("zveno-models-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "zveno.db", NULL);
  f->store = zv_store_open (path, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  zv_store_close (f->store);
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->dir);
}

/* ---- writing through the store ------------------------------------------------------------------ */

typedef struct {
  const char         *sql;
  ZvStoreChangeFlags  flags;
  gint64              chat;
} SqlWrite;

static gboolean
sql_write (ZvDb            *db,
           gpointer         data,
           ZvStoreChanges  *changes,
           GError         **error)
{
  SqlWrite *w = data;

  if (!zv_db_exec (db, w->sql, error))
    return FALSE;
  changes->flags |= w->flags;
  if (w->chat != 0)
    zv_store_changes_add_chat (changes, w->chat);
  return TRUE;
}

static void
run_sql (Fixture            *f,
         ZvStoreChangeFlags  flags,
         gint64              chat,
         const char         *sql)
{
  SqlWrite w = { sql, flags, chat };
  g_autoptr(GError) error = NULL;

  g_assert_true (zv_store_write_sync (f->store, sql_write, &w, &error));
  g_assert_no_error (error);
}

typedef struct {
  gint64 chat;
  gint64 first_id;
  guint  count;
  gint64 sender;
  const char *word;
} Fill;

static gboolean
fill_write (ZvDb            *db,
            gpointer         data,
            ZvStoreChanges  *changes,
            GError         **error)
{
  Fill *fill = data;

  for (guint i = 0; i < fill->count; i++)
    {
      gint64 id = fill->first_id + i;
      g_autofree char *text = g_strdup_printf ("message %" G_GINT64_FORMAT " %s", id, fill->word != NULL ? fill->word : "");
      sqlite3_stmt *stmt = zv_db_prepare (db, "INSERT INTO messages (id, chat_id, sender_id, text, created_at) "
                                              "VALUES (?1, ?2, ?3, ?4, ?5)", error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, id);
      sqlite3_bind_int64 (stmt, 2, fill->chat);
      sqlite3_bind_int64 (stmt, 3, fill->sender);
      sqlite3_bind_text (stmt, 4, text, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 5, 1000000 + id * 1000);
      if (!zv_db_step_done (db, stmt, error))
        return FALSE;
    }
  zv_store_changes_add_chat (changes, fill->chat);
  return TRUE;
}

static void
fill_messages (Fixture    *f,
               gint64      chat,
               gint64      first_id,
               guint       count,
               const char *word)
{
  Fill fill = { chat, first_id, count, 2, word };
  g_autoptr(GError) error = NULL;

  g_assert_true (zv_store_write_sync (f->store, fill_write, &fill, &error));
  g_assert_no_error (error);
}

/* ---- the shadow --------------------------------------------------------------------------------- */

typedef char *(*SnapshotFunc) (gpointer item);

typedef struct {
  GListModel   *model;
  GPtrArray    *shadow;    /* char *, one snapshot per position */
  GArray       *signals;   /* guint triples: position, removed, added */
  SnapshotFunc  snapshot;
} Shadow;

static void
shadow_items_changed (GListModel *model,
                      guint       position,
                      guint       removed,
                      guint       added,
                      Shadow     *s)
{
  guint triple[3] = { position, removed, added };

  g_assert_cmpuint (position + removed, <=, s->shadow->len);
  g_array_append_vals (s->signals, triple, 3);
  g_ptr_array_remove_range (s->shadow, position, removed);
  for (guint i = 0; i < added; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, position + i);

      g_assert_nonnull (item);
      g_ptr_array_insert (s->shadow, (gint) (position + i), s->snapshot (item));
    }
  g_assert_cmpuint (s->shadow->len, ==, g_list_model_get_n_items (model));
}

static GPtrArray *
snapshot_all (GListModel   *model,
              SnapshotFunc  snapshot)
{
  GPtrArray *all = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);

      g_ptr_array_add (all, snapshot (item));
    }
  return all;
}

static Shadow *
shadow_new (GListModel   *model,
            SnapshotFunc  snapshot)
{
  Shadow *s = g_new0 (Shadow, 1);

  s->model = g_object_ref (model);
  s->snapshot = snapshot;
  s->shadow = snapshot_all (model, snapshot);
  s->signals = g_array_new (FALSE, FALSE, sizeof (guint));
  g_signal_connect (model, "items-changed", G_CALLBACK (shadow_items_changed), s);
  return s;
}

static void
shadow_free (Shadow *s)
{
  g_signal_handlers_disconnect_by_data (s->model, s);
  g_object_unref (s->model);
  g_ptr_array_unref (s->shadow);
  g_array_unref (s->signals);
  g_free (s);
}

static void
shadow_assert_equal (Shadow     *s,
                     GListModel *fresh)
{
  g_autoptr(GPtrArray) expected = snapshot_all (fresh, s->snapshot);

  g_assert_cmpuint (s->shadow->len, ==, expected->len);
  for (guint i = 0; i < expected->len; i++)
    g_assert_cmpstr (g_ptr_array_index (s->shadow, i), ==, g_ptr_array_index (expected, i));
}

/* The signals since the last call, as "pos,removed,added;..." */
static char *
shadow_take_signals (Shadow *s)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i + 2 < s->signals->len; i += 3)
    g_string_append_printf (out, "%u,%u,%u;", g_array_index (s->signals, guint, i),
                            g_array_index (s->signals, guint, i + 1), g_array_index (s->signals, guint, i + 2));
  g_array_set_size (s->signals, 0);
  return g_string_free (out, FALSE);
}

/* ---- chats -------------------------------------------------------------------------------------- */

static char *
chat_snapshot (gpointer item)
{
  ZvChat *chat = item;

  return g_strdup_printf ("%" G_GINT64_FORMAT "|%s|%u|%s|%s|%" G_GINT64_FORMAT,
                          zv_chat_get_id (chat), zv_chat_get_title (chat), zv_chat_get_unread (chat),
                          zv_chat_get_preview_sender (chat), zv_chat_get_preview (chat),
                          zv_chat_get_last_activity (chat));
}

static void
check_chats (Fixture    *f,
             Shadow     *s,
             const char *expected_signals)
{
  g_autoptr(ZvChatList) fresh = zv_chat_list_new (f->store, 1);
  g_autofree char *signals = shadow_take_signals (s);

  shadow_assert_equal (s, G_LIST_MODEL (fresh));
  g_assert_cmpstr (signals, ==, expected_signals);
}

static void
increment (guint *counter)
{
  (*counter)++;
}

static void
test_chat_list (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(ZvChatList) list = NULL;
  g_autoptr(ZvChat) chat = NULL;
  Shadow *s;

  run_sql (f, ZV_STORE_CHANGED_ALL, 0,
           "INSERT INTO users (id, name, sort_name) VALUES (1, 'Я', 'я'), (2, 'Анна Смирнова', 'смирнова'), (3, 'Борис', 'борис');"
           "INSERT INTO chats (id, type, title, last_activity) VALUES (10, 'direct', '', 100), (11, 'group', 'Продажи', 200), (12, 'group', 'Склад', 300);"
           "INSERT INTO members (chat_id, user_id) VALUES (10, 1), (10, 2), (11, 1), (11, 2), (11, 3), (12, 1), (12, 3);"
           "INSERT INTO messages (id, chat_id, sender_id, text, created_at) VALUES (1, 10, 2, 'Привет', 100), (2, 11, 1, 'Договор\nподписан', 200);");

  list = zv_chat_list_new (f->store, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
  chat = g_list_model_get_item (G_LIST_MODEL (list), 2);
  g_assert_cmpint (zv_chat_get_id (chat), ==, 10);
  g_assert_cmpstr (zv_chat_get_title (chat), ==, "Анна Смирнова");   /* a direct chat: the other person */
  g_assert_cmpstr (zv_chat_get_preview (chat), ==, "Привет");
  g_clear_object (&chat);
  chat = g_list_model_get_item (G_LIST_MODEL (list), 1);
  g_assert_cmpstr (zv_chat_get_preview (chat), ==, "Договор подписан");   /* one line */
  g_assert_cmpstr (zv_chat_get_preview_sender (chat), ==, "You");
  g_clear_object (&chat);

  s = shadow_new (G_LIST_MODEL (list), chat_snapshot);

  /* A new message moves the direct chat from the bottom to the top: one removal, one insertion. */
  run_sql (f, ZV_STORE_CHANGED_CHATS, 10,
           "INSERT INTO messages (id, chat_id, sender_id, text, created_at) VALUES (3, 10, 2, 'Вы здесь?', 400);"
           "UPDATE chats SET last_activity = 400, unread = 1 WHERE id = 10;");
  check_chats (f, s, "2,1,0;0,0,1;");

  /* An unread count alone: (pos, 1, 1). */
  run_sql (f, ZV_STORE_CHANGED_CHATS, 0, "UPDATE chats SET unread = 5 WHERE id = 11;");
  check_chats (f, s, "2,1,1;");

  /* A new chat on top, a chat removed, and a rename of the person a direct chat is named after. */
  run_sql (f, ZV_STORE_CHANGED_CHATS, 0,
           "INSERT INTO chats (id, type, title, last_activity) VALUES (13, 'group', 'Новый', 500);");
  check_chats (f, s, "0,0,1;");
  run_sql (f, ZV_STORE_CHANGED_CHATS, 0, "DELETE FROM chats WHERE id = 12;");
  check_chats (f, s, "2,1,0;");
  run_sql (f, ZV_STORE_CHANGED_USERS, 0, "UPDATE users SET name = 'Анна Иванова' WHERE id = 2;");
  check_chats (f, s, "1,1,1;");

  /* Two chats swap places and a third changes in the same commit. */
  run_sql (f, ZV_STORE_CHANGED_CHATS, 0,
           "UPDATE chats SET last_activity = 600 WHERE id = 11; UPDATE chats SET draft = 'черновик', unread = 0 WHERE id = 10;");
  check_chats (f, s, "2,1,0;0,0,1;2,1,1;");

  /* Nothing relevant changed: no signal at all. */
  run_sql (f, ZV_STORE_CHANGED_META, 0, "INSERT INTO meta (key, value) VALUES ('x', 'y');");
  check_chats (f, s, "");

  /* What a refresh costs with a thousand chats, each with a last message. */
  run_sql (f, ZV_STORE_CHANGED_CHATS, 0,
           "WITH RECURSIVE n(i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM n WHERE i < 1099) "
           "INSERT INTO chats (id, type, title, last_activity) SELECT i, 'group', 'Группа ' || i, i FROM n;"
           "WITH RECURSIVE n(i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM n WHERE i < 1099) "
           "INSERT INTO messages (id, chat_id, sender_id, text, created_at) SELECT 10000 + i, i, 2, 'текст ' || i, i FROM n;");
  check_chats (f, s, "0,0,500;501,0,100;602,0,100;703,0,300;");   /* around 11 (600), 13 (500), 10 (400) */
  {
    gint64 t0 = g_get_monotonic_time ();
    g_autoptr(GError) error = NULL;

    for (guint i = 0; i < 20; i++)
      g_assert_true (zv_chat_list_refresh (list, &error));
    g_test_message ("chat list refresh with %u chats: %.2f ms", g_list_model_get_n_items (G_LIST_MODEL (list)),
                    (double) (g_get_monotonic_time () - t0) / 20 / 1000.0);
  }

  shadow_free (s);
}

typedef struct {
  const char *json;
  gboolean    page;      /* a /sync page, else a chat.settings event's data */
  gboolean    known;
} JsonWrite;

static gboolean
json_write (ZvDb            *db,
            gpointer         data,
            ZvStoreChanges  *changes,
            GError         **error)
{
  JsonWrite *w = data;
  g_autoptr(JsonNode) node = json_from_string (w->json, error);

  if (node == NULL)
    return FALSE;
  if (w->page)
    return zv_sync_apply_page (db, 1, json_node_get_object (node), changes, NULL, error);
  return zv_sync_apply_chat_settings (db, json_node_get_object (node), changes, &w->known, error);
}

static gboolean
apply_json (Fixture    *f,
            const char *json,
            gboolean    page)
{
  JsonWrite w = { json, page, FALSE };
  g_autoptr(GError) error = NULL;
  gboolean ok = zv_store_write_sync (f->store, json_write, &w, &error);

  g_assert_no_error (error);
  g_assert_true (ok);
  return w.known;
}

static char *
chat_flags_snapshot (gpointer item)
{
  ZvChat *chat = item;

  return g_strdup_printf ("%" G_GINT64_FORMAT "|%s%s%s", zv_chat_get_id (chat),
                          zv_chat_get_pinned (chat) ? "P" : "", zv_chat_get_muted (chat) ? "M" : "",
                          zv_chat_get_external (chat) ? "E" : "");
}

/* Pinned chats head the list (among themselves by activity); the flags arrive from the chat object
 * of /sync and from chat.settings, and a change moves or updates the row with precise signals. */
static void
test_chat_list_pinned (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(ZvChatList) list = NULL;
  g_autoptr(ZvChat) chat = NULL;
  g_autoptr(GPtrArray) all = NULL;
  Shadow *s;
  guint notified = 0;

  run_sql (f, ZV_STORE_CHANGED_ALL, 0, "INSERT INTO meta (key, value) VALUES ('sync_token', 'd.1');");
  apply_json (f,
              "{\"next\": \"d.2\", \"messages\": [], \"chats\": ["
              "{\"id\": 20, \"type\": \"group\", \"title\": \"A\", \"members\": [1], \"created_at\": \"2026-01-01T00:00:00.100Z\"},"
              "{\"id\": 21, \"type\": \"group\", \"title\": \"B\", \"members\": [1], \"created_at\": \"2026-01-01T00:00:00.200Z\","
              " \"pinned\": true, \"muted\": true},"
              "{\"id\": 22, \"type\": \"group\", \"title\": \"C\", \"members\": [1], \"created_at\": \"2026-01-01T00:00:00.300Z\","
              " \"external\": true},"
              "{\"id\": 23, \"type\": \"group\", \"title\": \"D\", \"members\": [1], \"created_at\": \"2026-01-01T00:00:00.400Z\"}]}", TRUE);

  list = zv_chat_list_new (f->store, 1);
  all = snapshot_all (G_LIST_MODEL (list), chat_flags_snapshot);
  g_assert_cmpuint (all->len, ==, 4);
  g_assert_cmpstr (all->pdata[0], ==, "21|PM");   /* pinned, although the oldest but one */
  g_assert_cmpstr (all->pdata[1], ==, "23|");
  g_assert_cmpstr (all->pdata[2], ==, "22|E");
  g_assert_cmpstr (all->pdata[3], ==, "20|");

  s = shadow_new (G_LIST_MODEL (list), chat_flags_snapshot);
  chat = g_list_model_get_item (G_LIST_MODEL (list), 3);
  g_signal_connect_swapped (chat, "notify::pinned", G_CALLBACK (increment), &notified);

  /* Pinning the oldest chat: it joins the pinned ones, below 21 which has more activity. */
  g_assert_true (apply_json (f, "{\"chat_id\": 20, \"pinned\": true}", FALSE));
  check_chats (f, s, "3,1,0;1,0,1;");
  g_assert_cmpuint (notified, ==, 1);
  g_assert_true (zv_chat_get_pinned (chat));
  g_assert_false (zv_chat_get_muted (chat));

  /* Muting alone leaves the place and the pin; unpinning sends the chat back by activity. */
  g_assert_true (apply_json (f, "{\"chat_id\": 20, \"muted\": true}", FALSE));
  check_chats (f, s, "1,1,1;");
  g_assert_true (zv_chat_get_muted (chat));
  g_assert_true (zv_chat_get_pinned (chat));
  g_assert_true (apply_json (f, "{\"chat_id\": 21, \"pinned\": false, \"muted\": false}", FALSE));
  check_chats (f, s, "0,1,0;3,0,1;");   /* 21 (activity 200) goes below 23 and 22 */

  /* A chat the cache does not hold: nothing written, reported as unknown (a gap for the stream). */
  g_assert_false (apply_json (f, "{\"chat_id\": 99, \"muted\": true}", FALSE));
  check_chats (f, s, "");

  /* A later /sync chat object is the truth again (another device unmuted it). */
  apply_json (f,
              "{\"next\": \"d.3\", \"messages\": [], \"chats\": ["
              "{\"id\": 20, \"type\": \"group\", \"title\": \"A\", \"members\": [1], \"created_at\": \"2026-01-01T00:00:00.100Z\","
              " \"pinned\": true, \"muted\": false}]}", TRUE);
  check_chats (f, s, "0,1,1;");
  g_assert_false (zv_chat_get_muted (chat));

  g_signal_handlers_disconnect_by_data (chat, &notified);
  shadow_free (s);
}

/* ---- messages ----------------------------------------------------------------------------------- */

static char *
message_snapshot (gpointer item)
{
  ZvMessage *m = item;

  return g_strdup_printf ("%" G_GINT64_FORMAT "|%s|%d|%d|%" G_GINT64_FORMAT, zv_message_get_id (m),
                          zv_message_get_text (m), zv_message_get_deleted (m), zv_message_get_state (m),
                          zv_message_get_edited_at (m));
}

static void
check_messages (Fixture    *f,
                Shadow     *s,
                gint64      chat,
                const char *expected_signals)
{
  g_autoptr(ZvMessageList) fresh = zv_message_list_new (f->store, NULL, chat, 1);
  g_autofree char *signals = shadow_take_signals (s);

  shadow_assert_equal (s, G_LIST_MODEL (fresh));
  if (expected_signals != NULL)
    g_assert_cmpstr (signals, ==, expected_signals);
}

static void
touch (GListModel *model,
       guint       position)
{
  g_autoptr(GObject) item = g_list_model_get_item (model, position);

  g_assert_nonnull (item);
}

static void
test_message_list (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ZvMessageList) list = NULL;
  g_autofree char *sql = NULL;
  GListModel *model;
  Shadow *s;

  run_sql (f, ZV_STORE_CHANGED_ALL, 0,
           "INSERT INTO users (id, name) VALUES (1, 'Я'), (2, 'Анна');"
           "INSERT INTO chats (id, type, title) VALUES (7, 'group', 'Продажи'), (8, 'group', 'Другой');");
  fill_messages (f, 7, 1001, 300, NULL);
  fill_messages (f, 8, 1301, 10, NULL);   /* another chat's rows interleave in the index: never ours */

  list = zv_message_list_new (f->store, NULL, 7, 1);
  model = G_LIST_MODEL (list);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 300);
  s = shadow_new (model, message_snapshot);   /* reads every position once */
  g_assert_cmpstr (g_ptr_array_index (s->shadow, 0), ==, "1001|message 1001 |0|0|0");
  g_assert_cmpstr (g_ptr_array_index (s->shadow, 299), ==, "1300|message 1300 |0|0|0");
  touch (model, 10);   /* a cached older page, so edits there are seen */

  /* New messages at the end. */
  fill_messages (f, 7, 2001, 3, NULL);
  check_messages (f, s, 7, "300,0,3;");

  /* An outbox message, then its acknowledgement: the pending row gives way to the server's row in
   * the same place. */
  sql = g_strdup_printf ("INSERT INTO messages (id, chat_id, sender_id, client_id, text, created_at, state) "
                         "VALUES (%" G_GINT64_FORMAT ", 7, 1, 'c-1', 'моё', 5000000, 'pending');", ZV_OUTBOX_ID_BASE + 1);
  run_sql (f, ZV_STORE_CHANGED_MESSAGES, 7, sql);
  check_messages (f, s, 7, "303,0,1;");
  g_free (sql);
  sql = g_strdup_printf ("DELETE FROM messages WHERE id = %" G_GINT64_FORMAT ";"
                         "INSERT INTO messages (id, chat_id, sender_id, client_id, text, created_at) "
                         "VALUES (2100, 7, 1, 'c-1', 'моё', 5000000);", ZV_OUTBOX_ID_BASE + 1);
  run_sql (f, ZV_STORE_CHANGED_MESSAGES, 7, sql);
  check_messages (f, s, 7, "303,1,1;");

  /* An edit in the tail, an edit in a cached older page, a deletion that keeps its row. */
  run_sql (f, ZV_STORE_CHANGED_MESSAGES, 7, "UPDATE messages SET text = 'исправлено', edited_at = 9 WHERE id = 1290;");
  check_messages (f, s, 7, "289,1,1;");
  run_sql (f, ZV_STORE_CHANGED_MESSAGES, 7, "UPDATE messages SET text = 'старое исправлено', edited_at = 9 WHERE id = 1012;");
  check_messages (f, s, 7, "11,1,1;");
  run_sql (f, ZV_STORE_CHANGED_MESSAGES, 7, "UPDATE messages SET text = '', deleted = 1 WHERE id = 2002;");
  check_messages (f, s, 7, "301,1,1;");

  /* Another chat's commit: nothing. */
  fill_messages (f, 8, 9001, 5, NULL);
  check_messages (f, s, 7, "");

  /* Older history arrives (backfill): items-changed at 0. */
  fill_messages (f, 7, 901, 40, NULL);
  check_messages (f, s, 7, "0,0,40;");
  touch (model, 5);
  touch (model, 100);

  /* A burst larger than the tail keeps, in two commits, then an edit in what was the tail. */
  fill_messages (f, 7, 3001, 150, NULL);
  check_messages (f, s, 7, "344,0,150;");
  fill_messages (f, 7, 3151, 150, NULL);
  check_messages (f, s, 7, "494,0,150;");
  run_sql (f, ZV_STORE_CHANGED_MESSAGES, 7, "UPDATE messages SET text = 'в середине' WHERE id = 3010;");
  check_messages (f, s, 7, NULL);

  /* Rare: a gap filled in the middle of older history; the result must still be exact. */
  fill_messages (f, 7, 1500, 7, NULL);
  check_messages (f, s, 7, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 651);

  /* The chat disappears (left it): everything goes. */
  run_sql (f, ZV_STORE_CHANGED_CHATS, 7, "DELETE FROM chats WHERE id = 7;");
  check_messages (f, s, 7, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);

  shadow_free (s);
}

static gboolean
insert_many (ZvDb            *db,
             gpointer         data,
             ZvStoreChanges  *changes,
             GError         **error)
{
  guint n = GPOINTER_TO_UINT (data);

  for (guint i = 1; i <= n; i++)
    {
      sqlite3_stmt *stmt = zv_db_prepare (db, "INSERT INTO messages (id, chat_id, sender_id, text, created_at) "
                                              "VALUES (?1, 5, ?2, 'сообщение номер ' || ?1, ?1)", error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, i);
      sqlite3_bind_int64 (stmt, 2, 1 + i % 2);
      if (!zv_db_step_done (db, stmt, error))
        return FALSE;
    }
  zv_store_changes_add_chat (changes, 5);
  return TRUE;
}

static void
test_message_list_lazy (Fixture       *f,
                        gconstpointer  data)
{
  const guint n = 100000;
  g_autoptr(ZvMessageList) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);
  GListModel *model;
  guint before = zv_message_get_n_alive ();
  guint peak = 0;
  gint64 t0, t_scroll, t_jump;

  run_sql (f, ZV_STORE_CHANGED_ALL, 0, "INSERT INTO chats (id, type, title) VALUES (5, 'group', 'Большой');");
  g_assert_true (zv_store_write_sync (f->store, insert_many, GUINT_TO_POINTER (n), &error));
  g_assert_no_error (error);

  list = zv_message_list_new (f->store, NULL, 5, 1);
  model = G_LIST_MODEL (list);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);

  /* Scrolling up from the newest message to the first, the way a person reads back. */
  t0 = g_get_monotonic_time ();
  for (guint p = n; p > 0; p--)
    {
      g_autoptr(ZvMessage) m = g_list_model_get_item (model, p - 1);

      g_assert_cmpint (zv_message_get_id (m), ==, p);
      if (p % 997 == 0)
        peak = MAX (peak, zv_message_get_n_alive () - before);
    }
  t_scroll = g_get_monotonic_time () - t0;

  /* Jumps anywhere (a dragged scroll bar, a search hit). */
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < 200; i++)
    {
      guint p = (guint) g_rand_int_range (rand, 0, (gint32) n);
      g_autoptr(ZvMessage) m = g_list_model_get_item (model, p);

      g_assert_cmpint (zv_message_get_id (m), ==, p + 1);
      peak = MAX (peak, zv_message_get_n_alive () - before);
    }
  t_jump = g_get_monotonic_time () - t0;

  g_assert_null (g_list_model_get_item (model, n));
  g_assert_cmpuint (zv_message_list_get_n_cached (list), <=, 400);
  g_assert_cmpuint (peak, <=, 400);
  g_test_message ("100,000 messages: scrolling through all: %.1f µs per message (%.2f ms per page of 50); "
                  "random jump: %.2f ms; at most %u message objects alive",
                  (double) t_scroll / n, (double) t_scroll / (n / 50) / 1000.0, (double) t_jump / 200 / 1000.0, peak);

  g_clear_object (&list);
  g_assert_cmpuint (zv_message_get_n_alive (), ==, before);
}

typedef struct {
  gint64      chat;
  JsonObject *page;
} HistoryArgs;

static gboolean
history_write (ZvDb            *db,
               gpointer         data,
               ZvStoreChanges  *changes,
               GError         **error)
{
  HistoryArgs *args = data;

  return zv_message_list_apply_history (db, 1, args->chat, args->page, changes, error);
}

static void
load_older_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  guint n = 99;

  g_assert_false (zv_message_list_load_older_finish (ZV_MESSAGE_LIST (object), result, &n, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_assert_cmpuint (n, ==, 99);
  g_main_loop_quit (user_data);
}

static void
test_message_list_history (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(ZvMessageList) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) page = NULL;
  g_autoptr(JsonNode) bad = NULL;
  GListModel *model;
  Shadow *s;

  run_sql (f, ZV_STORE_CHANGED_ALL, 0,
           "INSERT INTO users (id, name) VALUES (1, 'Я'), (2, 'Анна');"
           "INSERT INTO chats (id, type, title, limited) VALUES (7, 'group', 'Продажи', 1);");
  fill_messages (f, 7, 500, 20, NULL);

  list = zv_message_list_new (f->store, NULL, 7, 1);
  model = G_LIST_MODEL (list);
  g_assert_true (zv_message_list_get_limited (list));
  g_assert_false (zv_message_list_get_history_complete (list));
  s = shadow_new (model, message_snapshot);

  /* What GET /chats/7/messages?before=500 answers: newest first, and no more after these. */
  page = json_from_string ("{\"messages\": ["
                           "{\"id\": 499, \"chat_id\": 7, \"sender_id\": 2, \"client_id\": null, \"text\": \"раньше\", "
                           "\"reply_to\": null, \"created_at\": \"2026-01-01T10:00:01.000Z\", \"edited_at\": null, \"deleted\": false},"
                           "{\"id\": 480, \"chat_id\": 7, \"sender_id\": 1, \"client_id\": \"x\", \"text\": \"самое первое\", "
                           "\"reply_to\": null, \"created_at\": \"2026-01-01T10:00:00.000Z\", \"edited_at\": null, \"deleted\": false}"
                           "], \"more\": false}", &error);
  g_assert_no_error (error);

  /* A page with another chat's message is refused whole. */
  bad = json_from_string ("{\"messages\": [{\"id\": 470, \"chat_id\": 9, \"sender_id\": 2, \"text\": \"x\", "
                          "\"created_at\": \"2026-01-01T09:00:00.000Z\"}], \"more\": true}", &error);
  g_assert_no_error (error);

  {
    HistoryArgs args = { 7, json_node_get_object (bad) };

    g_assert_false (zv_store_write_sync (f->store, history_write, &args, &error));
    g_assert_error (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE);
    g_clear_error (&error);
    check_messages (f, s, 7, "");
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, 20);
  }
  {
    HistoryArgs args = { 7, json_node_get_object (page) };

    g_assert_true (zv_store_write_sync (f->store, history_write, &args, &error));
    g_assert_no_error (error);
    check_messages (f, s, 7, "0,0,2;");
    g_assert_cmpstr (g_ptr_array_index (s->shadow, 0), ==, "480|самое первое|0|0|0");
    g_assert_true (zv_message_list_get_history_complete (list));
  }

  /* Without a signed-in account there is nowhere to load from: a clear error, not a crash. */
  {
    g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

    zv_message_list_load_older_async (list, 50, NULL, load_older_cb, loop);
    g_main_loop_run (loop);
  }

  shadow_free (s);
}

/* ---- contacts ----------------------------------------------------------------------------------- */

static char *
contact_snapshot (gpointer item)
{
  ZvContact *c = item;

  return g_strdup_printf ("%" G_GINT64_FORMAT "|%s|%s", zv_contact_get_id (c), zv_contact_get_name (c),
                          zv_contact_get_department (c));
}

static char *
contact_names (GListModel *model)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ZvContact) c = g_list_model_get_item (model, i);

      g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", zv_contact_get_name (c));
    }
  return g_string_free (out, FALSE);
}

static void
check_contacts (Fixture    *f,
                Shadow     *s,
                const char *filter,
                const char *expected_names)
{
  g_autoptr(ZvContactList) fresh = zv_contact_list_new (f->store);
  g_autofree char *names = NULL;

  zv_contact_list_set_filter (fresh, filter);
  shadow_assert_equal (s, G_LIST_MODEL (fresh));
  names = contact_names (s->model);
  g_assert_cmpstr (names, ==, expected_names);
}

static void
test_contact_list (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ZvContactList) list = NULL;
  Shadow *s;

  run_sql (f, ZV_STORE_CHANGED_USERS, 0,
           "INSERT INTO users (id, name, title, department, email, extension, mobile, sort_name) VALUES "
           "(1, 'Иван Петров', 'Менеджер', 'Отдел продаж', 'ivan@corp.example', '2041', '+79121234567', 'петров иван'),"
           "(2, 'Мария Иванова', 'Юрист', 'Юридический отдел', 'maria@corp.example', '2042', '', 'иванова мария'),"
           "(3, 'Пётр Семёнов', 'Кладовщик', 'Склад', 'petr@corp.example', '3001', '+79035550000', 'семёнов пётр'),"
           "(4, 'John Smith', 'Engineer', 'IT', 'JOHN@corp.example', '4000', '', 'smith john');");

  list = zv_contact_list_new (f->store);
  s = shadow_new (G_LIST_MODEL (list), contact_snapshot);
  check_contacts (f, s, "", "John Smith, Мария Иванова, Иван Петров, Пётр Семёнов");   /* sort_name, bytewise */

  zv_contact_list_set_filter (list, "ИВАН");
  check_contacts (f, s, "ИВАН", "Мария Иванова, Иван Петров");
  zv_contact_list_set_filter (list, "иван продаж");   /* every word, in any field */
  check_contacts (f, s, "иван продаж", "Иван Петров");
  zv_contact_list_set_filter (list, "семенов");       /* ё folds to е */
  check_contacts (f, s, "семенов", "Пётр Семёнов");
  zv_contact_list_set_filter (list, "+7 (912)");      /* digits of a mobile number */
  check_contacts (f, s, "+7 (912)", "Иван Петров");
  zv_contact_list_set_filter (list, "204");           /* extensions */
  check_contacts (f, s, "204", "Мария Иванова, Иван Петров");
  zv_contact_list_set_filter (list, "john@CORP");     /* e-mail, any case */
  check_contacts (f, s, "john@CORP", "John Smith");
  zv_contact_list_set_filter (list, "юрист");         /* title */
  check_contacts (f, s, "юрист", "Мария Иванова");
  zv_contact_list_set_filter (list, "никого");
  check_contacts (f, s, "никого", "");

  /* A directory delta while filtered: a rename that moves someone and a newcomer. */
  zv_contact_list_set_filter (list, "отдел");
  check_contacts (f, s, "отдел", "Мария Иванова, Иван Петров");
  g_free (shadow_take_signals (s));
  run_sql (f, ZV_STORE_CHANGED_USERS, 0,
           "UPDATE users SET sort_name = 'аа петров' WHERE id = 1;"
           "INSERT INTO users (id, name, department, sort_name) VALUES (5, 'Ольга Белова', 'Отдел кадров', 'белова ольга');"
           "UPDATE users SET department = 'Юридический отдел (Москва)' WHERE id = 2;");
  check_contacts (f, s, "отдел", "Иван Петров, Ольга Белова, Мария Иванова");

  shadow_free (s);
}

/* ---- search results ----------------------------------------------------------------------------- */

static char *
result_snapshot (gpointer item)
{
  ZvSearchResult *r = item;

  return g_strdup_printf ("%" G_GINT64_FORMAT "|%s|%s|%s", zv_search_result_get_message_id (r),
                          zv_search_result_get_chat_title (r), zv_search_result_get_sender_name (r),
                          zv_search_result_get_snippet_markup (r));
}

static void
test_search_results (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(ZvSearchResults) results = NULL;
  g_autoptr(ZvSearchResult) first = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *model;
  Shadow *s;

  run_sql (f, ZV_STORE_CHANGED_ALL, 0,
           "INSERT INTO users (id, name) VALUES (1, 'Я'), (2, 'Анна Смирнова');"
           "INSERT INTO chats (id, type, title) VALUES (7, 'group', 'Продажи'), (8, 'direct', '');"
           "INSERT INTO members (chat_id, user_id) VALUES (8, 1), (8, 2);");
  fill_messages (f, 7, 1, 120, "договор");
  fill_messages (f, 8, 1001, 3, "договоров <b>&");
  fill_messages (f, 7, 2001, 30, "счёт");

  results = zv_search_results_new (f->store, 1);
  model = G_LIST_MODEL (results);
  zv_search_results_set_page_size (results, 50);
  s = shadow_new (model, result_snapshot);

  zv_search_results_set_query (results, "договора");   /* another form of the same word */
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 50);
  g_assert_true (zv_search_results_get_has_more (results));
  g_assert_false (zv_search_results_get_ranked (results));
  first = g_list_model_get_item (model, 0);   /* newest first: the direct chat's messages */
  g_assert_cmpint (zv_search_result_get_message_id (first), ==, 1003);
  g_assert_cmpstr (zv_search_result_get_chat_title (first), ==, "Анна Смирнова");
  g_assert_cmpstr (zv_search_result_get_sender_name (first), ==, "Анна Смирнова");
  g_assert_cmpstr (zv_search_result_get_snippet_markup (first), ==, "message 1003 <b>договоров</b> &lt;b&gt;&amp;");
  g_assert_cmpint (zv_search_result_get_created_at (first), ==, 1000000 + 1003 * 1000);

  g_assert_true (zv_search_results_load_more (results, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 100);
  g_assert_true (zv_search_results_load_more (results, &error));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 123);
  g_assert_false (zv_search_results_get_has_more (results));
  g_assert_true (zv_search_results_load_more (results, &error));   /* nothing more: no change */
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 123);
  {
    g_autofree char *signals = shadow_take_signals (s);

    g_assert_cmpstr (signals, ==, "0,0,50;50,0,50;100,0,23;");
  }

  /* Few matches: ranked, all on one page. Then a chat filter, then nothing searchable. */
  zv_search_results_set_query (results, "сче");   /* a prefix while typing, ё folded */
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 30);
  g_assert_true (zv_search_results_get_ranked (results));
  g_assert_false (zv_search_results_get_has_more (results));
  zv_search_results_set_query (results, "договор");
  zv_search_results_set_chat_id (results, 8);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);
  zv_search_results_set_query (results, "  ");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);

  {
    g_autoptr(GPtrArray) empty = snapshot_all (model, result_snapshot);

    g_assert_cmpuint (s->shadow->len, ==, empty->len);
  }
  shadow_free (s);
}

/* The server's snippets ({"text", "highlights": [[start, length]...]} in characters) become the
 * cache's \x02...\x03 form. */
static void
test_snippet_from_highlights (void)
{
  static const struct { const char *text, *highlights, *out; } cases[] = {
    { "Подписали договоры с «Ромашкой»", "[[10, 8]]", "Подписали \x02" "договоры\x03 с «Ромашкой»" },
    { "ab cd ef", "[[6, 2], [0, 2]]", "\x02" "ab\x03 cd \x02" "ef\x03" },        /* any order */
    { "abcdef", "[[1, 3], [2, 3]]", "a\x02" "bcde\x03" "f" },                    /* overlapping: one run */
    { "abc", "[[2, 10], [7, 1]]", "ab\x02" "c\x03" },                           /* past the end: cut */
    { "a\x02" "b\x03" "c", "[]", "abc" },                                    /* no faked highlight */
    { "ёж", "[[0, 0]]", "ёж" },
    { "", "[]", "" },
  };
  static const char *const bad[] = { "[[1]]", "[[-1, 2]]", "[[\"1\", 2]]", "[1, 2]", "[[1.5, 2]]" };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (cases[i].highlights, NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *marked = zv_search_snippet_from_highlights (cases[i].text, json_node_get_array (node), &error);

      g_assert_no_error (error);
      g_assert_cmpstr (marked, ==, cases[i].out);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (bad[i], NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *marked = zv_search_snippet_from_highlights ("abcdef", json_node_get_array (node), &error);

      g_assert_error (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE);
      g_assert_null (marked);
    }
}

static void
test_snippet_markup (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "a < b & \"c\" \x02" "договор\x03 'x'", "a &lt; b &amp; &quot;c&quot; <b>договор</b> &apos;x&apos;" },
    { "\x02<script>\x03", "<b>&lt;script&gt;</b>" },
    { "\x03stray\x02open", "stray<b>open</b>" },            /* unbalanced markers stay well-formed */
    { "\x02\x02twice\x03\x03", "<b>twice</b>" },
    { "plain", "plain" },
    { "", "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *markup = zv_search_snippet_to_markup (cases[i].in);
      g_autoptr(GError) error = NULL;

      g_assert_cmpstr (markup, ==, cases[i].out);
      /* and Pango-style markup parsers accept it */
      {
        g_autofree char *wrapped = g_strdup_printf ("<markup>%s</markup>", markup);
        GMarkupParser parser = { 0, };
        g_autoptr(GMarkupParseContext) context = g_markup_parse_context_new (&parser, 0, NULL, NULL);

        g_assert_true (g_markup_parse_context_parse (context, wrapped, -1, &error));
        g_assert_true (g_markup_parse_context_end_parse (context, &error));
        g_assert_no_error (error);
      }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/models/chat-list", Fixture, NULL, fixture_set_up, test_chat_list, fixture_tear_down);
  g_test_add ("/models/chat-list/pinned", Fixture, NULL, fixture_set_up, test_chat_list_pinned, fixture_tear_down);
  g_test_add ("/models/message-list/changes", Fixture, NULL, fixture_set_up, test_message_list, fixture_tear_down);
  g_test_add ("/models/message-list/lazy", Fixture, NULL, fixture_set_up, test_message_list_lazy, fixture_tear_down);
  g_test_add ("/models/message-list/history", Fixture, NULL, fixture_set_up, test_message_list_history, fixture_tear_down);
  g_test_add ("/models/contact-list", Fixture, NULL, fixture_set_up, test_contact_list, fixture_tear_down);
  g_test_add ("/models/search-results", Fixture, NULL, fixture_set_up, test_search_results, fixture_tear_down);
  g_test_add_func ("/models/snippet-markup", test_snippet_markup);
  g_test_add_func ("/models/snippet-from-highlights", test_snippet_from_highlights);

  return g_test_run ();
}
