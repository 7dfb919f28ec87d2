/* zv-contact-card.h: one person's card from the company directory, shown in the window's content
 * pane: avatar, name, title and department, presence, "Write" and "Call", phones and e-mail. */
#pragma once

#include <adwaita.h>

#include "zv-account.h"
#include "zv-contact.h"

G_BEGIN_DECLS

#define ZV_TYPE_CONTACT_CARD (zv_contact_card_get_type ())

G_DECLARE_FINAL_TYPE (ZvContactCard, zv_contact_card, ZV, CONTACT_CARD, AdwBin)

/* Properties:
 *   contact (ZvContact, read-only): the person shown, NULL when nobody (never shown yet, or they
 *     left the directory).
 * Signals:
 *   open-chat (gint64 chat_id, gint64 user_id): "Write" was pressed and the direct chat with
 *     @user_id is in the account's store (created through POST /chats when it was not).
 *   call (const char *number, gint64 user_id): a call button was pressed. */
ZvContactCard *zv_contact_card_new          (ZvAccount     *account);
gboolean       zv_contact_card_show_contact (ZvContactCard *self,
                                             gint64         user_id);
ZvContact     *zv_contact_card_get_contact  (ZvContactCard *self);
void           zv_contact_card_focus        (ZvContactCard *self);

char          *zv_contact_card_describe     (const char    *title,
                                             const char    *department);

G_END_DECLS
