/* zv-conversation.c: ZvConversation, one chat's messages and the composer.
 *
 * The messages are a ZvMessageList, which reads rows by position on demand. The list view is given
 * a ZvListWindow of it, the newest WINDOW_OPEN messages: GTK 4.8's list view lays out ~200 rows
 * around what it shows whatever the viewport, so handed the whole chat it spent 0.6-1 s on its
 * first frame here, handed the window a third of that. Scrolling within a screen of the window's
 * top grows it by WINDOW_GROW older messages (the list view keeps the row it shows in place: what
 * the user reads does not move), and at the chat's cached start asks the server for older history. Jumping to a
 * message (first unread, a search result, a reply's quote) moves the window around it, and the
 * "New Messages" button, shown when messages arrive while the user reads above, back to the newest.
 *
 * The message actions are in zv-conversation-actions.c. The typing line shows ZvEvents::typing for
 * this chat for a few seconds.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "zv-conversation-private.h"
#include "zv-message-row.h"

/* Closer than this to an edge counts as being at it. */
#define EDGE_PX 48.0
#define LOAD_OLDER_LIMIT 50
/* Others' clients send "typing" every ~3 s while typing; there is no "stopped" (docs/api.md). */
#define TYPING_EXPIRE_MS 6000

#define SCROLL_FRAMES 6
/* Rows the list view is given when a chat opens (a screen is ~10-25 of them), how many more it is
 * given when the user nears the window's edge, and how many around a message jumped to. */
#define WINDOW_OPEN 50
#define WINDOW_GROW 50
#define WINDOW_AROUND 30
/* The window never holds more: growing at one end drops rows at the other, far out of view (GTK
 * keeps ~200 rows around what it shows). Without a cap, scrolling up through 100,000 messages
 * handed the list view ever more rows, and its frames slowed with the count (it did not reach the
 * top in 30 min; the whole chat as the model: 18 min). */
#define WINDOW_MAX 400


G_DEFINE_FINAL_TYPE (ZvConversation, zv_conversation, ADW_TYPE_BIN)

ZvAccount *
zv_conversation_get_account (ZvConversation *self)
{
  return self->session != NULL ? zv_session_get_account (self->session) : NULL;
}

static void
bind_row (ZvConversation *self,
          GtkListItem    *item)
{
  ZvMessageRow *row = ZV_MESSAGE_ROW (gtk_list_item_get_child (item));
  ZvMessage *message = gtk_list_item_get_item (item);
  guint position = gtk_list_item_get_position (item);
  g_autoptr(ZvMessage) previous = NULL;

  /* The message before, for grouping: it may be just outside the window. */
  if (self->messages != NULL && self->window != NULL)
    position += zv_list_window_get_start (self->window);
  if (position > 0 && self->messages != NULL)
    previous = g_list_model_get_item (G_LIST_MODEL (self->messages), position - 1);
  zv_message_row_set_message (row, message, previous);
  zv_message_row_set_highlighted (row, self->highlight_id != 0 && message != NULL &&
                                       zv_message_get_id (message) == self->highlight_id);
  g_hash_table_add (self->bound_rows, row);
  self->bench_binds++;
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          ZvConversation           *self)
{
  ZvStore *store = NULL;

  if (self->session != NULL && zv_session_get_account (self->session) != NULL)
    store = zv_account_get_store (zv_session_get_account (self->session));
  gtk_list_item_set_child (item, GTK_WIDGET (zv_message_row_new (store, self->session != NULL &&
                                                                     zv_session_get_account (self->session) != NULL ?
                                                                     zv_account_get_user_id (zv_session_get_account (self->session)) : 0)));
  /* Messages are read, not picked: the row itself is what assistive tech reads. */
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_selectable (item, FALSE);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         ZvConversation           *self)
{
  bind_row (self, item);
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           ZvConversation           *self)
{
  ZvMessageRow *row = ZV_MESSAGE_ROW (gtk_list_item_get_child (item));

  g_hash_table_remove (self->bound_rows, row);
  zv_message_row_set_highlighted (row, FALSE);
  zv_message_row_set_message (row, NULL, NULL);
}

static GtkAdjustment *
vadjustment (ZvConversation *self)
{
  return gtk_scrolled_window_get_vadjustment (self->scroller);
}

static gboolean scroll_tick_cb (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data);

/* The list estimates the height of rows it has not shown yet, so setting the adjustment to its end
 * lands short of the last message; scrolling to the last item for a few frames gets there. */
