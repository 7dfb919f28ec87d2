/* zv-sdp.c: SDP offer/answer for one audio stream.
 *
 * We offer Opus (48 kHz, what sounds best), G.722 (wideband, common on desk phones), then PCMU and
 * PCMA (what every PBX and trunk has), and telephone-event for DTMF; a ZvCodecList narrows and
 * reorders that (the account's choice). Answering, we take the first codec of the offer that is in
 * our list, as RFC 3264 asks: the offerer's order is its preference, ours only says what we accept.
 * No common codec, or an SDP sofia's parser refuses, is ZV_SIP_ERROR_NOT_ACCEPTABLE, which the call
 * answers with 488. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include <sofia-sip/sdp.h>

#include "zv-sdp.h"
#include "zv-sip-account.h"

#define OPUS_PT 111
#define DTMF_PT 101

const char *
zv_codec_name (ZvCodec codec)
{
  switch (codec)
    {
    case ZV_CODEC_OPUS: return "opus";
    case ZV_CODEC_PCMU: return "PCMU";
    case ZV_CODEC_PCMA: return "PCMA";
    case ZV_CODEC_G722: return "G722";
    case ZV_CODEC_NONE:
    default: return "none";
    }
}

/* Everything we speak, in the order we prefer it. */
void
zv_codec_list_init_default (ZvCodecList *list)
{
  *list = (ZvCodecList) { { ZV_CODEC_OPUS, ZV_CODEC_G722, ZV_CODEC_PCMU, ZV_CODEC_PCMA }, 4 };
}

static gboolean
codec_list_has (const ZvCodecList *list,
                ZvCodec            codec)
{
  for (guint i = 0; i < list->n_codecs; i++)
    if (list->codecs[i] == codec)
      return TRUE;
  return FALSE;
}

/**
 * zv_codec_list_parse:
 * @text: codec names separated by commas, the preferred first ("opus,G722,PCMU,PCMA"); case does
 *   not matter, and "G.722" is G722
 *
 * Returns: whether @text names at least one codec, each one we speak and none twice; @error says
 * which name is wrong otherwise (ZV_SIP_ERROR_INVALID).
 */
gboolean
zv_codec_list_parse (const char   *text,
                     ZvCodecList  *list,
                     GError      **error)
{
  g_auto(GStrv) names = g_strsplit (text != NULL ? text : "", ",", -1);
  ZvCodecList parsed = { { 0 }, 0 };

  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *name = g_strstrip (names[i]);
      ZvCodec codec = ZV_CODEC_NONE;

      if (*name == '\0')
        continue;
      for (ZvCodec c = ZV_CODEC_OPUS; c < ZV_CODEC_NONE; c++)
        if (g_ascii_strcasecmp (name, zv_codec_name (c)) == 0)
          codec = c;
      if (g_ascii_strcasecmp (name, "G.722") == 0)
        codec = ZV_CODEC_G722;
      if (codec == ZV_CODEC_NONE)
        {
          g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID,
                       _("Unknown audio codec “%s” (known: opus, G722, PCMU, PCMA)."), name);
          return FALSE;
        }
      if (codec_list_has (&parsed, codec))
        {
          g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID,
                       _("The audio codec “%s” is listed twice."), name);
          return FALSE;
        }
      parsed.codecs[parsed.n_codecs++] = codec;
    }
  if (parsed.n_codecs == 0)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID, _("No audio codec was given."));
      return FALSE;
    }
  *list = parsed;
  return TRUE;
}

/* "opus,G722": the names zv_codec_list_parse() reads back. */
char *
zv_codec_list_to_string (const ZvCodecList *list)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < list->n_codecs; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? "," : "", zv_codec_name (list->codecs[i]));
  return g_string_free (out, FALSE);
}

void
zv_sdp_free (ZvSdp *sdp)
{
  if (sdp == NULL)
    return;
  g_free (sdp->address);
  g_free (sdp->crypto_key);
  g_free (sdp);
}

