/* zv-phone-trace.c: the call-step trace behind ZVENO_PHONE_TRACE (see zv-phone-trace.h), used to
 * find where a call's setup time goes. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "zv-phone-trace.h"

gboolean
zv_phone_trace_enabled (void)
{
  static gint enabled = -1;
  gint now = g_atomic_int_get (&enabled);

  if (G_UNLIKELY (now < 0))
    {
      now = g_getenv ("ZVENO_PHONE_TRACE") != NULL;
      g_atomic_int_set (&enabled, now);
    }
  return now != 0;
}

/* Any thread: one line, written whole (stdio locks the stream per call). */
void
zv_phone_trace_print (const char *format,
                      ...)
{
  g_autofree char *text = NULL;
  gint64 now = g_get_monotonic_time ();
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "trace %" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT " %d %s\n",
           now / G_USEC_PER_SEC, now % G_USEC_PER_SEC, (int) getpid (), text);
  fflush (stderr);
}
