/* zv-search-results.h: search as a GListModel of ZvSearchResult, a page at a time: the local cache,
 * then (with an account) the server for older history the cache does not hold. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "zv-account.h"

#include "zv-search-result.h"
#include "zv-store.h"

G_BEGIN_DECLS

#define ZV_TYPE_SEARCH_RESULTS (zv_search_results_get_type ())

G_DECLARE_FINAL_TYPE (ZvSearchResults, zv_search_results, ZV, SEARCH_RESULTS, GObject)

ZvSearchResults *zv_search_results_new            (ZvStore          *store,
                                                   gint64            self_id);
const char      *zv_search_results_get_query      (ZvSearchResults  *self);
void             zv_search_results_set_query      (ZvSearchResults  *self,
                                                   const char       *query);
gboolean         zv_search_results_get_typing     (ZvSearchResults  *self);
void             zv_search_results_set_typing     (ZvSearchResults  *self,
                                                   gboolean          typing);
gint64           zv_search_results_get_chat_id    (ZvSearchResults  *self);
void             zv_search_results_set_chat_id    (ZvSearchResults  *self,
                                                   gint64            chat_id);
void             zv_search_results_set_page_size  (ZvSearchResults  *self,
                                                   guint             page_size);
gboolean         zv_search_results_get_has_more   (ZvSearchResults  *self);
gboolean         zv_search_results_get_ranked     (ZvSearchResults  *self);
gboolean         zv_search_results_refresh        (ZvSearchResults  *self,
                                                   GError          **error);
gboolean         zv_search_results_load_more      (ZvSearchResults  *self,
                                                   GError          **error);
ZvAccount       *zv_search_results_get_account    (ZvSearchResults  *self);
void             zv_search_results_set_account    (ZvSearchResults  *self,
                                                   ZvAccount        *account);
gboolean         zv_search_results_get_searching_server (ZvSearchResults *self);
gboolean         zv_search_results_get_server_failed    (ZvSearchResults *self);
const char      *zv_search_results_get_server_error     (ZvSearchResults *self);

char            *zv_search_snippet_from_highlights (const char       *text,
                                                    JsonArray        *highlights,
                                                    GError          **error);

G_END_DECLS
