/* zv-composer.h: the message field under a conversation: typing, sending, drafts. */
#pragma once

#include <adwaita.h>

#include "zv-session.h"

G_BEGIN_DECLS

#define ZV_TYPE_COMPOSER (zv_composer_get_type ())

G_DECLARE_FINAL_TYPE (ZvComposer, zv_composer, ZV, COMPOSER, AdwBin)

void   zv_composer_set_chat   (ZvComposer  *self,
                               ZvSession   *session,
                               gint64       chat_id,
                               const char  *draft);
void   zv_composer_save_draft (ZvComposer  *self);

G_END_DECLS
