/* zv-list-window.h: a GListModel showing a contiguous range of another list model, so a
 * GtkListView (which in GTK 4.8 makes and binds ~200 rows whatever it shows) is handed only the
 * rows worth laying out, and grown as the user scrolls. GIO only: no GTK here. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define ZV_TYPE_LIST_WINDOW (zv_list_window_get_type ())

G_DECLARE_FINAL_TYPE (ZvListWindow, zv_list_window, ZV, LIST_WINDOW, GObject)

ZvListWindow *zv_list_window_new        (GListModel   *model,
                                         guint         start,
                                         guint         end);
GListModel   *zv_list_window_get_model  (ZvListWindow *self);
guint         zv_list_window_get_start  (ZvListWindow *self);
guint         zv_list_window_get_end    (ZvListWindow *self);
gboolean      zv_list_window_at_start   (ZvListWindow *self);
gboolean      zv_list_window_at_end     (ZvListWindow *self);
void          zv_list_window_set_follow_end (ZvListWindow *self,
                                             gboolean      follow);
void          zv_list_window_set_range  (ZvListWindow *self,
                                         guint         start,
                                         guint         end);
guint         zv_list_window_grow_start (ZvListWindow *self,
                                         guint         n);
guint         zv_list_window_grow_end   (ZvListWindow *self,
                                         guint         n);
void          zv_list_window_show_last  (ZvListWindow *self,
                                         guint         n);
void          zv_list_window_show_around (ZvListWindow *self,
                                          guint         position,
                                          guint         before,
                                          guint         after);

G_END_DECLS
