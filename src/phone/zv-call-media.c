/* zv-call-media.c: ZvCall's media features: DTMF (RFC 4733 through the media session, SIP INFO
 * when the far end offers no telephone-event, and INFO received), mute, SRTP policy (our key in our
 * descriptions, 488 for an unencrypted offer when encryption is required), statistics and the
 * dialog's Call-ID for the quality report. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "zv-audio-devices.h"
#include "zv-call-private.h"
#include "zv-dtmf.h"

/* Properties and signals of this file; property ids follow zv-call.c's (set by class_init). */
static guint prop_muted;

enum {
  MEDIA_SIGNAL_DTMF,
  N_MEDIA_SIGNALS
};

static guint media_signals[N_MEDIA_SIGNALS];

void
zv_call_class_init_media (GObjectClass *object_class,
                          guint         first_prop_id)
{
  prop_muted = first_prop_id;
  /* Our microphone is muted: the far end hears silence. Set with zv_call_set_muted(). */
  g_object_class_install_property (object_class, prop_muted,
                                   g_param_spec_boolean ("muted", NULL, NULL, FALSE,
                                                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS
                                                         | G_PARAM_EXPLICIT_NOTIFY));
  /* ZvCall::dtmf (const char *digit): the far end pressed a key, by RFC 4733 telephone-event or by
   * SIP INFO. */
  media_signals[MEDIA_SIGNAL_DTMF] =
    g_signal_new ("dtmf", G_TYPE_FROM_CLASS (object_class), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

gboolean
zv_call_get_media_property (ZvCall *self,
                            guint   prop_id,
                            GValue *value)
{
  if (prop_id != prop_muted)
    return FALSE;
  g_value_set_boolean (value, self->muted);
  return TRUE;
}

static void
on_media_dtmf (ZvMediaSession *media,
               const char     *digit,
               ZvCall         *self)
{
  g_signal_emit (self, media_signals[MEDIA_SIGNAL_DTMF], 0, digit);
}

/* Called once the media session exists. */
void
zv_call_connect_media (ZvCall *self)
{
  g_signal_connect_object (self->media, "dtmf-received", G_CALLBACK (on_media_dtmf), self, 0);
  zv_media_session_set_muted (self->media, self->muted);
  zv_media_session_set_dsp (self->media, self->dsp);
  /* Before the session is prepared these only take note; they cannot fail. */
  zv_media_session_set_input_device (self->media, self->input_device, NULL);
  zv_media_session_set_output_device (self->media, self->output_device, NULL);
  /* Encrypted when the policy says so, or when the caller offered it (answering in kind). */
  if (self->srtp_required || zv_sip_account_get_srtp_required (self->account)
      || (self->incoming && self->remote_sdp != NULL && self->remote_sdp->crypto_key != NULL))
    {
      g_autoptr(GError) error = NULL;

      if (!zv_media_session_enable_srtp (self->media, &error))
        g_warning ("%s", error->message);
    }
}

/**
 * zv_call_set_muted:
 *
 * Mutes our microphone for this call (before or during it): the far end hears silence.
 */
void
zv_call_set_muted (ZvCall   *self,
                   gboolean  muted)
{
  g_return_if_fail (ZV_IS_CALL (self));

  muted = !!muted;
  if (self->muted == muted)
    return;
  self->muted = muted;
  if (self->media != NULL)
    zv_media_session_set_muted (self->media, muted);
  g_object_notify (G_OBJECT (self), "muted");
}

gboolean
zv_call_get_muted (ZvCall *self)
{
  return self->muted;
}

/* An INFO in our dialog: a digit when it carries one (nua answers 200 by itself). */
void
zv_call_on_info (ZvCall      *self,
                 const sip_t *sip)
{
  const char *type = sip != NULL && sip->sip_content_type != NULL ? sip->sip_content_type->c_type : NULL;
  char digit;

  if (sip == NULL || sip->sip_payload == NULL)
    return;
  digit = zv_dtmf_parse_info (type, sip->sip_payload->pl_data, sip->sip_payload->pl_len);
  if (digit != '\0')
    {
      char text[2] = { digit, '\0' };

      g_signal_emit (self, media_signals[MEDIA_SIGNAL_DTMF], 0, text);
    }
}

/* One digit per INFO, the next once the last is answered: digits must arrive in order. */
static void
send_next_info (ZvCall *self)
{
  g_autofree char *body = NULL;

  if (self->dtmf_info_pending || self->nh == NULL || self->dtmf_info_queue == NULL
      || self->dtmf_info_queue->len == 0 || self->state != ZV_CALL_STATE_ACTIVE)
    return;
  body = zv_dtmf_info_body (self->dtmf_info_queue->str[0], ZV_DTMF_TONE_MS);
  g_string_erase (self->dtmf_info_queue, 0, 1);
  self->dtmf_info_pending = TRUE;
  nua_info (self->nh, SIPTAG_CONTENT_TYPE_STR ("application/dtmf-relay"), SIPTAG_PAYLOAD_STR (body), TAG_END ());
}

void
zv_call_on_info_response (ZvCall      *self,
                          int          status,
                          const sip_t *sip)
{
  if (status < 200)
    return;
  if ((status == 401 || status == 407) && sip != NULL && self->auth_tries++ < 3)
    {
      zv_sip_account_authenticate (self->account, self->nh, sip);
      return;
    }
  if (status >= 300)
    g_debug ("INFO refused: %d; the digit is lost", status);
  self->dtmf_info_pending = FALSE;
  send_next_info (self);
}

/**
 * zv_call_send_dtmf:
 * @digits: 0-9, *, #, A-D
 *
 * Sends @digits to the far end of an answered call: as RFC 4733 telephone-events when it offered
 * them, otherwise by SIP INFO (application/dtmf-relay), one request per digit. Digits queue behind
 * those still being sent.
 */
gboolean
zv_call_send_dtmf (ZvCall      *self,
                   const char  *digits,
                   GError     **error)
{
  g_return_val_if_fail (ZV_IS_CALL (self), FALSE);

  if (!zv_dtmf_check_digits (digits, error))
    return FALSE;
  if (self->state != ZV_CALL_STATE_ACTIVE || self->media == NULL)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID, _("Keys can be sent only in an answered call."));
      return FALSE;
    }
  if (zv_media_session_can_send_dtmf (self->media))
    return zv_media_session_send_dtmf (self->media, digits, error);
  if (self->dtmf_info_queue == NULL)
    self->dtmf_info_queue = g_string_new (NULL);
  g_string_append (self->dtmf_info_queue, digits);
  send_next_info (self);
  return TRUE;
}

