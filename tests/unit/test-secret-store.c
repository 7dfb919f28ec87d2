/* test-secret-store.c: secrets round-trip through a real Secret Service (gnome-keyring in a private
 * D-Bus session), stay apart per account, and a clear leaves nothing of the account behind. */
#include "config.h"

#include <string.h>

#include "zv-secret-store.h"

typedef struct {
  GMainLoop *loop;
  GAsyncResult *result;
} Wait;

static void
got_result (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

static GAsyncResult *
wait_result (Wait *wait)
{
  g_main_loop_run (wait->loop);
  return wait->result;
}

static void
store (ZvSecretStore *s, const char *account, const char *key, const char *secret)
{
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  g_autoptr(GError) error = NULL;

  zv_secret_store_store_async (s, account, key, secret, NULL, got_result, &wait);
  gboolean ok = zv_secret_store_store_finish (s, wait_result (&wait), &error);

  g_assert_no_error (error);
  g_assert_true (ok);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
}

static char *
lookup (ZvSecretStore *s, const char *account, const char *key)
{
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  g_autoptr(GError) error = NULL;
  char *secret;

  zv_secret_store_lookup_async (s, account, key, NULL, got_result, &wait);
  secret = zv_secret_store_lookup_finish (s, wait_result (&wait), &error);
  g_assert_no_error (error);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
  return secret;
}

static void
clear (ZvSecretStore *s, const char *account)
{
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  g_autoptr(GError) error = NULL;

  zv_secret_store_clear_async (s, account, NULL, got_result, &wait);
  gboolean ok = zv_secret_store_clear_finish (s, wait_result (&wait), &error);

  g_assert_no_error (error);
  g_assert_true (ok);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
}

/* Counts the items for @account by asking the Secret Service through secret-tool, another
 * program: libsecret's own search would leak into this process (libsecret 0.20 keeps the state of
 * the items it creates for a search), which LeakSanitizer would blame on the test. */
static guint
count_items (const char *account)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "secret-tool", "search", "--all", "account", account, NULL };
  int status = 0;
  guint n = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  for (const char *p = err; (p = strstr (p, "label = ")) != NULL; p++)
    n++;
  for (const char *p = out; (p = strstr (p, "label = ")) != NULL; p++)
    n++;
  return n;
}

static void
test_round_trip_and_wipe (void)
{
  g_autoptr(ZvSecretStore) s = zv_secret_store_new_default ();
  const char *anna = "https://uc.example.com anna";
  const char *boris = "https://uc.example.com boris";
  g_autofree char *t1 = NULL;
  g_autofree char *t2 = NULL;
  g_autofree char *t3 = NULL;
  g_autofree char *gone = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *none = NULL;

  store (s, anna, "refresh-token", "r-anna-1");
  store (s, anna, "sip-password", "s3cr3t");
  store (s, boris, "refresh-token", "r-boris-1");
  store (s, anna, "refresh-token", "r-anna-2");   /* rotation replaces, never duplicates */

  t1 = lookup (s, anna, "refresh-token");
  t2 = lookup (s, anna, "sip-password");
  t3 = lookup (s, boris, "refresh-token");
  none = lookup (s, anna, "no-such-key");
  g_assert_cmpstr (t1, ==, "r-anna-2");
  g_assert_cmpstr (t2, ==, "s3cr3t");
  g_assert_cmpstr (t3, ==, "r-boris-1");
  g_assert_null (none);
  g_assert_cmpuint (count_items (anna), ==, 2);

  clear (s, anna);
  gone = lookup (s, anna, "refresh-token");
  kept = lookup (s, boris, "refresh-token");
  g_assert_null (gone);
  g_assert_cmpstr (kept, ==, "r-boris-1");
  g_assert_cmpuint (count_items (anna), ==, 0);
  g_assert_cmpuint (count_items (boris), ==, 1);

  clear (s, anna);   /* clearing nothing is not an error */
  clear (s, boris);
  g_assert_cmpuint (count_items (boris), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/secret-store/round-trip-and-wipe", test_round_trip_and_wipe);
  return g_test_run ();
}