static void
scroll_to_bottom (ZvConversation *self)
{
  GtkAdjustment *adj = vadjustment (self);
  guint n = self->messages != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->messages)) : 0;

  /* Back from a message far up: the newest rows again, not all those in between. */
  if (self->window != NULL && !zv_list_window_at_end (self->window))
    zv_list_window_show_last (self->window, WINDOW_OPEN);
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
  if (n == 0)
    return;
  self->scroll_position = n - 1;
  self->scroll_retries = SCROLL_FRAMES;
  if (self->scroll_tick == 0)
    self->scroll_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), scroll_tick_cb, NULL, NULL);
}

static void
older_loaded_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ZvConversation) self = user_data;
  g_autoptr(GError) error = NULL;
  guint n_loaded = 0;

  if (!zv_message_list_load_older_finish (ZV_MESSAGE_LIST (object), result, &n_loaded, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("conversation: older history: %s", error->message);
    }
  if (ZV_MESSAGE_LIST (object) == self->messages)
    gtk_revealer_set_reveal_child (self->loading_revealer, FALSE);
}

static gboolean
trim_tick_cb (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  ZvConversation *self = ZV_CONVERSATION (widget);
  guint start, end;

  if (self->trim_wait > 0)
    {
      self->trim_wait--;
      return G_SOURCE_CONTINUE;
    }
  self->trim_tick = 0;
  if (self->window == NULL)
    return G_SOURCE_REMOVE;
  start = zv_list_window_get_start (self->window);
  end = zv_list_window_get_end (self->window);
  if (end - start > WINDOW_MAX)
    {
      if (self->trim_end)
        zv_list_window_set_range (self->window, start, start + WINDOW_MAX);
      else
        zv_list_window_set_range (self->window, end - WINDOW_MAX, end);
    }
  return G_SOURCE_REMOVE;
}

/* Rows beyond WINDOW_MAX go at the far end, in the frame after the one that lays out a growth:
 * one change per frame for the list view to keep its anchor through. */
static void
schedule_trim (ZvConversation *self,
               gboolean        at_end)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->window)) <= WINDOW_MAX)
    return;
  self->trim_end = at_end;
  self->trim_wait = 1;
  if (self->trim_tick == 0)
    self->trim_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), trim_tick_cb, NULL, NULL);
}

/* Within a screen of the window's top or bottom: give the list view more rows there before the
 * user reaches the edge. The list view keeps the row it shows in place when rows are inserted
 * above it (its anchor is an item, not an offset), so the view does not move. */
static gboolean
grow_idle_cb (gpointer user_data)
{
  ZvConversation *self = user_data;
  GtkAdjustment *adj = vadjustment (self);
  double value = gtk_adjustment_get_value (adj);
  double page = gtk_adjustment_get_page_size (adj);

  self->grow_idle = 0;
  if (self->window == NULL)
    return G_SOURCE_REMOVE;
  if (value <= page && !zv_list_window_at_start (self->window))
    {
      guint grown = zv_list_window_grow_start (self->window, WINDOW_GROW);

      schedule_trim (self, TRUE);

      /* The benchmark checks at the next frame that the view did not move (see bench_after_paint). */
      if (self->bench_grown == 0)
        {
          self->bench_grow_value = value;
          self->bench_grow_upper = gtk_adjustment_get_upper (adj);
        }
      self->bench_grown += grown;
    }
  else if (value >= gtk_adjustment_get_upper (adj) - 2 * page && !zv_list_window_at_end (self->window))
    {
      zv_list_window_grow_end (self->window, WINDOW_GROW);
      schedule_trim (self, FALSE);
    }
  return G_SOURCE_REMOVE;
}

static void
maybe_grow (ZvConversation *self)
{
  GtkAdjustment *adj = vadjustment (self);
  double value = gtk_adjustment_get_value (adj);
  double page = gtk_adjustment_get_page_size (adj);

  if (self->window != NULL && self->grow_idle == 0 && page > 0 &&
      ((value <= page && !zv_list_window_at_start (self->window)) ||
       (value >= gtk_adjustment_get_upper (adj) - 2 * page && !zv_list_window_at_end (self->window))))
    self->grow_idle = g_idle_add (grow_idle_cb, self);
}

