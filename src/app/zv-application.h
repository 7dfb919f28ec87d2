/* zv-application.h: the single-instance Zveno application: app actions, colour scheme, windows. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define ZV_TYPE_APPLICATION (zv_application_get_type ())

G_DECLARE_FINAL_TYPE (ZvApplication, zv_application, ZV, APPLICATION, AdwApplication)

ZvApplication *zv_application_new (const char        *application_id,
                                   GApplicationFlags  flags);
GSettings     *zv_application_get_settings (ZvApplication *self);

G_END_DECLS
