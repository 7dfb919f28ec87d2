/* zv-call-row.h: one call of the history in the Calls page's list. */
#pragma once

#include <gtk/gtk.h>

#include "zv-call-record.h"

G_BEGIN_DECLS

#define ZV_TYPE_CALL_ROW (zv_call_row_get_type ())

G_DECLARE_FINAL_TYPE (ZvCallRow, zv_call_row, ZV, CALL_ROW, GtkBox)

void  zv_call_row_set_record  (ZvCallRow     *self,
                               ZvCallRecord  *record);
char *zv_call_row_describe    (ZvCallRecord  *record);

G_END_DECLS
