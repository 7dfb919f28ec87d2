/* zv-conversation.c: ZvConversation, one chat's messages and the composer.
 *
 * The list view shows a ZvMessageList, which reads rows by position on demand, so opening a chat of
 * any length costs the rows on screen. It opens at the bottom and stays there while new messages
 * arrive, unless the user scrolled up to read; scrolling near the top asks the server for older
 * history, and rows added above keep the ones on screen where they were.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-composer.h"
#include "zv-conversation.h"
#include "zv-message-list.h"
#include "zv-message-row.h"

/* Closer than this to an edge counts as being at it. */
#define EDGE_PX 48.0
#define LOAD_OLDER_LIMIT 50

struct _ZvConversation
{
  AdwBin          parent_instance;

  /* owned */
  ZvSession      *session;
  ZvChat         *chat;
  ZvMessageList  *messages;
  GCancellable   *cancellable;

  gboolean        stick_to_bottom;
  double          from_bottom;      /* distance to keep while rows are added above */
  gboolean        keep_from_bottom;

  /* borrowed: template children */
  GtkScrolledWindow *scroller;
  GtkListView    *list_view;
  GtkRevealer    *loading_revealer;
  GtkStack       *empty_stack;
  ZvComposer     *composer;
};

G_DEFINE_FINAL_TYPE (ZvConversation, zv_conversation, ADW_TYPE_BIN)

static void
bind_row (ZvConversation *self,
          GtkListItem    *item)
{
  ZvMessageRow *row = ZV_MESSAGE_ROW (gtk_list_item_get_child (item));
  ZvMessage *message = gtk_list_item_get_item (item);
  guint position = gtk_list_item_get_position (item);
  g_autoptr(ZvMessage) previous = NULL;

  if (position > 0 && self->messages != NULL)
    previous = g_list_model_get_item (G_LIST_MODEL (self->messages), position - 1);
  zv_message_row_set_message (row, message, previous);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          ZvConversation           *self)
{
  ZvStore *store = NULL;

  if (self->session != NULL && zv_session_get_account (self->session) != NULL)
    store = zv_account_get_store (zv_session_get_account (self->session));
  gtk_list_item_set_child (item, GTK_WIDGET (zv_message_row_new (store)));
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
  zv_message_row_set_message (ZV_MESSAGE_ROW (gtk_list_item_get_child (item)), NULL, NULL);
}

static GtkAdjustment *
vadjustment (ZvConversation *self)
{
  return gtk_scrolled_window_get_vadjustment (self->scroller);
}

static void
scroll_to_bottom (ZvConversation *self)
{
  GtkAdjustment *adj = vadjustment (self);

  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
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

static void
maybe_load_older (ZvConversation *self)
{
  GtkAdjustment *adj = vadjustment (self);

  if (self->messages == NULL || zv_message_list_get_history_complete (self->messages) ||
      zv_message_list_get_loading (self->messages))
    return;
  if (gtk_adjustment_get_value (adj) > EDGE_PX)
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

  self->stick_to_bottom = gtk_adjustment_get_value (adj) >= bottom - EDGE_PX;
  self->from_bottom = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_value (adj);
  maybe_load_older (self);
}

static void
upper_changed_cb (ZvConversation *self)
{
  GtkAdjustment *adj = vadjustment (self);

  if (self->stick_to_bottom)
    scroll_to_bottom (self);
  else if (self->keep_from_bottom)
    {
      /* Rows came in above: keep what the user reads at the same place on screen. */
      self->keep_from_bottom = FALSE;
      gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - self->from_bottom);
    }
}

static void
items_changed_cb (ZvConversation *self,
                  guint           position,
                  guint           removed,
                  guint           added)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));

  gtk_stack_set_visible_child_name (self->empty_stack, n == 0 ? "empty" : "none");
  if (position == 0 && added > removed)
    self->keep_from_bottom = TRUE;
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  ZvConversation *self = ZV_CONVERSATION (widget);
  gint64 id = g_variant_get_int64 (parameter);
  guint n;

  if (self->messages == NULL || self->session == NULL)
    return;
  /* The refused message stays, marked; a new copy goes through the outbox again. */
  n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  for (guint i = n; i > 0 && i + 300 > n; i--)
    {
      g_autoptr(ZvMessage) message = g_list_model_get_item (G_LIST_MODEL (self->messages), i - 1);

      if (zv_message_get_id (message) == id)
        {
          zv_session_send (self->session, zv_message_get_chat_id (message), zv_message_get_text (message),
                           zv_message_get_reply_to (message));
          return;
        }
    }
}

static gboolean
stick_idle_cb (gpointer user_data)
{
  ZvConversation *self = user_data;

  if (self->stick_to_bottom)
    scroll_to_bottom (self);
  return G_SOURCE_REMOVE;
}

void
zv_conversation_set_chat (ZvConversation *self,
                          ZvSession      *session,
                          ZvChat         *chat)
{
  g_autoptr(GtkNoSelection) selection = NULL;
  ZvAccount *account;

  g_return_if_fail (ZV_IS_CONVERSATION (self));
  g_return_if_fail (session == NULL || ZV_IS_SESSION (session));

  if (self->chat == chat && self->session == session)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (self->messages != NULL)
    g_signal_handlers_disconnect_by_data (self->messages, self);
  g_clear_object (&self->messages);
  gtk_list_view_set_model (self->list_view, NULL);
  g_set_object (&self->session, session);
  g_set_object (&self->chat, chat);
  gtk_revealer_set_reveal_child (self->loading_revealer, FALSE);

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
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->messages)));
  self->stick_to_bottom = TRUE;
  self->keep_from_bottom = FALSE;
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  gtk_stack_set_visible_child_name (self->empty_stack,
                                    g_list_model_get_n_items (G_LIST_MODEL (self->messages)) == 0 ? "empty" : "none");
  /* Opens at the newest message; the list learns its height over the next frames. */
  g_idle_add_full (G_PRIORITY_LOW, stick_idle_cb, g_object_ref (self), g_object_unref);

  zv_composer_set_chat (self->composer, session, zv_chat_get_id (chat), zv_chat_get_draft (chat));
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
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
  if (self->messages != NULL)
    g_signal_handlers_disconnect_by_data (self->messages, self);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->messages);
  g_clear_object (&self->chat);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), ZV_TYPE_CONVERSATION);

  G_OBJECT_CLASS (zv_conversation_parent_class)->dispose (object);
}

static void
zv_conversation_class_init (ZvConversationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zv_conversation_dispose;

  g_type_ensure (ZV_TYPE_COMPOSER);
  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-conversation.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvConversation, scroller);
  gtk_widget_class_bind_template_child (widget_class, ZvConversation, list_view);
  gtk_widget_class_bind_template_child (widget_class, ZvConversation, loading_revealer);
  gtk_widget_class_bind_template_child (widget_class, ZvConversation, empty_stack);
  gtk_widget_class_bind_template_child (widget_class, ZvConversation, composer);

  gtk_widget_class_install_action (widget_class, "conversation.retry", "x", retry_action);
}

static void
zv_conversation_init (ZvConversation *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkAdjustment *adj;

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
}
