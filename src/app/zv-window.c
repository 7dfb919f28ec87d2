/* zv-window.c: the main window: the sidebar with the Chats, Calls and Contacts pages, search, the
 * main menu and the content pane; remembers its size and page between runs. It is also where the
 * pages meet: a contact's "Write", a search hit and a clicked notification all open a chat here,
 * an open chat is marked read while the window has the focus, and the title counts unread
 * messages. The chat list is in zv-window-chats.c, the phone side (dialling, the call view,
 * missed calls) in zv-window-calls.c. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "zv-window-private.h"

/* Limits of the window-width/-height keys in the schema; writing outside them is a critical. */
#define WINDOW_SIZE_MIN 360
#define WINDOW_SIZE_MAX 10000
G_DEFINE_FINAL_TYPE (ZvWindow, zv_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_DO_NOT_DISTURB,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void search_changed_cb (ZvWindow *self);
static gboolean ensure_contacts_page (ZvWindow *self);
static gboolean ensure_search_page (ZvWindow *self);
static void ensure_sign_in_page (ZvWindow *self);
static void window_mapped_cb (ZvWindow *self);

static const char *
search_placeholder_for_page (const char *page)
{
  if (g_strcmp0 (page, "calls") == 0)
    return _("Search calls");
  if (g_strcmp0 (page, "contacts") == 0)
    return _("Search contacts");
  return _("Search chats");
}

static gboolean
is_page_name (const char *name)
{
  return g_strcmp0 (name, "chats") == 0 ||
         g_strcmp0 (name, "calls") == 0 ||
         g_strcmp0 (name, "contacts") == 0;
}

static void
zv_window_save_state (ZvWindow *self)
{
  const char *page;
  int width = 0;
  int height = 0;

  /* The default size follows the user's resizing while the window is neither maximized nor
   * fullscreen, so it is the size to come back to. */
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);

  if (width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", CLAMP (width, WINDOW_SIZE_MIN, WINDOW_SIZE_MAX));
      g_settings_set_int (self->settings, "window-height", CLAMP (height, WINDOW_SIZE_MIN, WINDOW_SIZE_MAX));
    }
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));

  page = adw_view_stack_get_visible_child_name (self->view_stack);
  if (is_page_name (page))
    g_settings_set_string (self->settings, "last-page", page);
}

static void
zv_window_restore_state (ZvWindow *self)
{
  g_autofree char *page = NULL;

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  page = g_settings_get_string (self->settings, "last-page");
  if (is_page_name (page))
    adw_view_stack_set_visible_child_name (self->view_stack, page);
}

static void
page_changed_cb (ZvWindow *self)
{
  const char *page = adw_view_stack_get_visible_child_name (self->view_stack);
  const char *placeholder = search_placeholder_for_page (page);

  g_object_set (self->search_entry, "placeholder-text", placeholder, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, placeholder,
                                  -1);
  /* Each sidebar page has its own content; a search shown in the content pane gives way too. */
  if (is_page_name (page))
    gtk_stack_set_visible_child_name (self->content_stack, page);
  if (g_strcmp0 (page, "contacts") == 0)
    ensure_contacts_page (self);
  else if (g_strcmp0 (page, "calls") == 0)
    {
      zv_window_ensure_calls_page (self);
      zv_window_ensure_phone_pane (self);
    }
  /* One search field for every page: the text it shows filters the page now showing. */
  search_changed_cb (self);
  zv_window_update_content_title (self);
  zv_window_update_missed_calls (self);
}

static void
search_changed_cb (ZvWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  const char *page = adw_view_stack_get_visible_child_name (self->view_stack);
  gboolean found = FALSE;

  /* The page showing filters as the user types; when nothing matches (a page whose list is not
   * filled yet matches nothing) the sidebar says so rather than keep showing an empty page. */
  if (g_strcmp0 (page, "chats") == 0)
    found = zv_window_chats_filter (self);
  else if (g_strcmp0 (page, "calls") == 0)
    {
      /* Made by page_changed_cb() whenever the Calls page is shown. */
      zv_window_ensure_calls_page (self);
      /* Without the phone's module the page says why calls are unavailable. */
      found = self->phone_ui_failed ||
              (self->calls_page != NULL && self->phone_ui->calls_page_set_filter (self->calls_page, text));
    }
  else if (self->contacts_page != NULL && g_strcmp0 (page, "contacts") == 0)
    {
      /* The directory shows its own empty state for a search that finds nobody. */
      zv_contacts_page_set_filter (self->contacts_page, text);
      found = TRUE;
    }
  gtk_stack_set_visible_child_name (self->search_stack, text[0] != '\0' && !found ? "results" : "browse");
}

