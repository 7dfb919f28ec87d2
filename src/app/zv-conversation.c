/* zv-conversation.c: ZvConversation, one chat's messages and the composer.
 *
 * The list view shows a ZvMessageList, which reads rows by position on demand, so opening a chat of
 * any length costs the rows on screen. It opens at the bottom and stays there while new messages
 * arrive, unless the user scrolled up to read; scrolling near the top asks the server for older
 * history, and rows added above keep the ones on screen where they were. When messages arrive while
 * the user reads above, a "New Messages" button takes them down.
 *
 * The message actions (reply, edit, delete, react, copy, files) are widget actions ("conversation.*")
 * that rows activate with the message id as target; the ones that change a message call the server
 * through ZvMessageAction and the answer updates the row through the store. The typing line shows
 * ZvEvents::typing for this chat for a few seconds.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "zv-composer.h"
#include "zv-conversation.h"
#include "zv-file-download.h"
#include "zv-message-action.h"
#include "zv-message-list.h"
#include "zv-message-row.h"

/* Closer than this to an edge counts as being at it. */
#define EDGE_PX 48.0
#define LOAD_OLDER_LIMIT 50
/* Others' clients send "typing" every ~3 s while typing; there is no "stopped" (docs/api.md). */
#define TYPING_EXPIRE_MS 6000

#define SCROLL_FRAMES 6

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

  GHashTable     *typing;           /* user id -> monotonic time of their last typing notice */
  GHashTable     *fetching;         /* file ids whose thumbnail is being downloaded */
  guint           typing_timeout;
  gulong          typing_handler;
  ZvEvents       *events;

  GHashTable     *bound_rows;       /* ZvMessageRow set: the rows on screen, for the highlight */
  gint64          highlight_id;     /* the message to show highlighted, 0: none */
  guint           highlight_timeout;
  guint           scroll_position;  /* where zv_conversation_scroll_to_message wants to be */
  guint           scroll_retries;   /* frames left to re-apply it while the list learns row heights */
  guint           scroll_tick;

  /* The benchmark hook (ZVENO_BENCH_CHAT, see bench_after_paint) */
  gint64          bench_t0;         /* when the chat was set, 0: reported */
  guint           bench_frames;     /* frames spent scrolling up */
  guint           bench_at_top;     /* frames in a row at the top */
  gboolean        bench_scrolling;
  gboolean        bench_connected;

  /* borrowed: template children */
  AdwToastOverlay *toasts;
  GtkRevealer    *new_messages_revealer;
  GtkRevealer    *typing_revealer;
  GtkLabel       *typing_label;
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
  zv_message_row_set_highlighted (row, self->highlight_id != 0 && message != NULL &&
                                       zv_message_get_id (message) == self->highlight_id);
  g_hash_table_add (self->bound_rows, row);
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
  if (self->stick_to_bottom)
    gtk_revealer_set_reveal_child (self->new_messages_revealer, FALSE);
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
  /* New rows at the end while the user reads further up: offer the way down. */
  else if (added > removed && position + added >= n && !self->stick_to_bottom)
    gtk_revealer_set_reveal_child (self->new_messages_revealer, TRUE);
}

static void
new_messages_clicked (ZvConversation *self)
{
  self->stick_to_bottom = TRUE;
  scroll_to_bottom (self);
  gtk_revealer_set_reveal_child (self->new_messages_revealer, FALSE);
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

/* ---- message actions ---------------------------------------------------------------------------- */

static ZvAccount *
get_account (ZvConversation *self)
{
  return self->session != NULL ? zv_session_get_account (self->session) : NULL;
}

static void
toast (ZvConversation *self,
       const char     *text)
{
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (text));
}

/* The sender's name, the text and whether it is one's own, for message @id of the open chat. */
static gboolean
lookup_message (ZvConversation  *self,
                gint64           id,
                char           **sender,
                char           **text,
                gboolean        *own)
{
  ZvAccount *account = get_account (self);
  sqlite3_stmt *stmt;
  gboolean found = FALSE;

  if (account == NULL || zv_account_get_store (account) == NULL || self->chat == NULL)
    return FALSE;
  stmt = zv_db_prepare (zv_store_get_reader (zv_account_get_store (account)),
                        "SELECT u.name, m.text, m.sender_id FROM messages m LEFT JOIN users u ON u.id = m.sender_id "
                        "WHERE m.id = ?1 AND m.chat_id = ?2", NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, zv_chat_get_id (self->chat));
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *name = zv_db_column_text (stmt, 0);

      if (sender != NULL)
        *sender = g_strdup (name != NULL ? name : "");
      if (text != NULL)
        *text = g_strdup (zv_db_column_text (stmt, 1));
      if (own != NULL)
        *own = sqlite3_column_int64 (stmt, 2) == zv_account_get_user_id (account);
      found = TRUE;
    }
  sqlite3_reset (stmt);
  return found;
}

