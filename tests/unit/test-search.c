/* test-search.c: the "zveno" tokenizer and query builder, alone and inside a real FTS5 table. */
#define G_LOG_DOMAIN "zveno-test"

#include "config.h"

#include <string.h>

#include "zv-search.h"

typedef struct {
  sqlite3 *db;
} Fixture;

static const char *documents[] = {
  /* 1 */ "Пришлите, пожалуйста, договор поставки до пятницы",
  /* 2 */ "Подписали два договора, оригиналы у юристов",
  /* 3 */ "Сколько договоров осталось согласовать?",
  /* 4 */ "По Договору № 2024-117 оплата до 15.03",
  /* 5 */ "The contract is ready for review",
  /* 6 */ "Both contracts were signed yesterday",
  /* 7 */ "We are contracting a new vendor for the office",
  /* 8 */ "Ёлку в офис привезут в декабре",
  /* 9 */ "Елка стоит у ресепшена, новый год близко",
  /* 10 */ "Позвоните мне на +7 (495) 123-45-67 после обеда",
  /* 11 */ "Счёт INV-2024-0042 оплачен, café receipt attached",
  /* 12 */ "договор договор договор: это про договор",
  /* 13 */ "Дог Бобик снова лает на курьера",
};

static void
exec_ok (sqlite3 *db, const char *sql)
{
  char *msg = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &msg);

  if (rc != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open (":memory:", &f->db), ==, SQLITE_OK);
  g_assert_true (zv_search_register_tokenizer (f->db, &error));
  g_assert_no_error (error);
  exec_ok (f->db, "CREATE VIRTUAL TABLE fts USING fts5(text, tokenize='" ZV_FTS5_TOKENIZER "', prefix='2 3')");

  g_assert_cmpint (sqlite3_prepare_v2 (f->db, "INSERT INTO fts(rowid, text) VALUES (?1, ?2)", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      sqlite3_bind_int (stmt, 1, (int) i + 1);
      sqlite3_bind_text (stmt, 2, documents[i], -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (sqlite3_close (f->db), ==, SQLITE_OK);
}

/* Runs MATCH @match and returns the matching rowids, best rank first, as "1,2,3". */
static char *
run_match (sqlite3 *db, const char *match, int *rc_out)
{
  sqlite3_stmt *stmt = NULL;
  GString *ids = g_string_new (NULL);
  int rc;

  rc = sqlite3_prepare_v2 (db, "SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY rank, rowid", -1, &stmt, NULL);
  g_assert_cmpint (rc, ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_string_append_printf (ids, "%s%lld", ids->len ? "," : "", (long long) sqlite3_column_int64 (stmt, 0));
  if (rc_out != NULL)
    *rc_out = rc;
  else if (rc != SQLITE_DONE)
    g_error ("MATCH %s: %s", match, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  return g_string_free (ids, FALSE);
}

static gint
compare_int64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* The rowids a person's query finds, sorted ascending (rank order checked elsewhere). */
static char *
search (Fixture *f, const char *query, gboolean prefix)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *match = zv_search_build_match (query, prefix, &error);
  g_autofree char *ids = NULL;
  g_auto(GStrv) parts = NULL;
  GArray *nums;
  GString *out;

  g_assert_no_error (error);
  ids = run_match (f->db, match, NULL);
  parts = g_strsplit (ids, ",", -1);
  nums = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0')
      {
        gint64 v = g_ascii_strtoll (parts[i], NULL, 10);
        g_array_append_val (nums, v);
      }
  g_array_sort (nums, compare_int64);
  out = g_string_new (NULL);
  for (guint i = 0; i < nums->len; i++)
    g_string_append_printf (out, "%s%" G_GINT64_FORMAT, i ? "," : "", g_array_index (nums, gint64, i));
  g_array_unref (nums);
  return g_string_free (out, FALSE);
}

static void
assert_search (Fixture *f, const char *query, gboolean prefix, const char *expected)
{
  g_autofree char *got = search (f, query, prefix);

  if (g_strcmp0 (got, expected) != 0)
    g_error ("query «%s»%s found [%s], expected [%s]", query, prefix ? " (prefix)" : "", got, expected);
}

static void
test_fold (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "ЁЛКА", "елка" },
    { "Йогурт и ЙОД", "йогурт и йод" },
    { "Café Naïve STRASSE", "cafe naive strasse" },
    { "Новый Год", "новый год" },
    { "и\xcc\x86", "й" },              /* й written decomposed */
    { "Е\xcc\x88ж", "еж" },            /* Ё written decomposed */
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *folded = zv_search_fold (cases[i].in);
      g_assert_cmpstr (folded, ==, cases[i].out);
    }

  {
    /* Invalid UTF-8 comes back valid, never crashes. */
    g_autofree char *folded = zv_search_fold ("ab\xff\xfe" "cd\xd0");
    g_assert_true (g_utf8_validate (folded, -1, NULL));
  }
}

static char *
stem_of (const char *word)
{
  g_auto(GStrv) terms = zv_search_tokenize (word);

  g_assert_cmpuint (g_strv_length (terms), ==, 1);
  return g_strdup (terms[0]);
}

static void
test_tokenize_stems (void)
{
  static const char *groups[][5] = {
    { "договор", "договора", "договоров", "Договору", "ДОГОВОРОМ" },
    { "contract", "contracts", "contracting", "Contracted", NULL },
    { "ёлка", "елка", "Ёлки", "ЕЛКОЙ", NULL },
    { "счёт", "счет", "счета", NULL },
  };

  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    {
      g_autofree char *first = stem_of (groups[g][0]);

      for (guint i = 1; i < G_N_ELEMENTS (groups[g]) && groups[g][i] != NULL; i++)
        {
          g_autofree char *other = stem_of (groups[g][i]);
          if (g_strcmp0 (first, other) != 0)
            g_error ("«%s» stems to «%s» but «%s» to «%s»", groups[g][0], first, groups[g][i], other);
        }
    }

  {
    /* й survives: the Russian stemmer must see -ый to strip it, and йод is not иод. */
    g_autofree char *iod = stem_of ("йод");
    g_autofree char *new1 = stem_of ("новый");
    g_autofree char *new2 = stem_of ("новая");

    g_assert_cmpstr (iod, ==, "йод");
    g_assert_cmpstr (new1, ==, new2);
  }
  {
    /* Numbers, mixed scripts and codes are indexed as they are. */
    g_auto(GStrv) terms = zv_search_tokenize ("INV-2024-0042 +7 (495) 123-45-67 x86");
    g_autofree char *joined = g_strjoinv (" ", terms);
    g_assert_cmpstr (joined, ==, "inv 2024 0042 7 495 123 45 67 x86");
  }
  {
    g_auto(GStrv) empty = zv_search_tokenize (" ,.!? — ");
    g_assert_cmpuint (g_strv_length (empty), ==, 0);
  }
}

static void
test_build_match_shape (void)
{
  static const struct { const char *in; gboolean prefix; const char *out; } cases[] = {
    { "договор", FALSE, "\"договор\"" },
    { "Договор  Поставки", FALSE, "\"договор\" AND \"поставки\"" },
    { "договор пост", TRUE, "\"договор\" AND (\"пост\" OR \"пост\"*)" },
    { "\"договор поставки\" срочно", FALSE, "\"договор поставки\" AND \"срочно\"" },
    { "срочно \"договор поставки\"", TRUE, "\"срочно\" AND \"договор поставки\"" },
    { "\"договор пост", TRUE, "(\"договор пост\" OR \"договор пост\"*)" },
    { "INV-2024", FALSE, "\"inv 2024\"" },
    { "a AND OR NOT b", FALSE, "\"a\" AND \"and\" AND \"or\" AND \"not\" AND \"b\"" },
    { "col:x NEAR(a b) ^c", FALSE, "\"col x\" AND \"near a\" AND \"b\" AND \"c\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *match = zv_search_build_match (cases[i].in, cases[i].prefix, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (match, ==, cases[i].out);
    }
}

static void
test_empty_query (void)
{
  static const char *empties[] = { "", "   ", "\"\"", "\"", "*", "***", "^", "-", "( )", ":", "\"  \" * ^" };

  for (guint i = 0; i < G_N_ELEMENTS (empties); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *match = zv_search_build_match (empties[i], i % 2 == 0, &error);

      g_assert_null (match);
      g_assert_error (error, ZV_SEARCH_ERROR, ZV_SEARCH_ERROR_EMPTY_QUERY);
    }
}

static void
test_forms_find_each_other (Fixture *f, gconstpointer data)
{
  /* Every form of договор finds every document with any form of it, and nothing else. */
  assert_search (f, "договор", FALSE, "1,2,3,4,12");
  assert_search (f, "договора", FALSE, "1,2,3,4,12");
  assert_search (f, "договоров", FALSE, "1,2,3,4,12");
  assert_search (f, "Договору", FALSE, "1,2,3,4,12");
  assert_search (f, "contract", FALSE, "5,6,7");
  assert_search (f, "contracts", FALSE, "5,6,7");
  assert_search (f, "CONTRACTING", FALSE, "5,6,7");
  assert_search (f, "ёлка", FALSE, "8,9");
  assert_search (f, "елку", FALSE, "8,9");
  assert_search (f, "счет", FALSE, "11");
  assert_search (f, "cafe", FALSE, "11");
  assert_search (f, "café", FALSE, "11");
  assert_search (f, "договор оплата", FALSE, "4");
  assert_search (f, "\"договор поставки\"", FALSE, "1");
  assert_search (f, "\"поставки договор\"", FALSE, "");
  assert_search (f, "123-45-67", FALSE, "10");
  assert_search (f, "INV-2024-0042", FALSE, "11");
  assert_search (f, "2024", FALSE, "4,11");
  assert_search (f, "трактор", FALSE, "");
}

static void
test_prefix_while_typing (Fixture *f, gconstpointer data)
{
  /* Each keystroke of «договоров»: the prefix must keep finding the documents. */
  static const char *typed[] = { "дог", "дого", "догов", "договор", "договора", "договоров" };

  for (guint i = 0; i < G_N_ELEMENTS (typed); i++)
    {
      g_autofree char *got = search (f, typed[i], TRUE);
      g_auto(GStrv) ids = g_strsplit (got, ",", -1);

      for (guint d = 0; d < 4; d++)
        {
          g_autofree char *want = g_strdup_printf ("%u", d + 1);
          if (!g_strv_contains ((const char * const *) ids, want))
            g_error ("typing «%s» lost document %s (found %s)", typed[i], want, got);
        }
    }
  /* "дог" is also the start of «Дог Бобик»; finished «договоров» is not a prefix of it. */
  assert_search (f, "дог", TRUE, "1,2,3,4,12,13");
  assert_search (f, "договоров", TRUE, "1,2,3,4,12");
  assert_search (f, "contr", TRUE, "5,6,7");
  assert_search (f, "договор пост", TRUE, "1");
  assert_search (f, "\"договора пост", TRUE, "1");
  assert_search (f, "ёл", TRUE, "8,9");
  /* Without prefix_last a half word finds nothing. */
  assert_search (f, "contr", FALSE, "");
  assert_search (f, "догово", FALSE, "");
}

static void
assert_harmless (Fixture *f, const char *query)
{
  for (int prefix = 0; prefix <= 1; prefix++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *match = zv_search_build_match (query, prefix, &error);
      g_autofree char *ids = NULL;
      int rc = SQLITE_OK;

      if (match == NULL)
        {
          g_assert_error (error, ZV_SEARCH_ERROR, ZV_SEARCH_ERROR_EMPTY_QUERY);
          continue;
        }
      g_assert_no_error (error);
      ids = run_match (f->db, match, &rc);
      if (rc != SQLITE_DONE)
        g_error ("query of %zu bytes gave MATCH «%.200s» which SQLite refused: %s",
                 strlen (query), match, sqlite3_errmsg (f->db));
    }
}

static void
test_hostile_queries (Fixture *f, gconstpointer data)
{
  static const char *hostile[] = {
    "\"", "\"\"\"", "*", "дог*", "*дог", "NEAR(", "NEAR(a b, 2)", "AND OR", "AND", "OR", "NOT",
    "a OR", "NOT a", "col:x", "text:договор", "{text}: x", "^", "^договор", "\"договор", "договор\"",
    "\"a\" \"b", "(", ")", "((((((", "a + b", "-a", "'; DROP TABLE fts; --", "\\", "\\\"",
    "договор\x00скрыто", "🙂 договор 🙂", "\t\n\r", "a:b:c", "\"*\"", "NEAR", "a*b*c",
  };
  g_autoptr(GString) big = g_string_new (NULL);
  g_autoptr(GString) big_word = g_string_new (NULL);
  g_autoptr(GString) big_junk = g_string_new (NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261128);
  static const char alphabet[] = "\"*^():-+ NEARORANDNOTaб1{},\xd0\xb9\xff\xfe\xc0";

  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    assert_harmless (f, hostile[i]);

  /* Invalid UTF-8 in every position. */
  assert_harmless (f, "\xff\xfe\xfd");
  assert_harmless (f, "догов\xd0");
  assert_harmless (f, "\xd0\xb4\xd0 \xe2\x82 contract\x80");

  /* 10 KB of words, one 10 KB word, 10 KB of syntax. */
  while (big->len < 10240)
    g_string_append (big, "договор \"поставки OR NEAR( col:x ^ ");
  while (big_word->len < 10240)
    g_string_append (big_word, "договор");
  while (big_junk->len < 10240)
    g_string_append (big_junk, "\"*^():");
  assert_harmless (f, big->str);
  assert_harmless (f, big_word->str);
  assert_harmless (f, big_junk->str);

  /* Random strings from the characters that mean something to FTS5. */
  for (int n = 0; n < 3000; n++)
    {
      char s[48];
      int len = g_rand_int_range (rand, 1, (int) sizeof s);

      for (int i = 0; i < len - 1; i++)
        s[i] = alphabet[g_rand_int_range (rand, 0, (int) sizeof alphabet - 1)];
      s[len - 1] = '\0';
      assert_harmless (f, s);
    }
}

static void
test_ranking_and_snippet (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *match = zv_search_build_match ("договоры", FALSE, &error);
  g_autofree char *ranked = NULL;
  sqlite3_stmt *stmt = NULL;
  const char *snip;

  g_assert_no_error (error);
  /* bm25: the document that repeats the word four times ranks first. */
  ranked = run_match (f->db, match, NULL);
  g_assert_true (g_str_has_prefix (ranked, "12,"));

  /* The snippet highlights the word as it was written, in its own form and case. */
  g_assert_cmpint (sqlite3_prepare_v2 (f->db,
                                       "SELECT snippet(fts, 0, '[', ']', '…', 6) FROM fts "
                                       "WHERE fts MATCH ?1 AND rowid = 4", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  snip = (const char *) sqlite3_column_text (stmt, 0);
  g_assert_nonnull (strstr (snip, "[Договору]"));
  sqlite3_finalize (stmt);

  {
    /* highlight() over the Ё word: the original spelling is kept, the match still found. */
    g_autofree char *m2 = zv_search_build_match ("елка", FALSE, NULL);
    g_assert_cmpint (sqlite3_prepare_v2 (f->db,
                                         "SELECT highlight(fts, 0, '<', '>') FROM fts "
                                         "WHERE fts MATCH ?1 AND rowid = 8", -1, &stmt, NULL), ==, SQLITE_OK);
    sqlite3_bind_text (stmt, 1, m2, -1, SQLITE_TRANSIENT);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "<Ёлку> в офис привезут в декабре");
    sqlite3_finalize (stmt);
  }
}

static void
test_external_content_rebuild (void)
{
  /* The server's shape: an external-content index rebuilt after a bulk load finds stems too. */
  sqlite3 *db = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *match = NULL;
  g_autofree char *ids = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
  g_assert_true (zv_search_register_tokenizer (db, &error));
  exec_ok (db, "CREATE TABLE messages (id INTEGER PRIMARY KEY, text TEXT)");
  exec_ok (db, "CREATE VIRTUAL TABLE fts USING fts5(text, content='messages', content_rowid='id', "
               "tokenize='" ZV_FTS5_TOKENIZER "')");
  exec_ok (db, "INSERT INTO messages (id, text) VALUES (1, 'Договоры подписаны'), (2, 'Invoices sent'), "
               "(3, 'Новый счёт')");
  exec_ok (db, "INSERT INTO fts(fts) VALUES ('rebuild')");
  exec_ok (db, "INSERT INTO fts(fts, rank) VALUES ('integrity-check', 1)");

  match = zv_search_build_match ("договор invoice счет", FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM fts WHERE fts MATCH ?1", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0); /* no single message has all three */
  sqlite3_finalize (stmt);

  for (guint i = 0; i < 3; i++)
    {
      static const char *words[] = { "договор", "invoice", "счет" };
      g_autofree char *m = zv_search_build_match (words[i], FALSE, NULL);

      g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT rowid FROM fts WHERE fts MATCH ?1", -1, &stmt, NULL), ==, SQLITE_OK);
      sqlite3_bind_text (stmt, 1, m, -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, (int) i + 1);
      sqlite3_finalize (stmt);
    }
  (void) ids;
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static void
test_unregistered_connection (void)
{
  /* A connection that forgot to register fails clearly instead of tokenizing differently. */
  sqlite3 *db = NULL;
  char *msg = NULL;
  int rc;

  g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
  rc = sqlite3_exec (db, "CREATE VIRTUAL TABLE fts USING fts5(text, tokenize='" ZV_FTS5_TOKENIZER "')",
                     NULL, NULL, &msg);
  g_assert_cmpint (rc, !=, SQLITE_OK);
  g_assert_nonnull (strstr (msg, "tokenize"));
  sqlite3_free (msg);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static gpointer
tokenize_thread (gpointer data)
{
  for (int i = 0; i < 2000; i++)
    {
      g_auto(GStrv) terms = zv_search_tokenize ("Договоры и contracts подписаны, счёт оплачен");
      if (g_strv_length (terms) != 6 || g_strcmp0 (terms[0], "договор") != 0 || g_strcmp0 (terms[2], "contract") != 0)
        return GINT_TO_POINTER (1);
    }
  return NULL;
}

static void
test_threads (void)
{
  GThread *threads[4];
  int failures = 0;

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("tokenize", tokenize_thread, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    failures += GPOINTER_TO_INT (g_thread_join (threads[i]));
  g_assert_cmpint (failures, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/search/fold", test_fold);
  g_test_add_func ("/search/tokenize/stems", test_tokenize_stems);
  g_test_add_func ("/search/match/shape", test_build_match_shape);
  g_test_add_func ("/search/match/empty", test_empty_query);
  g_test_add ("/search/fts/forms", Fixture, NULL, fixture_set_up, test_forms_find_each_other, fixture_tear_down);
  g_test_add ("/search/fts/prefix", Fixture, NULL, fixture_set_up, test_prefix_while_typing, fixture_tear_down);
  g_test_add ("/search/fts/hostile", Fixture, NULL, fixture_set_up, test_hostile_queries, fixture_tear_down);
  g_test_add ("/search/fts/ranking", Fixture, NULL, fixture_set_up, test_ranking_and_snippet, fixture_tear_down);
  g_test_add_func ("/search/fts/external-content", test_external_content_rebuild);
  g_test_add_func ("/search/fts/unregistered", test_unregistered_connection);
  g_test_add_func ("/search/threads", test_threads);

  return g_test_run ();
}
