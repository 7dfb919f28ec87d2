/* zv-conversation.h: the content pane for one chat: its messages and the composer. */
#pragma once

#include <adwaita.h>

#include "zv-chat.h"
#include "zv-composer.h"
#include "zv-session.h"

G_BEGIN_DECLS

#define ZV_TYPE_CONVERSATION (zv_conversation_get_type ())

G_DECLARE_FINAL_TYPE (ZvConversation, zv_conversation, ZV, CONVERSATION, AdwBin)

void     zv_conversation_set_chat  (ZvConversation  *self,
                                    ZvSession       *session,
                                    ZvChat          *chat);
ZvChat  *zv_conversation_get_chat  (ZvConversation  *self);
ZvComposer *zv_conversation_get_composer (ZvConversation *self);
gboolean zv_conversation_scroll_to_message (ZvConversation *self,
                                            gint64          message_id);

G_END_DECLS