static void
maybe_load_older (ZvConversation *self)
{
  GtkAdjustment *adj = vadjustment (self);
  double value = gtk_adjustment_get_value (adj);

  if (self->messages == NULL || self->window == NULL)
    return;
  maybe_grow (self);
  if (!zv_list_window_at_start (self->window) || zv_message_list_get_history_complete (self->messages) ||
      zv_message_list_get_loading (self->messages))
    return;
  if (value > EDGE_PX)
    return;
  gtk_revealer_set_reveal_child (self->loading_revealer, TRUE);
  zv_message_list_load_older_async (self->messages, LOAD_OLDER_LIMIT, self->cancellable, older_loaded_cb,
                                    g_object_ref (self));
}

static void
value_changed_cb (ZvConversation *self)
{
  GtkAdjustment *adj = vadjustment (self);
  double bottom = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);

  /* At the bottom of the window is at the newest message only if the window ends there. */
  self->stick_to_bottom = gtk_adjustment_get_value (adj) >= bottom - EDGE_PX &&
                          (self->window == NULL || zv_list_window_at_end (self->window));
  if (self->stick_to_bottom)
    gtk_revealer_set_reveal_child (self->new_messages_revealer, FALSE);
  self->from_bottom = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_value (adj);
  maybe_load_older (self);
}

static void
upper_changed_cb (ZvConversation *self)
{
  GtkAdjustment *adj = vadjustment (self);

  /* Fewer rows than fill the view and a screen more: more of them. */
  maybe_grow (self);
  if (self->stick_to_bottom)
    scroll_to_bottom (self);
  else if (self->keep_from_bottom)
    {
      /* Rows came in above: keep what the user reads at the same place on screen. */
      self->keep_from_bottom = FALSE;
      gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - self->from_bottom);
    }
}

static gboolean
refill_idle_cb (gpointer user_data)
{
  g_autoptr(ZvConversation) self = user_data;

  if (self->window != NULL && g_list_model_get_n_items (G_LIST_MODEL (self->window)) == 0)
    {
      zv_list_window_show_last (self->window, WINDOW_OPEN);
      if (self->stick_to_bottom)
        scroll_to_bottom (self);
    }
  return G_SOURCE_REMOVE;
}

static void
items_changed_cb (ZvConversation *self,
                  guint           position,
                  guint           removed,
                  guint           added)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));

  gtk_stack_set_visible_child_name (self->empty_stack, n == 0 ? "empty" : "none");
  /* New rows at the end while the user reads further up (or the window shows older ones):
   * offer the way down. */
  if (added > removed && position + added >= n && !self->stick_to_bottom)
    gtk_revealer_set_reveal_child (self->new_messages_revealer, TRUE);
}

static void
window_changed_cb (ZvConversation *self,
                   guint           position,
                   guint           removed,
                   guint           added)
{
  if (position == 0 && added > removed)
    self->keep_from_bottom = TRUE;
  /* Every row shown was replaced (the cache reloaded the chat): show the newest, in an idle
   * because the list view is still taking this change. */
  if (g_list_model_get_n_items (G_LIST_MODEL (self->window)) == 0 &&
      g_list_model_get_n_items (G_LIST_MODEL (self->messages)) > 0)
    g_idle_add (refill_idle_cb, g_object_ref (self));
}

static void
new_messages_clicked (ZvConversation *self)
{
  self->stick_to_bottom = TRUE;
  scroll_to_bottom (self);
  gtk_revealer_set_reveal_child (self->new_messages_revealer, FALSE);
}

static gboolean
stick_idle_cb (gpointer user_data)
{
  ZvConversation *self = user_data;

  if (self->stick_to_bottom)
    scroll_to_bottom (self);
  return G_SOURCE_REMOVE;
}

/* ---- typing ------------------------------------------------------------------------------------ */

