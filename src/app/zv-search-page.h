/* zv-search-page.h: one search field over every cached message; hits with highlighted snippets,
 * grouped by chat, more pages as the list is scrolled. */
#pragma once

#include <adwaita.h>

#include "zv-account.h"

G_BEGIN_DECLS

#define ZV_TYPE_SEARCH_PAGE (zv_search_page_get_type ())

G_DECLARE_FINAL_TYPE (ZvSearchPage, zv_search_page, ZV, SEARCH_PAGE, AdwBin)

/* Signals:
 *   open-message (gint64 chat_id, gint64 message_id): a hit was chosen. */
ZvSearchPage *zv_search_page_new          (ZvAccount     *account);
void          zv_search_page_set_query    (ZvSearchPage  *self,
                                           const char    *query);
void          zv_search_page_set_chat_id  (ZvSearchPage  *self,
                                           gint64         chat_id);
void          zv_search_page_focus_entry  (ZvSearchPage  *self);
GListModel   *zv_search_page_get_model    (ZvSearchPage  *self);

G_END_DECLS
