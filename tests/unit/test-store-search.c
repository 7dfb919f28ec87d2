/* test-store-search.c: the cache's search as the UI uses it: stems, prefixes while typing, chat,
 * sender and date filters, newest-first paging for common words and ranking for rare ones. */
#include "config.h"

#include <glib/gstdio.h>

#include "zv-search.h"
#include "zv-store.h"
#include "zv-store-search.h"

#define N_MESSAGES 3000
#define DAY_MS (24 * 3600 * 1000LL)
#define T0 1700000000000LL

static const char *texts[] = {
  "Коллеги, прошу согласовать договор с ООО Ромашка",
  "Договора подписаны, сканы в папке",
  "Сколько договоров осталось на этой неделе?",
  "Please review the contract before Friday",
  "The contracts were signed yesterday",
  "Созвон в 15:00, ссылка в календаре",
  "Счёт №4512 оплачен",
  "Lunch?",
};

static gboolean
fill (ZvDb            *db,
      gpointer         data,
      ZvStoreChanges  *changes,
      GError         **error)
{
  sqlite3_stmt *stmt;

  for (int c = 1; c <= 3; c++)
    {
      stmt = zv_db_prepare (db, "INSERT INTO chats (id, type, title) VALUES (?1, 'group', 'chat')", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int (stmt, 1, c);
      if (!zv_db_step_done (db, stmt, error))
        return FALSE;
    }

  /* Message i: chat 1 + i % 3, sender 10 + i % 5, text i % 8, one message every hour; plus one
   * unique word in message 1234 to have a rare match. */
  for (int i = 1; i <= N_MESSAGES; i++)
    {
      g_autofree char *text = i == 1234 ? g_strdup ("Уникальное слово абракадабра здесь")
                                        : g_strdup (texts[i % G_N_ELEMENTS (texts)]);

      stmt = zv_db_prepare (db, "INSERT INTO messages (id, chat_id, sender_id, text, created_at) "
                                "VALUES (?1, ?2, ?3, ?4, ?5)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int (stmt, 1, i);
      sqlite3_bind_int (stmt, 2, 1 + i % 3);
      sqlite3_bind_int (stmt, 3, 10 + i % 5);
      sqlite3_bind_text (stmt, 4, text, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 5, T0 + (gint64) i * 3600 * 1000);
      if (!zv_db_step_done (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

typedef struct {
  char    *dir;
  ZvStore *store;
} Fixture;

static void
set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("zveno-search-XXXXXX", &error);
  path = g_build_filename (f->dir, "zveno.db", NULL);
  f->store = zv_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (zv_store_write_sync (f->store, fill, NULL, &error));
  g_assert_no_error (error);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *db = g_build_filename (f->dir, "zveno.db", NULL);
  g_autofree char *wal = g_build_filename (f->dir, "zveno.db-wal", NULL);
  g_autofree char *shm = g_build_filename (f->dir, "zveno.db-shm", NULL);

  g_clear_object (&f->store);
  g_remove (db);
  g_remove (wal);
  g_remove (shm);
  g_rmdir (f->dir);
  g_free (f->dir);
}

/* Every message id in the cache whose text is one of @indices of texts[] (or the rare one). */
static guint
expected_count (const int *indices, gsize n, gint64 chat, gint64 sender, gint64 after, gint64 before)
{
  guint count = 0;

  for (int i = 1; i <= N_MESSAGES; i++)
    {
      gint64 created = T0 + (gint64) i * 3600 * 1000;
      gboolean text_ok = FALSE;

      if (i == 1234)
        continue;
      for (gsize k = 0; k < n; k++)
        text_ok |= (int) (i % G_N_ELEMENTS (texts)) == indices[k];
      if (!text_ok || (chat && 1 + i % 3 != chat) || (sender && 10 + i % 5 != sender) ||
          (after && created < after) || (before && created >= before))
        continue;
      count++;
    }
  return count;
}

/* Runs the query to the end through its cursors; checks newest-first order and no repeats. */
static guint
count_all_pages (ZvStore *store, ZvSearchQuery *q, gboolean *first_ranked)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  gint64 cursor = 0;
  guint pages = 0;

  do
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) hits = NULL;
      gboolean ranked = FALSE;
      gint64 previous = G_MAXINT64;

      q->cursor = cursor;
      hits = zv_store_search (zv_store_get_reader (store), q, &cursor, &ranked, &error);
      g_assert_no_error (error);
      if (pages == 0 && first_ranked != NULL)
        *first_ranked = ranked;
      for (guint i = 0; i < hits->len; i++)
        {
          ZvSearchHit *hit = g_ptr_array_index (hits, i);

          if (!ranked)
            g_assert_cmpint (hit->message_id, <, previous);
          previous = hit->message_id;
          g_assert_false (g_hash_table_contains (seen, &hit->message_id));
          g_hash_table_add (seen, g_memdup2 (&hit->message_id, sizeof (gint64)));
          g_assert_nonnull (strstr (hit->snippet, ZV_SEARCH_MARK_START));
          g_assert_nonnull (strstr (hit->snippet, ZV_SEARCH_MARK_END));
          if (q->chat_id)
            g_assert_cmpint (hit->chat_id, ==, q->chat_id);
          if (q->sender_id)
            g_assert_cmpint (hit->sender_id, ==, q->sender_id);
          if (q->after)
            g_assert_cmpint (hit->created_at, >=, q->after);
          if (q->before)
            g_assert_cmpint (hit->created_at, <, q->before);
        }
      pages++;
      g_assert_cmpuint (pages, <, 1000);
    }
  while (cursor != 0);

  return g_hash_table_size (seen);
}

static void
test_stems_and_filters (Fixture *f, gconstpointer data)
{
  static const int dogovor[] = { 0, 1, 2 };
  static const int contract[] = { 3, 4 };
  ZvSearchQuery q = { .text = "договор", .limit = 50 };
  gboolean ranked = TRUE;

  /* договор / договора / договоров all match the one word, across pages, newest first. */
  g_assert_cmpuint (count_all_pages (f->store, &q, &ranked), ==, expected_count (dogovor, 3, 0, 0, 0, 0));
  g_assert_false (ranked);

  q.text = "Договоров";
  g_assert_cmpuint (count_all_pages (f->store, &q, NULL), ==, expected_count (dogovor, 3, 0, 0, 0, 0));

  q.text = "contracts";
  g_assert_cmpuint (count_all_pages (f->store, &q, NULL), ==, expected_count (contract, 2, 0, 0, 0, 0));

  /* While typing, the last word is a prefix: "дог" already finds the contracts. */
  q.text = "дог";
  q.typing = TRUE;
  g_assert_cmpuint (count_all_pages (f->store, &q, NULL), ==, expected_count (dogovor, 3, 0, 0, 0, 0));
  q.typing = FALSE;

  q.text = "договор";
  q.chat_id = 2;
  g_assert_cmpuint (count_all_pages (f->store, &q, NULL), ==, expected_count (dogovor, 3, 2, 0, 0, 0));
  q.sender_id = 13;
  g_assert_cmpuint (count_all_pages (f->store, &q, NULL), ==, expected_count (dogovor, 3, 2, 13, 0, 0));
  q.chat_id = 0;
  q.sender_id = 0;

  q.after = T0 + 40 * DAY_MS;
  q.before = T0 + 60 * DAY_MS + 1;
  g_assert_cmpuint (count_all_pages (f->store, &q, NULL), ==,
                    expected_count (dogovor, 3, 0, 0, q.after, q.before));
  q.after = T0 + 1000 * DAY_MS;   /* after the last message: nothing */
  q.before = 0;
  g_assert_cmpuint (count_all_pages (f->store, &q, NULL), ==, 0);
}

static void
test_rare_is_ranked (Fixture *f, gconstpointer data)
{
  ZvSearchQuery q = { .text = "абракадабра" };
  g_autoptr(GError) error = NULL;
  gint64 cursor = -1;
  gboolean ranked = FALSE;
  g_autoptr(GPtrArray) hits = zv_store_search (zv_store_get_reader (f->store), &q, &cursor, &ranked, &error);
  ZvSearchHit *hit;

  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_true (ranked);
  g_assert_cmpint (cursor, ==, 0);
  hit = g_ptr_array_index (hits, 0);
  g_assert_cmpint (hit->message_id, ==, 1234);
  g_assert_nonnull (strstr (hit->snippet, ZV_SEARCH_MARK_START "абракадабра" ZV_SEARCH_MARK_END));
}

static void
test_bad_queries (Fixture *f, gconstpointer data)
{
  static const char *hostile[] = { "\"", "*", "NEAR(", "AND OR NOT", "text:договор", "^", "(((", "c1 chat:c2", "-", "договор\"" };
  g_autoptr(GError) error = NULL;
  ZvSearchQuery q = { .text = "   ,.!? " };
  g_autoptr(GPtrArray) none = zv_store_search (zv_store_get_reader (f->store), &q, NULL, NULL, &error);

  g_assert_null (none);
  g_assert_error (error, ZV_SEARCH_ERROR, ZV_SEARCH_ERROR_EMPTY_QUERY);

  for (gsize i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autoptr(GError) e = NULL;
      g_autoptr(GPtrArray) hits = NULL;

      q.text = hostile[i];
      hits = zv_store_search (zv_store_get_reader (f->store), &q, NULL, NULL, &e);
      /* Either nothing searchable, or a valid search: never an FTS5 syntax error. */
      if (hits == NULL)
        g_assert_error (e, ZV_SEARCH_ERROR, ZV_SEARCH_ERROR_EMPTY_QUERY);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/store-search/stems-and-filters", Fixture, NULL, set_up, test_stems_and_filters, tear_down);
  g_test_add ("/store-search/rare-is-ranked", Fixture, NULL, set_up, test_rare_is_ranked, tear_down);
  g_test_add ("/store-search/bad-queries", Fixture, NULL, set_up, test_bad_queries, tear_down);
  return g_test_run ();
}
