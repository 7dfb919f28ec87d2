/* zv-media-io.c: what a media session's audio goes through besides codecs: SRTP (srtpenc/srtpdec
 * with SDES keys), sound devices (a microphone through an audiomixer, speakers off a tee, both
 * switchable while the call runs) and webrtcdsp with its echo probe. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <sys/random.h>

#include "zv-media-session-private.h"
#include "zv-sip-account.h"

/* srtpdec asks for the key of each new sender (SSRC): the far end's, from its a=crypto. */
static GstCaps *
request_key (GstElement *srtpdec,
             guint       ssrc,
             gpointer    user_data)
{
  ZvMediaSession *self = user_data;
  g_autoptr(GBytes) remote_key = NULL;
  g_autoptr(GstBuffer) key = NULL;

  /* The receiving side runs before the answer; RTP that beats the answer's key is dropped. */
  g_mutex_lock (&self->lock);
  remote_key = self->srtp_remote_key != NULL ? g_bytes_ref (self->srtp_remote_key) : NULL;
  g_mutex_unlock (&self->lock);
  if (remote_key == NULL)
    return NULL;
  key = gst_buffer_new_wrapped_bytes (remote_key);
  return gst_caps_new_simple ("application/x-srtp", "srtp-key", GST_TYPE_BUFFER, key,
                              "srtp-cipher", G_TYPE_STRING, "aes-128-icm",
                              "srtp-auth", G_TYPE_STRING, "hmac-sha1-80",
                              "srtcp-cipher", G_TYPE_STRING, "aes-128-icm",
                              "srtcp-auth", G_TYPE_STRING, "hmac-sha1-80", NULL);
}

/* udpsrc (RTP, RTCP) -> [srtpdec] -> rtpbin */
gboolean
zv_media_session_link_receiver (ZvMediaSession *self,
                                GstElement     *rtpbin,
                                GstElement     *rtcp_src,
                                GError        **error)
{
  GstElement *dec;
  g_autoptr(GstCaps) srtcp = NULL;

  if (self->srtp_key == NULL)
    {
      if (zv_media_link (self->rtp_src, "src", rtpbin, "recv_rtp_sink_0")
          && zv_media_link (rtcp_src, "src", rtpbin, "recv_rtcp_sink_0"))
        return TRUE;
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the receiver."));
      return FALSE;
    }
  dec = zv_media_make ("srtpdec", error);
  if (dec == NULL)
    return FALSE;
  srtcp = gst_caps_new_empty_simple ("application/x-srtcp");
  g_object_set (rtcp_src, "caps", srtcp, NULL);
  g_signal_connect (dec, "request-key", G_CALLBACK (request_key), self);
  gst_bin_add (GST_BIN (self->pipeline), dec);
  if (zv_media_link (self->rtp_src, "src", dec, "rtp_sink")
      && zv_media_link (rtcp_src, "src", dec, "rtcp_sink")
      && zv_media_link (dec, "rtp_src", rtpbin, "recv_rtp_sink_0")
      && zv_media_link (dec, "rtcp_src", rtpbin, "recv_rtcp_sink_0"))
    return TRUE;
  g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the receiver."));
  return FALSE;
}

/* rtpbin -> [srtpenc] -> udpsink (RTP, RTCP) */
gboolean
zv_media_session_link_sender (ZvMediaSession *self,
                              GstElement     *rtpbin,
                              GstElement     *rtp_sink,
                              GstElement     *rtcp_sink)
{
  GstElement *enc;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GstBuffer) key = NULL;
  gsize length = 0;
  guchar *decoded;

  if (self->srtp_key == NULL)
    return zv_media_link (rtpbin, "send_rtp_src_0", rtp_sink, "sink")
           && zv_media_link (rtpbin, "send_rtcp_src_0", rtcp_sink, "sink");
  enc = gst_element_factory_make ("srtpenc", NULL);
  if (enc == NULL)
    return FALSE;
  decoded = g_base64_decode (self->srtp_key, &length);
  raw = g_bytes_new_take (decoded, length);
  key = gst_buffer_new_wrapped_bytes (raw);
  g_object_set (enc, "key", key, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "rtp-cipher", "aes-128-icm");
  gst_util_set_object_arg (G_OBJECT (enc), "rtp-auth", "hmac-sha1-80");
  gst_util_set_object_arg (G_OBJECT (enc), "rtcp-cipher", "aes-128-icm");
  gst_util_set_object_arg (G_OBJECT (enc), "rtcp-auth", "hmac-sha1-80");
  gst_bin_add (GST_BIN (self->pipeline), enc);
  if (!zv_media_link (rtpbin, "send_rtp_src_0", enc, "rtp_sink_0")
      || !zv_media_link (enc, "rtp_src_0", rtp_sink, "sink")
      || !zv_media_link (rtpbin, "send_rtcp_src_0", enc, "rtcp_sink_0")
      || !zv_media_link (enc, "rtcp_src_0", rtcp_sink, "sink"))
    return FALSE;
  /* The sender may join a pipeline that plays already (the receiving side started first). */
  gst_element_sync_state_with_parent (enc);
  return TRUE;
}

