/* fuzz-sdp.c: the SDP of a peer's INVITE or answer (zv_sdp_parse, sofia-sip's parser plus our
 * mapping to one audio stream) and our answer to it (zv_sdp_build_answer).
 * Invariants: our answer to anything we accepted parses with our own parser and names the codec
 * we chose. */
#define G_LOG_DOMAIN "zveno-fuzz"

#include "config.h"

#include "fuzz-common.h"
#include "zv-sdp.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ZvSdp) offer = NULL;

  zv_fuzz_init ();
  offer = zv_sdp_parse ((const char *) data, size, &error);
  if (offer == NULL)
    {
      if (error == NULL)
        zv_fuzz_fail ("zv_sdp_parse failed without an error");
      return 0;
    }
  (void) zv_codec_name (offer->codec.codec);
  if (offer->codec.codec != ZV_CODEC_NONE && offer->port != 0)
    {
      g_autofree char *answer = zv_sdp_build_answer ("127.0.0.1", 40000, 1, 1, offer);
      g_autoptr(GError) answer_error = NULL;
      g_autoptr(ZvSdp) parsed = NULL;

      if (answer == NULL)
        zv_fuzz_fail ("no answer to an offer we accepted");
      parsed = zv_sdp_parse (answer, strlen (answer), &answer_error);
      if (parsed == NULL)
        zv_fuzz_fail ("our own answer does not parse: %s\n%s", answer_error->message, answer);
      if (parsed->codec.codec != offer->codec.codec)
        zv_fuzz_fail ("our answer names %s, we chose %s\n%s", zv_codec_name (parsed->codec.codec),
                      zv_codec_name (offer->codec.codec), answer);
    }
  return 0;
}
