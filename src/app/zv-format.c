/* zv-format.c: dates as the app shows them (the chat list, the conversation's day separators, the
 * search page, the call list), with month and weekday names from our own catalogue.
 *
 * g_date_time_format takes %B, %b, %A and %a from the C library's LC_TIME, which need not follow
 * the UI language (LANGUAGE): on a machine with only the C locale, as on many server images and
 * on ours, a Russian UI would show "Nov". Every other format code is GLib's.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-format.h"

static const char * const month_names[] = {
  /* TRANSLATORS: a month as in the date "November 20"; Russian: the genitive, "20 ноября" */
  NC_("month in a date", "January"), NC_("month in a date", "February"), NC_("month in a date", "March"),
  NC_("month in a date", "April"), NC_("month in a date", "May"), NC_("month in a date", "June"),
  NC_("month in a date", "July"), NC_("month in a date", "August"), NC_("month in a date", "September"),
  NC_("month in a date", "October"), NC_("month in a date", "November"), NC_("month in a date", "December"),
};

static const char * const month_abbreviations[] = {
  /* TRANSLATORS: an abbreviated month as in the date "Nov 20"; Russian: the genitive, "20 нояб." */
  NC_("abbreviated month in a date", "Jan"), NC_("abbreviated month in a date", "Feb"),
  NC_("abbreviated month in a date", "Mar"), NC_("abbreviated month in a date", "Apr"),
  NC_("abbreviated month in a date", "May"), NC_("abbreviated month in a date", "Jun"),
  NC_("abbreviated month in a date", "Jul"), NC_("abbreviated month in a date", "Aug"),
  NC_("abbreviated month in a date", "Sep"), NC_("abbreviated month in a date", "Oct"),
  NC_("abbreviated month in a date", "Nov"), NC_("abbreviated month in a date", "Dec"),
};

static const char * const weekday_names[] = {
  /* TRANSLATORS: a day of the past week, e.g. a day separator in a conversation */
  NC_("day separator", "Monday"), NC_("day separator", "Tuesday"), NC_("day separator", "Wednesday"),
  NC_("day separator", "Thursday"), NC_("day separator", "Friday"), NC_("day separator", "Saturday"),
  NC_("day separator", "Sunday"),
};

static const char * const weekday_abbreviations[] = {
  /* TRANSLATORS: an abbreviated day of the past week, as the chat list shows it */
  NC_("abbreviated weekday", "Mon"), NC_("abbreviated weekday", "Tue"), NC_("abbreviated weekday", "Wed"),
  NC_("abbreviated weekday", "Thu"), NC_("abbreviated weekday", "Fri"), NC_("abbreviated weekday", "Sat"),
  NC_("abbreviated weekday", "Sun"),
};

/* The translated name a format code stands for, or NULL for a code GLib formats itself. */
static const char *
name_for_code (GDateTime *when,
               char       code)
{
  int month = g_date_time_get_month (when) - 1;
  int weekday = g_date_time_get_day_of_week (when) - 1;

  switch (code)
    {
    case 'B': return g_dpgettext2 (GETTEXT_PACKAGE, "month in a date", month_names[month]);
    case 'b': return g_dpgettext2 (GETTEXT_PACKAGE, "abbreviated month in a date", month_abbreviations[month]);
    case 'A': return g_dpgettext2 (GETTEXT_PACKAGE, "day separator", weekday_names[weekday]);
    case 'a': return g_dpgettext2 (GETTEXT_PACKAGE, "abbreviated weekday", weekday_abbreviations[weekday]);
    default: return NULL;
    }
}

/**
 * zv_format_date:
 * @when: the moment, in the zone to show it in
 * @format: a g_date_time_format() format (usually translated)
 *
 * Returns: (transfer full): @when formatted, with %B, %b, %A and %a in the UI's language
 */
char *
zv_format_date (GDateTime  *when,
                const char *format)
{
  GString *out;
  g_autofree char *escaped = NULL;

  g_return_val_if_fail (when != NULL, NULL);
  g_return_val_if_fail (format != NULL, NULL);

  out = g_string_new (NULL);
  for (const char *p = format; *p != '\0'; p++)
    {
      const char *name = p[0] == '%' ? name_for_code (when, p[1]) : NULL;

      if (name != NULL)
        {
          /* A name is text, never a format code: its '%' are doubled for g_date_time_format. */
          for (const char *c = name; *c != '\0'; c++)
            {
              if (*c == '%')
                g_string_append_c (out, '%');
              g_string_append_c (out, *c);
            }
          p++;
        }
      else if (p[0] == '%' && p[1] != '\0')
        {
          g_string_append_c (out, *p++);
          g_string_append_c (out, *p);
        }
      else
        g_string_append_c (out, *p);
    }
  escaped = g_string_free (out, FALSE);
  return g_date_time_format (when, escaped);
}