/* Not in an echo session: it would only alter what the far end sent to be heard back. A file
 * played stands in for a microphone (zveno-cli --dsp, to see what the DSP costs). */
gboolean
zv_media_session_use_dsp (ZvMediaSession *self)
{
  return self->dsp && !self->echo;
}

static GstElement *
device_element (GstDevice  *device,
                GError    **error)
{
  g_autofree char *name = gst_device_get_display_name (device);
  GstElement *element = gst_device_create_element (device, NULL);

  if (element == NULL)
    g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("The sound device “%s” cannot be opened."), name);
  return element;
}

/* device source -> audiomixer -> @send_bin (the encoding bin, or webrtcdsp's in front of it). The mixer,
 * with one input at a time, is what lets a new live source join a running stream: an aggregator
 * takes in a pad added late at its own running time (an input-selector would wait for it). */
gboolean
zv_media_session_build_input (ZvMediaSession *self,
                              GstElement     *send_bin,
                              GError        **error)
{
  self->in_selector = zv_media_make ("audiomixer", error);
  self->input = self->in_selector != NULL ? device_element (self->input_device, error) : NULL;
  if (self->input == NULL)
    return FALSE;
  gst_bin_add_many (GST_BIN (self->pipeline), self->input, self->in_selector, NULL);
  if (gst_element_link (self->input, self->in_selector) && gst_element_link (self->in_selector, send_bin))
    return TRUE;
  g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the microphone."));
  return FALSE;
}

/* tee -> queue [-> webrtcechoprobe] -> convert -> tee -> device sink. Switching links the new sink
 * to the second tee and then drops the old one: a tee hands a new branch the stream's caps and
 * segment by itself (an output-selector did not, here). */
gboolean
zv_media_session_build_output (ZvMediaSession *self,
                               GError        **error)
{
  g_autofree char *description = NULL;
  GstElement *branch;
  /* The echo probe sits before the speaker, unless the recording has it already (a session
   * prepared without a speaker). */
  gboolean probe = zv_media_session_use_dsp (self) && !self->probe_in_record;

  description = g_strdup_printf ("queue %s%s%s ! audioconvert ! audioresample",
                                 probe ? "! webrtcechoprobe name=" : "", probe ? self->echo_probe_name : "",
                                 probe ? " " : "");
  branch = zv_media_parse_bin (description, error);
  self->out_selector = branch != NULL ? zv_media_make ("tee", error) : NULL;
  if (self->out_selector == NULL)
    return FALSE;
  /* The speaker itself joins once the pipeline plays (attach_output()), as a switched-in one does:
   * a sound card's sink that took part in the start measured a latency the call then missed. */
  g_object_set (self->out_selector, "allow-not-linked", TRUE, NULL);
  gst_bin_add_many (GST_BIN (self->pipeline), branch, self->out_selector, NULL);
  if (gst_element_link (self->tee, branch) && gst_element_link (branch, self->out_selector))
    {
      gst_element_sync_state_with_parent (self->out_selector);
      gst_element_sync_state_with_parent (branch);
      return TRUE;
    }
  g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the speaker."));
  return FALSE;
}

/**
 * zv_media_session_enable_srtp:
 *
 * Encrypts the session (SRTP, AES_CM_128_HMAC_SHA1_80) with a fresh random key, which our
 * description must then announce (zv_media_session_get_srtp_key(), zv_sdp_add_crypto()). The far
 * end's description must carry its key too. Before start() only.
 */
gboolean
zv_media_session_enable_srtp (ZvMediaSession  *self,
                              GError         **error)
{
  guchar key[30];

  g_return_val_if_fail (ZV_IS_MEDIA_SESSION (self), FALSE);

  if (self->srtp_key != NULL)
    return TRUE;
  /* Key and salt straight from the kernel's CSPRNG. */
  if (getrandom (key, sizeof key, 0) != (ssize_t) sizeof key)
    {
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("No random key for encrypted audio."));
      return FALSE;
    }
  self->srtp_key = g_base64_encode (key, sizeof key);
  return TRUE;
}

/* Our SDES key (base64), NULL when the session is not encrypted. */
const char *
zv_media_session_get_srtp_key (ZvMediaSession *self)
{
  return self->srtp_key;
}

/**
 * zv_media_session_set_dsp:
 *
 * Echo cancellation, noise suppression and gain control (webrtcdsp) on the microphone. Only with a
 * real input device (for files and echo sessions they would only alter test signals); echo
 * cancellation needs an output device too (what it plays is what it cancels). Before start().
 */
void
zv_media_session_set_dsp (ZvMediaSession *self,
                          gboolean        dsp)
{
  self->dsp = dsp;
}

