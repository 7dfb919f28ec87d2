/* zv-contacts-page.h: the company directory in the sidebar (search, departments, titles, presence,
 * external marker); the chosen person's card is a ZvContactCard (zv-contact-card.h). */
#pragma once

#include <adwaita.h>

#include "zv-account.h"

G_BEGIN_DECLS

#define ZV_TYPE_CONTACTS_PAGE (zv_contacts_page_get_type ())

G_DECLARE_FINAL_TYPE (ZvContactsPage, zv_contacts_page, ZV, CONTACTS_PAGE, AdwBin)

/* Signals:
 *   contact-activated (gint64 user_id): a person was chosen in the list (a click, Enter). */
ZvContactsPage *zv_contacts_page_new         (ZvAccount       *account);
ZvAccount      *zv_contacts_page_get_account (ZvContactsPage  *self);
void            zv_contacts_page_set_filter  (ZvContactsPage  *self,
                                              const char      *filter);
void            zv_contacts_page_set_selected_id (ZvContactsPage *self,
                                                  gint64          user_id);
void            zv_contacts_page_focus_list  (ZvContactsPage  *self);
GListModel     *zv_contacts_page_get_model   (ZvContactsPage  *self);

G_END_DECLS