static void
show_sidebar (ZvWindow *self)
{
  /* When folded, the content pane hides the sidebar: go back to it first. */
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child_name (self->leaflet, "sidebar");
}

/* The chat the conversation shows; NULL while none is open (or the conversation is not made yet). */
static ZvChat *
open_chat_get (ZvWindow *self)
{
  return self->conversation != NULL ? zv_conversation_get_chat (self->conversation) : NULL;
}

/* The conversation is not in the template: it is made when a chat is first opened or just after
 * the first frame (hidden_pages_idle_cb()). No chat is open at start, so building and measuring it
 * (an empty message list and the composer) would only delay the first frame behind the placeholder. */
static void
ensure_conversation (ZvWindow *self)
{
  if (self->conversation != NULL || self->chat_content_stack == NULL)
    return;
  self->conversation = g_object_new (ZV_TYPE_CONVERSATION, NULL);
  /* Added after the placeholder, which stays the page shown. */
  gtk_stack_add_named (self->chat_content_stack, GTK_WIDGET (self->conversation), "conversation");
}

static gboolean
conversation_showing (ZvWindow *self)
{
  return open_chat_get (self) != NULL &&
         g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "main") == 0 &&
         g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "chats") == 0 &&
         g_strcmp0 (gtk_stack_get_visible_child_name (self->chat_content_stack), "conversation") == 0 &&
         (!adw_leaflet_get_folded (self->leaflet) ||
          g_strcmp0 (adw_leaflet_get_visible_child_name (self->leaflet), "content") == 0);
}

void
zv_window_update_content_title (ZvWindow *self)
{
  const char *content = gtk_stack_get_visible_child_name (self->content_stack);
  ZvChat *chat = open_chat_get (self);

  if (g_strcmp0 (content, "search") == 0)
    {
      g_autofree char *scope = NULL;

      if (self->search_chat_title != NULL)
        /* Translators: under "Search" in the header while searching one chat (Ctrl+F). */
        scope = g_strdup_printf (_("In “%s”"), self->search_chat_title);
      adw_window_title_set_title (self->content_title, _("Search"));
      adw_window_title_set_subtitle (self->content_title, scope != NULL ? scope : "");
      return;
    }
  adw_window_title_set_subtitle (self->content_title, "");
  if (g_strcmp0 (content, "chats") == 0 && chat != NULL)
    adw_window_title_set_title (self->content_title, zv_chat_get_title (chat));
  else if (g_strcmp0 (content, "contacts") == 0 && self->contact_card != NULL &&
           zv_contact_card_get_contact (self->contact_card) != NULL)
    adw_window_title_set_title (self->content_title,
                                zv_contact_get_name (zv_contact_card_get_contact (self->contact_card)));
  else
    adw_window_title_set_title (self->content_title, "");
}

static void
show_sidebar_filter (ZvWindow *self)
{
  show_sidebar (self);
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* Shows the message search in the content pane; @chat (may be NULL) limits it to that chat. */
static void
show_search (ZvWindow *self,
             ZvChat   *chat)
{
  /* Signed out there are no messages to search; the sidebar's filter still works on what shows. */
  if (!ensure_search_page (self))
    {
      show_sidebar_filter (self);
      return;
    }
  g_free (self->search_chat_title);
  self->search_chat_title = chat != NULL ? g_strdup (zv_chat_get_title (chat)) : NULL;
  zv_search_page_set_chat_id (self->search_page, chat != NULL ? zv_chat_get_id (chat) : 0);
  gtk_stack_set_visible_child_name (self->content_stack, "search");
  zv_window_update_content_title (self);
  adw_leaflet_set_visible_child_name (self->leaflet, "content");
  zv_search_page_focus_entry (self->search_page);
}

static void
zv_window_search_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  show_search (ZV_WINDOW (widget), NULL);
}

static void
zv_window_search_in_chat_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *parameter)
{
  ZvWindow *self = ZV_WINDOW (widget);

  /* Ctrl+F: in an open chat it searches that chat; elsewhere it filters the sidebar's list. */
  if (conversation_showing (self))
    show_search (self, open_chat_get (self));
  else
    show_sidebar_filter (self);
}

