/* zv-dtmf.c: DTMF digits as RFC 4733 telephone-events and as SIP INFO bodies (see the header). */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "zv-dtmf.h"
#include "zv-sip-account.h"

/* RFC 4733 3.2: events 0-9, then *, #, A-D. */
static const char event_digits[] = "0123456789*#ABCD";

int
zv_dtmf_event_from_digit (char digit)
{
  const char *at;

  if (digit == '\0')
    return -1;
  at = strchr (event_digits, g_ascii_toupper (digit));
  return at != NULL ? (int) (at - event_digits) : -1;
}

char
zv_dtmf_digit_from_event (guint event)
{
  return event < 16 ? event_digits[event] : '\0';
}

gboolean
zv_dtmf_check_digits (const char  *digits,
                      GError     **error)
{
  if (digits == NULL || *digits == '\0')
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID, _("No DTMF digits to send."));
      return FALSE;
    }
  for (const char *p = digits; *p != '\0'; p++)
    if (zv_dtmf_event_from_digit (*p) < 0)
      {
        g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID,
                     _("“%c” is not a DTMF digit: use 0–9, *, # and A–D."), *p);
        return FALSE;
      }
  return TRUE;
}

/**
 * zv_dtmf_parse_rtp:
 * @data: one RTP packet as it came from the network (after SRTP, if any)
 *
 * Returns: TRUE when the packet is a telephone-event of @payload_type; then @timestamp (which names
 * the event: all its packets share it), @event and @end (the E bit) are set.
 */
gboolean
zv_dtmf_parse_rtp (const guint8 *data,
                   gsize         length,
                   guint         payload_type,
                   guint32      *timestamp,
                   guint        *event,
                   gboolean     *end)
{
  gsize offset;

  if (length < 12 || (data[0] >> 6) != 2 || (data[1] & 0x7f) != payload_type)
    return FALSE;
  offset = 12 + 4 * (gsize) (data[0] & 0x0f);
  if ((data[0] & 0x10) != 0)
    {
      /* A header extension: its length in 32-bit words follows its 16-bit profile id. */
      if (length < offset + 4)
        return FALSE;
      offset += 4 + 4 * (gsize) ((data[offset + 2] << 8) | data[offset + 3]);
    }
  if (length < offset + 4)
    return FALSE;
  *timestamp = (guint32) data[4] << 24 | (guint32) data[5] << 16 | (guint32) data[6] << 8 | data[7];
  *event = data[offset];
  *end = (data[offset + 1] & 0x80) != 0;
  return TRUE;
}

char *
zv_dtmf_info_body (char  digit,
                   guint duration_ms)
{
  return g_strdup_printf ("Signal=%c\r\nDuration=%u\r\n", g_ascii_toupper (digit), duration_ms);
}

/**
 * zv_dtmf_parse_info:
 *
 * The digit of an INFO request's body: application/dtmf-relay ("Signal=5" among other lines) or
 * application/dtmf (the digit, or its event number, alone). '\0' when it carries none.
 */
char
zv_dtmf_parse_info (const char *content_type,
                    const char *body,
                    gsize       length)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (content_type == NULL || body == NULL || length == 0 || length > 1024)
    return '\0';
  text = g_strndup (body, length);
  if (g_ascii_strncasecmp (content_type, "application/dtmf-relay", 22) == 0)
    {
      lines = g_strsplit_set (text, "\r\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          char *line = g_strstrip (lines[i]);

          if (g_ascii_strncasecmp (line, "Signal", 6) == 0)
            {
              char *value = strchr (line, '=');

              if (value == NULL)
                return '\0';
              value = g_strstrip (value + 1);
              if (strlen (value) == 1 && zv_dtmf_event_from_digit (value[0]) >= 0)
                return g_ascii_toupper (value[0]);
              /* Some phones send the event number ("Signal=10" for *). */
              if (*value != '\0' && strspn (value, "0123456789") == strlen (value))
                return zv_dtmf_digit_from_event ((guint) g_ascii_strtoull (value, NULL, 10));
              return '\0';
            }
        }
      return '\0';
    }
  if (g_ascii_strncasecmp (content_type, "application/dtmf", 16) == 0)
    {
      char *value = g_strstrip (text);

      if (strlen (value) == 1 && zv_dtmf_event_from_digit (value[0]) >= 0)
        return g_ascii_toupper (value[0]);
      if (*value != '\0' && strspn (value, "0123456789") == strlen (value))
        return zv_dtmf_digit_from_event ((guint) g_ascii_strtoull (value, NULL, 10));
    }
  return '\0';
}
