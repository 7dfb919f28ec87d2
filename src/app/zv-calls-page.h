/* zv-calls-page.h: the sidebar's Calls page: the phone's connection state, the way to the dial
 * pad, and the call history (missed calls highlighted; activating a call calls back). */
#pragma once

#include <adwaita.h>

#include "zv-phone.h"

G_BEGIN_DECLS

#define ZV_TYPE_CALLS_PAGE (zv_calls_page_get_type ())

G_DECLARE_FINAL_TYPE (ZvCallsPage, zv_calls_page, ZV, CALLS_PAGE, AdwBin)

void      zv_calls_page_set_phone   (ZvCallsPage  *self,
                                     ZvPhone      *phone);
gboolean  zv_calls_page_set_filter  (ZvCallsPage  *self,
                                     const char   *text);

G_END_DECLS
