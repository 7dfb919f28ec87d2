/* test-seed.c: `zveno-server seed` makes the same database for the same seed, and what it makes is
 * consistent: members send, replies point back in the same chat, ids grow with time, attachments
 * exist on disk with their sha256, the demo account signs in, search finds stemmed words. */
#define G_LOG_DOMAIN "zveno-test"

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "zv-search.h"
#include "zv-seed.h"
#include "zv-server-private.h"

static char *tmpdir;

static char *
seed (const char *name, const char *seed_value, const char *messages)
{
  char *path = g_build_filename (tmpdir, name, NULL);
  const char *argv_const[] = { "seed", "--db", path, "--users", "80", "--chats", "120", "--messages", messages,
                               "--seed", seed_value, "--force", "--quiet", NULL };
  char **argv = g_memdup2 (argv_const, sizeof argv_const);
  int argc = G_N_ELEMENTS (argv_const) - 1;
  int rc = zv_seed_main (argc, argv);

  g_free (argv);
  g_assert_cmpint (rc, ==, 0);
  return path;
}

static gint64
query_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static char *
query_text (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

static sqlite3 *
open_db (const char *path)
{
  sqlite3 *db = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_true (zv_search_register_tokenizer (db, &error));
  return db;
}

static void
test_deterministic (void)
{
  g_autofree char *a = seed ("a.db", "7", "6000");
  g_autofree char *b = seed ("b.db", "7", "6000");
  g_autofree char *c = seed ("c.db", "8", "6000");
  g_autofree char *da = NULL, *db_ = NULL, *dc = NULL;
  gsize la, lb, lc;

  g_assert_true (g_file_get_contents (a, &da, &la, NULL));
  g_assert_true (g_file_get_contents (b, &db_, &lb, NULL));
  g_assert_true (g_file_get_contents (c, &dc, &lc, NULL));
  g_assert_cmpuint (la, ==, lb);
  g_assert_true (memcmp (da, db_, la) == 0);
  g_assert_false (la == lc && memcmp (da, dc, la) == 0);
}

static void
test_consistent (void)
{
  g_autofree char *path = seed ("big.db", "1", "20000");
  g_autofree char *files_dir = g_strconcat (path, ".files", NULL);
  sqlite3 *db = open_db (path);
  g_autofree char *mode = query_text (db, "PRAGMA journal_mode");
  g_autofree char *hash = query_text (db, "SELECT password_hash FROM users WHERE login = '" ZV_SEED_DEMO_LOGIN "'");
  sqlite3_stmt *stmt = NULL;
  gint64 total, russian, n_files = 0;

  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM users"), ==, 80);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM users WHERE external = 1"), >=, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM subscriber"), ==, 80);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM chats"), ==, 120);
  g_assert_cmpint (query_int (db, "SELECT count(DISTINCT department) FROM users WHERE external = 0"), >=, 5);
  total = query_int (db, "SELECT count(*) FROM messages");
  g_assert_cmpint (total, ==, 20000);
  g_assert_true (zv_password_verify (ZV_SEED_DEMO_PASSWORD, hash));
  g_assert_false (zv_password_verify ("wrong", hash));

  /* Ids grow with time; every sender is a member; replies point back into the same chat. */
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM messages a JOIN messages b ON b.id = a.id + 1 "
                                  "WHERE b.created_at < a.created_at"), ==, 0);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM messages m WHERE NOT EXISTS "
                                  "(SELECT 1 FROM members WHERE chat_id = m.chat_id AND user_id = m.sender_id)"), ==, 0);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM messages m JOIN messages r ON r.id = m.reply_to "
                                  "WHERE r.chat_id <> m.chat_id OR r.id >= m.id"), ==, 0);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM messages WHERE reply_to IS NOT NULL"), >, 100);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM messages WHERE edited_at IS NOT NULL"), >, 100);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM messages WHERE deleted = 1 AND text <> ''"), ==, 0);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM messages WHERE deleted = 1"), >, 50);
  g_assert_cmpint (query_int (db, "SELECT count(DISTINCT client_id) FROM messages"), ==, total);
  g_assert_cmpint (query_int (db, "SELECT max(created_at) - min(created_at) FROM messages"), >, 90 * 86400000LL);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM chats WHERE type = 'direct' AND "
                                  "(SELECT count(*) FROM members WHERE chat_id = chats.id) <> 2"), ==, 0);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM reactions"), >, 100);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM calls"), >, 100);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM caller_ids WHERE is_default = 1"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT max(seq) FROM messages"), <=,
                   query_int (db, "SELECT value FROM meta WHERE key = 'change_seq'"));

  /* Roughly 60 % Russian, 40 % English, by script of the text. */
  russian = query_int (db, "SELECT count(*) FROM messages WHERE text GLOB '*[а-яА-Я]*'");
  g_assert_cmpfloat ((double) russian / (double) total, >, 0.45);
  g_assert_cmpfloat ((double) russian / (double) total, <, 0.75);
  /* Phone numbers, contract and invoice numbers appear in the text. */
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM messages WHERE text LIKE '%+7 9%' OR text LIKE '%+44 7700%'"), >, 20);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM messages WHERE text LIKE '%№ 202%'"), >, 20);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM messages WHERE text LIKE '%INV-%'"), >, 20);

  /* The search index is complete and stems. */
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM messages_fts"), ==, total);
  {
    g_autofree char *m1 = zv_search_build_match ("договор", FALSE, NULL);
    g_autofree char *m2 = zv_search_build_match ("договоров", FALSE, NULL);
    g_autofree char *sql1 = NULL, *sql2 = NULL;
    gint64 n1, n2;

    sql1 = g_strdup_printf ("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '%s'", m1);
    sql2 = g_strdup_printf ("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '%s'", m2);
    n1 = query_int (db, sql1);
    n2 = query_int (db, sql2);
    g_assert_cmpint (n1, >, 50);
    g_assert_cmpint (n1, ==, n2);
  }

  /* Every attachment's bytes are on disk under its sha256, with its size. */
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT sha256, size FROM files", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *sha = (const char *) sqlite3_column_text (stmt, 0);
      g_autofree char *prefix = g_strndup (sha, 2);
      g_autofree char *file = g_build_filename (files_dir, prefix, sha, NULL);
      g_autofree char *data = NULL;
      g_autofree char *check = NULL;
      gsize len = 0;

      g_assert_true (g_file_get_contents (file, &data, &len, NULL));
      g_assert_cmpint ((gint64) len, ==, sqlite3_column_int64 (stmt, 1));
      check = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
      g_assert_cmpstr (check, ==, sha);
      n_files++;
    }
  sqlite3_finalize (stmt);
  g_assert_cmpint (n_files, >, 100);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static void