static gboolean
codec_from_rtpmap (const sdp_rtpmap_t *rm,
                   ZvCodecChoice      *choice)
{
  const char *name = rm->rm_encoding;

  if (name == NULL)
    return FALSE;
  choice->payload_type = rm->rm_pt;
  choice->clock_rate = (guint) rm->rm_rate;
  choice->channels = rm->rm_params != NULL ? (guint) g_ascii_strtoull (rm->rm_params, NULL, 10) : 1;
  if (g_ascii_strcasecmp (name, "opus") == 0 && rm->rm_rate == 48000)
    {
      choice->codec = ZV_CODEC_OPUS;
      choice->channels = 2;
      return TRUE;
    }
  if (g_ascii_strcasecmp (name, "PCMU") == 0 && rm->rm_rate == 8000)
    {
      choice->codec = ZV_CODEC_PCMU;
      return TRUE;
    }
  if (g_ascii_strcasecmp (name, "PCMA") == 0 && rm->rm_rate == 8000)
    {
      choice->codec = ZV_CODEC_PCMA;
      return TRUE;
    }
  /* G.722 samples at 16 kHz yet says 8000: an error in RFC 1890 that RFC 3551 kept for compatibility. */
  if (g_ascii_strcasecmp (name, "G722") == 0 && rm->rm_rate == 8000)
    {
      choice->codec = ZV_CODEC_G722;
      return TRUE;
    }
  return FALSE;
}

/* The first a=crypto line with the suite we speak (RFC 4568 6.1):
 * "TAG AES_CM_128_HMAC_SHA1_80 inline:KEY[|LIFETIME][|MKI:LENGTH]". */
static void
read_crypto (const sdp_media_t *audio,
             ZvSdp             *sdp)
{
  for (const sdp_attribute_t *a = audio->m_attributes; a != NULL; a = a->a_next)
    {
      g_auto(GStrv) fields = NULL;
      g_autofree char *key = NULL;
      g_autofree guchar *raw = NULL;
      gsize raw_length = 0;

      if (a->a_name == NULL || g_ascii_strcasecmp (a->a_name, "crypto") != 0 || a->a_value == NULL)
        continue;
      fields = g_strsplit (a->a_value, " ", 4);
      if (g_strv_length (fields) < 3 || strcmp (fields[1], "AES_CM_128_HMAC_SHA1_80") != 0
          || !g_str_has_prefix (fields[2], "inline:"))
        continue;
      key = g_strndup (fields[2] + 7, strcspn (fields[2] + 7, "|"));
      /* 16 bytes of key and 14 of salt. */
      raw = g_base64_decode (key, &raw_length);
      if (raw_length != 30)
        continue;
      sdp->crypto_key = g_steal_pointer (&key);
      sdp->crypto_tag = (guint) g_ascii_strtoull (fields[0], NULL, 10);
      return;
    }
}

/**
 * zv_sdp_add_crypto:
 * @sdp: (transfer full): a description we wrote (one audio stream)
 * @key: our SDES key, base64 of 30 bytes
 *
 * Returns: (transfer full): @sdp turned into an encrypted one: RTP/SAVP and an a=crypto line with
 * @key (AES_CM_128_HMAC_SHA1_80, RFC 4568).
 */
char *
zv_sdp_add_crypto (char       *sdp,
                   const char *key,
                   guint       tag)
{
  g_autofree char *owned = sdp;
  GString *out = g_string_new (NULL);
  const char *m = strstr (owned, "\r\nm=audio ");
  const char *proto = m != NULL ? strstr (m, " RTP/AVP ") : NULL;

  if (proto == NULL)
    {
      g_string_append (out, owned);
      return g_string_free (out, FALSE);
    }
  g_string_append_len (out, owned, proto - owned);
  g_string_append (out, " RTP/SAVP ");
  g_string_append (out, proto + strlen (" RTP/AVP "));
  g_string_append_printf (out, "a=crypto:%u AES_CM_128_HMAC_SHA1_80 inline:%s\r\n", tag, key);
  return g_string_free (out, FALSE);
}