static char *
user_name (ZvConversation *self,
           gint64          user_id)
{
  ZvAccount *account = zv_conversation_get_account (self);
  sqlite3_stmt *stmt;
  char *name = NULL;

  if (account == NULL || zv_account_get_store (account) == NULL)
    return NULL;
  stmt = zv_db_prepare (zv_store_get_reader (zv_account_get_store (account)), "SELECT name FROM users WHERE id = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, user_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    name = g_strdup (zv_db_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return name;
}

static gboolean typing_timeout_cb (gpointer user_data);

static void
update_typing (ZvConversation *self)
{
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key, value;
  g_autofree char *text = NULL;

  g_hash_table_iter_init (&iter, self->typing);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gint64 since = *(gint64 *) value;

      if (now - since > TYPING_EXPIRE_MS * 1000)
        g_hash_table_iter_remove (&iter);
      else
        {
          char *name = user_name (self, *(gint64 *) key);

          g_ptr_array_add (names, name != NULL ? name : g_strdup ("?"));
        }
    }
  if (names->len == 1)
    /* TRANSLATORS: shown under the messages while another member types */
    text = g_strdup_printf (_("%s is typing…"), (char *) names->pdata[0]);
  else if (names->len == 2)
    text = g_strdup_printf (_("%s and %s are typing…"), (char *) names->pdata[0], (char *) names->pdata[1]);
  else if (names->len > 2)
    text = g_strdup_printf (g_dngettext (NULL, "%u person is typing…", "%u people are typing…", names->len), names->len);
  gtk_label_set_label (self->typing_label, text != NULL ? text : "");
  gtk_revealer_set_reveal_child (self->typing_revealer, text != NULL);
  g_clear_handle_id (&self->typing_timeout, g_source_remove);
  if (names->len > 0)
    self->typing_timeout = g_timeout_add (1000, typing_timeout_cb, self);
}

static gboolean
typing_timeout_cb (gpointer user_data)
{
  ZvConversation *self = user_data;

  self->typing_timeout = 0;
  update_typing (self);
  return G_SOURCE_REMOVE;
}

static void
typing_cb (ZvEvents       *events,
           gint64          chat_id,
           gint64          user_id,
           ZvConversation *self)
{
  gint64 *key;
  gint64 *value;

  if (self->chat == NULL || chat_id != zv_chat_get_id (self->chat) ||
      (zv_conversation_get_account (self) != NULL && user_id == zv_account_get_user_id (zv_conversation_get_account (self))))
    return;
  key = g_new (gint64, 1);
  value = g_new (gint64, 1);
  *key = user_id;
  *value = g_get_monotonic_time ();
  g_hash_table_replace (self->typing, key, value);
  update_typing (self);
}

/**
 * zv_conversation_get_composer:
 *
 * Returns: (transfer none): the composer under the messages
 */
ZvComposer *
zv_conversation_get_composer (ZvConversation *self)
{
  g_return_val_if_fail (ZV_IS_CONVERSATION (self), NULL);
  return self->composer;
}

/* ---- jumping to a message ---------------------------------------------------------------------- */

#define HIGHLIGHT_MS 2000

static void
set_highlight (ZvConversation *self,
               gint64          message_id)
{
  GHashTableIter iter;
  gpointer row;

  self->highlight_id = message_id;
  g_hash_table_iter_init (&iter, self->bound_rows);
  while (g_hash_table_iter_next (&iter, &row, NULL))
    {
      ZvMessage *message = zv_message_row_get_message (row);

      zv_message_row_set_highlighted (row, message_id != 0 && message != NULL &&
                                           zv_message_get_id (message) == message_id);
    }
}

static gboolean
highlight_timeout_cb (gpointer user_data)
{
  ZvConversation *self = user_data;

  self->highlight_timeout = 0;
  set_highlight (self, 0);
  return G_SOURCE_REMOVE;
}

