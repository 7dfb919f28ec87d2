/* bench-server-search.c: latency of GET /api/v1/search on a running zveno-server, as one client
 * sees it over HTTP (request, search, JSON, body read), for the query shapes people type: a very
 * common word, a rare one, a prefix while typing, and common words narrowed by chat or by dates.
 *
 *   bench-server-search --url http://127.0.0.1:PORT [--login anna --password demo] [--iterations N]
 */
#define G_LOG_DOMAIN "zveno-bench"

#include "config.h"

#include <math.h>
#include <stdio.h>

#include "bench-http.h"
#include "bench-out.h"

static const char *const common_words[] = {
  "договор", "the", "пожалуйста", "счет", "contract", "please", "клиент", "invoice",
};
static const char *const rare_words[] = {
  "Ладога", "Меридиан", "Полярис", "Kestrel", "Quartz", "Juniper", "рекламацию", "маршрутный",
};
static const char *const prefixes[] = {
  "дог", "кли", "con", "inv", "отч", "пос", "сче", "del",
};

typedef enum {
  CLASS_COMMON,
  CLASS_RARE,
  CLASS_PREFIX,
  CLASS_CHAT,
  CLASS_DATE,
  N_CLASSES
} QueryClass;

static const char *const class_names[] = {
  "common word", "rare word", "prefix (typing)", "common + chat filter", "common + 14-day window",
};

typedef struct {
  BenchHttp *http;
  GRand     *rand;
  GArray    *chat_ids;     /* gint64: the user's group chats */
  gint64     oldest_ms;
  gint64     newest_ms;
} Bench;

static char *
iso_time (gint64 ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (ms / 1000);
  return g_date_time_format_iso8601 (dt);
}

static char *
make_query (Bench *b, QueryClass cls)
{
  g_autofree char *q = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *extra = NULL;
  const char *word = common_words[g_rand_int_range (b->rand, 0, G_N_ELEMENTS (common_words))];

  switch (cls)
    {
    case CLASS_COMMON:
      q = g_strdup (word);
      break;
    case CLASS_RARE:
      /* A stock number, a ticket or a project's code name: a handful to a few hundred hits among
       * a million messages. */
      switch (g_rand_int_range (b->rand, 0, 3))
        {
        case 0:
          q = g_strdup_printf ("SKU-%05d", g_rand_int_range (b->rand, 0, 5000));
          break;
        case 1:
          q = g_strdup_printf ("OPS-%d", g_rand_int_range (b->rand, 1000, 10000));
          break;
        default:
          q = g_strdup (rare_words[g_rand_int_range (b->rand, 0, G_N_ELEMENTS (rare_words))]);
          break;
        }
      break;
    case CLASS_PREFIX:
      q = g_strdup (prefixes[g_rand_int_range (b->rand, 0, G_N_ELEMENTS (prefixes))]);
      extra = g_strdup ("&prefix=1");
      break;
    case CLASS_CHAT:
      q = g_strdup (word);
      extra = g_strdup_printf ("&chat=%" G_GINT64_FORMAT,
                               g_array_index (b->chat_ids, gint64, g_rand_int_range (b->rand, 0, (gint32) b->chat_ids->len)));
      break;
    case CLASS_DATE:
    default:
      {
        gint64 span = MAX (b->newest_ms - b->oldest_ms - 14 * 86400000LL, 1);
        gint64 from = b->oldest_ms + (gint64) (g_rand_double (b->rand) * (double) span);
        g_autofree char *after = iso_time (from);
        g_autofree char *before = iso_time (from + 14 * 86400000LL);
        g_autofree char *after_e = g_uri_escape_string (after, NULL, FALSE);
        g_autofree char *before_e = g_uri_escape_string (before, NULL, FALSE);

        q = g_strdup (word);
        extra = g_strdup_printf ("&after=%s&before=%s", after_e, before_e);
      }
      break;
    }
  escaped = g_uri_escape_string (q, NULL, FALSE);
  return g_strdup_printf ("/api/v1/search?q=%s&limit=20%s", escaped, extra ? extra : "");
}