static void
zv_window_page_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ZvWindow *self = ZV_WINDOW (widget);
  const char *page = action_name + strlen ("win.page-");

  g_assert (is_page_name (page));

  show_sidebar (self);
  adw_view_stack_set_visible_child_name (self->view_stack, page);
}

static void
zv_window_navigate_back_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *parameter)
{
  ZvWindow *self = ZV_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  /* Back from a card on a narrow window: the keyboard goes on in the directory, not nowhere. */
  if (self->contacts_page != NULL && adw_leaflet_get_folded (self->leaflet) &&
      g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "contacts") == 0 &&
      g_strcmp0 (adw_leaflet_get_visible_child_name (self->leaflet), "sidebar") == 0)
    zv_contacts_page_focus_list (self->contacts_page);
}

/* Marks the open chat read while the person can see it: the window has the focus and the
 * conversation is what the content pane shows. */
static void
maybe_mark_read (ZvWindow *self)
{
  ZvChat *chat = open_chat_get (self);
  ZvNotifier *notifier;

  if (chat == NULL || self->session == NULL || !gtk_window_is_active (GTK_WINDOW (self)) ||
      !conversation_showing (self))
    return;
  zv_session_mark_read (self->session, zv_chat_get_id (chat));
  notifier = zv_session_get_notifier (self->session);
  if (notifier != NULL)
    zv_notifier_withdraw_chat (notifier, zv_chat_get_id (chat));
}

static void
open_chat (ZvWindow *self,
           ZvChat   *chat)
{
  /* Nothing to close while the conversation has never been made. */
  if (chat != NULL)
    ensure_conversation (self);
  if (self->conversation != NULL)
    zv_conversation_set_chat (self->conversation, self->session, chat);
  if (chat == NULL)
    {
      gtk_stack_set_visible_child_name (self->chat_content_stack, "placeholder");
      zv_window_update_content_title (self);
      return;
    }
  gtk_stack_set_visible_child_name (self->chat_content_stack, "conversation");
  gtk_stack_set_visible_child_name (self->content_stack, "chats");
  zv_window_update_content_title (self);
  adw_leaflet_set_visible_child_name (self->leaflet, "content");
  maybe_mark_read (self);
}

/* Opens a chat by its id, from wherever it was chosen (a contact, a search hit, a notification).
 * FALSE when the chat is not in the cache. */
static gboolean
open_chat_by_id (ZvWindow *self,
                 gint64    chat_id)
{
  ZvChatList *chats = self->session != NULL ? zv_session_get_chat_list (self->session) : NULL;
  g_autoptr(ZvChat) chat = NULL;
  guint position;

  if (chats == NULL || !zv_chat_list_find (chats, chat_id, &position))
    return FALSE;
  chat = g_list_model_get_item (G_LIST_MODEL (chats), position);
  adw_view_stack_set_visible_child_name (self->view_stack, "chats");
  zv_window_chats_select (self, position);
  open_chat (self, chat);
  return TRUE;
}

