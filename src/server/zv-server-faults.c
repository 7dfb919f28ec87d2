/* zv-server-faults.c: fault injection for client tests. `--fault SPEC` or ZVENO_SERVER_FAULTS=SPEC
 * makes chosen routes misbehave the way real networks and proxies do, so the client's error paths
 * can be tested against the real server. SPEC is rules separated by ';':
 *
 *   [METHOD ]PATH_PREFIX=KIND[:ARG][*COUNT]
 *
 * KIND: malformed (body replaced by text that is not JSON), truncated (body cut in half),
 * oversized (body padded with whitespace to ARG bytes, default 32 MiB), slow (answer delayed ARG ms,
 * default 3000), status (answer replaced by HTTP ARG, default 503, with a JSON error body and
 * Retry-After: 1), drop (connection closed without an answer), stall (for the events WebSocket: the
 * handshake completes, then the server sends nothing at all, not even a pong, for ARG ms, default
 * 600000, without closing; a proxy or a network path gone quiet). COUNT limits how many requests the
 * rule hits (default: all). Documented in docs/api.md, "Testing". */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include <string.h>

#include "zv-server-private.h"

typedef enum {
  FAULT_MALFORMED,
  FAULT_TRUNCATED,
  FAULT_OVERSIZED,
  FAULT_SLOW,
  FAULT_STATUS,
  FAULT_DROP,
  FAULT_STALL,
} FaultKind;

struct _ZvFaultRule
{
  char      *method;   /* NULL: any */
  char      *prefix;
  FaultKind  kind;
  gint64     arg;
  gint64     remaining; /* -1: unlimited */
};

static void
fault_rule_free (ZvFaultRule *rule)
{
  g_free (rule->method);
  g_free (rule->prefix);
  g_free (rule);
}

static const struct {
  const char *name;
  FaultKind   kind;
  gint64      fallback;
} kinds[] = {
  { "malformed", FAULT_MALFORMED, 0 },
  { "truncated", FAULT_TRUNCATED, 0 },
  { "oversized", FAULT_OVERSIZED, 32 * 1024 * 1024 },
  { "slow", FAULT_SLOW, 3000 },
  { "status", FAULT_STATUS, 503 },
  { "drop", FAULT_DROP, 0 },
  { "stall", FAULT_STALL, 600000 },
};

GPtrArray *
zv_faults_parse (const char  *spec,
                 GError     **error)
{
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) fault_rule_free);
  g_auto(GStrv) parts = NULL;

  if (spec == NULL || *spec == '\0')
    return g_steal_pointer (&rules);

  parts = g_strsplit (spec, ";", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *text = g_strstrip (g_strdup (parts[i]));
      ZvFaultRule *rule;
      char *eq, *kind, *arg, *count, *space;
      gboolean known = FALSE;

      if (*text == '\0')
        continue;
      eq = strchr (text, '=');
      if (eq == NULL)
        goto bad;
      *eq = '\0';
      kind = eq + 1;
      count = strchr (kind, '*');
      if (count != NULL)
        *count++ = '\0';
      arg = strchr (kind, ':');
      if (arg != NULL)
        *arg++ = '\0';

      rule = g_new0 (ZvFaultRule, 1);
      g_ptr_array_add (rules, rule);
      space = strchr (text, ' ');
      if (space != NULL)
        {
          *space = '\0';
          rule->method = g_ascii_strup (text, -1);
          rule->prefix = g_strdup (g_strstrip (space + 1));
        }
      else
        rule->prefix = g_strdup (text);
      for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
        if (g_str_equal (kinds[k].name, kind))
          {
            rule->kind = kinds[k].kind;
            rule->arg = kinds[k].fallback;
            known = TRUE;
          }
      if (!known || rule->prefix[0] != '/')
        goto bad;
      if (arg != NULL && !g_ascii_string_to_signed (arg, 10, 0, G_MAXINT32, &rule->arg, NULL))
        goto bad;
      rule->remaining = -1;
      if (count != NULL && !g_ascii_string_to_signed (count, 10, 1, G_MAXINT32, &rule->remaining, NULL))
        goto bad;
      continue;

    bad:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Bad fault rule \"%s\": want [METHOD ]/path/prefix=KIND[:ARG][*COUNT] with KIND one of "
                   "malformed, truncated, oversized, slow, status, drop, stall", parts[i]);
      return NULL;
    }
  return g_steal_pointer (&rules);
}

