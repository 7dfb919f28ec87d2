/* zv-preferences-window.h: the Preferences window, every row bound to a GSettings key. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define ZV_TYPE_PREFERENCES_WINDOW (zv_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (ZvPreferencesWindow, zv_preferences_window, ZV, PREFERENCES_WINDOW, AdwPreferencesWindow)

ZvPreferencesWindow *zv_preferences_window_new          (GSettings           *settings);
GSettings           *zv_preferences_window_get_settings (ZvPreferencesWindow *self);

G_END_DECLS
