/* zv-format.h: dates as the app shows them, in the UI's language. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *zv_format_date (GDateTime  *when,
                      const char *format);

G_END_DECLS
