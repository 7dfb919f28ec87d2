/* zv-search-result.h: one hit of ZvSearchResults: which message, where, who, when, and the
 * snippet with the matches marked. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define ZV_TYPE_SEARCH_RESULT (zv_search_result_get_type ())

G_DECLARE_FINAL_TYPE (ZvSearchResult, zv_search_result, ZV, SEARCH_RESULT, GObject)

ZvSearchResult *zv_search_result_new                (gint64           message_id,
                                                     gint64           chat_id,
                                                     const char      *chat_title,
                                                     gint64           sender_id,
                                                     const char      *sender_name,
                                                     gint64           created_at,
                                                     const char      *snippet);
gint64          zv_search_result_get_message_id     (ZvSearchResult  *self);
gint64          zv_search_result_get_chat_id        (ZvSearchResult  *self);
const char     *zv_search_result_get_chat_title     (ZvSearchResult  *self);
gint64          zv_search_result_get_sender_id      (ZvSearchResult  *self);
const char     *zv_search_result_get_sender_name    (ZvSearchResult  *self);
gint64          zv_search_result_get_created_at     (ZvSearchResult  *self);
const char     *zv_search_result_get_snippet        (ZvSearchResult  *self);
const char     *zv_search_result_get_snippet_markup (ZvSearchResult  *self);
gboolean        zv_search_result_get_from_server    (ZvSearchResult  *self);
void            zv_search_result_set_from_server    (ZvSearchResult  *self,
                                                     gboolean         from_server);

gboolean        zv_search_result_update_from        (ZvSearchResult  *self,
                                                     ZvSearchResult  *other);

char           *zv_search_snippet_to_markup         (const char      *snippet);

G_END_DECLS