/**
 * zv_sdp_parse:
 *
 * The first audio stream of @text, with the first codec in it that we can use.
 */
#define MAX_SDP_LENGTH (32 * 1024)

/* Checks the text against SDP's grammar before sofia-sip's parser sees it. Found by fuzzing: m=
 * lines such as "m=audio 7078 RTP/,,,,AVP 0" or "m=audio 707~ RTP/AVP 0" send sdp_parse() into
 * allocating gigabytes. Real peers send well-formed lines; anything else is refused as broken. */
static gboolean
sdp_text_is_sane (const char *text,
                  gsize       length)
{
  static GRegex *media_line;
  g_auto(GStrv) lines = NULL;
  g_autofree char *copy = NULL;

  if (g_once_init_enter (&media_line))
    g_once_init_leave (&media_line,
                       g_regex_new ("^m=[a-z]+ [0-9]{1,5}(/[0-9]{1,3})? [A-Za-z0-9/]{1,32}( [A-Za-z0-9*-]{1,32}){1,64}$",
                                    G_REGEX_OPTIMIZE, 0, NULL));

  if (length > MAX_SDP_LENGTH || memchr (text, '\0', length) != NULL)
    return FALSE;
  copy = g_strndup (text, length);
  lines = g_strsplit_set (copy, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (*line == '\0')
        continue;
      /* type=value, a lower-case letter as the type, no control characters in the value. */
      if (!g_ascii_islower (line[0]) || line[1] != '=')
        return FALSE;
      for (const char *p = line; *p != '\0'; p++)
        if ((guchar) *p < 0x20 && *p != '\t')
          return FALSE;
      if (line[0] == 'm' && !g_regex_match (media_line, line, 0, NULL))
        return FALSE;
    }
  return TRUE;
}

ZvSdp *
zv_sdp_parse (const char  *text,
              gsize        length,
              GError     **error)
{
  return zv_sdp_parse_with (text, length, NULL, error);
}

/* Adds @rm's name to @offered ("PCMU, speex"), once: what a refusal tells the user was on offer. */
static void
note_offered (GString            *offered,
              const sdp_rtpmap_t *rm)
{
  g_autofree char *name = rm->rm_encoding != NULL ? g_strdup (rm->rm_encoding)
                                                  : g_strdup_printf ("%u", rm->rm_pt);
  g_autofree char *haystack = g_strdup_printf (", %s, ", offered->str);
  g_autofree char *needle = g_strdup_printf (", %s, ", name);

  if (strstr (haystack, needle) != NULL)
    return;
  g_string_append_printf (offered, "%s%s", offered->len > 0 ? ", " : "", name);
}

/**
 * zv_sdp_offered_names:
 *
 * Returns: (transfer full) (nullable): the codec names of @text's first audio stream ("PCMU,
 * speex"), telephone-event left out, for the Warning of a 488 (plain ASCII, no quotes); NULL when
 * @text cannot be read.
 */
char *
zv_sdp_offered_names (const char *text,
                      gsize       length)
{
  g_autoptr(GString) offered = g_string_new (NULL);
  sdp_parser_t *parser;
  sdp_session_t *session;

  if (text == NULL || length == 0 || !sdp_text_is_sane (text, length))
    return NULL;
  parser = sdp_parse (NULL, text, (issize_t) length, sdp_f_strict);
  session = sdp_session (parser);
  for (const sdp_media_t *m = session != NULL ? session->sdp_media : NULL; m != NULL; m = m->m_next)
    if (m->m_type == sdp_media_audio)
      {
        for (const sdp_rtpmap_t *rm = m->m_rtpmaps; rm != NULL; rm = rm->rm_next)
          if (rm->rm_encoding == NULL || g_ascii_strcasecmp (rm->rm_encoding, "telephone-event") != 0)
            note_offered (offered, rm);
        break;
      }
  sdp_parser_free (parser);
  for (char *p = offered->str; *p != '\0'; p++)
    if (!g_ascii_isprint (*p) || *p == '"' || *p == '\\')
      *p = '_';
  return offered->len > 0 ? g_strdup (offered->str) : NULL;
}

