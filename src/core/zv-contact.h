/* zv-contact.h: one person of the company directory as the UI binds it. */
#pragma once

#include <glib-object.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define ZV_TYPE_CONTACT (zv_contact_get_type ())

G_DECLARE_FINAL_TYPE (ZvContact, zv_contact, ZV, CONTACT, GObject)

gint64       zv_contact_get_id             (ZvContact           *self);
const char  *zv_contact_get_login          (ZvContact           *self);
const char  *zv_contact_get_name           (ZvContact           *self);
const char  *zv_contact_get_title          (ZvContact           *self);
const char  *zv_contact_get_department     (ZvContact           *self);
const char  *zv_contact_get_email          (ZvContact           *self);
const char  *zv_contact_get_extension      (ZvContact           *self);
const char  *zv_contact_get_mobile         (ZvContact           *self);
const char  *zv_contact_get_company_phone  (ZvContact           *self);
gboolean     zv_contact_get_external       (ZvContact           *self);
const char  *zv_contact_get_presence       (ZvContact           *self);
const char  *zv_contact_get_sort_name      (ZvContact           *self);

/* For ZvContactList. */
#define ZV_CONTACT_SELECT \
  "SELECT id, login, name, title, department, email, extension, mobile, company_phone, " \
  "external, presence, sort_name FROM users "

ZvContact   *zv_contact_new_from_row       (sqlite3_stmt        *stmt);
gboolean     zv_contact_update_from        (ZvContact           *self,
                                            ZvContact           *other);
gboolean     zv_contact_matches            (ZvContact           *self,
                                            const char * const  *folded_words);

G_END_DECLS
