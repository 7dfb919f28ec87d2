/* zv-composer.c: ZvComposer. Enter sends (Shift+Enter starts a new line; with the send-with-enter
 * setting off it is the other way round), the Send button does the same, and what is typed but not
 * sent is kept per chat as a draft: written to the cache a moment after the typing stops, and when
 * the user switches chats, so it survives restarts. Sending goes through the outbox, so the message
 * shows at once as pending, online or not.
 *
 * Reply mode sends with reply_to; edit mode sends a PATCH instead (Up in an empty field edits one's
 * last message; Esc leaves either mode). Files come by the attach button, drag and drop, or pasting
 * an image (saved as PNG in the cache); the company policy (cache meta "policy") is checked before
 * anything is queued, so a refused file is explained here, not after an upload. While the user types,
 * the chat is told (POST /chats/{id}/typing) at most every few seconds. */
#define G_LOG_DOMAIN "zveno"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "zv-composer.h"
#include "zv-message-action.h"

/* Typing pauses shorter than this do not rewrite the draft. */
#define DRAFT_DELAY_MS 700
/* The others' clients show "typing" for ~6 s after each notice (docs/api.md). */
#define TYPING_INTERVAL_US (3 * G_USEC_PER_SEC)

typedef enum {
  MODE_NORMAL,
  MODE_REPLY,
  MODE_EDIT,
} Mode;

struct _ZvComposer
{
  AdwBin       parent_instance;

  /* owned */
  ZvSession   *session;
  GSettings   *settings;
  char        *saved_draft;   /* what the cache holds for chat_id */
  guint        draft_timeout;

  GCancellable *cancellable;
  char        *text_before_edit;  /* the draft, given back when an edit is cancelled */

  gint64       chat_id;
  gboolean     loading;       /* setting the text of another chat: not an edit */
  Mode         mode;
  gint64       mode_message;  /* the message replied to or edited */
  gint64       last_typing;   /* monotonic time of the last typing notice */

  /* borrowed: template children */
  GtkRevealer *mode_revealer;
  GtkImage    *mode_icon;
  GtkLabel    *mode_title;
  GtkLabel    *mode_text;
  GtkRevealer *error_revealer;
  GtkLabel    *error_label;
  GtkButton   *attach_button;
  GtkTextView *text_view;
  GtkButton   *send_button;
};

G_DEFINE_FINAL_TYPE (ZvComposer, zv_composer, ADW_TYPE_BIN)

static char *
get_text (ZvComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start;
  GtkTextIter end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/**
 * zv_composer_save_draft:
 *
 * Writes the draft now if it changed (switching chats, closing the window).
 */
void
zv_composer_save_draft (ZvComposer *self)
{
  g_autofree char *text = NULL;

  g_return_if_fail (ZV_IS_COMPOSER (self));

  g_clear_handle_id (&self->draft_timeout, g_source_remove);
  if (self->session == NULL || self->chat_id == 0)
    return;
  text = get_text (self);
  if (g_strcmp0 (text, self->saved_draft) == 0)
    return;
  zv_session_save_draft (self->session, self->chat_id, text);
  g_free (self->saved_draft);
  self->saved_draft = g_steal_pointer (&text);
}

static gboolean
draft_timeout_cb (gpointer user_data)
{
  ZvComposer *self = user_data;

  self->draft_timeout = 0;
  zv_composer_save_draft (self);
  return G_SOURCE_REMOVE;
}

static ZvAccount *
get_account (ZvComposer *self)
{
  return self->session != NULL ? zv_session_get_account (self->session) : NULL;
}

/**
 * zv_composer_show_error:
 *
 * Shows why something was refused, above the field, until dismissed or the next success.
 */
void
zv_composer_show_error (ZvComposer *self,
                        const char *message)
{
  g_return_if_fail (ZV_IS_COMPOSER (self));

  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

static void
dismiss_error (ZvComposer *self)
{
  zv_composer_show_error (self, NULL);
}

static void
typing_sent_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = zv_account_call_finish (ZV_ACCOUNT (object), result, &error);

  /* A lost typing notice is harmless: the next keystroke sends another. */
  if (answer == NULL && error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("composer: typing notice: %s", error->message);
}

static void
maybe_send_typing (ZvComposer *self)
{
  ZvAccount *account = get_account (self);
  gint64 now = g_get_monotonic_time ();
  g_autofree char *path = NULL;

  if (account == NULL || self->chat_id == 0 || self->mode == MODE_EDIT ||
      (self->last_typing != 0 && now - self->last_typing < TYPING_INTERVAL_US))
    return;
  self->last_typing = now;
  path = g_strdup_printf ("/chats/%" G_GINT64_FORMAT "/typing", self->chat_id);
  zv_account_call_async (account, "POST", path, NULL, self->cancellable, typing_sent_cb, NULL);
}

static void
buffer_changed_cb (ZvComposer *self)
{
  g_autofree char *text = get_text (self);
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), *stripped != '\0' && self->chat_id != 0);
  if (self->loading)
    return;
  if (*stripped != '\0')
    maybe_send_typing (self);
  /* What is typed in edit mode is not a draft of a new message. */
  if (self->mode == MODE_EDIT)
    return;
  g_clear_handle_id (&self->draft_timeout, g_source_remove);
  self->draft_timeout = g_timeout_add (DRAFT_DELAY_MS, draft_timeout_cb, self);
}

