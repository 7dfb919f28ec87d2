/* test-media-util.h: helpers for the media tests: tone WAV files, a Goertzel tone detector over
 * recordings, far-end descriptions, sessions on loopback, temporary directories, and running the
 * main loop for a while. */
#pragma once

#include <glib.h>

#include "zv-media-session.h"
#include "zv-sdp.h"

G_BEGIN_DECLS

typedef struct {
  guint    rate;
  guint    channels;
  gsize    n_frames;
  gint16  *samples;       /* interleaved */
} ZvTestWav;

void       zv_test_write_tone_wav   (const char *path,
                                     double      frequency,
                                     double      seconds,
                                     guint       rate);
ZvTestWav *zv_test_read_wav         (const char *path);
void       zv_test_wav_free         (ZvTestWav  *wav);
double     zv_test_tone_ratio       (const ZvTestWav *wav,
                                     double      frequency,
                                     gsize       first_frame,
                                     gsize       n_frames);
double     zv_test_tone_seconds     (const ZvTestWav *wav,
                                     double      frequency);
ZvSdp     *zv_test_remote           (guint       port,
                                     const char *rtpmap,
                                     guint       payload_type,
                                     const char *direction);
void       zv_test_run_loop         (double      seconds);
ZvMediaSession *zv_test_session_new (void);
char      *zv_test_make_dir         (const char *tmpl);
void       zv_test_remove_dir       (const char *dir);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZvTestWav, zv_test_wav_free)

G_END_DECLS
