/* bench-http.h: the little HTTP client the server benchmarks share: sign in, GET JSON, time it. */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct {
  SoupSession *session;
  char        *base;        /* "http://127.0.0.1:PORT" */
  char        *token;
  guint64      bytes;       /* response bodies received */
} BenchHttp;

BenchHttp *bench_http_new        (const char  *base);
void       bench_http_free       (BenchHttp   *http);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchHttp, bench_http_free)

/* POST /api/v1/auth/login; keeps the access token for later requests. */
gboolean   bench_http_login      (BenchHttp   *http,
                                  const char  *login,
                                  const char  *password,
                                  GError     **error);

/* GET @path_and_query (already escaped) with the token; the parsed JSON object of a 200 answer.
 * *ms gets the wall time of the request, body read included. */
JsonNode  *bench_http_get        (BenchHttp   *http,
                                  const char  *path_and_query,
                                  double      *ms,
                                  GError     **error);

double     bench_now_ms          (void);
/* Sorts @values and returns the @p-th percentile (0..100), nearest rank. */
double     bench_percentile      (GArray      *values,
                                  double       p);

G_END_DECLS