static void
set_text (ZvComposer *self,
          const char *text)
{
  self->loading = TRUE;
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text != NULL ? text : "", -1);
  self->loading = FALSE;
}

static void
cancel_mode (ZvComposer *self)
{
  if (self->mode == MODE_EDIT)
    {
      g_autofree char *draft = g_steal_pointer (&self->text_before_edit);

      set_text (self, draft);
    }
  self->mode = MODE_NORMAL;
  self->mode_message = 0;
  gtk_revealer_set_reveal_child (self->mode_revealer, FALSE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->send_button), _("Send"));
}

static void
show_mode (ZvComposer *self,
           Mode        mode,
           gint64      message_id,
           const char *title,
           const char *text)
{
  self->mode = mode;
  self->mode_message = message_id;
  gtk_image_set_from_icon_name (self->mode_icon, mode == MODE_EDIT ? "document-edit-symbolic" : "mail-reply-sender-symbolic");
  gtk_label_set_label (self->mode_title, title);
  gtk_label_set_label (self->mode_text, text != NULL ? text : "");
  gtk_revealer_set_reveal_child (self->mode_revealer, TRUE);
  zv_composer_show_error (self, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

/**
 * zv_composer_begin_reply:
 *
 * The next message sent answers @message_id; the bar shows whom and what.
 */
void
zv_composer_begin_reply (ZvComposer *self,
                         gint64      message_id,
                         const char *sender,
                         const char *text)
{
  g_autofree char *title = NULL;

  g_return_if_fail (ZV_IS_COMPOSER (self));

  if (self->mode == MODE_EDIT)
    cancel_mode (self);
  /* TRANSLATORS: the bar above the composer in reply mode */
  title = g_strdup_printf (_("Reply to %s"), sender != NULL ? sender : "");
  show_mode (self, MODE_REPLY, message_id, title, text);
}

/**
 * zv_composer_begin_edit:
 *
 * Puts @text in the field; sending then changes message @message_id. Cancelling gives the draft back.
 */
void
zv_composer_begin_edit (ZvComposer *self,
                        gint64      message_id,
                        const char *text)
{
  g_return_if_fail (ZV_IS_COMPOSER (self));

  if (self->mode != MODE_EDIT)
    {
      zv_composer_save_draft (self);
      g_free (self->text_before_edit);
      self->text_before_edit = get_text (self);
    }
  show_mode (self, MODE_EDIT, message_id, _("Edit Message"), text);
  set_text (self, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), text != NULL && *text != '\0');
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->send_button), _("Save"));
}

static void
edited_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ZvComposer) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!zv_message_action_finish (ZV_ACCOUNT (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_strdup_printf (_("The message was not changed: %s"), error->message);

      zv_composer_show_error (self, text);
    }
}

