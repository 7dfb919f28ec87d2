/* zv-call-alert.h: what an incoming call does outside the window: a desktop notification with
 * Answer and Decline, and the ringtone. */
#pragma once

#include <glib-object.h>

#include "zv-phone.h"

G_BEGIN_DECLS

#define ZV_TYPE_CALL_ALERT (zv_call_alert_get_type ())

G_DECLARE_FINAL_TYPE (ZvCallAlert, zv_call_alert, ZV, CALL_ALERT, GObject)

ZvCallAlert *zv_call_alert_new        (void);
void         zv_call_alert_set_phone  (ZvCallAlert  *self,
                                       ZvPhone      *phone);
gboolean     zv_call_alert_is_ringing (ZvCallAlert  *self);

G_END_DECLS