/* Whether digits are still on their way (in the audio or by INFO). */
gboolean
zv_call_is_sending_dtmf (ZvCall *self)
{
  if (self->media != NULL && zv_media_session_is_sending_dtmf (self->media))
    return TRUE;
  return self->dtmf_info_pending || (self->dtmf_info_queue != NULL && self->dtmf_info_queue->len > 0);
}

void
zv_call_remember_call_id (ZvCall      *self,
                          const sip_t *sip)
{
  if (self->sip_call_id == NULL && sip != NULL && sip->sip_call_id != NULL && sip->sip_call_id->i_id != NULL)
    self->sip_call_id = g_strdup (sip->sip_call_id->i_id);
}

/* The SIP Call-ID of the call's dialog, NULL before the first message of it. */
const char *
zv_call_get_sip_call_id (ZvCall *self)
{
  return self->sip_call_id;
}

/**
 * zv_call_get_stats:
 * @out: (out caller-allocates): filled in; zeros (MOS 0) when the call had no audio
 *
 * The call's audio quality now, or at its end: RTCP loss, jitter, round trip and a MOS estimate.
 */
void
zv_call_get_stats (ZvCall      *self,
                   ZvCallStats *out)
{
  g_return_if_fail (ZV_IS_CALL (self));
  g_return_if_fail (out != NULL);

  if (self->media == NULL)
    {
      *out = (ZvCallStats) { .codec = ZV_CODEC_NONE, .loss_sent = -1, .rtt_ms = -1 };
      return;
    }
  zv_media_session_get_stats (self->media, out);
}