static void
send_cb (ZvComposer *self)
{
  g_autofree char *text = get_text (self);
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  ZvAccount *account = get_account (self);

  if (*stripped == '\0' || self->session == NULL || self->chat_id == 0)
    return;
  if (self->mode == MODE_EDIT)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) body = NULL;
      g_autofree char *path = g_strdup_printf ("/chats/%" G_GINT64_FORMAT "/messages/%" G_GINT64_FORMAT,
                                               self->chat_id, self->mode_message);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, stripped);
      json_builder_end_object (builder);
      body = json_builder_get_root (builder);
      if (account != NULL)
        zv_message_action_async (account, "PATCH", path, body, self->cancellable, edited_cb, g_object_ref (self));
      cancel_mode (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
      return;
    }
  zv_session_send (self->session, self->chat_id, stripped, self->mode == MODE_REPLY ? self->mode_message : 0);
  cancel_mode (self);
  zv_composer_show_error (self, NULL);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", 0);
  /* The message is in the outbox now: the draft goes at once, not after the delay. */
  zv_composer_save_draft (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

/* Up in an empty field: edit one's newest message in this chat. */
static gboolean
edit_last (ZvComposer *self)
{
  ZvAccount *account = get_account (self);
  sqlite3_stmt *stmt;
  ZvDb *db;
  gboolean found = FALSE;

  if (account == NULL || zv_account_get_store (account) == NULL || self->chat_id == 0)
    return FALSE;
  db = zv_store_get_reader (zv_account_get_store (account));
  stmt = zv_db_prepare (db, "SELECT id, text FROM messages WHERE chat_id = ?1 AND sender_id = ?2 "
                            "AND state = 'sent' AND deleted = 0 AND id < ?3 ORDER BY id DESC LIMIT 1", NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->chat_id);
  sqlite3_bind_int64 (stmt, 2, zv_account_get_user_id (account));
  sqlite3_bind_int64 (stmt, 3, ZV_OUTBOX_ID_BASE);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autofree char *text = g_strdup (zv_db_column_text (stmt, 1));
      gint64 id = sqlite3_column_int64 (stmt, 0);

      sqlite3_reset (stmt);
      zv_composer_begin_edit (self, id, text);
      found = TRUE;
    }
  else
    sqlite3_reset (stmt);
  return found;
}

static gboolean
key_pressed_cb (ZvComposer      *self,
                guint            keyval,
                guint            keycode,
                GdkModifierType  state)
{
  gboolean shift = (state & GDK_SHIFT_MASK) != 0;
  gboolean enter_sends;

  if (keyval == GDK_KEY_Escape && self->mode != MODE_NORMAL)
    {
      cancel_mode (self);
      return TRUE;
    }
  if (keyval == GDK_KEY_Up && (state & GDK_MODIFIER_MASK) == 0 && self->mode == MODE_NORMAL)
    {
      g_autofree char *text = get_text (self);

      return *text == '\0' && edit_last (self);
    }
  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return FALSE;
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    {
      /* Ctrl+Enter always sends, whatever the setting. */
      send_cb (self);
      return TRUE;
    }
  enter_sends = g_settings_get_boolean (self->settings, "send-with-enter");
  if (enter_sends != shift)
    {
      send_cb (self);
      return TRUE;
    }
  return FALSE;
}

/* ---- files -------------------------------------------------------------------------------------- */