/**
 * zv_sdp_parse_with:
 * @codecs: (nullable): the codecs we accept; NULL for all we speak
 *
 * The first audio stream of @text, with the first codec in it that is in @codecs.
 */
ZvSdp *
zv_sdp_parse_with (const char         *text,
                   gsize               length,
                   const ZvCodecList  *codecs,
                   GError            **error)
{
  ZvCodecList all;
  g_autoptr(GString) offered = g_string_new (NULL);
  sdp_parser_t *parser;
  sdp_session_t *session;
  g_autoptr(ZvSdp) sdp = NULL;
  const sdp_media_t *audio = NULL;
  const sdp_connection_t *connection;

  if (text == NULL || length == 0)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE,
                           _("The other side sent no session description."));
      return NULL;
    }
  if (!sdp_text_is_sane (text, length))
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE,
                           _("The other side sent a broken session description."));
      return NULL;
    }
  parser = sdp_parse (NULL, text, (issize_t) length, sdp_f_strict);
  session = sdp_session (parser);
  if (session == NULL)
    {
      g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE,
                   _("The other side sent a broken session description: %s"),
                   sdp_parsing_error (parser));
      sdp_parser_free (parser);
      return NULL;
    }

  for (const sdp_media_t *m = session->sdp_media; m != NULL; m = m->m_next)
    if (m->m_type == sdp_media_audio && (m->m_proto == sdp_proto_rtp || m->m_proto == sdp_proto_srtp))
      {
        audio = m;
        break;
      }
  connection = audio != NULL && audio->m_connections != NULL ? audio->m_connections
                                                              : session->sdp_connection;
  if (audio == NULL || connection == NULL || connection->c_address == NULL)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE,
                           _("The other side offered no audio stream we can use."));
      sdp_parser_free (parser);
      return NULL;
    }

  if (codecs == NULL)
    {
      zv_codec_list_init_default (&all);
      codecs = &all;
    }
  sdp = g_new0 (ZvSdp, 1);
  sdp->address = g_strdup (connection->c_address);
  sdp->port = audio->m_rejected ? 0 : (guint) audio->m_port;
  sdp->sends = (audio->m_mode & sdp_sendonly) != 0;
  sdp->receives = (audio->m_mode & sdp_recvonly) != 0;
  sdp->codec.codec = ZV_CODEC_NONE;
  sdp->dtmf_payload = -1;
  sdp->srtp = audio->m_proto == sdp_proto_srtp;
  read_crypto (audio, sdp);
  for (const sdp_rtpmap_t *rm = audio->m_rtpmaps; rm != NULL; rm = rm->rm_next)
    {
      ZvCodecChoice choice = { 0 };

      if (rm->rm_encoding != NULL && g_ascii_strcasecmp (rm->rm_encoding, "telephone-event") == 0
          && rm->rm_rate == 8000)
        {
          if (sdp->dtmf_payload < 0)
            sdp->dtmf_payload = rm->rm_pt;
          continue;
        }
      note_offered (offered, rm);
      if (sdp->codec.codec == ZV_CODEC_NONE && codec_from_rtpmap (rm, &choice)
          && codec_list_has (codecs, choice.codec))
        sdp->codec = choice;
    }
  sdp_parser_free (parser);

  if (sdp->port == 0)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE,
                           _("The other side refused the audio stream."));
      return NULL;
    }
  if (sdp->codec.codec == ZV_CODEC_NONE)
    {
      g_autofree char *ours = zv_codec_list_to_string (codecs);

      /* Both lists in the message: whoever reads it can see which side to reconfigure. */
      g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE,
                   _("No common audio format: the other side offered %s; we accept %s."),
                   offered->len > 0 ? offered->str : _("nothing"), ours);
      return NULL;
    }
  return g_steal_pointer (&sdp);
}

