/* test-call-history.c: ZvCallHistory over a real cache: the server's calls stored newest first,
 * updated in place by sip_call_id (notes, a new id for a call first recorded locally), missed
 * incoming calls counted until seen, and a call the API cannot describe refused whole. */
#include "config.h"

#include <glib/gstdio.h>

#include "zv-call-history.h"
#include "zv-error.h"

typedef struct {
  char          *dir;
  ZvStore       *store;
  ZvCallHistory *history;
  guint          changes;
} Fixture;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Fixture    *f)
{
  f->changes++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("zveno-calls-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "zveno.db", NULL);
  f->store = zv_store_open (path, &error);
  g_assert_no_error (error);
  f->history = zv_call_history_new (f->store);
  g_signal_connect (f->history, "items-changed", G_CALLBACK (items_changed_cb), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_clear_object (&f->history);
  zv_store_close (f->store);
  g_clear_object (&f->store);
  dir = g_dir_open (f->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (f->dir, name, NULL);
      g_remove (child);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
}

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Applies one call object (JSON text) as an event would, and waits for it. */
static gboolean
apply (Fixture     *f,
       const char  *json,
       GError     **error)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_nonnull (node);
  zv_call_history_apply_async (f->history, json_node_get_object (node), NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return zv_call_history_apply_finish (f->history, result, error);
}

#define OUT_CALL \
  "{\"id\": 4, \"sip_call_id\": \"out-1@host\", \"direction\": \"out\", \"peer_number\": \"204\"," \
  " \"peer_name\": \"Пётр Иванов\", \"caller_id\": \"+7 495 100-00-00\", \"status\": \"answered\"," \
  " \"started_at\": \"2026-01-15T10:00:00.000Z\", \"answered_at\": \"2026-01-15T10:00:05.000Z\"," \
  " \"ended_at\": \"2026-01-15T10:03:05.000Z\", \"duration\": 180, \"outcome\": \"\", \"notes\": \"\"}"
#define MISSED_CALL \
  "{\"id\": 7, \"sip_call_id\": \"in-1@host\", \"direction\": \"in\", \"peer_number\": \"+74955551234\"," \
  " \"peer_name\": \"\", \"caller_id\": \"\", \"status\": \"missed\"," \
  " \"started_at\": \"2026-01-16T09:00:00.000Z\", \"answered_at\": null, \"ended_at\": null," \
  " \"duration\": 0, \"outcome\": \"\", \"notes\": \"\"}"

/* @text with every @old replaced by @new. */
static char *
replace (const char *text,
         const char *old,
         const char *new)
{
  g_auto(GStrv) parts = g_strsplit (text, old, -1);

  g_assert_cmpuint (g_strv_length (parts), >=, 2);
  return g_strjoinv (new, parts);
}

static ZvCallRecord *
item (Fixture *f,
      guint    position)
{
  /* The model holds a ref; the test only looks. */
  g_autoptr(ZvCallRecord) record = g_list_model_get_item (G_LIST_MODEL (f->history), position);

  g_assert_nonnull (record);
  return record;
}

static void
test_newest_first (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  ZvCallRecord *record;

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->history)), ==, 0);
  g_assert_true (apply (f, OUT_CALL, &error));
  g_assert_no_error (error);
  g_assert_true (apply (f, MISSED_CALL, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->history)), ==, 2);
  record = item (f, 0);
  g_assert_cmpstr (zv_call_record_get_sip_call_id (record), ==, "in-1@host");
  g_assert_true (zv_call_record_is_incoming (record));
  g_assert_true (zv_call_record_is_missed (record));
  g_assert_cmpint (zv_call_record_get_started_at (record), ==, G_GINT64_CONSTANT (1768554000000));
  record = item (f, 1);
  g_assert_cmpstr (zv_call_record_get_peer_name (record), ==, "Пётр Иванов");
  g_assert_cmpint (zv_call_record_get_status (record), ==, ZV_CALL_STATUS_ANSWERED);
  g_assert_cmpint (zv_call_record_get_duration (record), ==, 180);
  g_assert_false (zv_call_record_is_missed (record));
  g_assert_true (zv_call_record_is_reported (record));
}

