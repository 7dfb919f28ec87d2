/* zv-audio-devices.h: the microphones and speakers the system has, as GstDeviceMonitor sees them
 * (PulseAudio, PipeWire, ALSA), with the default of each and hot-plug signals. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define ZV_TYPE_AUDIO_DEVICES (zv_audio_devices_get_type ())

G_DECLARE_FINAL_TYPE (ZvAudioDevices, zv_audio_devices, ZV, AUDIO_DEVICES, GObject)

ZvAudioDevices *zv_audio_devices_new                (void);
gboolean        zv_audio_devices_start              (ZvAudioDevices *self,
                                                     GError        **error);
GPtrArray      *zv_audio_devices_list_inputs        (ZvAudioDevices *self);
GPtrArray      *zv_audio_devices_list_outputs       (ZvAudioDevices *self);
GstDevice      *zv_audio_devices_get_default_input  (ZvAudioDevices *self);
GstDevice      *zv_audio_devices_get_default_output (ZvAudioDevices *self);
GstDevice      *zv_audio_devices_find               (ZvAudioDevices *self,
                                                     const char     *name);
char           *zv_audio_device_get_id              (GstDevice      *device);

G_END_DECLS