/**
 * zv_call_set_srtp_required:
 *
 * This call must be encrypted (SRTP with SDES keys, RFC 4568), whatever the account's transport:
 * our offer carries a=crypto, and an answer without it fails the call. Before zv_call_start().
 * The account's policy (zv_sip_account_set_srtp_required(), or TLS) applies to every call anyway.
 */
void
zv_call_set_srtp_required (ZvCall   *self,
                           gboolean  required)
{
  g_return_if_fail (ZV_IS_CALL (self));
  self->srtp_required = required;
}

/* Whether the call's audio is encrypted (SRTP). */
gboolean
zv_call_is_encrypted (ZvCall *self)
{
  return self->media != NULL && zv_media_session_get_srtp_key (self->media) != NULL;
}

/* An incoming offer under a policy that wants encryption must carry a key we can use. */
gboolean
zv_call_srtp_acceptable (ZvCall       *self,
                         const ZvSdp  *offer,
                         GError      **error)
{
  if (offer->crypto_key != NULL
      || !(self->srtp_required || zv_sip_account_get_srtp_required (self->account)))
    return TRUE;
  g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_NOT_ACCEPTABLE,
                       _("The caller offered unencrypted audio, which this account does not allow."));
  return FALSE;
}

/* @sdp (transfer full) with our key when the call is encrypted; an answer repeats the tag of the
 * offer's a=crypto line (RFC 4568 5.1.2). */
char *
zv_call_secure_sdp (ZvCall      *self,
                    char        *sdp,
                    const ZvSdp *offer)
{
  const char *key = self->media != NULL ? zv_media_session_get_srtp_key (self->media) : NULL;

  if (key == NULL)
    return sdp;
  return zv_sdp_add_crypto (sdp, key, offer != NULL && offer->crypto_key != NULL ? offer->crypto_tag : 1);
}

/**
 * zv_call_mix_into:
 * @other: another answered call
 *
 * What the far end of @self says is sent to @other's far end too, mixed with our own audio
 * (zv_media_session_mix_into()). Both calls must be answered.
 */
gboolean
zv_call_mix_into (ZvCall  *self,
                  ZvCall  *other,
                  GError **error)
{
  g_return_val_if_fail (ZV_IS_CALL (self), FALSE);
  g_return_val_if_fail (ZV_IS_CALL (other), FALSE);

  if (self->state != ZV_CALL_STATE_ACTIVE || other->state != ZV_CALL_STATE_ACTIVE
      || self->media == NULL || other->media == NULL)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_INVALID, _("Only two answered calls can be merged."));
      return FALSE;
    }
  return zv_media_session_mix_into (self->media, other->media, error);
}

/* Undoes zv_call_mix_into() both ways for @self: its audio goes to its own far end only. */
void
zv_call_unmix (ZvCall *self)
{
  g_return_if_fail (ZV_IS_CALL (self));

  if (self->media != NULL)
    zv_media_session_unmix (self->media);
}

void
zv_call_clear_media (ZvCall *self)
{
  g_clear_object (&self->input_device);
  g_clear_object (&self->output_device);
}

