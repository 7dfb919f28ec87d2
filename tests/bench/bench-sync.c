/* bench-sync.c: how fast one client receives history from a running zveno-server: the initial
 * /api/v1/sync (chats with their newest messages) paged to the end, then the older history of every
 * chat that came back "limited" through /chats/{id}/messages?before=, then a full delta sync of
 * everything since the beginning (the opaque token "d.0", the server's own format, as a client that
 * was offline for the whole history would be sent).
 *
 *   bench-sync --url http://127.0.0.1:PORT [--login anna --password demo] [--history N]
 */
#define G_LOG_DOMAIN "zveno-bench"

#include "config.h"

#include <stdio.h>

#include "bench-http.h"
#include "bench-out.h"

typedef struct {
  gint64 messages;
  gint64 chats;
  gint64 requests;
  guint64 bytes;
  double ms;
} Tally;

static void
report (const char *what, const Tally *t)
{
  g_autofree char *figure = g_strdup_printf ("server sync %s", what);

  bench_out ("sync", figure, t->ms > 0 ? (double) t->messages * 1000.0 / t->ms : 0.0, "msgs/s",
             "tests/bench/run.sh BUILD sync");
  printf ("%-34s %9" G_GINT64_FORMAT " msgs %6" G_GINT64_FORMAT " reqs %8.1f MB %8.2f s %9.0f msgs/s\n",
          what, t->messages, t->requests, (double) t->bytes / 1e6, t->ms / 1000.0,
          t->ms > 0 ? (double) t->messages * 1000.0 / t->ms : 0.0);
}

/* Pages /sync from @since (NULL: initial) to the end; collects each chat's oldest message id and
 * whether it is limited when @oldest is given. */
static gboolean
sync_all (BenchHttp *http, const char *since, gint history, GHashTable *oldest, GHashTable *limited,
          Tally *t, GError **error)
{
  g_autofree char *token = g_strdup (since);
  guint64 bytes0 = http->bytes;
  double start = bench_now_ms ();

  for (;;)
    {
      g_autofree char *escaped = token ? g_uri_escape_string (token, NULL, FALSE) : NULL;
      g_autofree char *path = g_strdup_printf ("/api/v1/sync?limit=5000&history=%d%s%s", history,
                                               escaped ? "&since=" : "", escaped ? escaped : "");
      g_autoptr(JsonNode) reply = bench_http_get (http, path, NULL, error);
      JsonObject *o;
      JsonArray *chats, *messages;

      if (reply == NULL)
        return FALSE;
      t->requests++;
      o = json_node_get_object (reply);
      chats = json_object_get_array_member (o, "chats");
      messages = json_object_get_array_member (o, "messages");
      t->chats += chats ? json_array_get_length (chats) : 0;
      t->messages += messages ? json_array_get_length (messages) : 0;
      for (guint i = 0; limited && chats && i < json_array_get_length (chats); i++)
        {
          JsonObject *chat = json_array_get_object_element (chats, i);
          if (json_object_get_boolean_member_with_default (chat, "limited", FALSE))
            g_hash_table_add (limited, g_memdup2 (&(gint64) { json_object_get_int_member (chat, "id") }, sizeof (gint64)));
        }
      for (guint i = 0; oldest && messages && i < json_array_get_length (messages); i++)
        {
          JsonObject *m = json_array_get_object_element (messages, i);
          gint64 chat = json_object_get_int_member (m, "chat_id");
          gint64 id = json_object_get_int_member (m, "id");
          gint64 *known = g_hash_table_lookup (oldest, &chat);

          if (known == NULL)
            g_hash_table_insert (oldest, g_memdup2 (&chat, sizeof chat), g_memdup2 (&id, sizeof id));
          else if (id < *known)
            *known = id;
        }
      g_free (token);
      token = g_strdup (json_object_get_string_member_with_default (o, "next", NULL));
      if (!json_object_get_boolean_member_with_default (o, "more", FALSE) || token == NULL)
        break;
    }
  t->ms += bench_now_ms () - start;
  t->bytes += http->bytes - bytes0;
  return TRUE;
}

static gboolean
backfill (BenchHttp *http, GHashTable *oldest, GHashTable *limited, Tally *t, GError **error)
{
  GHashTableIter iter;
  gpointer key;
  guint64 bytes0 = http->bytes;
  double start = bench_now_ms ();
  g_autoptr(GArray) chats = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_hash_table_iter_init (&iter, limited);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_array_append_val (chats, *(gint64 *) key);

  for (guint c = 0; c < chats->len; c++)
    {
      gint64 chat = g_array_index (chats, gint64, c);
      gint64 *before = g_hash_table_lookup (oldest, &chat);
      gint64 cursor = before ? *before : G_MAXINT64;

      t->chats++;
      for (;;)
        {
          g_autofree char *path = g_strdup_printf ("/api/v1/chats/%" G_GINT64_FORMAT "/messages?before=%" G_GINT64_FORMAT
                                                   "&limit=500", chat, cursor);
          g_autoptr(JsonNode) reply = bench_http_get (http, path, NULL, error);
          JsonArray *messages;
          guint n;

          if (reply == NULL)
            return FALSE;
          t->requests++;
          messages = json_object_get_array_member (json_node_get_object (reply), "messages");
          n = messages ? json_array_get_length (messages) : 0;
          t->messages += n;
          for (guint i = 0; i < n; i++)
            cursor = MIN (cursor, json_object_get_int_member (json_array_get_object_element (messages, i), "id"));
          if (n == 0 || !json_object_get_boolean_member_with_default (json_node_get_object (reply), "more", FALSE))
            break;
        }
    }
  t->ms += bench_now_ms () - start;
  t->bytes += http->bytes - bytes0;
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *url = NULL;
  g_autofree char *login = g_strdup ("anna");
  g_autofree char *password = g_strdup ("demo");
  gint history = 50;
  gboolean no_delta = FALSE;
  GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "Server base URL", "URL" },
    { "login", 0, 0, G_OPTION_ARG_STRING, &login, "Account (anna)", "LOGIN" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, "Password (demo)", "PW" },
    { "history", 0, 0, G_OPTION_ARG_INT, &history, "Newest messages per chat in the initial sync (50)", "N" },
    { "no-delta", 0, 0, G_OPTION_ARG_NONE, &no_delta, "Skip the full delta sync", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- sync throughput to one client");
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchHttp) http = NULL;
  g_autoptr(GHashTable) oldest = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(GHashTable) limited = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  Tally initial = { 0 }, older = { 0 }, delta = { 0 }, total;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || url == NULL)
    {
      g_printerr ("bench-sync: %s\n", error ? error->message : "need --url");
      return 2;
    }
  http = bench_http_new (url);
  if (!bench_http_login (http, login, password, &error))
    {
      g_printerr ("bench-sync: login: %s\n", error->message);
      return 1;
    }

  if (!sync_all (http, NULL, history, oldest, limited, &initial, &error))
    goto fail;
  report ("initial sync (/sync pages)", &initial);
  if (!backfill (http, oldest, limited, &older, &error))
    goto fail;
  report ("older history (/chats/*/messages)", &older);
  total = initial;
  total.messages += older.messages;
  total.requests += older.requests;
  total.bytes += older.bytes;
  total.ms += older.ms;
  report ("whole history, initial + older", &total);
  if (!no_delta)
    {
      if (!sync_all (http, "d.0", history, NULL, NULL, &delta, &error))
        goto fail;
      report ("delta sync since the beginning", &delta);
    }
  return 0;

fail:
  g_printerr ("bench-sync: %s\n", error->message);
  return 1;
}
