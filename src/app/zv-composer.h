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
void   zv_composer_begin_reply (ZvComposer *self,
                                gint64      message_id,
                                const char *sender,
                                const char *text);
void   zv_composer_begin_edit  (ZvComposer *self,
                                gint64      message_id,
                                const char *text);
gboolean zv_composer_attach_files (ZvComposer         *self,
                                   const char * const *paths);
void   zv_composer_show_error  (ZvComposer *self,
                                const char *message);
GtkDropTarget *zv_composer_create_drop_target (ZvComposer *self);

G_END_DECLS