static void
action_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ZvConversation) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!zv_message_action_finish (ZV_ACCOUNT (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_strdup_printf (_("Not done: %s"), error->message);

      toast (self, text);
    }
}

static void
react (ZvConversation *self,
       gint64          id,
       const char     *emoji,
       gboolean        add)
{
  ZvAccount *account = get_account (self);
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) body = NULL;

  if (account == NULL || self->chat == NULL)
    return;
  if (add)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "emoji");
      json_builder_add_string_value (builder, emoji);
      json_builder_end_object (builder);
      body = json_builder_get_root (builder);
      path = g_strdup_printf ("/chats/%" G_GINT64_FORMAT "/messages/%" G_GINT64_FORMAT "/reactions",
                              zv_chat_get_id (self->chat), id);
    }
  else
    {
      g_autofree char *escaped = g_uri_escape_string (emoji, NULL, FALSE);

      path = g_strdup_printf ("/chats/%" G_GINT64_FORMAT "/messages/%" G_GINT64_FORMAT "/reactions?emoji=%s",
                              zv_chat_get_id (self->chat), id, escaped);
    }
  zv_message_action_async (account, add ? "POST" : "DELETE", path, body, self->cancellable, action_done_cb,
                           g_object_ref (self));
}

static void
react_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  gint64 id = 0;
  const char *emoji = NULL;
  gboolean add = TRUE;

  g_variant_get (parameter, "(x&sb)", &id, &emoji, &add);
  react (ZV_CONVERSATION (widget), id, emoji, add);
}

static void
emoji_picked_cb (GtkEmojiChooser *chooser,
                 const char      *emoji,
                 ZvConversation  *self)
{
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (chooser), "zv-message-id"));

  react (self, id, emoji, TRUE);
}

static void
react_other_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  ZvConversation *self = ZV_CONVERSATION (widget);
  GtkWidget *chooser = gtk_emoji_chooser_new ();

  /* Message ids are below 2^53: they fit a pointer on the 64-bit systems Zveno ships on. */
  g_object_set_data (G_OBJECT (chooser), "zv-message-id", GSIZE_TO_POINTER ((gsize) g_variant_get_int64 (parameter)));
  g_signal_connect_object (chooser, "emoji-picked", G_CALLBACK (emoji_picked_cb), self, 0);
  g_signal_connect (chooser, "closed", G_CALLBACK (gtk_widget_unparent), NULL);
  gtk_widget_set_parent (chooser, GTK_WIDGET (self->composer));
  gtk_popover_popup (GTK_POPOVER (chooser));
}

static void
reply_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  ZvConversation *self = ZV_CONVERSATION (widget);
  g_autofree char *sender = NULL;
  g_autofree char *text = NULL;
  gint64 id = g_variant_get_int64 (parameter);

  if (lookup_message (self, id, &sender, &text, NULL))
    zv_composer_begin_reply (self->composer, id, sender, text);
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ZvConversation *self = ZV_CONVERSATION (widget);
  g_autofree char *text = NULL;
  gint64 id = g_variant_get_int64 (parameter);
  gboolean own = FALSE;

  if (lookup_message (self, id, NULL, &text, &own) && own)
    zv_composer_begin_edit (self->composer, id, text);
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    ZvConversation   *self)
{
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (dialog), "zv-message-id"));
  g_autofree char *path = NULL;

  if (!g_str_equal (response, "delete") || get_account (self) == NULL || self->chat == NULL)
    return;
  path = g_strdup_printf ("/chats/%" G_GINT64_FORMAT "/messages/%" G_GINT64_FORMAT, zv_chat_get_id (self->chat), id);
  zv_message_action_async (get_account (self), "DELETE", path, NULL, self->cancellable, action_done_cb,
                           g_object_ref (self));
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ZvConversation *self = ZV_CONVERSATION (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  gint64 id = g_variant_get_int64 (parameter);
  gboolean own = FALSE;
  GtkWidget *dialog;

  if (!lookup_message (self, id, NULL, NULL, &own) || !own)
    return;
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, _("Delete Message?"),
                                   _("It will be deleted for everyone in this chat."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "zv-message-id", GSIZE_TO_POINTER ((gsize) id));
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
copy_text_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  ZvConversation *self = ZV_CONVERSATION (widget);
  g_autofree char *text = NULL;

  if (lookup_message (self, g_variant_get_int64 (parameter), NULL, &text, NULL))
    {
      gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
      toast (self, _("Text copied"));
    }
}

