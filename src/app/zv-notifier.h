/* zv-notifier.h: desktop notifications (libnotify) for new messages from others while the window
 * is not focused, and the unread total for the window title. */
#pragma once

#include <gio/gio.h>

#include "zv-account.h"
#include "zv-events.h"

G_BEGIN_DECLS

#define ZV_TYPE_NOTIFIER (zv_notifier_get_type ())

G_DECLARE_FINAL_TYPE (ZvNotifier, zv_notifier, ZV, NOTIFIER, GObject)

/* Properties: window-focused (gboolean, rw: the window sets it from GtkWindow:is-active),
 *   do-not-disturb (gboolean, rw), unread-total (guint, read-only).
 * Signals: open-chat (gint64 chat_id): a notification was clicked. */
ZvNotifier  *zv_notifier_new                (ZvAccount   *account,
                                             ZvEvents    *events);
gboolean     zv_notifier_get_window_focused (ZvNotifier  *self);
void         zv_notifier_set_window_focused (ZvNotifier  *self,
                                             gboolean     focused);
gboolean     zv_notifier_get_do_not_disturb (ZvNotifier  *self);
void         zv_notifier_set_do_not_disturb (ZvNotifier  *self,
                                             gboolean     dnd);
guint        zv_notifier_get_unread_total   (ZvNotifier  *self);
void         zv_notifier_withdraw_chat      (ZvNotifier  *self,
                                             gint64       chat_id);

G_END_DECLS