static void
test_update_in_place (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *noted = NULL;
  g_autofree char *renumbered = NULL;
  guint before;

  g_assert_true (apply (f, OUT_CALL, &error));
  g_assert_true (apply (f, MISSED_CALL, &error));
  g_assert_no_error (error);
  before = f->changes;

  /* call.updated after notes: the same row, changed, one items-changed. */
  noted = replace (OUT_CALL, "\"notes\": \"\"}", "\"notes\": \"Клиент готов\"}");
  g_assert_true (apply (f, noted, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->history)), ==, 2);
  g_assert_cmpstr (zv_call_record_get_notes (item (f, 1)), ==, "Клиент готов");
  g_assert_cmpuint (f->changes, ==, before + 1);

  /* The server's copy of a call with another id (a local row being replaced): still one row. */
  renumbered = replace (MISSED_CALL, "\"id\": 7,", "\"id\": 12,");
  g_assert_true (apply (f, renumbered, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->history)), ==, 2);
  g_assert_cmpint (zv_call_record_get_id (item (f, 0)), ==, 12);
}

static void
wait_missed (Fixture *f,
             guint    expected)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (zv_call_history_get_missed_count (f->history) != expected && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (zv_call_history_get_missed_count (f->history), ==, expected);
}

static void
test_missed_until_seen (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *other_id = NULL;
  g_autofree char *other_day = NULL;
  g_autofree char *later = NULL;

  g_assert_true (apply (f, OUT_CALL, &error));
  g_assert_cmpuint (zv_call_history_get_missed_count (f->history), ==, 0);
  g_assert_true (apply (f, MISSED_CALL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (zv_call_history_get_missed_count (f->history), ==, 1);
  g_assert_true (zv_call_record_is_unseen_missed (item (f, 0)));

  zv_call_history_mark_seen (f->history);
  wait_missed (f, 0);
  g_assert_false (zv_call_record_is_unseen_missed (item (f, 0)));
  g_assert_true (zv_call_record_is_missed (item (f, 0)));

  /* A missed call after that counts again. */
  other_id = replace (MISSED_CALL, "in-1@host", "in-2@host");
  other_day = replace (other_id, "2026-01-16T09", "2026-01-17T09");
  later = replace (other_day, "\"id\": 7,", "\"id\": 8,");
  g_assert_true (apply (f, later, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (zv_call_history_get_missed_count (f->history), ==, 1);
}

static void
test_refuses_bad_call (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *bad_status = replace (OUT_CALL, "\"status\": \"answered\"", "\"status\": \"lost\"");
  g_autofree char *bad_time = replace (OUT_CALL, "\"started_at\": \"2026-01-15T10:00:00.000Z\"",
                                       "\"started_at\": \"yesterday\"");

  g_assert_false (apply (f, bad_status, &error));
  g_assert_error (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE);
  g_clear_error (&error);
  g_assert_false (apply (f, bad_time, &error));
  g_assert_error (error, ZV_API_ERROR, ZV_API_ERROR_INVALID_RESPONSE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->history)), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/call-history/newest-first", Fixture, NULL, fixture_set_up, test_newest_first, fixture_tear_down);
  g_test_add ("/call-history/update-in-place", Fixture, NULL, fixture_set_up, test_update_in_place, fixture_tear_down);
  g_test_add ("/call-history/missed-until-seen", Fixture, NULL, fixture_set_up, test_missed_until_seen, fixture_tear_down);
  g_test_add ("/call-history/refuses-bad-call", Fixture, NULL, fixture_set_up, test_refuses_bad_call, fixture_tear_down);
  return g_test_run ();
}