/* The user's group chats and the time span of their history, from one initial sync page. */
static gboolean
discover (Bench *b, GError **error)
{
  g_autoptr(JsonNode) reply = bench_http_get (b->http, "/api/v1/sync?limit=5000&history=1", NULL, error);
  JsonArray *chats, *messages;

  if (reply == NULL)
    return FALSE;
  chats = json_object_get_array_member (json_node_get_object (reply), "chats");
  messages = json_object_get_array_member (json_node_get_object (reply), "messages");
  b->chat_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; chats && i < json_array_get_length (chats); i++)
    {
      JsonObject *chat = json_array_get_object_element (chats, i);
      gint64 id = json_object_get_int_member (chat, "id");

      if (g_strcmp0 (json_object_get_string_member_with_default (chat, "type", ""), "group") == 0)
        g_array_append_val (b->chat_ids, id);
    }
  b->newest_ms = 0;
  for (guint i = 0; messages && i < json_array_get_length (messages); i++)
    {
      const char *created = json_object_get_string_member_with_default (json_array_get_object_element (messages, i),
                                                                         "created_at", NULL);
      g_autoptr(GDateTime) dt = created ? g_date_time_new_from_iso8601 (created, NULL) : NULL;
      if (dt != NULL)
        b->newest_ms = MAX (b->newest_ms, g_date_time_to_unix (dt) * 1000);
    }
  if (b->chat_ids->len == 0 || b->newest_ms == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The user has no group chats with messages");
      return FALSE;
    }
  /* Seeded histories span months; the window is drawn from the last 150 days. */
  b->oldest_ms = b->newest_ms - 150 * 86400000LL;
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *url = NULL;
  g_autofree char *login = g_strdup ("anna");
  g_autofree char *password = g_strdup ("demo");
  gint iterations = 200;
  GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "Server base URL", "URL" },
    { "login", 0, 0, G_OPTION_ARG_STRING, &login, "Account (anna)", "LOGIN" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, "Password (demo)", "PW" },
    { "iterations", 'n', 0, G_OPTION_ARG_INT, &iterations, "Requests per query shape (200)", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- server search latency");
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchHttp) http = NULL;
  Bench b = { 0 };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || url == NULL || iterations < 1)
    {
      g_printerr ("bench-server-search: %s\n", error ? error->message : "need --url and --iterations >= 1");
      return 2;
    }
  http = bench_http_new (url);
  if (!bench_http_login (http, login, password, &error))
    {
      g_printerr ("bench-server-search: login: %s\n", error->message);
      return 1;
    }
  b.http = http;
  b.rand = g_rand_new_with_seed (42);
  if (!discover (&b, &error))
    {
      g_printerr ("bench-server-search: %s\n", error->message);
      return 1;
    }

  printf ("%-24s %6s %8s %8s %8s %8s %8s\n", "query", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "hits");
  for (int cls = 0; cls < N_CLASSES; cls++)
    {
      g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
      double hits = 0;

      for (int i = -5; i < iterations; i++)
        {
          g_autofree char *path = make_query (&b, cls);
          g_autoptr(JsonNode) reply = NULL;
          double ms = 0;

          reply = bench_http_get (http, path, &ms, &error);
          if (reply == NULL)
            {
              g_printerr ("bench-server-search: %s: %s\n", path, error->message);
              return 1;
            }
          if (i < 0)
            continue; /* warm-up */
          g_array_append_val (times, ms);
          hits += json_array_get_length (json_object_get_array_member (json_node_get_object (reply), "results"));
        }
      {
        double p50 = bench_percentile (times, 50), p95 = bench_percentile (times, 95);
        double p99 = bench_percentile (times, 99), max = bench_percentile (times, 100);

        g_autofree char *f95 = g_strdup_printf ("server search %s, p95", class_names[cls]);

        printf ("%-24s %6u %8.1f %8.1f %8.1f %8.1f %8.1f\n", class_names[cls], times->len, p50, p95, p99, max,
                hits / (double) times->len);
        bench_out ("search", f95, p95, "ms", "tests/bench/run.sh BUILD search");
      }
    }
  g_array_unref (b.chat_ids);
  g_rand_free (b.rand);
  return 0;
}
