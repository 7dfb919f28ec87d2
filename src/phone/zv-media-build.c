/* zv-media-build.c: how the phone's GStreamer pipelines are put together: elements made and
 * linked cheaply (zv_media_chain(), zv_media_link(): no description to parse and no caps checks,
 * which were most of the time between a call's INVITE and its first packet), gst_parse for the
 * few branches that still use it, and the warm-up that loads GStreamer and every element a call
 * uses before the first call. The pipelines themselves are in zv-media-session.c and
 * zv-media-send.c. */
#define G_LOG_DOMAIN "zveno-phone"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <gst/gst.h>

#include "zv-media-session-private.h"
#include "zv-sip-account.h"

GstElement *
zv_media_make (const char *factory,
               GError    **error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL)
    g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA,
                 _("The GStreamer element “%s” is missing."), factory);
  return element;
}

GstElement *
zv_media_parse_bin (const char  *description,
                    GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GstElement *bin = gst_parse_bin_from_description (description, TRUE, &local_error);

  if (bin == NULL)
    g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA, _("Audio pipeline: %s"),
                 local_error->message);
  return bin;
}

/* Streaming thread: a parser's source pad (wavparse's) exists once it has read the header. */
static void
link_when_added (GstElement *element,
                 GstPad     *pad,
                 gpointer    user_data)
{
  GstElement *next = user_data;
  g_autoptr(GstPad) sink = gst_element_get_static_pad (next, "sink");

  if (GST_PAD_IS_SRC (pad) && !gst_pad_is_linked (sink))
    gst_pad_link_full (pad, sink, GST_PAD_LINK_CHECK_NOTHING);
}

/**
 * zv_media_chain:
 * @factories: NULL-terminated element factory names, each optionally with ":NAME"
 * @elements: (out caller-allocates): the elements made, borrowed (the bin holds them), one for
 *   each factory, for their properties to be set
 *
 * A bin of elements linked one after the other, with ghost pads "sink" (the first's, if it has
 * one) and "src" (the last's), as gst_parse_bin_from_description() would make from "a ! b ! c",
 * in a fraction of the time: no description to parse and no caps check on each link
 * (zv_media_link()). That time was most of building a call's pipeline, between its INVITE and
 * its first packet.
 */
GstElement *
zv_media_chain (const char *const *factories,
                GstElement       **elements,
                GError           **error)
{
  GstElement *bin;
  guint n = 0;

  g_return_val_if_fail (factories[0] != NULL, NULL);
  bin = gst_bin_new (NULL);

  for (; factories[n] != NULL; n++)
    {
      g_auto(GStrv) parts = g_strsplit (factories[n], ":", 2);
      GstElement *element = gst_element_factory_make (parts[0], parts[1]);

      if (element == NULL)
        {
          g_set_error (error, ZV_SIP_ERROR, ZV_SIP_ERROR_MEDIA,
                       _("The GStreamer element “%s” is missing."), parts[0]);
          gst_object_unref (gst_object_ref_sink (bin));
          return NULL;
        }
      gst_bin_add (GST_BIN (bin), element);
      elements[n] = element;
      if (n > 0)
        {
          g_autoptr(GstPad) src = gst_element_get_static_pad (elements[n - 1], "src");

          if (src == NULL)
            g_signal_connect_object (elements[n - 1], "pad-added", G_CALLBACK (link_when_added), element, 0);
          else
            zv_media_link (elements[n - 1], NULL, element, NULL);
        }
    }
  {
    g_autoptr(GstPad) sink = gst_element_get_static_pad (elements[0], "sink");
    g_autoptr(GstPad) src = gst_element_get_static_pad (elements[n - 1], "src");

    if (sink != NULL)
      gst_element_add_pad (bin, gst_ghost_pad_new ("sink", sink));
    if (src != NULL)
      gst_element_add_pad (bin, gst_ghost_pad_new ("src", src));
  }
  return bin;
}

/**
 * zv_media_link:
 * @src_pad: (nullable): a pad name or template ("src_%u"); NULL: "src"
 * @sink_pad: (nullable): likewise; NULL: "sink"
 *
 * Links two elements by pad name without the caps check gst_element_link() does: that check asks
 * each side what it could take, a query that runs through every element already linked behind
 * it, and made most of the time it took to build a call's pipeline (measured with perf). The
 * formats are agreed when the first buffer flows, where a mismatch fails the pipeline anyway.
 */
gboolean
zv_media_link (GstElement *src,
               const char *src_pad,
               GstElement *sink,
               const char *sink_pad)
{
  return gst_element_link_pads_full (src, src_pad != NULL ? src_pad : "src", sink, sink_pad != NULL ? sink_pad : "sink",
                                     GST_PAD_LINK_CHECK_NOTHING);
}

/* GStreamer itself and every element a call uses, loaded once: a process's first call then does
 * not read the registry and open a dozen plugins between the INVITE and its audio. One instance of
 * each is made and dropped too: the first instance of a type runs its class initialisation (pad
 * templates, properties), which cost a first call's pipeline 2 ms more than later ones'. */
static gpointer
warm_up_once (gpointer data)
{
  static const char * const factories[] = {
    "rtpbin", "udpsrc", "udpsink", "valve", "tee", "queue", "volume", "audioconvert", "audioresample",
    "capsfilter", "audiotestsrc", "identity", "filesrc", "wavparse", "wavenc", "filesink", "fakesink",
    "appsrc", "appsink", "rtpdtmfmux", "rtpdtmfsrc", "opusenc", "opusdec", "rtpopuspay", "rtpopusdepay",
    "mulawenc", "mulawdec", "rtppcmupay", "rtppcmudepay", "alawenc", "alawdec", "rtppcmapay",
    "rtppcmadepay", "rtpg722pay", "rtpg722depay", "rtpsession", "rtpssrcdemux", "rtpjitterbuffer",
    "rtpptdemux", "rtpstorage",
    /* Not avenc_g722/avdec_g722 (libav) nor srtpenc/srtpdec: loaded, they added 35 MB to every
     * phone's memory (measured by tests/bench/bench-call.py); a G.722 or SRTP call loads them. */
  };

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (factories); i++)
    {
      g_autoptr(GstElementFactory) factory = gst_element_factory_find (factories[i]);
      g_autoptr(GstPluginFeature) loaded = factory != NULL ? gst_plugin_feature_load (GST_PLUGIN_FEATURE (factory)) : NULL;
      GstElement *instance = loaded != NULL ? gst_element_factory_create (GST_ELEMENT_FACTORY (loaded), NULL) : NULL;

      if (instance != NULL)
        gst_object_unref (gst_object_ref_sink (instance));
    }
  {
    g_autoptr(GstElement) pipeline = gst_object_ref_sink (gst_pipeline_new (NULL));
    g_autoptr(GstElement) bin = gst_object_ref_sink (gst_bin_new (NULL));
  }
  return NULL;
}

/**
 * zv_media_session_warm_up:
 *
 * Initialises GStreamer and loads the plugins calls need. Call it when the phone starts (it takes
 * tens of milliseconds, hundreds on a busy machine); sessions do it themselves otherwise.
 */
void
zv_media_session_warm_up (void)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, warm_up_once, NULL);
}

/* zv_media_session_warm_up() on a thread of its own, so the main loop goes on meanwhile; a
 * session that needs GStreamer before it is done waits for it (GOnce). */
static gpointer
warm_up_thread (gpointer data)
{
  zv_media_session_warm_up ();
  return NULL;
}

void
zv_media_session_warm_up_in_background (void)
{
  g_thread_unref (g_thread_new ("zv-media-warm-up", warm_up_thread, NULL));
}