static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  ZvConversation *self = ZV_CONVERSATION (widget);

  /* Rows above the target are measured only as they are shown, so one scroll lands near the
   * target but not on it: repeat for a few frames until the heights have settled. */
  if (self->window != NULL && self->scroll_position >= zv_list_window_get_start (self->window) &&
      self->scroll_position < zv_list_window_get_end (self->window))
    gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u",
                                self->scroll_position - zv_list_window_get_start (self->window));
  if (self->scroll_retries == 0 || --self->scroll_retries == 0)
    {
      self->scroll_tick = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* The position of @message_id in the list, found by counting on the (chat_id, id) index and checked
 * against the model (a write committed but not yet announced may shift it by a few rows). */
static gboolean
find_position (ZvConversation *self,
               gint64          message_id,
               guint          *position)
{
  ZvDb *db = zv_store_get_reader (zv_account_get_store (zv_session_get_account (self->session)));
  GListModel *model = G_LIST_MODEL (self->messages);
  guint n = g_list_model_get_n_items (model);
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  guint guess = 0;
  gboolean exists = FALSE;

  stmt = zv_db_prepare (db, "SELECT (SELECT count(*) FROM messages WHERE chat_id = ?1 AND id < ?2), "
                            "EXISTS (SELECT 1 FROM messages WHERE chat_id = ?1 AND id = ?2)", &error);
  if (stmt == NULL)
    {
      g_warning ("conversation: finding message %" G_GINT64_FORMAT ": %s", message_id, error->message);
      return FALSE;
    }
  sqlite3_bind_int64 (stmt, 1, zv_chat_get_id (self->chat));
  sqlite3_bind_int64 (stmt, 2, message_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      guess = (guint) sqlite3_column_int64 (stmt, 0);
      exists = sqlite3_column_int (stmt, 1) != 0;
    }
  sqlite3_reset (stmt);
  if (!exists || n == 0)
    return FALSE;

  /* The count includes rows before the list's first one only if history was backfilled since the
   * list was made; check the guess and its neighbourhood. */
  for (guint d = 0; d < 64; d++)
    for (int sign = 1; sign >= -1; sign -= 2)
      {
        gint64 p = (gint64) MIN (guess, n - 1) + sign * (gint64) d;
        g_autoptr(ZvMessage) message = NULL;

        if (p < 0 || p >= n || (d == 0 && sign < 0))
          continue;
        message = g_list_model_get_item (model, (guint) p);
        if (message != NULL && zv_message_get_id (message) == message_id)
          {
            *position = (guint) p;
            return TRUE;
          }
      }
  return FALSE;
}

/* With unread messages, the chat opens at the first of them (not highlighted) instead of the bottom. */
static void
open_at_first_unread (ZvConversation *self,
                      ZvAccount      *account)
{
  sqlite3_stmt *stmt;
  gint64 first = 0;
  guint position = 0;

  if (zv_chat_get_unread (self->chat) == 0)
    return;
  stmt = zv_db_prepare (zv_store_get_reader (zv_account_get_store (account)),
                        "SELECT min(m.id) FROM messages m JOIN chats c ON c.id = m.chat_id WHERE m.chat_id = ?1 "
                        "AND m.id > c.read_up_to AND m.sender_id <> ?2 AND m.deleted = 0", NULL);
  if (stmt == NULL)
    return;
  sqlite3_bind_int64 (stmt, 1, zv_chat_get_id (self->chat));
  sqlite3_bind_int64 (stmt, 2, zv_account_get_user_id (account));
  if (sqlite3_step (stmt) == SQLITE_ROW)
    first = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (first == 0 || !find_position (self, first, &position))
    return;
  zv_list_window_show_around (self->window, position, WINDOW_AROUND, WINDOW_AROUND);
  self->stick_to_bottom = FALSE;
  self->scroll_position = position;
  self->scroll_retries = SCROLL_FRAMES;
  if (self->scroll_tick == 0)
    self->scroll_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), scroll_tick_cb, NULL, NULL);
}

/**
 * zv_conversation_scroll_to_message:
 * @message_id: a message of the open chat
 *
 * Scrolls to the message and highlights it for a moment (a reply's quote, a search result, a
 * notification). Call it after zv_conversation_set_chat; it replaces the opening at the bottom.
 *
 * Returns: FALSE if the message is not in the open chat's cache
 */
gboolean
zv_conversation_scroll_to_message (ZvConversation *self,
                                   gint64          message_id)
{
  guint position = 0;

  g_return_val_if_fail (ZV_IS_CONVERSATION (self), FALSE);

  if (self->messages == NULL || self->chat == NULL || !find_position (self, message_id, &position))
    return FALSE;

  /* Deep in history: the window moves there (or grows to it), rows around it on both sides. */
  zv_list_window_show_around (self->window, position, WINDOW_AROUND, WINDOW_AROUND);
  self->stick_to_bottom = FALSE;
  self->keep_from_bottom = FALSE;
  self->scroll_position = position;
  self->scroll_retries = SCROLL_FRAMES;
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u",
                              position - zv_list_window_get_start (self->window));
  if (self->scroll_tick == 0)
    self->scroll_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), scroll_tick_cb, NULL, NULL);

  set_highlight (self, message_id);
  g_clear_handle_id (&self->highlight_timeout, g_source_remove);
  self->highlight_timeout = g_timeout_add (HIGHLIGHT_MS, highlight_timeout_cb, self);
  return TRUE;
}

/* ---- benchmark hook ------------------------------------------------------------------------------ */