static const char *
ip_version (const char *address)
{
  return strchr (address, ':') != NULL ? "IP6" : "IP4";
}

const char *
zv_media_direction_attribute (ZvMediaDirection direction)
{
  switch (direction)
    {
    case ZV_MEDIA_SENDONLY: return "sendonly";
    case ZV_MEDIA_RECVONLY: return "recvonly";
    case ZV_MEDIA_INACTIVE: return "inactive";
    case ZV_MEDIA_SENDRECV:
    default: return "sendrecv";
    }
}

char *
zv_sdp_build_offer (const char *local_address,
                    guint       rtp_port,
                    guint64     session_id,
                    guint       version)
{
  return zv_sdp_build_offer_full (local_address, rtp_port, session_id, version, ZV_MEDIA_SENDRECV);
}

/**
 * zv_sdp_offered_codec:
 * @payload_type: a payload type number of our offer
 * @out: (out): the codec it stands for
 *
 * What our offer (zv_sdp_build_offer_full()) maps @payload_type to. An answer keeps the offer's
 * numbers, so this is also how RTP that arrives before the answer is read.
 */
gboolean
zv_sdp_offered_codec (guint          payload_type,
                      ZvCodecChoice *out)
{
  switch (payload_type)
    {
    case OPUS_PT: *out = (ZvCodecChoice) { ZV_CODEC_OPUS, OPUS_PT, 48000, 2 }; return TRUE;
    case 9: *out = (ZvCodecChoice) { ZV_CODEC_G722, 9, 8000, 1 }; return TRUE;
    case 0: *out = (ZvCodecChoice) { ZV_CODEC_PCMU, 0, 8000, 1 }; return TRUE;
    case 8: *out = (ZvCodecChoice) { ZV_CODEC_PCMA, 8, 8000, 1 }; return TRUE;
    default: return FALSE;
    }
}

/* An offer whose a= direction is @direction: sendonly puts the far end on hold (RFC 3264 8.4). */
char *
zv_sdp_build_offer_full (const char       *local_address,
                         guint             rtp_port,
                         guint64           session_id,
                         guint             version,
                         ZvMediaDirection  direction)
{
  return zv_sdp_build_offer_with (local_address, rtp_port, session_id, version, direction, NULL);
}

/* The payload type our offers give @codec: the static ones of RFC 3551, 111 for Opus as is usual. */
static guint
offer_payload_type (ZvCodec codec)
{
  switch (codec)
    {
    case ZV_CODEC_OPUS: return OPUS_PT;
    case ZV_CODEC_G722: return 9;
    case ZV_CODEC_PCMU: return 0;
    case ZV_CODEC_PCMA: return 8;
    case ZV_CODEC_NONE:
    default: g_return_val_if_reached (0);
    }
}

/**
 * zv_sdp_build_offer_with:
 * @codecs: (nullable): what to offer, in this order; NULL for all we speak
 *
 * Our offer: @codecs with the payload types zv_sdp_offered_codec() reads back, then
 * telephone-event.
 */
