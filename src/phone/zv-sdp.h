/* zv-sdp.h: SDP offer/answer for one audio stream (RFC 3264), and the codecs Zveno speaks.
 *
 * Plain data, not an object: a parsed description (ZvSdp) and functions that write our offers and
 * answers. Parsing uses sofia-sip's strict SDP parser; anything it rejects is a broken SDP. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  ZV_CODEC_OPUS,
  ZV_CODEC_PCMU,
  ZV_CODEC_PCMA,
  ZV_CODEC_G722,     /* 16 kHz audio, but 8000 as its RTP clock rate (RFC 3551 4.5.2) */
  ZV_CODEC_NONE,
} ZvCodec;

/* Which way audio flows, from the point of view of whoever the value describes (RFC 3264 a=sendrecv,
 * a=sendonly, a=recvonly, a=inactive). */
typedef enum {
  ZV_MEDIA_SENDRECV,
  ZV_MEDIA_SENDONLY,
  ZV_MEDIA_RECVONLY,
  ZV_MEDIA_INACTIVE,
} ZvMediaDirection;

typedef struct {
  ZvCodec   codec;
  guint     payload_type;
  guint     clock_rate;
  guint     channels;
} ZvCodecChoice;

/* An ordered list of codecs (zv_sip_account_set_codecs()): our offers list these in this order,
 * and an offer or answer with none of them is refused. */
typedef struct {
  ZvCodec  codecs[ZV_CODEC_NONE];
  guint    n_codecs;
} ZvCodecList;

typedef struct {
  char          *address;        /* where to send RTP */
  guint          port;           /* 0: the stream is refused */
  gboolean       sends;          /* the peer will send to us (sendrecv or sendonly) */
  gboolean       receives;       /* the peer wants our audio (sendrecv or recvonly) */
  ZvCodecChoice  codec;          /* the first codec of the peer's list that we have */
  int            dtmf_payload;   /* telephone-event/8000 payload type, -1 when none */
  gboolean       srtp;           /* RTP/SAVP: the stream is encrypted (RFC 3711) */
  char          *crypto_key;     /* the SDES key (RFC 4568 a=crypto inline:, base64 of key and salt)
                                  * for AES_CM_128_HMAC_SHA1_80, NULL when none */
  guint          crypto_tag;     /* that a=crypto line's tag, which the answer repeats */
} ZvSdp;

const char *zv_codec_name        (ZvCodec        codec);
void        zv_codec_list_init_default (ZvCodecList       *list);
gboolean    zv_codec_list_parse        (const char        *text,
                                        ZvCodecList       *list,
                                        GError           **error);
char       *zv_codec_list_to_string    (const ZvCodecList *list);
ZvSdp      *zv_sdp_parse_with    (const char        *text,
                                  gsize              length,
                                  const ZvCodecList *codecs,
                                  GError           **error);
char       *zv_sdp_offered_names (const char        *text,
                                  gsize              length);
char       *zv_sdp_build_offer_with  (const char        *local_address,
                                      guint              rtp_port,
                                      guint64            session_id,
                                      guint              version,
                                      ZvMediaDirection   direction,
                                      const ZvCodecList *codecs);
ZvSdp      *zv_sdp_parse         (const char    *text,
                                  gsize          length,
                                  GError       **error);
void        zv_sdp_free          (ZvSdp         *sdp);
char       *zv_sdp_build_offer   (const char    *local_address,
                                  guint          rtp_port,
                                  guint64        session_id,
                                  guint          version);
char       *zv_sdp_build_answer  (const char    *local_address,
                                  guint          rtp_port,
                                  guint64        session_id,
                                  guint          version,
                                  const ZvSdp   *offer);
const char *zv_media_direction_attribute (ZvMediaDirection direction);
char       *zv_sdp_build_offer_full  (const char       *local_address,
                                      guint             rtp_port,
                                      guint64           session_id,
                                      guint             version,
                                      ZvMediaDirection  direction);
char       *zv_sdp_build_answer_full (const char       *local_address,
                                      guint             rtp_port,
                                      guint64           session_id,
                                      guint             version,
                                      const ZvSdp      *offer,
                                      ZvMediaDirection  direction);

gboolean    zv_sdp_offered_codec     (guint             payload_type,
                                      ZvCodecChoice    *out);
char       *zv_sdp_add_crypto    (char          *sdp,
                                  const char    *key,
                                  guint          tag);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvSdp, zv_sdp_free)

G_END_DECLS
