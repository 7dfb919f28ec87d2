/* zv-window-private.h: what the parts of ZvWindow share: the instance struct and the helpers each
 * part calls in the others (zv-window.c: the sidebar, search and session; zv-window-chats.c: the
 * chat list; zv-window-calls.c: the phone in the content pane). Not for use outside ZvWindow. */
#pragma once

#include "zv-contact-card.h"
#include "zv-contacts-page.h"
#include "zv-conversation.h"
#include "zv-phone-ui.h"
#include "zv-search-page.h"
#include "zv-session.h"
#include "zv-sign-in-page.h"
#include "zv-window.h"

G_BEGIN_DECLS

struct _ZvWindow
{
  AdwApplicationWindow parent_instance;

  /* owned */
  GSettings *settings;
  ZvSession *session;
  GtkFilterListModel *chat_filter_model;
  GtkSingleSelection *chat_selection;   /* over a ZvListWindow of chat_filter_model */
  guint      chat_grow_idle;      /* grows that window after a scroll */
  gboolean   sign_in_requested;   /* the user chose Sign In while signed out */
  gboolean   do_not_disturb;
  gboolean   chats_shown_printed; /* ZVENO_PRINT_FIRST_FRAME: "chats-shown" was printed or is due */
  GBindingGroup *notifier_bindings;
  GSignalGroup  *notifier_signals;
  GSignalGroup  *store_signals;
  ZvAccount *pages_account;       /* the account the contacts and search pages were made for */
  GObject       *call_alert;      /* the incoming call's notification and ringtone (a ZvCallAlert) */
  GSignalGroup  *history_signals;

  /* borrowed: in contacts_bin, contact_card_bin and search_bin */
  ZvContactsPage *contacts_page;
  ZvContactCard *contact_card;
  ZvSearchPage *search_page;

  /* owned */
  char      *search_chat_title;   /* the chat a Ctrl+F search is limited to, NULL: every chat */

  /* borrowed: template children */
  AdwToastOverlay *toast_overlay;
  GtkStack *main_stack;
  GtkRevealer *offline_revealer;
  GtkStack *chats_stack;
  AdwStatusPage *chats_empty;
  GtkWidget *sign_in_button;
  GtkListView *chat_list_view;
  GtkStack *chat_content_stack;
  /* Not in the template: made in chat_content_stack when a chat is first opened or just after the
   * first frame (NULL before). */
  ZvConversation *conversation;
  AdwWindowTitle *content_title;
  GtkBox *sign_in_box;
  /* Not in the template: made in sign_in_box when first needed (NULL before). */
  ZvSignInPage *sign_in_page;
  GtkLabel *account_title;
  GtkLabel *account_subtitle;
  AdwLeaflet *leaflet;
  GtkSearchBar *search_bar;
  GtkSearchEntry *search_entry;
  GtkStack *search_stack;
  AdwViewStack *view_stack;
  GtkStack *content_stack;
  GtkStack *contacts_stack;
  AdwBin *contacts_bin;
  GtkStack *contact_content_stack;
  AdwBin *contact_card_bin;
  AdwBin *search_bin;
  AdwViewStackPage *calls_stack_page;
  AdwBin *calls_bin;
  /* The phone's widgets and objects come from its module (zv-phone-ui.h), loaded just after the
   * first frame or when first needed: NULL before, and for good if it failed to load. */
  const ZvPhoneUi *phone_ui;
  gboolean phone_ui_failed;
  /* Not in the template: made in calls_bin when the Calls page is first shown or just after the
   * first frame, NULL before (see zv_window_ensure_calls_page()). A ZvCallsPage. */
  GtkWidget *calls_page;
  GtkStack *phone_stack;
  /* Not in the template: made just after the first frame or when first needed, NULL before (see
   * zv_window_ensure_phone_pane()); owned by phone_stack. A ZvDialpad and a ZvCallView. */
  GtkWidget *dialpad;
  GtkWidget *call_view;
  /* The window's parts nobody sees at first (the conversation, the sign-in page, the Calls page,
   * the phone pane, the Keyboard Shortcuts window) are made in this idle after the first frame,
   * one a turn, or earlier when first needed. */
  guint hidden_pages_idle;
  gboolean help_overlay_set;
  gboolean first_frame_painted;   /* the window's first frame is on screen */
  AdwBin *incoming_call_bin;
  /* Not in the template: the ringing call's bar (a ZvIncomingCall), made in incoming_call_bin when
   * the phone's module is loaded. */
  GtkWidget *incoming_call;
};

/* zv-window.c */
void zv_window_show_toast           (ZvWindow   *self,
                                     const char *message);
void zv_window_update_content_title (ZvWindow   *self);

/* zv-window-chats.c */
void     zv_window_chats_init     (ZvWindow   *self);
void     zv_window_chats_dispose  (ZvWindow   *self);
void     zv_window_chats_set_list (ZvWindow   *self,
                                   ZvChatList *chats);
gboolean zv_window_chats_filter   (ZvWindow   *self);
void     zv_window_chats_select   (ZvWindow   *self,
                                   guint       position);
void     zv_window_chats_update_page (ZvWindow *self);
gboolean zv_window_chats_top_up   (ZvWindow   *self);

/* zv-window-calls.c */
void zv_window_calls_class_init     (GtkWidgetClass *widget_class);
void zv_window_calls_init           (ZvWindow       *self);
void zv_window_dial_number          (ZvWindow       *self,
                                     const char     *number);
void zv_window_update_missed_calls  (ZvWindow       *self);
void zv_window_phone_changed        (ZvWindow       *self);
void zv_window_ensure_phone_pane    (ZvWindow       *self);
void zv_window_ensure_calls_page    (ZvWindow       *self);
gboolean zv_window_load_phone_ui    (ZvWindow       *self);

G_END_DECLS