static void
copy_link_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  ZvConversation *self = ZV_CONVERSATION (widget);
  g_autofree char *link = NULL;

  if (self->chat == NULL)
    return;
  link = g_strdup_printf ("zveno://chat/%" G_GINT64_FORMAT "/message/%" G_GINT64_FORMAT, zv_chat_get_id (self->chat),
                          g_variant_get_int64 (parameter));
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), link);
  toast (self, _("Link copied"));
}

static void
jump_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ZvConversation *self = ZV_CONVERSATION (widget);

  if (!zv_conversation_scroll_to_message (self, g_variant_get_int64 (parameter)))
    toast (self, _("The original message is not in this device's history"));
}

/* ---- files ------------------------------------------------------------------------------------- */

typedef struct {
  ZvConversation *self;
  char           *path;
  GFile          *save_to;    /* NULL: open */
  gint64          file_id;
  gboolean        thumbnail;
} FileJob;

static void
file_job_free (FileJob *job)
{
  g_clear_object (&job->self);
  g_clear_object (&job->save_to);
  g_free (job->path);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FileJob, file_job_free)

static void
launched_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ZvConversation) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The file could not be opened: %s"), error->message);

      toast (self, text);
    }
}

static void
file_ready (FileJob *job)
{
  ZvConversation *self = job->self;

  if (job->thumbnail)
    {
      GHashTableIter iter;
      gpointer row;

      /* The rows showing this image pick it up from the cache. */
      g_hash_table_iter_init (&iter, self->bound_rows);
      while (g_hash_table_iter_next (&iter, &row, NULL))
        zv_message_row_refresh (row);
    }
  else if (job->save_to != NULL)
    {
      g_autoptr(GFile) source = g_file_new_for_path (job->path);
      g_autoptr(GError) error = NULL;

      if (!g_file_copy (source, job->save_to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
        {
          g_autofree char *text = g_strdup_printf (_("The file could not be saved: %s"), error->message);

          toast (self, text);
        }
      else
        toast (self, _("File saved"));
    }
  else
    {
      g_autoptr(GFile) file = g_file_new_for_path (job->path);
      g_autofree char *uri = g_file_get_uri (file);
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      g_autoptr(GAppLaunchContext) context = root != NULL ?
        G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (root)))) : NULL;

      g_app_info_launch_default_for_uri_async (uri, context, NULL, launched_cb, g_object_ref (self));
    }
}

static void
downloaded_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(FileJob) job = user_data;
  g_autoptr(GError) error = NULL;

  if (job->thumbnail)
    g_hash_table_remove (job->self->fetching, &job->file_id);
  if (!zv_file_download_finish (ZV_ACCOUNT (object), result, &error))
    {
      if (!job->thumbnail && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = g_strdup_printf (_("The file could not be downloaded: %s"), error->message);

          toast (job->self, text);
        }
      return;
    }
  file_ready (job);
}

static void
start_file_job (ZvConversation *self,
                GVariant       *parameter,
                GFile          *save_to,
                gboolean        thumbnail)
{
  g_autoptr(FileJob) job = g_new0 (FileJob, 1);
  const char *name = NULL;

  if (get_account (self) == NULL)
    return;
  g_variant_get (parameter, "(x&s)", &job->file_id, &name);
  job->self = g_object_ref (self);
  job->path = zv_file_download_cache_path (job->file_id, name);
  job->save_to = save_to != NULL ? g_object_ref (save_to) : NULL;
  job->thumbnail = thumbnail;
  /* Attachments never change (a new version is a new file id): a cached copy is the file. */
  if (g_file_test (job->path, G_FILE_TEST_IS_REGULAR))
    {
      if (!thumbnail)
        file_ready (job);
      return;
    }
  if (thumbnail)
    {
      if (g_hash_table_contains (self->fetching, &job->file_id))
        return;
      g_hash_table_add (self->fetching, g_memdup2 (&job->file_id, sizeof job->file_id));
    }
  else
    toast (self, _("Downloading…"));
  {
    /* Read the fields before the job is handed over: argument order is unspecified in C. */
    gint64 file_id = job->file_id;
    const char *path = job->path;

    zv_file_download_async (get_account (self), file_id, path, self->cancellable, downloaded_cb,
                            g_steal_pointer (&job));
  }
}

