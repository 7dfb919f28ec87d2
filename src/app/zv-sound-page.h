/* zv-sound-page.h: Preferences → Sound: microphone, speaker and ringing device, and voice processing. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define ZV_TYPE_SOUND_PAGE (zv_sound_page_get_type ())

G_DECLARE_FINAL_TYPE (ZvSoundPage, zv_sound_page, ZV, SOUND_PAGE, AdwPreferencesPage)

ZvSoundPage *zv_sound_page_new (GSettings *settings);

G_END_DECLS