void
zv_window_show_toast (ZvWindow   *self,
                      const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
contact_open_chat_cb (ZvWindow *self,
                      gint64    chat_id,
                      gint64    user_id)
{
  if (!open_chat_by_id (self, chat_id))
    zv_window_show_toast (self, _("The chat could not be opened. Try again in a moment."));
}

static void
contact_call_cb (ZvWindow   *self,
                 const char *number,
                 gint64      user_id)
{
  zv_window_dial_number (self, number);
}

/* A person chosen in the directory: their card takes the content pane, as a chosen chat does. */
static void
contact_activated_cb (ZvWindow *self,
                      gint64    user_id)
{
  if (!zv_contact_card_show_contact (self->contact_card, user_id))
    return;
  gtk_stack_set_visible_child_name (self->contact_content_stack, "card");
  gtk_stack_set_visible_child_name (self->content_stack, "contacts");
  zv_window_update_content_title (self);
  adw_leaflet_set_visible_child_name (self->leaflet, "content");
  zv_contact_card_focus (self->contact_card);
}

/* The card's person changed (read again after a sync) or left the directory (the card is empty:
 * the placeholder again). */
static void
contact_card_changed_cb (ZvWindow *self)
{
  ZvContact *contact = zv_contact_card_get_contact (self->contact_card);

  if (contact == NULL)
    {
      gtk_stack_set_visible_child_name (self->contact_content_stack, "placeholder");
      zv_contacts_page_set_selected_id (self->contacts_page, 0);
    }
  zv_window_update_content_title (self);
}

static void
search_open_message_cb (ZvWindow *self,
                        gint64    chat_id,
                        gint64    message_id)
{
  if (!open_chat_by_id (self, chat_id))
    {
      zv_window_show_toast (self, _("This chat is no longer available."));
      return;
    }
  /* At the hit, highlighted; a hit from the server's older history that the cache does not hold
   * yet leaves the chat at its newest messages. */
  zv_conversation_scroll_to_message (self->conversation, message_id);
}

/* The contacts and search pages work on one account's cache. They are made the first time they are
 * shown, not at sign-in: a directory of 1,000 people binds ~200 rows in its list at once (several
 * MB that most sessions never look at), and the search page keeps its own models. Each returns
 * FALSE while signed out. */
static gboolean
ensure_contacts_page (ZvWindow *self)
{
  if (self->contacts_page != NULL)
    return TRUE;
  if (self->pages_account == NULL)
    return FALSE;
  self->contacts_page = zv_contacts_page_new (self->pages_account);
  g_signal_connect_object (self->contacts_page, "contact-activated", G_CALLBACK (contact_activated_cb), self, G_CONNECT_SWAPPED);
  adw_bin_set_child (self->contacts_bin, GTK_WIDGET (self->contacts_page));
  self->contact_card = zv_contact_card_new (self->pages_account);
  g_signal_connect_object (self->contact_card, "open-chat", G_CALLBACK (contact_open_chat_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->contact_card, "call", G_CALLBACK (contact_call_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->contact_card, "notify::contact", G_CALLBACK (contact_card_changed_cb), self, G_CONNECT_SWAPPED);
  adw_bin_set_child (self->contact_card_bin, GTK_WIDGET (self->contact_card));
  gtk_stack_set_visible_child_name (self->contact_content_stack, "placeholder");
  return TRUE;
}

static gboolean
ensure_search_page (ZvWindow *self)
{
  if (self->search_page != NULL)
    return TRUE;
  if (self->pages_account == NULL)
    return FALSE;
  self->search_page = zv_search_page_new (self->pages_account);
  g_signal_connect_object (self->search_page, "open-message", G_CALLBACK (search_open_message_cb), self, G_CONNECT_SWAPPED);
  adw_bin_set_child (self->search_bin, GTK_WIDGET (self->search_page));
  return TRUE;
}

/* Drops the pages of an account that is no longer signed in. */
static void
update_pages (ZvWindow *self)
{
  ZvAccount *account = NULL;

  if (self->session != NULL && zv_session_get_chat_list (self->session) != NULL)
    account = zv_session_get_account (self->session);
  if (account == self->pages_account)
    return;

  adw_bin_set_child (self->contacts_bin, NULL);
  adw_bin_set_child (self->contact_card_bin, NULL);
  adw_bin_set_child (self->search_bin, NULL);
  self->contacts_page = NULL;
  self->contact_card = NULL;
  self->search_page = NULL;
  gtk_stack_set_visible_child_name (self->contact_content_stack, "placeholder");
  zv_window_update_content_title (self);
  g_set_object (&self->pages_account, account);

  if (account == NULL)
    {
      gtk_stack_set_visible_child_name (self->contacts_stack, "empty");
      if (g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "search") == 0)
        page_changed_cb (self);
      return;
    }
  gtk_stack_set_visible_child_name (self->contacts_stack, "directory");
  /* Signed in while the Contacts page shows (the page the window was left on). */
  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "contacts") == 0)
    page_changed_cb (self);
}

/* ---- notifications and the unread count ---------------------------------------------------------- */

static void
update_title (ZvWindow *self)
{
  ZvNotifier *notifier = self->session != NULL ? zv_session_get_notifier (self->session) : NULL;
  guint unread = notifier != NULL ? zv_notifier_get_unread_total (notifier) : 0;
  g_autofree char *title = NULL;

  /* "Zveno (3)": the taskbar and the window switcher show that something waits. */
  if (unread > 0)
    title = g_strdup_printf ("%s (%u)", _("Zveno"), unread);
  gtk_window_set_title (GTK_WINDOW (self), title != NULL ? title : _("Zveno"));
}

