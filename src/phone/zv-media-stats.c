/* zv-media-stats.c: MOS estimate by a simplified ITU-T G.107 E-model.
 *
 * G.107 rates a call by R = Ro - Is - Id - Ie,eff + A. With its default values Ro - Is = 93.2 and
 * A = 0, what is left depends on delay and on the codec under loss:
 *
 *   d (one-way delay, ms)  = rtt / 2 + 2 × jitter (what a jitter buffer adds) + 10 (packetisation
 *                            and codec look-ahead); rtt unknown counts as 0
 *   Id                     = 0.024 d + 0.11 (d − 177.3) H(d − 177.3)     (Cole & Rosenbluth's fit
 *                            of G.107's delay impairment; H is the step function)
 *   Ie,eff                 = Ie + (95 − Ie) × Ppl / (Ppl + Bpl)           (G.107 eq. 7-29, random
 *                            loss: Ppl is the loss in percent)
 *   R                      = 93.2 − Id − Ie,eff
 *   MOS                    = 1 for R < 0; 4.5 for R > 100; otherwise
 *                            1 + 0.035 R + 7·10⁻⁶ R (R − 60) (100 − R)       (G.107 annex B)
 *
 * Ie and Bpl per codec from G.113 appendix I: G.711 with packet loss concealment Ie = 0, Bpl = 25.1;
 * G.722 and Opus have no narrowband values there, so they are rated as G.711 is (Ie = 0) with the
 * slightly lower robustness G.113 gives wideband codecs' concealment (Bpl = 20). The result is on
 * the narrowband scale (at most about 4.4), which is what call quality dashboards compare. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <gst/gst.h>

#include "zv-media-stats.h"

double
zv_call_stats_mos (ZvCodec codec,
                   double  loss,
                   double  jitter_ms,
                   double  rtt_ms)
{
  double ie = 0;
  double bpl = codec == ZV_CODEC_PCMU || codec == ZV_CODEC_PCMA ? 25.1 : 20.0;
  double ppl = CLAMP (loss, 0, 1) * 100;
  double d = MAX (rtt_ms, 0) / 2 + 2 * MAX (jitter_ms, 0) + 10;
  double id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
  double ie_eff = ie + (95 - ie) * ppl / (ppl + bpl);
  double r = 93.2 - id - ie_eff;

  if (r < 0)
    return 1.0;
  if (r > 100)
    return 4.5;
  return 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
}

/* The far end's source in rtpbin's session: reception statistics and its reports about us. */
void
zv_media_stats_read_rtpbin (gpointer     rtpbin,
                            guint        clock_rate,
                            ZvCallStats *out)
{
  GObject *session = NULL;
  GValueArray *sources = NULL;

  g_signal_emit_by_name (rtpbin, "get-internal-session", 0u, &session);
  if (session == NULL)
    return;
  g_object_get (session, "sources", &sources, NULL);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  for (guint i = 0; sources != NULL && i < sources->n_values; i++)
    {
      GObject *source = g_value_get_object (g_value_array_get_nth (sources, i));
      g_autoptr(GstStructure) stats = NULL;
      gboolean internal = TRUE, have_rb = FALSE;
      guint64 received = 0;
      gint lost = 0, rb_lost = 0;
      guint jitter = 0, fraction = 0, round_trip = 0;

      g_object_get (source, "stats", &stats, NULL);
      if (stats == NULL || !gst_structure_get_boolean (stats, "internal", &internal) || internal)
        continue;
      gst_structure_get_uint64 (stats, "packets-received", &received);
      gst_structure_get_int (stats, "packets-lost", &lost);
      gst_structure_get_uint (stats, "jitter", &jitter);
      if (received > 0)
        {
          out->packets_lost = MAX (lost, 0);
          out->loss_received = (double) out->packets_lost / (double) (received + (guint64) out->packets_lost);
          /* In RTP clock units (RFC 3550 A.8). */
          if (clock_rate > 0)
            out->jitter_ms = jitter * 1000.0 / clock_rate;
        }
      if (gst_structure_get_boolean (stats, "have-rb", &have_rb) && have_rb)
        {
          gst_structure_get_uint (stats, "rb-fractionlost", &fraction);
          gst_structure_get_int (stats, "rb-packetslost", &rb_lost);
          gst_structure_get_uint (stats, "rb-round-trip", &round_trip);
          /* Fraction lost since the far end's previous report, in 1/256. */
          out->loss_sent = fraction / 256.0;
          /* Compact NTP: 1/65536 s. Zero means the far end had no SR of ours to answer yet. */
          if (round_trip > 0)
            out->rtt_ms = round_trip * 1000.0 / 65536.0;
        }
    }
  /* rtpsession hands its sources out as a GValueArray, deprecated but its API. */
  if (sources != NULL)
    g_value_array_free (sources);
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_object_unref (session);
}
