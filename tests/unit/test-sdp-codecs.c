/* test-sdp-codecs.c: the codec list of zv-sdp (zv_codec_list_parse, offers limited to it and in
 * its order, answers picking the offer's first codec that is in it, RFC 3264) without any audio:
 * the SDP texts alone. The calls themselves are in tests/integration/test-phone-codecs.py. */
#define G_LOG_DOMAIN "zveno-test"

#include "config.h"

#include <string.h>

#include "zv-sdp.h"
#include "zv-sip-account.h"

static void
test_parse_list (void)
{
  ZvCodecList list;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (zv_codec_list_parse (" g.722 , pcma,OPUS", &list, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (list.n_codecs, ==, 3);
  text = zv_codec_list_to_string (&list);
  g_assert_cmpstr (text, ==, "G722,PCMA,opus");

  g_assert_false (zv_codec_list_parse ("opus,G729", &list, &error));
  g_assert_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "G729"));
  g_clear_error (&error);
  /* A failed parse leaves the list as it was. */
  g_assert_cmpuint (list.n_codecs, ==, 3);

  g_assert_false (zv_codec_list_parse ("PCMU,pcmu", &list, &error));
  g_assert_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (zv_codec_list_parse (" , ", &list, &error));
  g_assert_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID);
}

static void
test_offer_order (void)
{
  ZvCodecList list;
  g_autofree char *offer = NULL;
  g_autofree char *all = NULL;

  g_assert_true (zv_codec_list_parse ("PCMA,G722", &list, NULL));
  offer = zv_sdp_build_offer_with ("127.0.0.1", 30000, 7, 1, ZV_MEDIA_SENDRECV, &list);
  g_assert_nonnull (strstr (offer, "\r\nm=audio 30000 RTP/AVP 8 9 101\r\n"));
  g_assert_nonnull (strstr (offer, "a=rtpmap:8 PCMA/8000\r\n"));
  g_assert_nonnull (strstr (offer, "a=rtpmap:9 G722/8000\r\n"));
  g_assert_null (strstr (offer, "opus"));
  g_assert_null (strstr (offer, "PCMU"));

  /* NULL: everything, Opus first, as before codec lists existed. */
  all = zv_sdp_build_offer_with ("127.0.0.1", 30000, 7, 1, ZV_MEDIA_SENDRECV, NULL);
  g_assert_nonnull (strstr (all, "\r\nm=audio 30000 RTP/AVP 111 9 0 8 101\r\n"));
  g_assert_nonnull (strstr (all, "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n"));
}

static const char peer_offer[] =
  "v=0\r\n"
  "o=peer 1 1 IN IP4 127.0.0.1\r\n"
  "s=-\r\n"
  "c=IN IP4 127.0.0.1\r\n"
  "t=0 0\r\n"
  "m=audio 40000 RTP/AVP 0 9 8 96 101\r\n"
  "a=rtpmap:0 PCMU/8000\r\n"
  "a=rtpmap:9 G722/8000\r\n"
  "a=rtpmap:8 PCMA/8000\r\n"
  "a=rtpmap:96 speex/16000\r\n"
  "a=rtpmap:101 telephone-event/8000\r\n"
  "a=sendrecv\r\n";

/* The offerer's order decides among the codecs we accept; ours only filters. */
static void
test_answer_choice (void)
{
  ZvCodecList list;
  g_autoptr(GError) error = NULL;
  g_autoptr(ZvSdp) any = NULL;
  g_autoptr(ZvSdp) narrowed = NULL;
  g_autoptr(ZvSdp) none = NULL;
  g_autofree char *names = NULL;

  any = zv_sdp_parse_with (peer_offer, strlen (peer_offer), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (any->codec.codec, ==, ZV_CODEC_PCMU);

  g_assert_true (zv_codec_list_parse ("opus,PCMA,G722", &list, NULL));
  narrowed = zv_sdp_parse_with (peer_offer, strlen (peer_offer), &list, &error);
  g_assert_no_error (error);
  g_assert_cmpint (narrowed->codec.codec, ==, ZV_CODEC_G722);
  g_assert_cmpuint (narrowed->codec.payload_type, ==, 9);
  g_assert_cmpint (narrowed->dtmf_payload, ==, 101);

  g_assert_true (zv_codec_list_parse ("opus", &list, NULL));
  none = zv_sdp_parse_with (peer_offer, strlen (peer_offer), &list, &error);
  g_assert_null (none);
  g_assert_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE);
  /* The message names what was offered and what we accept; telephone-event is no audio format. */
  g_assert_nonnull (strstr (error->message, "PCMU, G722, PCMA, speex"));
  g_assert_nonnull (strstr (error->message, "opus"));
  g_assert_null (strstr (error->message, "telephone-event"));

  names = zv_sdp_offered_names (peer_offer, strlen (peer_offer));
  g_assert_cmpstr (names, ==, "PCMU, G722, PCMA, speex");
  g_assert_null (zv_sdp_offered_names ("m=audio x", 9));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sdp/codecs/parse", test_parse_list);
  g_test_add_func ("/sdp/codecs/offer-order", test_offer_order);
  g_test_add_func ("/sdp/codecs/answer-choice", test_answer_choice);
  return g_test_run ();
}