static void
notifier_open_chat_cb (ZvWindow *self,
                       gint64    chat_id)
{
  gtk_window_present (GTK_WINDOW (self));
  if (!open_chat_by_id (self, chat_id))
    zv_window_show_toast (self, _("This chat is no longer available."));
}

static void
notifier_changed_cb (ZvWindow *self)
{
  ZvNotifier *notifier = zv_session_get_notifier (self->session);

  g_signal_group_set_target (self->notifier_signals, notifier);
  if (notifier != NULL)
    {
      zv_notifier_set_window_focused (notifier, gtk_window_is_active (GTK_WINDOW (self)));
      zv_notifier_set_do_not_disturb (notifier, self->do_not_disturb);
    }
  update_title (self);
}

static void
is_active_cb (ZvWindow *self)
{
  ZvNotifier *notifier = self->session != NULL ? zv_session_get_notifier (self->session) : NULL;

  if (notifier != NULL)
    zv_notifier_set_window_focused (notifier, gtk_window_is_active (GTK_WINDOW (self)));
  /* Back at the window with a chat open: what arrived meanwhile is read now. */
  maybe_mark_read (self);
  zv_window_update_missed_calls (self);
}

static void
store_changed_cb (ZvWindow       *self,
                  ZvStoreChanges *changes)
{
  ZvChat *chat = open_chat_get (self);
  gint64 chat_id;

  if (chat == NULL || (changes->flags & ZV_STORE_CHANGED_MESSAGES) == 0)
    return;
  chat_id = zv_chat_get_id (chat);
  if (changes->chats != NULL && !g_hash_table_contains (changes->chats, &chat_id))
    return;
  maybe_mark_read (self);
}

static void
zv_window_set_do_not_disturb (ZvWindow *self,
                              gboolean  dnd)
{
  ZvNotifier *notifier = self->session != NULL ? zv_session_get_notifier (self->session) : NULL;

  dnd = !!dnd;
  if (self->do_not_disturb == dnd)
    return;
  self->do_not_disturb = dnd;
  if (notifier != NULL)
    zv_notifier_set_do_not_disturb (notifier, dnd);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DO_NOT_DISTURB]);
}

static void
chat_activated_cb (ZvWindow *self,
                   guint     position)
{
  g_autoptr(ZvChat) chat = g_list_model_get_item (G_LIST_MODEL (self->chat_selection), position);

  gtk_single_selection_set_selected (self->chat_selection, position);
  open_chat (self, chat);
}

static void
chat_list_changed_cb (ZvWindow *self)
{
  ZvChatList *chats = zv_session_get_chat_list (self->session);

  zv_window_chats_set_list (self, chats);
  if (chats != NULL)
    g_signal_connect_object (chats, "items-changed", G_CALLBACK (zv_window_chats_update_page), self, G_CONNECT_SWAPPED);
  else
    open_chat (self, NULL);
  zv_window_chats_update_page (self);

  g_signal_group_set_target (self->store_signals,
                             chats != NULL ? zv_account_get_store (zv_session_get_account (self->session)) : NULL);
  update_pages (self);
}

/* A closed GtkRevealer still measures its child: the offline strip's label was ~200 of the first
 * frame's ~1,100 text shapings (cut 8). So it is hidden once closed and shown again to open. */
static void
offline_revealed_cb (ZvWindow *self)
{
  if (!gtk_revealer_get_child_revealed (self->offline_revealer) &&
      !gtk_revealer_get_reveal_child (self->offline_revealer))
    gtk_widget_set_visible (GTK_WIDGET (self->offline_revealer), FALSE);
}