/* The reason the policy refuses @path, or NULL when it may be sent. */
static char *
policy_refusal (ZvComposer *self,
                const char *path)
{
  ZvAccount *account = get_account (self);
  g_autofree char *policy_text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *lower = g_utf8_strdown (name, -1);
  const char *dot = strrchr (lower, '.');
  JsonObject *policy;
  JsonNode *root;
  GStatBuf st;

  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return g_strdup_printf (_("“%s” cannot be attached: it is not a readable file."), name);
  if (account == NULL || zv_account_get_store (account) == NULL)
    return NULL;
  policy_text = zv_store_get_meta (zv_account_get_store (account), "policy");
  if (policy_text == NULL || !json_parser_load_from_data (parser, policy_text, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  policy = json_node_get_object (root);

  if (dot != NULL && json_object_has_member (policy, "blocked_file_types"))
    {
      JsonArray *blocked = json_object_get_array_member (policy, "blocked_file_types");

      for (guint i = 0; blocked != NULL && i < json_array_get_length (blocked); i++)
        {
          const char *type = json_array_get_string_element (blocked, i);
          g_autofree char *type_lower = type != NULL ? g_utf8_strdown (type, -1) : NULL;

          if (type_lower != NULL && g_str_equal (dot + 1, type_lower))
            /* TRANSLATORS: a file refused by the company policy; the second %s is the extension */
            return g_strdup_printf (_("“%s” cannot be sent: your company does not allow .%s files."), name, dot + 1);
        }
    }
  if (json_object_has_member (policy, "max_file_size"))
    {
      gint64 max = json_object_get_int_member_with_default (policy, "max_file_size", 0);

      if (max > 0 && (gint64) st.st_size > max)
        {
          g_autofree char *size = g_format_size ((guint64) st.st_size);
          g_autofree char *limit = g_format_size ((guint64) max);

          /* TRANSLATORS: a file too large for the company policy: name, its size, the limit */
          return g_strdup_printf (_("“%s” is too large to send (%s); your company allows files up to %s."),
                                  name, size, limit);
        }
    }
  return NULL;
}

static void
queued_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ZvComposer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *client_id = zv_outbox_queue_finish (ZV_OUTBOX (object), result, &error);

  if (client_id == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        zv_composer_show_error (self, error->message);
      return;
    }
  if (self->session != NULL)
    zv_session_flush_outbox (self->session);
}

/**
 * zv_composer_attach_files:
 * @paths: local files
 *
 * Sends @paths as one message (with the field's text as its caption), or explains why not: every
 * file is checked against the policy first, and nothing is sent if one is refused.
 *
 * Returns: FALSE if refused (the reason is shown)
 */
gboolean
zv_composer_attach_files (ZvComposer         *self,
                          const char * const *paths)
{
  g_autofree char *text = NULL;
  g_autofree char *stripped = NULL;
  ZvOutbox *outbox;

  g_return_val_if_fail (ZV_IS_COMPOSER (self), FALSE);

  if (self->session == NULL || self->chat_id == 0 || paths == NULL || paths[0] == NULL ||
      (outbox = zv_session_get_outbox (self->session)) == NULL)
    return FALSE;
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autofree char *refusal = policy_refusal (self, paths[i]);

      if (refusal != NULL)
        {
          zv_composer_show_error (self, refusal);
          return FALSE;
        }
    }
  zv_composer_show_error (self, NULL);
  /* The typed text goes with the files as their caption (not in edit mode: that text is an edit). */
  if (self->mode != MODE_EDIT)
    {
      text = get_text (self);
      stripped = g_strstrip (g_strdup (text));
    }
  zv_outbox_queue_with_files_async (outbox, self->chat_id, stripped != NULL ? stripped : "",
                                    self->mode == MODE_REPLY ? self->mode_message : 0, paths, self->cancellable,
                                    queued_cb, g_object_ref (self));
  if (self->mode == MODE_REPLY)
    cancel_mode (self);
  if (stripped != NULL)
    {
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", 0);
      zv_composer_save_draft (self);
    }
  return TRUE;
}

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     ZvComposer      *self)
{
  g_autoptr(GListModel) files = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr(GFile) file = g_list_model_get_item (files, i);
          char *path = g_file_get_path (file);

          if (path != NULL)
            g_ptr_array_add (paths, path);
        }
      g_ptr_array_add (paths, NULL);
      zv_composer_attach_files (self, (const char * const *) paths->pdata);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
attach_clicked (ZvComposer *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Attach Files"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Attach"), _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         ZvComposer    *self)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files (g_value_get_boxed (value));
  for (GSList *l = files; l != NULL; l = l->next)
    {
      char *path = g_file_get_path (l->data);

      if (path != NULL)
        g_ptr_array_add (paths, path);
    }
  g_slist_free (files);
  if (paths->len == 0)
    return FALSE;
  g_ptr_array_add (paths, NULL);
  return zv_composer_attach_files (self, (const char * const *) paths->pdata);
}

/**
 * zv_composer_create_drop_target:
 *
 * A drop target for files that attaches them here; the conversation puts one on its message list too.
 */
GtkDropTarget *
zv_composer_create_drop_target (ZvComposer *self)
{
  GtkDropTarget *target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  g_signal_connect_object (target, "drop", G_CALLBACK (drop_cb), self, 0);
  return target;
}

static void
texture_read_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ZvComposer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = GDK_TEXTURE (gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (object), result, &error));
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = NULL;
  g_autofree char *name = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  const char *paths[2] = { NULL, NULL };

  if (texture == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        zv_composer_show_error (self, error->message);
      return;
    }
  /* A pasted picture gets a name that says what it is and when, like a screenshot's. */
  stamp = g_date_time_format (now, "%Y-%m-%d %H-%M-%S");
  /* TRANSLATORS: the file name of a pasted image; %s is the date and time */
  name = g_strdup_printf (_("Pasted image %s.png"), stamp);
  dir = g_build_filename (g_get_user_cache_dir (), "zveno", "pasted", NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      zv_composer_show_error (self, g_strerror (errno));
      return;
    }
  path = g_build_filename (dir, name, NULL);
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_autofree char *text = g_strdup_printf (_("The pasted image could not be saved to %s"), dir);

      zv_composer_show_error (self, text);
      return;
    }
  paths[0] = path;
  zv_composer_attach_files (self, paths);
}

