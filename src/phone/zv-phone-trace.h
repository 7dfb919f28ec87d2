/* zv-phone-trace.h: ZVENO_PHONE_TRACE=1 prints one line per step of a call on stderr, stamped with
 * g_get_monotonic_time() (CLOCK_MONOTONIC: the same clock in every process on the machine), so the
 * steps of two phones in one call can be put in order and timed against each other
 * (docs/PERFORMANCE.md, call setup). Off, a trace point costs one test of a cached flag. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean zv_phone_trace_enabled (void);
void     zv_phone_trace_print   (const char *format,
                                 ...) G_GNUC_PRINTF (1, 2);

#define zv_phone_trace(...) \
  G_STMT_START { \
    if (G_UNLIKELY (zv_phone_trace_enabled ())) \
      zv_phone_trace_print (__VA_ARGS__); \
  } G_STMT_END

G_END_DECLS
