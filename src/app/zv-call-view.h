/* zv-call-view.h: the call in progress (who, number, state, duration, controls, Hang Up) and,
 * after it ended, the notes on it. */
#pragma once

#include <adwaita.h>

#include "zv-phone.h"

G_BEGIN_DECLS

#define ZV_TYPE_CALL_VIEW (zv_call_view_get_type ())

G_DECLARE_FINAL_TYPE (ZvCallView, zv_call_view, ZV, CALL_VIEW, AdwBin)

void      zv_call_view_set_phone   (ZvCallView  *self,
                                    ZvPhone     *phone);
gboolean  zv_call_view_is_showing_call (ZvCallView *self);

G_END_DECLS
