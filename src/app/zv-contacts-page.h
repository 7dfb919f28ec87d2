/* zv-contacts-page.h: the company directory (search, departments, titles, presence, external
 * marker) and one person's page with their phones and e-mail, "Write" and "Call". */
#pragma once

#include <adwaita.h>

#include "zv-account.h"

G_BEGIN_DECLS

#define ZV_TYPE_CONTACTS_PAGE (zv_contacts_page_get_type ())

G_DECLARE_FINAL_TYPE (ZvContactsPage, zv_contacts_page, ZV, CONTACTS_PAGE, AdwBin)

/* Signals:
 *   open-chat (gint64 chat_id, gint64 user_id): "Write" was pressed and the direct chat with
 *     @user_id is in the account's store (created through POST /chats when it was not).
 *   call (const char *number, gint64 user_id): a call button was pressed. */
ZvContactsPage *zv_contacts_page_new         (ZvAccount       *account);
ZvAccount      *zv_contacts_page_get_account (ZvContactsPage  *self);
void            zv_contacts_page_set_filter  (ZvContactsPage  *self,
                                              const char      *filter);
gboolean        zv_contacts_page_show_contact (ZvContactsPage *self,
                                               gint64          user_id);
void            zv_contacts_page_show_list   (ZvContactsPage  *self);
GListModel     *zv_contacts_page_get_model   (ZvContactsPage  *self);

G_END_DECLS