/* ZVENO_BENCH_CHAT=1 prints "chat-shown MS" at the first painted frame that shows the newest
 * message of a chat just opened, MS counted from zv_conversation_set_chat; ZVENO_BENCH_CHAT=scroll
 * then waits 3 s ("scroll-start") and scrolls up one page a frame, as a reader flicking through it
 * would bind every row, to the first message and prints "scrolled-top FRAMES";
 * ZVENO_BENCH_CHAT=slow scrolls up an eighth of a page a frame until the window has grown
 * BENCH_SLOW_GROWTHS times ("slow-done"), printing each growth, for screenshots while it moves.
 * tests/bench/bench-app-chat.py reads these lines. */
#define BENCH_SLOW_GROWTHS 6
static const char *
bench_mode (void)
{
  return g_getenv ("ZVENO_BENCH_CHAT");
}

static gboolean
bench_newest_shown (ZvConversation *self)
{
  GListModel *model = G_LIST_MODEL (self->messages);
  guint n = g_list_model_get_n_items (model);
  g_autoptr(ZvMessage) last = n > 0 ? g_list_model_get_item (model, n - 1) : NULL;
  int height = gtk_widget_get_height (GTK_WIDGET (self->scroller));
  GHashTableIter iter;
  gpointer row;

  if (last == NULL)
    return FALSE;
  g_hash_table_iter_init (&iter, self->bound_rows);
  while (g_hash_table_iter_next (&iter, &row, NULL))
    {
      ZvMessage *message = zv_message_row_get_message (row);
      graphene_rect_t bounds;

      if (message != NULL && zv_message_get_id (message) == zv_message_get_id (last) &&
          gtk_widget_get_mapped (row) &&
          gtk_widget_compute_bounds (row, GTK_WIDGET (self->scroller), &bounds) &&
          bounds.origin.y < height && bounds.origin.y + bounds.size.height > 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
bench_scroll_start_cb (gpointer user_data)
{
  ZvConversation *self = user_data;

  g_print ("scroll-start\n");
  fflush (stdout);
  self->bench_scrolling = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

/* Rows inserted above what is shown must push the adjustment's value down by their height and
 * nothing else: the drift is how far the content on screen moved (0: it stayed where it was). */
static void
bench_check_growth (ZvConversation *self)
{
  GtkAdjustment *adj = vadjustment (self);
  double drift = (gtk_adjustment_get_value (adj) - self->bench_grow_value) -
                 (gtk_adjustment_get_upper (adj) - self->bench_grow_upper);

  if (!self->bench_scrolling || g_strcmp0 (bench_mode (), "slow") == 0)
    {
      g_print ("grow-start %u rows: value %.0f -> %.0f, upper %.0f -> %.0f, drift %.0f px\n", self->bench_grown,
               self->bench_grow_value, gtk_adjustment_get_value (adj), self->bench_grow_upper,
               gtk_adjustment_get_upper (adj), drift);
      fflush (stdout);
    }
  self->bench_grows++;
  self->bench_drift_max = MAX (self->bench_drift_max, ABS (drift));
  self->bench_grown = 0;
}

static void
bench_after_paint (ZvConversation *self)
{
  GtkAdjustment *adj = vadjustment (self);

  if (self->messages == NULL)
    return;
  self->bench_paints++;
  if (self->bench_grown > 0)
    bench_check_growth (self);
  if (self->bench_t0 != 0 && bench_newest_shown (self))
    {
      g_print ("chat-shown %.1f\n", (double) (g_get_monotonic_time () - self->bench_t0) / 1000.0);
      /* What it cost: rows bound (each is measured too) and frames painted until then. */
      g_print ("chat-shown-rows %u bound, %u frames, window %u of %u\n", self->bench_binds, self->bench_paints,
               g_list_model_get_n_items (G_LIST_MODEL (self->window)),
               g_list_model_get_n_items (G_LIST_MODEL (self->messages)));
      fflush (stdout);   /* the reader is a pipe or a file: block-buffered otherwise */
      self->bench_t0 = 0;
      self->bench_frames = 0;
      self->bench_at_top = 0;
      /* The reader measures the memory of the chat as shown before the scroll starts. */
      if (g_strcmp0 (bench_mode (), "scroll") == 0 || g_strcmp0 (bench_mode (), "slow") == 0)
        g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, 3, bench_scroll_start_cb, g_object_ref (self), g_object_unref);
    }
  if (!self->bench_scrolling)
    return;
  self->bench_frames++;
  /* At the chat's top for a few frames: the list has measured the rows there and stopped moving
   * (at the window's top it grows, which moves the view down again). */
  if (gtk_adjustment_get_value (adj) > 0 || !zv_list_window_at_start (self->window))
    self->bench_at_top = 0;
  else if (++self->bench_at_top >= 10)
    {
      g_print ("grow-drift %u growths, at most %.0f px; window %u rows\n", self->bench_grows, self->bench_drift_max,
               g_list_model_get_n_items (G_LIST_MODEL (self->window)));
      g_print ("scrolled-top %u\n", self->bench_frames);
      fflush (stdout);
      self->bench_scrolling = FALSE;
      return;
    }
  if (g_strcmp0 (bench_mode (), "slow") == 0)
    {
      if (self->bench_grows >= BENCH_SLOW_GROWTHS)
        {
          g_print ("slow-done %u\n", self->bench_frames);
          fflush (stdout);
          self->bench_scrolling = FALSE;
          return;
        }
      gtk_adjustment_set_value (adj, MAX (0, gtk_adjustment_get_value (adj) - gtk_adjustment_get_page_size (adj) / 8));
    }
  else
    gtk_adjustment_set_value (adj, MAX (0, gtk_adjustment_get_value (adj) - gtk_adjustment_get_page_size (adj)));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
bench_start (ZvConversation *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  /* The window's clock: the conversation itself is not realized before its first chat shows. */
  GdkFrameClock *clock = root != NULL ? gtk_widget_get_frame_clock (GTK_WIDGET (root)) : NULL;

  if (bench_mode () == NULL || clock == NULL)
    return;
  self->bench_t0 = g_get_monotonic_time ();
  self->bench_scrolling = FALSE;
  self->bench_binds = 0;
  self->bench_paints = 0;
  self->bench_grown = 0;
  self->bench_grows = 0;
  self->bench_drift_max = 0;
  if (!self->bench_connected)
    {
      g_signal_connect_object (clock, "after-paint", G_CALLBACK (bench_after_paint), self, G_CONNECT_SWAPPED);
      self->bench_connected = TRUE;
    }
}

void
zv_conversation_set_chat (ZvConversation *self,
                          ZvSession      *session,
                          ZvChat         *chat)
{
  g_autoptr(GtkNoSelection) selection = NULL;
  ZvAccount *account;
  guint n;

  g_return_if_fail (ZV_IS_CONVERSATION (self));
  g_return_if_fail (session == NULL || ZV_IS_SESSION (session));

  if (self->chat == chat && self->session == session)
    return;

  bench_start (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (self->messages != NULL)
    g_signal_handlers_disconnect_by_data (self->messages, self);
  if (self->window != NULL)
    g_signal_handlers_disconnect_by_data (self->window, self);
  g_clear_handle_id (&self->grow_idle, g_source_remove);
  if (self->trim_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->trim_tick);
      self->trim_tick = 0;
    }
  gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->window);
  g_clear_object (&self->messages);
  g_set_object (&self->session, session);
  g_set_object (&self->chat, chat);
  gtk_revealer_set_reveal_child (self->loading_revealer, FALSE);
  g_clear_handle_id (&self->highlight_timeout, g_source_remove);
  self->highlight_id = 0;
  self->scroll_retries = 0;
  g_hash_table_remove_all (self->typing);
  update_typing (self);
  gtk_revealer_set_reveal_child (self->new_messages_revealer, FALSE);
  if (self->events != NULL)
    g_clear_signal_handler (&self->typing_handler, self->events);
  g_clear_object (&self->events);
  if (session != NULL && zv_session_get_events (session) != NULL)
    {
      self->events = g_object_ref (zv_session_get_events (session));
      self->typing_handler = g_signal_connect (self->events, "typing", G_CALLBACK (typing_cb), self);
    }

  account = session != NULL ? zv_session_get_account (session) : NULL;
  if (chat == NULL || account == NULL || zv_account_get_store (account) == NULL)
    {
      zv_composer_set_chat (self->composer, NULL, 0, NULL);
      return;
    }

  self->messages = zv_message_list_new (zv_account_get_store (account), account, zv_chat_get_id (chat),
                                        zv_account_get_user_id (account));
  g_signal_connect_object (self->messages, "items-changed", G_CALLBACK (items_changed_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  self->stick_to_bottom = TRUE;
  self->keep_from_bottom = FALSE;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  self->window = zv_list_window_new (G_LIST_MODEL (self->messages), n > WINDOW_OPEN ? n - WINDOW_OPEN : 0, n);
  g_signal_connect_object (self->window, "items-changed", G_CALLBACK (window_changed_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->window)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  gtk_stack_set_visible_child_name (self->empty_stack, n == 0 ? "empty" : "none");
  /* Opens at the newest message: moving there before the first frame spares a frame at the
   * window's top. */
  if (n > 0)
    gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u",
                                g_list_model_get_n_items (G_LIST_MODEL (self->window)) - 1);
  /* The list learns its height over the next frames. */
  g_idle_add_full (G_PRIORITY_LOW, stick_idle_cb, g_object_ref (self), g_object_unref);

  zv_composer_set_chat (self->composer, session, zv_chat_get_id (chat), zv_chat_get_draft (chat));
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
  open_at_first_unread (self, account);
}

ZvChat *
zv_conversation_get_chat (ZvConversation *self)
{
  g_return_val_if_fail (ZV_IS_CONVERSATION (self), NULL);
  return self->chat;
}

static void
zv_conversation_dispose (GObject *object)
{
  ZvConversation *self = ZV_CONVERSATION (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->highlight_timeout, g_source_remove);
  g_clear_handle_id (&self->typing_timeout, g_source_remove);
  if (self->events != NULL)
    g_clear_signal_handler (&self->typing_handler, self->events);
  g_clear_object (&self->events);
  if (self->scroll_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->scroll_tick);
      self->scroll_tick = 0;
    }
  g_clear_handle_id (&self->grow_idle, g_source_remove);
  if (self->trim_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->trim_tick);
      self->trim_tick = 0;
    }
  if (self->messages != NULL)
    g_signal_handlers_disconnect_by_data (self->messages, self);
  if (self->window != NULL)
    g_signal_handlers_disconnect_by_data (self->window, self);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->window);
  g_clear_object (&self->messages);
  g_clear_object (&self->chat);
  g_clear_object (&self->session);
  /* AdwBin unparents the template root itself; gtk_widget_dispose_template() would do it twice. */

  G_OBJECT_CLASS (zv_conversation_parent_class)->dispose (object);
}

static void
zv_conversation_finalize (GObject *object)
{
  ZvConversation *self = ZV_CONVERSATION (object);

  g_hash_table_unref (self->bound_rows);
  g_hash_table_unref (self->typing);
  g_hash_table_unref (self->fetching);

  G_OBJECT_CLASS (zv_conversation_parent_class)->finalize (object);
}

static void
zv_conversation_class_init (ZvConversationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zv_conversation_dispose;
  object_class->finalize = zv_conversation_finalize;

  g_type_ensure (ZV_TYPE_COMPOSER);
  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-conversation.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvConversation, toasts);
  gtk_widget_class_bind_template_child (widget_class, ZvConversation, new_messages_revealer);
  gtk_widget_class_bind_template_child (widget_class, ZvConversation, typing_revealer);
  gtk_widget_class_bind_template_child (widget_class, ZvConversation, typing_label);
  gtk_widget_class_bind_template_child (widget_class, ZvConversation, scroller);
  gtk_widget_class_bind_template_child (widget_class, ZvConversation, list_view);
  gtk_widget_class_bind_template_child (widget_class, ZvConversation, loading_revealer);
  gtk_widget_class_bind_template_child (widget_class, ZvConversation, empty_stack);
  gtk_widget_class_bind_template_child (widget_class, ZvConversation, composer);

  gtk_widget_class_bind_template_callback (widget_class, new_messages_clicked);

  zv_conversation_install_actions (widget_class);

}

static void
zv_conversation_init (ZvConversation *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkAdjustment *adj;

  self->bound_rows = g_hash_table_new (NULL, NULL);
  self->typing = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->fetching = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->stick_to_bottom = TRUE;
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);

  adj = vadjustment (self);
  g_signal_connect_object (adj, "value-changed", G_CALLBACK (value_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "notify::upper", G_CALLBACK (upper_changed_cb), self, G_CONNECT_SWAPPED);
  /* The composer grows (an error, a reply bar, more lines): the newest message stays in view. */
  g_signal_connect_object (adj, "notify::page-size", G_CALLBACK (upper_changed_cb), self, G_CONNECT_SWAPPED);

  /* Files dropped on the messages go where files dropped on the composer go. */
  gtk_widget_add_controller (GTK_WIDGET (self->scroller),
                             GTK_EVENT_CONTROLLER (zv_composer_create_drop_target (self->composer)));
}