/* Whether the running pipeline has webrtcdsp in it. */
gboolean
zv_media_session_has_dsp (ZvMediaSession *self)
{
  g_autoptr(GstElement) dsp = NULL;

  if (self->pipeline == NULL)
    return FALSE;
  dsp = gst_bin_get_by_name (GST_BIN (self->pipeline), "dsp");
  return dsp != NULL;
}

/* Main loop: the old device leaves only after the new one is linked, so the stream always has a
 * way to go. */
static void
drop_element (GstElement *pipeline,
              GstElement *element,
              GstElement *selector,
              gboolean    element_is_upstream)
{
  g_autoptr(GstPad) element_pad = gst_element_get_static_pad (element, element_is_upstream ? "src" : "sink");
  g_autoptr(GstPad) selector_pad = gst_pad_get_peer (element_pad);

  /* A source stops before it is unlinked (or it would push into nothing, an error); a sink is
   * unlinked before it stops (or the tee would get FLUSHING back and pause the whole branch). */
  if (element_is_upstream)
    gst_element_set_state (element, GST_STATE_NULL);
  if (selector_pad != NULL)
    {
      if (element_is_upstream)
        gst_pad_unlink (element_pad, selector_pad);
      else
        gst_pad_unlink (selector_pad, element_pad);
      gst_element_release_request_pad (selector, selector_pad);
    }
  if (!element_is_upstream)
    gst_element_set_state (element, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (pipeline), element);
}

/**
 * zv_media_session_set_input_device:
 * @device: (nullable): a GstDevice of class Audio/Source (ZvAudioDevices)
 *
 * Before start(): the microphone of the session. During a session that started with a device: the
 * new microphone replaces the old one at once, the call goes on.
 */
gboolean
zv_media_session_set_input_device (ZvMediaSession  *self,
                                   GstDevice       *device,
                                   GError         **error)
{
  GstElement *element;

  g_return_val_if_fail (ZV_IS_MEDIA_SESSION (self), FALSE);

  if (self->in_selector == NULL || device == NULL)
    {
      /* A pipeline prepared without its sending half takes the microphone when it builds it. */
      if (self->sender_built && device != NULL)
        {
          g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA,
                               _("This call started without a microphone; it cannot switch to one."));
          return FALSE;
        }
      g_set_object (&self->input_device, device);
      return TRUE;
    }
  element = device_element (device, error);
  if (element == NULL)
    return FALSE;
  gst_bin_add (GST_BIN (self->pipeline), element);
  if (!gst_element_link (element, self->in_selector))
    {
      gst_bin_remove (GST_BIN (self->pipeline), element);
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the microphone."));
      return FALSE;
    }
  gst_element_sync_state_with_parent (element);
  drop_element (self->pipeline, self->input, self->in_selector, TRUE);
  self->input = element;
  g_set_object (&self->input_device, device);
  return TRUE;
}

/* Links a sink for @device to the playing pipeline's output tee. */
GstElement *
zv_media_session_attach_output (ZvMediaSession  *self,
                                GstDevice       *device,
                                GError         **error)
{
  GstElement *element = device_element (device, error);

  if (element == NULL)
    return NULL;
  /* A sink added to a playing pipeline must not wait for a preroll that a live stream never gives;
   * what arrives is played as it comes, the jitter buffer has paced it already. */
  g_object_set (element, "async", FALSE, "sync", FALSE, NULL);
  gst_bin_add (GST_BIN (self->pipeline), element);
  if (!gst_element_link (self->out_selector, element))
    {
      gst_bin_remove (GST_BIN (self->pipeline), element);
      g_set_error_literal (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: cannot link the speaker."));
      return NULL;
    }
  gst_element_sync_state_with_parent (element);
  return element;
}

/**
 * zv_media_session_set_output_device:
 * @device: (nullable): a GstDevice of class Audio/Sink
 *
 * As zv_media_session_set_input_device(), for the speaker.
 */
gboolean
zv_media_session_set_output_device (ZvMediaSession  *self,
                                    GstDevice       *device,
                                    GError         **error)
{
  GstElement *element;

  g_return_val_if_fail (ZV_IS_MEDIA_SESSION (self), FALSE);

  if (self->out_selector == NULL && device != NULL && self->pipeline != NULL)
    {
      /* Prepared (or started) without a speaker: the branch to one joins the playing pipeline. */
      g_set_object (&self->output_device, device);
      if (!zv_media_session_build_output (self, error))
        return FALSE;
      self->output = zv_media_session_attach_output (self, device, error);
      return self->output != NULL;
    }
  if (self->out_selector == NULL || device == NULL)
    {
      g_set_object (&self->output_device, device);
      return TRUE;
    }
  element = zv_media_session_attach_output (self, device, error);
  if (element == NULL)
    return FALSE;
  if (self->output != NULL)
    drop_element (self->pipeline, self->output, self->out_selector, FALSE);
  self->output = element;
  g_set_object (&self->output_device, device);
  return TRUE;
}
