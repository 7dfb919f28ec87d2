/* zv-window.h: the main window. */
#pragma once

#include <adwaita.h>

#include "zv-application.h"

G_BEGIN_DECLS

#define ZV_TYPE_WINDOW (zv_window_get_type ())

G_DECLARE_FINAL_TYPE (ZvWindow, zv_window, ZV, WINDOW, AdwApplicationWindow)

ZvWindow *zv_window_new (ZvApplication *application);

G_END_DECLS