static void
session_state_cb (ZvWindow *self)
{
  ZvSessionState state = zv_session_get_state (self->session);
  ZvAccount *account = zv_session_get_account (self->session);
  const char *page = "main";

  switch (state)
    {
    case ZV_SESSION_STATE_LOADING:
    case ZV_SESSION_STATE_SIGNED_OUT:
      page = self->sign_in_requested ? "sign-in" : "main";
      break;
    case ZV_SESSION_STATE_SIGNING_IN:
    case ZV_SESSION_STATE_SYNCING:
      page = "sign-in";
      break;
    case ZV_SESSION_STATE_READY:
    case ZV_SESSION_STATE_OFFLINE:
      self->sign_in_requested = FALSE;
      page = "main";
      break;
    case ZV_SESSION_STATE_DEACTIVATED:
    default:
      self->sign_in_requested = FALSE;
      page = "deactivated";
      break;
    }
  if (g_strcmp0 (page, "sign-in") == 0)
    ensure_sign_in_page (self);
  gtk_stack_set_visible_child_name (self->main_stack, page);
  if (state == ZV_SESSION_STATE_OFFLINE) /* hidden while closed, see offline_revealed_cb() */
    gtk_widget_set_visible (GTK_WIDGET (self->offline_revealer), TRUE);
  gtk_revealer_set_reveal_child (self->offline_revealer, state == ZV_SESSION_STATE_OFFLINE);

  if ((state == ZV_SESSION_STATE_READY || state == ZV_SESSION_STATE_OFFLINE) && account != NULL)
    {
      gtk_label_set_label (self->account_title, zv_account_get_login (account));
      gtk_label_set_label (self->account_subtitle, zv_account_get_server (account));
    }
  else if (state == ZV_SESSION_STATE_LOADING)
    {
      /* Not known yet (see zv_window_chats_update_page()). */
      gtk_label_set_label (self->account_title, "");
      gtk_label_set_label (self->account_subtitle, "");
    }
  else
    {
      gtk_label_set_label (self->account_title, _("Not signed in"));
      gtk_label_set_label (self->account_subtitle, _("No company account on this computer"));
    }
  zv_window_chats_update_page (self);
  update_pages (self);
  /* A chat opened from the cache while the session was still loading is read now. */
  maybe_mark_read (self);
}

static void
session_error_cb (ZvWindow     *self,
                  const GError *error)
{
  g_autofree char *message = zv_sign_in_page_describe_error (error);

  zv_window_show_toast (self, message);
}

/* The sign-in page is not in the template: it is made when first shown or just after the first
 * frame (hidden_pages_idle_cb()), so that building it does not delay the first frame of a device
 * that is signed in and never shows it. */
static void
ensure_sign_in_page (ZvWindow *self)
{
  if (self->sign_in_page != NULL || self->sign_in_box == NULL)
    return;
  self->sign_in_page = g_object_new (ZV_TYPE_SIGN_IN_PAGE, "vexpand", TRUE, NULL);
  gtk_box_append (self->sign_in_box, GTK_WIDGET (self->sign_in_page));
  if (self->session != NULL)
    zv_sign_in_page_set_session (self->sign_in_page, self->session);
}

static void
connect_session (ZvWindow *self)
{
  if (self->sign_in_page != NULL)
    zv_sign_in_page_set_session (self->sign_in_page, self->session);
  g_signal_connect_object (self->session, "notify::state", G_CALLBACK (session_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::chat-list", G_CALLBACK (chat_list_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::notifier", G_CALLBACK (notifier_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::phone", G_CALLBACK (zv_window_phone_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "error", G_CALLBACK (session_error_cb), self, G_CONNECT_SWAPPED);
}

static void
zv_window_sign_in_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  ZvWindow *self = ZV_WINDOW (widget);

  if (zv_session_get_state (self->session) == ZV_SESSION_STATE_DEACTIVATED)
    {
      /* Everything was wiped: a fresh session signs in on an empty cache. */
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_clear_object (&self->session);
      self->session = zv_session_new ();
      connect_session (self);
      notifier_changed_cb (self);
      zv_window_phone_changed (self);
      zv_session_start (self->session);
    }
  self->sign_in_requested = TRUE;
  ensure_sign_in_page (self);
  gtk_stack_set_visible_child_name (self->main_stack, "sign-in");
  gtk_widget_grab_focus (GTK_WIDGET (self->sign_in_page));
}

static void
zv_window_sign_in_cancel_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *parameter)
{
  ZvWindow *self = ZV_WINDOW (widget);

  self->sign_in_requested = FALSE;
  session_state_cb (self);
}

static gboolean
zv_window_close_request (GtkWindow *window)
{
  zv_window_save_state (ZV_WINDOW (window));

  return GTK_WINDOW_CLASS (zv_window_parent_class)->close_request (window);
}

static void
zv_window_dispose (GObject *object)
{
  ZvWindow *self = ZV_WINDOW (object);

  zv_window_chats_dispose (self);
  g_clear_handle_id (&self->hidden_pages_idle, g_source_remove);
  if (self->notifier_signals != NULL)
    g_signal_group_set_target (self->notifier_signals, NULL);
  if (self->store_signals != NULL)
    g_signal_group_set_target (self->store_signals, NULL);
  g_clear_object (&self->notifier_signals);
  g_clear_object (&self->store_signals);
  if (self->history_signals != NULL)
    g_signal_group_set_target (self->history_signals, NULL);
  g_clear_object (&self->history_signals);
  g_clear_object (&self->call_alert);
  self->contacts_page = NULL;
  self->contact_card = NULL;
  self->search_page = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), ZV_TYPE_WINDOW);
  self->dialpad = NULL;
  self->call_view = NULL;
  self->calls_page = NULL;
  self->incoming_call = NULL;
  self->sign_in_page = NULL;
  g_clear_object (&self->pages_account);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (zv_window_parent_class)->dispose (object);
}