test_refuses_existing (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "exists.db", NULL);
  const char *argv_const[] = { "seed", "--db", path, "--users", "5", "--chats", "3", "--messages", "10", NULL };
  char **argv = g_memdup2 (argv_const, sizeof argv_const);

  g_assert_true (g_file_set_contents (path, "precious", -1, NULL));
  g_assert_cmpint (zv_seed_main (G_N_ELEMENTS (argv_const) - 1, argv), !=, 0);
  g_free (argv);
  {
    g_autofree char *data = NULL;
    g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
    g_assert_cmpstr (data, ==, "precious");
  }
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  /* Inside tests/isolate.sh the per-test directory is removed afterwards anyway. */
  {
    const char *base = g_getenv ("ZVENO_TEST_TMPDIR");
    g_autofree char *template = g_build_filename (base ? base : g_get_tmp_dir (), "zveno-seed-XXXXXX", NULL);
    tmpdir = g_mkdtemp (g_steal_pointer (&template));
  }
  g_assert_nonnull (tmpdir);

  g_test_add_func ("/seed/deterministic", test_deterministic);
  g_test_add_func ("/seed/consistent", test_consistent);
  g_test_add_func ("/seed/refuses-existing", test_refuses_existing);

  rc = g_test_run ();
  remove_tree (tmpdir);
  g_free (tmpdir);
  return rc;
}