static void
paste_cb (ZvComposer  *self,
          GtkTextView *view)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (view));
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);

  /* Text wins when both are offered (a copied web page also offers a picture of itself). */
  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE) &&
      !gdk_content_formats_contain_gtype (formats, G_TYPE_STRING) &&
      !gdk_content_formats_contain_mime_type (formats, "text/plain;charset=utf-8") &&
      !gdk_content_formats_contain_mime_type (formats, "text/plain"))
    {
      g_signal_stop_emission_by_name (view, "paste-clipboard");
      gdk_clipboard_read_texture_async (clipboard, self->cancellable, texture_read_cb, g_object_ref (self));
    }
}

void
zv_composer_set_chat (ZvComposer *self,
                      ZvSession  *session,
                      gint64      chat_id,
                      const char *draft)
{
  g_return_if_fail (ZV_IS_COMPOSER (self));
  g_return_if_fail (session == NULL || ZV_IS_SESSION (session));

  if (self->chat_id == chat_id && self->session == session)
    return;
  if (self->mode == MODE_EDIT)
    cancel_mode (self);
  zv_composer_save_draft (self);
  cancel_mode (self);
  zv_composer_show_error (self, NULL);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->last_typing = 0;

  g_set_object (&self->session, session);
  self->chat_id = chat_id;
  g_free (self->saved_draft);
  self->saved_draft = g_strdup (draft != NULL ? draft : "");
  set_text (self, self->saved_draft);
}

static gboolean
zv_composer_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (ZV_COMPOSER (widget)->text_view));
}

static void
zv_composer_dispose (GObject *object)
{
  ZvComposer *self = ZV_COMPOSER (object);

  if (self->text_view != NULL && self->mode != MODE_EDIT)
    zv_composer_save_draft (self);
  g_clear_handle_id (&self->draft_timeout, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  /* AdwBin unparents the template root itself; gtk_widget_dispose_template() would do it twice. */

  G_OBJECT_CLASS (zv_composer_parent_class)->dispose (object);
}

static void
zv_composer_finalize (GObject *object)
{
  ZvComposer *self = ZV_COMPOSER (object);

  g_free (self->saved_draft);
  g_free (self->text_before_edit);

  G_OBJECT_CLASS (zv_composer_parent_class)->finalize (object);
}

static void
zv_composer_class_init (ZvComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = zv_composer_dispose;
  object_class->finalize = zv_composer_finalize;
  widget_class->grab_focus = zv_composer_grab_focus;

  gtk_widget_class_set_template_from_resource (widget_class, APPLICATION_PATH "/zv-composer.ui");
  gtk_widget_class_bind_template_child (widget_class, ZvComposer, mode_revealer);
  gtk_widget_class_bind_template_child (widget_class, ZvComposer, mode_icon);
  gtk_widget_class_bind_template_child (widget_class, ZvComposer, mode_title);
  gtk_widget_class_bind_template_child (widget_class, ZvComposer, mode_text);
  gtk_widget_class_bind_template_child (widget_class, ZvComposer, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, ZvComposer, error_label);
  gtk_widget_class_bind_template_child (widget_class, ZvComposer, attach_button);
  gtk_widget_class_bind_template_child (widget_class, ZvComposer, text_view);
  gtk_widget_class_bind_template_child (widget_class, ZvComposer, send_button);
  gtk_widget_class_bind_template_callback (widget_class, send_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_mode);
  gtk_widget_class_bind_template_callback (widget_class, dismiss_error);
  gtk_widget_class_bind_template_callback (widget_class, attach_clicked);
}

static void
zv_composer_init (ZvComposer *self)
{
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (SETTINGS_SCHEMA_ID);
  g_signal_connect_object (gtk_text_view_get_buffer (self->text_view), "changed",
                           G_CALLBACK (buffer_changed_cb), self, G_CONNECT_SWAPPED);

  /* Capture phase: the text view would insert the newline before a bubbling handler runs. */
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), keys);

  g_signal_connect_object (self->text_view, "paste-clipboard", G_CALLBACK (paste_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (zv_composer_create_drop_target (self)));
}
