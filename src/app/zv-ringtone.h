/* zv-ringtone.h: the ring of an incoming call, generated and played through GStreamer. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define ZV_TYPE_RINGTONE (zv_ringtone_get_type ())

G_DECLARE_FINAL_TYPE (ZvRingtone, zv_ringtone, ZV, RINGTONE, GObject)

ZvRingtone *zv_ringtone_new         (void);
void        zv_ringtone_set_device  (ZvRingtone  *self,
                                     GstDevice   *device);
void        zv_ringtone_play        (ZvRingtone  *self);
void        zv_ringtone_play_waiting (ZvRingtone *self);
gboolean    zv_ringtone_is_waiting_tone (ZvRingtone *self);
void        zv_ringtone_stop        (ZvRingtone  *self);
gboolean    zv_ringtone_is_playing  (ZvRingtone  *self);

G_END_DECLS