/* @id's device of @klass ("Audio/Source", "Audio/Sink"); NULL @id: @devices' default. */
static GstDevice *
find_device (ZvAudioDevices  *devices,
             const char      *id,
             const char      *klass,
             GError         **error)
{
  g_autoptr(GstDevice) device = NULL;
  gboolean input = g_str_equal (klass, "Audio/Source");

  if (id != NULL)
    device = zv_audio_devices_find (devices, id);
  else
    device = input ? zv_audio_devices_get_default_input (devices) : zv_audio_devices_get_default_output (devices);
  if (device == NULL || !gst_device_has_classes (device, klass))
    {
      if (id != NULL)
        g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA,
                     input ? _("The microphone “%s” is not connected.") : _("The speaker “%s” is not connected."), id);
      else
        g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA,
                             input ? _("There is no microphone.") : _("There is no speaker."));
      return NULL;
    }
  return g_steal_pointer (&device);
}

/**
 * zv_call_set_input_device:
 * @devices: the running device list (zv_audio_devices_start())
 * @id: (nullable): a device id (zv_audio_device_get_id()); NULL: @devices' default microphone
 *
 * The microphone of the call. Before zv_call_start(), or for an incoming call in the account's
 * ::incoming-call handler, it is the one the call opens (at the answer, never while ringing);
 * during the call it replaces the one in use at once, without a gap the far end would notice.
 * A call that started without a device (files, silence) cannot switch to one.
 */
gboolean
zv_call_set_input_device (ZvCall          *self,
                          ZvAudioDevices  *devices,
                          const char      *id,
                          GError         **error)
{
  g_autoptr(GstDevice) device = NULL;

  g_return_val_if_fail (ZV_IS_CALL (self), FALSE);
  g_return_val_if_fail (devices != NULL, FALSE);

  device = find_device (devices, id, "Audio/Source", error);
  if (device == NULL)
    return FALSE;
  if (self->media != NULL && !zv_media_session_set_input_device (self->media, device, error))
    return FALSE;
  g_set_object (&self->input_device, device);
  return TRUE;
}

/**
 * zv_call_set_output_device:
 * @devices: the running device list
 * @id: (nullable): a device id; NULL: @devices' default speaker
 *
 * The speaker of the call, before or during it (switching at once), as
 * zv_call_set_input_device().
 */
gboolean
zv_call_set_output_device (ZvCall          *self,
                           ZvAudioDevices  *devices,
                           const char      *id,
                           GError         **error)
{
  g_autoptr(GstDevice) device = NULL;

  g_return_val_if_fail (ZV_IS_CALL (self), FALSE);
  g_return_val_if_fail (devices != NULL, FALSE);

  device = find_device (devices, id, "Audio/Sink", error);
  if (device == NULL)
    return FALSE;
  if (self->media != NULL && !zv_media_session_set_output_device (self->media, device, error))
    return FALSE;
  g_set_object (&self->output_device, device);
  return TRUE;
}

/* Returns: (transfer full) (nullable): the id of the call's microphone, NULL when it has none. */
char *
zv_call_dup_input_device_id (ZvCall *self)
{
  g_return_val_if_fail (ZV_IS_CALL (self), NULL);
  return self->input_device != NULL ? zv_audio_device_get_id (self->input_device) : NULL;
}

/* Returns: (transfer full) (nullable): the id of the call's speaker, NULL when it has none. */
char *
zv_call_dup_output_device_id (ZvCall *self)
{
  g_return_val_if_fail (ZV_IS_CALL (self), NULL);
  return self->output_device != NULL ? zv_audio_device_get_id (self->output_device) : NULL;
}

/**
 * zv_call_set_dsp:
 *
 * Echo cancellation, noise suppression and automatic gain control (webrtcdsp) on what we send,
 * cancelling what the speaker (or, without one, the recording) plays. Set it before the call
 * starts or is answered (in ::incoming-call); it does not change a call whose audio is flowing.
 */
void
zv_call_set_dsp (ZvCall   *self,
                 gboolean  dsp)
{
  g_return_if_fail (ZV_IS_CALL (self));
  self->dsp = dsp;
  if (self->media != NULL)
    zv_media_session_set_dsp (self->media, dsp);
}

gboolean
zv_call_get_dsp (ZvCall *self)
{
  g_return_val_if_fail (ZV_IS_CALL (self), FALSE);
  return self->dsp;
}
