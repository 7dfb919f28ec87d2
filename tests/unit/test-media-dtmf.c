/* test-media-dtmf.c: DTMF between two media sessions on loopback (RFC 4733 telephone-events sent by
 * rtpdtmfsrc, read back from the RTP stream), and the SIP INFO body format. */
#define G_LOG_DOMAIN "zveno-test"

#include "config.h"

#include <gst/gst.h>
#include <string.h>

#include "test-media-util.h"
#include "zv-dtmf.h"
#include "zv-media-session.h"
#include "zv-sip-account.h"

static void
append_digit (ZvMediaSession *session,
              const char     *digit,
              GString        *received)
{
  g_assert_cmpuint (strlen (digit), ==, 1);
  g_string_append (received, digit);
}

typedef struct {
  const char *rtpmap;
  guint       payload_type;
} DtmfCase;

static const DtmfCase cases[] = {
  { "opus/48000/2", 111 },
  { "PCMA/8000", 8 },
};

/* A sends "1234#*" and then "0" while the first are still going; B receives exactly those, in order. */
static void
test_rfc4733 (gconstpointer data)
{
  const DtmfCase *c = data;
  g_autoptr(ZvMediaSession) a = zv_test_session_new ();
  g_autoptr(ZvMediaSession) b = zv_test_session_new ();
  g_autoptr(ZvSdp) to_a = zv_test_remote (zv_media_session_get_port (a), c->rtpmap, c->payload_type, NULL);
  g_autoptr(ZvSdp) to_b = zv_test_remote (zv_media_session_get_port (b), c->rtpmap, c->payload_type, NULL);
  g_autoptr(GString) at_a = g_string_new (NULL);
  g_autoptr(GString) at_b = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  g_signal_connect (a, "dtmf-received", G_CALLBACK (append_digit), at_a);
  g_signal_connect (b, "dtmf-received", G_CALLBACK (append_digit), at_b);
  zv_media_session_start (a, to_b, &error);
  g_assert_no_error (error);
  zv_media_session_start (b, to_a, &error);
  g_assert_no_error (error);
  g_assert_true (zv_media_session_can_send_dtmf (a));
  zv_test_run_loop (0.5);

  g_assert_false (zv_media_session_send_dtmf (a, "12x", &error));
  g_assert_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (zv_media_session_send_dtmf (a, "1234#*", &error));
  g_assert_no_error (error);
  zv_test_run_loop (0.3);
  g_assert_true (zv_media_session_send_dtmf (a, "0", &error));
  g_assert_true (zv_media_session_is_sending_dtmf (a));
  /* 7 digits of 160 + 80 ms. */
  zv_test_run_loop (2.5);
  g_assert_false (zv_media_session_is_sending_dtmf (a));
  g_assert_true (zv_media_session_send_dtmf (b, "9D", &error));
  zv_test_run_loop (1.0);
  zv_media_session_stop (a);
  zv_media_session_stop (b);

  g_assert_cmpstr (at_b->str, ==, "1234#*0");
  g_assert_cmpstr (at_a->str, ==, "9D");
}

/* A far end without telephone-event: nothing to send them with (the call uses SIP INFO). */
static void
test_no_telephone_event (void)
{
  g_autoptr(ZvMediaSession) a = zv_test_session_new ();
  const char *text = "v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                     "m=audio 30000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(ZvSdp) remote = zv_sdp_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_cmpint (remote->dtmf_payload, ==, -1);
  zv_media_session_start (a, remote, &error);
  g_assert_no_error (error);
  g_assert_false (zv_media_session_can_send_dtmf (a));
  g_assert_false (zv_media_session_send_dtmf (a, "1", &error));
  g_assert_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE);
  zv_media_session_stop (a);
}

static void
test_info_bodies (void)
{
  g_autofree char *body = zv_dtmf_info_body ('#', 160);

  g_assert_cmpstr (body, ==, "Signal=#\r\nDuration=160\r\n");
  g_assert_cmpint (zv_dtmf_parse_info ("application/dtmf-relay", body, strlen (body)), ==, '#');
  g_assert_cmpint (zv_dtmf_parse_info ("application/dtmf-relay", "Signal= 5\nDuration=100", 22), ==, '5');
  g_assert_cmpint (zv_dtmf_parse_info ("application/dtmf-relay", "Signal=10\r\n", 11), ==, '*');
  g_assert_cmpint (zv_dtmf_parse_info ("application/dtmf-relay", "Signal=x\r\n", 10), ==, '\0');
  g_assert_cmpint (zv_dtmf_parse_info ("application/dtmf-relay", "Duration=100\r\n", 14), ==, '\0');
  g_assert_cmpint (zv_dtmf_parse_info ("application/dtmf", "7", 1), ==, '7');
  g_assert_cmpint (zv_dtmf_parse_info ("text/plain", "Signal=1", 8), ==, '\0');
  g_assert_cmpint (zv_dtmf_event_from_digit ('*'), ==, 10);
  g_assert_cmpint (zv_dtmf_event_from_digit ('d'), ==, 15);
  g_assert_cmpint (zv_dtmf_event_from_digit ('E'), ==, -1);
  g_assert_cmpint (zv_dtmf_digit_from_event (11), ==, '#');
  g_assert_cmpint (zv_dtmf_digit_from_event (16), ==, '\0');
}

/* A telephone-event packet with a CSRC and a header extension before its payload. */
static void
test_parse_rtp (void)
{
  const guint8 packet[] = {
    0x91, 101, 0x00, 0x01, 0x00, 0x00, 0x10, 0x00, 0xde, 0xad, 0xbe, 0xef,
    0x01, 0x02, 0x03, 0x04,
    0xbe, 0xde, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x05, 0x8a, 0x03, 0x20,
  };
  guint32 timestamp = 0;
  guint event = 0;
  gboolean end = FALSE;

  g_assert_true (zv_dtmf_parse_rtp (packet, sizeof packet, 101, &timestamp, &event, &end));
  g_assert_cmpuint (timestamp, ==, 0x1000);
  g_assert_cmpuint (event, ==, 5);
  g_assert_true (end);
  g_assert_false (zv_dtmf_parse_rtp (packet, sizeof packet, 100, &timestamp, &event, &end));
  g_assert_false (zv_dtmf_parse_rtp (packet, sizeof packet - 2, 101, &timestamp, &event, &end));
}

int
main (int   argc,
      char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/media/dtmf/rfc4733/%.4s", cases[i].rtpmap);

      g_test_add_data_func (name, &cases[i], test_rfc4733);
    }
  g_test_add_func ("/media/dtmf/no-telephone-event", test_no_telephone_event);
  g_test_add_func ("/media/dtmf/info-bodies", test_info_bodies);
  g_test_add_func ("/media/dtmf/parse-rtp", test_parse_rtp);
  return g_test_run ();
}
