/* zv-application.h: the single-instance Zveno application: app actions, colour scheme, windows. */
#pragma once

#include <adwaita.h>

#include "zv-session.h"

G_BEGIN_DECLS

#define ZV_TYPE_APPLICATION (zv_application_get_type ())

G_DECLARE_FINAL_TYPE (ZvApplication, zv_application, ZV, APPLICATION, AdwApplication)

ZvApplication *zv_application_new (const char        *application_id,
                                   GApplicationFlags  flags);
GSettings     *zv_application_get_settings (ZvApplication *self);
ZvSession     *zv_application_take_session (ZvApplication *self);
void           zv_application_skip_fallback_theme (void);

G_END_DECLS
