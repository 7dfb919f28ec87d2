/* zv-window-chats.c: ZvWindow's chat list in the sidebar: filtering it as the user types, and the
 * window of chats its GtkListView is given. GTK 4.8's list view makes ~200 rows whatever model it
 * is given, so with thousands of chats in the cache it gets a ZvListWindow over the filtered
 * chats, a screen or two of them, grown as the user scrolls (or arrows) towards its end, moved
 * when a chat far down is opened from elsewhere. The rest of the window is in zv-window.c. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "zv-chat-row.h"
#include "zv-list-window.h"
#include "zv-window-private.h"

/* The chat list view is given this many chats at first (two screens of a laptop's sidebar; a
 * taller one grows it until two screens are filled) and that many more as the user scrolls near
 * the end of them: GTK 4.8's list view makes ~200 rows whatever it is given, ~40 kB each. */
#define CHATS_SHOWN 20
#define CHATS_GROW 30
/* Until the window's first frame is on screen, only the chats that frame can show: as many rows as
 * the window is tall (a row is 62 px: the avatar, its margins and the row's own; counted at 60 so
 * as to err towards one more). Each row costs the first frame ~13 M instructions, 1-2 ms (cut 9 in
 * docs/PERFORMANCE.md); the rest up to CHATS_SHOWN are added just after it (zv_window_chats_top_up()),
 * below the fold, and if the window came out taller than expected they show a frame later. */
#define CHAT_ROW_HEIGHT_MIN 60
/* Grown when the view's bottom is within half a screen of the last chat shown: ahead of the arrow
 * keys (the focused row is scrolled into view) and not at once on a screen that shows them all. */
#define CHATS_AHEAD 1.5

static gboolean
chat_matches (gpointer item,
              gpointer user_data)
{
  ZvWindow *self = user_data;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *needle = NULL;
  g_autofree char *title = NULL;

  if (*text == '\0' || g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "chats") != 0)
    return TRUE;
  /* Case-insensitive in any script: "анна" finds "Анна Петрова". */
  needle = g_utf8_casefold (text, -1);
  title = g_utf8_casefold (zv_chat_get_title (ZV_CHAT (item)) != NULL ? zv_chat_get_title (ZV_CHAT (item)) : "", -1);
  return strstr (title, needle) != NULL;
}

/* The chats the list view is given: a window of the filtered chats (see CHATS_SHOWN). */
static ZvListWindow *
chat_window (ZvWindow *self)
{
  return self->chat_selection != NULL ? ZV_LIST_WINDOW (gtk_single_selection_get_model (self->chat_selection)) : NULL;
}

/* How many chats the list view is given: CHATS_SHOWN, or before the first frame as many as the
 * window's height can show (see CHAT_ROW_HEIGHT_MIN). The height is the restored default height,
 * or the tallest monitor's when the window is restored maximized or has no size yet. */
static guint
chats_wanted (ZvWindow *self)
{
  int width = 0;
  int height = 0;

  if (self->first_frame_painted)
    return CHATS_SHOWN;
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height); /* GTK 4.8 takes no NULL */
  if (height <= 0 || g_settings_get_boolean (self->settings, "window-maximized"))
    {
      GListModel *monitors = gdk_display_get_monitors (gtk_widget_get_display (GTK_WIDGET (self)));

      height = 0;
      for (guint i = 0; i < g_list_model_get_n_items (monitors); i++)
        {
          g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, i);
          GdkRectangle geometry;

          gdk_monitor_get_geometry (monitor, &geometry);
          height = MAX (height, geometry.height);
        }
    }
  if (height <= 0)
    return CHATS_SHOWN;
  return CLAMP ((guint) (height + CHAT_ROW_HEIGHT_MIN - 1) / CHAT_ROW_HEIGHT_MIN, 1, CHATS_SHOWN);
}

/* Fewer chats shown than wanted while there are more: the list was filled, the filter changed, or
 * the first frame is on screen. Runs after the window took the filtered list's change. TRUE when
 * chats were added. */
gboolean
zv_window_chats_top_up (ZvWindow *self)
{
  ZvListWindow *window = chat_window (self);
  guint shown = window != NULL ? g_list_model_get_n_items (G_LIST_MODEL (window)) : 0;
  guint wanted = chats_wanted (self);
  guint before = shown;

  if (window == NULL || shown >= wanted)
    return FALSE;
  shown += zv_list_window_grow_end (window, wanted - shown);
  /* Moved down to a chat opened from elsewhere, and the chats after it went: those before it. */
  if (shown < wanted)
    shown += zv_list_window_grow_start (window, wanted - shown);
  return shown > before;
}

