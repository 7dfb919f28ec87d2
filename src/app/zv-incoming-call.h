/* zv-incoming-call.h: the banner across the window's top while a call rings, with Answer and
 * Decline. */
#pragma once

#include <adwaita.h>

#include "zv-phone.h"

G_BEGIN_DECLS

#define ZV_TYPE_INCOMING_CALL (zv_incoming_call_get_type ())

G_DECLARE_FINAL_TYPE (ZvIncomingCall, zv_incoming_call, ZV, INCOMING_CALL, AdwBin)

void  zv_incoming_call_set_phone  (ZvIncomingCall  *self,
                                   ZvPhone         *phone);

G_END_DECLS
