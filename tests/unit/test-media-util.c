/* test-media-util.c: helpers for the media tests (see the header).
 *
 * The tone detector is Goertzel's algorithm: the power at one frequency over a window, compared
 * with the window's total power. A pure tone gives a ratio near 1, silence or noise near 0. */
#define G_LOG_DOMAIN "zveno-test"

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "test-media-util.h"

static void
put_u32 (GByteArray *b,
         guint32     v)
{
  guint8 bytes[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff };

  g_byte_array_append (b, bytes, 4);
}

static void
put_u16 (GByteArray *b,
         guint16     v)
{
  guint8 bytes[2] = { v & 0xff, (v >> 8) & 0xff };

  g_byte_array_append (b, bytes, 2);
}

/* A mono 16-bit WAV with a sine at a third of full scale. */
void
zv_test_write_tone_wav (const char *path,
                        double      frequency,
                        double      seconds,
                        guint       rate)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  guint32 n = (guint32) (seconds * rate);
  g_autoptr(GError) error = NULL;

  g_byte_array_append (b, (const guint8 *) "RIFF", 4);
  put_u32 (b, 36 + n * 2);
  g_byte_array_append (b, (const guint8 *) "WAVEfmt ", 8);
  put_u32 (b, 16);
  put_u16 (b, 1);
  put_u16 (b, 1);
  put_u32 (b, rate);
  put_u32 (b, rate * 2);
  put_u16 (b, 2);
  put_u16 (b, 16);
  g_byte_array_append (b, (const guint8 *) "data", 4);
  put_u32 (b, n * 2);
  for (guint32 i = 0; i < n; i++)
    put_u16 (b, (guint16) (gint16) (10000.0 * sin (2 * G_PI * frequency * i / rate)));
  g_file_set_contents (path, (const char *) b->data, (gssize) b->len, &error);
  g_assert_no_error (error);
}

static guint32
get_u32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

/* Reads the chunks of a 16-bit PCM WAV (wavenc's output). NULL when there is no such file. */
ZvTestWav *
zv_test_read_wav (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  const guint8 *p;
  gsize at = 12;
  ZvTestWav *wav;

  if (!g_file_get_contents (path, &contents, &length, NULL) || length < 12)
    return NULL;
  p = (const guint8 *) contents;
  if (memcmp (p, "RIFF", 4) != 0 || memcmp (p + 8, "WAVE", 4) != 0)
    return NULL;
  wav = g_new0 (ZvTestWav, 1);
  while (at + 8 <= length)
    {
      guint32 size = get_u32 (p + at + 4);
      const guint8 *body = p + at + 8;

      if (memcmp (p + at, "fmt ", 4) == 0 && at + 8 + 16 <= length)
        {
          wav->channels = body[2] | (guint) body[3] << 8;
          wav->rate = get_u32 (body + 4);
        }
      else if (memcmp (p + at, "data", 4) == 0)
        {
          gsize bytes = MIN ((gsize) size, length - at - 8);

          if (wav->channels == 0)
            break;
          wav->n_frames = bytes / 2 / wav->channels;
          wav->samples = g_memdup2 (body, wav->n_frames * 2 * wav->channels);
          break;
        }
      at += 8 + size + (size & 1);
    }
  return wav;
}

void
zv_test_wav_free (ZvTestWav *wav)
{
  if (wav == NULL)
    return;
  g_free (wav->samples);
  g_free (wav);
}

/* The share of the window's power at @frequency (first channel), 0 … 1. */
double
zv_test_tone_ratio (const ZvTestWav *wav,
                    double           frequency,
                    gsize            first_frame,
                    gsize            n_frames)
{
  double coeff = 2 * cos (2 * G_PI * frequency / wav->rate);
  double s1 = 0, s2 = 0, total = 0, power;

  if (first_frame + n_frames > wav->n_frames || n_frames == 0)
    return 0;
  for (gsize i = 0; i < n_frames; i++)
    {
      double x = wav->samples[(first_frame + i) * wav->channels] / 32768.0;
      double s0 = x + coeff * s1 - s2;

      s2 = s1;
      s1 = s0;
      total += x * x;
    }
  power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  /* Goertzel's power is (N/2)² A²/4 … for a sine of amplitude A, total is N A²/2: normalise so a
   * pure tone gives 1. Near silence counts as no tone. */
  if (total < 1e-6 * n_frames)
    return 0;
  return power / (total * n_frames / 2);
}

/* How many seconds of 100 ms windows carry the tone (ratio above 0.5). */
double
zv_test_tone_seconds (const ZvTestWav *wav,
                      double           frequency)
{
  gsize window = wav->rate / 10;
  guint hits = 0;

  if (window == 0)
    return 0;
  for (gsize at = 0; at + window <= wav->n_frames; at += window)
    if (zv_test_tone_ratio (wav, frequency, at, window) > 0.5)
      hits++;
  return hits / 10.0;
}

/* The far end's description: one codec (an rtpmap value such as "PCMA/8000") and telephone-event. */
ZvSdp *
zv_test_remote (guint       port,
                const char *rtpmap,
                guint       payload_type,
                const char *direction)
{
  g_autofree char *text = g_strdup_printf ("v=0\r\no=test 1 1 IN IP4 127.0.0.1\r\ns=test\r\n"
                                           "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                                           "m=audio %u RTP/AVP %u 101\r\na=rtpmap:%u %s\r\n"
                                           "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
                                           "a=%s\r\n",
                                           port, payload_type, payload_type, rtpmap,
                                           direction != NULL ? direction : "sendrecv");
  g_autoptr(GError) error = NULL;
  ZvSdp *sdp = zv_sdp_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  return sdp;
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

void
zv_test_run_loop (double seconds)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_timeout_add ((guint) (seconds * 1000), quit_loop, loop);
  g_main_loop_run (loop);
}

/* A media session on loopback, as every media test makes them. */
ZvMediaSession *
zv_test_session_new (void)
{
  g_autoptr(GError) error = NULL;
  ZvMediaSession *session = zv_media_session_new ("127.0.0.1", &error);

  g_assert_no_error (error);
  return session;
}

/* A new private directory for a test's WAV files; @tmpl as for g_dir_make_tmp(). */
char *
zv_test_make_dir (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  return dir;
}

/* Removes such a directory with the files in it (the tests make no subdirectories). */
void
zv_test_remove_dir (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (dir);
}