static void
chat_window_top_up (ZvWindow *self)
{
  zv_window_chats_top_up (self);
}

static gboolean
chat_window_grow_cb (gpointer user_data)
{
  ZvWindow *self = user_data;
  GtkAdjustment *adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->chat_list_view));
  ZvListWindow *window = chat_window (self);
  double value = gtk_adjustment_get_value (adj), page = gtk_adjustment_get_page_size (adj);

  self->chat_grow_idle = 0;
  if (window == NULL)
    return G_SOURCE_REMOVE;
  if (value >= gtk_adjustment_get_upper (adj) - CHATS_AHEAD * page && !zv_list_window_at_end (window))
    zv_list_window_grow_end (window, CHATS_GROW);
  else if (value <= page && !zv_list_window_at_start (window))
    zv_list_window_grow_start (window, CHATS_GROW);
  return G_SOURCE_REMOVE;
}

/* Near the shown chats' end (scrolled, or moved there with the arrow keys, which
 * scroll the focused row into view), more are shown before the user gets there; at the start
 * likewise after a chat far down was opened from elsewhere. In an idle: not inside the list's
 * own handling of the scroll. */
static void
chat_scroll_cb (ZvWindow *self)
{
  GtkAdjustment *adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->chat_list_view));
  ZvListWindow *window = chat_window (self);
  double value = gtk_adjustment_get_value (adj), page = gtk_adjustment_get_page_size (adj);

  /* Not before the first frame: it has only the rows it shows (see CHAT_ROW_HEIGHT_MIN). */
  if (window == NULL || self->chat_grow_idle != 0 || page <= 0 || !self->first_frame_painted)
    return;
  if ((value >= gtk_adjustment_get_upper (adj) - CHATS_AHEAD * page && !zv_list_window_at_end (window)) ||
      (value <= page && !zv_list_window_at_start (window)))
    self->chat_grow_idle = g_idle_add (chat_window_grow_cb, self);
}

static void
setup_chat_row_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   gpointer                  user_data)
{
  gtk_list_item_set_child (item, GTK_WIDGET (g_object_new (ZV_TYPE_CHAT_ROW, NULL)));
}

static void
bind_chat_row_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  ZvWindow                 *self)
{
  /* The row's context menu (mute, pin, mark read) acts through the current session. */
  zv_chat_row_set_session (ZV_CHAT_ROW (gtk_list_item_get_child (item)), self->session);
  zv_chat_row_set_chat (ZV_CHAT_ROW (gtk_list_item_get_child (item)), gtk_list_item_get_item (item));
}

static void
unbind_chat_row_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *item,
                    gpointer                  user_data)
{
  zv_chat_row_set_chat (ZV_CHAT_ROW (gtk_list_item_get_child (item)), NULL);
}

/* ZVENO_PRINT_FIRST_FRAME=1 (tests/bench/bench-app-startup.py): besides the window's first frame
 * (zv-application.c), print "chats-shown" once the first frame that shows chat rows is painted. */
static void
chats_shown_painted_cb (GdkFrameClock *clock,
                        ZvWindow      *self)
{
  g_signal_handlers_disconnect_by_func (clock, chats_shown_painted_cb, self);
  g_print ("chats-shown\n");
}

static void
print_chats_shown (ZvWindow *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  if (self->chats_shown_printed || g_strcmp0 (g_getenv ("ZVENO_PRINT_FIRST_FRAME"), "1") != 0)
    return;
  /* Not realized yet: the rows are in the window's first frame, which zv-application.c prints. */
  if (clock == NULL)
    {
      self->chats_shown_printed = TRUE;
      g_print ("chats-in-first-frame\n");
      return;
    }
  self->chats_shown_printed = TRUE;
  g_signal_connect_object (clock, "after-paint", G_CALLBACK (chats_shown_painted_cb), self, 0);
}

/* The Chats page: the list, its empty state, or a blank page while the session is loading. */
void
zv_window_chats_update_page (ZvWindow *self)
{
  ZvChatList *chats = self->session != NULL ? zv_session_get_chat_list (self->session) : NULL;
  gboolean signed_in = chats != NULL;
  guint n = signed_in ? g_list_model_get_n_items (G_LIST_MODEL (chats)) : 0;
  gboolean loading = self->session == NULL || zv_session_get_state (self->session) == ZV_SESSION_STATE_LOADING;

  /* While the cache is being read nobody knows yet whether someone is signed in: a blank page
   * rather than "No Chats Yet" and "Sign In…" flashing before a signed-in person's chats. */
  gtk_stack_set_visible_child_name (self->chats_stack, n > 0 ? "list" : loading ? "loading" : "empty");
  if (n > 0)
    print_chats_shown (self);
  gtk_widget_set_visible (self->sign_in_button, !signed_in);
  adw_status_page_set_description (self->chats_empty,
                                   signed_in ? _("Chats with your colleagues and clients appear here")
                                             : _("Chats with your colleagues and clients appear here after you sign in"));
}

