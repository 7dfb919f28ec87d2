/* fuzz-events.c: the live event stream's decoder and appliers (zv-events.c, zv-events-apply.c).
 * Input: lines of JSON. A line that is a /sync page ("next", "chats", "messages") is applied first,
 * as the sync before a stream would; every other line is decoded as a WebSocket text frame is
 * ({"seq", "type", "data", "prev"}), and the stored events go through zv_events_write_batch the way
 * ZvEvents runs it: a gap marks the event "after a sync" and the rest is retried. Live (seq 0)
 * presence goes through zv_events_write_presence. All in one transaction, rolled back after.
 * Invariants: no event makes the cache fail with a database error (the stream would replay it
 * forever); the search index stays consistent; no foreign key breaks. */
#define G_LOG_DOMAIN "zveno-fuzz"

#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "zv-error.h"
#include "zv-events-private.h"
#include "zv-json.h"
#include "zv-sync.h"

#define ME 1

static ZvDb *db;

static void
check_cache (void)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;

  if (!zv_db_exec (db, "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')", &error))
    zv_fuzz_fail ("the search index no longer matches the messages: %s", error->message);
  stmt = zv_db_prepare (db, "PRAGMA foreign_key_check", &error);
  if (stmt == NULL)
    zv_fuzz_fail ("foreign_key_check: %s", error->message);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    zv_fuzz_fail ("a row of %s refers to a missing row", sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
}

static void
check_write_error (const GError *error,
                   const char   *what)
{
  if (error == NULL)
    zv_fuzz_fail ("%s failed without an error", what);
  if (error->domain != ZV_API_ERROR)
    zv_fuzz_fail ("%s: an event reached the database and failed there: %s", what, error->message);
}

/* The decoding half of on_message() in zv-events.c. Returns FALSE for a frame it drops. */
static gboolean
decode_frame (JsonObject  *object,
              gint64      *seq,
              const char **type,
              JsonObject **data)
{
  g_autoptr(GError) error = NULL;

  if (!zv_json_get_int (object, "seq", seq, &error) ||
      (*type = zv_json_get_string (object, "type", &error)) == NULL ||
      (*data = zv_json_get_object (object, "data", &error)) == NULL)
    {
      if (error == NULL)
        zv_fuzz_fail ("a frame was refused without an error");
      return FALSE;
    }
  return TRUE;
}

static void
write_batch (GPtrArray *events)
{
  ZvEventsBatch batch = { 0 };

  batch.events = events;
  batch.me = ME;
  while (events->len > 0)
    {
      g_autoptr(ZvStoreChanges) changes = zv_store_changes_new ();
      g_autoptr(GError) error = NULL;

      if (!zv_events_write_batch (db, &batch, changes, &error))
        check_write_error (error, "zv_events_write_batch");
      if (batch.applied > events->len)
        zv_fuzz_fail ("applied %u of %u events", batch.applied, events->len);
      if (!batch.gap && batch.applied != events->len)
        zv_fuzz_fail ("the batch stopped without a gap");
      if (error != NULL)
        break;
      g_ptr_array_remove_range (events, 0, batch.applied);
      if (!batch.gap)
        break;
      if (events->len == 0)
        zv_fuzz_fail ("a gap with no event left");
      /* As batch_written_cb does: after the sync the same event is retried once, then passed over. */
      {
        ZvEvent *head = g_ptr_array_index (events, 0);

        if (head->after_gap_sync)
          zv_fuzz_fail ("an event after its gap sync stopped the batch again");
        head->after_gap_sync = TRUE;
      }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) zv_event_free);
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_auto(GStrv) lines = NULL;

  zv_fuzz_init ();
  if (db == NULL)
    db = zv_fuzz_open_cache ();

  if (!zv_db_begin (db, &error))
    zv_fuzz_fail ("BEGIN: %s", error->message);

  lines = g_strsplit (text, "\n", 64);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) root = zv_json_parse (lines[i], strlen (lines[i]), NULL);
      JsonObject *object, *event_data = NULL;
      const char *type = NULL;
      gint64 seq = 0;

      if (root == NULL)
        continue;
      object = json_node_get_object (root);
      if (json_object_has_member (object, "next") && json_object_has_member (object, "chats"))
        {
          g_autoptr(ZvStoreChanges) changes = zv_store_changes_new ();
          ZvSyncStats stats = { 0 };
          g_autoptr(GError) page_error = NULL;

          /* Only a page that applies sets the scene; a broken one is fuzz-sync-page's business. */
          if (!zv_db_exec (db, "SAVEPOINT page", &page_error))
            zv_fuzz_fail ("SAVEPOINT: %s", page_error->message);
          if (zv_sync_apply_page (db, ME, object, changes, &stats, &page_error))
            zv_db_exec (db, "RELEASE page", NULL);
          else
            zv_db_exec (db, "ROLLBACK TO page; RELEASE page", NULL);
          continue;
        }
      if (!decode_frame (object, &seq, &type, &event_data))
        continue;
      if (seq == 0 && g_str_equal (type, "presence"))
        {
          g_autoptr(ZvStoreChanges) changes = zv_store_changes_new ();
          g_autoptr(GError) presence_error = NULL;

          /* on_live_event checks these two before it queues the write. */
          if (!zv_json_get_int (event_data, "user_id", &seq, NULL) ||
              zv_json_get_string (event_data, "presence", NULL) == NULL)
            continue;
          if (!zv_events_write_presence (db, event_data, changes, &presence_error))
            check_write_error (presence_error, "zv_events_write_presence");
          continue;
        }
      if (seq == 0 && !g_str_equal (type, "ready") && !g_str_equal (type, "resync_required"))
        continue;   /* typing and other live-only events never reach the cache */
      g_ptr_array_add (events, zv_event_new (seq, type, event_data));
    }
  write_batch (events);
  check_cache ();
  zv_db_rollback (db);
  return 0;
}
