/* test-media-srtp.c: SRTP with SDES keys between two media sessions on loopback: the tone gets
 * through both ways when each side has the other's key; a wrong key or a plain-RTP listener hears
 * nothing of it; the description carries RTP/SAVP and a=crypto. */
#define G_LOG_DOMAIN "zveno-test"

#include "config.h"

#include <gst/gst.h>
#include <string.h>

#include "test-media-util.h"
#include "zv-media-session.h"
#include "zv-sip-account.h"

#define TONE 440.0
#define TONE_B 1000.0

static ZvMediaSession *
new_session (gboolean srtp)
{
  g_autoptr(GError) error = NULL;
  ZvMediaSession *session = zv_test_session_new ();

  if (srtp)
    {
      g_assert_true (zv_media_session_enable_srtp (session, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (strlen (zv_media_session_get_srtp_key (session)), ==, 40);
    }
  return session;
}

/* What @peer's answer would say: its port, PCMA, and its key in a=crypto when it has one. */
static ZvSdp *
description_of (ZvMediaSession *peer,
                const char     *key_override)
{
  g_autofree char *text = g_strdup_printf ("v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
                                           "t=0 0\r\nm=audio %u RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
                                           "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n",
                                           zv_media_session_get_port (peer));
  const char *key = key_override != NULL ? key_override : zv_media_session_get_srtp_key (peer);
  g_autoptr(GError) error = NULL;
  ZvSdp *sdp;

  /* PCMA, so that an undecryptable stream would still decode to something (noise). */
  if (key != NULL)
    {
      g_autofree char *offer = zv_sdp_add_crypto (zv_sdp_build_offer ("127.0.0.1", 20000, 1, 1), key, 1);

      g_assert_nonnull (strstr (offer, " RTP/SAVP 111 9 0 8 101\r\n"));
      g_assert_nonnull (strstr (offer, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
      text = zv_sdp_add_crypto (g_steal_pointer (&text), key, 1);
    }
  sdp = zv_sdp_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpint (sdp->codec.codec, ==, ZV_CODEC_PCMA);
  g_assert_cmpint (sdp->srtp, ==, key != NULL);
  if (key != NULL)
    g_assert_cmpstr (sdp->crypto_key, ==, key);
  return sdp;
}

static double
heard (const char *path,
       double      frequency)
{
  g_autoptr(ZvTestWav) wav = zv_test_read_wav (path);

  return wav != NULL ? zv_test_tone_seconds (wav, frequency) : 0;
}

typedef enum {
  CASE_GOOD,
  CASE_WRONG_KEY,     /* B decrypts with a key that is not A's */
  CASE_PLAIN_LISTENER /* B takes A's SRTP as plain RTP */
} SrtpCase;

static void
test_srtp (gconstpointer data)
{
  SrtpCase c = GPOINTER_TO_INT (data);
  g_autofree char *dir = zv_test_make_dir ("zveno-srtp-XXXXXX");
  g_autofree char *tone_a = g_build_filename (dir, "a-tone.wav", NULL);
  g_autofree char *tone_b = g_build_filename (dir, "b-tone.wav", NULL);
  g_autofree char *rec_a = g_build_filename (dir, "a.wav", NULL);
  g_autofree char *rec_b = g_build_filename (dir, "b.wav", NULL);
  g_autoptr(ZvMediaSession) a = new_session (TRUE);
  g_autoptr(ZvMediaSession) b = new_session (c != CASE_PLAIN_LISTENER);
  g_autoptr(ZvSdp) to_b = description_of (b, NULL);
  g_autoptr(ZvSdp) to_a = NULL;
  g_autoptr(GError) error = NULL;
  double b_heard, a_heard;

  zv_test_write_tone_wav (tone_a, TONE, 10, 8000);
  zv_test_write_tone_wav (tone_b, TONE_B, 10, 8000);
  zv_media_session_set_play_file (a, tone_a);
  zv_media_session_set_record_file (a, rec_a);
  zv_media_session_set_play_file (b, tone_b);
  zv_media_session_set_record_file (b, rec_b);
  if (c == CASE_WRONG_KEY)
    /* 30 bytes, valid base64, not A's key. */
    to_a = description_of (a, "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB");
  else if (c == CASE_PLAIN_LISTENER)
    {
      /* B believes A sends plain RTP: A's description without its crypto. */
      to_a = description_of (a, NULL);
      g_clear_pointer (&to_a->crypto_key, g_free);
      /* And A is told B's address without a key: A refuses that... */
      g_assert_false (zv_media_session_start (a, to_b, &error));
      g_assert_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE);
      g_clear_error (&error);
      /* ...so A gets B's address with a made-up key, as a misconfigured peer would cause. */
      g_clear_pointer (&to_b, zv_sdp_free);
      to_b = description_of (b, "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB");
    }
  else
    to_a = description_of (a, NULL);
  zv_media_session_start (a, to_b, &error);
  g_assert_no_error (error);
  zv_media_session_start (b, to_a, &error);
  g_assert_no_error (error);
  zv_test_run_loop (2.5);
  zv_media_session_stop (a);
  zv_media_session_stop (b);

  b_heard = heard (rec_b, TONE);
  a_heard = heard (rec_a, TONE_B);
  g_test_message ("B heard A's tone %.1f s, A heard B's %.1f s (packets at B: %" G_GUINT64_FORMAT ")",
                  b_heard, a_heard, zv_media_session_get_packets_received (b));
  /* Packets arrived in every case: what differs is whether they could be read. */
  g_assert_cmpuint (zv_media_session_get_packets_received (b), >, 10);
  if (c == CASE_GOOD)
    {
      g_assert_cmpfloat (b_heard, >, 1.5);
      g_assert_cmpfloat (a_heard, >, 1.5);
    }
  else
    g_assert_cmpfloat (b_heard, <, 0.2);
  zv_test_remove_dir (dir);
}

/* An answer's crypto line: the tag is kept, keys of other suites and broken keys are ignored. */
static void
test_parse_crypto (void)
{
  const char *text = "v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                     "m=audio 30000 RTP/SAVP 8\r\na=rtpmap:8 PCMA/8000\r\n"
                     "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\r\n"
                     "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:QUFB\r\n"
                     "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJC|2^20|1:4\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(ZvSdp) sdp = zv_sdp_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_true (sdp->srtp);
  g_assert_cmpuint (sdp->crypto_tag, ==, 3);
  g_assert_cmpstr (sdp->crypto_key, ==, "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJC");
}

int
main (int   argc,
      char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/media/srtp/both-ways", GINT_TO_POINTER (CASE_GOOD), test_srtp);
  g_test_add_data_func ("/media/srtp/wrong-key", GINT_TO_POINTER (CASE_WRONG_KEY), test_srtp);
  g_test_add_data_func ("/media/srtp/plain-listener", GINT_TO_POINTER (CASE_PLAIN_LISTENER), test_srtp);
  g_test_add_func ("/media/srtp/parse-crypto", test_parse_crypto);
  return g_test_run ();
}