static void
open_file_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  start_file_job (ZV_CONVERSATION (widget), parameter, NULL, FALSE);
}

static void
fetch_thumbnail_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  start_file_job (ZV_CONVERSATION (widget), parameter, NULL, TRUE);
}

static void
save_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  ZvConversation  *self)
{
  GVariant *parameter = g_object_get_data (G_OBJECT (dialog), "zv-file");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        start_file_job (self, parameter, file, FALSE);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
save_file_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  ZvConversation *self = ZV_CONVERSATION (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *chooser;
  const char *name = NULL;

  g_variant_get (parameter, "(x&s)", NULL, &name);
  chooser = gtk_file_chooser_native_new (_("Save File"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data_full (G_OBJECT (chooser), "zv-file", g_variant_ref (parameter), (GDestroyNotify) g_variant_unref);
  g_signal_connect_object (chooser, "response", G_CALLBACK (save_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- typing ------------------------------------------------------------------------------------ */

static char *
user_name (ZvConversation *self,
           gint64          user_id)
{
  ZvAccount *account = get_account (self);
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
      (get_account (self) != NULL && user_id == zv_account_get_user_id (get_account (self))))
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
  if (self->messages != NULL && self->scroll_position < g_list_model_get_n_items (G_LIST_MODEL (self->messages)))
    gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", self->scroll_position);
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

  self->stick_to_bottom = FALSE;
  self->keep_from_bottom = FALSE;
  self->scroll_position = position;
  self->scroll_retries = SCROLL_FRAMES;
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
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
 * would bind every row, to the first message and prints "scrolled-top FRAMES". tests/bench/bench-app-chat.py reads these lines. */
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

static void
bench_after_paint (ZvConversation *self)
{
  GtkAdjustment *adj = vadjustment (self);

  if (self->messages == NULL)
    return;
  if (self->bench_t0 != 0 && bench_newest_shown (self))
    {
      g_print ("chat-shown %.1f\n", (double) (g_get_monotonic_time () - self->bench_t0) / 1000.0);
      fflush (stdout);   /* the reader is a pipe or a file: block-buffered otherwise */
      self->bench_t0 = 0;
      self->bench_frames = 0;
      self->bench_at_top = 0;
      /* The reader measures the memory of the chat as shown before the scroll starts. */
      if (g_strcmp0 (bench_mode (), "scroll") == 0)
        g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, 3, bench_scroll_start_cb, g_object_ref (self), g_object_unref);
    }
  if (!self->bench_scrolling)
    return;
  self->bench_frames++;
  /* At the top for a few frames: the list has measured the rows there and stopped moving. */
  if (gtk_adjustment_get_value (adj) <= 0 && ++self->bench_at_top >= 10)
    {
      g_print ("scrolled-top %u\n", self->bench_frames);
      fflush (stdout);
      self->bench_scrolling = FALSE;
      return;
    }
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
  g_clear_object (&self->messages);
  gtk_list_view_set_model (self->list_view, NULL);
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
  if (self->messages != NULL)
    g_signal_handlers_disconnect_by_data (self->messages, self);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
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

  gtk_widget_class_install_action (widget_class, "conversation.retry", "x", retry_action);
  gtk_widget_class_install_action (widget_class, "conversation.jump", "x", jump_action);
  gtk_widget_class_install_action (widget_class, "conversation.reply", "x", reply_action);
  gtk_widget_class_install_action (widget_class, "conversation.edit", "x", edit_action);
  gtk_widget_class_install_action (widget_class, "conversation.delete", "x", delete_action);
  gtk_widget_class_install_action (widget_class, "conversation.copy-text", "x", copy_text_action);
  gtk_widget_class_install_action (widget_class, "conversation.copy-link", "x", copy_link_action);
  gtk_widget_class_install_action (widget_class, "conversation.react", "(xsb)", react_action);
  gtk_widget_class_install_action (widget_class, "conversation.react-other", "x", react_other_action);
  gtk_widget_class_install_action (widget_class, "conversation.open-file", "(xs)", open_file_action);
  gtk_widget_class_install_action (widget_class, "conversation.save-file", "(xs)", save_file_action);
  gtk_widget_class_install_action (widget_class, "conversation.fetch-thumbnail", "(xs)", fetch_thumbnail_action);
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