static void
zv_window_finalize (GObject *object)
{
  ZvWindow *self = ZV_WINDOW (object);

  g_clear_object (&self->settings);
  g_free (self->search_chat_title);

  G_OBJECT_CLASS (zv_window_parent_class)->finalize (object);
}

static void
zv_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  ZvWindow *self = ZV_WINDOW (object);

  switch (prop_id)
    {
    case PROP_DO_NOT_DISTURB:
      g_value_set_boolean (value, self->do_not_disturb);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  ZvWindow *self = ZV_WINDOW (object);

  switch (prop_id)
    {
    case PROP_DO_NOT_DISTURB:
      zv_window_set_do_not_disturb (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
zv_window_class_init (ZvWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = zv_window_dispose;
  object_class->finalize = zv_window_finalize;
  object_class->get_property = zv_window_get_property;
  object_class->set_property = zv_window_set_property;
  window_class->close_request = zv_window_close_request;

  /* Silences message notifications while on (the main menu's "Do Not Disturb"). */
  properties[PROP_DO_NOT_DISTURB] =
    g_param_spec_boolean ("do-not-disturb", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, offline_revealer);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, chats_stack);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, chats_empty);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, chat_list_view);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, chat_content_stack);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, sign_in_box);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, account_title);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, account_subtitle);
  gtk_widget_class_bind_template_callback (widget_class, chat_activated_cb);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, search_stack);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, contacts_stack);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, contacts_bin);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, contact_content_stack);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, contact_card_bin);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, search_bin);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, calls_stack_page);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, calls_bin);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, phone_stack);
  gtk_widget_class_bind_template_child (widget_class, ZvWindow, incoming_call_bin);
  zv_window_calls_class_init (widget_class);
  gtk_widget_class_bind_template_callback (widget_class, page_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, offline_revealed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);

  /* Accelerators for these are set app-wide in ZvApplication, so the shortcuts window shows them. */
  gtk_widget_class_install_action (widget_class, "win.search", NULL, zv_window_search_action);
  gtk_widget_class_install_action (widget_class, "win.search-in-chat", NULL, zv_window_search_in_chat_action);
  gtk_widget_class_install_property_action (widget_class, "win.do-not-disturb", "do-not-disturb");
  gtk_widget_class_install_action (widget_class, "win.page-chats", NULL, zv_window_page_action);
  gtk_widget_class_install_action (widget_class, "win.page-calls", NULL, zv_window_page_action);
  gtk_widget_class_install_action (widget_class, "win.page-contacts", NULL, zv_window_page_action);
  gtk_widget_class_install_action (widget_class, "win.navigate-back", NULL, zv_window_navigate_back_action);
  gtk_widget_class_install_action (widget_class, "win.sign-in", NULL, zv_window_sign_in_action);
  gtk_widget_class_install_action (widget_class, "win.sign-in-cancel", NULL, zv_window_sign_in_cancel_action);
}