char *
zv_sdp_build_offer_with (const char        *local_address,
                         guint              rtp_port,
                         guint64            session_id,
                         guint              version,
                         ZvMediaDirection   direction,
                         const ZvCodecList *codecs)
{
  GString *sdp = g_string_new (NULL);
  ZvCodecList all;

  if (codecs == NULL || codecs->n_codecs == 0)
    {
      zv_codec_list_init_default (&all);
      codecs = &all;
    }
  g_string_append_printf (sdp,
                          "v=0\r\n"
                          "o=zveno %" G_GUINT64_FORMAT " %u IN %s %s\r\n"
                          "s=Zveno\r\n"
                          "c=IN %s %s\r\n"
                          "t=0 0\r\n"
                          "m=audio %u RTP/AVP",
                          session_id, version, ip_version (local_address), local_address,
                          ip_version (local_address), local_address, rtp_port);
  for (guint i = 0; i < codecs->n_codecs; i++)
    g_string_append_printf (sdp, " %u", offer_payload_type (codecs->codecs[i]));
  g_string_append_printf (sdp, " %d\r\n", DTMF_PT);
  for (guint i = 0; i < codecs->n_codecs; i++)
    {
      guint pt = offer_payload_type (codecs->codecs[i]);

      if (codecs->codecs[i] == ZV_CODEC_OPUS)
        g_string_append_printf (sdp, "a=rtpmap:%u opus/48000/2\r\na=fmtp:%u useinbandfec=1\r\n", pt, pt);
      else
        g_string_append_printf (sdp, "a=rtpmap:%u %s/8000\r\n", pt, zv_codec_name (codecs->codecs[i]));
    }
  g_string_append_printf (sdp,
                          "a=rtpmap:%d telephone-event/8000\r\n"
                          "a=fmtp:%d 0-15\r\n"
                          "a=ptime:20\r\n"
                          "a=%s\r\n",
                          DTMF_PT, DTMF_PT, zv_media_direction_attribute (direction));
  return g_string_free (sdp, FALSE);
}

/* The direction that mirrors the offer's (RFC 3264 6.1): what a phone not on hold answers. */
static ZvMediaDirection
mirrored_direction (const ZvSdp *offer)
{
  if (offer->sends && offer->receives)
    return ZV_MEDIA_SENDRECV;
  if (offer->sends)
    return ZV_MEDIA_RECVONLY;
  if (offer->receives)
    return ZV_MEDIA_SENDONLY;
  return ZV_MEDIA_INACTIVE;
}

char *
zv_sdp_build_answer (const char  *local_address,
                     guint        rtp_port,
                     guint64      session_id,
                     guint        version,
                     const ZvSdp *offer)
{
  return zv_sdp_build_answer_full (local_address, rtp_port, session_id, version, offer,
                                   mirrored_direction (offer));
}

/* The answer keeps the offer's payload type numbers: the offerer picked them. @direction is ours,
 * and must not claim what the offer excludes (sendrecv to a sendonly offer). */
char *
zv_sdp_build_answer_full (const char       *local_address,
                          guint             rtp_port,
                          guint64           session_id,
                          guint             version,
                          const ZvSdp      *offer,
                          ZvMediaDirection  direction)
{
  GString *sdp = g_string_new (NULL);
  const ZvCodecChoice *c = &offer->codec;

  g_string_append_printf (sdp,
                          "v=0\r\n"
                          "o=zveno %" G_GUINT64_FORMAT " %u IN %s %s\r\n"
                          "s=Zveno\r\n"
                          "c=IN %s %s\r\n"
                          "t=0 0\r\n"
                          "m=audio %u RTP/AVP %u",
                          session_id, version, ip_version (local_address), local_address,
                          ip_version (local_address), local_address, rtp_port, c->payload_type);
  if (offer->dtmf_payload >= 0)
    g_string_append_printf (sdp, " %d", offer->dtmf_payload);
  g_string_append (sdp, "\r\n");
  if (c->codec == ZV_CODEC_OPUS)
    g_string_append_printf (sdp, "a=rtpmap:%u opus/48000/2\r\n", c->payload_type);
  else
    g_string_append_printf (sdp, "a=rtpmap:%u %s/8000\r\n", c->payload_type, zv_codec_name (c->codec));
  if (offer->dtmf_payload >= 0)
    g_string_append_printf (sdp, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-15\r\n",
                            offer->dtmf_payload, offer->dtmf_payload);
  g_string_append (sdp, "a=ptime:20\r\n");
  g_string_append_printf (sdp, "a=%s\r\n", zv_media_direction_attribute (direction));
  return g_string_free (sdp, FALSE);
}