static gboolean
resume_slow (gpointer user_data)
{
  SoupServerMessage *msg = user_data;

  soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

/* The first rule for @path that has hits left: stall rules (@stall) or the others. */
static ZvFaultRule *
find_rule (ZvServer          *self,
           SoupServerMessage *msg,
           const char        *path,
           gboolean           stall)
{
  const char *method = soup_server_message_get_method (msg);

  if (self->faults == NULL)
    return NULL;
  for (guint i = 0; i < self->faults->len; i++)
    {
      ZvFaultRule *candidate = self->faults->pdata[i];

      if (candidate->remaining != 0 && (candidate->kind == FAULT_STALL) == stall &&
          g_str_has_prefix (path, candidate->prefix) &&
          (candidate->method == NULL || g_str_equal (candidate->method, method)))
        return candidate;
    }
  return NULL;
}

static gboolean
release_stalled (gpointer user_data)
{
  g_io_stream_close (G_IO_STREAM (user_data), NULL, NULL);
  return G_SOURCE_REMOVE;
}

gboolean
zv_faults_stall_websocket (ZvServer          *self,
                           SoupServerMessage *msg,
                           const char        *path)
{
  static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";   /* RFC 6455, 1.3 */
  ZvFaultRule *rule = find_rule (self, msg, path, TRUE);
  const char *key = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                  "Sec-WebSocket-Key");
  g_autoptr(GChecksum) sha1 = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autofree char *accept = NULL;
  g_autofree char *response = NULL;
  guint8 digest[20];
  gsize digest_len = sizeof digest;

  if (rule == NULL || key == NULL)
    return FALSE;
  if (rule->remaining > 0)
    rule->remaining--;
  /* The handshake is answered by hand: a SoupWebsocketConnection would answer the client's pings,
   * and a stalled path answers nothing. */
  sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_checksum_update (sha1, (const guchar *) key, -1);
  g_checksum_update (sha1, (const guchar *) guid, -1);
  g_checksum_get_digest (sha1, digest, &digest_len);
  accept = g_base64_encode (digest, digest_len);
  response = g_strdup_printf ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return TRUE;
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (stream), response, strlen (response),
                                  NULL, NULL, NULL))
    return TRUE;
  /* Nothing reads from or writes to the stream until it is closed, ARG ms later. */
  g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) rule->arg, release_stalled,
                      g_steal_pointer (&stream), g_object_unref);
  return TRUE;
}

gboolean
zv_faults_apply (ZvServer          *self,
                 SoupServerMessage *msg,
                 const char        *path)
{
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  ZvFaultRule *rule;

  /* Paused (answered later) and upgraded requests are left alone. */
  if (self->faults == NULL || self->faults->len == 0 || soup_server_message_get_status (msg) == 0)
    return FALSE;
  rule = find_rule (self, msg, path, FALSE);
  if (rule == NULL)
    return FALSE;
  if (rule->remaining > 0)
    rule->remaining--;

  switch (rule->kind)
    {
    case FAULT_MALFORMED:
      soup_message_body_truncate (body);
      soup_message_body_append (body, SOUP_MEMORY_STATIC, "<html>this is not JSON {", 24);
      break;

    case FAULT_TRUNCATED:
      {
        g_autoptr(GBytes) full = soup_message_body_flatten (body);
        gsize half = g_bytes_get_size (full) / 2;

        soup_message_body_truncate (body);
        soup_message_body_append (body, SOUP_MEMORY_COPY, g_bytes_get_data (full, NULL), half);
      }
      break;

    case FAULT_OVERSIZED:
      {
        gsize have = (gsize) body->length;
        gsize want = (gsize) rule->arg;

        if (want > have)
          {
            char *padding = g_malloc (want - have);

            memset (padding, ' ', want - have);
            soup_message_body_append (body, SOUP_MEMORY_TAKE, padding, want - have);
          }
      }
      break;

    case FAULT_SLOW:
      soup_server_message_pause (msg);
      g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) rule->arg, resume_slow,
                          g_object_ref (msg), g_object_unref);
      break;

    case FAULT_STATUS:
      {
        ZvRequest req = { .ref_count = 1, .server = self, .msg = msg };

        soup_message_body_truncate (body);
        soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "1");
        zv_reply_error_status (&req, (guint) rule->arg,
                               rule->arg == 503 ? ZV_API_ERROR_UNAVAILABLE : ZV_API_ERROR_INTERNAL,
                               "Injected fault");
      }
      break;

    case FAULT_DROP:
      {
        g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);

        if (stream != NULL)
          g_io_stream_close (stream, NULL, NULL);
      }
      break;

    case FAULT_STALL:   /* find_rule() left it to zv_faults_stall_websocket() */
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}
