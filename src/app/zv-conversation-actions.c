/* zv-conversation-actions.c: the conversation's message actions ("conversation.*"): retry, reply,
 * edit, delete, react, copy text and link, jump to a quoted message, and a message's files (open,
 * save, fetch a thumbnail).
 *
 * Rows activate them with the message id (or a file's id and name) as target. The ones that change a
 * message call the server through ZvMessageAction; the answer updates the row through the store.
 * Files are downloaded into the cache first (ZvFileDownload); a fetched thumbnail refreshes the rows
 * on screen.
 */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <glib/gi18n.h>

#include "zv-conversation-private.h"
#include "zv-file-download.h"
#include "zv-message-action.h"
#include "zv-message-row.h"

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
  ZvAccount *account = zv_conversation_get_account (self);
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
  ZvAccount *account = zv_conversation_get_account (self);
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

  if (!g_str_equal (response, "delete") || zv_conversation_get_account (self) == NULL || self->chat == NULL)
    return;
  path = g_strdup_printf ("/chats/%" G_GINT64_FORMAT "/messages/%" G_GINT64_FORMAT, zv_chat_get_id (self->chat), id);
  zv_message_action_async (zv_conversation_get_account (self), "DELETE", path, NULL, self->cancellable, action_done_cb,
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

  if (zv_conversation_get_account (self) == NULL)
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

    zv_file_download_async (zv_conversation_get_account (self), file_id, path, self->cancellable, downloaded_cb,
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

void
zv_conversation_install_actions (GtkWidgetClass *widget_class)
{
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
