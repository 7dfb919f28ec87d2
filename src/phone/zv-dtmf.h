/* zv-dtmf.h: DTMF digits as RFC 4733 telephone-events and as SIP INFO bodies.
 *
 * Plain functions, no object: mapping digits to event codes, reading an RTP telephone-event
 * packet, and writing and reading the application/dtmf-relay bodies of SIP INFO requests (the
 * de-facto format from Cisco that PBXs, SIPp scenarios and desk phones use). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How long each digit sounds and the pause after it, as desk phones send them. */
#define ZV_DTMF_TONE_MS 160
#define ZV_DTMF_GAP_MS  80

int       zv_dtmf_event_from_digit  (char          digit);
char      zv_dtmf_digit_from_event  (guint         event);
gboolean  zv_dtmf_check_digits      (const char   *digits,
                                     GError      **error);
gboolean  zv_dtmf_parse_rtp         (const guint8 *data,
                                     gsize         length,
                                     guint         payload_type,
                                     guint32      *timestamp,
                                     guint        *event,
                                     gboolean     *end);
char     *zv_dtmf_info_body         (char          digit,
                                     guint         duration_ms);
char      zv_dtmf_parse_info        (const char   *content_type,
                                     const char   *body,
                                     gsize         length);

G_END_DECLS
