/* zv-media-stats.h: a call's audio quality: RTCP statistics and a MOS estimate.
 *
 * Plain data, not an object: ZvCallStats is filled by the media session from rtpbin's RTCP state,
 * and zv_call_stats_mos() turns loss, jitter and round trip into a MOS by a simplified ITU-T G.107
 * E-model (see zv-media-stats.c for the formula). */
#pragma once

#include <glib.h>

#include "zv-sdp.h"

G_BEGIN_DECLS

typedef struct {
  ZvCodec  codec;
  guint64  packets_sent;
  guint64  packets_received;
  gint64   packets_lost;        /* of the far end's packets, by their sequence numbers */
  double   loss_received;       /* 0 … 1: share of the far end's packets we did not get */
  double   loss_sent;           /* 0 … 1: share of ours the far end reports lost (RTCP RR), -1: no report yet */
  double   loss;                /* the worse of the two: what the MOS uses */
  double   jitter_ms;           /* interarrival jitter of what we receive (RFC 3550 A.8) */
  double   rtt_ms;              /* round trip from RTCP SR/RR (LSR, DLSR), -1: not known yet */
  double   mos;                 /* 1 … 4.5 */
} ZvCallStats;

double zv_call_stats_mos          (ZvCodec      codec,
                                   double       loss,
                                   double       jitter_ms,
                                   double       rtt_ms);
/* Takes a GstElement (rtpbin); declared loosely so that users of ZvCallStats need no GStreamer. */
void   zv_media_stats_read_rtpbin (gpointer     rtpbin,
                                   guint        clock_rate,
                                   ZvCallStats *out);

G_END_DECLS
