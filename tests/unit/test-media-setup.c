/* test-media-setup.c: a media session prepared before the answer (zv_media_session_prepare()):
 * the caller's receiving side reads and decodes RTP that arrives before it knows the codec; the
 * callee's sending side stays silent until the answer, and a file it plays starts at its
 * beginning then. And every codec and source sends 20 ms packets (our SDP's a=ptime:20). */
#define G_LOG_DOMAIN "zveno-test"

#include "config.h"

#include <gst/gst.h>
#include <string.h>

#include "test-media-util.h"
#include "zv-media-session.h"

#define TONE 440.0

typedef struct {
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = zv_test_make_dir ("zveno-setup-XXXXXX");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  zv_test_remove_dir (f->dir);
  g_free (f->dir);
}

/* A calls B: A prepares with no codec (its offer is out), B prepares with A's offer while it
 * rings, then answers. A hears B's file from its first second, and B sent nothing while ringing. */
static void
test_prepared (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(ZvMediaSession) a = zv_test_session_new ();
  g_autoptr(ZvMediaSession) b = zv_test_session_new ();
  g_autofree char *tone = g_build_filename (f->dir, "tone.wav", NULL);
  g_autofree char *heard = g_build_filename (f->dir, "a.wav", NULL);
  g_autoptr(ZvSdp) offer = zv_test_remote (zv_media_session_get_port (a), "opus/48000/2", 111, NULL);
  g_autoptr(ZvSdp) answer = zv_test_remote (zv_media_session_get_port (b), "opus/48000/2", 111, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ZvTestWav) wav = NULL;
  double seconds;

  /* 1.5 s of tone: if B's file ran while it rang (2 s), nothing of it would be left to hear. */
  zv_test_write_tone_wav (tone, TONE, 1.5, 48000);
  zv_media_session_set_record_file (a, heard);
  zv_media_session_set_play_file (b, tone);
  g_assert_true (zv_media_session_prepare (a, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (zv_media_session_prepare (b, offer, &error));
  g_assert_no_error (error);
  g_assert_false (zv_media_session_is_running (b));
  zv_test_run_loop (2.0);
  g_assert_cmpuint (zv_media_session_get_packets_sent (b), ==, 0);
  g_assert_cmpuint (zv_media_session_get_packets_received (a), ==, 0);

  /* B answers; A's answer processing comes later, yet what B sends is read at once. */
  g_assert_true (zv_media_session_start (b, offer, &error));
  g_assert_no_error (error);
  /* Up to 5 s on a loaded machine under ASan, but always before A knows the answer. */
  for (guint i = 0; i < 100 && zv_media_session_get_packets_received (a) == 0; i++)
    zv_test_run_loop (0.05);
  g_assert_cmpuint (zv_media_session_get_packets_received (a), >, 0);
  g_assert_true (zv_media_session_start (a, answer, &error));
  g_assert_no_error (error);
  zv_test_run_loop (2.0);
  zv_media_session_stop (a);
  zv_media_session_stop (b);

  wav = zv_test_read_wav (heard);
  g_assert_nonnull (wav);
  seconds = zv_test_tone_seconds (wav, TONE);
  g_test_message ("A heard %.2f s of B's 1.5 s tone", seconds);
  g_assert_cmpfloat (seconds, >, 1.0);
}

typedef struct {
  const char *rtpmap;
  guint       payload_type;
  gboolean    play;
} RateCase;

static const RateCase rate_cases[] = {
  { "opus/48000/2", 111, FALSE },
  { "G722/8000", 9, FALSE },
  { "PCMU/8000", 0, FALSE },
  { "PCMA/8000", 8, FALSE },
  { "PCMU/8000", 0, TRUE },
  { "G722/8000", 9, TRUE },
};

/* The rate itself is the behaviour here: 20 ms packets are 50 a second, whatever the source's
 * buffers are (a silent source once made 120 ms ones at 8 kHz). */
static void
test_packet_rate (Fixture       *f,
                  gconstpointer  data)
{
  const RateCase *c = data;
  g_autoptr(ZvMediaSession) a = zv_test_session_new ();
  g_autoptr(ZvMediaSession) b = zv_test_session_new ();
  g_autoptr(ZvSdp) to_b = zv_test_remote (zv_media_session_get_port (b), c->rtpmap, c->payload_type, NULL);
  g_autoptr(ZvSdp) to_a = zv_test_remote (zv_media_session_get_port (a), c->rtpmap, c->payload_type, NULL);
  g_autoptr(GError) error = NULL;
  guint64 sent0, received0;
  gint64 t0, t1;
  double sent_rate, received_rate;

  if (c->play)
    {
      g_autofree char *tone = g_build_filename (f->dir, "tone.wav", NULL);

      zv_test_write_tone_wav (tone, TONE, 10, 44100);
      zv_media_session_set_play_file (a, tone);
    }
  g_assert_true (zv_media_session_start (a, to_b, &error));
  g_assert_no_error (error);
  g_assert_true (zv_media_session_start (b, to_a, &error));
  g_assert_no_error (error);
  zv_test_run_loop (1.0);
  sent0 = zv_media_session_get_packets_sent (a);
  received0 = zv_media_session_get_packets_received (b);
  t0 = g_get_monotonic_time ();
  zv_test_run_loop (3.0);
  t1 = g_get_monotonic_time ();
  sent_rate = (double) (zv_media_session_get_packets_sent (a) - sent0) * G_USEC_PER_SEC / (double) (t1 - t0);
  received_rate = (double) (zv_media_session_get_packets_received (b) - received0) * G_USEC_PER_SEC / (double) (t1 - t0);
  g_test_message ("%s%s: %.1f packets/s sent, %.1f received", c->rtpmap, c->play ? " (file)" : "",
                  sent_rate, received_rate);
  g_assert_cmpfloat (sent_rate, >, 42.0);
  g_assert_cmpfloat (sent_rate, <, 58.0);
  g_assert_cmpfloat (received_rate, >, 42.0);
  zv_media_session_stop (a);
  zv_media_session_stop (b);
}

/* zveno-cli --dsp: webrtcdsp on a played file, its echo probe on the recording (the speaker's
 * stand-in); the far end still hears the call. */
static void
test_dsp_without_devices (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(ZvMediaSession) a = zv_test_session_new ();
  g_autoptr(ZvMediaSession) b = zv_test_session_new ();
  g_autofree char *tone = g_build_filename (f->dir, "tone.wav", NULL);
  g_autofree char *heard = g_build_filename (f->dir, "b.wav", NULL);
  g_autoptr(ZvSdp) to_b = zv_test_remote (zv_media_session_get_port (b), "opus/48000/2", 111, NULL);
  g_autoptr(ZvSdp) to_a = zv_test_remote (zv_media_session_get_port (a), "opus/48000/2", 111, NULL);
  g_autoptr(GError) error = NULL;

  zv_test_write_tone_wav (tone, TONE, 10, 48000);
  zv_media_session_set_play_file (a, tone);
  zv_media_session_set_record_file (a, NULL);
  zv_media_session_set_dsp (a, TRUE);
  zv_media_session_set_record_file (b, heard);
  g_assert_true (zv_media_session_start (a, to_b, &error));
  g_assert_no_error (error);
  g_assert_true (zv_media_session_start (b, to_a, &error));
  g_assert_no_error (error);
  g_assert_true (zv_media_session_has_dsp (a));
  g_assert_false (zv_media_session_has_dsp (b));
  zv_test_run_loop (2.5);
  g_assert_cmpuint (zv_media_session_get_packets_received (b), >, 80);
  zv_media_session_stop (a);
  zv_media_session_stop (b);
  {
    g_autoptr(ZvTestWav) wav = zv_test_read_wav (heard);

    g_assert_nonnull (wav);
    g_test_message ("B heard %.2f s of A's tone through webrtcdsp", zv_test_tone_seconds (wav, TONE));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  g_test_add ("/media/setup/prepared", Fixture, NULL, fixture_set_up, test_prepared, fixture_tear_down);
  g_test_add ("/media/setup/dsp-without-devices", Fixture, NULL, fixture_set_up, test_dsp_without_devices,
              fixture_tear_down);
  for (gsize i = 0; i < G_N_ELEMENTS (rate_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/media/packet-rate/%.4s%s", rate_cases[i].rtpmap,
                                               rate_cases[i].play ? "-file" : "");

      g_test_add (name, Fixture, &rate_cases[i], fixture_set_up, test_packet_rate, fixture_tear_down);
    }
  return g_test_run ();
}