static void
zv_window_init (ZvWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (SETTINGS_SCHEMA_ID);

#if DEVELOPMENT
  /* The striped header bar tells a development build from the installed app at a glance. Our own
   * stripes (ui/style.css): libadwaita's "devel" draws an SVG, which would load librsvg. */
  gtk_widget_add_css_class (GTK_WIDGET (self), "zv-devel");
#endif

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  /* Typing while the chat list has the focus filters it, as in other GNOME sidebars. */
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self->chat_list_view));

  /* Ctrl+F searches the open chat. ZvApplication gives Ctrl+F and Ctrl+K to win.search (every
   * chat); this capture-phase shortcut on the window runs first and takes Ctrl+F for itself. */
  {
    GtkEventController *shortcuts = gtk_shortcut_controller_new ();

    gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_f, GDK_CONTROL_MASK),
                                                            gtk_named_action_new ("win.search-in-chat")));
    gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
  }

  self->notifier_signals = g_signal_group_new (ZV_TYPE_NOTIFIER);
  g_signal_group_connect_swapped (self->notifier_signals, "notify::unread-total", G_CALLBACK (update_title), self);
  g_signal_group_connect_swapped (self->notifier_signals, "open-chat", G_CALLBACK (notifier_open_chat_cb), self);
  zv_window_calls_init (self);
  self->store_signals = g_signal_group_new (ZV_TYPE_STORE);
  g_signal_group_connect_swapped (self->store_signals, "changed", G_CALLBACK (store_changed_cb), self);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (is_active_cb), NULL);
  /* Pages nobody sees at first are made once the first frame is on screen. */
  g_signal_connect (self, "map", G_CALLBACK (window_mapped_cb), NULL);

  /* Closing the window only hides it while the app should keep receiving messages and calls;
   * Quit (Ctrl+Q) ends the app either way. Read-only so that quitting never rewrites the key. */
  g_settings_bind (self->settings, "run-in-background", self, "hide-on-close", G_SETTINGS_BIND_GET);

  zv_window_restore_state (self);
  page_changed_cb (self);

  zv_window_chats_init (self);
}

/* The Keyboard Shortcuts window (win.show-help-overlay, the main menu's Keyboard Shortcuts):
 * GtkApplication would build it before the first frame if it were at its default resource path. */
static void
set_help_overlay (ZvWindow *self)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource (APPLICATION_PATH "/zv-shortcuts-window.ui");

  gtk_application_window_set_help_overlay (GTK_APPLICATION_WINDOW (self),
                                           GTK_SHORTCUTS_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
  self->help_overlay_set = TRUE;
}

static gboolean
hidden_pages_idle_cb (gpointer user_data)
{
  ZvWindow *self = ZV_WINDOW (user_data);

  /* One page per main-loop turn, so that input after the first frame waits for one at most. First
   * the chats below the fold, which the first frame went without (zv-window-chats.c). */
  if (zv_window_chats_top_up (self))
    return G_SOURCE_CONTINUE;
  if (self->conversation == NULL)
    ensure_conversation (self);
  /* The phone's module (sofia-sip, GStreamer): the SIP registration waits for it. */
  else if (self->phone_ui == NULL && !self->phone_ui_failed)
    zv_window_load_phone_ui (self);
  else if (self->sign_in_page == NULL)
    ensure_sign_in_page (self);
  else if (self->calls_page == NULL && !self->phone_ui_failed)
    zv_window_ensure_calls_page (self);
  else if (self->call_view == NULL && !self->phone_ui_failed)
    zv_window_ensure_phone_pane (self);
  else if (!self->help_overlay_set)
    set_help_overlay (self);
  else
    {
      self->hidden_pages_idle = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
first_frame_painted_cb (GdkFrameClock *clock,
                        ZvWindow      *self)
{
  g_signal_handlers_disconnect_by_func (clock, first_frame_painted_cb, self);
  self->first_frame_painted = TRUE;
  if (self->hidden_pages_idle == 0)
    self->hidden_pages_idle = g_idle_add (hidden_pages_idle_cb, self);
}

static void
window_mapped_cb (ZvWindow *self)
{
  g_signal_handlers_disconnect_by_func (self, window_mapped_cb, NULL);
  g_signal_connect_object (gtk_widget_get_frame_clock (GTK_WIDGET (self)), "after-paint",
                           G_CALLBACK (first_frame_painted_cb), self, 0);
}

ZvWindow *
zv_window_new (ZvApplication *application)
{
  ZvWindow *self;

  g_return_val_if_fail (ZV_IS_APPLICATION (application), NULL);

  self = g_object_new (ZV_TYPE_WINDOW, "application", application, NULL);

  /* The session reads the cache on a worker: the window shows at once and fills in. The
   * application started it before GTK did (zv_application_startup()); a later window starts its own. */
  self->session = zv_application_take_session (application);
  if (self->session == NULL)
    {
      self->session = zv_session_new ();
      zv_session_start (self->session);
    }
  /* Still loading: no main-loop turn has passed since it started, so it has no chats, notifier or
   * phone yet; they are shown as its notify signals come. */
  connect_session (self);
  session_state_cb (self);
  return self;
}
