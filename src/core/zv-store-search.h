/* zv-store-search.h: searching the local cache the way the UI asks, fast at a million messages. */
#pragma once

#include <glib.h>

#include "zv-db.h"

G_BEGIN_DECLS

/* Snippets mark each match between these two control characters; the UI turns them into bold
 * after escaping the text, the CLI into brackets. */
#define ZV_SEARCH_MARK_START "\x02"
#define ZV_SEARCH_MARK_END   "\x03"

typedef struct {
  const char *text;        /* what the person typed */
  gboolean    typing;      /* the last word is still being typed: match it as a prefix */
  gint64      chat_id;     /* 0: every chat */
  gint64      sender_id;   /* 0: anyone */
  gint64      after;       /* ms since the epoch, inclusive; 0: no bound */
  gint64      before;      /* ms since the epoch, exclusive; 0: no bound */
  gint64      cursor;      /* from a previous page's next cursor; 0: the newest */
  guint       limit;       /* 0: 50 */
} ZvSearchQuery;

typedef struct {
  gint64  message_id;
  gint64  chat_id;
  gint64  sender_id;
  gint64  created_at;
  char   *snippet;
} ZvSearchHit;

void        zv_search_hit_free   (ZvSearchHit          *hit);
GPtrArray  *zv_store_search      (ZvDb                 *db,
                                  const ZvSearchQuery  *query,
                                  gint64               *next_cursor,
                                  gboolean             *ranked,
                                  GError              **error);

G_END_DECLS