/* The filter and the window for the signed-in session's chats, or none (signed out). */
void
zv_window_chats_set_list (ZvWindow   *self,
                          ZvChatList *chats)
{
  g_clear_handle_id (&self->chat_grow_idle, g_source_remove);
  g_clear_object (&self->chat_selection);
  if (self->chat_filter_model != NULL)
    g_signal_handlers_disconnect_by_data (self->chat_filter_model, self);
  g_clear_object (&self->chat_filter_model);
  if (chats != NULL)
    {
      GtkCustomFilter *filter = gtk_custom_filter_new (chat_matches, self, NULL);
      ZvListWindow *window;

      self->chat_filter_model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (chats)), GTK_FILTER (filter));
      /* The list arrives from the cache in one piece: the window must not take it all. */
      window = zv_list_window_new (G_LIST_MODEL (self->chat_filter_model), 0, chats_wanted (self));
      zv_list_window_set_follow_end (window, FALSE);
      g_signal_connect_object (self->chat_filter_model, "items-changed", G_CALLBACK (chat_window_top_up), self,
                               G_CONNECT_SWAPPED | G_CONNECT_AFTER);
      self->chat_selection = gtk_single_selection_new (G_LIST_MODEL (window));
      gtk_single_selection_set_autoselect (self->chat_selection, FALSE);
      gtk_single_selection_set_can_unselect (self->chat_selection, TRUE);
      gtk_single_selection_set_selected (self->chat_selection, GTK_INVALID_LIST_POSITION);
    }
  gtk_list_view_set_model (self->chat_list_view, GTK_SELECTION_MODEL (self->chat_selection));
}

/* Applies the search field's text to the chat list. TRUE when a chat matches. */
gboolean
zv_window_chats_filter (ZvWindow *self)
{
  GtkFilter *filter;

  if (self->chat_filter_model == NULL)
    return FALSE;
  filter = gtk_filter_list_model_get_filter (self->chat_filter_model);
  /* Filters all chats; the list view is then given the first CHATS_SHOWN that match (also
   * when it showed chats further down). */
  gtk_filter_changed (filter, GTK_FILTER_CHANGE_DIFFERENT);
  zv_list_window_set_range (chat_window (self), 0,
                            zv_list_window_at_start (chat_window (self))
                            ? MAX (CHATS_SHOWN, zv_list_window_get_end (chat_window (self))) : CHATS_SHOWN);
  return g_list_model_get_n_items (G_LIST_MODEL (self->chat_filter_model)) > 0;
}

/* Selects the chat at @position of the session's chat list in the sidebar, when the sidebar lists
 * the same chats in the same order (unfiltered); a chat far down moves the window of shown chats
 * there. */
void
zv_window_chats_select (ZvWindow *self,
                        guint     position)
{
  gboolean unfiltered = *gtk_editable_get_text (GTK_EDITABLE (self->search_entry)) == '\0';

  if (self->chat_selection == NULL)
    return;
  if (unfiltered)
    zv_list_window_show_around (chat_window (self), position, CHATS_GROW / 2, CHATS_GROW / 2);
  gtk_single_selection_set_selected (self->chat_selection,
                                     unfiltered ? position - zv_list_window_get_start (chat_window (self))
                                                : GTK_INVALID_LIST_POSITION);
}

void
zv_window_chats_init (ZvWindow *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkAdjustment *vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->chat_list_view));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_chat_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_chat_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_chat_row_cb), NULL);
  gtk_list_view_set_factory (self->chat_list_view, factory);
  g_signal_connect_object (vadjustment, "value-changed", G_CALLBACK (chat_scroll_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (vadjustment, "notify::upper", G_CALLBACK (chat_scroll_cb), self, G_CONNECT_SWAPPED);
}

void
zv_window_chats_dispose (ZvWindow *self)
{
  if (self->chat_list_view != NULL)
    gtk_list_view_set_model (self->chat_list_view, NULL);
  zv_window_chats_set_list (self, NULL);
}
