/* zv-contact-list.h: the company directory as a GListModel of ZvContact, ordered by sort name,
 * narrowed by a filter string. */
#pragma once

#include <gio/gio.h>

#include "zv-contact.h"
#include "zv-store.h"

G_BEGIN_DECLS

#define ZV_TYPE_CONTACT_LIST (zv_contact_list_get_type ())

G_DECLARE_FINAL_TYPE (ZvContactList, zv_contact_list, ZV, CONTACT_LIST, GObject)

ZvContactList  *zv_contact_list_new          (ZvStore        *store);
const char     *zv_contact_list_get_filter   (ZvContactList  *self);
void            zv_contact_list_set_filter   (ZvContactList  *self,
                                              const char     *filter);
gboolean        zv_contact_list_refresh      (ZvContactList  *self,
                                              GError        **error);

G_END_DECLS
